"""Word-list rules kept in one file per language or theme: ``civility/data/lexicon/*.toml``.

The English lexicon (``civility/data/lexicon.toml``) is tuned to English grammar. These files
carry what it cannot: hate in the other languages of the seed's region and of Europe (slurs,
dehumanising comparisons, calls to kill or expel a group), and talk of self-harm, where telling
encouragement from a reader's own disclosure needs its own phrasing. Each file says where its
words come from and under which licence.

A file has (all words are written naturally; they are normalised like comment text, so
``Ermənilər``, ``köpek`` and ``Juden`` match whatever the normaliser makes of them):

``[words]``
    Named word lists. An entry may hold brace alternatives anywhere: ``"жид{,ы,ов}"`` is
    ``жид``, ``жиды``, ``жидов``; ``"{,ال}يهود"`` is ``يهود``, ``اليهود``. Phrases may have spaces.
``[[groups]]`` with ``group`` (a name from ``civility/data/groups.json``), ``words`` and
``slur``
    Words naming a group: they become mentions that ``civility.targets`` may make targets,
    and a ``slur`` is identity-attack evidence on its own. ``%GROUP%`` in a rule stands for
    every non-slur group word of the file, ``%SLUR%`` for every slur.
``[[rules]]`` with ``rule``, ``evidence`` (attribute -> probability), ``match`` and ``anchor``
    ``match`` is a regex over the normalised text in which ``%NAME%`` stands for a list; it
    is matched as whole words; literal words belong in lists, where they are normalised
    like comment text (the regex itself is not). A rule is only tried on comments
    containing a word of its ``anchor`` list(s) (by default the first list ``match`` names;
    every match must contain one of their words), so most comments cost one scan for all
    files together. That scan does not overlap: an anchor that is the start of a longer
    anchor word at the same place ("end it" in "end it all") is not seen there.

Findings come back in NORMALISED offsets; ``civility.lexical`` maps them to the original text.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from civility.groups import Mention, group_categories, trie_regex
from civility.normalize import Normalized, normalize
from civility.records import ATTRIBUTES

__all__ = ["Finding", "LexiconFile", "compiled", "files", "find", "mentions", "parse"]

_BRACES = re.compile(r"\{([^{}]*)\}")
_LIST_REF = re.compile(r"%([A-Z][A-Z0-9_]*)%")
_BEFORE, _AFTER = r"(?<![\w*])", r"(?![\w*])"


@dataclass(frozen=True, slots=True)
class Finding:
    """Evidence from one rule, at ``[start, end)`` of the NORMALISED text."""

    rule: str
    evidence: tuple[tuple[str, float], ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: str
    evidence: tuple[tuple[str, float], ...]
    pattern: str
    #: The rule is tried only on texts containing one of these words.
    anchors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _GroupWords:
    group: str
    category: str
    slur: bool
    pattern: str
    words: tuple[str, ...]


#: Rules are compiled when a comment first triggers them: most never are in a process's life,
#: and compiling all of them up front would cost a second at start-up. One cache for the
#: lexicon files' rules and ``lexical``'s patterns.
compiled = functools.cache(re.compile)


@dataclass(frozen=True, slots=True)
class LexiconFile:
    """One parsed lexicon file (its language, where its words come from, its rules)."""

    name: str
    language: str
    source: str
    licence: str
    groups: tuple[_GroupWords, ...]
    rules: tuple[_Rule, ...]


@dataclass(frozen=True, slots=True)
class _Index:
    files: tuple[LexiconFile, ...]
    #: One scan finds every anchor word of every rule (and every group word).
    anchors: re.Pattern[str]
    rules_by_word: dict[str, tuple[_Rule, ...]]
    groups_by_word: dict[str, tuple[_GroupWords, ...]]


def expand(entry: str) -> list[str]:
    """Brace alternatives, each normalised like comment text: ``"rat{,s}"`` -> ``rat, rats``."""
    m = _BRACES.search(entry)
    if m is None:
        text = normalize(entry).text.strip()
        return [" ".join(text.split())] if text else []
    head, tail = entry[: m.start()], entry[m.end():]
    return [w for alt in m.group(1).split(",") for w in expand(head + alt + tail)]


def _alternation(words: list[str]) -> str:
    """A trie regex for ``words`` in which a space matches any run of spaces."""
    return _trie(tuple(sorted(set(words))))


@functools.cache
def _trie(words: tuple[str, ...]) -> str:
    return "(?:" + trie_regex(words).replace("\\ ", r"\s+") + ")"


def parse(name: str, raw: dict[str, Any]) -> LexiconFile:
    """One lexicon file's TOML, validated; errors name the file and the rule."""
    where = f"civility/data/lexicon/{name}.toml"
    lists: dict[str, list[str]] = {k: [w for e in v for w in expand(e)]
                                   for k, v in raw.get("words", {}).items()}
    categories = group_categories()
    groups: list[_GroupWords] = []
    group_words: dict[str, list[str]] = {"GROUP": [], "SLUR": []}
    for g in raw.get("groups", []):
        if g["group"] not in categories:
            raise ValueError(f"{where}: unknown group {g['group']!r} (see groups.json)")
        words = [w for e in g["words"] for w in expand(e)]
        slur = bool(g.get("slur", False))
        group_words["SLUR" if slur else "GROUP"] += words
        groups.append(_GroupWords(g["group"], categories[g["group"]], slur,
                                  _BEFORE + _alternation(words) + _AFTER, tuple(words)))
    lists.update(group_words)
    rules: list[_Rule] = []
    for r in raw.get("rules", []):
        evidence = tuple((a, float(p)) for a, p in r["evidence"].items())
        if any(a not in ATTRIBUTES for a, _ in evidence):
            raise ValueError(f"{where}: rule {r['rule']!r} names an unknown attribute")
        refs = _LIST_REF.findall(r["match"])
        missing = [x for x in refs if x not in lists]
        if missing:
            raise ValueError(f"{where}: rule {r['rule']!r} uses undefined list(s) {missing}")
        anchor = r.get("anchor", refs[:1])
        anchor = [anchor] if isinstance(anchor, str) else anchor
        if not anchor or any(a not in lists for a in anchor):
            raise ValueError(f"{where}: rule {r['rule']!r} needs anchor list(s) it defines")
        body = _LIST_REF.sub(lambda m: _alternation(lists[m.group(1)]), r["match"])
        rules.append(_Rule(r["rule"], evidence, _BEFORE + "(?:" + body + ")" + _AFTER,
                           tuple(w for a in anchor for w in lists[a])))
    return LexiconFile(name, raw.get("language", ""), raw.get("source", ""),
                       raw.get("licence", ""), tuple(groups), tuple(rules))


