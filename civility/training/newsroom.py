"""Templates for the harms a newsroom fears most and for their harmless look-alikes.

``synthetic.py`` covers nationalities and faiths; these cover what the
functional suite showed the model missing (issue #10): groups beyond
nationality and religion (women, gay, lesbian, bisexual and trans people,
disabled people, immigrants and refugees, older people), in plural, singular
and adjective forms; threats, insults and dehumanising comparisons aimed at a
group (an identity attack whatever words carry it); veiled threats to
journalists, wishes of death, calls to burn or bomb places with people in
them, praise for killers, suicide baiting. Each harm comes with the text that
looks like it and is fine: counter-speech that quotes hate to condemn it,
reports of hate, negated hate, support of a group, idioms and news of
violence, and a person's own disclosure of self-harm (held for care by the
rules, never an insult or a threat to the model).

All of it is written for this project, in our own words; none of it comes from
HateCheck, HatemojiCheck or the OpenAI moderation set, and the functional
suite's held-out families are never read (:func:`functional_examples` asserts it).
"""

from __future__ import annotations

import random

from civility.records import MODEL_ATTRIBUTES
from civility.training.datasets import Example, hash_split
from civility.training.synthetic import ANIMALS, PEOPLES

#: (plural, one person, adjective or None) for groups beyond nationality and religion.
GROUPS = [
    ("women", "a woman", "female"),
    ("female journalists", "a female journalist", None),
    ("girls", "a girl", None),
    ("gay people", "a gay man", "gay"),
    ("gay men", "a gay man", "gay"),
    ("lesbians", "a lesbian", "lesbian"),
    ("bisexual people", "a bisexual person", "bisexual"),
    ("trans people", "a trans woman", "trans"),
    ("transgender people", "a transgender person", "transgender"),
    ("LGBT people", "an LGBT person", "LGBT"),
    ("queers", "a queer", None),
    ("disabled people", "a disabled person", "disabled"),
    ("wheelchair users", "a wheelchair user", None),
    ("autistic people", "an autistic person", "autistic"),
    ("deaf people", "a deaf person", "deaf"),
    ("people with Down syndrome", "a person with Down syndrome", None),
    ("the mentally ill", "a mentally ill person", None),
    ("immigrants", "an immigrant", "immigrant"),
    ("migrants", "a migrant", "migrant"),
    ("refugees", "a refugee", "refugee"),
    ("asylum seekers", "an asylum seeker", "asylum-seeker"),
    ("foreigners", "a foreigner", "foreign"),
    ("old people", "an old man", None),
    ("pensioners", "a pensioner", "pensioner"),
    ("the elderly", "an elderly woman", "elderly"),
    ("boomers", "a boomer", None),
    ("Muslims", "a Muslim", "Muslim"),
    ("Jews", "a Jew", "Jewish"),
    ("Christians", "a Christian", "Christian"),
    ("Roma", "a Roma man", "Roma"),
    ("black people", "a black man", None),
    ("Arabs", "an Arab", "Arab"),
]
PEOPLE = [
    "the author", "this journalist", "the editor", "the reporter", "the columnist",
    "the mayor", "the judge", "the minister", "that blogger", "the presenter",
    "Ms Aliyeva", "Mr Petrosyan", "Ms Kovalenko", "Mr Demir", "the writer of this piece",
]
WOMEN_NAMES = ["Aysel", "Nino", "Olena", "Leyla", "Zeynep", "Anna", "Ms Karimova", "Marta",
               "Irina", "the anchorwoman", "the female minister", "the lady who wrote this"]
CITIES = ["Baku", "Yerevan", "Tbilisi", "Kyiv", "Moscow", "Ankara", "Berlin", "Paris",
          "Kharkiv", "Ganja", "Stepanakert", "Odesa", "Istanbul", "Gaza", "Tehran"]
PLACES = ["mosque", "church", "synagogue", "refugee centre", "newsroom", "school",
          "community centre", "shelter", "city hall", "parliament", "embassy", "market"]

