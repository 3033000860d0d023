"""Specification of the inline SVG charts shared by the HTML report and the dashboard."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from civility import charts
from civility.charts import (
    ATTRIBUTE_COLOURS,
    CATEGORY_COLOURS,
    DECISION_COLOURS,
    Bar,
    Series,
    bar_chart,
    bin_counts,
    donut,
    histogram,
    percent,
    small_multiples,
    stacked_bars,
    time_series,
)
from civility.records import ATTRIBUTES

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2025, 7, 1, tzinfo=UTC)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _texts(svg: str) -> list[str]:
    return [el.text or "" for el in _parse(svg).iter(f"{SVG}text")]


def _every_chart() -> list[str]:
    return [
        bar_chart({"threat": 0.4, "insult": 0.2}, title="Bars"),
        stacked_bars([("", {"publish": 5, "review": 3, "reject": 6})], title="Decisions",
                     colours=DECISION_COLOURS),
        donut({"publish": 5, "reject": 9}, title="Donut", colours=DECISION_COLOURS),
        histogram(bin_counts([0.1, 0.2, 0.9]), title="Histogram"),
        small_multiples({"threat": [3, 0, 0, 0, 0, 1, 0, 0, 0, 2]}, title="Multiples"),
        time_series([Series("All", [(T0, 3), (T0 + timedelta(days=1), 5)])], title="Time"),
    ]


@pytest.mark.parametrize("svg", _every_chart())
def test_every_chart_is_well_formed_svg_named_for_screen_readers(svg):
    root = _parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}desc").text  # the data in words
    assert root.get("viewBox") and root.get("width") == "100%"


@pytest.mark.parametrize("svg", _every_chart())
def test_no_chart_loads_or_runs_anything(svg):
    assert "<script" not in svg and "<image" not in svg and "<foreignObject" not in svg
    assert "@import" not in svg and "url(" not in svg and "href" not in svg
    assert re.findall(r"https?://[^\"']+", svg) == ["http://www.w3.org/2000/svg"]


def test_charts_with_different_data_get_different_ids_and_the_same_data_the_same_id():
    a = bar_chart({"x": 1}, title="A")
    b = bar_chart({"x": 1}, title="B")
    assert _parse(a).get("aria-labelledby") != _parse(b).get("aria-labelledby")
    assert a == bar_chart({"x": 1}, title="A")
    assert 'id="mine-t"' in bar_chart({"x": 1}, title="A", chart_id="mine")


def test_a_bar_chart_writes_every_label_and_its_value_beside_the_bar():
    svg = bar_chart(
        [Bar("identity attack", 0.5, ATTRIBUTE_COLOURS["identity_attack"], "(7)"),
         Bar("threat", 0.36, ATTRIBUTE_COLOURS["threat"], "(5)")],
        title="Share above 0.5",
        max_value=1.0,
    )
    texts = _texts(svg)
    assert "identity attack" in texts and "50%  (7)" in texts
    assert "threat" in texts and "36%  (5)" in texts
    assert ATTRIBUTE_COLOURS["identity_attack"] in svg


def test_bar_lengths_are_proportional_to_values_on_a_fixed_scale():
    svg = bar_chart({"a": 1.0, "b": 0.25}, title="t", max_value=1.0)
    widths = [
        float(r.get("width"))
        for r in _parse(svg).iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None  # the value bars carry a tooltip; tracks do not
    ]
    assert widths[1] == pytest.approx(widths[0] / 4, abs=0.2)


def test_user_supplied_labels_are_escaped_not_interpreted():
    svg = bar_chart({"<script>alert(1)</script> & co": 3}, title="<b>Groups</b>",
                    value_format=lambda v: f"{v:.0f}", label_chars=80)
    root = _parse(svg)  # would not parse if markup leaked through
    assert not list(root.iter(f"{SVG}script"))
    assert "&lt;script&gt;" in svg and "&amp; co" in svg
    assert root.find(f"{SVG}title").text == "<b>Groups</b>"


def test_long_labels_are_shortened_with_an_ellipsis():
    svg = bar_chart({"a" * 60: 1}, title="t", label_chars=20)
    assert "a" * 19 + "…" in _texts(svg)


def test_stacked_bars_show_counts_and_a_legend_with_totals_and_shares():
    svg = stacked_bars(
        [("", {"publish": 0, "review": 5, "reject": 9})],
        title="Decisions",
        colours=DECISION_COLOURS,
        labels={"publish": "Published", "review": "Held", "reject": "Rejected"},
    )
    texts = _texts(svg)
    assert "Held 5 (36%)" in texts and "Rejected 9 (64%)" in texts and "Published 0 (0%)" in texts
    assert "5" in texts and "9" in texts
    # an empty part draws no segment (only the legend swatch)
    assert svg.count(f'fill="{DECISION_COLOURS["publish"]}"') == 1


def test_stacked_bars_per_row_label_each_row_with_its_size():
    svg = stacked_bars(
        [("Article A", {"publish": 8, "reject": 2}), ("Article B", {"publish": 1, "reject": 1})],
        title="Per article",
        colours=DECISION_COLOURS,
    )
    texts = _texts(svg)
    assert {"Article A", "Article B", "n=10", "n=2"} <= set(texts)


def test_a_donut_lists_each_part_with_its_share_and_a_single_part_is_a_full_ring():
    svg = donut({"publish": 5, "reject": 15}, title="t", colours=DECISION_COLOURS,
                centre="75%", centre_caption="flagged")
    texts = _texts(svg)
    assert "publish: 5 (25%)" in texts and "reject: 15 (75%)" in texts and "75%" in texts
    assert len(list(_parse(svg).iter(f"{SVG}path"))) == 2
    whole = donut({"reject": 3}, title="t", colours=DECISION_COLOURS)
    assert len(list(_parse(whole).iter(f"{SVG}circle"))) == 1


def test_bin_counts_clamps_the_ends_and_ignores_nan():
    assert bin_counts([0.0, 0.05, 0.5, 0.99, 1.0, -1, 2, math.nan], bins=10) == [
        3, 0, 0, 0, 0, 1, 0, 0, 0, 3]


def test_a_histogram_draws_the_threshold_and_says_how_many_cross_it():
    svg = histogram(bin_counts([0.1, 0.1, 0.2, 0.55, 0.9, 0.95]), title="Threat", unit="comments")
    assert "3 comments ≥ 0.5" in _texts(svg)
    assert 'stroke-dasharray="3 3"' in svg
    assert "3 at or above 0.5" in _parse(svg).find(f"{SVG}desc").text


def test_small_multiples_draw_one_titled_panel_per_key_with_its_share_above_the_line():
    panels = {a: bin_counts([0.1, 0.7]) for a in ATTRIBUTES}
    svg = small_multiples(panels, title="Distributions", colours=ATTRIBUTE_COLOURS)
    root = _parse(svg)
    panel_groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "civ-panel"]
    assert len(panel_groups) == len(ATTRIBUTES)
    texts = _texts(svg)
    assert "identity attack" in texts and texts.count("50%") == len(ATTRIBUTES)


def test_a_time_series_labels_its_axis_with_dates_and_its_series_with_the_latest_value():
    points = [(T0 + timedelta(days=d), float(d * 2)) for d in range(6)]
    svg = time_series(
        [Series("All comments", points), Series("Flagged", [(t, v / 2) for t, v in points],
                                                DECISION_COLOURS["reject"], area=False)],
        title="Over time",
    )
    texts = _texts(svg)
    assert "02 Jul" in texts or "03 Jul" in texts
    assert "All comments (last: 10)" in texts and "Flagged (last: 5)" in texts
    assert len(list(_parse(svg).iter(f"{SVG}polygon"))) == 1  # only the area series is filled


def test_a_time_series_accepts_naive_datetimes_and_a_single_point():
    svg = time_series([Series("All", [(datetime(2025, 1, 1, 12), 4.0)])], title="t")
    assert len(list(_parse(svg).iter(f"{SVG}circle"))) == 1


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart({}, title="t"),
        stacked_bars([], title="t", colours=DECISION_COLOURS),
        donut({}, title="t", colours=DECISION_COLOURS),
        small_multiples({}, title="t"),
        time_series([], title="t"),
    ],
)
def test_charts_without_data_say_so_instead_of_failing(svg):
    assert any(t in ("No data", "No timestamps") for t in _texts(svg))


def test_percentages_never_round_something_to_nothing_or_almost_all_to_all():
    assert percent(0.643) == "64%"
    assert percent(0.0) == "0%" and percent(0.003) == "<1%" and percent(0.005) == "<1%"
    assert percent(1.0) == "100%" and percent(0.998) == ">99%"


def test_palettes_cover_every_attribute_decision_and_group_category():
    from typing import get_args

    from civility.records import GroupCategory

    assert set(ATTRIBUTE_COLOURS) == set(ATTRIBUTES)
    assert set(DECISION_COLOURS) == {"publish", "review", "reject"}
    assert set(CATEGORY_COLOURS) == set(get_args(GroupCategory))
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in
               [*ATTRIBUTE_COLOURS.values(), *CATEGORY_COLOURS.values(), charts.NEUTRAL])


def test_bin_index_is_the_one_rule_behind_every_score_histogram():
    from civility.binning import bin_index

    scores = [0.0, 0.05, 0.1, 0.5, 0.99, 1.0, -1, 2]
    assert [bin_index(s) for s in scores] == [0, 0, 1, 5, 9, 9, 0, 9]
    assert bin_index(math.nan) is None
    for s in scores:
        counts = bin_counts([s])
        assert counts.index(1) == bin_index(s)
