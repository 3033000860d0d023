"""The policy as plain data: thresholds, group, language and word rules, and :class:`Policy`
(with its TOML form), plus the wording decisions use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, get_args

from civility.records import ATTRIBUTES, UNDETERMINED_LANGUAGE, GroupCategory, Target

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


def _finite(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"
