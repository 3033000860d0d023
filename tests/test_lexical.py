"""Specification of civility.lexical: lexical evidence with spans in the original text."""

from __future__ import annotations

from pathlib import Path

import pytest

from civility.lexical import Evidence, detect, mitigations
from civility.normalize import normalize
from civility.records import ATTRIBUTES

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "news-page-with-comments.txt"
needs_example = pytest.mark.skipif(not EXAMPLE.exists(), reason="example page not available")


def _ev(text: str) -> list[Evidence]:
    return detect(normalize(text))


def _attrs(text: str, floor: float = 0.5) -> set[str]:
    return {e.attribute for e in _ev(text) if e.prob >= floor}


def _page() -> tuple[str, list[str]]:
    raw = EXAMPLE.read_text(encoding="utf-8")
    article, _, rest = raw.partition("MORE ON THE TOPIC:")
    return article, [line for line in rest.splitlines() if line.strip()]


# --- the record ----------------------------------------------------------------------------------


def test_every_evidence_is_a_valid_span_of_the_original_text() -> None:
    text = "Y0u f*cking m0r0n, I will kill you. Nuke ’em all! Visit www.spam.biz, click here"
    found = _ev(text)
    assert found
    for e in found:
        assert e.attribute in ATTRIBUTES
        assert 0.0 <= e.prob <= 1.0
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
        assert e.rule


def test_spans_point_at_what_the_reader_wrote_not_the_normalised_text() -> None:
    text = "what the f u c k i n g joke, sh1t!"
    spans = {e.text for e in _ev(text) if e.attribute == "profanity"}
    assert {"f u c k i n g", "sh1t"} <= spans


def test_empty_and_odd_input_give_no_evidence_and_no_crash() -> None:
    for text in ("", " ", "😀😀😀", "مرحبا بالعالم", "\u202e\u200b", "e\u0301" * 40):
        assert _ev(text) == [] or all(e.prob <= 0.5 for e in _ev(text))


# --- the example page ----------------------------------------------------------------------------


@needs_example
def test_article_text_of_the_example_page_raises_no_threat_evidence() -> None:
    article, _ = _page()
    assert [e for e in _ev(article) if e.attribute == "threat"] == []


@needs_example
@pytest.mark.parametrize(("attribute", "comments"), [
    ("threat", (3, 6, 7)),
    ("dehumanization", (1, 3, 4)),
    ("profanity", (2, 3, 7)),
    ("sexually_explicit", (9,)),
    ("identity_attack", (1, 2, 3, 4, 7)),
])
def test_example_comments_raise_the_expected_evidence(attribute: str, comments: tuple[int, ...]
                                                      ) -> None:
    _, lines = _page()
    for n in comments:
        assert attribute in _attrs(lines[n - 1]), (n, lines[n - 1])


@needs_example
@pytest.mark.parametrize("n", [12, 14])
def test_harmless_example_comments_raise_no_evidence_above_one_half(n: int) -> None:
    _, lines = _page()
    assert [e for e in _ev(lines[n - 1]) if e.prob > 0.5] == []


# --- threats -------------------------------------------------------------------------------------


def test_nuke_em_is_a_threat() -> None:
    assert "threat" in _attrs("azeris are the same. nuke ’em both.")
    assert "threat" in _attrs("just nuke them")


def test_missile_a_country_is_a_threat() -> None:
    assert "threat" in _attrs("time for russia to missile “azerbaijan”!…")
    assert "threat" in _attrs("we should bomb iran")


@pytest.mark.parametrize("text", [
    "they should be eradicated", "those people must be exterminated", "wipe israel off the map",
    "death to america", "I will kill you", "i'm going to find you", "gas them all",
    "line them up against the wall", "kill them all", "they should all be hanged",
    "someone should put a bullet in the mayor's head", "I'd cut his throat",
    "blow their brains out",
])
def test_incitement_against_people_groups_or_countries_is_a_threat(text: str) -> None:
    assert "threat" in _attrs(text)


@pytest.mark.parametrize("text", [
    "Aliyev perceives this alliance as a threat to Azerbaijan's sovereignty.",
    "the threat of sanctions looms",
    "Ukrainian drones were launched from Kazakh airspace.",
    "Russia began to target similar facilities in Ukraine.",
    "Kazakhstan does not want to shoot down Ukrainian UAVs.",
    "Poverty should be eradicated.",
    "I'll find you a better link.",
    "hang them up to dry",
    "the strike killed all 12 passengers",
    "Iran's nuke program worries Israel",
    "He put a bullet in the chamber and cleaned the rifle.",
    "Cut their budget in half.",
])
def test_non_violent_uses_of_threat_words_are_not_threats(text: str) -> None:
    assert "threat" not in _attrs(text, floor=0.0)


