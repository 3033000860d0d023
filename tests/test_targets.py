"""Specifications for civility.targets: which mentioned groups a comment attacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from civility.groups import find_mentions
from civility.normalize import normalize
from civility.targets import find_targets

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "news-page-with-comments.txt"
LABELS = EXAMPLES / "news-page-with-comments.labels.jsonl"

# Words an attribute scorer would point at; found here by plain keyword search.
EVIDENCE_WORDS = [
    "vipers", "treacherous", "worse", "cowardly", "back stabbers", "subhumans", "fuk", "fuck",
    "dogs", "eradicated", "spineless", "worms", "ungratefull", "deserved what they got", "shit",
    "never be trusted", "nuke", "missile", "liquidated", "crooks", "clown", "dildos", "scum",
    "vermin", "kill", "die", "deported", "animals", "filthy",
]


def evidence(text: str) -> list[tuple[int, int]]:
    low = text.lower()
    return [m.span() for w in EVIDENCE_WORDS
            for m in re.finditer(r"(?<!\w)" + re.escape(w) + r"(?!\w)", low)]


def targets(text: str, attrs: dict[str, float], spans: list[tuple[int, int]] | None = None
            ) -> list[str]:
    norm = normalize(text)
    found = find_targets(norm, find_mentions(norm), attrs,
                         evidence(text) if spans is None else spans)
    return [t.group for t in found]


ATTACK = {"identity_attack": 0.9, "dehumanization": 0.9, "toxicity": 0.9}
CALM = {"identity_attack": 0.05, "threat": 0.05, "dehumanization": 0.05, "toxicity": 0.05}


# --------------------------------------------------------------------------- the example page


def _example() -> tuple[list[str], dict[int, dict[str, object]]]:
    if not (EXAMPLE.is_file() and LABELS.is_file()):
        pytest.skip("example page not available")
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    comments = lines[lines.index("MORE ON THE TOPIC:") + 1:]
    labels = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            labels[rec["comment"]] = rec
    return comments, labels


def _attrs(label: dict[str, object]) -> dict[str, float]:
    names = ["toxicity", "identity_attack", "insult", "profanity", "threat", "dehumanization",
             "sexually_explicit", "off_topic"]
    listed = set(label["attrs"])  # type: ignore[arg-type]
    return {n: 0.9 if n in listed else 0.05 for n in names}


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 7])
def test_example_comments_target_exactly_the_labelled_groups(number: int) -> None:
    comments, labels = _example()
    text = comments[number - 1]
    assert sorted(targets(text, _attrs(labels[number]))) == sorted(labels[number]["targets"])


@pytest.mark.parametrize("number", [6, 8, 9, 10, 11, 12, 13, 14])
def test_example_comments_without_labelled_targets_have_none(number: int) -> None:
    comments, labels = _example()
    text = comments[number - 1]
    assert labels[number]["targets"] == []
    assert targets(text, _attrs(labels[number])) == []


def test_target_spans_point_at_the_first_targeted_mention_in_the_original() -> None:
    comments, labels = _example()
    text = comments[2]  # "turds are dogs. ... fuck turdkey."
    norm = normalize(text)
    (t,) = find_targets(norm, find_mentions(norm), _attrs(labels[3]), evidence(text))
    assert (t.group, t.category, t.mention, text[t.start:t.end]) == (
        "Turks", "nationality", "turds", "turds")


# --------------------------------------------------------------------------- rules


def test_a_friendly_mention_is_not_a_target() -> None:
    assert targets("my Azeri neighbours are kind", CALM) == []
    assert targets("Russia and Azerbaijan signed a deal", CALM) == []


def test_mentions_are_not_targets_when_scores_are_low_even_with_harsh_words() -> None:
    assert targets("russia getting destroyed every day now, the russian army is a clown show",
                   CALM) == []


def test_a_slur_targets_its_group_whatever_the_scores() -> None:
    assert targets("the muzzies moved in next door", CALM) == ["Muslims"]


def test_praise_for_one_group_and_abuse_for_another_targets_only_the_other() -> None:
    text = "turks are a proud and brave people and not cowardly back stabbers like russians"
    assert targets(text, ATTACK) == ["Russians"]


def test_a_threat_against_a_state_is_not_an_attack_on_its_people() -> None:
    threat = {**CALM, "threat": 0.9}
    assert targets("time for russia to missile azerbaijan", threat) == []
    assert targets("nuke the azeris", threat) == ["Azerbaijanis"]


def test_institutions_are_not_peoples() -> None:
    text = "european and u.s. leaders are crooks and the russian government is scum"
    assert targets(text, ATTACK) == []


def test_generic_plural_references_stand_in_when_no_evidence_is_given() -> None:
    text = "all turks are the same. the greeks signed a treaty."
    assert targets(text, ATTACK, spans=[]) == ["Turks"]


def test_the_only_group_in_an_attacking_comment_is_its_target() -> None:
    text = "Muslims everywhere in this town. Something must be done about it."
    assert targets(text, ATTACK, spans=[(50, 59)]) == ["Muslims"]


def test_groups_are_reported_once_at_their_first_targeted_mention() -> None:
    text = "turks are scum and turks are vermin"
    norm = normalize(text)
    found = find_targets(norm, find_mentions(norm), ATTACK, evidence(text))
    assert [(t.group, t.start) for t in found] == [("Turks", 0)]


def test_obfuscated_mentions_are_targets_with_original_offsets() -> None:
    text = "those T*rks are filthy animals"
    norm = normalize(text)
    (t,) = find_targets(norm, find_mentions(norm), ATTACK, evidence(text))
    assert text[t.start:t.end] == t.mention


# --------------------------------------------------------------------------- actors (issue 10)

THREAT = {**CALM, "threat": 0.9}


def test_the_actor_of_a_strike_is_not_its_target() -> None:
    assert targets("russia should missile azerbaijan", ATTACK) == ["Azerbaijanis"]
    assert targets("the russians should nuke the ukrainians", ATTACK) == ["Ukrainians"]
    assert targets("time for turkey's army to crush the kurds", ATTACK,
                   spans=[(25, 30)]) == ["Kurds"]


def test_the_actor_named_in_a_passive_is_not_the_target() -> None:
    text = "azerbaijan should be wiped off the map by russia"
    assert targets(text, ATTACK, spans=[(21, 26)]) == ["Azerbaijanis"]


def test_coordinated_actors_are_all_actors() -> None:
    assert targets("russia and iran should bomb azerbaijan", ATTACK,
                   spans=[(23, 27)]) == ["Azerbaijanis"]


def test_a_group_said_to_threaten_us_is_still_the_target() -> None:
    # No other named party: portraying a people as killers is the attack.
    assert targets("muslims will kill us all", THREAT) == ["Muslims"]


# --------------------------------------------------------------------------- new forms (issue 10)


def test_a_singular_group_noun_can_be_threatened() -> None:
    assert targets("I will shoot the next immigrant I see", THREAT, spans=[(7, 12)]) == [
        "Immigrants"]


def test_a_gendered_slur_about_a_woman_targets_women() -> None:
    assert targets("she is a lazy bitch", CALM) == ["Women"]
    assert targets("you lazy bitch", ATTACK) == []


def test_a_speaker_naming_their_own_group_is_no_target() -> None:
    assert targets("we dykes have marched in this town since 1979", CALM) == []
    assert targets("as a gay man I find gays who vote that way disgusting", ATTACK,
                   spans=[(45, 55)]) == ["Gay men"]


def test_a_city_stands_for_its_people_when_bombed_with_everyone_in_it() -> None:
    text = "I hope Iran bombs Baku to dust, with everyone in it"
    assert targets(text, ATTACK, spans=[(11, 16)]) == ["Azerbaijanis"]
