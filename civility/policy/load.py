"""Publisher policy: turn scores and targets into publish / review / reject.

The model only measures; a policy is where a publisher says what they will
print. Policies are TOML files (see ``civility/policies/news.toml`` for the
annotated default). The format:

``name``, ``description``
    Free text, shown in reasons and in ``civility policy show``.

``extends = "news"``
    Optional. Start from a packaged policy (by name) or another file (path
    relative to this one): ``[thresholds.X]`` tables replace the base's table
    for X, ``[[groups]]`` and ``[[words]]`` are appended to the base's rules.

``[thresholds.<attribute>]`` with ``review`` and/or ``reject``
    A score ``>= review`` holds the comment, ``>= reject`` rejects it. Either
    key may be omitted (``off_topic`` usually has only ``review``); an
    attribute without a table never decides anything on its own.

``[[groups]]`` with ``category`` and/or ``group`` (string or list),
``action`` (``review``/``reject``), ``min_score`` (default 0.5) and
``attributes`` (default ``["identity_attack"]``)
    Stricter handling when a comment attacks a named group: fires when a
    target's category or group name (case-insensitive) matches and the highest
    of the listed attribute scores is ``>= min_score``.

``[[words]]`` with ``match`` (string or list of phrases) and ``action``
(``review``/``reject``/``allow``)
    Phrases matched case-insensitively as whole words on the NORMALISED text
    (write them as the normaliser would output them). ``allow`` only exempts
    the text it covers from other word rules (``"subhuman conditions"`` stops
    ``"subhuman"`` firing inside it); it never lowers a model threshold, so an
    allowed phrase in a comment with a high threat score is still rejected.

``[languages]`` with ``covered`` (language codes the model reads) and ``action``
(``publish``/``review``/``reject``)
    What happens to a comment whose language (see ``civility.language``) is identified and
    is not covered. A comment whose language cannot be told (``und``: names, "ok", emoji)
    is never held for its language. ``action = "publish"`` turns the rule off.
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from civility.types import ATTRIBUTES, UNDETERMINED_LANGUAGE, Action, GroupCategory, Target

__all__ = [
    "Drivers",
    "GroupRule",
    "LanguageRule",
    "Policy",
    "PolicyError",
    "Threshold",
    "WordRule",
    "decide",
    "default_policy",
    "load_policy",
    "loads_policy",
    "phrase_spans",
    "policy_changes",
    "reason_drivers",
    "word_reasons",
]

#: Actions ordered from most lenient to strictest.
_SEVERITY: dict[str, int] = {"publish": 0, "review": 1, "reject": 2}
_CATEGORIES: tuple[str, ...] = get_args(GroupCategory)
_TOP_LEVEL_KEYS = ("name", "description", "extends", "thresholds", "groups", "words",
                   "languages")
_DEFAULT_GROUP_ATTRIBUTES = ("identity_attack",)
_DEFAULT_MIN_SCORE = 0.5
_PHRASING = {
    "identity_attack": "identity attack on",
    "dehumanization": "dehumanization of",
    "threat": "threat against",
    "insult": "insult to",
    "severe_toxicity": "severe abuse of",
    "toxicity": "abuse of",
}

#: Said after a threshold's reason: what the moderator holding the comment should know.
_NOTES = {
    "self_harm": ": talk of suicide or self-harm; if the writer speaks of their own, "
                 "answer with care and point to help",
}

WordAction = Literal["review", "reject", "allow"]


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """Scores ``>= review`` are held, ``>= reject`` rejected; ``None`` disables that step."""

    review: float | None = None
    reject: float | None = None


@dataclass(frozen=True, slots=True)
class GroupRule:
    """Escalate attacks on matching groups, whatever the global thresholds say."""

    action: Literal["review", "reject"]
    categories: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    min_score: float = _DEFAULT_MIN_SCORE
    attributes: tuple[str, ...] = _DEFAULT_GROUP_ATTRIBUTES

    def matches(self, target: Target) -> bool:
        """True when the target's category or group name is one this rule covers."""
        if target.category in self.categories:
            return True
        return target.group.casefold() in {g.casefold() for g in self.groups}

    def label(self) -> str:
        """Short name of the rule for reasons, e.g. ``religion`` or ``Jews, Roma``."""
        return ", ".join((*self.categories, *self.groups))