# --- dehumanization ------------------------------------------------------------------------------


def test_calling_a_people_worms_is_dehumanization() -> None:
    text = "turks and arabs are spineless worms"
    found = [e for e in _ev(text) if e.attribute == "dehumanization"]
    assert found and max(e.prob for e in found) >= 0.8
    assert "identity_attack" in _attrs("turks and arabs are spineless worms")


@pytest.mark.parametrize("text", [
    "they are rats", "immigrants are vermin", "russians are pigs", "jews are a cancer",
    "arab subhumans", "the azeri vipers", "they breed like rabbits",
])
def test_people_called_animals_vermin_or_disease_is_dehumanization(text: str) -> None:
    assert "dehumanization" in _attrs(text)


@pytest.mark.parametrize("text", [
    "I walked my dog this morning", "dogs are animals", "my dog is a good dog",
    "hot dogs are tasty", "rats are vermin", "corruption is a cancer on the state",
    "refugees live in subhuman conditions",
])
def test_walking_a_dog_is_not_dehumanization(text: str) -> None:
    assert "dehumanization" not in _attrs(text, floor=0.0)


def test_a_leetspeak_animal_word_still_counts() -> None:
    assert "dehumanization" in _attrs("they are r4ts")


# --- identity attack -----------------------------------------------------------------------------


def test_slurs_from_the_group_lexicon_are_identity_attacks_even_masked() -> None:
    assert "identity_attack" in _attrs("fuck turdkey")
    assert "identity_attack" in _attrs("the m*zzies again")


def test_generalising_a_negative_trait_to_a_group_is_an_identity_attack() -> None:
    assert "identity_attack" in _attrs("azeris and turds are the same shit")
    assert "identity_attack" in _attrs("all muslims are terrorists")


def test_praising_a_group_is_not_an_identity_attack() -> None:
    assert "identity_attack" not in _attrs("turks are a proud and brave people", floor=0.0)
    assert "identity_attack" not in _attrs("armenians are not criminals", floor=0.0)


# --- profanity -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "fuck", "f*ck", "f**k", "fuuuuck", "f u c k", "fuk them", "FUCKING hell", "sh1t", "$hit",
    "motherfucker", "wtf", "stfu", "asshole", "@ss", "a$$", "bitches", "c*nt", "bullshit", "asssss",
])
def test_swear_words_and_their_disguises_are_profanity(text: str) -> None:
    assert "profanity" in _attrs(text)


@pytest.mark.parametrize("text", [
    "a class assessment", "Dickens wrote novels", "Scunthorpe United", "a cocktail party",
    "see a therapist", "the assassin", "Essex and Sussex", "summa cum laude", "cumulative damage",
    "shiitake mushrooms", "grapes and analysis", "a button", "hello there",
])
def test_scunthorpe_is_not_profanity(text: str) -> None:
    found = {e.attribute for e in _ev(text) if e.attribute in ("profanity", "sexually_explicit")}
    assert not found


def test_a_single_shit_is_strong_profanity_evidence() -> None:
    best = max(e.prob for e in _ev("same shit") if e.attribute == "profanity")
    assert best == pytest.approx(0.85)


# --- insults -------------------------------------------------------------------------------------


def test_an_insult_aimed_at_someone_is_stronger_than_a_bare_one() -> None:
    aimed = max(e.prob for e in _ev("you idiot") if e.attribute == "insult")
    bare = max(e.prob for e in _ev("an idiot policy") if e.attribute == "insult")
    assert aimed >= 0.8 > bare


def test_this_clown_and_these_crooks_are_insults() -> None:
    assert "insult" in _attrs("this clown zelensky will never relent")
    assert "insult" in _attrs("no wonder these crooks think they can get away with it")


# --- sexually explicit ---------------------------------------------------------------------------


def test_explicit_terms_are_sexually_explicit_and_stronger_together() -> None:
    one = max(e.prob for e in _ev("dildos") if e.attribute == "sexually_explicit")
    two = max(e.prob for e in _ev("he put his dildos in his ass") if e.attribute
              == "sexually_explicit")
    assert one >= 0.8 and two > one
    assert "sexually_explicit" in _attrs("uncle homer pimped me out")


# --- spam ----------------------------------------------------------------------------------------


