"""Decide which mentioned groups a comment ATTACKS, as opposed to merely names.

Moderators need "this attacks Turks and Arabs", not "this contains the word Russia". Without a
parser, the attack's subject/object is approximated with a few cheap, explainable rules over
sentences and clauses of the normalised text:

1. A group named by a slur is a target ("muzzies", "turdkey"), whatever the scores.
2. Otherwise the comment must attack: ``identity_attack`` or ``dehumanization`` >= 0.5 makes any
   mention eligible; ``threat`` >= 0.5 alone makes only *people* mentions eligible, because a
   threat against a state ("time to missile Azerbaijan", "liquidate the regime") is geopolitics,
   not an attack on a people (this matches the example page's labels).
3. An eligible mention is a target when the attack's evidence sits in its clause, or in the
   clause it is compared with ("as treacherous as their turkish brethren", "... like russians");
   a relative clause ("armenians who deserved what they got") attaches to the mention before it.
   When there are no evidence spans, generic plural references ("turks are ...", "all X",
   "those X", "X should ...") stand in for them. The only group in an attacking comment is its
   target in any case.
4. Never targets: a mention praised by its predicate ("turks are a proud and brave people"), an
   adjective modifying an institution ("european leaders", "russian media"), an adjective
   modifying another group word ("turkic azeri", "gay mulattos": the head word is the group), a
   speaker naming their own group ("as a queer woman", "we dykes"), and the ACTOR of violence
   aimed at another named party: in "russia should missile azerbaijan" or "azerbaijan will be
   bombed by russia" the attacked party is Azerbaijan, not Russia.

Clauses are split at "than/then/like/unlike/who/which/because/but/while/whereas/although", not at
commas, so lists ("turks, arabas and most muslimes are ...") stay together.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from civility.groups import INSTITUTION, Mention, self_reference, sentence_starts
from civility.lexical import macro
from civility.normalize import Normalized
from civility.records import Target

__all__ = ["ATTACK_THRESHOLD", "attacks_people", "find_targets"]

#: Score from which an attribute counts as present.
ATTACK_THRESHOLD = 0.5

_CLAUSE = re.compile(
    r"(?<!\w)(than|then|like|unlike|who|whom|which|because|but|while|whereas|although|though)"
    r"(?!\w)"
)
_COMPARATIVE = frozenset({"than", "then", "like"})
_RELATIVE = frozenset({"who", "whom", "which"})

_POSITIVE = (
    "proud|brave|kind|good|great|nice|honest|friendly|hardworking|hard-working|smart|intelligent|"
    "wonderful|beautiful|peaceful|loyal|generous|noble|strong|decent|lovely|hospitable|amazing|"
    "respectful|courageous|fine|best|heroic|welcoming|warm|wise|civilized|civilised|polite|"
    "trustworthy|reliable|hard working|humble|fair|helpful|caring|brilliant|excellent|awesome"
)
_PRAISE = re.compile(
    r"(?:'s)?\s*,?\s*(?:are|is|were|was|r|remain|seem|seem to be)\s+"
    r"(?:(?:a|an|the|such|so|very|really|truly|truely|most|actually|indeed|mostly|generally|all|"
    r"always|incredibly|extremely|quite)\s+)*(?:" + _POSITIVE + r")\b"
)
_GENERIC_BEFORE = re.compile(r"(?:all|those|these|most|every|you|damn|bloody|fucking)\s+$")
_COORDINATION = re.compile(r"\s*(?:,|and|or|&|/)\s*")
_ADJACENT = re.compile(r"[\s\-\"']*")
_GENERIC_AFTER = re.compile(
    r"(?:'s)?\s*(?:are|r|were|should|must|need to|deserve|always|never|will|cant|can't|can not|"
    r"cannot)\b"
)
# What lies between an actor and the party it attacks: "russia should missile azerbaijan",
# "time for russia to missile “azerbaijan”", "turkey's army will crush the kurds".
_ACTOR_THEN_OBJECT = re.compile(
    r"(?:'s)?(?:\s+(?:army|forces|military|troops|government|regime|navy|air force))?\s+"
    r"(?:(?:should|must|will|would|could|can|shall|may|might|better|needs? to|has to|have to|"
    r"ought to|(?:is|are|was|were) (?:going|about) to|(?:is|are) gonna|gonna|wants? to|plans? to|"
    r"to|just|finally|simply|all|now|already|really|also|quickly|totally|completely|"
    r"immediately|go on and|should have|should've|must have)\s+)*"
    r"(?:" + macro("ASSAULT") + r")(?:s|es|ed|d)?\s+"
    r"(?:(?:the|all|those|these|every|their|whole|entire|hell|shit|crap|out of|of)\s+)*"
    r"[\"“”']?\s*"
)
# ... and between an attacked party and its actor in the passive: "azerbaijan should be
# bombed by russia".
_OBJECT_THEN_ACTOR = re.compile(
    r"(?:'s)?\s+(?:[a-z']+\s+){0,3}?(?:be|been|being|get|got|gets|getting|was|were|is|are)\s+"
    r"(?:[a-z]+ly\s+)?(?:[a-z]+(?:ed|en)|shot|struck|hit|hung|blown up|wiped out|taken out|"
    r"overrun|slain)(?:\s+[a-z']+){0,4}?\s+by\s+(?:the\s+)?[\"“”']?\s*"
)


def _score(attributes: dict[str, float], *names: str) -> float:
    return max((attributes.get(n, 0.0) for n in names), default=0.0)


def _clauses(text: str, s: int, e: int) -> list[tuple[int, int, str]]:
    """``(start, end, marker)`` clauses of the sentence ``text[s:e]``; marker '' for the first."""
    out: list[tuple[int, int, str]] = []
    start, marker = s, ""
    for m in _CLAUSE.finditer(text, s, e):
        if m.start() > start:
            out.append((start, m.start(), marker))
        start, marker = m.start(), m.group(1)
    out.append((start, e, marker))
    return out


def find_targets(
    norm: Normalized,
    mentions: list[Mention],
    attributes: dict[str, float],
    evidence_spans: list[tuple[int, int]],
) -> tuple[Target, ...]:
    """The groups ``norm``'s comment attacks, one per group, in order of first targeted mention.

    ``mentions`` come from :func:`civility.groups.find_mentions`; ``evidence_spans`` are ORIGINAL
    offsets of the words that drove the attack scores.
    """
    if not mentions:
        return ()
    text, offs = norm.text, norm.offsets

    def to_norm(pos: int) -> int:
        return bisect_left(offs, pos, 0, len(text))

    spans = [(to_norm(m.start), max(to_norm(m.end), to_norm(m.start) + 1)) for m in mentions]
    attack = _score(attributes, "identity_attack", "dehumanization") >= ATTACK_THRESHOLD
    threat = _score(attributes, "threat") >= ATTACK_THRESHOLD

    def institutional(i: int) -> bool:
        m, (_, ne) = mentions[i], spans[i]
        if m.kind != "people" and INSTITUTION.match(text, ne):
            return True
        # "european and u.s. leaders": coordinated with an institutional mention.
        nxt = i + 1
        return (m.kind == "adjective" and nxt < len(mentions)
                and _COORDINATION.fullmatch(text, ne, spans[nxt][0]) is not None
                and institutional(nxt))

    def excluded(i: int) -> bool:
        m, (_, ne) = mentions[i], spans[i]
        if institutional(i):
            return True
        nxt = i + 1
        if (m.kind == "adjective" and nxt < len(mentions)
                and _ADJACENT.fullmatch(text, ne, spans[nxt][0])):
            return True  # modifier of the next group word: "turkic azeri", "gay mulattos"
        return bool(_PRAISE.match(text, ne)) or self_reference(text, spans[i][0]) or i in actors

    def eligible(m: Mention) -> bool:
        return attack or (threat and m.kind == "people")

    actors = _actors(text, spans)
    chosen: set[int] = {i for i, m in enumerate(mentions)
                        if m.slur and not self_reference(text, spans[i][0])}
    candidates = [i for i, m in enumerate(mentions)
                  if i not in chosen and eligible(m) and not excluded(i)]
    if candidates:
        evidence = sorted((to_norm(a), to_norm(b)) for a, b in evidence_spans if b > a)
        if evidence:
            chosen |= _by_evidence(text, spans, candidates, evidence)
        else:
            chosen |= {i for i in candidates if _generic(text, spans[i])}
        if len({mentions[i].group for i in candidates}) == 1:
            chosen.update(candidates)  # the only group an attacking comment names
    seen: dict[str, Target] = {}
    for i in sorted(chosen, key=lambda k: mentions[k].start):
        m = mentions[i]
        if m.group not in seen:
            seen[m.group] = Target(m.group, m.category, m.text, m.start, m.end)
    return tuple(seen.values())


def attacks_people(mentions: list[Mention], targets: tuple[Target, ...]) -> bool:
    """Whether a target was named as a people ("azeris", "all women"), not as a state."""
    people = {(m.group, m.start) for m in mentions if m.kind == "people"}
    return any((t.group, t.start) in people for t in targets)


def _actors(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """Mentions that carry out violence against the next (or, in the passive, previous) mention.

    Only a named party on the other side makes a mention an actor: in "muslims will kill us all"
    the comment attacks Muslims, and they stay a candidate target.
    """
    actors: set[int] = set()
    for i in range(len(spans) - 1):
        between = (spans[i][1], spans[i + 1][0])
        if _ACTOR_THEN_OBJECT.fullmatch(text, *between):
            actors.add(i)
        elif _OBJECT_THEN_ACTOR.fullmatch(text, *between):
            actors.add(i + 1)
    for i in range(len(spans) - 2, -1, -1):  # "russia and iran should bomb azerbaijan"
        if i + 1 in actors and _COORDINATION.fullmatch(text, spans[i][1], spans[i + 1][0]):
            actors.add(i)
    return actors


def _generic(text: str, span: tuple[int, int]) -> bool:
    """A generic plural reference: "all turks", "those X", "X are/should ..."."""
    s, e = span
    return bool(_GENERIC_BEFORE.search(text, max(0, s - 12), s) or _GENERIC_AFTER.match(text, e))


def _by_evidence(
    text: str,
    spans: list[tuple[int, int]],
    candidates: list[int],
    evidence: list[tuple[int, int]],
) -> set[int]:
    """Candidates whose clause (or compared/antecedent clause) holds attack evidence."""
    starts = sentence_starts(text)
    bounds = [*starts[1:], len(text)]
    chosen: set[int] = set()
    by_sentence: dict[int, list[int]] = {}
    for i in candidates:
        by_sentence.setdefault(bisect_right(starts, spans[i][0]) - 1, []).append(i)
    for k, idx in by_sentence.items():
        clauses = _clauses(text, starts[k], bounds[k])
        has_ev = [any(a < ce and cs < b for a, b in evidence) for cs, ce, _ in clauses]

        def clause_of(pos: int, clauses: list[tuple[int, int, str]] = clauses) -> int:
            return max(j for j, c in enumerate(clauses) if c[0] <= pos)

        for i in idx:
            c = clause_of(spans[i][0])
            if has_ev[c] or (clauses[c][2] in _COMPARATIVE and c > 0 and has_ev[c - 1]):
                chosen.add(i)
        # "those armenians who deserved what they got": a relative clause with evidence but
        # without its own group word attacks the last group word before it.
        for j, (cs, ce, marker) in enumerate(clauses):
            if marker in _RELATIVE and has_ev[j] and not any(cs <= spans[i][0] < ce for i in idx):
                before = [i for i in idx if spans[i][0] < cs]
                if before:
                    chosen.add(before[-1])
    return chosen
