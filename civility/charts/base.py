"""What every chart shares: the palette, the data records (:class:`Bar`, :class:`Series`,
:class:`Curve`, :class:`Marker`) and the SVG plumbing (titles, text, escaping, sizes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

# --------------------------------------------------------------------------- palette

NEUTRAL = "#5B6770"
INK = "#1F2328"
MUTED = "#57606A"
GRID = "#D8DEE4"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

FONT_SIZE = 13
CHAR_WIDTH = 0.58 * FONT_SIZE  # rough average advance, enough to lay out label columns


def percent(value: float) -> str:
    """A share as a whole percentage (``0.643`` → ``"64%"``).

    A share that is not nothing never reads as 0% (``<1%``), nor one short of all as 100%.
    """
    text = f"{value:.0%}"
    if value > 0 and text == "0%":
        return "<1%"
    if value < 1 and text == "100%":
        return ">99%"
    return text


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# --------------------------------------------------------------------------- data records


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: ``note`` follows the value label (e.g. ``"9 comments"``)."""

    label: str
    value: float
    colour: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a time series: ``points`` are ``(time, value)`` in any order."""

    name: str
    points: Sequence[tuple[datetime, float]]
    colour: str = NEUTRAL
    area: bool = True


@dataclass(frozen=True, slots=True)
class Curve:
    """One line of a :func:`line_chart`: ``(x, y)`` points; gaps where y is None."""

    name: str
    points: Sequence[tuple[float, float | None]]
    colour: str = NEUTRAL
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """A labelled vertical line across a :func:`line_chart` at ``x`` (e.g. a threshold)."""

    x: float
    label: str
    colour: str = INK
    dashed: bool = True


# --------------------------------------------------------------------------- svg plumbing


def _uid(kind: str, *parts: object) -> str:
    """A stable id from the chart's content, so one page can hold many charts without clashes."""
    digest = hashlib.sha1(repr((kind, parts)).encode("utf-8")).hexdigest()[:10]
    return f"civ-{kind}-{digest}"


def _svg(
    kind: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    body: Iterable[str],
    chart_id: str | None,
) -> str:
    uid = chart_id or _uid(kind, width, height, title, desc)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="civ-chart civ-{kind}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" font-family="{escape(FONT)}" '
        f'font-size="{FONT_SIZE}" fill="{INK}" style="max-width:{_f(width)}px;height:auto">'
        f'<title id="{uid}-t">{escape(title)}</title>'
        f'<desc id="{uid}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _f(x: float) -> str:
    """Coordinates with at most one decimal: short files, no visible loss."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if not float(x).is_integer() else str(int(x))


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: float | None = None,
    fill: str | None = None,
    weight: str | None = None,
    extra: str = "",
) -> str:
    attrs = [f'x="{_f(x)}"', f'y="{_f(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size:
        attrs.append(f'font-size="{_f(size)}"')
    if fill:
        attrs.append(f'fill="{fill}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if extra:
        attrs.append(extra)
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "", rx: float = 2) -> str:
    inner = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(h)}" '
        f'rx="{_f(rx)}" fill="{fill}">{inner}</rect>'
    )


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * 0.58 * size


def _empty(kind: str, title: str, width: float, message: str, chart_id: str | None) -> str:
    body = [_text(width / 2, 30, message, anchor="middle", fill=MUTED)]
    return _svg(kind, width, 48, title, message, body, chart_id)