def test_links_with_promotion_are_spam() -> None:
    found = _ev("Earn $500 a day working from home!!! click here http://bit.ly/xyz")
    assert max(e.prob for e in found if e.attribute == "spam") >= 0.9


def test_phone_numbers_and_repetition_are_spam_evidence() -> None:
    assert "spam" in _attrs("call me on whatsapp +1 415 555 0134")
    assert "spam" in _attrs("buy buy buy buy buy now")


def test_shouting_in_capitals_is_not_spam() -> None:
    assert "spam" not in _attrs("THIS GOVERNMENT IS A DISGRACE AND EVERYONE KNOWS IT", floor=0.0)


def test_numbers_in_news_text_are_not_phone_numbers() -> None:
    text = "Trade turnover in 2024 amounted to 4.8 billion dollars; 1,300 kilometers; 800 to 900."
    assert "spam" not in _attrs(text, floor=0.0)


# --- threats a newsroom fears (issue 10) ---------------------------------------------------------


@pytest.mark.parametrize("text", [
    "We know where you live, and where your daughter goes to school.",
    "Would be a pity if anything happened to your kids, columnist.",
    "Keep printing these lies and watch your back.",
    "I hope the editor gets hit by a bus on his way home.",
    "I pray this reporter drops dead before the next issue.",
    "The world would be better off if every one of you were dead.",
    "Someone should torch that synagogue.",
    "Burn their offices to the ground, every last one.",
    "Flatten Baku and be done with it.",
    "Turn their capital into a sea of glass.",
    "Whoever finally takes out the minister deserves a statue.",
    "I'd stand a round for the guy who shoots that judge.",
    "kys, hack",
    "Just go hang yourself, nobody reads you anyway.",
    "Do us all a favour and jump off a bridge.",
])
def test_veiled_threats_wishes_of_harm_arson_praise_of_killers_and_suicide_baiting_are_threats(
        text: str) -> None:
    assert "threat" in _attrs(text)


@pytest.mark.parametrize("text", [
    "I could murder a curry after that debate.",
    "The mayor absolutely killed it in the debate last night.",
    "Shelling killed nine civilians near the border, the ministry said.",
    "The old mosque burned down in a fire in 1998.",
    "Watch your back on the icy pavement near the station.",
    "I hope the bill dies in committee.",
    "Whoever kills this tax plan deserves a medal.",
    "The army should not bomb cities, full stop.",
    "Our kids go to the same school as the councillor's kids.",
    "His second novel bombed, and the third one is no better.",
])
def test_idioms_and_news_reports_of_violence_raise_no_threat(text: str) -> None:
    assert "threat" not in _attrs(text, floor=0.3)


# --- identity attacks by composition (issue 10) ------------------------------------------------


@pytest.mark.parametrize("text", [
    "Foreigners make me sick, every one of them.",
    "I honestly can't stand gay people.",
    "Migrant scum everywhere you look in this town.",
    "She is a lazy slut who slept her way onto the council.",
    "Women are too emotional to run a ministry.",
    "Disabled kids are a waste of oxygen.",
])
def test_disgust_hatred_and_slurs_aimed_at_a_group_are_identity_attacks(text: str) -> None:
    assert "identity_attack" in _attrs(text)


@pytest.mark.parametrize("text", [
    "I can't stand the Turkish government.",
    "I hate French fries with mayonnaise.",
    "You bitch, you blocked my comment again.",
    "Her landlord is a real son of a bitch.",
    "Foreigners make up a third of the nurses in the region.",
])
def test_hostility_to_institutions_things_or_one_person_is_not_an_identity_attack(text: str
                                                                                 ) -> None:
    assert "identity_attack" not in _attrs(text, floor=0.3)


# --- not hate, though it looks like it (issue 10) -----------------------------------------------


def _hostile(text: str) -> list[Evidence]:
    return [e for e in _ev(text)
            if e.attribute in ("identity_attack", "threat", "dehumanization")]


@pytest.mark.parametrize(("text", "context"), [
    ("Nobody should shoot them, whatever they did.", "negation"),
    ("Not all Muslims are terrorists, and you know it.", "negation"),
    ('Writing "refugees are vermin" under a story about drowned children is vile.',
     "counter-speech"),
    ("The councillor was filmed calling refugees animals and should resign.", "counter-speech"),
    ('Police said the men chanted "gas the jews" outside the synagogue.', "report"),
    ("we dykes have marched in this town since 1979", "in-group"),
])
def test_hostile_words_in_a_mitigating_context_are_weakened_and_marked(text: str, context: str
                                                                      ) -> None:
    found = _hostile(text)
    assert found, text
    assert all(e.mitigated == context and e.prob < 0.5 for e in found), found


