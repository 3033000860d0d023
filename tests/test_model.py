"""The neural scorer: batching, windows and the text the network reads."""

from __future__ import annotations

from civility.model import NeuralScorer, model_text, original_offsets
from civility.normalize import normalize
from civility.records import MODEL_ATTRIBUTES


def test_emoji_are_spelled_out_for_the_network():
    text, mapping = model_text("love to 🔫 some 👳🏾")
    assert "pistol" in text and "man with turban" in text
    assert mapping is not None and len(mapping) == len(text) + 1


def test_plain_ascii_is_read_unchanged():
    assert model_text("plain words") == ("plain words", None)


def test_the_network_reads_disguised_words_as_the_words_they_disguise():
    scorer = NeuralScorer()
    plain = scorer.windows(["kill all the vermin, fuck them"])
    disguised = scorer.windows(["k i l l all the v3rm1n, fuuuuck them"])
    assert [w[1] for w in disguised] == [w[1] for w in plain]


def test_a_callers_normalisation_is_reused_and_reads_the_same():
    scorer = NeuralScorer()
    texts = ["k i l l all the v3rm1n 🐀", "@USER plain words", "Аzеri sсum"]
    assert scorer.windows(texts, [normalize(t) for t in texts]) == scorer.windows(texts)


def test_token_offsets_of_an_undisguised_word_cover_its_disguise_and_nothing_more():
    original = "you are a total m o r o n, fuuuck"
    ((_, _, offsets),) = NeuralScorer().windows([original])
    pieces = [original[s:e] for s, e in offsets]
    assert pieces == ["you", "are", "a", "total", "m o r", "o n", ",", "fuuuck"]


def test_a_mention_keeps_its_at_sign_and_other_scripts_are_read_as_written():
    assert model_text("@USER you are right")[0] == "@user you are right"
    assert model_text("мы не знаем, а они знают")[0] == "мы не знаем, а они знают"
    assert model_text("Аzеri sсum")[0] == "azeri scum"  # Cyrillic look-alikes in English


def test_token_offsets_map_back_to_the_emoji_in_the_original():
    original = "so 🔫 them"
    text, mapping = model_text(original)
    start = text.index("pistol")
    ((s, e),) = original_offsets([(start, start + 6)], mapping)
    assert original[s:e] == "🔫"


def test_scores_are_probabilities_for_every_model_attribute():
    (out,) = NeuralScorer().predict(["a perfectly ordinary sentence"])
    assert set(out.scores) == set(MODEL_ATTRIBUTES)
    assert all(0.0 <= p <= 1.0 for p in out.scores.values())


def test_batching_does_not_change_scores():
    scorer = NeuralScorer()
    texts = ["short", "a somewhat longer comment about the article and its claims", "you idiot"]
    together = scorer.predict(texts)
    alone = [scorer.predict([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        for attr in MODEL_ATTRIBUTES:
            assert abs(a.scores[attr] - b.scores[attr]) < 0.02


def test_a_long_comment_is_scored_in_windows_and_keeps_its_worst_part():
    scorer = NeuralScorer()
    insult = "you are a worthless idiot and a moron"
    (long,) = scorer.predict(["I have read the article carefully. " * 60 + insult])
    (short,) = scorer.predict([insult])
    assert long.scores["insult"] > 0.5 * short.scores["insult"]
    assert max(e for _, e in long.token_offsets) > 2000
