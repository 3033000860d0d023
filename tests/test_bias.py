"""Bias in the raw score (issue 10, item 8): clients threshold the raw toxicity themselves.

Perspective clients apply their own threshold to the raw score (Coral Talk's default is 0.8),
so naming who someone is must not make a kind sentence toxic, while an insult that uses the
same word stays toxic.
"""

from __future__ import annotations

import pytest

from civility import Moderator
from civility.lexical import mitigations
from civility.normalize import normalize


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


@pytest.mark.parametrize(
    "text",
    [
        "My colleague Farid is a wonderful trans.",
        "Our new neighbour is a really kind queer.",
        "Being queer is perfectly normal.",
        "Being trans is fine.",
    ],
)
def test_praise_of_someone_named_by_an_identity_word_keeps_raw_toxicity_low(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["toxicity"] < 0.5
    assert verdict.decision == "publish"


def test_the_same_identity_word_in_an_insult_is_still_toxic(moderator):
    (verdict,) = moderator.moderate(["Nasty old queer, get out of my street."])
    assert verdict.attributes["toxicity"] >= 0.5


@pytest.mark.parametrize(
    "text",
    ["I'll give him a good old beating.", "A nice black coffee, then the match.",
     "He is a good straight shooter."],
)
def test_an_ordinary_adjective_after_praise_is_not_taken_for_an_identity(text):
    assert not [m for m in mitigations(normalize(text)) if m.kind == "support"]