@dataclass(frozen=True, slots=True)
class LanguageRule:
    """Hold (or reject) comments in a language the model does not read, for a person who does."""

    covered: tuple[str, ...]
    action: Literal["review", "reject"] = "review"

    def applies(self, language: str) -> bool:
        """True for an identified language outside ``covered`` (``und`` never applies)."""
        return bool(language) and language != UNDETERMINED_LANGUAGE and \
            language.casefold() not in {c.casefold() for c in self.covered}


@dataclass(frozen=True, slots=True)
class WordRule:
    """Phrases that hold, reject, or (``allow``) exempt text from other word rules."""

    phrases: tuple[str, ...]
    action: WordAction
    #: How its reasons name it: a policy file's rules are "word rule"; a site's own lists
    #: (:mod:`civility.authors`) say "banned word" or "suspect word". One of
    #: :data:`WORD_RULE_LABELS`, so :func:`reason_drivers` can read the reasons back.
    label: str = "word rule"


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated publisher policy; build it with :func:`load_policy`."""

    name: str
    description: str
    thresholds: Mapping[str, Threshold]
    group_rules: tuple[GroupRule, ...] = ()
    word_rules: tuple[WordRule, ...] = ()
    language_rule: LanguageRule | None = None
    #: The comments of the file(s) it was read from, by what they introduce (see
    #: :func:`_comments`), so that :meth:`to_toml` keeps the author's reasons. Not part of
    #: the policy's meaning: two policies that decide alike are equal whatever they say.
    comments: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A read-only view, so a shared (cached) policy cannot be edited in place.
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))
        object.__setattr__(self, "comments", MappingProxyType(dict(self.comments)))

    def describe(self) -> str:
        """Human-readable summary for ``civility policy show``."""
        lines = [f"Policy '{self.name}'"]
        if self.description:
            lines.append(f"  {self.description}")
        lines.append("Thresholds (hold at review, reject at reject):")
        for attr in ATTRIBUTES:
            t = self.thresholds.get(attr)
            if t is None:
                lines.append(f"  {attr:<18} never decides on its own")
                continue
            lines.append(f"  {attr:<18} review {_fmt(t.review):>5}   reject {_fmt(t.reject):>5}")
        if self.group_rules:
            lines.append("Group rules:")
            for g in self.group_rules:
                attrs = "/".join(g.attributes)
                lines.append(f"  {g.label()}: {g.action} when {attrs} ≥ {g.min_score:.2f}")
        if self.word_rules:
            lines.append("Word rules:")
            for w in self.word_rules:
                lines.append(f"  {w.action}: " + ", ".join(repr(p) for p in w.phrases))
        if self.language_rule is not None:
            lines.append(f"Languages: {self.language_rule.action} comments in languages other "
                         f"than {', '.join(self.language_rule.covered) or '(none)'}")
        return "\n".join(lines)

    def to_toml(self) -> str:
        """The policy as TOML that :func:`load_policy` reads back to an equal policy, with the
        comments of the file(s) it came from before the parts they explain."""
        notes = self.comments

        def note(key: str, index: int | None = None) -> list[str]:
            text = notes.get(key)
            if index is not None:
                text = text[index] if isinstance(text, Sequence) and index < len(text) else None
            return text.splitlines() if isinstance(text, str) and text else []

        head = note("") or _DEFAULT_HEAD.splitlines()
        out = [*head, "", f"name = {_toml_str(self.name)}",
               f"description = {_toml_str(self.description)}"]
        for attr in ATTRIBUTES:
            t = self.thresholds.get(attr)
            if t is None:
                continue
            out += ["", *note(f"thresholds.{attr}"), f"[thresholds.{attr}]"]
            out += [f"{k} = {v}" for k, v in (("review", t.review), ("reject", t.reject))
                    if v is not None]
        if self.language_rule is not None:
            out += ["", *note("languages"), "[languages]",
                    f"covered = {_toml_list(self.language_rule.covered)}",
                    f"action = {_toml_str(self.language_rule.action)}"]
        for i, g in enumerate(self.group_rules):
            out += ["", *note("groups", i), "[[groups]]"]
            if g.categories:
                out.append(f"category = {_toml_list(g.categories)}")
            if g.groups:
                out.append(f"group = {_toml_list(g.groups)}")
            out += [f"action = {_toml_str(g.action)}", f"min_score = {g.min_score}",
                    f"attributes = {_toml_list(g.attributes)}"]
        for i, w in enumerate(self.word_rules):
            out += ["", *note("words", i), "[[words]]", f"match = {_toml_list(w.phrases)}",
                    f"action = {_toml_str(w.action)}"]
        return "\n".join(out) + "\n"


#: The opening comment of a policy written without one.
_DEFAULT_HEAD = """\
# A Civility moderation policy (check it with `civility policy check FILE`).
#
# Every score is 0..1. A score >= review holds the comment for a moderator;
# a score >= reject rejects it. Leave a key out to disable that step.
# [[groups]] rules apply when a comment attacks a group; [[words]] rules match
# whole words on the normalised text; `extends = "news"` starts from the default."""

