"""Specification of publisher policies: the TOML format and the publish/review/reject decision."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest

from civility.policy import (
    Policy,
    PolicyError,
    Threshold,
    WordRule,
    decide,
    default_policy,
    load_policy,
    reason_drivers,
)
from civility.records import ATTRIBUTES, Target


def _write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _target(group: str, category: str) -> Target:
    return Target(group=group, category=category, mention=group.lower(), start=0, end=len(group))


# --------------------------------------------------------------------------- default policy


def test_default_policy_is_the_packaged_news_policy_and_covers_every_attribute():
    policy = load_policy()
    assert policy == default_policy()
    assert policy.name == "news"
    assert set(policy.thresholds) == set(ATTRIBUTES)


def test_default_policy_publishes_a_harsh_political_opinion():
    text = "this clown zelensky will never relent, the regime is corrupt and its army is a joke"
    scores = {"toxicity": 0.72, "insult": 0.68, "profanity": 0.05, "threat": 0.08,
              "identity_attack": 0.12}
    action, reasons = decide(default_policy(), scores, [], text)
    assert action == "publish"
    assert reasons == ("policy 'news': published, no attribute above a review threshold",)


def test_default_policy_publishes_criticism_of_a_government_even_with_a_political_target():
    scores = {"toxicity": 0.6, "identity_attack": 0.45}
    targets = [_target("the Azerbaijani government", "political")]
    assert decide(default_policy(), scores, targets, "baku's regime lies")[0] == "publish"


def test_default_policy_holds_but_does_not_reject_profanity_alone():
    action, reasons = decide(default_policy(), {"profanity": 0.99, "toxicity": 0.5}, [], "")
    assert action == "review"
    assert reasons == ("profanity 0.99 ≥ review threshold 0.70",)


@pytest.mark.parametrize("attribute", ["off_topic", "spam"])
def test_default_policy_holds_off_topic_and_spam_for_review_but_never_rejects(attribute):
    assert decide(default_policy(), {attribute: 1.0}, [], "")[0] == "review"


def test_default_policy_rejects_severe_toxicity_and_explicit_sexual_content():
    policy = default_policy()
    assert decide(policy, {"severe_toxicity": 0.9}, [], "")[0] == "reject"
    assert decide(policy, {"sexually_explicit": 0.9}, [], "")[0] == "reject"
    assert decide(policy, {"sexually_explicit": 0.6}, [], "")[0] == "review"


def test_default_policy_rejects_dehumanising_attacks_on_a_nationality():
    scores = {"identity_attack": 0.75, "dehumanization": 0.9}
    targets = [_target("Azerbaijanis", "nationality"), _target("Turks", "nationality")]
    action, reasons = decide(default_policy(), scores, targets, "the azeri vipers")
    assert action == "reject"
    assert any("Azerbaijanis, Turks" in r for r in reasons)


def test_default_policy_leaves_suicide_baiting_to_the_scores_that_read_context():
    """No word rule rejects "kill yourself" outright: the idiom is published and the real
    thing is rejected by the threat score (see tests/test_self_harm.py for the scoring)."""
    policy = default_policy()
    assert decide(policy, {}, [], "don't kill yourself over the deadline")[0] == "publish"
    assert decide(policy, {}, [], 'calling them "subhuman" is vile')[0] == "publish"
    action, reasons = decide(policy, {"threat": 0.9, "self_harm": 0.9}, [], "nobody cares, kys")
    assert action == "reject"
    assert reasons[0] == "threat 0.90 ≥ reject threshold 0.80"


# --------------------------------------------------------------------------- decide


def test_threat_above_reject_threshold_rejects_with_a_reason_naming_the_score():
    action, reasons = decide(default_policy(), {"threat": 0.93}, [], "nuke 'em both")
    assert action == "reject"
    assert reasons == ("threat 0.93 ≥ reject threshold 0.80",)


def test_a_score_exactly_at_a_threshold_reaches_it():
    policy = Policy("t", "", {"threat": Threshold(review=0.5, reject=0.8)})
    assert decide(policy, {"threat": 0.8}, [], "")[0] == "reject"
    assert decide(policy, {"threat": 0.5}, [], "")[0] == "review"
    assert decide(policy, {"threat": 0.49}, [], "")[0] == "publish"


def test_all_reasons_are_returned_with_reject_reasons_first():
    scores = {"profanity": 0.9, "threat": 0.95, "insult": 0.9}
    action, reasons = decide(default_policy(), scores, [], "fuck them")
    assert action == "reject"
    assert reasons[0] == "threat 0.95 ≥ reject threshold 0.80"
    assert set(reasons[1:]) == {"profanity 0.90 ≥ review threshold 0.70",
                                "insult 0.90 ≥ review threshold 0.85"}


def test_attributes_missing_from_the_scores_are_ignored():
    assert decide(default_policy(), {}, [], "")[0] == "publish"


def test_a_score_that_is_not_a_number_holds_the_comment_for_a_person():
    action, reasons = decide(default_policy(), {"threat": float("nan")}, [], "")
    assert action == "review"
    assert "threat score is not a number" in reasons[0]


def test_targeting_a_religion_rejects_under_a_group_rule():
    scores = {"identity_attack": 0.62}  # below the global reject threshold of 0.80
    targets = [_target("Muslims", "religion")]
    action, reasons = decide(default_policy(), scores, targets, "muslims are all the same")
    assert action == "reject"
    assert "identity attack on Muslims (0.62) → reject under the group rule for religion" in reasons


def test_group_rule_names_every_attacked_group_once_in_one_reason():
    policy = _policy_from_text("""
        [[groups]]
        category = "nationality"
        action = "reject"
    """)
    targets = [_target("Turks", "nationality"), _target("Azerbaijanis", "nationality"),
               _target("Turks", "nationality")]
    action, reasons = decide(policy, {"identity_attack": 0.91}, targets, "")
    assert action == "reject"
    assert reasons == ("identity attack on Turks, Azerbaijanis (0.91) → reject "
                       "under the group rule for nationality",)


def test_group_rule_by_name_matches_case_insensitively_and_ignores_other_groups():
    policy = _policy_from_text("""
        [[groups]]
        group = "Jews"
        action = "reject"
        min_score = 0.3
    """)
    scores = {"identity_attack": 0.4}
    assert decide(policy, scores, [_target("jews", "religion")], "")[0] == "reject"
    assert decide(policy, scores, [_target("Roma", "ethnicity")], "")[0] == "publish"


def test_group_rule_does_not_fire_below_its_min_score():
    targets = [_target("Muslims", "religion")]
    assert decide(default_policy(), {"identity_attack": 0.1}, targets, "")[0] == "publish"


def test_group_rule_can_weigh_threats_against_a_group():
    policy = _policy_from_text("""
        [[groups]]
        category = "nationality"
        action = "reject"
        min_score = 0.6
        attributes = ["identity_attack", "threat"]
    """)
    action, reasons = decide(policy, {"identity_attack": 0.2, "threat": 0.7},
                             [_target("Turks", "nationality")], "")
    assert action == "reject"
    assert reasons[0].startswith("threat against Turks (0.70)")


def test_the_strictest_group_rule_wins_for_a_target():
    policy = _policy_from_text("""
        [[groups]]
        category = "nationality"
        action = "review"
        min_score = 0.3
        [[groups]]
        category = "nationality"
        action = "reject"
        min_score = 0.6
    """)
    targets = [_target("Turks", "nationality")]
    assert decide(policy, {"identity_attack": 0.7}, targets, "") == (
        "reject",
        ("identity attack on Turks (0.70) → reject under the group rule for nationality",))
    assert decide(policy, {"identity_attack": 0.4}, targets, "")[0] == "review"


def test_word_rule_holds_a_comment_for_review():
    policy = _policy_from_text("""
        [[words]]
        match = ["traitor", "fifth column"]
        action = "review"
    """)
    text = "they are a fifth   column of traitors and one traitor"
    action, reasons = decide(policy, {}, [], text)
    assert action == "review"
    assert reasons == ("word rule: 'traitor' → review", "word rule: 'fifth column' → review")


def test_word_rule_matches_whole_words_only():
    policy = _policy_from_text("""
        [[words]]
        match = "ass"
        action = "review"
    """)
    assert decide(policy, {}, [], "the assembly passed the bill")[0] == "publish"
    assert decide(policy, {}, [], "what an ASS.")[0] == "review"


def test_allow_rule_exempts_only_its_own_phrase_from_word_rules():
    policy = _policy_from_text("""
        [[words]]
        match = "nazi"
        action = "review"
        [[words]]
        match = "nazi germany"
        action = "allow"
    """)
    assert decide(policy, {}, [], "nazi germany invaded poland")[0] == "publish"
    assert decide(policy, {}, [], "nazi germany lost, and you are a nazi")[0] == "review"


def test_allow_rule_never_lowers_a_model_threshold():
    policy = _policy_from_text("""
        [thresholds.threat]
        reject = 0.8
        [[words]]
        match = "nazi germany"
        action = "allow"
    """)
    assert decide(policy, {"threat": 0.9}, [], "bomb them like nazi germany")[0] == "reject"


def test_decide_is_pure_and_repeatable():
    scores = {"threat": 0.9, "identity_attack": 0.85}
    targets = [_target("Turks", "nationality")]
    first = decide(default_policy(), scores, targets, "kys")
    assert decide(default_policy(), scores, targets, "kys") == first
    assert scores == {"threat": 0.9, "identity_attack": 0.85}


# --------------------------------------------------------------------------- loading and validation


def _policy_from_text(body: str) -> Policy:
    """A policy from an indented TOML snippet, loaded through a real file."""
    with tempfile.TemporaryDirectory() as d:
        toml = "\n".join(line.strip() for line in body.splitlines())
        return load_policy(_write(Path(d), 'name = "test"\n' + toml))


def test_policy_with_review_above_reject_is_refused_with_the_key_named(tmp_path):
    path = _write(tmp_path, "[thresholds.threat]\nreview = 0.9\nreject = 0.5\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(path) in str(err.value)
    assert "thresholds.threat.review (0.9) must not be above thresholds.threat.reject (0.5)" in str(
        err.value)


def test_threshold_outside_zero_to_one_is_refused_with_the_key_named(tmp_path):
    path = _write(tmp_path, "[thresholds.threat]\nreview = 1.5\n")
    with pytest.raises(PolicyError, match=r"thresholds\.threat\.review must be between 0 and 1"):
        load_policy(path)


def test_threshold_given_as_text_is_refused(tmp_path):
    path = _write(tmp_path, '[thresholds.threat]\nreject = "high"\n')
    with pytest.raises(PolicyError, match=r"thresholds\.threat\.reject must be between 0 and 1"):
        load_policy(path)


def test_unknown_attribute_lists_the_valid_names(tmp_path):
    path = _write(tmp_path, "[thresholds.hate]\nreview = 0.5\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    message = str(err.value)
    assert "hate" in message
    assert all(name in message for name in ATTRIBUTES)


def test_misspelt_key_is_refused_rather_than_silently_ignored(tmp_path):
    path = _write(tmp_path, "[thresholds.threat]\nrejct = 0.5\n")
    with pytest.raises(PolicyError, match=r"thresholds\.threat: unknown key"):
        load_policy(path)
    path = _write(tmp_path, '[[group]]\ncategory = "religion"\naction = "reject"\n')
    with pytest.raises(PolicyError, match="unknown key"):
        load_policy(path)


def test_group_rule_with_unknown_category_lists_the_valid_categories(tmp_path):
    path = _write(tmp_path, '[[groups]]\ncategory = "faith"\naction = "reject"\n')
    with pytest.raises(PolicyError, match=r"groups\[0\]\.category.*religion"):
        load_policy(path)


def test_group_rule_needs_a_category_or_a_group(tmp_path):
    path = _write(tmp_path, '[[groups]]\naction = "reject"\n')
    with pytest.raises(PolicyError, match=r"groups\[0\] needs a category or a group"):
        load_policy(path)


def test_word_rule_with_an_unknown_action_is_refused(tmp_path):
    path = _write(tmp_path, '[[words]]\nmatch = "x"\naction = "ban"\n')
    expected = r"words\[0\]\.action must be one of review, reject, allow"
    with pytest.raises(PolicyError, match=expected):
        load_policy(path)


def test_invalid_toml_and_missing_files_raise_policy_errors(tmp_path):
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(_write(tmp_path, "[thresholds\n"))
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "missing.toml")


def test_a_policy_can_extend_the_news_policy_and_override_one_attribute(tmp_path):
    path = _write(tmp_path, """
