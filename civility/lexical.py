"""Lexical evidence: rules that see what the neural model misses.

The model is weak exactly where rules are strong: rare words, leetspeak and
masked swearing, and threats or dehumanisation aimed at nationalities and
countries ("nuke 'em", "time for russia to missile azerbaijan", "turds are
dogs"). Each rule yields :class:`Evidence` with a span in the ORIGINAL text so
that moderators see why, and a probability saying how strongly that evidence
alone implies the attribute; combining it with the model is ``score``'s job.

Word lists and regexes live in ``civility/data/lexicon.toml``; group words
(demonyms, religions, slurs) come from ``civility/data/groups.json``, the group
lexicon shared with ``civility.groups``, so no slur list is duplicated here.
Rules run on ``Normalized.text`` (the normaliser has already undone leetspeak,
homoglyphs and stretching); spam rules on URLs and phone numbers read the
original text, which the normaliser would mangle.

Hostile words are not always hostile: "I don't hate Muslims", a slur quoted in order to
condemn it, a news report of a chant, a speaker reclaiming their own group's slur. Evidence
found in such a context is kept (moderators still see it) but weakened, and marked with the
context in ``Evidence.mitigated``; :func:`mitigations` lists the contexts of a comment so that
``civility.fuse`` can weaken the model's scores the same way.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from civility import lexicons
from civility.groups import (
    INSTITUTION,
    GroupTerm,
    group_terms,
    mention_spans,
    self_reference,
    trie_regex,
)
from civility.normalize import MASK, Normalized, masked_match, normalize
from civility.records import ATTRIBUTES

__all__ = ["Evidence", "Mitigation", "analyse", "detect", "find_links", "macro", "mitigations"]

#: Attributes whose evidence a mitigating context weakens (profanity stays profanity).
HOSTILE = frozenset({"identity_attack", "threat", "dehumanization", "insult"})
#: How much of its strength hostile evidence keeps in each mitigating context.
_KEEP = {"negation": 0.15, "counter-speech": 0.15, "report": 0.15, "in-group": 0.15}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of rule-based evidence for ``attribute``, located in the original text."""

    attribute: str
    prob: float
    start: int
    end: int
    text: str
    rule: str
    #: The context that weakened this evidence ("negation", "counter-speech", "report",
    #: "in-group"), or "" when none did.
    mitigated: str = ""


@dataclass(frozen=True, slots=True)
class Mitigation:
    """A context in which hostile-looking words are not hostile, located in the original text.

    ``kind`` is one of "negation", "support", "counter-speech", "report", "in-group"
    (see ``[[mitigations]]`` in ``civility/data/lexicon.toml``).
    """

    kind: str
    start: int
    end: int
    text: str
    #: The cue denies the hostile words themselves ("X are not vermin"), see ``[[mitigations]]``.
    firm: bool = False


# --- loading -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Term:
    attribute: str
    rule: str
    prob: float
    aimed_prob: float | None
    except_next: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Pattern:
    attribute: str
    rule: str
    prob: float
    people_prob: float | None
    group_prob: float | None
    needs_people: bool
    needs_group: bool
    #: The regex, compiled when a comment first gets past :meth:`worth_trying`: most patterns
    #: are large and gated by keywords, and compiling all of them cost seconds at start-up.
    source: str
    #: The regex is only tried when the text has one of these words or symbols (none: always).
    keywords: frozenset[str] = frozenset()
    symbols: tuple[str, ...] = ()
    #: For ``[[mitigations]]`` cues (which reuse this record, ``rule`` being the kind): the cue
    #: denies the hostile words themselves.
    firm: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        return lexicons.compiled(self.source)

    def worth_trying(self, ctx: _Ctx) -> bool:
        if self.needs_group and not ctx.group_spans:
            return False
        if not (self.keywords or self.symbols):
            return True
        return not self.keywords.isdisjoint(ctx.words) or any(s in ctx.text for s in self.symbols)


