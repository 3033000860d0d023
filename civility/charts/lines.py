"""Lines: time series over datetimes and curves over a numeric x.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

from civility.charts.base import (
    GRID,
    MUTED,
    Curve,
    Marker,
    Series,
    _empty,
    _f,
    _number,
    _rect,
    _svg,
    _text,
    _text_width,
    percent,
)

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