#: Where a policy file's comments are kept while it is read (no TOML key can be this).
_COMMENTS = "\x00comments"
_TABLE_HEADER = re.compile(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$")


def _comments(text: str) -> dict[str, Any]:
    """A policy file's comment blocks, by what they come just before.

    ``""`` is the file's opening comment; ``"thresholds.ATTR"`` and ``"languages"`` the
    tables; ``"groups"`` and ``"words"`` hold one entry (or None) per ``[[groups]]`` and
    ``[[words]]``. Comments inside a table are not kept.
    """
    found: dict[str, Any] = {"groups": [], "words": []}
    block: list[str] = []
    opened = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and block):
            block.append(stripped)
            continue
        if not stripped:
            continue
        comment = "\n".join(block).strip() or None
        block = []
        header = _TABLE_HEADER.match(stripped)
        if header and stripped.startswith("[["):
            if header.group(1) in found:
                found[header.group(1)].append(comment)
        elif header:
            found[header.group(1)] = comment
        elif not opened and comment:
            found[""] = comment
        opened = True
    return found


def _merge_comments(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Comments that follow :func:`_merge`: lists are joined, tables and the head overridden."""
    b, o = base.get(_COMMENTS, {}), over.get(_COMMENTS, {})
    merged = {**b, **{k: v for k, v in o.items() if v and k not in ("groups", "words")}}
    for key in ("groups", "words"):
        if key in over:
            merged[key] = [*(b.get(key, []) if key in base else []), *o.get(key, [])]
    return merged


# --------------------------------------------------------------------------- loading


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """Read and validate a policy file; ``None`` gives the packaged ``news`` policy."""
    if path is None:
        return default_policy()
    return _from_data(_read_merged(Path(path), seen=()), source=str(path))


@functools.cache
def default_policy() -> Policy:
    """The packaged ``news`` policy (parsed once per process)."""
    return _from_data(_read_packaged("news"), source="civility/policies/news.toml")


def loads_policy(text: str, source: str = "<policy>") -> Policy:
    """A policy from TOML text (one kept in the database rather than a file).

    ``extends`` may name a packaged policy; there is no folder to find a file relative to.
    """
    data = _parse(text, source)
    base = data.get("extends")
    if base is not None:
        if not isinstance(base, str) or base.endswith(".toml") or "/" in base:
            raise PolicyError(f"{source}: extends can only name a packaged policy here "
                              f"(e.g. \"news\"), not {base!r}")
        data = _merge(_read_packaged(base), data)
    return _from_data(data, source)


def policy_changes(old: Policy, new: Policy) -> list[str]:
    """What deciding under ``new`` instead of ``old`` changes, one line each, for people.

    The audit log keeps these lines when an admin applies a policy, so the entry says what
    changed without anyone diffing two files.
    """
    out: list[str] = []
    if old.name != new.name:
        out.append(f"name: {old.name!r} → {new.name!r}")
    for attr in ATTRIBUTES:
        a, b = old.thresholds.get(attr), new.thresholds.get(attr)
        if a == b:
            continue
        for step in ("review", "reject"):
            x = getattr(a, step) if a else None
            y = getattr(b, step) if b else None
            if x != y:
                out.append(f"{attr}.{step}: {_fmt(x)} → {_fmt(y)}")
    for what, before, after in (("group rules", old.group_rules, new.group_rules),
                                ("word rules", old.word_rules, new.word_rules)):
        if before != after:
            out.append(f"{what}: {len(before)} → {len(after)}"
                       + (" (changed)" if len(before) == len(after) else ""))
    if old.language_rule != new.language_rule:
        out.append(f"languages: {_language_summary(old)} → {_language_summary(new)}")
    return out


def _language_summary(policy: Policy) -> str:
    rule = policy.language_rule
    if rule is None:
        return "off"
    return f"{rule.action} outside {', '.join(rule.covered) or '(none)'}"


def _read_packaged(name: str) -> dict[str, Any]:
    res = resources.files("civility") / "policies" / f"{name}.toml"
    if not res.is_file():
        raise PolicyError(f"no packaged policy named {name!r}")
    return _parse(res.read_text(encoding="utf-8"), f"civility/policies/{name}.toml")


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    data[_COMMENTS] = _comments(text)
    return data


def _read_merged(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Read ``path`` and fold in whatever it ``extends``."""
    try:
        data = _parse(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror or exc}") from exc
    base_ref = data.get("extends")
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise PolicyError(f"{path}: extends must be a policy name or a path")
    base_path = path.parent / base_ref
    if base_path.suffix == ".toml" or base_path.is_file():
        if base_path.resolve() in seen:
            raise PolicyError(f"{path}: extends {base_ref!r} forms a cycle")
        base = _read_merged(base_path, (*seen, path.resolve()))
    else:
        base = _read_packaged(base_ref)
    return _merge(base, data)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in over.items() if k != "extends"}}
    merged.pop("extends", None)
    merged[_COMMENTS] = _merge_comments(base, over)
    for key in ("thresholds", "languages"):
        if isinstance(base.get(key), dict) and isinstance(over.get(key), dict):
            merged[key] = {**base[key], **over[key]}
    for key in ("groups", "words"):
        if isinstance(base.get(key), list) and isinstance(over.get(key), list):
            merged[key] = [*base[key], *over[key]]
    return merged