DEROGATION = [
    "{P} are disgusting and should be ashamed to show their faces",
    "I can't stand {P}, they make me physically sick",
    "{P} are a burden on the rest of us and contribute nothing",
    "{S} should never be allowed near children",
    "nobody wants {P} here. go back to where you came from",
    "{P} are mentally defective, it's just biology",
    "typical {S}, whining about their rights again",
    "{A} trash like this should be kept out of public life",
    "{P} ruin every neighbourhood they move into",
    "{P} are freaks and everyone knows it",
    "you can't trust {S} with anything important",
    "{P} are worthless parasites living off our taxes",
    "keep {P} away from our schools, they are perverts",
    "I would never hire {S}, they are lazy and stupid",
    "{P} should not be allowed to vote or hold office",
    "disgusting {A} scum everywhere you look these days",
    "{P} are too stupid to understand this article",
    "why does this paper keep giving {P} a platform? they are all liars",
    "{P} are the reason this country is going down the drain",
    "{S} is worth less than a dog",
    "I'm sick of {P}. every last one of them is a criminal",
    "{A} filth, all of them",
    "another {A} idiot who thinks the rules don't apply to them",
    "{P} belong in institutions, not in our streets",
    "I'd rather my son were dead than {S}",
    "{P} are an embarrassment to humanity",
]
GROUP_THREATS = [
    "someone should teach {P} a lesson they won't forget",
    "we will find every {S} in this town and make them pay",
    "{P} deserve a bullet, all of them",
    "if I see {S} on my street I will beat them senseless",
    "round up {P} and put them against a wall",
    "{P} should be hunted down like dogs",
    "burn the {A} centre down with them inside",
    "time to take up arms against {P}",
    "I hope every {S} in this country dies a slow death",
    "we'll make this city a place where {P} are afraid to walk outside",
    "drive {P} out of the city by force, whatever it takes",
    "{P} should be shot on sight",
    "gas them all, {P} first",
    "one day we will deal with {P} the old way, with rope",
    "I'd happily run over a crowd of {P}",
    "every {S} should be strung up from a lamppost",
    "let's go and smash some {A} heads tonight",
    "{P} will be the first to hang when the time comes",
]
DEHUMANISING = [
    "{P} are {X}",
    "{P} are not human, they are {X}",
    "{S} is an animal, not a person",
    "{P} spread like a disease",
    "{P} are an infestation and should be treated like one",
    "{P} breed like {X} and will take over",
    "{P} are less than human",
    "those {A} {X} are everywhere now",
    "{P}? {X}, the lot of them",
]
GROUP_BENIGN = [
    "{P} deserve the same respect as anyone else",
    "my neighbour is {S} and a wonderful person",
    "the council opened a new centre for {P} last week",
    "as {S} myself, I found this article very moving",
    "{P} have been part of this city for generations",
    "the report says {P} face discrimination when they look for work",
    "support for {P} has grown in recent surveys",
    "I'm proud of the {A} community in our town",
    "{P} are just people, like you and me",
    "the minister met representatives of {P} on Tuesday",
    "this piece about {P} in the workforce was informative",
    "{A} athletes won three medals this year",
    "the charity helps {P} find work and housing",
    "our mayor is {S} and has done a decent job",
    "the new law protects {P} from being fired for who they are",
    "I was raised by {S} and I owe them everything",
    "{P} are welcome here",
    "more {P} are voting than ever before, the study found",
    "a film about {P} won the festival's top prize",
    "the article should have quoted some {P} directly",
    "{A} voters are split on this issue, like everyone else",
]
COUNTER = [
    "calling {P} {X} is dehumanising and the paper should not print it",
    "people who say {P} are {X} should be ashamed of themselves",
    "the man was charged after shouting that {P} are {X}",
    "a survey found that many {P} have been told to 'go back home'",
    "I don't hate {P}; I hate the politicians who use them",
    "I have nothing against {P}, and neither should you",
    "no one should be attacked for being {S}",
    "violence against {P} has no place here; the attackers must be punished",
    "the article reports a rise in attacks on {P}. that is shameful",
    "saying all {P} are criminals is just bigotry",
    "it is not true that {P} are lazy; the figures show the opposite",
    "the court convicted him of inciting hatred against {P}",
    "stop spreading lies about {P}",
    "I condemn the threats made against {P} this week",
    "'{P} are {X}' is exactly the kind of comment that should be deleted",
    "the graffiti said '{P} out'. whoever wrote it is a coward",
    "my grandfather used to say {P} were {X}. he was wrong",
    "nobody is saying {P} should be harmed, stop twisting the debate",
    "we must protect {P} from these thugs",
    "hate crimes against {P} doubled last year, the police said",
    "I'm not against {P} at all, I'm against this policy",
    "threatening {P} is a crime and should be reported",
]
PERSON_THREATS = [
    "I know where {R} lives. sleep well",
    "{R} should watch their back on the way home",
    "nice family {R} has. would be a shame if something happened to them",
    "we know which school your kids go to, reporter",
    "keep writing like this and see what happens to you",
    "someone will pay {R} a visit soon",
    "your address is not hard to find, journalist",
    "accidents happen to people who write articles like this",
    "{R} won't be writing much longer, I promise you that",
    "if {R} shows up in our town again, they won't leave in one piece",
    "I'm going to find {R} and break every bone in their body",
    "your car would burn nicely, {R}",
    "we are watching you, {R}. every day",
    "one more article and {R} ends up in the river",
    "tell {R} to check under the car before driving",
]
DEATH_WISHES = [
    "I hope {R} dies in a fire",
    "I hope someone puts {R} in the ground",
    "wish {R} would get hit by a bus",
    "hope {R}'s plane goes down",
    "{R} deserves to be shot for this article",
    "I pray {R} gets cancer and suffers",
    "the world would be better with {R} dead",
    "{R} should be executed for treason",
    "can't wait to dance on {R}'s grave",
]
PRAISE = [
    "whoever finally takes out {R} will be a hero",
    "the man who stabbed {R} should get a medal",
    "I'd buy a drink for whoever shoots {R}",
    "the gunman who attacked the newsroom did nothing wrong",
    "respect to the guy who burned the {L}, more of that please",
    "the bomber was a hero and I'd do the same",
    "whoever shot up that {L} deserves a statue",
]
ARSON = [
    "burn the {L} down while they're inside",
    "someone should firebomb the {L} during the service",
    "torch their houses with the families inside",
    "blow up the {L} during the meeting, they all deserve it",
    "bomb {C} until nobody is left alive",
    "flatten {C} and everyone in it",
    "set fire to the {L} and lock the doors",
    "a few petrol bombs through the {L} windows would fix this",
    "turn {C} into a car park, no survivors",
]
BAIT = [
    "kys {R}",
    "do everyone a favour and kill yourself",
    "go hang yourself, nobody would miss you",
    "just end it already, the world would be better without you",
    "why don't you jump off a bridge, {R}",
    "drink bleach and spare us your articles",
    "nobody would care if you killed yourself tonight",
    "you should just off yourself",
    "{R}, find a tall building and do us all a favour",
    "the rope is cheap, {R}. use it",
]
DISCLOSURE = [
    "I've been thinking about ending my life lately and I don't know who to talk to",
    "after losing my job I started cutting again",
    "some nights I want to die. this article hit close to home",
    "I tried to kill myself last year; getting help saved me",
    "I have had thoughts of suicide since the war started",
    "honestly I don't want to wake up tomorrow",
    "I hurt myself when things get this bad, I'm not proud of it",
    "my brother took his own life in {C}; please talk to someone if you feel like this",
    "if you are struggling, please call a helpline. you matter",
    "I know how it feels to want to disappear. it does get better",
]
IDIOMS = [
    "I could kill for a coffee right now",
    "this budget will be the death of me",
    "the comedian absolutely killed it last night",
    "my boss will murder me if I'm late again",
    "that goal in the last minute was a killer",
    "we got slaughtered in the second half",
    "the traffic in {C} today is murder",
    "I'm dying to see the new bridge",
    "break a leg at the premiere tonight",
    "this heat is killing me",
    "half the class bombed the exam",
    "the minister shot down every argument in the debate",
    "the team was on fire tonight",
    "I'll strangle my printer one day",
    "that joke died a painful death",
    "the new album is a bomb, go listen",
    "she nailed the interview and blew them away",
    "prices are going to kill small shops in {C}",
    "the opposition torched the plan in parliament",
    "my feet are killing me after the march",
]
NEWS = [
    "shelling killed twelve civilians in {C} overnight",
    "the gunman was sentenced to life in prison",
    "police say the bomb threat against the school was a hoax",
    "three people died when a fire swept through a building in {C}",
    "the report documents killings of journalists in the region",
    "the suspect threatened to burn down his neighbour's house, prosecutors said",
    "the army said missiles hit a fuel depot near {C}",
    "protesters burned tyres outside the parliament in {C}",
    "the journalist received death threats after the article, the union said",
    "the minister condemned the bombing of the {L} in {C}",
    "a man was arrested for posting threats to kill the mayor",
    "the trial heard that the attacker praised earlier shootings online",
    "drone strikes on {C} left thousands without power",
    "the court heard he had called for the {L} to be burned",
]
GENDERED = [
    "{W} is a dumb bitch who should stay in the kitchen",
    "what a whore, {W} slept her way to that job",
    "typical hysterical woman, {W} should shut up",
    "{W} is an ugly cow and can't write",
    "shut up, you stupid slut",
    "{W} is just another brainless bimbo",
    "women like {W} need to be put in their place",
    "{W} should be making sandwiches, not writing about war",
]

