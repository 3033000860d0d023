"""The functional suite's cases: read from ``cases/*.toml`` and expanded, once.

Families are data so that adding a case is editing a list of sentences, and so
that no code path can quietly generate training text from a held-out family:
this module is the only reader, and :func:`trainable_cases` the only door out
for training code.
"""

from __future__ import annotations

import itertools
import random
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any, Literal, cast

Expect = Literal["publish", "hold", "review", "not_reject"]
Row = Mapping[str, str | None]

#: Which decisions satisfy each expectation.
ALLOWED: Mapping[Expect, frozenset[str]] = {
    "publish": frozenset({"publish"}),
    "hold": frozenset({"review", "reject"}),
    "review": frozenset({"review"}),
    "not_reject": frozenset({"publish", "review"}),
}

CASES_DIR = Path(__file__).with_name("cases")
#: The data files, in the order their functionalities are reported.
SECTIONS = (
    "derogation", "dehumanisation", "threats", "slurs_and_swearing", "disguised_spellings",
    "look_alikes", "other_harms", "self_harm", "languages",
)


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
    rows: tuple[Row, ...] = ({},)
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


# --------------------------------------------------------------------------- reading the data

_REF = re.compile(r"^(?P<name>[A-Z_]+)(?:\[(?P<start>\d*)(?P<colon>:)?(?P<stop>\d*)\])?$")


def _resolve(ref: str, named: Mapping[str, tuple[Row, ...]]) -> tuple[Row, ...]:
    """``NAME``, ``NAME[i]`` or ``NAME[i:j]`` (either end optional) from the filler sets."""
    m = _REF.match(ref)
    if m is None or m["name"] not in named:
        raise ValueError(f"unknown row set {ref!r} in the functional suite's data")
    rows = named[m["name"]]
    if m["start"] is None:
        return rows
    start = int(m["start"]) if m["start"] else 0
    if not m["colon"]:
        return (rows[start],)
    return rows[start:int(m["stop"]) if m["stop"] else None]


def _pairs(rows: Sequence[Row]) -> tuple[Row, ...]:
    """Ordered pairs of different countries: ``actor`` acts on ``country``."""
    return tuple(
        {**b, "actor": a["country"], "actor_group": a["group"], "country2": a["country"],
         "city2": a["city"]}
        for a, b in itertools.permutations(rows, 2)
    )


def _fillers(data: Mapping[str, Any]) -> tuple[dict[str, tuple[Row, ...]], dict[str, str]]:
    """Named row sets (literal rows, unions of other sets, or pairs of one) and the articles."""
    named: dict[str, tuple[Row, ...]] = {}
    for name, value in data.items():
        if name == "ARTICLES":
            continue
        if isinstance(value, Mapping):
            named[name] = _pairs(_resolve(value["pairs"], named))
        else:
            named[name] = tuple(
                r for item in value
                for r in (_resolve(item, named) if isinstance(item, str) else (item,))
            )
    return named, dict(data["ARTICLES"])


def _rows(spec: Mapping[str, Any], named: Mapping[str, tuple[Row, ...]]) -> tuple[Row, ...]:
    if "rows" not in spec:
        return ({},)
    rows = tuple(
        r for item in spec["rows"]
        for r in (_resolve(item, named) if isinstance(item, str) else (item,))
    )
    if need := spec.get("require"):
        rows = tuple(r for r in rows if r.get(need))
    return rows


def _family(spec: Mapping[str, Any], named: Mapping[str, tuple[Row, ...]],
            articles: Mapping[str, str]) -> Family:
    return Family(
        id=spec["id"],
        templates=tuple(spec["templates"]),
        rows=_rows(spec, named),
        held_out=spec.get("held_out", False),
        limit=spec.get("limit", 24),
        expect=spec.get("expect"),
        attribute=spec.get("attribute"),
        with_target=spec.get("with_target", True),
        article=articles[spec["article"]] if "article" in spec else None,
    )


def _derogation(spec: Mapping[str, Any], shared: Mapping[str, Any],
                named: Mapping[str, tuple[Row, ...]]) -> tuple[Family, ...]:
    """The four families every derogation functionality has: three shared, one its own."""
    kind, rows = spec["kind"], _rows(spec, named)
    parts = (
        ("character", shared["character"]["templates"], shared["character"]),
        ("one_of_them", shared["one_of_them"]["templates"], shared["one_of_them"]),
        ("specific", spec["specific"], {"limit": 14}),
        ("comment_register",
         [*shared["comment_register"]["templates"], *spec["held"]], shared["comment_register"]),
    )
    return tuple(
        Family(f"derog_{kind}/{part}", tuple(templates), rows,
               held_out=opts.get("held_out", False), limit=opts["limit"])
        for part, templates, opts in parts
    )


@cache
def _load() -> tuple[Functionality, ...]:
    with (CASES_DIR / "fillers.toml").open("rb") as fh:
        named, articles = _fillers(tomllib.load(fh))
    out: list[Functionality] = []
    for section in SECTIONS:
        with (CASES_DIR / f"{section}.toml").open("rb") as fh:
            data = tomllib.load(fh)
        for spec in data["functionality"]:
            families = (
                _derogation(spec["derogation"], data["shared"], named)
                if "derogation" in spec else ()
            ) + tuple(_family(f, named, articles) for f in spec.get("family", ()))
            out.append(Functionality(
                name=spec["name"],
                description=spec["description"],
                expect=cast(Expect, spec["expect"]),
                families=families,
                attribute=spec.get("attribute"),
                articles=tuple(articles[a] for a in spec.get("articles", ())),
            ))
    return tuple(out)


FUNCTIONALITIES: tuple[Functionality, ...] = _load()


# --------------------------------------------------------------------------- expansion

_FORMATTER = Formatter()


def _fill(template: str, row: Row) -> str | None:
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
        picked: dict[str, Row] = {}
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


def held_out_cases() -> tuple[Case, ...]:
    """Cases of held-out families: for measuring, never for training or tuning rules."""
    return tuple(c for c in suite() if c.held_out)


def held_out_texts() -> frozenset[str]:
    """Texts of held-out families, for training code to assert it never sees them."""
    return frozenset(c.text for c in held_out_cases())


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
