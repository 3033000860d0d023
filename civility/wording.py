"""Numbers in words for messages and reports: counts with the right noun, rates that say something,
text cut to fit a line.

One place, so "scored 1 comments" and "0 comments/s" for a slow small run do not come back
in one command after being fixed in another.
"""

from __future__ import annotations


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """``1 comment``, ``2 comments``, ``1,204 comments`` (``plural_form`` for irregular nouns)."""
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"


def rate(count: int, seconds: float, unit: str) -> str | None:
    """``count`` per second with as many digits as make it informative, or None when no rate
    can be given (nothing counted, or no time measured).

    ``rate(3, 7.9, "comments")`` is ``0.38 comments/s``, not ``0 comments/s``.
    """
    if count <= 0 or seconds <= 0:
        return None
    per_second = count / seconds
    if per_second >= 100:
        shown = f"{per_second:,.0f}"
    elif per_second >= 10:
        shown = f"{per_second:.1f}"
    elif per_second >= 0.01:
        shown = f"{per_second:.2g}"
    else:
        shown = "< 0.01"
    return f"{shown} {unit}/s"


def shorten(text: str, limit: int) -> str:
    """``text`` on one line (white space folded) in at most ``limit`` characters, cut with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
