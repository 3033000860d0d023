"""Score histograms on ``[0, 1]`` and small multiples of them, one per attribute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from civility.charts.base import (
    GRID,
    INK,
    MUTED,
    NEUTRAL,
    _empty,
    _f,
    _number,
    _rect,
    _svg,
    _text,
    percent,
)
from civility.labels import attribute_label
from civility.wording import shorten

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
        body.append(_text(x0 + 4, y0 + 13, shorten(name, 22), weight="600", size=12))
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