@dataclass(frozen=True, slots=True)
class _Lexicon:
    words: dict[str, tuple[_Term, ...]]
    by_length: dict[int, tuple[str, ...]]
    prefixes: tuple[tuple[str, _Term], ...]
    infixes: tuple[tuple[str, _Term], ...]
    prefix_stems: tuple[str, ...]
    infix_stems: tuple[str, ...]
    patterns: tuple[_Pattern, ...]
    groups: dict[str, GroupTerm]
    group_regex: re.Pattern[str]
    masked_slurs: dict[int, tuple[str, ...]]
    pronouns: frozenset[str]
    people_nouns: frozenset[str]
    not_people: frozenset[str]
    spam: dict[str, float]
    promo: re.Pattern[str]
    macros: dict[str, str]
    mitigations: tuple[_Pattern, ...]
    frames: re.Pattern[str]
    condemn: re.Pattern[str]
    report: re.Pattern[str]
    endorse: re.Pattern[str]


_BRACES = re.compile(r"^([^{}]*)\{([^{}]*)\}$")


def _expand(word: str) -> list[str]:
    """``"fuck{,s,ed}"`` -> ``["fuck", "fucks", "fucked"]``, each normalised like comment text."""
    m = _BRACES.match(word)
    forms = [m.group(1) + s for s in m.group(2).split(",")] if m else [word]
    return [normalize(f).text for f in forms]


@functools.cache
def _lexicon() -> _Lexicon:
    path = resources.files("civility.data").joinpath("lexicon.toml")
    raw = tomllib.loads(path.read_text("utf-8"))
    words: dict[str, list[_Term]] = {}
    prefixes: list[tuple[str, _Term]] = []
    infixes: list[tuple[str, _Term]] = []
    for entry in raw.get("terms", []):
        term = _Term(entry["attribute"], entry["rule"], float(entry["prob"]),
                     entry.get("aimed_prob"), frozenset(entry.get("except_next", ())))
        for w in entry.get("words", []):
            for form in _expand(w):
                words.setdefault(form, []).append(term)
        prefixes += [(p, term) for p in entry.get("prefix", [])]
        infixes += [(p, term) for p in entry.get("infix", [])]
    by_length: dict[int, list[str]] = {}
    for w in words:
        by_length.setdefault(len(w), []).append(w)

    groups = group_terms()
    people = [t for t, g in groups.items() if g.kind in ("people", "adjective") and not g.ambiguous]
    places = [t for t, g in groups.items() if g.kind == "country" and not g.ambiguous]
    macros: dict[str, str] = dict(raw.get("macros", {}))
    macros["GROUP"] = "(?:" + trie_regex(people) + ")"
    macros["PLACE"] = "(?:" + trie_regex(places) + ")"

    def expand(rx: str) -> str:
        for _ in range(4):  # macros may use macros
            rx = re.sub(r"%([A-Z_]+)%", lambda m: macros[m.group(1)], rx)
        return rx

    patterns = tuple(
        _Pattern(p["attribute"], p["rule"], float(p["prob"]), p.get("people_prob"),
                 p.get("group_prob"), bool(p.get("needs_people", False)),
                 bool(p.get("needs_group", False)), expand(p["regex"]),
                 *_keywords(p))
        for p in raw.get("patterns", [])
    )
    context = raw.get("context", {})
    masked_slurs: dict[int, list[str]] = {}
    for t, g in groups.items():
        if g.slur and not g.ambiguous and " " not in t:
            masked_slurs.setdefault(len(t), []).append(t)
    spam = raw.get("spam", {})
    pw = raw.get("people_words", {})
    return _Lexicon(
        words={k: tuple(v) for k, v in words.items()},
        by_length={k: tuple(v) for k, v in by_length.items()},
        prefixes=tuple(prefixes),
        infixes=tuple(infixes),
        prefix_stems=tuple(p for p, _ in prefixes),
        infix_stems=tuple(p for p, _ in infixes),
        patterns=patterns,
        groups=groups,
        group_regex=re.compile(r"(?<![\w*])(?:" + trie_regex(groups) + r")(?![\w*])"),
        masked_slurs={k: tuple(v) for k, v in masked_slurs.items()},
        pronouns=frozenset(pw.get("pronouns", ())),
        people_nouns=frozenset(pw.get("nouns", ())),
        not_people=frozenset(pw.get("not_people", ())),
        spam={k: float(v) for k, v in spam.items() if isinstance(v, int | float)},
        promo=re.compile(r"(?<![\w*])(?:" + "|".join(spam.get("promo", [])) + r")"),
        macros={name: expand(rx) for name, rx in macros.items()},
        mitigations=tuple(
            _Pattern("mitigation", m["kind"], 0.0, None, None, False,
                     bool(m.get("needs_group", False)), expand(m["regex"]),
                     *_keywords(m), firm=bool(m.get("firm", False)))
            for m in raw.get("mitigations", [])
        ),
        frames=re.compile(expand(context.get("frames", "(?!)"))),
        condemn=re.compile(expand(context.get("condemn", "(?!)"))),
        report=re.compile(expand(context.get("report", "(?!)"))),
        endorse=re.compile(expand(context.get("endorse", "(?!)"))),
    )


