"""Cutting a comment into runs for highlighting: one algorithm for the UI, the report and
the terminal.

Spans may overlap, so a highlighter cannot wrap each span in its own tag. Instead the text is
cut at every span boundary; each run carries the spans covering all of it, and neighbouring
runs that would look the same are joined. The moderator UI (``server/ui.py``), the HTML
report (``report/html.py``) and the terminal's «marks» (``terminal.py``) differ only in what
they draw for a run.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import TypeVar

__all__ = ["joined", "runs"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def runs(length: int, ranges: Sequence[tuple[int, int, T]]) -> list[tuple[int, int, list[T]]]:
    """``[0, length)`` cut at every boundary of ``ranges`` (``(start, end, item)``, inside
    the text), each run with the items that cover all of it, in their order."""
    bounds = sorted({0, length, *(a for a, _, _ in ranges), *(b for _, b, _ in ranges)})
    return [(a, b, [x for s, e, x in ranges if s <= a and b <= e]) for a, b in pairwise(bounds)]


def joined(pieces: Iterable[tuple[int, int, K]]) -> list[tuple[int, int, K]]:
    """Neighbouring pieces with equal keys joined into one."""
    out: list[tuple[int, int, K]] = []
    for a, b, key in pieces:
        if out and out[-1][2] == key:
            out[-1] = (out[-1][0], b, key)
        else:
            out.append((a, b, key))
    return out