@pytest.mark.parametrize("text", [
    'My uncle always said "immigrants are rats" and he is right.',
    "I'm not racist, but refugees are rats.",
    "Nobody asked, but they should all be shot.",
])
def test_agreement_and_hedges_do_not_mitigate(text: str) -> None:
    assert any(not e.mitigated and e.prob >= 0.5 for e in _hostile(text)), _ev(text)


@pytest.mark.parametrize(("text", "kind"), [
    ("I don't hate Kurds, I hate the violence.", "negation"),
    ("Trans people deserve dignity like anyone else.", "support"),
    ("Violence against Roma has to stop.", "support"),
    ("Proud to stand with our Jewish neighbours tonight.", "support"),
    ('Saying "go back where you came from" is plain racism.', "counter-speech"),
    ("As a deaf woman I found the coverage fair.", "in-group"),
])
def test_mitigating_contexts_are_listed_with_their_kind(text: str, kind: str) -> None:
    found = mitigations(normalize(text))
    assert kind in {m.kind for m in found}
    assert all(text[m.start:m.end] == m.text for m in found)


def test_a_denial_or_praise_that_turns_into_a_hedge_is_no_mitigation() -> None:
    assert mitigations(normalize("I don't hate Kurds, I just want them gone.")) == []
    assert mitigations(normalize("He is a decent Muslim, unlike the rest.")) == []


@pytest.mark.parametrize("text", [
    "Write one more word about my family, Mr Petrov, and I will break your legs.",
    "We're going to put him in the hospital, that lying columnist.",
    "I'll be waiting outside your office with a crowbar tomorrow.",
    "He'll be swinging from a tree by Christmas.",
    "The governor should be marched out of his mansion and hanged.",
    "I tracked down your address, Ms Rahimova. Sleep well.",
    "Your daughter is home alone every evening, isn't she?",
    "That judge will get what's coming to her.",
    "Hope your flight goes down over the sea, columnist.",
    "May you and your children burn alive.",
    "I pray the next flood wipes out all the Kurds.",
    "Whoever stabbed that blogger deserves a statue.",
    "The gunman at the mosque is a hero to me.",
    "Too bad the blast didn't get all of them.",
    "If anybody shoots the mayor, I'll buy him a pint.",
    "Drop a bomb on Tbilisi and be done with it.",
])
def test_threats_of_bodily_harm_surveillance_and_glorified_violence_are_threats(text: str
                                                                                ) -> None:
    assert "threat" in _attrs(text)


@pytest.mark.parametrize("text", [
    "I'll beat you at chess any day.",
    "We will beat them at the polls in May.",
    "I'll break the news to her gently.",
    "I'm going to kill this workout tonight.",
    "The firefighter who pulled the child out deserves a medal.",
    "The officer who shot the attacker was cleared by the inquiry.",
    "She spends hours in the kitchen baking bread for the shelter.",
])
def test_sport_news_and_praise_of_rescuers_raise_no_threat_or_identity_attack(text: str) -> None:
    assert not {"threat", "identity_attack"} & _attrs(text, floor=0.3)


@pytest.mark.parametrize("text", [
    "Never hire a deaf person, they are useless.",
    "Female councillors are dishonest by nature.",
    "Pensioners are selfish, greedy and a drain on the NHS.",
    "You can smell the Kurds from the next street.",
    "She should get back in the kitchen instead of running the council.",
    "Don't ever rent your flat to a refugee.",
    "Never employ a Kurd; they are lazy.",
])
def test_exclusion_stereotypes_and_gender_roles_aimed_at_a_group_are_identity_attacks(
        text: str) -> None:
    assert "identity_attack" in _attrs(text)


@pytest.mark.parametrize(("text", "context"), [
    ("'Gas the Kurds' is not a political view, it's incitement.", "counter-speech"),
    ("Whoever wrote that Kurds are subhuman should read some history.", "counter-speech"),
    ("I would never say Kurds deserve to die.", "negation"),
])
def test_single_quotes_distancing_frames_and_denied_sayings_mitigate(text: str, context: str
                                                                    ) -> None:
    found = _hostile(text)
    assert found and all(e.mitigated == context and e.prob < 0.5 for e in found), found


def test_a_frame_does_not_reach_past_a_turn_to_the_writers_own_voice() -> None:
    text = "They keep saying Kurds are great but Kurds are subhuman, the fascists."
    assert any(not e.mitigated and e.prob >= 0.8 for e in _hostile(text))