def _keywords(entry: dict[str, Any]) -> tuple[frozenset[str], tuple[str, ...]]:
    words = entry.get("keywords", ())
    return (frozenset(w for w in words if w.isalpha()),
            tuple(w for w in words if not w.isalpha()))


def macro(name: str) -> str:
    """The regex of one ``[macros]`` entry of the lexicon, expanded (e.g. ``"ASSAULT"``)."""
    return _lexicon().macros[name]


# --- helpers ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z](?:[a-z*]*[a-z])?")
_CLAUSE_END = re.compile(r"[.!?;:\n\"()]")
_SECOND_PERSON = frozenset({"you", "u", "ya", "your", "ur", "youre", "yall", "ye", "yourself"})
_DEMONSTRATIVE = frozenset({
    "this", "that", "these", "those", "such", "what", "he", "she", "they", "him", "her", "them",
    "bunch", "total", "complete", "utter", "absolute", "real", "like", "all", "pack",
})


class _Ctx:
    """Per-comment state shared by the rules: tokens and group mentions, computed once."""

    __slots__ = ("_people", "_quotes", "group_spans", "lex", "norm", "text", "tokens", "words")

    def __init__(self, norm: Normalized, lex: _Lexicon) -> None:
        self.norm = norm
        self.text = norm.text
        self.lex = lex
        self.tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(self.text)]
        self.words = frozenset(t[2] for t in self.tokens)
        self.group_spans = [(m.start(), m.end(), m.group())
                            for m in lex.group_regex.finditer(self.text)]
        self._people: list[tuple[int, int]] | None = None
        self._quotes: list[tuple[int, int]] | None = None

    @property
    def people(self) -> list[tuple[int, int]]:
        """Normalised spans of mentions that name a people (resolved by civility.groups:
        "french fries" and "the russian government" are not among them)."""
        if self._people is None:
            self._people = [(s, e) for s, e, m in mention_spans(self.norm)
                            if m.kind == "people" and not INSTITUTION.match(self.text, e)]
        return self._people

    @property
    def quotes(self) -> list[tuple[int, int]]:
        """Normalised spans of text between double quotation marks."""
        if self._quotes is None:
            self._quotes = [m.span(1) for rx in (_QUOTED, _SINGLE_QUOTED)
                            for m in rx.finditer(self.text)]
        return self._quotes

    def evidence(self, attribute: str, prob: float, start: int, end: int, rule: str) -> Evidence:
        mitigated = ""
        if attribute in HOSTILE:
            mitigated = _mitigating_context(self, start, end, rule)
            if mitigated:
                prob *= _KEEP[mitigated]
        s, e = self.norm.to_original(start, end)
        return Evidence(attribute, round(min(max(prob, 0.0), 1.0), 4), s, e,
                        self.norm.original[s:e], rule, mitigated)

    def clause_start(self, pos: int) -> int:
        """Start of the clause containing ``pos`` (at most ~80 characters back)."""
        lo = max(0, pos - 80)
        ends = [m.end() for m in _CLAUSE_END.finditer(self.text, lo, pos)]
        return ends[-1] if ends else lo

    def subject(self, pos: int) -> tuple[str | None, int]:
        """Who the words before ``pos`` talk about: "group", "people", "plural" or None.

        Also returns where that subject starts (for the evidence span).
        """
        lo = self.clause_start(pos)
        words = [t for t in self.tokens if lo <= t[0] and t[1] <= pos]
        for s, e, _g in self.group_spans:
            if lo <= s and e <= pos:
                return "group", s
        if words and words[-1][2] in self.lex.not_people:
            return None, pos
        for s, _e, w in words:
            if w in self.lex.pronouns or w in self.lex.people_nouns:
                return "people", s
        if words:
            s, _e, w = words[-1]
            if (len(w) >= 4 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous"))
                    and w not in self.lex.not_people):
                return "plural", s
        return None, pos


