"""Deciding: scores, targets, words and language under a :class:`Policy` become publish /
review / reject with reasons, and the reasons read back into what drove them.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from civility.labels import attribute_label
from civility.policy.records import (
    _NOTES,
    _PHRASING,
    GroupRule,
    Policy,
    WordRule,
    _finite,
)
from civility.records import ATTRIBUTES, Action, Target, action_rank

# --------------------------------------------------------------------------- deciding


def decide(
    policy: Policy,
    attributes: Mapping[str, float],
    targets: Sequence[Target],
    normalized_text: str,
    language: str = "",
) -> tuple[Action, tuple[str, ...]]:
    """The strictest action any rule reaches, with every reason (reject reasons first).

    ``language`` is the comment's code from :func:`civility.language.identify` ("" when
    unknown). Pure: the same inputs always give the same answer, so verdicts can be
    re-decided under another policy without re-scoring.
    """
    found = [
        *_threshold_reasons(policy, attributes),
        *_group_reasons(policy, attributes, targets),
        *word_reasons(policy.word_rules, normalized_text),
        *_language_reasons(policy, language),
    ]
    if not found:
        return "publish", (
            f"policy '{policy.name}': published, no attribute above a review threshold",)
    found.sort(key=lambda item: -action_rank(item[0]))  # stable: rule order kept within a level
    action = found[0][0]
    if action == "reject":  # advice for whoever holds the comment: nobody will
        return action, tuple(_without_notes(reason) for _, reason in found)
    return action, tuple(reason for _, reason in found)


def _threshold_reasons(policy: Policy, scores: Mapping[str, float]) -> list[tuple[Action, str]]:
    out: list[tuple[Action, str]] = []
    for attr, t in policy.thresholds.items():
        score = scores.get(attr)
        if score is None:
            continue
        human = attribute_label(attr)
        if math.isnan(score):
            out.append(("review", f"{human} score is not a number; held for a person"))
        elif t.reject is not None and score >= t.reject:
            out.append(("reject", f"{human} {score:.2f} ≥ reject threshold {t.reject:.2f}"))
        elif t.review is not None and score >= t.review:
            out.append(("review", f"{human} {score:.2f} ≥ review threshold {t.review:.2f}"
                                  + _NOTES.get(attr, "")))
    return out


def _without_notes(reason: str) -> str:
    for note in _NOTES.values():
        reason = reason.removesuffix(note)
    return reason


def _language_reasons(policy: Policy, language: str) -> list[tuple[Action, str]]:
    rule = policy.language_rule
    if rule is None or not rule.applies(language):
        return []
    outcome = "held for a person who reads it" if rule.action == "review" else "rejected"
    return [(rule.action, f"language '{language}' is not covered by the model; {outcome}")]


def _group_reasons(
    policy: Policy, scores: Mapping[str, float], targets: Sequence[Target]
) -> list[tuple[Action, str]]:
    """One reason per action reached, each target counted under its strictest rule only."""
    fired: dict[Action, dict[str, tuple[GroupRule, str]]] = {}
    for target in targets:
        rule = _strictest_rule(policy, scores, target)
        if rule is not None:
            why = target.category if target.category in rule.categories else target.group
            fired.setdefault(rule.action, {}).setdefault(target.group, (rule, why))
    out: list[tuple[Action, str]] = []
    for action, by_group in fired.items():
        attrs = tuple(dict.fromkeys(a for rule, _ in by_group.values() for a in rule.attributes))
        attr, score = _top_score(attrs, scores)
        phrase = _group_phrase(attr)
        whys = ", ".join(dict.fromkeys(why for _, why in by_group.values()))
        out.append((action, f"{phrase} {', '.join(by_group)} ({score:.2f}) → {action} "
                            f"under the group rule for {whys}"))
    return out


def _group_phrase(attr: str) -> str:
    return _PHRASING.get(attr, f"{attribute_label(attr)} against")


@dataclass(frozen=True, slots=True)
class Drivers:
    """What :func:`decide`'s reasons name: the attributes and word-rule phrases behind them."""

    attributes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


