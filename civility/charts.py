"""Inline SVG charts for reports and the moderator dashboard.

Every function is pure: data in, one ``<svg>`` string out, with no scripts, no
external fonts or stylesheets and no ids that depend on anything but the input,
so a chart can be pasted into a self-contained HTML file, an e-mail or a web
page and looks the same offline. Charts are meant to be read, not decoded:

* every chart has a ``<title>`` and a ``<desc>`` (wired up with ``aria-labelledby``)
  that states the data in words, so screen readers get the numbers too;
* every bar or segment carries a visible text label with its value, and a
  ``<title>`` tooltip, so colour is never the only carrier of meaning;
* colours come from colour-blind-safe palettes (Okabe–Ito for decisions, Paul
  Tol's muted scheme for group categories); attribute colours mirror the hues
  of the terminal report (``civility.render``) so both reports agree;
* text is escaped here, so callers may pass user-supplied labels as they are.

Charts size themselves from a ``viewBox`` and stretch to their container's
width (``width="100%"``), with text in the page's font (``font-family`` is only
a fallback presentation attribute; page CSS wins).

API (all keyword options after the data)::

    bar_chart(bars, *, title, ...)            # horizontal bars, one per label
    stacked_bars(rows, *, title, colours)     # 100% stacked bars (e.g. decisions per article)
    donut(parts, *, title, colours)           # part-of-whole ring with a legend
    histogram(counts, *, title, ...)          # binned distribution on [0, 1] (see bin_counts)
    small_multiples(panels, *, title, ...)    # one mini histogram per attribute
    time_series(series, *, title, ...)        # line/area chart over datetimes
    line_chart(curves, *, title, markers)     # lines over a numeric x (e.g. precision by threshold)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from civility.binning import bin_counts
from civility.labels import (
    ATTRIBUTE_COLOURS,
    CATEGORY_COLOURS,
    DECISION_COLOURS,
    DECISION_LABELS,
    attribute_label,
)

__all__ = [
    "ATTRIBUTE_COLOURS",
    "CATEGORY_COLOURS",
    "DECISION_COLOURS",
    "DECISION_LABELS",
    "Bar",
    "Curve",
    "Marker",
    "Series",
    "attribute_label",
    "bar_chart",
    "bin_counts",
    "donut",
    "histogram",
    "line_chart",
    "percent",
    "small_multiples",
    "stacked_bars",
    "time_series",
]

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


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _empty(kind: str, title: str, width: float, message: str, chart_id: str | None) -> str:
    body = [_text(width / 2, 30, message, anchor="middle", fill=MUTED)]
    return _svg(kind, width, 48, title, message, body, chart_id)


# --------------------------------------------------------------------------- bar chart


def bar_chart(
    bars: Sequence[Bar] | Mapping[str, float],
    *,
    title: str,
    max_value: float | None = None,
    value_format: Callable[[float], str] = percent,
    colour: str = NEUTRAL,
    width: float = 480,
    bar_height: float = 18,
    label_chars: int = 28,
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one per label, in the order given, each with its value written beside it.

    ``max_value`` fixes the scale (use 1.0 for shares so charts compare); by
    default the longest bar fills the plot. A mapping is read as ``label → value``.
    """
    items = [Bar(k, v) for k, v in bars.items()] if isinstance(bars, Mapping) else list(bars)
    if not items:
        return _empty("bars", title, width, "No data", chart_id)
    labels = [_shorten(b.label, label_chars) for b in items]
    values = [value_format(b.value) + (f"  {b.note}" if b.note else "") for b in items]
    label_w = max(_text_width(s) for s in labels) + 10
    value_w = max(_text_width(s) for s in values) + 8
    plot_w = max(width - label_w - value_w, 60)
    top = max((b.value for b in items), default=0.0)
    scale = max_value if max_value is not None else (top or 1.0)
    row = bar_height + 8
    height = len(items) * row + 6
    body: list[str] = []
    for i, (bar, label, value) in enumerate(zip(items, labels, values, strict=True)):
        y = 4 + i * row
        w = plot_w * min(max(bar.value / scale, 0.0), 1.0) if scale else 0.0
        tip = f"{bar.label}: {value}"
        fill = bar.colour or colour
        body.append(
            '<g class="civ-bar">'
            + _text(label_w - 8, y + bar_height * 0.72, label, anchor="end")
            + _rect(label_w, y, plot_w, bar_height, "#F1F3F5", rx=3)
            + _rect(label_w, y, w, bar_height, fill, tip, rx=3)
            + _text(label_w + w + 6, y + bar_height * 0.72, value, fill=INK)
            + "</g>"
        )
    text = desc or "; ".join(f"{b.label}: {v}" for b, v in zip(items, values, strict=True))
    return _svg("bars", width, height, title, text, body, chart_id)


