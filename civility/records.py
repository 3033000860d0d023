"""Plain data that flows between the pipeline's stages.

Every stage is a function from these records to these records, so each can be
tested, cached or swapped without the others noticing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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

#: The longest comment text Civility scores, in characters, everywhere (``civility score``, the
#: API): longer texts are refused with this number rather than silently truncated.
MAX_TEXT_CHARS = 50_000

#: Attributes learned by the neural model (the rest come from rules and context).
MODEL_ATTRIBUTES: tuple[str, ...] = ATTRIBUTES[:8]
#: ISO 639-2's "undetermined": the comment is too short or mixed to name its language.
UNDETERMINED_LANGUAGE = "und"

Action = Literal["publish", "review", "reject"]
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


@dataclass(frozen=True, slots=True)
class Target:
    """A group attacked or threatened by a comment (not merely mentioned)."""

    group: str
    category: str
    mention: str
    start: int
    end: int


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

    def to_dict(self, *, include_text: bool = False) -> dict[str, Any]:
        """The stable JSON contract of ``civility score`` (one output line)."""
        out: dict[str, Any] = {"id": self.id}
        if include_text:
            out["text"] = self.text
        out["attributes"] = {k: round(v, 4) for k, v in self.attributes.items()}
        out["targets"] = [
            {"group": t.group, "category": t.category, "mention": t.mention,
             "start": t.start, "end": t.end}
            for t in self.targets
        ]
        out["spans"] = [
            {"start": s.start, "end": s.end, "attribute": s.attribute, "text": s.text,
             "score": round(s.score, 4)}
            for s in self.spans
        ]
        out["decision"] = self.decision
        out["reasons"] = list(self.reasons)
        if self.language:
            out["language"] = self.language
        if self.model_version:
            out["model_version"] = self.model_version
        return out


@dataclass(slots=True)
class ModelOutput:
    """Raw output of the neural scorer for one text (before rules and policy)."""

    scores: dict[str, float]
    token_offsets: list[tuple[int, int]] = field(default_factory=list)
    token_scores: list[float] = field(default_factory=list)
    #: Unit-length pooled embedding of the first window (numpy float32), when the
    #: transformer read that window.
    embedding: Any = None

