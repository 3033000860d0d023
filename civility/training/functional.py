"""Civility's own functional test suite: what a newsroom needs, one capability at a time.

Public benchmarks say how well Civility ranks comments on average; they do not
say *which* capabilities fail. This suite does: each **functionality** (a
derogation of women, a veiled threat to a journalist, counter-speech that
quotes hate, a violent idiom ...) has cases with an expected outcome, so
``civility evaluate`` can report accuracy per functionality.

Cases are built from **template families** (templates x slot fillers) written
for this project in news-comment register, including the geopolitics of the
region the example page covers. Every case carries its family's id and whether
that family is **held out**: held-out families must never be used for training
or for tuning rules, so that they keep measuring generalisation.
:func:`trainable_cases` is the only door training code may use.

Expected outcomes, under the default ``news`` policy:

``publish``     published.
``hold``        not published (review or reject).
``review``      held for a human, not rejected (a person's disclosure of self-harm).
``not_reject``  published or reviewed, never rejected (swearing aimed at nobody).

Where it matters a case also names the attribute that should reach 0.5, the
group that should be named as the target, and a group that must *not* be
named: the actor in an attack by one country on another, or the group that a
comment to be published merely mentions, defends or quotes.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from string import Formatter
from typing import Literal

Expect = Literal["publish", "hold", "review", "not_reject"]

#: Which decisions satisfy each expectation.
ALLOWED: Mapping[Expect, frozenset[str]] = {
    "publish": frozenset({"publish"}),
    "hold": frozenset({"review", "reject"}),
    "review": frozenset({"review"}),
    "not_reject": frozenset({"publish", "review"}),
}


@dataclass(frozen=True, slots=True)
class Case:
    """One comment and what Civility should do with it."""

    functionality: str
    family: str
    text: str
    expect: Expect
    held_out: bool = False
    #: An attribute whose score should reach 0.5.
    attribute: str | None = None
    #: A group that should be named among the verdict's targets (the attacked group).
    target: str | None = None
    #: A group that must not be named as a target: the actor in "X should bomb Y", or
    #: the group a published comment mentions, defends or quotes.
    not_target: str | None = None
    #: The article the comment was posted under (off-topic cases need one).
    article: str | None = None


@dataclass(frozen=True, slots=True)
class Family:
    """Templates filled from rows of slot values; ``limit`` caps the cases drawn from them."""

    id: str
    templates: tuple[str, ...]
    rows: tuple[Mapping[str, str | None], ...] = ({},)
    held_out: bool = False
    limit: int = 24
    expect: Expect | None = None  # overrides the functionality's
    attribute: str | None = None  # overrides the functionality's
    with_target: bool = True  # name the row's group as the expected target
    article: str | None = None  # the article its comments were posted under


@dataclass(frozen=True, slots=True)
class Functionality:
    name: str
    description: str
    expect: Expect
    families: tuple[Family, ...]
    attribute: str | None = None
    articles: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- slot fillers
# P: people (plural), S: one person (with article), A: adjective, group: the canonical
# group name a verdict should report, country/city where the group has one.


def _g(
    P: str, S: str, A: str | None, group: str, country: str | None = None,
    city: str | None = None,
) -> dict[str, str | None]:
    return {"P": P, "S": S, "A": A, "group": group, "country": country, "city": city}


NATIONS = (
    _g("Azerbaijanis", "an Azerbaijani", "Azerbaijani", "Azerbaijanis", "Azerbaijan", "Baku"),
    _g("Armenians", "an Armenian", "Armenian", "Armenians", "Armenia", "Yerevan"),
    _g("Russians", "a Russian", "Russian", "Russians", "Russia", "Moscow"),
    _g("Ukrainians", "a Ukrainian", "Ukrainian", "Ukrainians", "Ukraine", "Kyiv"),
    _g("Turks", "a Turk", "Turkish", "Turks", "Turkey", "Ankara"),
    _g("Georgians", "a Georgian", "Georgian", "Georgians", "Georgia", "Tbilisi"),
    _g("Iranians", "an Iranian", "Iranian", "Iranians", "Iran", "Tehran"),
    _g("Israelis", "an Israeli", "Israeli", "Israelis", "Israel", "Tel Aviv"),
    _g("Palestinians", "a Palestinian", "Palestinian", "Palestinians", "Palestine", "Gaza"),
    _g("Serbs", "a Serb", "Serbian", "Serbs", "Serbia", "Belgrade"),
    _g("Albanians", "an Albanian", "Albanian", "Albanians", "Albania", "Tirana"),
    _g("Poles", "a Pole", "Polish", "Poles", "Poland", "Warsaw"),
    _g("Pakistanis", "a Pakistani", "Pakistani", "Pakistanis", "Pakistan", "Karachi"),
    _g("Nigerians", "a Nigerian", "Nigerian", "Nigerians", "Nigeria", "Lagos"),
    _g("Afghans", "an Afghan", "Afghan", "Afghans", "Afghanistan", "Kabul"),
    _g("Syrians", "a Syrian", "Syrian", "Syrians", "Syria", "Damascus"),
    _g("Mexicans", "a Mexican", "Mexican", "Mexicans", "Mexico", "Mexico City"),
    _g("Chinese people", "a Chinese person", "Chinese", "Chinese people", "China", "Beijing"),
    _g("Kazakhs", "a Kazakh", "Kazakh", "Kazakhs", "Kazakhstan", "Almaty"),
    _g("Somalis", "a Somali", "Somali", "Somalis", "Somalia", "Mogadishu"),
    _g("Americans", "an American", "American", "Americans", "America", "Washington"),
    _g("Germans", "a German", "German", "Germans", "Germany", "Berlin"),
    _g("Indians", "an Indian", "Indian", "Indians", "India", "Delhi"),
)
RELIGIONS = (
    _g("Muslims", "a Muslim", "Muslim", "Muslims"),
    _g("Jews", "a Jew", "Jewish", "Jews"),
    _g("Christians", "a Christian", "Christian", "Christians"),
    _g("Hindus", "a Hindu", "Hindu", "Hindus"),
    _g("Sikhs", "a Sikh", "Sikh", "Sikhs"),
    _g("Catholics", "a Catholic", "Catholic", "Catholics"),
    _g("Buddhists", "a Buddhist", "Buddhist", "Buddhists"),
    _g("Yazidis", "a Yazidi", "Yazidi", "Yazidis"),
    _g("Shia Muslims", "a Shia Muslim", "Shia", "Shia Muslims"),
    _g("atheists", "an atheist", None, "Atheists"),
)
ETHNICITIES = (
    _g("Roma", "a Roma man", "Roma", "Roma"),
    _g("Arabs", "an Arab", "Arab", "Arabs"),
    _g("black people", "a black person", None, "Black people"),
    _g("Kurds", "a Kurd", "Kurdish", "Kurds"),
    _g("Chechens", "a Chechen", "Chechen", "Chechens"),
    _g("Asians", "an Asian", "Asian", "Asians"),
    _g("Latinos", "a Latino", "Latino", "Hispanics"),
    _g("white people", "a white person", None, "White people"),
    _g("Uyghurs", "a Uyghur", "Uyghur", "Uyghurs"),
    _g("Tatars", "a Tatar", "Tatar", "Tatars"),
)
WOMEN = (
    _g("women", "a woman", "female", "Women"),
    _g("female journalists", "a female journalist", None, "Women"),
    _g("female politicians", "a female politician", None, "Women"),
    _g("women in parliament", "a woman in parliament", None, "Women"),
)
LGBTQ = (
    _g("gay people", "a gay man", "gay", "Gay men"),
    _g("lesbians", "a lesbian", "lesbian", "Lesbians"),
    _g("trans people", "a trans woman", "trans", "Transgender people"),
    _g("bisexual people", "a bisexual person", "bisexual", "Bisexual people"),
    _g("LGBT people", "an LGBT person", "LGBT", "LGBTQ people"),
    _g("non-binary people", "a non-binary person", "non-binary", "Non-binary people"),
)
DISABILITY = (
    _g("disabled people", "a disabled person", "disabled", "Disabled people"),
    _g("autistic people", "an autistic person", "autistic", "Autistic people"),
    _g("blind people", "a blind person", None, "Blind people"),
    _g("deaf people", "a deaf person", "deaf", "Deaf people"),
    _g("wheelchair users", "a wheelchair user", None, "Disabled people"),
    _g("people with mental illness", "a mentally ill person", None, "People with mental illness"),
)
MIGRANTS = (
    _g("immigrants", "an immigrant", "immigrant", "Immigrants"),
    _g("refugees", "a refugee", "refugee", "Refugees"),
    _g("migrants", "a migrant", "migrant", "Immigrants"),
    _g("asylum seekers", "an asylum seeker", None, "Asylum seekers"),
)
AGE = (
    _g("old people", "an old person", None, "Elderly people"),
    _g("pensioners", "a pensioner", None, "Elderly people"),
    _g("the elderly", "an elderly person", "elderly", "Elderly people"),
    _g("teenagers", "a teenager", None, "Young people"),
    _g("young people", "a young person", None, "Young people"),
)
#: A mix of every kind of group, for functionalities that are not about one kind.
MIXED = (
    *NATIONS[:12], *RELIGIONS[:6], *ETHNICITIES[:5], WOMEN[0], *LGBTQ[:3],
    DISABILITY[0], *MIGRANTS[:3], AGE[1],
)

#: People a comment can address or name: commenters, authors, officials (no real persons).
PEOPLE = (
    {"name": "Mr Hasanov"}, {"name": "Ms Petrosyan"}, {"name": "Olena"}, {"name": "David"},
    {"name": "Ms Novak"}, {"name": "Councillor Hughes"}, {"name": "Mr Yilmaz"},
    {"name": "Ms Karimova"}, {"name": "Giorgi"}, {"name": "Tom"},
)
#: Journalists and authors a veiled threat can address.
REPORTERS = (
    {"name": "Ms Aliyeva", "street": "Nizami Street"},
    {"name": "Mr Grigoryan", "street": "Baghramyan Avenue"},
    {"name": "Sarah", "street": "Elm Road"},
    {"name": "Elena", "street": "Rustaveli Avenue"},
    {"name": "Tom", "street": "Station Road"},
    {"name": "Mr Kovalenko", "street": "Khreshchatyk"},
    {"name": "Ms Demir", "street": "Istiklal Avenue"},
    {"name": "Leyla", "street": "Fountain Square"},
)
WOMEN_NAMES = (
    {"name": "Ms Aliyeva"}, {"name": "Sarah"}, {"name": "Elena"}, {"name": "Leyla"},
    {"name": "Ani"}, {"name": "Ms Demir"}, {"name": "Olena"}, {"name": "Nino"},
)


#: Articles for the off-topic and on-topic functionalities, by subject.
ARTICLES = {
    "pipeline": "Azerbaijan and Turkey signed an agreement on Tuesday to expand the gas "
    "pipeline that carries Caspian gas to Europe. Officials said capacity would double by "
    "2028, and the energy ministers praised the deal as a step towards energy security.",
    "roads": "The city council approved a budget of 14 million for road repairs and a new "
    "bypass. Councillors argued for hours over potholes, bus lanes and the cost of "
    "resurfacing the ring road before winter.",
    "talks": "Peace talks between Armenia and Azerbaijan resumed in Geneva. The foreign "
    "ministers discussed border demarcation, the return of prisoners and the reopening of "
    "transport links, the mediators said.",
    "rates": "The central bank raised its interest rate by half a point to fight inflation, "
    "which reached nine percent in March. Economists expect mortgage costs to rise and "
    "growth to slow next year.",
}


def _pairs(rows: Sequence[Mapping[str, str | None]]) -> tuple[dict[str, str | None], ...]:
    """Ordered pairs of different countries: ``actor`` acts on ``country``."""
    out = []
    for a, b in itertools.permutations(rows[:10], 2):
        out.append({**b, "actor": a["country"], "actor_group": a["group"],
                    "country2": a["country"], "city2": a["city"]})
    return tuple(out)


NATION_PAIRS = _pairs(NATIONS)

# --------------------------------------------------------------------------- shared families
# Derogation that works for any group kind.


def _derogation(kind: str, rows: tuple, specific: tuple[str, ...], held: tuple[str, ...]) -> tuple:
    return (
        Family(f"derog_{kind}/character", (
            "{P} are all liars and thieves, every last one of them.",
            "{P} are dirty, lazy and dishonest, and that is just a fact.",
            "Honestly, {P} are too stupid to be trusted with anything.",
            "{P} are a stain on this country.",
            "{P} are scum and nothing in this article changes that.",
            "You can't trust {P}, they are born cheats.",
            "{P} are worthless people and always will be.",
        ), rows, limit=16),
        Family(f"derog_{kind}/one_of_them", (
            "I would never rent my flat to {S}, they are all filthy.",
            "Never hire {S}; they are lazy and dishonest by nature.",
            "Typical {A} scum, lying as usual.",
            "{A} trash, the whole lot of them.",
        ), rows, limit=10),
        Family(f"derog_{kind}/specific", specific, rows, limit=14),
        Family(f"derog_{kind}/comment_register", (
            "Another article defending {P}? They are liars and everyone here knows it.",
            "Typical. {P} lie, cheat and then play the victim.",
            "The problem in this story isn't the policy, it's {P}. Rotten people.",
            "Funny how every scandal leads back to {P}. Vile people.",
            "{P} make me sick. I can't even read this without getting angry.",
            "Nothing is more repulsive than {P}, and I'm tired of pretending otherwise.",
            *held,
        ), rows, held_out=True, limit=12),
    )


# --------------------------------------------------------------------------- the suite


def _functionalities() -> tuple[Functionality, ...]:
    F, Fam = Functionality, Family
    return (
        # ---------------------------------------------------------------- derogation
        F("derog_nationality", "Derogation of a nationality", "hold", _derogation(
            "nationality", NATIONS,
            (
                "Never trust {S}; betrayal is in their blood.",
                "{P} have been a nation of thieves for a thousand years.",
                "{A} culture is nothing but backwardness and lies.",
                "All {P} are crooks, just look at how they run {country}.",
            ),
            ("Everything {A} is fake: their history, their food, their heroes.",),
        ), attribute="identity_attack"),
        F("derog_religion", "Derogation of a religion's followers", "hold", _derogation(
            "religion", RELIGIONS,
            (
                "{P} are brainwashed fanatics, every one of them.",
                "{A} schools only teach hatred, shut them all down.",
                "{P} are a danger to every decent person in this country.",
                "You can smell {S} from across the street.",
            ),
            ("Let {P} pray somewhere else; they are not welcome among decent people.",),
        ), attribute="identity_attack"),
        F("derog_ethnicity", "Derogation of an ethnic group or race", "hold", _derogation(
            "ethnicity", ETHNICITIES,
            (
                "{P} are criminals by nature, the statistics prove it.",
                "{P} are genetically less intelligent, deal with it.",
                "Keep {P} out of our neighbourhood, they ruin everything.",
                "{P} are thieves and beggars, nothing more.",
            ),
            ("Every time {P} move into a street, it goes to ruin.",),
        ), attribute="identity_attack"),
        F("derog_women", "Derogation of women", "hold", (
            *_derogation("women", WOMEN, (
                "{P} are too emotional to run anything important.",
                "{P} should stay in the kitchen and leave politics to men.",
                "{P} are only hired for their looks, not their brains.",
                "{P} are stupid and should never have been given the vote.",
                "{P} are manipulative by nature, every single one.",
            ), ("This is what happens when you let {P} write about war.",)),
            Fam("derog_women/handwritten", (
                "A woman's opinion on foreign policy is worth nothing.",
                "Never let a woman near a budget, they can't count.",
                "Women drivers, women ministers, same problem: no brains.",
                "Women are good for two things and writing columns is not one of them.",
                "Girls like the author should be married off, not given a newspaper column.",
                "Women are inferior to men in every way that matters.",
            ), held_out=False, with_target=False),
        ), attribute="identity_attack"),
        F("derog_lgbtq", "Derogation of gay, lesbian, bisexual, trans and non-binary people",
          "hold", _derogation("lgbtq", LGBTQ, (
              "{P} are sick perverts and should keep away from children.",
              "{P} are mentally ill and should be locked up for treatment.",
              "{P} are an abomination, and no law will change that.",
              "{P} are disgusting freaks of nature.",
              "{A} propaganda is poisoning our kids.",
          ), ("{P} are a disease that spreads through our schools.",)),
          attribute="identity_attack"),
        F("derog_disability", "Derogation of disabled people", "hold", _derogation(
            "disability", DISABILITY,
            (
                "{P} are a useless drain on the taxpayer.",
                "{P} should not be allowed to have children.",
                "{P} are pathetic and worthless.",
                "Why do we waste money keeping {P} alive?",
                "{P} are freaks, keep them out of sight.",
            ),
            ("{P} are a burden nobody asked for.",),
        ), attribute="identity_attack"),
        F("derog_immigrants", "Derogation of immigrants and refugees", "hold", _derogation(
            "immigrants", MIGRANTS,
            (
                "{P} only come here to steal and live on benefits.",
                "{P} are criminals, every last one.",
                "{A} trash is ruining our towns.",
                "Send {P} back where they came from, they are dirty and dangerous.",
                "{P} are rapists and thieves, look at the crime figures.",
            ),
            ("Every {A} I have seen is a scrounger and a liar.",),
        ), attribute="identity_attack"),
        F("derog_age", "Derogation of older (and younger) people", "hold", _derogation(
            "age", AGE,
            (
                "{P} are useless and should stop wasting everyone's money.",
                "{P} are senile idiots who should lose the right to vote.",
                "{P} are selfish, stupid and a burden on everyone else.",
                "Useless {P} clogging up the hospitals again.",
            ),
            ("{P} are parasites on the pension system and should get nothing.",),
        ), attribute="identity_attack"),
        # ---------------------------------------------------------------- dehumanisation
        F("dehumanisation", "Comparing a group to animals, vermin, disease or filth", "hold", (
            Fam("dehuman/vermin", (
                "{P} are vermin.",
                "{P} are rats breeding in the gutters of our cities.",
                "{P} are cockroaches, there is no other word for them.",
                "{P} are animals, not human beings.",
                "{P} are subhuman filth.",
                "{P} are a plague of locusts on this land.",
            ), MIXED, limit=22),
            Fam("dehuman/disease", (
                "{P} are a cancer eating this country from the inside.",
                "{P} are parasites sucking the life out of Europe.",
                "{P} spread like a disease wherever they settle.",
                "{A} vermin everywhere you look these days.",
            ), MIXED, limit=14),
            Fam("dehuman/held_out", (
                "{P} breed like rabbits and spread like lice.",
                "What do you call a street full of {P}? A zoo.",
                "{P} are barely more evolved than apes.",
                "{P} are a swarm of insects, not a people.",
                "Like all parasites, {P} kill the host in the end.",
            ), MIXED, held_out=True, limit=16),
        ), attribute="dehumanization"),
        # ---------------------------------------------------------------- threats
        F("threat_group", "Threats of violence against a group", "hold", (
            Fam("threat_group/explicit", (
                "All {P} should be lined up against a wall and shot.",
                "We will come for the {P} at night, and they will not wake up.",
                "Round up the {P} and hang them in the main square.",
                "If {P} march here tomorrow, we'll be waiting with knives.",
                "Get the guns ready, boys. {P} are next.",
                "I will shoot every one of the {P} I find in my town.",
            ), MIXED, limit=24),
            Fam("threat_group/held_out", (
                "Give me a rifle and an afternoon and there'll be fewer {P} in this town.",
                "When this war is over we'll deal with the {P} here, one house at a time.",
                "Every {A} family on our street will pay for this in blood.",
                "{P}, enjoy your last summer here. We know where you meet.",
            ), MIXED, held_out=True, limit=16),
        ), attribute="threat"),
        F("threat_individual", "Threats of violence against a person", "hold", (
            Fam("threat_person/explicit", (
                "Keep writing lies like this, {name}, and I will break every bone in your hand.",
                "I know where you live, {name}. See you tonight.",
                "Post that again, {name}, and I'll put you in hospital.",
                "I'm going to find you after the match and smash your face in, {name}.",
                "You'll be swinging from a lamppost when this is over, {name}.",
                "{name}, I'm coming to your office with a baseball bat.",
            ), PEOPLE, limit=26),
            Fam("threat_person/public_figure", (
                "The mayor should be dragged out of city hall and shot.",
                "Someone needs to put a bullet in that minister's head.",
                "If I ever meet the prime minister I will strangle him with my bare hands.",
                "That judge will get what's coming to her; I'll make sure of it.",
                "Hang the president from the nearest tree and let the crows have him.",
                "I'd happily stab the governor myself and do the time.",
            )),
            Fam("threat_person/held_out", (
                "Say that to my face, {name}, and you won't walk again.",
                "Enjoy your weekend, {name}. It may be your last one with two working knees.",
                "I'm done arguing, {name}. Next time we talk it'll be with my fists.",
            ), PEOPLE, held_out=True, limit=14),
        ), attribute="threat"),
        F("threat_country", "Calls to bomb, nuke or wipe out a country or city with its people",
          "hold", (
              Fam("threat_country/bomb", (
                  "Nuke {country} until nothing lives there.",
                  "{country} should be bombed flat, every village, every family.",
                  "Drop a bomb on {city} during rush hour and be done with them.",
                  "Wipe {country} off the map, people and all.",
                  "Flatten {city} with missiles, nobody there is innocent.",
              ), NATIONS, limit=24),
              Fam("threat_country/actor", (
                  "{actor} should missile {country} until there is nobody left to surrender.",
                  "Time for {actor} to nuke {country} and finish them for good.",
                  "I hope {actor} bombs {city} to dust, with everyone in it.",
              ), NATION_PAIRS, limit=14),
              Fam("threat_country/held_out", (
                  "One warhead on {city} would solve this whole conflict.",
                  "Somebody please carpet-bomb {country} already, all of it.",
                  "Gas the whole of {country}, every last one of them.",
              ), NATIONS, held_out=True, limit=12),
          ), attribute="threat"),
        F("incitement_arson", "Calls to burn or bomb buildings with people in them", "hold", (
            Fam("arson/buildings", (
                "Somebody should burn the {building} on {street} to the ground tonight.",
                "Petrol-bomb the {building}, it's the only language they understand.",
                "A few molotovs through the windows of the {building} would do the trick.",
                "Blow up the {building} while they're all inside for the meeting.",
                "Torch the {building} before Friday, lads, and lock the doors first.",
            ), tuple(
                {"building": b, "street": s}
                for b, s in zip(
                    ("mosque", "synagogue", "church", "refugee hostel", "Armenian school",
                     "Azerbaijani cultural centre", "newspaper office", "Roma camp",
                     "migrant shelter", "gay bar"),
                    ("Station Road", "Nizami Street", "Elm Road", "Market Lane", "Mill Street",
                     "the high street", "Rustaveli Avenue", "the ring road", "Canal Street",
                     "Church Lane"),
                    strict=True,
                )
            ), limit=26, with_target=False),
            Fam("arson/held_out", (
                "Someone should set fire to the {building} while they sleep.",
                "I'd pay good money to see that {building} go up in flames with them inside.",
            ), tuple({"building": b} for b in (
                "mosque", "synagogue", "refugee hostel", "embassy", "editor's house",
                "Kurdish community centre", "Chechen café")),
                held_out=True, limit=12, with_target=False),
        ), attribute="threat"),
        F("veiled_threat_journalist", "Veiled threats to journalists and authors", "hold", (
            Fam("veiled/home", (
                "Nice house on {street}, {name}. It would be a shame if something happened to it.",
                "Your car is parked on {street} every night, isn't it, {name}?",
                "I found your home address in five minutes, {name}. Think about that.",
                "We know which school your kids go to, {name}.",
                "Watch your back, {name}. People who write like you have accidents.",
            ), REPORTERS, limit=26),
            Fam("veiled/held_out", (
                "Say hello to your daughter for me, {name}. Lovely girl, walks home alone.",
                "Journalists like you tend to disappear, {name}. Just saying.",
                "Hope your brakes are working, {name}.",
                "Keep writing articles like this and see what happens to you, {name}.",
                "We'll be paying your family a visit soon, {name}.",
            ), REPORTERS, held_out=True, limit=20),
        ), attribute="threat"),
        F("death_wish", "Wishing death or serious harm on a person or group", "hold", (
            Fam("death_wish/person", (
                "I hope you die slowly and painfully, {name}.",
                "Hope your plane goes down, {name}.",
                "May you and your family burn to death, {name}.",
                "The world would be better if {name} got hit by a bus tomorrow.",
            ), PEOPLE, limit=16),
            Fam("death_wish/group", (
                "I hope every last one of the {P} dies in agony.",
                "Can't wait for {P} to die out.",
                "I pray the next earthquake buries all the {P}.",
            ), MIXED, limit=14),
            Fam("death_wish/held_out", (
                "I'd dance on your grave, {name}, and I hope it's soon.",
                "Hope the author gets cancer and thinks about this article the whole time.",
                "Nothing would make me happier than reading {name}'s obituary.",
            ), PEOPLE, held_out=True, limit=12),
        ), attribute="threat"),
        F("praise_of_violence", "Praising whoever killed or would kill someone", "hold", (
            Fam("praise/handwritten", (
                "Whoever shot that journalist deserves a medal.",
                "The man who stabbed the imam is a hero.",
                "Shame the bomb didn't kill more of them.",
                "Whoever torched the refugee hostel did this town a favour.",
                "If someone took out the editor, I'd buy him a drink.",
                "Those soldiers who massacred the villagers did the right thing.",
                "Respect to the guy who ran them over. More of that, please.",
                "The shooter at the synagogue is a legend.",
                "Whoever poisoned that reporter should get a statue.",
                "Good riddance. Whoever pulled the trigger did God's work.",
            )),
            Fam("praise/group", (
                "Good. More {P} should be killed like that.",
                "Whoever beat up those {P} last night deserves a pay rise.",
            ), MIXED, limit=10),
            Fam("praise/held_out", (
                "Hats off to the lads who burned the {A} shop, proper heroes.",
                "Finally somebody with guts did something about the {P}. Bravo to the killer.",
            ), tuple(r for r in MIXED if r["A"]), held_out=True, limit=10),
        ), attribute="threat"),
        F("suicide_baiting", "Telling someone to kill or hurt themselves", "hold", (
            Fam("suicide_bait/direct", (
                "kys {name}",
                "Just kill yourself already, {name}.",
                "Do us all a favour and go hang yourself, {name}.",
                "Nobody would miss you if you jumped off a bridge, {name}.",
                "Go drink bleach, {name}.",
                "Why don't you neck yourself, {name}?",
            ), PEOPLE, limit=26),
            Fam("suicide_bait/held_out", (
                "The world needs fewer people like you, {name}. Start with yourself.",
                "Go play in traffic, {name}.",
                "End it, {name}. Nobody likes you anyway.",
            ), PEOPLE, held_out=True, limit=14),
        )),
        # ---------------------------------------------------------------- slurs, swearing
        F("slur_group", "Slurs for a group", "hold", (
            Fam("slur/aimed", (
                "Get these {slur} out of our neighbourhood.",
                "Filthy {slur}, every one of them.",
                "Another article about {slur}? Nobody cares.",
                "The council keeps handing flats to {slur}.",
            ), (
                {"slur": "faggots", "group": "Gay men"}, {"slur": "dykes", "group": "Lesbians"},
                {"slur": "trannies", "group": "Transgender people"},
                {"slur": "kikes", "group": "Jews"}, {"slur": "ragheads", "group": "Muslims"},
                {"slur": "wetbacks", "group": "Mexicans"}, {"slur": "chinks",
                                                            "group": "Chinese people"},
                {"slur": "pakis", "group": "Pakistanis"}, {"slur": "gyppos", "group": "Roma"},
                {"slur": "niggers", "group": "Black people"},
                {"slur": "beaners", "group": "Mexicans"}, {"slur": "khokhols",
                                                           "group": "Ukrainians"},
                {"slur": "katsaps", "group": "Russians"}, {"slur": "retards", "group": None},
                {"slur": "spastics", "group": None},
            ), limit=40),
            Fam("slur/held_out", (
                "No surprise the {slur} are complaining again.",
                "Move to the suburbs if you want to get away from the {slur}.",
            ), (
                {"slur": "towelheads", "group": "Muslims"}, {"slur": "pikeys",
                                                             "group": "Irish Travellers"},
                {"slur": "polacks", "group": "Poles"}, {"slur": "krauts", "group": "Germans"},
                {"slur": "coons", "group": None}, {"slur": "fags", "group": "Gay men"},
            ), held_out=True, limit=12),
        ), attribute="identity_attack"),
        F("slur_gendered", "Gendered slurs aimed at a woman", "hold", (
            Fam("slur_gendered/direct", (
                "Shut up, you stupid bitch.",
                "{name} is a lying whore and everyone knows it.",
                "Nobody asked for your opinion, {name}, you slut.",
                "This article was written by a dumb cunt, {name}.",
                "Typical hysterical bitch, {name}.",
            ), WOMEN_NAMES, limit=24),
            Fam("slur_gendered/held_out", (
                "Back in your box, {name}, you little slag.",
                "{name} slept her way into that job, the skank.",
            ), WOMEN_NAMES, held_out=True, limit=10),
        ), attribute="insult"),
        F("profanity_aimed", "Swearing aimed at a person", "hold", (
            Fam("profanity_aimed/direct", (
                "Fuck you, {name}.",
                "You're full of shit and you know it, {name}.",
                "Shut the fuck up, {name}, nobody asked you.",
                "Eat shit, {name}.",
                "What a fucking moron you are, {name}.",
            ), PEOPLE, limit=26),
            Fam("profanity_aimed/held_out", (
                "Piss off back under your bridge, {name}, you useless prick.",
                "{name}, go fuck yourself and your lying article.",
            ), PEOPLE, held_out=True, limit=12),
        ), attribute="toxicity"),
        F("profanity_not_aimed", "Swearing aimed at nobody (mild published, strong not rejected)",
          "publish", (
              Fam("profanity_free/mild", (
                  "Damn, that's a lot of money for one bridge.",
                  "Bloody hell, the council finally fixed the road.",
                  "What the hell were the planners thinking with this roundabout?",
                  "This budget is a damn mess.",
                  "Crap weather for the parade again.",
                  "Hell yes, a rise for pensioners at last!",
                  "I was pissed off when the train was cancelled for the third time.",
                  "Bloody typical, the ferry is late again.",
                  "Damn good reporting, thank you.",
                  "The match was crap but the atmosphere was great.",
                  "Heck of a result for the small parties.",
                  "Oh hell, another strike on Monday.",
              )),
              Fam("profanity_free/strong", (
                  "Holy shit, twelve percent inflation.",
                  "Fucking finally, the bypass is open.",
                  "This shit happens every winter and nobody learns.",
                  "What a fucking week for the markets.",
                  "Shit, I didn't know the border was closed again.",
                  "Best fucking news I've read all year.",
                  "Oh shit, my flight goes through that airport tomorrow.",
                  "Fuck me, look at those gas prices.",
              ), expect="not_reject"),
              Fam("profanity_free/held_out", (
                  "Damn it, I missed the debate last night.",
                  "The bloody bus never comes on time anymore.",
                  "Shit happens, the minister said. Great crisis plan.",
                  "Well, that's a hell of a headline.",
              ), held_out=True, expect="not_reject"),
          )),
        F("insult_individual", "Insults aimed at a person", "hold", (
            Fam("insult/direct", (
                "You are a pathetic moron, {name}.",
                "{name} is a brain-dead hack.",
                "Only an idiot like you could believe this, {name}.",
                "You're a clueless, spineless little troll, {name}.",
                "{name}, you are the dumbest person on this site.",
                "Are you really this stupid, {name}, or do you practise?",
            ), PEOPLE, limit=28),
            Fam("insult/held_out", (
                "What a worthless excuse for a journalist {name} is.",
                "Go back to school, {name}, you ignorant clown.",
                "{name} has the brains of a doorknob and the manners of a pig.",
            ), PEOPLE, held_out=True, limit=14),
        ), attribute="insult"),
        # ---------------------------------------------------------------- disguised spellings
        F("leetspeak", "Hate and abuse with digits and symbols for letters", "hold", (
            Fam("leet/words", (
                "{P} are v3rm1n.",
                "k1ll all {P}.",
                "{P} are f1lthy r4ts.",
                "g4s the {P}.",
                "All {P} are subhum4n sc*m.",
                "sh00t the {P} on s1ght.",
                "{P} should be 3xt3rm1n4t3d.",
            ), MIXED, limit=26),
            Fam("leet/group_word", (
                "{leet} are rats, all of them.",
                "Kill every last one of the {leet}.",
            ), tuple({"leet": w, "group": g} for w, g in (
                ("Arm3nians", "Armenians"), ("Azer1s", "Azerbaijanis"), ("Mus1ims", "Muslims"),
                ("J3ws", "Jews"), ("r3fug33s", "Refugees"), ("1mm1grants", "Immigrants"),
                ("g4ys", "Gay men"), ("w0men", "Women"), ("Ru5sians", "Russians"),
                ("T0rks", "Turks"))), limit=16),
            Fam("leet/insult", (
                "you 1d10t, {name}",
                "{name} is a st00p1d m0r0n.",
                "sh*t up, {name}, you w0rthl3ss tr0ll.",
            ), PEOPLE, limit=8, attribute="insult", with_target=False),
            Fam("leet/held_out", (
                "{P} = p4r4s1t3s",
                "b0mb the {P} fl4t.",
                "{P} are a d1s3as3.",
            ), MIXED, held_out=True, limit=14),
        ), attribute="identity_attack"),
        F("spaced_letters", "Hate and abuse with letters spaced, dotted or dashed apart", "hold", (
            Fam("spaced/words", (
                "{P} are v e r m i n.",
                "k i l l all {P}.",
                "{P} should be g a s s e d.",
                "{P} are s c u m.",
                "{P} are r.a.t.s",
                "{P} are p-a-r-a-s-i-t-e-s.",
            ), MIXED, limit=26),
            Fam("spaced/insult", (
                "you are a m o r o n, {name}",
                "{name} is an i d i o t.",
            ), PEOPLE, limit=6, attribute="insult", with_target=False),
            Fam("spaced/held_out", (
                "w i p e out the {P}.",
                "b u r n the {P} out of their homes.",
                "{P} are f i l t h.",
            ), MIXED, held_out=True, limit=14),
        ), attribute="identity_attack"),
        F("dropped_letters", "Hate and abuse with dropped, doubled or swapped letters", "hold", (
            Fam("typos/words", (
                "{P} are vermn.",
                "{P} are parasties.",
                "kil al the {P}.",
                "{P} should be exterminted.",
                "{P} are subhumn flith.",
                "shoot evry one of the {P}.",
            ), MIXED, limit=26),
            Fam("typos/insult", (
                "you stupd idoit, {name}",
                "what a morron you are, {name}",
                "{name} is a pathetci lair.",
            ), PEOPLE, limit=8, attribute="insult", with_target=False),
            Fam("typos/held_out", (
                "gas teh {P}.",
                "{P} are cockroches.",
                "{P} are all theives and rapsits.",
            ), MIXED, held_out=True, limit=14),
        ), attribute="identity_attack"),
        F("emoji_hate", "Hate carried by emoji", "hold", (
            Fam("emoji/animals", (
                "{P} 🐀🐀🐀",
                "{P} = 🐖🐖",
                "Every one of the {P} deserves this: 🔫",
                "{P} infestation 🪳🪳🪳 call pest control",
            ), MIXED, limit=18),
            Fam("emoji/held_out", (
                "🔥🔥 burn {country} 🔥🔥 all of it",
                "{P}?? 🐒🐒🐒 that's all they are",
            ), NATIONS, held_out=True, limit=10),
        )),
        # ---------------------------------------------------------------- look-alikes of hate
        F("negated_hate", "Negated hate: saying the hateful thing is false", "publish", (
            Fam("negation/plain", (
                "I don't hate {P}, and I never have.",
                "{P} are not vermin. They are our neighbours.",
                "No, {P} are not criminals, whatever that politician says.",
                "I would never say {P} deserve to die.",
                "{P} are not a threat to anyone here.",
            ), MIXED, limit=26),
            Fam("negation/held_out", (
                "Contrary to the comment above, {P} are not a disease.",
                "It is simply false that {P} are lazy.",
                "Nobody sane thinks {P} are less human than anyone else.",
            ), MIXED, held_out=True, limit=16),
        )),
        F("counter_speech", "Counter-speech that quotes hate to condemn it", "publish", (
            Fam("counter/quote", (
                "Calling {P} rats, like the comment above does, is vile. Reported.",
                "'{P} should be shot' is not an opinion, it's incitement and it should be removed.",
                "People writing that {P} are parasites should be ashamed of themselves.",
                "Whoever wrote that {P} are subhuman needs to read some history.",
                "Saying 'kill all {P}' under a news article? Moderators, please act.",
            ), MIXED, limit=28),
            Fam("counter/held_out", (
                "I'm tired of seeing '{P} are vermin' in every thread. It's hate, plainly.",
                "When you call {P} animals, you do exactly what propagandists did before every "
                "massacre.",
                "If your argument is 'gas the {P}', you have no argument. Shame on you.",
            ), MIXED, held_out=True, limit=16),
        )),
        F("report_of_hate", "Reports and news of hate, not endorsing it", "publish", (
            Fam("report/news", (
                "The article says graffiti calling {P} vermin was sprayed on the school gate.",
                "Police are investigating leaflets that called for {P} to be expelled.",
                "A man was jailed for posting that {P} should be burned alive.",
                "The minister's speech describing {P} as a disease drew condemnation abroad.",
                "Survivors say the militia shouted that all {P} must die.",
            ), MIXED, limit=28),
            Fam("report/held_out", (
                "My {A} neighbour was told to go back where she came from, twice this month.",
                "The court heard that the defendant called {P} cockroaches before the attack.",
            ), tuple(r for r in MIXED if r["A"]), held_out=True, limit=14),
        )),
        F("support_of_group", "Support and praise of a group", "publish", (
            Fam("support/praise", (
                "{P} are some of the kindest people I have ever met.",
                "Proud to have {P} as neighbours on our street.",
                "{P} have made this city richer in every way.",
                "I stand with {P} today and every day.",
                "My best friend is {S} and the most generous person I know.",
            ), MIXED, limit=28),
            Fam("support/held_out", (
                "Thank you to the {A} volunteers who cleared the flood damage.",
                "The {A} bakery on our corner is the heart of the neighbourhood.",
            ), tuple(r for r in MIXED if r["A"]), held_out=True, limit=14),
        )),
        F("opposing_violence", "Opposing violence or threats against a group", "publish", (
            Fam("oppose/plain", (
                "Nobody should be attacked for being {S}.",
                "Violence against {P} has to stop now.",
                "Whoever attacked those {P} must be found and punished.",
                "Threats against {P} have no place in a democracy.",
            ), MIXED, limit=24),
            Fam("oppose/held_out", (
                "Burning the homes of {P} is a crime, whatever the war looks like.",
                "Calls to bomb {country} are disgusting; civilians are not targets.",
            ), NATIONS, held_out=True, limit=12),
        )),
        F("neutral_mention", "Neutral mentions of a group", "publish", (
            Fam("neutral/facts", (
                "My grandmother is {S}.",
                "About two million {P} live abroad, the article says.",
                "{P} voted in large numbers in the last election.",
                "Are there many {P} in the capital?",
                "The report interviewed {P} from four different regions.",
            ), (*MIXED, *DISABILITY[1:3], AGE[0], AGE[3]), limit=30),
            Fam("neutral/held_out", (
                "The {A} community held a vigil last night.",
                "Yesterday's debate included several {A} speakers.",
            ), tuple(r for r in MIXED if r["A"]), held_out=True, limit=14),
        )),
        F("self_identification", "Readers saying who they are", "publish", (
            Fam("self_id/plain", (
                "As {S}, I found this article fair and balanced.",
                "I'm {S} and I disagree with the author on the tax plan.",
                "Speaking as {S}, the housing shortage hits all of us.",
            ), (*MIXED, *DISABILITY[1:4], *AGE), limit=26),
            Fam("self_id/held_out", (
                "I am {S} and proud of it.",
                "Being {S} in this city has got easier, to be honest.",
            ), MIXED, held_out=True, limit=12),
        )),
        F("reclaimed_terms", "In-group reclaimed terms used about oneself", "publish", (
            Fam("reclaimed/handwritten", (
                "As a queer reader, I thought this piece was spot on.",
                "We queer folk have been saying this about the housing law for years.",
                "Us oldies still read the paper version, thank you very much.",
                "As an old geezer myself, I remember when the bridge was built.",
                "Proud crip here: the accessibility section of the plan is a joke.",
                "Speaking as a queer Armenian, the diaspora coverage was moving.",
                "Our queer choir sang at the memorial; thanks for mentioning it.",
                "This old codger still votes in every election.",
                "Me and the other geezers at the pub argued about this all night.",
                "As a fat, queer, middle-aged woman, I felt seen by this column.",
            )),
            Fam("reclaimed/held_out", (
                "Queer and proud, and I loved this interview.",
                "Us crips know exactly how bad the buses are.",
                "Old biddy here, still sharper than the council.",
                "The queer community centre on Canal Street is hosting a debate on Friday.",
            ), held_out=True),
        )),
        F("violent_idioms", "Violent words used figuratively", "publish", (
            Fam("idiom/handwritten", (
                "I could kill for a coffee right now.",
                "The striker absolutely murdered that penalty.",
                "This traffic is killing me.",
                "Her speech killed it at the conference.",
                "The opposition got slaughtered in the polls.",
                "That exam was murder.",
                "I'm dying to see the new stadium.",
                "The minister torpedoed her own bill.",
                "Prices are going to explode after the tax rise.",
                "The comedian bombed in front of the president.",
                "He shot down every question from the press.",
                "The market crash wiped out my savings.",
                "We'll nuke the leftovers in the microwave.",
                "The new tariffs will kill the small farms.",
                "My boss will kill me if I'm late again.",
                "That report blew the lid off the scandal.",
                "They fought tooth and nail over the budget.",
                "The goalkeeper was on fire today.",
                "Talk about overkill: three press releases for one pothole.",
                "The bill died in committee.",
                "She's a killer negotiator, the trade deal proves it.",
                "The ending of that series destroyed me.",
                "We got absolutely hammered by the storm.",
                "The new bakery is a bomb, go try the pastries.",
            )),
            Fam("idiom/sport", (
                "{country} crushed {country2} 3-0 in last night's qualifier.",
                "{country} thrashed {country2} in the basketball final.",
                "{country2} got destroyed by {country} at the chess olympiad.",
            ), NATION_PAIRS, limit=16, with_target=False),
            Fam("idiom/held_out", (
                "I nearly died laughing at the mayor's reply.",
                "The chef's lamb is to die for.",
                "Our team was massacred in the second half.",
                "That headline is a real punch in the gut.",
                "The senator went nuclear on the committee chair.",
                "I'll strangle my printer one of these days.",
            ), held_out=True),
        )),
        F("news_of_violence", "Reports of violence, war and crime", "publish", (
            Fam("news/war", (
                "Shelling killed twelve civilians in {city} overnight, the ministry said.",
                "A car bomb exploded near the parliament in {city}, wounding five.",
                "Drone strikes hit a power plant near {city}, leaving thousands without heat.",
                "Rescuers are still pulling bodies from the rubble in {city}.",
                "The trial of the soldier accused of shooting prisoners began in {city} today.",
            ), NATIONS, limit=24, with_target=False),
            Fam("news/crime", (
                "Police said the attacker stabbed two men before being arrested.",
                "The gunman was shot dead by police after a two-hour siege.",
                "At least forty people died when the dam burst.",
                "Border guards from {country} and {country2} exchanged fire for an hour.",
                "Three people were killed in an arson attack on a block of flats.",
                "The court sentenced the killer of the journalist to life in prison.",
            ), NATION_PAIRS[:3], limit=8, with_target=False),
            Fam("news/held_out", (
                "Witnesses said the militia burned the village and shot anyone who ran.",
                "The blast in {city} destroyed a school; nine children were among the dead.",
                "Refugees fleeing {country} described soldiers executing men at checkpoints.",
            ), NATIONS, held_out=True, limit=12, with_target=False),
        )),
        F("harsh_politics", "Harsh but legitimate criticism of governments and politicians",
          "publish", (
              Fam("politics/states", (
                  "The {A} government is corrupt to the core and should resign.",
                  "{country}'s leadership lies about its casualty figures and everyone knows it.",
                  "Sanctions on {country} should be doubled until its troops leave.",
                  "The foreign minister of {country} is an incompetent embarrassment.",
                  "{country}'s elections are a farce staged for foreign cameras.",
                  "The regime in {city} only understands pressure; cut off its credit.",
              ), NATIONS, limit=30, with_target=False),
              Fam("politics/general", (
                  "This deal is a betrayal and the negotiators should be ashamed.",
                  "I have zero respect for a president who jails reporters.",
                  "Parliament is full of cowards who won't vote against this war.",
                  "The mayor's housing plan is a disaster and he should resign.",
                  "This government has lied to us about the budget for three years.",
                  "The opposition leader is a hypocrite who changes his mind every week.",
                  "Every minister who signed this should face a no-confidence vote.",
                  "The council's incompetence is breathtaking.",
              )),
              Fam("politics/held_out", (
                  "The {A} army's conduct in this war is disgraceful and must be investigated.",
                  "Whoever negotiated {country}'s gas contract sold the country for nothing.",
              ), NATIONS, held_out=True, limit=12, with_target=False),
          )),
        # ---------------------------------------------------------------- other harms
        F("sexual_trolling", "Sexual harassment and trolling", "hold", (
            Fam("sexual/direct", (
                "Forget the article, {name}, show us your tits.",
                "Send me nudes, {name}, and I'll read your next column.",
                "Bet {name} is a freak in bed, look at those lips.",
                "Nice legs in the photo, {name}. Come sit on my face.",
                "I'd bend {name} over the desk and teach her a lesson.",
            ), WOMEN_NAMES, limit=26),
            Fam("sexual/held_out", (
                "I'd rather see the reporter naked than read this rubbish.",
                "What that anchor needs is a good hard shag.",
                "Less foreign policy, more cleavage please.",
                "I jerked off to the author's picture, best part of the article.",
                "The weather girl can blow me any day.",
                "Take your top off next time, {name}, more people will read you.",
            ), WOMEN_NAMES[:3], held_out=True, limit=14),
        ), attribute="sexually_explicit"),
        F("spam", "Spam and scams", "hold", (
            Fam("spam/money", (
                "I earn ${n} a week working from home on my laptop. See how at {url}",
                "My aunt made ${n} last month with this one simple trick: {url}",
                "Want to turn ${n} into ten times that? Message me on WhatsApp {phone}",
                "CLICK HERE to claim your ${n} bonus today: {url}",
            ), tuple(
                {"n": n, "url": u, "phone": p}
                for n, u, p in zip(
                    ("850", "1,200", "3,000", "500", "7,400", "260"),
                    ("www.quickcash-home.biz", "easy-income247.net", "crypto-doubler.io",
                     "bit.ly/free-cash-now", "www.win-big-today.top", "money-secret.info"),
                    ("+44 7700 900123", "+994 55 123 45 67", "+7 900 555 12 34",
                     "+1 202 555 0199", "+90 532 555 1234", "+374 91 555 123"),
                    strict=True,
                )
            ), limit=22),
            Fam("spam/products", (
                "Cheap {product}, no prescription, fast delivery: {url}",
                "Best {product} at 80% off, today only, visit {url}",
            ), tuple(
                {"product": p, "url": u}
                for p, u in zip(
                    ("viagra", "replica watches", "diet pills", "Instagram followers",
                     "essay writing", "designer handbags"),
                    ("bestpills-online.shop", "luxury-replicas.store", "slim-fast-now.xyz",
                     "buy-followers.club", "essays4u.biz", "bags-outlet.top"),
                    strict=True,
                )
            ), limit=12),
            Fam("spam/held_out", (
                "Hot singles in your area are waiting to meet you at {url}",
                "Great article! Check my profile for free giveaways: {url}",
                "Loans approved in 5 minutes, no credit check: {url}",
            ), tuple({"url": u} for u in (
                "hot-dates-now.xyz", "giveaway-zone.club", "fastloan-ok.biz", "lucky-spin.win")),
                held_out=True, limit=12),
        ), attribute="spam"),
        F("off_topic", "Comments unrelated to the article", "hold", (
            Fam("off_topic/chatter", (
                "Does anyone know a good recipe for banana bread?",
                "My cat just learned to open the fridge, lol.",
                "Who else is watching the football tonight?",
                "What's the best phone under 300 euros?",
                "The weather here has been lovely all week.",
                "Can anyone recommend a good dentist in the north of town?",
                "Just finished a great novel about dragons, highly recommend it.",
                "Happy birthday to my sister Lala, who never reads these comments!",
                "Is it normal for a puppy to sleep eighteen hours a day?",
                "Anyone selling tickets for the concert on Saturday?",
                "My grandmother's dolma beats any restaurant in town.",
                "Which is better for a beginner, guitar or piano?",
                "I finally beat level 40 of that puzzle game after two weeks.",
                "Lost a blue umbrella on the number 12 bus, if anyone finds it.",
                "Top tip: put rice in the salt shaker so it doesn't clump.",
                "Does anyone else's washing machine beep like an alarm clock?",
                "Looking for a running partner on Sunday mornings by the lake.",
                "The new season of that baking show is so good.",
                "How do you get red wine out of a white carpet?",
                "My son just passed his driving test, so proud!",
                "Best pizza in town is still the place by the old cinema.",
                "Any tips for growing basil on a windowsill?",
            ), limit=40),
            Fam("off_topic/held_out", (
                "Has anyone tried the new vegan burger place by the station?",
                "My tomatoes finally ripened, so happy.",
                "Which streaming service has the best crime series?",
                "I just adopted two kittens, Pasha and Bulka.",
                "Can someone explain the rules of cricket to me?",
                "First snow of the year on the mountains this morning, beautiful.",
                "What's a good name for a goldfish?",
                "My neighbour's rooster wakes me up at four every day.",
                "Recommendations for a cheap hotel in Lisbon, anyone?",
                "I've been learning to knit and made my first scarf.",
            ), held_out=True, limit=20),
        ), attribute="off_topic", articles=tuple(ARTICLES.values())),
        F("on_topic", "Ordinary comments on the article", "publish", tuple(
            Fam(f"on_topic/{subject}{'/held_out' if held else ''}", comments, held_out=held,
                article=ARTICLES[subject])
            for subject, held, comments in (
                ("pipeline", False, (
                    "Doubling pipeline capacity sounds ambitious; where will the extra gas "
                    "come from?",
                    "Good deal for Europe's energy security, if the prices hold.",
                    "I doubt the pipeline will be finished by 2028, these projects always slip.",
                    "Caspian gas is cheaper than LNG, so the energy ministers have a point.",
                )),
                ("pipeline", True, (
                    "Will the pipeline deal lower gas bills at all, or only help exporters?",
                    "Energy security matters, but so does the price of gas for households.",
                )),
                ("roads", False, (
                    "Fourteen million for road repairs and still no cycle lanes.",
                    "The bypass is long overdue, the ring road is a nightmare.",
                    "Resurfacing before winter is the right call, the ring road is falling apart.",
                    "Hours of debate over bus lanes and nobody mentioned the potholes on my road.",
                )),
                ("roads", True, (
                    "Potholes on my street have been there for two winters.",
                    "Who decided the bypass route? It cuts right through the allotments.",
                )),
                ("talks", False, (
                    "I hope the Geneva talks finally settle the border question.",
                    "Returning prisoners should be the first step for both sides.",
                    "Border demarcation will take years, but talking beats shooting.",
                    "The mediators deserve credit for getting both ministers to Geneva.",
                )),
                ("talks", True, (
                    "Reopening transport links would help traders on both sides.",
                    "Any progress on prisoners would be welcome news in both countries.",
                )),
                ("rates", False, (
                    "Higher rates will hurt first-time buyers the most.",
                    "Nine percent inflation is brutal; the bank had to act.",
                    "Mortgage costs were already painful before this rate rise.",
                    "Slower growth is a price worth paying if inflation comes down.",
                )),
                ("rates", True, (
                    "Half a point is not enough with inflation this high.",
                    "The bank is late again; inflation was obvious a year ago.",
                )),
            )
        )),
        # ---------------------------------------------------------------- self-harm
        F("self_harm_disclosure", "A reader disclosing self-harm or suicidal thoughts "
          "(a human should reach out; not a rejection)", "review", (
              Fam("disclosure/handwritten", (
                  "Some nights I think about ending it all.",
                  "I've been cutting myself again since I lost my job.",
                  "Honestly I don't see the point in living anymore.",
                  "After the layoffs I keep thinking everyone would be better off without me.",
                  "I took too many of my pills last week on purpose. I'm still here, somehow.",
                  "Reading about the war every day makes me want to disappear for good.",
                  "My son was killed at the front and I don't want to wake up tomorrow.",
                  "I've started hurting myself again and I don't know who to tell.",
                  "I have the pills saved up. I just need one more bad day.",
                  "Since the divorce I stand on the bridge most nights and think about jumping.",
                  "I burn my arms with cigarettes when the news gets too much.",
                  "I wrote my goodbye letters yesterday.",
                  "Ever since the flood took our house I've been thinking of killing myself.",
                  "I scratch my skin until it bleeds whenever I'm alone.",
                  "Some days I drive too fast on purpose and hope I don't make the bend.",
                  "I've stopped taking my medication because I don't want to get better.",
                  "Honestly, I've been googling ways to die painlessly.",
                  "My brother's death broke me. I want to join him.",
                  "I punch walls until my knuckles break. It's the only relief I get.",
                  "I can't go on like this, I'm going to end it this weekend.",
                  "Since the war started I've been starving myself on purpose.",
                  "I made a noose last night and sat looking at it for an hour.",
              )),
              Fam("disclosure/held_out", (
                  "Nobody would notice if I was gone. I've been planning how.",
                  "I haven't eaten in four days and I want to keep going until I vanish.",
                  "Every time I read the comments here I want to hurt myself.",
                  "I lost my home in the shelling and I'm thinking of ending my life.",
                  "I keep a razor blade in my wallet for the bad days.",
                  "I tried to hang myself in March. I'm scared I'll try again.",
              ), held_out=True),
          )),
        F("self_harm_encouragement", "Encouraging or instructing self-harm", "hold", (
            Fam("encourage/handwritten", (
                "If you're that miserable, just cut deeper next time.",
                "Starving yourself works, skip meals until you faint.",
                "Cutting is the only thing that helps, everyone should try it.",
                "If life is so bad, swallow the whole bottle and be done with it.",
                "Pro tip for anyone sad: a belt and a door handle fixes everything.",
                "Burning your skin is a great way to feel something again, try it.",
                "Jump from the top floor, it's quick. Nobody will stop you.",
                "Keep purging after every meal, you'll finally look decent.",
                "Mix the pills with vodka and you won't feel a thing.",
                "Stop eating, that's the only way you'll ever be thin enough.",
                "Don't call a hotline, they just talk. Do it tonight.",
                "You should go deeper with the razor, the shallow cuts are for attention.",
                "Anyone feeling low should try going without water for a few days, it's freeing.",
                "If the news makes you that sad, a handful of sleeping pills sorts it out.",
                "Don't listen to the doctors, hurting yourself is a perfectly good way to cope.",
                "Hide the cuts under long sleeves and nobody will bother you.",
                "Hitting yourself when you fail is the best motivation there is.",
                "Throwing up after meals is the easiest diet in the world, try it tonight.",
                "If you're suicidal, stop talking about it and actually go through with it.",
                "The bridge on the ring road is high enough, just so you know.",
            )),
            Fam("encourage/held_out", (
                "Honestly the railway line behind the station is the easiest way out.",
                "If you want it to work, use more pills than last time.",
                "Real ones don't ask for help, they just do it.",
                "Cut where nobody can see and keep going, it helps.",
                "Fasting for a week is a great way to punish yourself.",
            ), held_out=True),
        )),
        # ---------------------------------------------------------------- other languages
        F("non_english_hate", "Hate and threats in the region's and Europe's languages "
          "(held, never published)", "hold", (
              Fam("languages/region", (
                  # Russian
                  "Все азербайджанцы — крысы, их надо уничтожить.",
                  "Армян надо гнать из страны палками.",
                  "Мигранты — это грязь, выкинуть их всех.",
                  "Сжечь бы всю эту деревню вместе с жителями.",
                  "Хохлы не люди, а скот.",
                  "Я найду тебя и убью, журналист.",
                  # Ukrainian
                  "Усі росіяни — свині, їх треба знищити.",
                  "Кацапів треба вбивати, всіх до одного.",
                  "Біженці — це паразити, гнати їх геть.",
                  "Я знаю, де ти живеш, журналістко. Чекай гостей.",
                  "Ромів треба вигнати з міста і спалити їхні хати.",
                  "Жінки тупі і не повинні голосувати.",
                  # Turkish
                  "Bütün Ermeniler haindir, hepsini yok etmek lazım.",
                  "Suriyeliler pis hayvanlar, hepsini denize dökün.",
                  "Bu gazeteciyi bulup gebertmek lazım.",
                  "Kürtlerin hepsi teröristtir, köylerini yakın.",
                  "Kadınlar aptaldır, mutfaktan çıkmasınlar.",
                  "Erivan'a bomba atılsın, hepsi gebersin.",
                  # Azerbaijani
                  "Bütün ermənilər itdir, onları məhv etmək lazımdır.",
                  "Bu jurnalisti tapıb öldürəcəyik.",
                  "Qaçqınlar parazitdir, hamısını qovun.",
                  "Ermənilərin kəndlərini yandırın, içində adam olsa belə.",
                  "Qadınlar axmaqdır, onların fikri heç nəyə dəyməz.",
                  "Rusların hamısı donuzdur.",
                  # Armenian
                  "Բոլոր թուրքերը շներ են, պետք է բոլորին ոչնչացնել։",
                  "Ադրբեջանցիները կենդանիներ են։",
                  "Այս լրագրողին պետք է գտնել ու սպանել։",
                  "Վառեք նրանց գյուղերը մարդկանց հետ միասին։",
                  "Փախստականները աղբ են, դուրս շպրտեք բոլորին։",
                  "Կանայք հիմար են և պետք է լռեն։",
              ), limit=40),
              Fam("languages/europe_arabic", (
                  # German
                  "Alle Flüchtlinge sind Ungeziefer und gehören vernichtet.",
                  "Diese Journalistin sollte man aufhängen.",
                  "Muslime sind Ratten, raus mit dem Pack.",
                  "Zündet das Asylheim an, am besten nachts.",
                  "Ich weiß, wo du wohnst. Pass gut auf deine Kinder auf.",
                  "Frauen sind zu dumm zum Wählen.",
                  # French
                  "Les musulmans sont des rats, il faut tous les chasser.",
                  "Tous les Arabes sont des parasites.",
                  "On va brûler ta maison, sale journaliste.",
                  "Les immigrés, c'est de la vermine à exterminer.",
                  "Les femmes sont trop bêtes pour voter.",
                  "Il faudrait raser Alger avec tous ses habitants.",
                  # Spanish
                  "Los inmigrantes son basura, hay que echarlos a todos.",
                  "Los gitanos son ratas y deberían desaparecer.",
                  "Te voy a matar, periodista de mierda.",
                  "Hay que quemar la mezquita con ellos dentro.",
                  "Las mujeres son inferiores y deben callarse.",
                  "Los judíos son una plaga que hay que eliminar.",
                  # Arabic
                  "كل اليهود كلاب ويجب قتلهم.",
                  "اللاجئون حشرات، اطردوهم جميعاً.",
                  "سنحرق بيتك أيها الصحفي الكاذب.",
                  "النساء ناقصات عقل ولا يجب أن يتكلمن.",
                  "اقتلوا كل الشيعة، إنهم خونة.",
                  "يجب تفجير الكنيسة بمن فيها.",
              ), held_out=True, limit=40),
          )),
    )


FUNCTIONALITIES: tuple[Functionality, ...] = _functionalities()


# --------------------------------------------------------------------------- expansion

_FORMATTER = Formatter()


def _fill(template: str, row: Mapping[str, str | None]) -> str | None:
    """The template with the row's values, or ``None`` when the row lacks one of its slots.

    A value that starts a sentence is capitalised ("the elderly" -> "The elderly").
    """
    out: list[str] = []
    for literal, name, _, _ in _FORMATTER.parse(template):
        out.append(literal)
        if not name:
            continue
        value = row.get(name)
        if value is None:
            return None
        before = "".join(out).rstrip()
        starts_sentence = not before or before.endswith((".", "?", "!"))
        out.append(value[0].upper() + value[1:] if starts_sentence else value)
    return "".join(out)


def _expand(f: Functionality) -> Iterator[Case]:
    for fam in f.families:
        # Shuffle each template's fillings, then take them round-robin over templates, so
        # every template and most rows are used before ``limit`` cuts the family short.
        rng = random.Random(fam.id)
        queues = []
        for template in fam.templates:
            filled = [(t, row) for row in fam.rows if (t := _fill(template, row)) is not None]
            queues.append(rng.sample(filled, len(filled)))
        picked: dict[str, Mapping[str, str | None]] = {}
        for turn in itertools.zip_longest(*queues):
            for item in turn:
                if item is not None and len(picked) < fam.limit:
                    picked.setdefault(*item)
        expect = fam.expect or f.expect
        attacks = expect in ("hold", "review")
        for text, row in picked.items():
            group = row.get("group") if fam.with_target else None
            yield Case(
                functionality=f.name,
                family=fam.id,
                text=text,
                expect=expect,
                held_out=fam.held_out,
                attribute=fam.attribute or f.attribute,
                # A group merely mentioned, defended or quoted is not a target.
                target=group if attacks else None,
                not_target=row.get("actor_group") if attacks else group,
                article=fam.article,
            )


def _with(case: Case, **changes: str | None) -> Case:
    return Case(**{**{s: getattr(case, s) for s in Case.__slots__}, **changes})


@cache
def suite() -> tuple[Case, ...]:
    """Every case, in functionality order. Texts are unique across the suite."""
    out: list[Case] = []
    for f in FUNCTIONALITIES:
        for i, case in enumerate(_expand(f)):
            # Chatter is posted under each of the functionality's articles in turn.
            out.append(
                _with(case, article=f.articles[i % len(f.articles)])
                if f.articles and case.article is None
                else case
            )
    texts = [c.text for c in out]
    if len(set(texts)) != len(texts):
        dupes = sorted({t for t in texts if texts.count(t) > 1})
        raise ValueError(f"duplicate texts in the functional suite: {dupes[:5]}")
    return tuple(out)


def trainable_cases() -> tuple[Case, ...]:
    """Cases from families that are not held out: the only ones training may ever read."""
    return tuple(c for c in suite() if not c.held_out)


def held_out_texts() -> frozenset[str]:
    """Texts of held-out families, for training code to assert it never sees them."""
    return frozenset(c.text for c in suite() if c.held_out)


def subset(cases: Sequence[Case], per_functionality: int | None) -> list[Case]:
    """At most ``per_functionality`` cases of each functionality, spread over its families."""
    if per_functionality is None:
        return list(cases)
    by_name: dict[str, list[Case]] = {}
    for c in cases:
        by_name.setdefault(c.functionality, []).append(c)
    out: list[Case] = []
    for group in by_name.values():
        by_family: dict[str, list[Case]] = {}
        for c in group:
            by_family.setdefault(c.family, []).append(c)
        interleaved = [
            c for row in itertools.zip_longest(*by_family.values()) for c in row if c is not None
        ]
        out.extend(interleaved[:per_functionality])
    return out


# --------------------------------------------------------------------------- scoring


@dataclass(slots=True)
class FunctionalityScore:
    name: str
    description: str
    expect: str
    n: int = 0
    correct: int = 0
    attribute_n: int = 0
    attribute_hits: int = 0
    target_n: int = 0
    target_hits: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")


def passes(case: Case, decision: str) -> bool:
    """Whether a decision meets the case's expected outcome."""
    return decision in ALLOWED[case.expect]


def score_suite(cases: Sequence[Case], verdicts: Sequence) -> list[FunctionalityScore]:
    """Per-functionality accuracy of ``verdicts`` (one per case, in order).

    Accuracy is about the decision; the attribute and target rates are reported
    beside it for the cases that name one, so a right decision for the wrong
    reason is visible.
    """
    described = {f.name: f for f in FUNCTIONALITIES}
    out: dict[str, FunctionalityScore] = {}
    for case, v in zip(cases, verdicts, strict=True):
        f = described[case.functionality]
        s = out.setdefault(case.functionality, FunctionalityScore(f.name, f.description, f.expect))
        s.n += 1
        if passes(case, v.decision):
            s.correct += 1
        elif len(s.failures) < 5:
            s.failures.append(f"{v.decision}: {case.text}")
        if case.attribute is not None:
            s.attribute_n += 1
            s.attribute_hits += v.attributes.get(case.attribute, 0.0) >= 0.5
        if case.target is not None or case.not_target is not None:
            s.target_n += 1
            groups = {t.group for t in v.targets}
            s.target_hits += (case.target is None or case.target in groups) and (
                case.not_target not in groups
            )
    return list(out.values())