# --- mitigating contexts ---------------------------------------------------------------------

_QUOTED = re.compile(r'["\u201c\u201d\u00ab\u00bb]([^"\u201c\u201d\u00ab\u00bb\n]{2,200})'
                     r'["\u201c\u201d\u00ab\u00bb]')
# 'Quoted' with single quotes: opened after a space or punctuation, closed before one, so that
# apostrophes ("it's", "azeris'") never open or close a quotation.
_SINGLE_QUOTED = re.compile(r"(?:^|(?<=[\s(\[:;,]))'([^'\n]{2,200}?)'(?=[\s.,;:!?)\]]|$)")
# A denial whose scope reaches the evidence: "i don't hate", "nobody should ...", "not all X ...",
# "i would never say X deserve ..." (after a verb of saying, up to three words of its subject).
_NEGATED_BEFORE = re.compile(
    r"(?:(?:\bnot|n't|\bnever|\bno one|\bnoone|\bnobody|\bnone of (?:us|you|them))\s+"
    r"(?:(?:really|ever|even|actually|personally|truly|necessarily|at all|all|i|we|you|one|"
    r"should|would|will|could|can|do|does|did|be|been|to|want to|wants to|going to|gonna|"
    r"deserves?|ought to|think|thinks|thought|believe|believed|say|said|saying|claim|claimed|"
    r"mean|meant|that|the|a|an|any|ok|okay|acceptable|right|true|fine|fair)\s+){0,4}"
    r"(?:(?:(?<=say )|(?<=said )|(?<=think )|(?<=thought )|(?<=claim )|(?<=claimed )|"
    r"(?<=agree )|(?<=saying )|(?<=believe )|(?<=believed )|(?<=suggest ))(?:that\s+)?"
    r"(?:[a-z']+\s+){0,3})?"
    # "it's nonsense that ...", "the lie that ...": the claim that follows is denied.
    r"|\b(?:nonsense|rubbish|a lie|the lie|a myth|the myth|false|untrue|absurd|ridiculous|"
    r"bollocks|garbage)\s+(?:that|to say|to claim|to think)\s+(?:[a-z']+\s+){0,2})$"
)
_CLAUSE_TURN = re.compile(r"\b(?:but|however|yet|although|though|whereas|while)\b")
# Between a frame and the words it reports: a few words of their subject ("saying that all
# kurds are ..."), never a turn to the writer's own voice ("... but they are ...").
_FRAME_GAP = re.compile(r"[\s\"'\u201c\u201d\u00ab\u00bb,:]*(?:(?!(?:but|however|yet|although|"
                        r"though|whereas|while|because|and)\b)[a-z']+[\s\"'\u201c\u201d\u00ab"
                        r"\u00bb,]+){0,4}")


def _mitigating_context(ctx: _Ctx, start: int, end: int, rule: str) -> str:
    """The context that makes hostile evidence at ``[start, end)`` not hostile, or ""."""
    text = ctx.text
    lo = ctx.clause_start(start)
    turns = [m.end() for m in _CLAUSE_TURN.finditer(text, lo, start)]
    if _NEGATED_BEFORE.search(text, turns[-1] if turns else lo, start):
        return "negation"
    if rule.startswith("identity:") and any(
        start <= s < end and self_reference(text, s) for s, _e, _t in ctx.group_spans
    ):
        return "in-group"
    quoted = any(qs <= start and end <= qe for qs, qe in ctx.quotes)
    framed = quoted or (not _CLAUSE_TURN.search(text, start, end) and any(
        _FRAME_GAP.fullmatch(text, m.end(), start)
        for m in ctx.lex.frames.finditer(text, max(0, start - 60), start)
    ))
    if not framed or ctx.lex.endorse.search(text):
        return ""

    def outside(rx: re.Pattern[str]) -> bool:
        return any(m.end() <= start or m.start() >= end for m in rx.finditer(text))

    if outside(ctx.lex.condemn):
        return "counter-speech"
    if outside(ctx.lex.report):
        return "report"
    return ""