_ZERO = dict.fromkeys(MODEL_ATTRIBUTES, 0.0)
HATE = {"toxicity": 1.0, "identity_attack": 1.0, "insult": 1.0, "threat": 0.0,
        "sexually_explicit": 0.0}
GROUP_THREAT = {"toxicity": 1.0, "identity_attack": 1.0, "threat": 1.0,
                "severe_toxicity": 1.0, "sexually_explicit": 0.0}
DEHUMANISATION = {"toxicity": 1.0, "identity_attack": 1.0, "dehumanization": 1.0,
                  "severe_toxicity": 1.0, "insult": 1.0, "sexually_explicit": 0.0}
THREAT = {"toxicity": 1.0, "threat": 1.0, "severe_toxicity": 1.0, "identity_attack": 0.0,
          "sexually_explicit": 0.0}
SUICIDE_BAIT = {"toxicity": 1.0, "severe_toxicity": 1.0, "insult": 1.0,
                "identity_attack": 0.0, "sexually_explicit": 0.0}
NOT_HARMFUL = {a: 0.0 for a in _ZERO if a != "profanity"}
GENDERED_SLUR = {"toxicity": 1.0, "insult": 1.0, "identity_attack": 1.0, "threat": 0.0}

#: (templates, labels, how many to draw).
KINDS = [
    (DEROGATION, HATE, 1800),
    (GROUP_THREATS, GROUP_THREAT, 1400),
    (DEHUMANISING, DEHUMANISATION, 700),
    (GROUP_BENIGN, NOT_HARMFUL, 2000),
    (COUNTER, NOT_HARMFUL, 1800),
    (PERSON_THREATS, THREAT, 900),
    (DEATH_WISHES, THREAT, 600),
    (PRAISE, THREAT, 400),
    (ARSON, THREAT, 500),
    (BAIT, SUICIDE_BAIT, 450),
    (DISCLOSURE, NOT_HARMFUL, 250),
    (IDIOMS, NOT_HARMFUL, 500),
    (NEWS, NOT_HARMFUL, 500),
    (GENDERED, GENDERED_SLUR, 400),
]