# --------------------------------------------------------------------------- stacked bars


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[str, float]]],
    *,
    title: str,
    colours: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    width: float = 480,
    bar_height: float = 26,
    label_chars: int = 24,
    legend: bool = True,
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """One 100% bar per row (``(row label, {part: count})``), parts in ``colours`` order.

    Segments wide enough to hold it show their count; a legend above names each
    part with its total across rows. An empty row label draws a full-width bar
    (use that for a single "all comments" bar).
    """
    order = list(colours)
    names = labels or {}
    if not rows or not any(sum(parts.values()) for _, parts in rows):
        return _empty("stacked", title, width, "No data", chart_id)
    show_labels = any(label for label, _ in rows)
    row_labels = [_shorten(label, label_chars) for label, _ in rows]
    totals = [sum(max(parts.get(k, 0), 0) for k in order) for _, parts in rows]
    total_labels = [f"n={_number(t)}" for t in totals] if show_labels else ["" for _ in rows]
    label_w = (max(_text_width(s) for s in row_labels) + 10) if show_labels else 0
    # Digits run wider than the average glyph the estimate assumes: leave room.
    total_w = (max(_text_width(s, 11) for s in total_labels) + 18) if show_labels else 0
    plot_w = max(width - label_w - total_w, 80)
    body: list[str] = []
    y = 0.0
    grand = {k: sum(max(parts.get(k, 0), 0) for _, parts in rows) for k in order}
    all_total = sum(grand.values())
    if legend:
        x = 0.0
        y = 4.0
        for key in order:
            item = f"{names.get(key, key)} {_number(grand[key])}"
            if all_total:
                item += f" ({percent(grand[key] / all_total)})"
            w = _text_width(item) + 26
            if x + w > width and x > 0:
                x, y = 0.0, y + 20
            body.append(
                _rect(x, y, 12, 12, colours[key], rx=2) + _text(x + 17, y + 10.5, item)
            )
            x += w
        y += 24
    row_h = bar_height + 10
    for label, (_, parts), total, total_label in zip(
        row_labels, rows, totals, total_labels, strict=True
    ):
        if show_labels:
            body.append(_text(label_w - 8, y + bar_height * 0.66, label, anchor="end"))
        x = float(label_w)
        for key in order:
            count = max(parts.get(key, 0), 0)
            if not count or not total:
                continue
            w = plot_w * count / total
            prefix = f"{label}: " if label else ""
            tip = f"{prefix}{names.get(key, key)} {_number(count)} ({percent(count / total)})"
            body.append(_rect(x, y, w, bar_height, colours[key], tip, rx=0))
            text = _number(count)
            if w >= _text_width(text, 12) + 8:
                body.append(
                    _text(x + w / 2, y + bar_height * 0.68, text, anchor="middle", size=12,
                          fill="#FFFFFF", weight="600")
                )
            x += w
        if show_labels:
            body.append(
                _text(label_w + plot_w + 6, y + bar_height * 0.66, total_label, size=11, fill=MUTED)
            )
        y += row_h
    text = desc or "; ".join(
        f"{label or 'all'}: "
        + ", ".join(f"{names.get(k, k)} {_number(parts.get(k, 0))}" for k in order)
        for label, parts in rows
    )
    return _svg("stacked", width, y + 2, title, text, body, chart_id)