def analyse(norm: Normalized) -> tuple[list[Evidence], list[Mitigation]]:
    """:func:`detect` and :func:`mitigations` of one comment, tokenised once."""
    ctx = _Ctx(norm, _lexicon())
    return _detect(ctx), _mitigations(ctx)


def mitigations(norm: Normalized) -> list[Mitigation]:
    """Contexts in a comment that make hostile-looking words not hostile, in text order.

    These are whole-comment cues (``[[mitigations]]`` in the lexicon, and a speaker naming
    their own group); evidence itself is weakened only when it sits in such a context's scope.
    Counter-speech and reports do not count when the comment agrees with what it quotes.
    """
    return _mitigations(_Ctx(norm, _lexicon()))


def _mitigations(ctx: _Ctx) -> list[Mitigation]:
    lex, norm, text = ctx.lex, ctx.norm, ctx.text
    endorsed = lex.endorse.search(text) is not None
    found = [(p.rule, *m.span(), p.firm) for p in lex.mitigations if p.worth_trying(ctx)
             for m in p.regex.finditer(text)
             if not (endorsed and p.rule in ("counter-speech", "report"))]
    found += [("in-group", s, e, False) for s, e, _t in ctx.group_spans
              if self_reference(text, s) and any(a == s for a, _b in ctx.people)]
    out = []
    for kind, s, e, firm in sorted(found, key=lambda f: (f[1], f[2])):
        os_, oe = norm.to_original(s, e)
        out.append(Mitigation(kind, os_, oe, norm.original[os_:oe], firm))
    return out


def _lookup(word: str, lex: _Lexicon) -> tuple[_Term, ...]:
    """Terms for a token: exact, masked (``f*ck``), or by a safe prefix/infix stem."""
    hit = lex.words.get(word)
    if hit:
        return hit
    if MASK in word:
        for cand in lex.by_length.get(len(word), ()):
            if masked_match(word, cand):
                return lex.words[cand]
        return ()
    if not word.startswith(lex.prefix_stems) and not any(s in word for s in lex.infix_stems):
        return ()
    for stem, term in lex.prefixes:
        if word.startswith(stem):
            return (term,)
    for stem, term in lex.infixes:
        if stem in word:
            return (term,)
    return ()


def _restretched(norm: Normalized, start: int, end: int) -> Iterator[str]:
    """Variants of a token with a collapsed letter run put back as a double (``as`` <- ``asss``)."""
    offs, text = norm.offsets, norm.text
    if offs[end] - offs[start] == end - start:
        return
    for i in range(start, end):
        if offs[i + 1] - offs[i] >= 3 and norm.original[offs[i]:offs[i + 1]].lower() == text[i] * (
            offs[i + 1] - offs[i]
        ):
            yield text[start:i + 1] + text[i:end]


# --- rules ---------------------------------------------------------------------------------

def _term_rules(ctx: _Ctx) -> Iterator[Evidence]:
    lex, toks = ctx.lex, ctx.tokens
    for k, (s, e, w) in enumerate(toks):
        terms = _lookup(w, lex)
        if not terms:
            for variant in _restretched(ctx.norm, s, e):
                terms = _lookup(variant, lex)
                if terms:
                    break
        if not terms:
            continue
        nxt = toks[k + 1][2] if k + 1 < len(toks) else ""
        clause = ctx.clause_start(s)
        before = {t[2] for t in toks[max(0, k - 3):k] if t[0] >= clause}
        for term in terms:
            if nxt in term.except_next:
                continue
            prob = term.prob
            if term.aimed_prob is not None:
                if before & _SECOND_PERSON:
                    prob = term.aimed_prob
                elif before & _DEMONSTRATIVE:
                    prob = term.aimed_prob - 0.1
            yield ctx.evidence(term.attribute, prob, s, e, term.rule)


