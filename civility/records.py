"""Plain data that flows between the pipeline's stages.

Every stage is a function from these records to these records, so each can be
tested, cached or swapped without the others noticing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

#: The attributes Civility scores, in report order.
ATTRIBUTES: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "insult",
    "profanity",
    "threat",
    "sexually_explicit",
    "dehumanization",
    "self_harm",
    "spam",
    "off_topic",
)
#: Attributes every kind of harm raises (the token head labels its spans with the specific
#: one, never these): they name a problem only when nothing more specific does.
UMBRELLA_ATTRIBUTES = frozenset({"toxicity", "severe_toxicity"})
#: Attributes that are not harm: a spam or off-topic comment can be perfectly civil.
NOT_HARM_ATTRIBUTES = frozenset({"spam", "off_topic"})
_RANK = {a: i for i, a in enumerate(ATTRIBUTES)}


def attribute_rank(name: str) -> int:
    """Where ``name`` stands in report order (:data:`ATTRIBUTES`); unknown names come last."""
    return _RANK.get(name, len(ATTRIBUTES))

#: The longest comment text Civility scores, in characters, everywhere (``civility score``, the
#: API): longer texts are refused with this number rather than silently truncated.
MAX_TEXT_CHARS = 50_000

#: Digits a score keeps in JSON (``civility score`` lines, the API, the audit log): enough to
#: tell any two thresholds apart, short enough to read.
SCORE_DIGITS = 4


def _rounded(value: float, digits: int | None) -> float:
    return value if digits is None else round(value, digits)


def rounded_scores(scores: Mapping[str, float], digits: int | None = SCORE_DIGITS
                   ) -> dict[str, float]:
    """Scores by attribute as JSON carries them (see :data:`SCORE_DIGITS`)."""
    return {k: _rounded(v, digits) for k, v in scores.items()}


#: Attributes learned by the neural model (the rest come from rules and context).
MODEL_ATTRIBUTES: tuple[str, ...] = ATTRIBUTES[:8]
#: ISO 639-2's "undetermined": the comment is too short or mixed to name its language.
UNDETERMINED_LANGUAGE = "und"

Action = Literal["publish", "review", "reject"]
#: The decisions, mildest first (so an index ranks them).
ACTIONS: tuple[Action, ...] = get_args(Action)
_ACTION_RANK = {a: i for i, a in enumerate(ACTIONS)}


def action_rank(action: str) -> int:
    """How strict a decision is (publish 0, review 1, reject 2): the strictest reason wins."""
    return _ACTION_RANK[action]


GroupCategory = Literal[
    "nationality",
    "ethnicity",
    "religion",
    "race",
    "gender",
    "sexual_orientation",
    "disability",
    "migrants",
    "age",
    "political",
]


def invalid_unicode(text: str) -> str | None:
    """Why ``text`` is not valid Unicode text, or None when it is.

    JSON can spell a lone UTF-16 surrogate (``"\\ud800"``) and Python decodes it into a str
    that no UTF-8 encoder, tokenizer or database driver accepts; callers reject such text at
    the edge with this message instead of letting it fail deep inside scoring or storage.
    """
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return (f"has a lone UTF-16 surrogate (\\u{ord(text[err.start]):04x}) at character "
                f"{err.start}, which is not valid Unicode; send UTF-8 text (a surrogate must "
                "be half of a pair)")
    return None


def invalid_unicode_in(value: Any, where: str = "") -> str | None:
    """The first string in parsed JSON (keys too) that is not valid Unicode, as ``"<path>
    <why>"`` (``comment.text has a lone ...``, ``input[1] has ...``), or None.

    For endpoints that read a JSON body by hand: one walk finds the bad text wherever it is,
    before any message could echo it back (a response cannot encode it either).
    """
    if isinstance(value, str):
        problem = invalid_unicode(value)
        return f"{where or 'the body'} {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = invalid_unicode(str(key))
            if problem:
                return f"a key in {where or 'the body'} {problem}"
            found = invalid_unicode_in(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = invalid_unicode_in(item, f"{where}[{i}]")
            if found:
                return found
    return None


@dataclass(frozen=True, slots=True)
class Comment:
    """One reader comment as it arrived."""

    id: str
    text: str
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A news page split into its parts.

    ``confidence`` says how sure the reader is about the split (1.0 for
    structured input, lower for heuristics on plain text).
    """

    article: str
    comments: tuple[Comment, ...]
    boilerplate: tuple[str, ...] = ()
    title: str | None = None
    confidence: float = 1.0
    source_format: str = "text"


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``[start, end)`` of the ORIGINAL text that drove ``attribute``."""

    start: int
    end: int
    attribute: str
    text: str
    score: float = 1.0

    def to_dict(self, *, digits: int | None = SCORE_DIGITS) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "attribute": self.attribute,
                "text": self.text, "score": _rounded(self.score, digits)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Span:
        return cls(int(d.get("start", 0)), int(d.get("end", 0)), str(d.get("attribute", "")),
                   str(d.get("text", "")), float(d.get("score", 1.0)))


@dataclass(frozen=True, slots=True)
class Target:
    """A group attacked or threatened by a comment (not merely mentioned)."""

    group: str
    category: str
    mention: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "category": self.category, "mention": self.mention,
                "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Target:
        return cls(str(d.get("group", "")), str(d.get("category", "")),
                   str(d.get("mention", "")), int(d.get("start", 0)), int(d.get("end", 0)))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything Civility concluded about one comment."""

    id: str
    text: str
    attributes: dict[str, float]
    targets: tuple[Target, ...]
    spans: tuple[Span, ...]
    decision: Action
    reasons: tuple[str, ...]
    model_version: str = ""
    #: ISO 639-1 code of the comment's language (see civility.language), "und" when it
    #: cannot be told, "" when the verdict was made without identifying it.
    language: str = ""

    def to_dict(
        self, *, include_text: bool = False, digits: int | None = SCORE_DIGITS
    ) -> dict[str, Any]:
        """The one JSON shape of a verdict: a ``civility score`` line, ``civility moderate
        --json``'s comments, the API's answer. Scores are rounded to ``digits`` (the JSON
        contract; ``None`` keeps every digit, for a lossless round trip through
        :meth:`from_dict`); ``language`` and ``model_version`` only when known.
        """
        out: dict[str, Any] = {"id": self.id}
        if include_text:
            out["text"] = self.text
        out["attributes"] = rounded_scores(self.attributes, digits)
        out["targets"] = [t.to_dict() for t in self.targets]
        out["spans"] = [s.to_dict(digits=digits) for s in self.spans]
        out["decision"] = self.decision
        out["reasons"] = list(self.reasons)
        if self.language:
            out["language"] = self.language
        if self.model_version:
            out["model_version"] = self.model_version
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        """The inverse of :meth:`to_dict`; ``text`` is ``""`` when it was not included.

        Lenient about missing keys (a scored file written by an older version still reads);
        a value of the wrong type raises ValueError, TypeError or AttributeError.
        """
        return cls(
            id=str(d.get("id", "")),
            text=str(d.get("text") or ""),
            attributes={str(k): float(v) for k, v in (d.get("attributes") or {}).items()},
            targets=tuple(Target.from_dict(t) for t in d.get("targets") or ()),
            spans=tuple(Span.from_dict(s) for s in d.get("spans") or ()),
            decision=d.get("decision", "publish"),
            reasons=tuple(str(r) for r in d.get("reasons") or ()),
            model_version=str(d.get("model_version") or ""),
            language=str(d.get("language") or ""),
        )


@dataclass(slots=True)
class ModelOutput:
    """Raw output of the neural scorer for one text (before rules and policy)."""

    scores: dict[str, float]
    token_offsets: list[tuple[int, int]] = field(default_factory=list)
    token_scores: list[float] = field(default_factory=list)
    #: Unit-length pooled embedding of the first window (numpy float32), when the
    #: transformer read that window.
    embedding: Any = None