name = "strict-news"
extends = "news"
[thresholds.profanity]
review = 0.3
reject = 0.6
[[words]]
match = "traitor"
action = "review"
""")
    policy = load_policy(path)
    news = default_policy()
    assert policy.name == "strict-news"
    assert policy.thresholds["profanity"] == Threshold(review=0.3, reject=0.6)
    assert policy.thresholds["threat"] == news.thresholds["threat"]
    assert policy.group_rules == news.group_rules
    assert policy.word_rules[: len(news.word_rules)] == news.word_rules
    assert decide(policy, {}, [], "traitor")[0] == "review"


def test_a_policy_can_extend_another_file_next_to_it_but_not_in_a_cycle(tmp_path):
    _write(tmp_path, "[thresholds.threat]\nreject = 0.9\n", name="base.toml")
    child = _write(tmp_path, 'extends = "base.toml"\n[thresholds.spam]\nreview = 0.5\n')
    assert set(load_policy(child).thresholds) == {"threat", "spam"}
    _write(tmp_path, 'extends = "site.toml"\n', name="base.toml")
    with pytest.raises(PolicyError, match="cycle"):
        load_policy(child)


def test_policy_thresholds_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        default_policy().thresholds["threat"] = Threshold(review=None, reject=None)  # type: ignore[index]


def test_to_toml_round_trips_to_an_equal_policy(tmp_path):
    policy = default_policy()
    assert load_policy(_write(tmp_path, policy.to_toml())) == policy


def test_describe_lists_thresholds_group_rules_and_word_rules():
    policy = dataclasses.replace(default_policy(),
                                 word_rules=(WordRule(("kys", "neck yourself"), "reject"),))
    text = policy.describe()
    assert "Policy 'news'" in text
    assert "threat" in text and "0.80" in text
    assert "religion" in text
    assert "'kys'" in text


# --------------------------------------------------------------------------- reading reasons


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_each_threshold_reason_names_its_attribute_when_read_back(attribute):
    policy = Policy("all", "", {a: Threshold(review=0.5) for a in ATTRIBUTES})
    _, reasons = decide(policy, {attribute: 0.9}, [], "text")
    assert reason_drivers(reasons).attributes == (attribute,)


def test_group_rule_word_rule_and_nan_reasons_are_read_back():
    policy = load_policy(None)
    _, reasons = decide(policy, {"dehumanization": 0.75, "identity_attack": 0.2},
                        [_target("Roma", "ethnicity")], "text")
    assert "dehumanization" in reason_drivers(reasons).attributes
    worded = Policy("w", "", {}, word_rules=(WordRule(("pond scum",), "review"),))
    _, reasons = decide(worded, {}, [], "you pond scum")
    assert reason_drivers(reasons).phrases == ("pond scum",)
    _, reasons = decide(default_policy(), {"threat": float("nan")}, [], "text")
    assert reason_drivers(reasons).attributes == ("threat",)


def test_reasons_that_name_no_rule_name_nothing():
    _, reasons = decide(default_policy(), {"toxicity": 0.1}, [], "fine")
    assert reason_drivers(reasons).attributes == () == reason_drivers(["held for review"]).phrases


def test_policy_show_toml_keeps_the_comments_that_explain_the_policy(tmp_path):
    from click.testing import CliRunner

    from civility.cli import main

    result = CliRunner().invoke(main, ["policy", "show", "--toml"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# Civility's default policy for news comment sections.")
    assert ("# Insults to politicians are opinion; only strong insults are held for a look.\n"
            "[thresholds.insult]") in text
    assert "# Protected characteristics: an attack is rejected.\n[[groups]]" in text
    assert load_policy(_write(tmp_path, text)) == load_policy()


def test_an_extending_policy_keeps_its_own_comments_and_the_defaults_elsewhere(tmp_path):
    mine = _write(tmp_path, 'extends = "news"\nname = "strict"\n\n'
                            "# Our readers asked for a cleaner section.\n"
                            "[thresholds.insult]\nreview = 0.6\n\n"
                            "# Local slang for crooks.\n[[words]]\nmatch = ['crookster']\n"
                            "action = 'review'\n")
    text = load_policy(mine).to_toml()
    assert "# Our readers asked for a cleaner section.\n[thresholds.insult]\nreview = 0.6" in text
    assert "only strong insults are held" not in text
    assert "# General rudeness is common in political debate" in text  # from news
    assert "# Local slang for crooks.\n[[words]]\nmatch = [\"crookster\"]" in text
    assert text.count("[[words]]") == len(load_policy().word_rules) + 1
    assert load_policy(_write(tmp_path, text, "shown.toml")) == load_policy(mine)


# --------------------------------------------------------------------------- languages


def test_the_news_policy_holds_a_language_the_model_does_not_read_with_that_reason():
    action, reasons = decide(default_policy(), {"toxicity": 0.1}, [], "x", "ru")
    assert (action, reasons) == (
        "review", ("language 'ru' is not covered by the model; held for a person who reads it",))


@pytest.mark.parametrize("language", ["en", "EN", "und", ""])
def test_covered_and_undetermined_languages_are_never_held_for_their_language(language):
    assert decide(default_policy(), {"toxicity": 0.1}, [], "x", language)[0] == "publish"


def test_the_language_reason_does_not_hide_a_rejection():
    action, reasons = decide(default_policy(), {"threat": 0.95}, [], "x", "de")
    assert action == "reject" and reasons[0].startswith("threat 0.95")
    assert reasons[-1].startswith("language 'de'")


def test_a_policy_can_cover_more_languages_reject_others_or_turn_the_rule_off(tmp_path):
    wider = load_policy(_write(tmp_path, 'extends = "news"\n[languages]\ncovered = ["en", "De"]\n'))
    assert wider.language_rule is not None and wider.language_rule.action == "review"
    assert decide(wider, {}, [], "x", "de")[0] == "publish"
    assert decide(wider, {}, [], "x", "fr")[0] == "review"
    strict = load_policy(_write(tmp_path, 'extends = "news"\n[languages]\naction = "reject"\n',
                                "strict.toml"))
    action, reasons = decide(strict, {}, [], "x", "fr")
    assert action == "reject" and "not covered" in reasons[0]
    off = load_policy(_write(tmp_path, 'extends = "news"\n[languages]\naction = "publish"\n',
                             "off.toml"))
    assert off.language_rule is None and decide(off, {}, [], "x", "fr")[0] == "publish"
    assert load_policy(_write(tmp_path, strict.to_toml(), "again.toml")) == strict


@pytest.mark.parametrize("table", ['[languages]\naction = "hold"\n',
                                   '[languages]\ncovered = "en"\nspeak = ["ru"]\n',
                                   '[languages]\ncovered = [1]\naction = "review"\n'])
def test_a_bad_languages_table_is_refused_with_the_key_named(tmp_path, table):
    with pytest.raises(PolicyError, match="languages"):
        load_policy(_write(tmp_path, table))


# --------------------------------------------------------------------------- self-harm


def test_self_harm_is_held_with_a_note_to_answer_with_care_and_never_rejected_alone():
    for score in (0.5, 0.8, 1.0):
        action, reasons = decide(default_policy(), {"self_harm": score}, [], "x")
        assert action == "review"
        assert "answer with care" in reasons[0]
    assert reason_drivers(reasons).attributes == ("self_harm",)


def test_a_rejected_comment_carries_no_advice_to_answer_with_care():
    action, reasons = decide(default_policy(), {"self_harm": 0.9, "threat": 0.88}, [], "kys")
    assert action == "reject"
    assert "self harm 0.90 ≥ review threshold 0.50" in reasons
    assert not any("care" in r for r in reasons)