def _group_term_rules(ctx: _Ctx) -> Iterator[Evidence]:
    """Slurs and derogatory group terms listed in groups.json, including masked ones."""
    for s, e, t in ctx.group_spans:
        g = ctx.lex.groups[t]
        if g.ambiguous:
            continue
        if g.slur:
            yield ctx.evidence("identity_attack", 0.85, s, e, "identity:slur")
        elif g.derogatory:
            yield ctx.evidence("identity_attack", 0.55, s, e, "identity:derogatory-term")
    for s, e, w in ctx.tokens:
        if MASK in w:
            for cand in ctx.lex.masked_slurs.get(len(w), ()):
                if masked_match(w, cand):
                    yield ctx.evidence("identity_attack", 0.8, s, e, "identity:masked-slur")
                    break


def _pattern_rules(ctx: _Ctx) -> Iterator[Evidence]:
    for p in ctx.lex.patterns:
        if not p.worth_trying(ctx):
            continue
        for m in p.regex.finditer(ctx.text):
            s, e = m.span()
            if p.needs_group and not any(s <= a and b <= e for a, b in ctx.people):
                continue
            while s < e and not ctx.text[s].isalnum() and ctx.text[s] not in "'\"":
                s += 1  # patterns may start at a clause boundary
            prob = p.prob
            subject, subj_start = (None, s)
            if p.needs_people or p.group_prob or p.people_prob:
                subject, subj_start = ctx.subject(m.start())
            if p.needs_people and subject is None:
                continue
            if subject in ("group", "people") and p.people_prob is not None:
                prob = max(prob, p.people_prob)
            if prob > 0:
                start = subj_start if p.needs_people and subject in ("group", "people") else s
                yield ctx.evidence(p.attribute, prob, min(start, s), e, p.rule)
            if p.group_prob:
                if subject == "people" and _refers_to_people(ctx, subj_start):
                    subject = "group"  # "never hire one; they are lazy": they are the people
                if subject == "group":
                    bonus = 0.1 if re.search(r"\ball\s+(?:of\s+the\s+|the\s+)?$",
                                             ctx.text[max(0, subj_start - 12):subj_start]) else 0.0
                    yield ctx.evidence("identity_attack", p.group_prob + bonus, subj_start, e,
                                       "identity:" + p.rule.split(":", 1)[-1])
                elif p.attribute == "dehumanization" and _starts_with_group(ctx, s):
                    yield ctx.evidence("identity_attack", p.group_prob, s, e,
                                       "identity:" + p.rule.split(":", 1)[-1])


_ANAPHOR = re.compile(r"(?:they|them|these|those)\b")


def _refers_to_people(ctx: _Ctx, pos: int) -> bool:
    """Whether the pronoun at ``pos`` takes up a people named just before it."""
    return bool(_ANAPHOR.match(ctx.text, pos)) and any(
        pos - 120 <= s < pos for s, _e in ctx.people
    )


def _starts_with_group(ctx: _Ctx, pos: int) -> bool:
    return any(s == pos for s, _e, _t in ctx.group_spans)


_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|info|biz|xyz|"
    r"top|io|ly|me|co|ru|shop|site|online|club|live|app|link|click|tk)\b(?:/[^\s<>\"']*)?"
)