_T = TypeVar("_T", _Rule, _GroupWords)


def _by_word(things: list[tuple[str, _T]]) -> dict[str, tuple[_T, ...]]:
    out: dict[str, dict[_T, None]] = {}
    for word, thing in things:
        out.setdefault(word, {})[thing] = None
    return {w: tuple(v) for w, v in out.items()}


@functools.cache
def _index() -> _Index:
    folder = resources.files("civility.data").joinpath("lexicon")
    loaded = tuple(parse(entry.name[:-5], tomllib.loads(entry.read_text("utf-8")))
                   for entry in sorted(folder.iterdir(), key=lambda p: p.name)
                   if entry.name.endswith(".toml"))
    rules = _by_word([(w, r) for f in loaded for r in f.rules for w in r.anchors])
    groups = _by_word([(w, g) for f in loaded for g in f.groups for w in g.words])
    return _Index(
        files=loaded,
        anchors=re.compile(_BEFORE + _alternation([*rules, *groups]) + _AFTER),
        rules_by_word=rules,
        groups_by_word=groups,
    )


def files() -> tuple[LexiconFile, ...]:
    """Every packaged lexicon file, parsed (for documentation and tests)."""
    return _index().files


@functools.lru_cache(maxsize=256)
def _triggered(text: str) -> tuple[tuple[_Rule, ...], tuple[_GroupWords, ...]]:
    """Rules and group words worth trying on ``text`` (cached: rules and mentions both ask)."""
    index = _index()
    rules: dict[_Rule, None] = {}
    groups: dict[_GroupWords, None] = {}
    for m in index.anchors.finditer(text):
        word = " ".join(m.group().split())
        rules.update(dict.fromkeys(index.rules_by_word.get(word, ())))
        groups.update(dict.fromkeys(index.groups_by_word.get(word, ())))
    return tuple(rules), tuple(groups)


def find(text: str) -> Iterator[Finding]:
    """Every rule and slur finding in NORMALISED ``text``."""
    rules, groups = _triggered(text)
    for rule in rules:
        for m in compiled(rule.pattern).finditer(text):
            yield Finding(rule.rule, rule.evidence, m.start(), m.end())
    for g in groups:
        if g.slur:
            for m in compiled(g.pattern).finditer(text):
                yield Finding("identity:slur", (("identity_attack", 0.85),), m.start(), m.end())


def mentions(norm: Normalized) -> list[Mention]:
    """Group words of every file in ``norm``, as mentions that targets may be chosen from."""
    _, groups = _triggered(norm.text)
    out: list[Mention] = []
    for g in groups:
        for m in compiled(g.pattern).finditer(norm.text):
            s, e = norm.to_original(*m.span())
            out.append(Mention(g.group, g.category, s, e, norm.original[s:e], g.slur, "people"))
    # Languages share words (Russian and Ukrainian "жид"): one mention per group and place.
    unique = {(m.group, m.start, m.end): m for m in sorted(out, key=lambda x: x.slur)}
    return sorted(unique.values(), key=lambda x: (x.start, x.end))
