"""Work the transformer skips must not change a single result: near-duplicate texts (spam
floods) share the network's reading and nothing else, and an article's context is worked out
once per article."""

from __future__ import annotations

import pytest

from civility import fuse
from civility.model import NeuralScorer
from civility.moderator import Moderator

FLOOD = [
    "Buy cheap pills at example dot com!!!",
    "BUY CHEAP PILLS AT EXAMPLE DOT COM!!!",
    "Buy  cheap   pills at example dot com!!!",
    "Buy ch3ap p1lls at example dot com!!!",
    "B u y cheap pills at example dot com !!!",
]
#: One character away from the flood, and read differently by the network.
NEIGHBOURS = [
    "Buy cheap pills at example dot com!!",
    "Buy cheap pills at exarnple dot com!!!",
    "Buy cheap pills at example dot org!!!",
]


def _counting(scorer: NeuralScorer, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    read: list[int] = []
    run = scorer._run

    def counting(windows, which):  # type: ignore[no-untyped-def]
        which = list(which)
        read.append(len(which))
        return run(windows, which)

    monkeypatch.setattr(scorer, "_run", counting)
    return read


def _alone(texts: list[str]) -> list:
    """Each text read fully in a scorer of its own that remembers nothing."""
    return [NeuralScorer(remember=0).predict([t])[0] for t in texts]


def test_variants_the_network_cannot_tell_apart_are_read_once_and_score_as_a_full_read(
        monkeypatch):
    scorer = NeuralScorer()
    read = _counting(scorer, monkeypatch)
    outs = scorer.predict(FLOOD)
    assert sum(read) == 1
    for got, full, text in zip(outs, _alone(FLOOD), FLOOD, strict=True):
        assert got.scores == pytest.approx(full.scores, abs=1e-6), text
        assert got.token_offsets == full.token_offsets, text  # in this text's own characters
        assert got.token_scores == pytest.approx(full.token_scores, abs=1e-6), text


def test_a_variant_in_a_later_call_is_not_read_again(monkeypatch):
    scorer = NeuralScorer()
    read = _counting(scorer, monkeypatch)
    scorer.predict(FLOOD[:1])
    later = scorer.predict(FLOOD[1:])
    assert sum(read) == 1
    for got, full in zip(later, _alone(FLOOD[1:]), strict=True):
        assert got.scores == pytest.approx(full.scores, abs=1e-6)
    scorer.forget()
    scorer.predict(FLOOD[1:2])
    assert sum(read) == 2


def test_different_comments_never_share_a_reading(monkeypatch):
    scorer = NeuralScorer()
    read = _counting(scorer, monkeypatch)
    texts = [FLOOD[0], *NEIGHBOURS, "You are an idiot.", "You are an idiot!"]
    outs = scorer.predict(texts)
    assert sum(read) == len(texts)
    for got, full in zip(outs, _alone(texts), strict=True):
        assert got.scores == pytest.approx(full.scores, abs=1e-6)
        assert got.token_scores == pytest.approx(full.token_scores, abs=1e-6)


def test_a_flood_of_variants_gets_the_verdicts_each_comment_gets_alone():
    moderator = Moderator()
    moderator.scorer.forget()
    texts = [*FLOOD, *NEIGHBOURS, "You are an idiot, buy cheap pills at example dot com!!!"]
    together = moderator.moderate(texts)
    alone = []
    for text in texts:
        moderator.scorer.forget()
        alone.append(moderator.moderate([text])[0])
    for got, want in zip(together, alone, strict=True):
        assert got.text == want.text
        assert got.attributes == pytest.approx(want.attributes, abs=1e-6)
        assert (got.decision, got.reasons, got.spans, got.targets) == (
            want.decision, want.reasons, want.spans, want.targets)


ARTICLE = ("The council voted on Tuesday to close the east bridge for repairs. Shop owners "
           "on the east side say the closure will cost them customers for a year. " * 20)
COMMENTS = ["The bridge closure will hurt the shops on the east side.",
            "Nice weather for a football match this weekend.",
            "The council are idiots for closing the bridge."]


def test_an_articles_context_is_worked_out_once_and_changes_no_result(monkeypatch):
    worked: list[str] = []
    stems = fuse.article_stems

    def counting(text: str) -> frozenset[str]:
        worked.append(text)
        return stems(text)

    monkeypatch.setattr(fuse, "article_stems", counting)
    moderator = Moderator()
    first = moderator.moderate(COMMENTS[:1], article=ARTICLE)
    rest = [moderator.moderate([c], article=ARTICLE)[0] for c in COMMENTS[1:]]
    assert len(worked) == 1
    cold = Moderator().moderate(COMMENTS, article=ARTICLE)  # a moderator that never saw it
    assert len(worked) == 2
    for got, want in zip([*first, *rest], cold, strict=True):
        assert got.attributes == want.attributes
        assert got.decision == want.decision
    assert cold[1].attributes["off_topic"] > cold[0].attributes["off_topic"]


def test_an_edited_article_is_worked_out_again():
    moderator = Moderator()
    comment = ["The bridge closure will hurt the shops on the east side."]
    before = moderator.moderate(comment, article=ARTICLE)[0]
    edited = moderator.moderate(comment, article="Football results from the weekend.")[0]
    assert edited.attributes["off_topic"] > before.attributes["off_topic"]