def _from_data(data: dict[str, Any], source: str) -> Policy:
    data = dict(data)
    comments = data.pop(_COMMENTS, {})
    _check_keys(data, _TOP_LEVEL_KEYS, source, "")
    name = data.get("name", Path(source).stem)
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise PolicyError(f"{source}: name and description must be strings")
    return Policy(
        name=name,
        description=description,
        thresholds=_thresholds(_table(data, "thresholds", source), source),
        group_rules=tuple(_group_rule(g, source, f"groups[{i}]")
                          for i, g in enumerate(_array(data, "groups", source))),
        language_rule=_language_rule(_table(data, "languages", source), source),
        word_rules=tuple(_word_rule(w, source, f"words[{i}]")
                         for i, w in enumerate(_array(data, "words", source))),
        comments=comments,
    )


def _thresholds(table: dict[str, Any], source: str) -> dict[str, Threshold]:
    unknown = [k for k in table if k not in ATTRIBUTES]
    if unknown:
        raise PolicyError(
            f"{source}: unknown attribute(s) in [thresholds]: {', '.join(unknown)}; "
            f"valid attributes are: {', '.join(ATTRIBUTES)}")
    out: dict[str, Threshold] = {}
    for attr in ATTRIBUTES:
        if attr not in table:
            continue
        key = f"thresholds.{attr}"
        entry = table[attr]
        if not isinstance(entry, dict):
            raise PolicyError(f"{source}: {key} must be a table with review and/or reject")
        _check_keys(entry, ("review", "reject"), source, key)
        review = _score(entry.get("review"), source, f"{key}.review")
        reject = _score(entry.get("reject"), source, f"{key}.reject")
        if review is not None and reject is not None and review > reject:
            raise PolicyError(f"{source}: {key}.review ({review}) must not be above "
                              f"{key}.reject ({reject})")
        out[attr] = Threshold(review=review, reject=reject)
    return out


