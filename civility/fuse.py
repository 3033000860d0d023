"""Fuse the model's probabilities, lexical evidence and article context into final scores.

The model is strong on phrasing it has seen and weak on rare words (a slur for
Azerbaijanis, "nuke 'em", a leetspeak insult); the rules are the reverse. The
two are combined with a noisy-OR: either can raise a score, neither can lower
the other's. ``off_topic`` compares the comment's words with the article's; ``spam``
comes from rules alone.

Two corrections reach past the noisy-OR. The model reacts to hostile words even
where they are denied, quoted to be condemned or reported (:func:`model_damping`
weakens it there), and it does not know that a threat or dehumanising comparison
aimed at a people is an identity attack (:func:`compose` adds that once
``civility.targets`` has found the people attacked).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from civility.lexical import Evidence, Mitigation
from civility.records import ATTRIBUTES, MODEL_ATTRIBUTES

_CONTENT_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOPWORDS = frozenset(
    """
a about above after again against ago all also always am an and any anything are aren't as at
back bad be because been before being below between big both but by can can't cannot cant could
couldn't day days did didn't do does doesn't doing don't dont down during each even ever every
everybody everyone few first for from further get gets getting going gonna good got great guy
guys had hadn't has hasn't have haven't having he he's her here here's hers herself him himself
his how how's i i'm if im in into is isn't it it's its itself just know last let's like little
lol lot lots make man many may me might more most much must my myself never new next no nor not
nothing now of off old on once one only or other ought our ours ourselves out over own people
really said same say says see she she's should shouldn't so some someone something still such
than that that's the their theirs them themselves then there there's these they they're thing
things think this those though through time to today too under until up upon us very want was
wasn't way we we're well were weren't what what's when where which while who whom why will with
won't would wouldn't yeah year years yes yet you you're your yours yourself yourselves
""".split()
)
#: Every derived form shares a stem this long: russia/russian/russians, azerbaijan/azerbaijanis.
_STEM = 5


def noisy_or(*probabilities: float) -> float:
    out = 1.0
    for p in probabilities:
        out *= 1.0 - min(1.0, max(0.0, p))
    return 1.0 - out


#: Attributes whose rule evidence decides whether the model may be weakened.
_HATE = ("identity_attack", "threat", "dehumanization")
#: Everything the rules found hostile sits in a mitigating context: trust that, fully.
_FIRM_DAMPING = {
    **dict.fromkeys((*_HATE, "severe_toxicity"), (0.25, 1.0)),
    **dict.fromkeys(("toxicity", "insult"), (0.6, 1.0)),
}
#: Only a cue somewhere in the comment ("I don't hate X", "X deserve respect"): halve the
#: model, but by at most 0.35, so that a cue cannot launder a comment the model is sure of.
_CUE_DAMPING = dict.fromkeys((*_HATE, "toxicity", "severe_toxicity"), (0.5, 0.35))


def model_damping(
    evidence: Sequence[Evidence], mitigations: Sequence[Mitigation]
) -> dict[str, tuple[float, float]]:
    """How much of the model's scores to keep in a mitigating context: ``{attribute: (factor,
    most it may remove)}``; empty when nothing mitigates.

    Hostile rule evidence outside any mitigating context (a second sentence that really
    attacks) turns damping off altogether. Firm damping needs the rules' own finding: all the
    hostile evidence mitigated, or a cue that denies the hostile words themselves.
    """
    hostile = [e for e in evidence if e.attribute in _HATE]
    if any(not e.mitigated and e.prob >= 0.5 for e in hostile):
        return {}
    if any(e.mitigated for e in hostile) or any(m.firm for m in mitigations):
        return dict(_FIRM_DAMPING)
    return dict(_CUE_DAMPING) if mitigations else {}


def _damped(p: float, damping: tuple[float, float] | None) -> float:
    if damping is None:
        return p
    factor, most = damping
    return max(p * factor, p - most)


def combine(
    model: Mapping[str, float],
    evidence: Iterable[tuple[str, float]],
    *,
    off_topic: float | None = None,
    damping: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, float]:
    """Final per-attribute probabilities, in :data:`ATTRIBUTES` order.

    ``evidence`` is ``(attribute, probability)`` from the lexical rules; ``damping`` comes
    from :func:`model_damping` and weakens only the model's side.
    """
    if damping:
        model = {a: _damped(p, damping.get(a)) for a, p in model.items()}
    rule: dict[str, list[float]] = {}
    for attr, p in evidence:
        rule.setdefault(attr, []).append(p)
    # Overlapping rules often match the same words, so evidence is pooled with max,
    # not multiplied; it is independent of the model, so those two combine with noisy-OR.
    scores = {a: noisy_or(model.get(a, 0.0), max(rule.get(a, [0.0]))) for a in MODEL_ATTRIBUTES}
    scores["toxicity"] = _toxicity(scores, model)
    # A threat or dehumanizing attack backed by explicit evidence is severe.
    severe_rule = max([*rule.get("threat", ()), *rule.get("dehumanization", ()), 0.0])
    scores["severe_toxicity"] = max(
        scores["severe_toxicity"],
        0.9 * min(severe_rule, max(scores["threat"], scores["dehumanization"])),
    )
    scores["self_harm"] = max(rule.get("self_harm", [0.0]))
    scores["spam"] = max(rule.get("spam", [0.0]))
    scores["off_topic"] = off_topic if off_topic is not None else 0.0
    return {a: round(min(1.0, max(0.0, scores[a])), 6) for a in ATTRIBUTES}


#: Attacks are toxic: the model's own attack heads count fully toward ``toxicity``.
_ATTACKS = ("threat", "dehumanization", "identity_attack", "insult", "sexually_explicit")
#: The share of a fused (rule-raised) attack that ``toxicity`` keeps however quiet the model is.
_RULE_ATTACK_FLOOR = 0.5


def _toxicity(fused: Mapping[str, float], model: Mapping[str, float]) -> float:
    """``toxicity``: the fused toxicity, the model's attack heads, and a rule-raised attack
    weighed against the model's own toxicity (their geometric mean, at least half the attack).

    A rule-raised attack used to lift toxicity to its own level (``max``); rules fire on many
    benign comments that only mention a group, and the max cost ranking: HateXplain toxicity
    AUROC 0.850 with it, 0.870 with this (1,500 test posts; the model alone 0.875). The default
    policy's decisions do not depend on it: each attack attribute has its own threshold at or
    below toxicity's.
    """
    attack = max(fused[a] for a in _ATTACKS)
    return max(
        fused["toxicity"],
        *(model.get(a, 0.0) for a in _ATTACKS),
        math.sqrt(attack * min(1.0, max(0.0, model.get("toxicity", 0.0)))),
        _RULE_ATTACK_FLOOR * attack,
    )


#: A threat or dehumanisation aimed at a people is this strong an identity attack.
_COMPOSED = 0.9


def compose(scores: Mapping[str, float], *, aimed_at_people: bool) -> dict[str, float]:
    """Scores with an identity attack wherever a threat or dehumanisation targets a people.

    "All women should be shot" is hate although no word in it is: once ``civility.targets``
    has found the people a threat or comparison is aimed at, ``identity_attack`` is at least
    0.9 of it. A threat against a state ("time to missile Azerbaijan") targets no people and
    is left as it is.
    """
    out = dict(scores)
    if aimed_at_people:
        composed = _COMPOSED * max(out["threat"], out["dehumanization"])
        out["identity_attack"] = round(max(out["identity_attack"], composed), 6)
    return out


def _stem(word: str) -> str:
    """Plural -s dropped, then the first :data:`_STEM` letters: rate/rates, russia/russians."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:_STEM]