def _fill(template: str, rng: random.Random) -> str | None:
    plural, one, adjective = rng.choice(GROUPS)
    if rng.random() < 0.3:  # nationalities too: composition is not only about new groups
        plural, adjective, _ = rng.choice(PEOPLES)
        one = ("an " if adjective[0] in "AEIOU" else "a ") + adjective
    if "{A}" in template and adjective is None:
        return None
    return template.format(
        P=plural, S=one, A=adjective, X=rng.choice(ANIMALS), R=rng.choice(PEOPLE),
        W=rng.choice(WOMEN_NAMES), C=rng.choice(CITIES), L=rng.choice(PLACES),
    )


def generate(seed: int = 13) -> list[Example]:
    """Every kind above, deduplicated; the split is a hash of the text (so stable)."""
    rng = random.Random(seed)
    out: list[Example] = []
    seen: set[str] = set()
    for templates, labels, n in KINDS:
        for _ in range(n):
            text = _fill(rng.choice(templates), rng)
            if text is None:
                continue
            r = rng.random()
            text = text.lower() if r < 0.4 else text[0].upper() + text[1:]
            if rng.random() < 0.3:
                text += rng.choice([".", "!", "!!", "?", " ...", "."])
            if text not in seen:
                seen.add(text)
                out.append(Example(text, dict(labels), "newsroom", hash_split("nr" + text)))
    return out


#: Functionalities whose cases teach nothing about the text itself (policy, article, language).
_NOT_FOR_THE_MODEL = frozenset({"spam", "off_topic", "on_topic", "non_english_hate"})
#: Telling someone to harm themselves: severe and insulting, not a threat by the writer.
_BAITING = frozenset({"suicide_baiting", "self_harm_encouragement"})


def functional_examples() -> list[Example]:
    """The functional suite's trainable cases as labelled examples (never a held-out one).

    Held: the named attribute, toxicity, and an identity attack where a group is the
    target. Published or reviewed (a disclosure): nothing harmful. "Not rejected"
    (swearing at nobody) says too little to label.
    """
    from civility.training.functional import held_out_texts, trainable_cases

    held = held_out_texts()
    out = []
    for case in trainable_cases():
        if case.functionality in _NOT_FOR_THE_MODEL or case.expect == "not_reject":
            continue
        if case.expect == "hold":
            labels = {"toxicity": 1.0}
            if case.attribute in MODEL_ATTRIBUTES:
                labels[case.attribute] = 1.0
            if case.target:
                labels["identity_attack"] = 1.0
            if case.functionality in _BAITING:
                labels.update(SUICIDE_BAIT)
        else:
            labels = dict(NOT_HARMFUL)
        out.append(Example(case.text, labels, "functional", "train"))
    leaked = {e.text for e in out} & held
    assert not leaked, f"held-out functional texts in training: {sorted(leaked)[:3]}"
    return out
