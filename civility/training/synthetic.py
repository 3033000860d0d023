"""Small template-generated examples for what the public datasets barely cover.

The public sets are about Western social media: they rarely show hatred of
nationalities (Azerbaijanis, Turks, Serbs ...), calls to bomb *countries*, or
dehumanizing metaphors, and they contain few neutral sentences that merely
mention a nationality or faith. These templates add both sides, so the model
learns that the group word is not the signal, the predicate is. The bias test
set (``jigsaw_bias_templates``) is never used here; these templates are our own.
"""

from __future__ import annotations

import random

from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import Example, hash_split

PEOPLES = [
    ("Azerbaijanis", "Azerbaijani", "Azerbaijan"),
    ("Azeris", "Azeri", "Azerbaijan"),
    ("Turks", "Turkish", "Turkey"),
    ("Russians", "Russian", "Russia"),
    ("Armenians", "Armenian", "Armenia"),
    ("Ukrainians", "Ukrainian", "Ukraine"),
    ("Iranians", "Iranian", "Iran"),
    ("Israelis", "Israeli", "Israel"),
    ("Palestinians", "Palestinian", "Palestine"),
    ("Serbs", "Serbian", "Serbia"),
    ("Albanians", "Albanian", "Albania"),
    ("Poles", "Polish", "Poland"),
    ("Germans", "German", "Germany"),
    ("Chinese people", "Chinese", "China"),
    ("Americans", "American", "America"),
    ("Mexicans", "Mexican", "Mexico"),
    ("Indians", "Indian", "India"),
    ("Pakistanis", "Pakistani", "Pakistan"),
    ("Nigerians", "Nigerian", "Nigeria"),
    ("Somalis", "Somali", "Somalia"),
    ("Afghans", "Afghan", "Afghanistan"),
    ("Syrians", "Syrian", "Syria"),
    ("Koreans", "Korean", "Korea"),
    ("Japanese people", "Japanese", "Japan"),
    ("Georgians", "Georgian", "Georgia"),
    ("Kazakhs", "Kazakh", "Kazakhstan"),
    ("Chechens", "Chechen", "Chechnya"),
    ("Kurds", "Kurdish", "Kurdistan"),
    ("Greeks", "Greek", "Greece"),
    ("Romanians", "Romanian", "Romania"),
    ("Brazilians", "Brazilian", "Brazil"),
    ("Venezuelans", "Venezuelan", "Venezuela"),
    ("Filipinos", "Filipino", "the Philippines"),
    ("Vietnamese people", "Vietnamese", "Vietnam"),
    ("Ethiopians", "Ethiopian", "Ethiopia"),
    ("Egyptians", "Egyptian", "Egypt"),
    ("Saudis", "Saudi", "Saudi Arabia"),
    ("Iraqis", "Iraqi", "Iraq"),
    ("Lebanese people", "Lebanese", "Lebanon"),
    ("Moroccans", "Moroccan", "Morocco"),
    ("Belarusians", "Belarusian", "Belarus"),
    ("Lithuanians", "Lithuanian", "Lithuania"),
    ("French people", "French", "France"),
    ("Brits", "British", "Britain"),
    ("Irish people", "Irish", "Ireland"),
    ("Sudanese people", "Sudanese", "Sudan"),
    ("Tajiks", "Tajik", "Tajikistan"),
    ("Uzbeks", "Uzbek", "Uzbekistan"),
]
GROUPS = [p[0] for p in PEOPLES] + [
    "Arabs",
    "Muslims",
    "Jews",
    "Christians",
    "Hindus",
    "Sikhs",
    "Roma",
    "immigrants",
    "refugees",
    "black people",
    "white people",
    "Asians",
    "Africans",
    "Latinos",
    "gay people",
    "trans people",
    "women",
    "disabled people",
    "Catholics",
    "Buddhists",
]
ANIMALS = [
    "rats",
    "vermin",
    "cockroaches",
    "worms",
    "vipers",
    "snakes",
    "parasites",
    "dogs",
    "pigs",
    "apes",
    "animals",
    "subhumans",
    "locusts",
    "leeches",
    "a cancer",
    "a plague",
    "a disease",
    "filth",
    "savages",
    "beasts",
    "insects",
    "maggots",
]
EXTERMINATE = [
    "eradicated",
    "exterminated",
    "wiped out",
    "wiped off the face of the earth",
    "gassed",
    "hanged",
    "shot",
    "purged",
    "eliminated",
    "liquidated",
    "culled",
]
DEHUMANIZING = [
    "{G} are {A}.",
    "{G} are nothing but {A}",
    "the {adj} {A} must be stopped",
    "{G}? {A}, all of them",
    "honestly {G} are {A} and always will be",
    "{G} breed like {A}",
    "those {A} from {C} are everywhere now",
    "{G} are dirty {A}",
    "{G} and their kind are {A}",
    "never trust the {adj} {A}",
]
THREATS = [
    "nuke {C}",
    "time to nuke {C}!",
    "nuke 'em all, {G} included",
    "{C} should be wiped off the map",
    "bomb {C} back to the stone age",
    "{G} should be {X}",
    "kill all {G}",
    "missile {C} now",
    "drop a bomb on {C} and be done with it",
    "{G} deserve to be {X}",
    "time for someone to missile {C}",
    "line the {adj} traitors up and shoot them",
    "every last one of the {G} should be {X}",
    "flatten {C}, no mercy",
    "someone should burn their houses down, filthy {G}",
    "{G} will get what is coming to them, we will hunt them down",
]
NEUTRAL = [
    "my {adj} neighbours are kind and always help us",
    "I have many {G} friends at work",
    "{G} celebrated the holiday with music in the streets",
    "the {adj} government announced new tariffs today",
    "{C} and {C2} signed a trade agreement last week",
    "I visited {C} last summer and loved the food",
    "as a {adj} woman I disagree with this article",
    "the {adj} delegation arrived in Geneva for talks",
    "{G} have lived in this region for centuries",
    "the {adj} economy grew by two percent this year",
    "the article is right that {C} depends on oil exports",
    "{G} make up a large share of the diaspora",
    "I am {adj} and proud of my heritage",
    "there are many {G} in our city and they are great neighbours",
    "the {adj} president met his counterpart from {C2}",
    "{C} launched a missile strike on {C2}; civilians died and that is a war crime",
    "{C} should withdraw its troops and negotiate",
    "the threat of sanctions against {C} is growing",
    "{C}'s government is corrupt and its leaders lie to their own people",
    "why does {C} keep supporting this war? it makes no sense",
    "{adj} media is full of propaganda",
    "{G} deserve the same rights as everyone else",
    "the {adj} army was defeated in the battle of 1920",
    "relations between {C} and {C2} have deteriorated since last year",
]
SEXUAL = [
    "she sucked his dick all night",
    "I want to fuck you so hard",
    "send nudes baby",
    "he put his dildo in her ass",
    "look at her tits, I'd bang her",
    "wanna see my cock?",
    "I jerked off to your pics",
    "she is a cheap whore who sleeps with anyone for money",
    "come sit on my face",
    "he loves to put his big dildos in his ass",
    "I got pimped out to horny guys last night",
    "porn star {adj} girls want you now",
    "she gave him a blowjob in the car",
    "his cock in her pussy",
    "cum on her face",
]
NOT_SEXUAL = [
    "breast cancer screening saves lives",
    "sex education belongs in schools",
    "the study looked at sex differences in heart disease",
    "the bill covers sexual harassment at work",
    "she gave birth to twins last year",
    "the museum shows classical nude paintings",
    "the gay marriage debate is back in parliament",
    "he was arrested for sexual assault, the court said",
]


