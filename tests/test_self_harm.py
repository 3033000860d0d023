"""Talk of suicide and self-harm: urging it on someone is rejected like a threat; a reader's own
disclosure reaches a person who can answer with care, never a silent rejection; news reports
and idioms are left alone."""

from __future__ import annotations

import pytest

from civility import Moderator
from civility.records import ATTRIBUTES, MODEL_ATTRIBUTES


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


def _care(reasons: tuple[str, ...]) -> bool:
    return any(r.startswith("self harm") and "answer with care" in r for r in reasons)


def test_self_harm_is_an_attribute_of_every_verdict_but_not_a_model_head(moderator) -> None:
    assert "self_harm" in ATTRIBUTES and "self_harm" not in MODEL_ATTRIBUTES
    (verdict,) = moderator.moderate(["A thoughtful piece, thank you."])
    assert verdict.attributes["self_harm"] == 0.0
    assert "self_harm" in verdict.to_dict()["attributes"]


@pytest.mark.parametrize("text", [
    "kys",
    "Go kill yourself, nobody asked for your opinion.",
    "You should just end it.",
    "Nobody would miss you.",
    "Do us all a favour and jump off a bridge.",
    "Why don't you just drop dead?",
    "I hope you hang yourself.",
    "Nobody agrees with you. Kill yourself.",
    "The world would be better off without you.",
    "Убей себя, умник.",
    "Git kendini öldür.",
    "Va te pendre.",
])
def test_urging_someone_to_harm_themselves_is_rejected(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] >= 0.5
    assert verdict.attributes["threat"] >= 0.8
    assert verdict.decision == "reject"
    assert any(s.attribute == "self_harm" for s in verdict.spans)


@pytest.mark.parametrize("text", [
    "Don't kill yourself over the deadline, it can wait till Monday.",
    "Please don't kill yourself working overtime for that paper.",
    'Whoever calls refugees "subhuman" should be ashamed of themselves.',
])
def test_idioms_and_counter_speech_are_published_though_they_contain_baiting_words(
        moderator, text) -> None:
    """The default policy once rejected any "kill yourself" and held any "subhuman" by word
    rule, overriding the scores that read negation, idiom and counter-speech."""
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.reasons


@pytest.mark.parametrize("text", [
    "Just kill yourself already, nobody reads your drivel.",
    "kys, you absolute clown",
    "Neck yourself, troll.",
])
def test_real_suicide_baiting_is_still_rejected_by_its_scores(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "reject"
    assert not any(r.startswith("word rule") for r in verdict.reasons)


@pytest.mark.parametrize("text", [
    "I've been thinking about ending it.",
    "I want to kill myself.",
    "Some days I wish I was dead.",
    "I've been cutting myself again and I don't know who to tell.",
    "Honestly I don't see the point in living anymore.",
    "Everyone would be better off without me.",
    "I'm suicidal and this news made it worse.",
])
def test_a_readers_own_disclosure_is_held_with_care_and_never_rejected(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] >= 0.5
    assert verdict.decision == "review"
    assert _care(verdict.reasons)


def test_a_disclosure_in_another_language_is_held_with_care_too(moderator) -> None:
    (verdict,) = moderator.moderate(["Ich will sterben, niemand hört mir zu."])
    assert verdict.decision == "review" and verdict.language == "de"
    assert _care(verdict.reasons)


@pytest.mark.parametrize("text", [
    "Suicide rates among veterans rose again last year, the report says.",
    "My uncle took his own life in 2019; please talk to someone if you are struggling.",
    "I could kill for a coffee after reading this.",
    "The minister should just end it and resign.",
    "I'm going to end it here, thanks for the discussion.",
    "I will end this debate now, we clearly disagree.",
    "You will shoot yourself in the foot with that vote.",
    "Don't kill yourself over it, the council will fix the road eventually.",
    "You'll kill yourself laughing at the minister's answer.",
    "Telling someone to kill yourself is never acceptable, moderators.",
    "I'd rather jump off a bridge than vote for him again.",
])
def test_reports_and_idioms_are_not_self_harm(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] < 0.5
    assert not _care(verdict.reasons)


@pytest.mark.parametrize("text", [
    "Purging after dinner works, you'll finally fit in those jeans.",
    "Starving yourself for a week fixes everything, trust me.",
    "Self-harming is the only thing that helps when the news is this bad, try it.",
])
def test_promoting_a_method_of_self_harm_is_not_published(moderator, text) -> None:
    """Recommending a method to readers had no rule: only "kill yourself"-style baiting did."""
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] >= 0.5
    assert verdict.decision == "reject"


@pytest.mark.parametrize("text", [
    "Budget cutting works only if the council stops wasting money.",
    "Cost cutting is the only thing that helps a bankrupt airline, they say.",
    "Doctors warn that purging after meals damages the heart and teeth.",
    "If someone you know is cutting themselves, talk to a doctor, it really helps.",
    "Skipping meals to pay the rent is what families are reduced to now.",
])
def test_naming_a_method_without_recommending_it_is_not_self_harm(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] < 0.5
    assert verdict.decision == "publish"


@pytest.mark.parametrize("text", [
    "I started cutting myself again after the evictions.",
    "I took too many pills on Friday, on purpose, and nobody noticed.",
    "After the funeral I honestly don't want to wake up anymore.",
    "I wrote my suicide note before the flood reached the village.",
])
def test_disclosures_of_acts_and_of_not_wanting_to_wake_up_are_held_with_care(
        moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "review" and _care(verdict.reasons)


@pytest.mark.parametrize("text", [
    "I burn myself out every election season reading these comments.",
    "I don't want to wake up tomorrow to another tax rise.",
    "I think about jumping ship to another paper after this editorial.",
    "I made a noose joke once and got banned, fair enough.",
])
def test_first_person_look_alikes_of_disclosure_are_published(moderator, text) -> None:
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["self_harm"] < 0.5 and verdict.decision == "publish"
