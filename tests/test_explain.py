"""Evidence spans point at whole words of the original text, for flagged attributes only."""

from civility.explain import combine_spans, token_spans
from civility.records import Span

TEXT = "you are an ungrateful idiot, frankly"


def test_token_spans_are_widened_to_whole_words():
    # The tokenizer split "ungrateful" into "ung" + "##rateful"; only the first piece scored.
    offsets = [(0, 3), (4, 7), (8, 10), (11, 14), (14, 21), (22, 27)]
    scores = [0.1, 0.1, 0.1, 0.9, 0.2, 0.95]
    spans = token_spans(TEXT, offsets, scores, {"insult": 0.9})
    assert [(s.text, s.attribute) for s in spans] == [("ungrateful idiot", "insult")]
    assert TEXT[spans[0].start : spans[0].end] == "ungrateful idiot"


def test_no_token_spans_when_nothing_is_flagged():
    assert token_spans(TEXT, [(22, 27)], [0.99], {"insult": 0.2, "toxicity": 0.3}) == []


def test_token_spans_take_the_most_specific_flagged_attribute():
    spans = token_spans(TEXT, [(22, 27)], [0.99], {"toxicity": 0.9, "threat": 0.7})
    assert spans[0].attribute == "threat"


def test_spans_of_unflagged_attributes_are_dropped():
    spans = [Span(22, 27, "insult", "idiot", 0.9), Span(0, 3, "profanity", "you", 0.6)]
    kept = combine_spans(TEXT, spans, [], {"insult": 0.8, "profanity": 0.3})
    assert [s.attribute for s in kept] == ["insult"]


def test_overlapping_spans_of_one_attribute_become_one_highlight():
    spans = [Span(11, 21, "insult", "ungrateful", 0.6), Span(11, 27, "insult", "...", 0.9)]
    assert combine_spans(TEXT, spans, [], {"insult": 0.9}) == (
        Span(11, 27, "insult", "ungrateful idiot", 0.9),
    )


def test_a_model_span_takes_the_attribute_of_the_rule_it_overlaps():
    model = [Span(11, 27, "toxicity", "ungrateful idiot", 0.8)]
    rules = [Span(22, 27, "insult", "idiot", 0.9)]
    kept = combine_spans(TEXT, rules, model, {"insult": 0.9, "toxicity": 0.9})
    assert kept == (Span(11, 27, "insult", "ungrateful idiot", 0.9),)


def test_flag_levels_can_differ_per_attribute():
    spans = [Span(22, 27, "insult", "idiot", 0.9)]
    assert combine_spans(TEXT, spans, [], {"insult": 0.6}, {"insult": 0.85}) == ()


def test_only_word_pieces_the_head_marks_at_even_odds_or_above_are_evidence():
    offsets = [(0, 3), (11, 21), (22, 27)]
    spans = token_spans(TEXT, offsets, [0.2, 0.35, 0.95], {"insult": 0.9})
    assert [s.text for s in spans] == ["idiot"]