def generate(seed: int = 13) -> list[Example]:
    rng = random.Random(seed)
    out: list[Example] = []

    def fill(t: str) -> str:
        g, adj, c = rng.choice(PEOPLES)
        c2 = rng.choice(PEOPLES)[2]
        group = g if rng.random() < 0.6 else rng.choice(GROUPS)
        return t.format(
            G=group, adj=adj, C=c, C2=c2, A=rng.choice(ANIMALS), X=rng.choice(EXTERMINATE)
        )

    def add(text: str, labels: dict[str, float]) -> None:
        if rng.random() < 0.5:
            text = text.lower()
        out.append(Example(text, labels, "synthetic", hash_split("syn" + text)))

    for _ in range(1400):
        add(
            fill(rng.choice(DEHUMANIZING)),
            {
                "toxicity": 1.0,
                "identity_attack": 1.0,
                "dehumanization": 1.0,
                "severe_toxicity": 1.0,
                "insult": 1.0,
                "threat": 0.0,
                "sexually_explicit": 0.0,
            },
        )
    for _ in range(1400):
        add(
            fill(rng.choice(THREATS)),
            {
                "toxicity": 1.0,
                "threat": 1.0,
                "severe_toxicity": 1.0,
                "sexually_explicit": 0.0,
                "dehumanization": 0.0,
            },
        )
    for _ in range(3000):
        add(
            fill(rng.choice(NEUTRAL)),
            dict.fromkeys(MODEL_ATTRIBUTES, 0.0),
        )
    for _ in range(500):
        add(
            fill(rng.choice(SEXUAL)),
            {"toxicity": 1.0, "sexually_explicit": 1.0, "threat": 0.0, "identity_attack": 0.0},
        )
    for _ in range(300):
        add(
            fill(rng.choice(NOT_SEXUAL)),
            {
                "sexually_explicit": 0.0,
                "threat": 0.0,
                "dehumanization": 0.0,
                "identity_attack": 0.0,
            },
        )
    # Deduplicate: templates collide, and a duplicate in val would leak train.
    seen: set[str] = set()
    return [e for e in out if not (e.text in seen or seen.add(e.text))]
