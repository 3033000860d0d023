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
  of the terminal report (``civility.terminal``) so both reports agree;
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

Modules: ``base`` (palette, records, SVG plumbing), ``bars``, ``histograms``, ``lines``.
"""

from __future__ import annotations

from civility.binning import bin_counts
from civility.charts.bars import (
    bar_chart,
    donut,
    stacked_bars,
)
from civility.charts.base import (
    CHAR_WIDTH,
    FONT,
    FONT_SIZE,
    GRID,
    INK,
    MUTED,
    NEUTRAL,
    Bar,
    Curve,
    Marker,
    Series,
    percent,
)
from civility.charts.histograms import (
    histogram,
    small_multiples,
)
from civility.charts.lines import (
    line_chart,
    time_series,
)
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
    "CHAR_WIDTH",
    "DECISION_COLOURS",
    "DECISION_LABELS",
    "FONT",
    "FONT_SIZE",
    "GRID",
    "INK",
    "MUTED",
    "NEUTRAL",
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