def article_stems(article_text: str) -> frozenset[str]:
    """The article's vocabulary, stemmed crudely but robustly (lower-cased, normalised input)."""
    return frozenset(_stem(w) for w in _CONTENT_WORD.findall(article_text) if w not in _STOPWORDS)


def lexical_overlap(comment_text: str, stems: frozenset[str]) -> float:
    """Fraction of the comment's content words that the article also uses."""
    words = [w for w in _CONTENT_WORD.findall(comment_text) if w not in _STOPWORDS]
    if not words:
        return 0.0
    return sum(_stem(w) in stems for w in words) / len(words)


def off_topic_probability(overlap: float, *, shared_group: bool = False) -> float:
    """Map word overlap and shared named groups to P(off topic).

    Either cue makes a comment on topic: about a sixth of its words taken from the article,
    or a nationality, faith or other group that the article also names. The student's
    sentence embedding is no cue: it encodes register and hostility, not subject. Measured on
    the functional suite's trainable on/off-topic cases, chatter ("a recipe for banana
    bread?") lay at cosine 0.70-0.99 (median 0.95) to the article and on-topic comments at
    0.21-1.00 (median 0.85); centring on the mean embedding of 1,000 OLID training tweets
    left chatter closer than on-topic comments (medians 0.90 and 0.71). The constants were
    set on the example page and the trainable on/off-topic cases; they are not trained.
    """
    z = 2.5 - 10.0 * overlap - 3.5 * shared_group
    return 1.0 / (1.0 + math.exp(-z))