def find_links(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a web address (``https://…``, ``www.…``, ``shop.example.com``):
    the spam rule's reading, shared with sites that hold every link for a person."""
    return [m.span() for m in _URL.finditer(text)]


_PHONE = re.compile(r"(?<![\w.,])\+?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?![\w.,]|[.,]\d)")
_CHAR_FLOOD = re.compile(r"(\S)\1{9,}")


def _spam_rules(ctx: _Ctx) -> Iterator[Evidence]:
    cfg, original = ctx.lex.spam, ctx.norm.original
    found: list[Evidence] = []
    for m in _URL.finditer(original):
        found.append(Evidence("spam", cfg.get("url_prob", 0.45), m.start(), m.end(), m.group(),
                              "spam:url"))
    for m in _PHONE.finditer(original):
        digits = sum(c.isdigit() for c in m.group())
        if 9 <= digits <= 15 and not re.fullmatch(r"\d{4}", m.group().strip()):
            found.append(Evidence("spam", cfg.get("phone_prob", 0.5), m.start(), m.end(),
                                  m.group(), "spam:phone"))
    promos = [ctx.evidence("spam", cfg.get("promo_prob", 0.7), *m.span(), "spam:promotion")
              for m in ctx.lex.promo.finditer(ctx.text)]
    found += promos
    words = [w for _s, _e, w in ctx.tokens]
    run_start, run = 0, 1
    for i in range(1, len(words) + 1):
        if i < len(words) and words[i] == words[i - 1]:
            run += 1
            continue
        if run >= 4:
            found.append(ctx.evidence("spam", cfg.get("repetition_prob", 0.6),
                                      ctx.tokens[run_start][0], ctx.tokens[i - 1][1],
                                      "spam:repetition"))
        run_start, run = i, 1
    if len(words) >= 8:
        word, count = Counter(words).most_common(1)[0]
        if count / len(words) >= 0.5 and len(word) > 2:
            found.append(ctx.evidence("spam", cfg.get("repetition_prob", 0.6), 0, len(ctx.text),
                                      "spam:repetition"))
    for m in _CHAR_FLOOD.finditer(original):
        found.append(Evidence("spam", 0.4, m.start(), m.end(), m.group(), "spam:char-flood"))
    kinds = {e.rule for e in found}
    if "spam:promotion" in kinds and kinds & {"spam:url", "spam:phone"}:
        s, e = min(x.start for x in found), max(x.end for x in found)
        found.append(Evidence("spam", cfg.get("combined_prob", 0.92), s, e, original[s:e],
                              "spam:promotion-with-contact"))
    yield from found


def _combine_sexual(found: list[Evidence], norm: Normalized) -> Iterator[Evidence]:
    """Several explicit terms together are stronger than any one ("dildos" + "in his ass")."""
    sexual = sorted((e for e in found if e.attribute == "sexually_explicit"),
                    key=lambda x: (-x.prob, x.start))
    separate: list[Evidence] = []
    for ev in sexual:  # strongest first; findings from the same trigger word count once
        if all(ev.start != o.start and ev.end != o.end for o in separate):
            separate.append(ev)
    if len(separate) < 2:
        return
    miss = 1.0
    for ev in separate[:3]:
        miss *= 1.0 - ev.prob
    top = separate[0]  # point at the strongest finding rather than a whole paragraph
    yield Evidence("sexually_explicit", round(min(0.97, 1.0 - miss), 4), top.start, top.end,
                   norm.original[top.start:top.end], "sexual:combined")


def _lexicon_file_rules(ctx: _Ctx) -> Iterator[Evidence]:
    """Self-harm phrasing and other languages' hate, from ``civility/data/lexicon/*.toml``."""
    for f in lexicons.find(ctx.text):
        for attribute, prob in f.evidence:
            yield ctx.evidence(attribute, prob, f.start, f.end, f.rule)


def detect(norm: Normalized) -> list[Evidence]:
    """All lexical evidence in one normalised comment, in text order.

    Identical (attribute, span, rule) findings are merged, keeping the strongest.
    """
    return _detect(_Ctx(norm, _lexicon()))


def _detect(ctx: _Ctx) -> list[Evidence]:
    norm = ctx.norm
    found = [*_term_rules(ctx), *_group_term_rules(ctx), *_pattern_rules(ctx), *_spam_rules(ctx),
             *_lexicon_file_rules(ctx)]
    found += _combine_sexual(found, norm)
    best: dict[tuple[str, int, int, str], Evidence] = {}
    for ev in found:
        if ev.attribute not in ATTRIBUTES or ev.end <= ev.start:
            continue
        key = (ev.attribute, ev.start, ev.end, ev.rule)
        if key not in best or ev.prob > best[key].prob:
            best[key] = ev
    return sorted(best.values(), key=lambda e: (e.start, e.end, e.attribute, e.rule))
