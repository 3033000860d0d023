"""The engine end to end: the example page is judged the way a news moderator would."""

from __future__ import annotations

import pytest

from civility import Moderator, read_page
from civility.types import ATTRIBUTES
from tests.helpers import EXAMPLE_PAGE, example_labels, needs_example


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


@pytest.fixture(scope="module")
def page_verdicts(moderator):
    page = read_page(EXAMPLE_PAGE)
    return {int(v.id): v for v in moderator.moderate_page(page)}


def test_every_comment_gets_every_attribute_as_a_probability(moderator):
    (verdict,) = moderator.moderate(["What a thoughtful piece."])
    assert set(verdict.attributes) == set(ATTRIBUTES)
    assert all(0.0 <= p <= 1.0 for p in verdict.attributes.values())


def test_verdicts_come_back_in_input_order_with_their_ids(moderator):
    verdicts = moderator.moderate(["first", "second", "third"])
    assert [v.id for v in verdicts] == ["1", "2", "3"]
    assert [v.text for v in verdicts] == ["first", "second", "third"]


def test_a_polite_comment_is_published_with_a_reason(moderator):
    (verdict,) = moderator.moderate(["Thank you for explaining the trade figures so clearly."])
    assert verdict.decision == "publish"
    assert verdict.reasons


def test_an_explicit_threat_is_rejected_and_explained(moderator):
    (verdict,) = moderator.moderate(["I will find you and kill you."])
    assert verdict.decision == "reject"
    assert any(s.attribute == "threat" for s in verdict.spans)


def test_a_merely_mentioned_group_is_not_a_target(moderator):
    (verdict,) = moderator.moderate(["My Azeri neighbours are kind and generous people."])
    assert verdict.targets == ()
    assert verdict.decision == "publish"


def test_spans_point_into_the_original_text_even_when_disguised(moderator):
    text = "all those r4ts should be exterminated"
    (verdict,) = moderator.moderate([text])
    assert verdict.spans
    for span in verdict.spans:
        assert text[span.start : span.end] == span.text


def test_an_empty_batch_gives_no_verdicts(moderator):
    assert moderator.moderate([]) == []


@needs_example
def test_every_harmful_comment_on_the_example_page_is_held_or_rejected(page_verdicts):
    for label in example_labels():
        verdict = page_verdicts[label["comment"]]
        if label["expect"] == "flag":
            assert verdict.decision in ("review", "reject"), (label, verdict.attributes)


@needs_example
def test_the_legitimate_opinions_on_the_example_page_are_published(page_verdicts):
    for label in example_labels():
        if label["expect"] == "publish":
            assert page_verdicts[label["comment"]].decision == "publish", page_verdicts[
                label["comment"]
            ]


@needs_example
def test_the_targeted_groups_on_the_example_page_are_named(page_verdicts):
    for label in example_labels():
        if label["expect"] == "flag" and label["targets"]:
            named = {t.group for t in page_verdicts[label["comment"]].targets}
            assert set(label["targets"]) <= named, (label["comment"], named)
