"""How model probabilities, lexical evidence and article context become final scores."""

import pytest

from civility.fuse import (
    article_stems,
    combine,
    compose,
    lexical_overlap,
    model_damping,
    noisy_or,
    off_topic_probability,
)
from civility.lexical import Evidence, Mitigation
from civility.records import ATTRIBUTES

QUIET_MODEL = dict.fromkeys(ATTRIBUTES[:8], 0.02)


def test_every_attribute_is_scored_in_report_order():
    assert list(combine(QUIET_MODEL, [])) == list(ATTRIBUTES)


def test_scores_are_probabilities():
    scores = combine(
        {a: 1.5 for a in QUIET_MODEL}, [("threat", 2.0), ("spam", -1.0)], off_topic=0.3
    )
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_lexical_evidence_raises_a_score_the_model_missed():
    scores = combine(QUIET_MODEL, [("threat", 0.9)])
    assert scores["threat"] >= 0.9


def test_evidence_never_lowers_what_the_model_found():
    model = {**QUIET_MODEL, "insult": 0.8}
    assert combine(model, [("insult", 0.1)])["insult"] >= 0.8


def test_a_rule_found_threat_the_model_misses_keeps_its_threat_but_only_half_its_toxicity():
    """Rules lifting toxicity to their attack's level cost HateXplain AUROC (0.850 vs 0.870):
    they fire on benign mentions of groups. The threat itself still decides."""
    scores = combine(QUIET_MODEL, [("threat", 0.9)])
    assert scores["threat"] >= 0.9
    assert 0.4 <= scores["toxicity"] < 0.5


def test_toxicity_follows_a_rule_found_attack_as_far_as_the_model_agrees():
    somewhat = combine({**QUIET_MODEL, "toxicity": 0.6}, [("dehumanization", 0.9)])
    assert somewhat["toxicity"] == pytest.approx((0.9 * 0.6) ** 0.5, abs=0.01)
    sure = combine({**QUIET_MODEL, "toxicity": 0.95}, [("dehumanization", 0.9)])
    assert sure["toxicity"] >= 0.9


def test_the_models_own_attack_heads_count_fully_toward_toxicity():
    scores = combine({**QUIET_MODEL, "toxicity": 0.3, "insult": 0.92}, [])
    assert scores["toxicity"] >= 0.92


def test_an_evidenced_threat_is_severe():
    assert combine(QUIET_MODEL, [("threat", 0.95)])["severe_toxicity"] >= 0.8


def test_two_weak_pieces_of_evidence_add_up():
    assert noisy_or(0.5, 0.5) == 0.75


def test_spam_comes_from_rules_alone_and_defaults_to_zero():
    assert combine(QUIET_MODEL, [])["spam"] == 0.0
    assert combine(QUIET_MODEL, [("spam", 0.8)])["spam"] == 0.8


def test_off_topic_is_zero_without_an_article():
    assert combine(QUIET_MODEL, [])["off_topic"] == 0.0


def test_word_overlap_counts_inflected_forms_of_article_words():
    stems = article_stems("relations between russia and azerbaijan deteriorated")
    assert lexical_overlap("the russians and azerbaijanis", stems) == 1.0
    assert lexical_overlap("my uncle pimped me out in detroit", stems) == 0.0
    rates = article_stems("the central bank raised its interest rate")
    assert lexical_overlap("rates hurt", rates) == 0.5


def test_a_comment_sharing_the_articles_words_is_on_topic():
    assert off_topic_probability(overlap=0.4) < 0.2


def test_a_comment_with_nothing_in_common_is_off_topic():
    assert off_topic_probability(overlap=0.0) > 0.8


def test_naming_a_group_the_article_names_keeps_a_comment_on_topic():
    assert off_topic_probability(overlap=0.0, shared_group=True) < 0.5


# --- mitigating contexts and composition (issue 10) ------------------------------------------


def _evidence(attribute, prob, mitigated=""):
    return Evidence(attribute, prob, 0, 4, "text", "rule", mitigated)


def _cue(kind="negation"):
    return Mitigation(kind, 0, 4, "text")


def test_the_model_is_trusted_less_when_all_hostile_evidence_is_mitigated():
    damping = model_damping([_evidence("dehumanization", 0.25, "counter-speech")], [])
    model = {**QUIET_MODEL, "identity_attack": 0.95, "toxicity": 0.97}
    scores = combine(model, [("dehumanization", 0.25)], damping=damping)
    assert scores["identity_attack"] < 0.5
    assert scores["toxicity"] < 0.85


def test_unmitigated_hostile_evidence_turns_damping_off():
    found = [_evidence("identity_attack", 0.2, "negation"), _evidence("threat", 0.9)]
    assert model_damping(found, [_cue()]) == {}


def test_a_cue_alone_removes_at_most_a_bounded_amount():
    damping = model_damping([], [_cue("support")])
    sure = combine({**QUIET_MODEL, "identity_attack": 0.95}, [], damping=damping)
    unsure = combine({**QUIET_MODEL, "identity_attack": 0.6}, [], damping=damping)
    assert sure["identity_attack"] >= 0.6  # a cue cannot launder what the model is sure of
    assert unsure["identity_attack"] <= 0.3


def test_damping_never_weakens_rule_evidence():
    damping = model_damping([], [_cue()])
    assert combine(QUIET_MODEL, [("threat", 0.9)], damping=damping)["threat"] >= 0.9


def test_no_context_no_damping():
    assert model_damping([], []) == {}


def test_a_threat_aimed_at_a_people_is_an_identity_attack():
    scores = combine(QUIET_MODEL, [("threat", 0.95)])
    assert scores["identity_attack"] < 0.1
    composed = compose(scores, aimed_at_people=True)
    assert composed["identity_attack"] >= 0.85
    assert composed["toxicity"] == scores["toxicity"]  # already weighed in combine()


def test_a_threat_against_a_state_stays_a_threat_only():
    scores = combine(QUIET_MODEL, [("threat", 0.95)])
    assert compose(scores, aimed_at_people=False) == scores


def test_a_cue_denying_the_hostile_words_themselves_is_trusted_fully():
    damping = model_damping([], [Mitigation("negation", 0, 4, "text", firm=True)])
    assert combine({**QUIET_MODEL, "identity_attack": 0.9}, [], damping=damping)[
        "identity_attack"] < 0.3