def test_denying_the_hostile_predicate_itself_is_a_firm_cue() -> None:
    (cue,) = mitigations(normalize("Kurds are not vermin. They are our neighbours."))
    assert (cue.kind, cue.firm) == ("negation", True)
    (cue,) = mitigations(normalize("Nobody should have to read this."))
    assert (cue.kind, cue.firm) == ("negation", False)


def _cues(text: str) -> set[tuple[str, bool]]:
    return {(m.kind, m.firm) for m in mitigations(normalize(text))}


def test_a_claim_called_nonsense_or_a_myth_is_denied_not_made():
    for text in ("It's nonsense that women cannot lead.",
                 "That is a lie to say Jews are greedy."):
        assert ("negation", True) in _cues(text), text
    (attack,) = [e for e in _ev("Total rubbish that refugees are criminals.")
                 if e.attribute == "identity_attack"]
    assert attack.mitigated == "negation" and attack.prob < 0.5


def test_a_denied_thought_is_not_the_writers_claim():
    (attack,) = [e for e in _ev("I never thought Turks are inferior.")
                 if e.attribute == "identity_attack"]
    assert attack.mitigated == "negation"


def test_whoever_says_it_is_condemned_counts_as_counter_speech():
    assert ("counter-speech", True) in _cues(
        "Whoever wrote that Chechens are animals should be banned.")
    assert ("counter-speech", True) in _cues(
        "'Deport them all' is not an argument, it is xenophobia.")
    assert not _cues("Whoever wrote this article is right: Chechens are animals.")


def test_superlative_praise_of_a_group_is_support():
    assert ("support", False) in _cues("Refugees are among the hardest working people here.")
    assert not _cues("Refugees are the laziest people here.")


def test_threats_that_name_no_violence_are_still_threats():
    for text in ("Critics like you have a way of going missing.",
                 "Can't wait to see your funeral, Mr Black.",
                 "Throw yourself under the train."):
        assert "threat" in _attrs(text), text
    for text in ("People like you are why I still read the comments.",
                 "The funeral was moving; I can't wait to see the documentary.",
                 "Don't throw yourself under the bus for your boss."):
        assert "threat" not in _attrs(text), text


def test_abuse_reported_is_a_report_unless_the_writer_cheers_it():
    assert ("report", False) in _cues("Our rabbi was spat at on the tram yesterday.")
    assert not _cues("Roma were told to get out of town, and good riddance.")


def test_condemned_violence_is_opposition_not_a_call_for_it():
    assert ("support", True) in _cues("Shelling hospitals is a war crime.")
    assert ("support", True) in _cues("Those who threaten to burn the church are thugs.")
    assert not _cues("Shelling their hospitals is what they deserve.")


def test_sexual_harassment_without_explicit_words_is_sexual():
    for text in ("Bet the new presenter is wild in bed.",
                 "Come sit on my face, sweetheart.",
                 "I'd bend her over my desk any day."):
        assert "sexually_explicit" in _attrs(text), text
    for text in ("The patient stayed in bed for a week.",
                 "Sit on my left at the dinner, please.",
                 "I'd smash that record if I trained harder."):
        assert "sexually_explicit" not in _attrs(text), text


def test_money_claims_and_shop_talk_with_a_link_are_spam():
    found = {e.rule for e in _ev("Earned $900 a week with one weird trick: cash-now.biz")}
    assert "spam:promotion-with-contact" in found
    assert not [e for e in _ev("The council earned $2 million a year from parking, it said.")
                if e.rule == "spam:promotion-with-contact"]


def test_daring_someone_to_act_on_suicidal_talk_is_encouragement():
    for text in ("You keep saying you want to die, so go on then.",
                 "Stop moaning about being depressed and just do it.",
                 "The old quarry has no railings, in case you were wondering.",
                 "Cut a little deeper next time."):
        assert {"self_harm", "threat"} <= _attrs(text), text
    for text in ("Stop complaining about the roads and just do it yourself, council.",
                 "The tower is high enough to see the sea, just so you know.",
                 "If you hate your job, quit and go through with the move."):
        assert "self_harm" not in _attrs(text), text


def test_a_readers_own_thoughts_of_letting_go_are_disclosure_not_encouragement():
    for text in ("Most nights I stand on the platform and think about jumping.",
                 "Honestly I don't see the point of going on any more."):
        attrs = _attrs(text)
        assert "self_harm" in attrs and "threat" not in attrs, text
