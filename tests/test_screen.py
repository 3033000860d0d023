"""The screen: a cheap first pass that may spare the transformer benign text, and nothing else."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from civility import Moderator, read_page
from civility.policy import Threshold, default_policy
from civility.screen import Screen, bigram_hash, logit
from tests.helpers import EXAMPLE_PAGE, example_labels, needs_example

BENIGN = [
    "Thanks for the clear explanation of the budget.",
    "The council should publish the figures before the vote.",
    "I walked the new bypass on Sunday and it was quiet.",
    "Good point about the bus timetable, it changed in March.",
]


def tiny_screen(margins: dict[float, float] | None = None) -> Screen:
    rng = np.random.default_rng(0)

    def normal(*shape: int) -> np.ndarray:
        return rng.normal(size=shape).astype(np.float32)

    return Screen(
        attributes=("a", "b"),
        unigram=normal(50, 2),
        bigram=normal(1 << 18, 2),
        bias=np.array([-1.0, 0.5], np.float32),
        embedding=normal(50, 3),
        hidden=(normal(6, 4), normal(4)),
        output=(normal(4, 2), normal(2)),
        margins=margins or {0.3: 0.5, 0.5: 1.0},
        report={},
    )


def naive_logits(screen: Screen, window: list[int]) -> np.ndarray:
    """The screen written out plainly: a bag of pieces and pairs plus an MLP on pooled vectors."""
    out = screen.bias.copy()
    for i, token in enumerate(window):
        out += screen.unigram[token]
        if i + 1 < len(window):
            out += screen.bigram[bigram_hash(np.array([token]), np.array([window[i + 1]]))[0]]
    vectors = screen.embedding[window] if window else np.zeros((1, 3), np.float32)
    pooled = np.concatenate([vectors.mean(0), vectors.max(0)])
    hidden = np.maximum(pooled @ screen.hidden[0] + screen.hidden[1], 0)
    return out + hidden @ screen.output[0] + screen.output[1]


def test_window_logits_sum_word_pieces_and_adjacent_pairs_within_each_window_only():
    screen = tiny_screen()
    windows = [[1, 2, 3], [], [7], [4, 4, 9, 10], [5]]
    got = screen.logits(windows)
    want = np.array([naive_logits(screen, w) for w in windows])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_window_goes_to_the_model_when_any_attribute_could_reach_its_level():
    screen = tiny_screen({0.5: 1.0})
    cutoffs = screen.cutoffs({"a": 0.5, "b": 0.5})
    assert cutoffs == pytest.approx([-1.0, -1.0])
    logits = np.array([[-1.5, -2.0], [-0.5, -3.0], [-3.0, 1.5]], np.float32)
    assert screen.needs_model(logits, cutoffs).tolist() == [False, True, True]


def test_the_margin_comes_from_the_nearest_measured_level_at_or_above():
    screen = tiny_screen({0.2: 0.5, 0.3: 0.8, 0.5: 1.0})
    assert [screen.margin(x) for x in (0.5, 0.4, 0.3, 0.25, 0.9)] == [1.0, 1.0, 0.8, 0.8, 1.0]
    assert screen.margin(0.05) == float("inf")  # below what was measured, read everything
    assert screen.cutoffs({"a": 0.05, "b": 0.5})[0] == -np.inf
    assert screen.cutoffs({"b": 0.4})[1] == pytest.approx(logit(0.4) - 1.0)
    # A margin is never smaller than one measured at a lower level.
    assert tiny_screen({0.2: 2.0, 0.5: 1.0}).margin(0.5) == 2.0


def test_saved_weights_load_back_with_their_margins(tmp_path):
    screen = tiny_screen()
    screen.save(tmp_path)
    loaded = Screen.load(tmp_path)
    assert loaded is not None and loaded.margins == screen.margins
    np.testing.assert_allclose(loaded.logits([[1, 2]]), screen.logits([[1, 2]]), atol=0.05)
    assert Screen.load(tmp_path / "elsewhere") is None


# --------------------------------------------------------------------------- the shipped screen


@pytest.fixture(scope="module")
def screened() -> Moderator:
    moderator = Moderator()
    assert moderator.screen, "the packaged model ships with a screen"
    return moderator


@pytest.fixture(scope="module")
def exact() -> Moderator:
    return Moderator(screen=False)


def windows_read(moderator: Moderator, texts: list[str], **kwargs) -> int:
    """How many windows the transformer ran on for ``texts``."""
    scorer = moderator.scorer
    scorer.forget()  # texts scored before (by other tests too) are not read again
    seen = 0
    real = scorer._run

    def counting(windows, which):
        nonlocal seen
        which = list(which)
        seen += len(which)
        return real(windows, which)

    scorer._run = counting
    try:
        moderator.moderate(texts, **kwargs)
    finally:
        del scorer._run
    return seen


def test_civil_comments_skip_the_transformer_and_are_published(screened):
    assert windows_read(screened, BENIGN) == 0
    verdicts = screened.moderate(BENIGN)
    assert [v.decision for v in verdicts] == ["publish"] * len(BENIGN)
    assert not any(v.spans for v in verdicts)


def test_screened_scores_stay_below_every_level_the_policy_acts_on(screened):
    levels = screened._flag_levels
    for verdict in screened.moderate(BENIGN):
        assert all(verdict.attributes[a] < level for a, level in levels.items()), verdict


@needs_example
def test_every_harmful_comment_on_the_example_page_is_read_and_judged_as_without_screen(
    screened, exact
):
    page = read_page(EXAMPLE_PAGE)
    texts = [c.text for c in page.comments]
    fast = screened.moderate(texts)
    slow = exact.moderate(texts)
    assert [v.decision for v in fast] == [v.decision for v in slow]
    for label, f, s in zip(example_labels(), fast, slow, strict=True):
        if label["expect"] == "flag":
            assert f.attributes == pytest.approx(s.attributes, abs=0.05), label


def test_what_the_rules_notice_is_always_read_even_deep_in_a_long_comment(screened, exact):
    filler = " ".join(BENIGN * 12)  # several windows of civil text
    text = f"{filler} The mayor is a lying scumbag piece of shit."
    (fast,) = screened.moderate([text])
    (slow,) = exact.moderate([text])
    assert fast.decision == slow.decision == "review"
    # Not identical: the screen's estimate stands in for windows it spares.
    assert fast.attributes["insult"] == pytest.approx(slow.attributes["insult"], abs=0.05)
    assert windows_read(screened, [text]) < windows_read(exact, [text])


def test_a_comment_naming_a_group_is_read_by_the_transformer(screened):
    assert windows_read(screened, ["Azerbaijanis cook the best plov in the region."]) == 1


ARTICLE = "The council budget vote was delayed again after a row over the figures.\n" * 3


def test_an_off_topic_comment_is_held_without_the_transformer_reading_it(screened, exact):
    """Topic comes from words and named groups, not the student's embedding (which puts
    chatter as close to an article as comments on it), so the screen may skip chatter."""
    unrelated = "I walked the new bypass on Sunday and it was quiet."
    assert windows_read(screened, [unrelated], article=ARTICLE) == 0
    (fast,) = screened.moderate([unrelated], article=ARTICLE)
    (slow,) = exact.moderate([unrelated], article=ARTICLE)
    assert fast.attributes["off_topic"] == slow.attributes["off_topic"] >= 0.7
    assert fast.decision == slow.decision == "review"


def test_a_comment_that_shares_the_articles_words_needs_no_embedding_to_be_on_topic(
    screened, exact
):
    related = "The council should publish the budget figures before the vote."
    assert windows_read(screened, [related], article=ARTICLE) == 0
    (fast,) = screened.moderate([related], article=ARTICLE)
    (slow,) = exact.moderate([related], article=ARTICLE)
    assert slow.attributes["off_topic"] == fast.attributes["off_topic"] < 0.5
    assert fast.decision == slow.decision == "publish"


def test_a_stricter_policy_sends_more_to_the_transformer():
    lenient = default_policy()
    strict = replace(lenient, thresholds={a: Threshold(review=0.05) for a in lenient.thresholds})
    texts = ["Rubbish article, the author clearly has no idea.", *BENIGN]
    assert windows_read(Moderator(strict), texts) >= windows_read(Moderator(lenient), texts)
    assert windows_read(Moderator(strict), texts) == len(texts)


def test_a_comment_read_anyway_gets_its_exact_off_topic_score(screened, exact):
    rude = "The council budget figures are a lie, you idiots, and the vote was rigged."
    (fast,) = screened.moderate([rude], article=ARTICLE)
    (slow,) = exact.moderate([rude], article=ARTICLE)
    assert fast.attributes["off_topic"] == pytest.approx(slow.attributes["off_topic"], abs=0.02)