def _group_rule(entry: Any, source: str, key: str) -> GroupRule:
    if not isinstance(entry, dict):
        raise PolicyError(f"{source}: {key} must be a table")
    _check_keys(entry, ("category", "group", "action", "min_score", "attributes"), source, key)
    categories = _strings(entry.get("category", []), source, f"{key}.category")
    bad = [c for c in categories if c not in _CATEGORIES]
    if bad:
        raise PolicyError(f"{source}: {key}.category: unknown category {', '.join(bad)}; "
                          f"valid categories are: {', '.join(_CATEGORIES)}")
    groups = _strings(entry.get("group", []), source, f"{key}.group")
    if not categories and not groups:
        raise PolicyError(f"{source}: {key} needs a category or a group")
    attributes = _strings(entry.get("attributes", list(_DEFAULT_GROUP_ATTRIBUTES)),
                          source, f"{key}.attributes")
    bad = [a for a in attributes if a not in ATTRIBUTES]
    if bad or not attributes:
        raise PolicyError(f"{source}: {key}.attributes: unknown attribute(s) "
                          f"{', '.join(bad) or '(none given)'}; "
                          f"valid attributes are: {', '.join(ATTRIBUTES)}")
    min_score = _score(entry.get("min_score", _DEFAULT_MIN_SCORE), source, f"{key}.min_score")
    return GroupRule(action=_action(entry, ("review", "reject"), source, key),
                     categories=categories, groups=groups,
                     min_score=_DEFAULT_MIN_SCORE if min_score is None else min_score,
                     attributes=attributes)


def _word_rule(entry: Any, source: str, key: str) -> WordRule:
    if not isinstance(entry, dict):
        raise PolicyError(f"{source}: {key} must be a table")
    _check_keys(entry, ("match", "action"), source, key)
    phrases = tuple(p.strip() for p in _strings(entry.get("match"), source, f"{key}.match"))
    if not phrases or not all(phrases):
        raise PolicyError(f"{source}: {key}.match must list at least one non-empty phrase")
    return WordRule(phrases=phrases, action=_action(entry, ("review", "reject", "allow"),
                                                    source, key))


def _language_rule(entry: dict[str, Any], source: str) -> LanguageRule | None:
    if not entry:
        return None
    _check_keys(entry, ("covered", "action"), source, "languages")
    action = _action(entry, ("publish", "review", "reject"), source, "languages")
    covered = _strings(entry.get("covered", []), source, "languages.covered")
    if action == "publish":
        return None
    return LanguageRule(covered=tuple(c.strip().lower() for c in covered), action=action)


def _action(entry: dict[str, Any], allowed: tuple[str, ...], source: str, key: str) -> Any:
    action = entry.get("action")
    if action not in allowed:
        raise PolicyError(f"{source}: {key}.action must be one of {', '.join(allowed)} "
                          f"(got {action!r})")
    return action


def _score(value: Any, source: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise PolicyError(f"{source}: {key} must be between 0 and 1 (got {value!r})")
    return float(value)


def _strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{source}: {key} must be a string or a list of strings")


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: {key} must be a table ([{key}.<name>])")
    return value


def _array(data: dict[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PolicyError(f"{source}: {key} must be an array of tables ([[{key}]])")
    return value


def _check_keys(entry: dict[str, Any], allowed: tuple[str, ...], source: str, key: str) -> None:
    unknown = [k for k in entry if k not in allowed]
    if unknown:
        where = f"{key}: " if key else ""
        raise PolicyError(f"{source}: {where}unknown key(s) {', '.join(unknown)}; "
                          f"expected {', '.join(allowed)}")


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
    found.sort(key=lambda item: -_SEVERITY[item[0]])  # stable: rule order kept within a level
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
        if math.isnan(score):
            out.append(("review", f"{_human(attr)} score is not a number; held for a person"))
        elif t.reject is not None and score >= t.reject:
            out.append(("reject", f"{_human(attr)} {score:.2f} ≥ reject threshold {t.reject:.2f}"))
        elif t.review is not None and score >= t.review:
            out.append(("review", f"{_human(attr)} {score:.2f} ≥ review threshold {t.review:.2f}"
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
    return _PHRASING.get(attr, f"{_human(attr)} against")


@dataclass(frozen=True, slots=True)
class Drivers:
    """What :func:`decide`'s reasons name: the attributes and word-rule phrases behind them."""

    attributes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


@functools.cache
def _reason_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for attr in ATTRIBUTES:
        human = re.escape(_human(attr))
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
        if best is None or _SEVERITY[rule.action] > _SEVERITY[best.action]:
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


def _finite(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _human(attr: str) -> str:
    return attr.replace("_", " ")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"
