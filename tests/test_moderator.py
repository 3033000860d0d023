"""The engine end to end: the example page is judged the way a news moderator would."""

from __future__ import annotations

import pytest

from civility import Moderator, read_page
from civility.records import ATTRIBUTES
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


# --- issue 10: groups, composition, newsroom threats, contexts, actors -------------------------


def test_a_threat_to_all_women_is_an_identity_attack_on_women(moderator):
    (verdict,) = moderator.moderate(["Every woman on that council deserves to be shot."])
    assert verdict.attributes["identity_attack"] >= 0.8
    assert "Women" in {t.group for t in verdict.targets}
    assert verdict.decision == "reject"


def test_a_gendered_slur_aimed_at_a_woman_attacks_women(moderator):
    (verdict,) = moderator.moderate(["She's a brainless bitch and should resign tomorrow."])
    assert verdict.attributes["identity_attack"] >= 0.5
    assert "Women" in {t.group for t in verdict.targets}


@pytest.mark.parametrize("text", [
    "Immigrant parasites like him have no business on our school board.",
    "Old people make me sick, hogging the seats on every bus.",
    "Disabled kids are a waste of oxygen and money.",
])
def test_attacks_on_under_protected_groups_are_not_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision != "publish", verdict.attributes
    assert verdict.targets