# --------------------------------------------------------------------------- donut


def donut(
    parts: Mapping[str, float],
    *,
    title: str,
    colours: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    centre: str = "",
    centre_caption: str = "",
    size: float = 150,
    width: float = 400,
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """A part-of-whole ring (parts in ``colours`` order) with a legend of counts and shares.

    ``centre`` is a big figure in the hole (e.g. the share flagged), with an optional caption.
    """
    names = labels or {}
    order = [k for k in colours if parts.get(k, 0) > 0]
    total = sum(parts.get(k, 0) for k in order)
    if not total:
        return _empty("donut", title, width, "No data", chart_id)
    cx = cy = size / 2
    outer, inner = size / 2 - 2, size / 2 * 0.58
    body: list[str] = []
    angle = -math.pi / 2
    for key in order:
        share = parts[key] / total
        tip = f"{names.get(key, key)} {_number(parts[key])} ({percent(share)})"
        if share >= 0.9999:
            body.append(
                f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f((outer + inner) / 2)}" fill="none" '
                f'stroke="{colours[key]}" stroke-width="{_f(outer - inner)}">'
                f"<title>{escape(tip)}</title></circle>"
            )
            break
        end = angle + share * 2 * math.pi
        body.append(
            f'<path d="{_arc(cx, cy, outer, inner, angle, end)}" fill="{colours[key]}" '
            f'stroke="#FFFFFF" stroke-width="1.5"><title>{escape(tip)}</title></path>'
        )
        angle = end
    if centre:
        body.append(
            _text(cx, cy + (4 if centre_caption else 8), centre, anchor="middle", size=24,
                  weight="700")
        )
    if centre_caption:
        body.append(_text(cx, cy + 20, centre_caption, anchor="middle", size=11, fill=MUTED))
    ly = max(cy - len(order) * 11, 4)
    for i, key in enumerate(order):
        y = ly + i * 22
        body.append(
            _rect(size + 20, y, 12, 12, colours[key])
            + _text(size + 38, y + 10.5,
                    f"{names.get(key, key)}: {_number(parts[key])} ({percent(parts[key] / total)})")
        )
    text = desc or ", ".join(
        f"{names.get(k, k)} {_number(parts[k])} of {_number(total)}" for k in order
    )
    return _svg("donut", width, size, title, text, body, chart_id)


def _arc(cx: float, cy: float, r1: float, r0: float, a0: float, a1: float) -> str:
    large = 1 if a1 - a0 > math.pi else 0
    p = [
        (cx + r1 * math.cos(a0), cy + r1 * math.sin(a0)),
        (cx + r1 * math.cos(a1), cy + r1 * math.sin(a1)),
        (cx + r0 * math.cos(a1), cy + r0 * math.sin(a1)),
        (cx + r0 * math.cos(a0), cy + r0 * math.sin(a0)),
    ]
    return (
        f"M{_f(p[0][0])},{_f(p[0][1])} A{_f(r1)},{_f(r1)} 0 {large} 1 {_f(p[1][0])},{_f(p[1][1])} "
        f"L{_f(p[2][0])},{_f(p[2][1])} A{_f(r0)},{_f(r0)} 0 {large} 0 {_f(p[3][0])},{_f(p[3][1])} Z"
    )


# --------------------------------------------------------------------------- histograms


