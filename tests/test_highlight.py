"""Specification of civility.highlight: the one way the UI and the report cut text into runs."""

from __future__ import annotations

from civility.highlight import joined, runs


def test_overlapping_spans_cut_the_text_at_every_boundary_with_what_covers_each_run():
    # "you are a vile liar": "vile liar" (insult) overlaps "a vile" (threat, say).
    assert runs(19, [(10, 19, "insult"), (8, 14, "threat")]) == [
        (0, 8, []),
        (8, 10, ["threat"]),
        (10, 14, ["insult", "threat"]),
        (14, 19, ["insult"]),
    ]


def test_text_without_spans_is_one_run():
    assert runs(5, []) == [(0, 5, [])]


def test_neighbouring_runs_that_look_the_same_are_joined():
    assert joined([(0, 2, "a"), (2, 4, "a"), (4, 5, None), (5, 7, "a")]) == [
        (0, 4, "a"), (4, 5, None), (5, 7, "a")]
