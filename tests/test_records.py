"""Specification of the verdict's one JSON shape: ``Verdict.to_dict`` / ``Verdict.from_dict``."""

from __future__ import annotations

import json

import pytest

from civility.records import SCORE_DIGITS, Span, Target, Verdict
from tests.helpers import EXAMPLE_PAGE, needs_example


@pytest.fixture(scope="module")
def page_verdicts(moderator) -> list[Verdict]:
    from civility import read_page

    return moderator.moderate_page(read_page(EXAMPLE_PAGE))


@needs_example
def test_every_verdict_on_the_example_page_survives_a_json_round_trip_exactly(page_verdicts):
    assert any(v.spans for v in page_verdicts) and any(v.targets for v in page_verdicts)
    for v in page_verdicts:
        line = json.dumps(v.to_dict(include_text=True, digits=None))
        assert Verdict.from_dict(json.loads(line)) == v


@needs_example
def test_the_json_contract_rounds_scores_and_reads_back_to_the_same_line(page_verdicts):
    for v in page_verdicts:
        d = v.to_dict(include_text=True)
        assert json.loads(json.dumps(d)) == d
        assert all(p == round(p, SCORE_DIGITS) for p in d["attributes"].values())
        assert all(s["score"] == round(s["score"], SCORE_DIGITS) for s in d["spans"])
        assert Verdict.from_dict(d).to_dict(include_text=True) == d


def test_the_keys_come_in_the_documented_order_and_unknown_facts_are_left_out():
    v = Verdict("c1", "nuke 'em", {"threat": 0.912345}, (Target("Turks", "nationality", "turks",
                0, 5),), (Span(0, 4, "threat", "nuke", 0.87654),), "reject", ("threat 0.91",))
    d = v.to_dict()
    assert list(d) == ["id", "attributes", "targets", "spans", "decision", "reasons"]
    assert d["attributes"] == {"threat": 0.9123}
    assert d["targets"] == [{"group": "Turks", "category": "nationality", "mention": "turks",
                             "start": 0, "end": 5}]
    assert d["spans"] == [{"start": 0, "end": 4, "attribute": "threat", "text": "nuke",
                           "score": 0.8765}]
    assert Span.from_dict(d["spans"][0]) == Span(0, 4, "threat", "nuke", 0.8765)
    assert Target.from_dict(d["targets"][0]) == v.targets[0]


def test_a_value_of_the_wrong_type_is_an_error_not_a_verdict():
    with pytest.raises((ValueError, TypeError, AttributeError)):
        Verdict.from_dict({"id": "1", "attributes": {"toxicity": "high"}})
    with pytest.raises((ValueError, TypeError, AttributeError)):
        Verdict.from_dict({"id": "1", "attributes": {}, "spans": [{"start": "x"}]})