def histogram(
    counts: Sequence[int],
    *,
    title: str,
    colour: str = NEUTRAL,
    domain: tuple[float, float] = (0.0, 1.0),
    threshold: float | None = 0.5,
    width: float = 480,
    height: float = 180,
    unit: str = "comments",
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """A distribution from pre-binned ``counts`` (see :func:`bin_counts`) over ``domain``.

    Bars at or above ``threshold`` are full colour and the rest pale, with a
    dashed line and the number of items above it, because "how many cross the
    line" is the question a moderator asks of a score distribution.
    """
    body = list(_histogram_body(counts, 0, 0, width, height, colour, domain, threshold, unit))
    text = desc or _histogram_desc(counts, domain, threshold, unit)
    return _svg("histogram", width, height, title, text, body, chart_id)


def _histogram_body(
    counts: Sequence[int],
    x0: float,
    y0: float,
    width: float,
    height: float,
    colour: str,
    domain: tuple[float, float],
    threshold: float | None,
    unit: str,
    *,
    compact: bool = False,
) -> Iterable[str]:
    lo, hi = domain
    bins = len(counts) or 1
    left = 4 if compact else 34
    bottom = 16 if compact else 22
    top = 16 if compact else 18
    plot_w, plot_h = width - left - 6, height - bottom - top
    peak = max(counts, default=0) or 1
    bw = plot_w / bins
    yield (
        f'<line x1="{_f(x0 + left)}" y1="{_f(y0 + top + plot_h)}" x2="{_f(x0 + left + plot_w)}" '
        f'y2="{_f(y0 + top + plot_h)}" stroke="{GRID}"/>'
    )
    for i, count in enumerate(counts):
        b_lo = lo + (hi - lo) * i / bins
        b_hi = lo + (hi - lo) * (i + 1) / bins
        h = plot_h * count / peak
        above = threshold is None or b_lo >= threshold - 1e-9
        tip = f"{b_lo:.1f}–{b_hi:.1f}: {_number(count)} {unit}"
        yield (
            f'<g opacity="{1 if above else 0.45}">'
            + _rect(x0 + left + i * bw + 1, y0 + top + plot_h - h, bw - 2, h, colour, tip, rx=1)
            + "</g>"
        )
    if not compact:
        yield _text(x0 + left - 6, y0 + top + 4, _number(peak), anchor="end", size=11, fill=MUTED)
        yield _text(x0 + left - 6, y0 + top + plot_h, "0", anchor="end", size=11, fill=MUTED)
    for tick in (lo, (lo + hi) / 2, hi):
        tx = x0 + left + plot_w * (tick - lo) / ((hi - lo) or 1)
        anchor = "start" if tick == lo else "end" if tick == hi else "middle"
        yield _text(tx, y0 + top + plot_h + 13, f"{tick:g}", anchor=anchor, size=10, fill=MUTED)
    if threshold is not None and lo <= threshold <= hi:
        tx = x0 + left + plot_w * (threshold - lo) / ((hi - lo) or 1)
        above_n = sum(
            c for i, c in enumerate(counts) if lo + (hi - lo) * i / bins >= threshold - 1e-9
        )
        yield (
            f'<line x1="{_f(tx)}" y1="{_f(y0 + top - 4)}" x2="{_f(tx)}" '
            f'y2="{_f(y0 + top + plot_h)}" stroke="{INK}" stroke-dasharray="3 3" stroke-width="1"/>'
        )
        if not compact:
            yield _text(tx + 4, y0 + top + 6, f"{_number(above_n)} {unit} ≥ {threshold:g}",
                        size=11, fill=INK)


def _histogram_desc(
    counts: Sequence[int], domain: tuple[float, float], threshold: float | None, unit: str
) -> str:
    lo, hi = domain
    bins = len(counts) or 1
    parts = [
        f"{lo + (hi - lo) * i / bins:.1f}–{lo + (hi - lo) * (i + 1) / bins:.1f}: {c}"
        for i, c in enumerate(counts)
    ]
    text = f"{_number(sum(counts))} {unit}; " + ", ".join(parts)
    if threshold is not None:
        above = sum(c for i, c in enumerate(counts) if lo + (hi - lo) * i / bins >= threshold)
        text += f"; {_number(above)} at or above {threshold:g}"
    return text


def small_multiples(
    panels: Mapping[str, Sequence[int]],
    *,
    title: str,
    colours: Mapping[str, str] | None = None,
    threshold: float | None = 0.5,
    domain: tuple[float, float] = (0.0, 1.0),
    columns: int = 5,
    panel_width: float = 150,
    panel_height: float = 96,
    unit: str = "comments",
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """A grid of mini histograms, one per key (e.g. per attribute), each on its own scale.

    Each panel is titled with its key (underscores read as spaces) and the share
    of items at or above ``threshold``; the scales differ per panel because the
    shapes, not the heights, are what compare.
    """
    if not panels:
        return _empty("multiples", title, panel_width * columns, "No data", chart_id)
    palette = colours or {}
    cols = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / cols)
    gap = 14
    width = cols * panel_width + (cols - 1) * gap
    cell_h = panel_height + 22
    height = rows * cell_h
    body: list[str] = []
    lines: list[str] = []
    for i, (key, counts) in enumerate(panels.items()):
        x0 = (i % cols) * (panel_width + gap)
        y0 = (i // cols) * cell_h
        total = sum(counts)
        bins = len(counts) or 1
        lo, hi = domain
        above = (
            sum(c for j, c in enumerate(counts) if lo + (hi - lo) * j / bins >= threshold - 1e-9)
            if threshold is not None
            else 0
        )
        share = percent(above / total) if total else "–"
        name = attribute_label(key)
        body.append(f'<g class="civ-panel"><title>{escape(name)}: {share} at or above '
                    f'{threshold if threshold is not None else ""}</title>')
        body.append(_text(x0 + 4, y0 + 13, _shorten(name, 22), weight="600", size=12))
        if threshold is not None:
            body.append(
                _text(x0 + panel_width - 4, y0 + 13, share, anchor="end", size=12,
                      fill=palette.get(key, NEUTRAL), weight="700")
            )
        body.extend(
            _histogram_body(counts, x0, y0 + 6, panel_width, panel_height,
                            palette.get(key, NEUTRAL), domain, threshold, unit, compact=True)
        )
        body.append("</g>")
        lines.append(f"{name}: {share} of {_number(total)} at or above {threshold}")
    text = desc or "; ".join(lines)
    return _svg("multiples", width, height, title, text, body, chart_id)


# --------------------------------------------------------------------------- time series


def time_series(
    series: Sequence[Series],
    *,
    title: str,
    value_format: Callable[[float], str] = _number,
    width: float = 960,
    height: float = 220,
    y_label: str = "",
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """Lines (filled as areas unless ``Series.area`` is false) over time, sharing one y scale.

    Naive datetimes are taken as UTC. Axis ticks adapt to the time span (hours,
    days or months), and the latest value of each series is labelled at its end.
    """
    pts = [
        (s, sorted((_ts(t), float(v)) for t, v in s.points)) for s in series if s.points
    ]
    if not pts:
        return _empty("timeseries", title, width, "No timestamps", chart_id)
    xs = [x for _, p in pts for x, _ in p]
    x_lo, x_hi = min(xs), max(xs)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1800, x_hi + 1800
    y_hi = _nice_ceiling(max((v for _, p in pts for _, v in p), default=1.0) or 1.0)
    left, right, top, bottom = 44, 16, 30, 26
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + plot_w * (x - x_lo) / (x_hi - x_lo)

    def sy(v: float) -> float:
        return top + plot_h * (1 - v / y_hi)

    body: list[str] = []
    for frac in (0, 0.5, 1):
        y = sy(y_hi * frac)
        dash = "" if frac == 0 else ' stroke-dasharray="2 3"'
        body.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{_f(left + plot_w)}" y2="{_f(y)}" '
            f'stroke="{GRID}"{dash}/>'
        )
        body.append(_text(left - 6, y + 4, value_format(y_hi * frac), anchor="end", size=11,
                          fill=MUTED))
    if y_label:
        body.append(_text(left, 14, y_label, size=11, fill=MUTED))
    for t in _time_ticks(x_lo, x_hi):
        body.append(
            _text(sx(t), top + plot_h + 16, _tick_label(t, x_hi - x_lo), anchor="middle",
                  size=11, fill=MUTED)
        )
    lx = left + (_text_width(y_label, 11) + 18 if y_label else 0)
    for s, p in pts:
        line = " ".join(f"{_f(sx(x))},{_f(sy(v))}" for x, v in p)
        if s.area:
            area = (
                f"{_f(sx(p[0][0]))},{_f(sy(0))} {line} {_f(sx(p[-1][0]))},{_f(sy(0))}"
            )
            body.append(f'<polygon points="{area}" fill="{s.colour}" fill-opacity="0.18"/>')
        body.append(
            f'<polyline points="{line}" fill="none" stroke="{s.colour}" stroke-width="2" '
            f'stroke-linejoin="round"><title>{escape(s.name)}</title></polyline>'
        )
        if len(p) == 1:
            body.append(
                f'<circle cx="{_f(sx(p[0][0]))}" cy="{_f(sy(p[0][1]))}" r="3" fill="{s.colour}"/>'
            )
        legend = f"{s.name} (last: {value_format(p[-1][1])})"
        body.append(_rect(lx, 4, 12, 12, s.colour) + _text(lx + 17, 14.5, legend, size=12))
        lx += _text_width(legend, 12) + 34
    text = desc or "; ".join(
        f"{s.name}: {len(p)} points from {_tick_label(p[0][0], 1e9)} to "
        f"{_tick_label(p[-1][0], 1e9)}, peak {value_format(max(v for _, v in p))}"
        for s, p in pts
    )
    return _svg("timeseries", width, height, title, text, body, chart_id)


def _ts(t: datetime | float) -> float:
    if isinstance(t, datetime):
        return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()
    return float(t)


def _nice_ceiling(v: float) -> float:
    """The next round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ) at or above ``v``."""
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def _time_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    span = hi - lo
    steps = [3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400,
             30 * 86400, 91 * 86400, 365 * 86400]
    step = next((s for s in steps if span / s <= target), steps[-1])
    first = math.ceil(lo / step) * step
    ticks = []
    t = first
    while t <= hi and len(ticks) < 20:
        ticks.append(t)
        t += step
    return ticks or [lo]


def _tick_label(t: float, span: float) -> str:
    d = datetime.fromtimestamp(t, UTC)
    if span <= 2 * 86400:
        return d.strftime("%d %b %H:%M")
    if span <= 300 * 86400:
        return d.strftime("%d %b")
    return d.strftime("%b %Y")


# --------------------------------------------------------------------------- line chart


def line_chart(
    curves: Sequence[Curve],
    *,
    title: str,
    markers: Sequence[Marker] = (),
    x_domain: tuple[float, float] = (0.0, 1.0),
    y_domain: tuple[float, float] = (0.0, 1.0),
    x_label: str = "",
    y_format: Callable[[float], str] = percent,
    x_format: Callable[[float], str] = lambda x: f"{x:g}",
    width: float = 480,
    height: float = 240,
    desc: str | None = None,
    chart_id: str | None = None,
) -> str:
    """Lines over a numeric x on fixed domains, with labelled vertical markers.

    Made for curves by threshold (precision and recall of acting at each score), where the
    thresholds in force and proposed are what a reader compares: each marker is a line with
    its label (and value in the label, if the caller puts it there), staggered so that close
    markers stay readable. A missing y (None) breaks the line rather than drawing a zero.
    """
    drawn = [c for c in curves if any(y is not None for _, y in c.points)]
    if not drawn:
        return _empty("line", title, width, "No data", chart_id)
    (x_lo, x_hi), (y_lo, y_hi) = x_domain, y_domain
    x_span, y_span = (x_hi - x_lo) or 1.0, (y_hi - y_lo) or 1.0
    left, right, top, bottom = 44, 14, 48, 34 if x_label else 24
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + plot_w * (min(max(x, x_lo), x_hi) - x_lo) / x_span

    def sy(y: float) -> float:
        return top + plot_h * (1 - (min(max(y, y_lo), y_hi) - y_lo) / y_span)

    body: list[str] = []
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = y_lo + y_span * frac
        dash = "" if frac == 0 else ' stroke-dasharray="2 3"'
        body.append(f'<line x1="{left}" y1="{_f(sy(y))}" x2="{_f(left + plot_w)}" '
                    f'y2="{_f(sy(y))}" stroke="{GRID}"{dash}/>')
        body.append(_text(left - 6, sy(y) + 4, y_format(y), anchor="end", size=11, fill=MUTED))
    for frac in (0, 0.25, 0.5, 0.75, 1):
        x = x_lo + x_span * frac
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        body.append(_text(sx(x), top + plot_h + 15, x_format(x), anchor=anchor, size=11,
                          fill=MUTED))
    if x_label:
        body.append(_text(left + plot_w / 2, height - 4, x_label, anchor="middle", size=11,
                          fill=MUTED))
    lx = left
    for c in drawn:
        dash = ' stroke-dasharray="5 4"' if c.dashed else ""
        # The key is a stretch of the line itself: solid and dashed curves share a colour.
        body.append(f'<line x1="{_f(lx)}" y1="10" x2="{_f(lx + 22)}" y2="10" '
                    f'stroke="{c.colour}" stroke-width="2.5"{dash}/>'
                    + _text(lx + 27, 14.5, c.name, size=12))
        lx += _text_width(c.name, 12) + 44
        run: list[str] = []
        for x, y in [*sorted(c.points, key=lambda p: p[0]), (x_hi + 1, None)]:
            if y is not None and x <= x_hi:
                run.append(f"{_f(sx(x))},{_f(sy(y))}")
                continue
            if len(run) > 1:
                body.append(f'<polyline points="{" ".join(run)}" fill="none" '
                            f'stroke="{c.colour}" stroke-width="2" stroke-linejoin="round"'
                            f'{dash}><title>{escape(c.name)}</title></polyline>')
            elif run:
                cx, cy = run[0].split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{c.colour}"/>')
            run = []
    ends: list[float] = []
    for m in sorted(markers, key=lambda m: m.x):
        x = sx(m.x)
        dash = ' stroke-dasharray="4 3"' if m.dashed else ""
        body.append(f'<line x1="{_f(x)}" y1="{_f(top - 4)}" x2="{_f(x)}" '
                    f'y2="{_f(top + plot_h)}" stroke="{m.colour}" stroke-width="1.5"{dash}>'
                    f"<title>{escape(m.label)}</title></line>")
        label_w = _text_width(m.label, 11)
        flip = x + 4 + label_w > width - right
        tx = x - 4 if flip else x + 4
        start, end = (tx - label_w, tx) if flip else (tx, tx + label_w)
        row = next((r for r, last in enumerate(ends) if last < start - 6), len(ends))
        y = top - 8 - 13 * (row % 2) if row < 2 else top + 12 + 13 * (row - 2)
        body.append(_text(tx, y, m.label, anchor="end" if flip else "start", size=11,
                          fill=m.colour, weight="600"))
        if row < len(ends):
            ends[row] = end
        else:
            ends.append(end)
    text = desc or "; ".join(_curve_desc(c, x_format, y_format) for c in drawn) + "".join(
        f"; marker: {m.label}" for m in markers)
    return _svg("line", width, height, title, text, body, chart_id)


def _curve_desc(c: Curve, x_format: Callable[[float], str],
                y_format: Callable[[float], str]) -> str:
    known = sorted((x, y) for x, y in c.points if y is not None)
    (x0, y0), (x1, y1) = known[0], known[-1]
    return (f"{c.name}: {y_format(y0)} at {x_format(x0)} to {y_format(y1)} at {x_format(x1)} "
            f"({len(known)} points)")