@functools.cache
def _reason_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for attr in ATTRIBUTES:
        human = re.escape(attribute_label(attr))
        out.append((re.compile(rf"{human} (?:\d|score is not a number)"), attr))
        out.append((re.compile(rf"{re.escape(_group_phrase(attr))} .+ \(\d"), attr))
    return tuple(out)


#: What word rules are called in reasons (see :attr:`WordRule.label`).
WORD_RULE_LABELS = ("word rule", "banned word", "suspect word")
_WORD_REASON = re.compile(rf"(?:{'|'.join(WORD_RULE_LABELS)}): '(.+)' → \w+")


def reason_drivers(reasons: Sequence[str]) -> Drivers:
    """Which attributes and word rules the reasons of a :func:`decide` call name.

    Stored verdicts keep reasons as sentences; a moderator's screen needs to know which
    scores drove the decision, to highlight those words and not others. The parsing lives
    beside the code that writes the sentences so the two stay in step. Sentences from
    elsewhere (older versions, other tools) name nothing.
    """
    attributes: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for reason in reasons:
        word = _WORD_REASON.fullmatch(reason)
        if word:
            phrases[word.group(1)] = None
            continue
        for pattern, attr in _reason_patterns():
            if pattern.match(reason):
                attributes[attr] = None
                break
    return Drivers(tuple(attributes), tuple(phrases))


def phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where a word rule's phrase occurs in ``text`` (whole words, any case)."""
    return [m.span() for m in _phrase_pattern(phrase).finditer(text)]


def _strictest_rule(
    policy: Policy, scores: Mapping[str, float], target: Target
) -> GroupRule | None:
    best: GroupRule | None = None
    for rule in policy.group_rules:
        if not rule.matches(target) or _top_score(rule.attributes, scores)[1] < rule.min_score:
            continue
        if best is None or action_rank(rule.action) > action_rank(best.action):
            best = rule
    return best


def _top_score(attrs: Sequence[str], scores: Mapping[str, float]) -> tuple[str, float]:
    """The attribute among ``attrs`` with the highest score (NaN counts as 0)."""
    best = max(attrs, key=lambda a: _finite(scores.get(a, 0.0)))
    return best, _finite(scores.get(best, 0.0))


def word_reasons(rules: tuple[WordRule, ...], text: str) -> list[tuple[Action, str]]:
    """(action, reason) for each holding or rejecting phrase of ``rules`` found in ``text``
    (normalised) outside the text an ``allow`` rule covers.

    The one word matcher: a policy file's rules and a site's banned and suspect lists both
    go through it, so they read text alike.
    """
    blocking = _blocking_pattern(rules)
    if blocking is None or not blocking.search(text):
        return []
    allowed = [m.span() for rule in rules if rule.action == "allow"
               for phrase in rule.phrases for m in _phrase_pattern(phrase).finditer(text)]
    out: list[tuple[Action, str]] = []
    for rule in rules:
        if rule.action == "allow":
            continue
        for phrase in rule.phrases:
            if any(not _inside(m.span(), allowed) for m in _phrase_pattern(phrase).finditer(text)):
                out.append((rule.action, f"{rule.label}: '{phrase}' → {rule.action}"))
    return out


@functools.cache
def _blocking_pattern(rules: tuple[WordRule, ...]) -> re.Pattern[str] | None:
    """Every phrase that holds or rejects, as one scan: most comments name none of them."""
    phrases = [p for rule in rules if rule.action != "allow" for p in rule.phrases]
    if not phrases:
        return None
    return re.compile("|".join(f"(?:{_phrase_pattern(p).pattern})" for p in phrases),
                      re.IGNORECASE)


@functools.cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern; any run of spaces/hyphens joins the words."""
    words = [re.escape(w) for w in phrase.casefold().split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE)


def _inside(span: tuple[int, int], allowed: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in allowed)