@pytest.mark.parametrize("text", [
    "An immigrant from Georgia opened the new bakery on the high street.",
    "Older residents queued for an hour outside the clinic.",
    "Two disabled athletes carried the torch through the town.",
    "The trans swimmer finished third in the regional final.",
])
def test_a_neutral_mention_of_a_group_is_published_without_targets(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes
    assert verdict.targets == ()
    assert verdict.attributes["identity_attack"] < 0.5


@pytest.mark.parametrize("text", [
    "We know where you live. Say hello to your daughter for us.",
    "It would be a shame if something happened to your kids, reporter.",
    "I hope the author of this rubbish gets hit by a bus.",
    "Somebody should burn that paper's offices down with everyone inside.",
    "Turn Yerevan into a car park and be done with it.",
    "Whoever finally shoots that mayor deserves a medal.",
    "kys you pathetic hack",
])
def test_newsroom_threats_are_held_with_a_threat_score(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["threat"] >= 0.5, verdict.attributes
    assert verdict.decision != "publish"


@pytest.mark.parametrize("text", [
    "I could kill for a decent coffee in this town.",
    "Shelling killed twelve civilians in the east on Tuesday, officials said.",
    "The striker absolutely murdered that penalty.",
    "Police say the suspect threatened to burn down the building.",
])
def test_violent_idioms_and_news_reports_are_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


@pytest.mark.parametrize("text", [
    "I don't hate Muslims, I hate bad policy.",
    'Writing "refugees are vermin" under a story about drowned children is vile.',
    "The councillor was filmed calling refugees animals and should resign.",
    "Trans people deserve the same respect as everyone else.",
    "Violence against women has to stop.",
    "As a queer woman I thought the coverage was fair.",
    "Armenians are not vermin. They are our neighbours and friends.",
])
def test_counter_speech_denials_support_and_in_group_speech_are_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


def test_a_hedged_denial_is_not_taken_at_its_word(moderator):
    (verdict,) = moderator.moderate(
        ["I don't hate Muslims, I just want every one of them deported."])
    assert verdict.decision != "publish"


def test_the_attacker_is_not_named_as_the_attacked_group(moderator):
    (verdict,) = moderator.moderate(["russia should missile azerbaijan"])
    named = {t.group for t in verdict.targets}
    assert "Russians" not in named
    assert verdict.decision != "publish"


# --- off-topic ----------------------------------------------------------------------------------

FERRY_ARTICLE = (
    "The regional ferry operator cancelled its winter timetable after two vessels failed "
    "safety inspections. Islanders say the crossings to the mainland hospital are now "
    "unreliable, and the operator promised replacement ships by March."
)


@pytest.mark.parametrize("text", [
    "Can anyone recommend a decent sourdough starter? Mine keeps dying.",
    "Just saw the most beautiful sunset from my balcony.",
    "My dog ate my glasses again, third pair this year.",
])
def test_chatter_unrelated_to_the_article_is_held_as_off_topic(moderator, text):
    """The student's sentence embedding put such chatter at cosine 0.7-0.99 to any article,
    so off_topic never reached its review level; topic now comes from the article's words."""
    (verdict,) = moderator.moderate([text], article=FERRY_ARTICLE)
    assert verdict.attributes["off_topic"] >= 0.7
    assert verdict.decision == "review"
    assert any("off topic" in r for r in verdict.reasons)


@pytest.mark.parametrize("text", [
    "Two failed inspections in one winter? Who was checking these vessels?",
    "Islanders needing the hospital deserve better than cancelled crossings.",
    "Replacement ships by March is a promise the operator has broken before.",
])
def test_comments_on_the_article_are_not_off_topic(moderator, text):
    (verdict,) = moderator.moderate([text], article=FERRY_ARTICLE)
    assert verdict.attributes["off_topic"] < 0.5
    assert verdict.decision == "publish"


@pytest.mark.parametrize("text", [
    "Reporters like her tend to vanish, you know.",
    "Folks have ended up in the canal for less than that column, Mr Adams.",
    "We've found your address, Ms Brandt.",
    "Really looking forward to reading his obituary.",
    "I'll be dancing on that editor's grave.",
    "The day that senator croaks will be a national holiday.",
    "Jump in front of the next bus, loser.",
    "Go play in the traffic, nobody will notice.",
])
def test_veiled_threats_death_wishes_and_suicide_baiting_without_a_violent_verb_are_held(
    moderator, text
):
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["threat"] >= 0.5, verdict.attributes
    assert verdict.decision != "publish"


@pytest.mark.parametrize("text", [
    "Be careful on the icy roads tonight, accidents happen.",
    "Journalists often disappear in authoritarian states, the report says.",
    "I'd love to attend the funeral to pay my respects.",
])
def test_advice_reports_and_mourning_that_share_those_words_are_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


@pytest.mark.parametrize("text", [
    "Saying Kurds are rats is how pogroms begin.",
    "I never said Poles are lazy, read my comment again.",
    "It is a myth that immigrants are criminals.",
    "Migrants are not parasites, they pay taxes like everyone else.",
    "Lesbians are some of the kindest neighbours on our street.",
    "Anyone who thinks Roma are thieves should be ashamed of themselves.",
    "'Go back to your country' is racist, and the council should say so.",
])
def test_condemning_denying_or_praising_in_hostile_words_is_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes
    assert verdict.targets == ()


@pytest.mark.parametrize("text", [
    "Torching refugee hostels is terrorism and nothing else.",
    "Every call to flatten Stepanakert is monstrous; families live there.",
    "The people who want to firebomb the synagogue are the real criminals.",
    "My neighbour was called a filthy migrant at the bakery this morning.",
    "Two lesbian students were told they would be hurt if they came back.",
])
def test_opposing_violence_and_reporting_abuse_suffered_are_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


@pytest.mark.parametrize("text", [
    "Whoever torched that Kurdish cafe did the town a favour.",
    "Three cheers for the bloke who ran over those protesters.",
    "If someone stabbed that columnist I would not shed a tear.",
    "Good on the lads who smashed up the Roma camp.",
    "Nobody would cry if you disappeared for good, Ms Hart.",
    "Maybe take a long walk off a short pier, Steve.",
    "Your wife walks the dog alone at night, doesn't she?",
    "Keep writing and see what happens, Ms Kaur.",
])
def test_praise_of_violence_and_threats_by_implication_are_held(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.attributes["threat"] >= 0.5, verdict.attributes
    assert verdict.decision != "publish"


@pytest.mark.parametrize("text", [
    "Hats off to the firefighters who saved the mosque.",
    "The soldier who shot the hostage-taker was cleared by the inquiry.",
    "I would not shed a tear if this bill died in committee.",
    "Mark my words, this policy will fail within a year.",
    "Keep writing, Ms Kaur, your reporting matters.",
    "The lads who burned the midnight oil on this deserve a medal.",
])
def test_praise_inquiries_and_idioms_near_those_words_are_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


@pytest.mark.parametrize("text", [
    "Every time someone posts 'Azeris are dogs' here, the moderators should delete it.",
    "You call Muslims cockroaches and then wonder why people think you're a bigot.",
    "Stop writing that Jews control the banks. It's an old antisemitic lie.",
    "If your argument is 'Armenians are rats', you have no argument.",
    "Referring to migrants as an invasion is dehumanising and dangerous.",
    "Telling women to get back in the kitchen is tired sexism.",
])
def test_hate_quoted_or_described_in_order_to_condemn_it_is_published(moderator, text):
    (verdict,) = moderator.moderate([text])
    assert verdict.decision == "publish", verdict.attributes


def test_a_quoted_slur_the_writer_calls_honest_is_not_counter_speech(moderator):
    (verdict,) = moderator.moderate(["'Muslims are rats' - racist? No, just honest."])
    assert verdict.decision != "publish"
