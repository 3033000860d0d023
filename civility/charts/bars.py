"""Bar charts, 100% stacked bars and the donut: counts and parts of a whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

from civility.charts.base import (
    INK,
    MUTED,
    NEUTRAL,
    Bar,
    _empty,
    _f,
    _number,
    _rect,
    _svg,
    _text,
    _text_width,
    percent,
)
from civility.wording import shorten

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
    labels = [shorten(b.label, label_chars) for b in items]
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
    row_labels = [shorten(label, label_chars) for label, _ in rows]
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
