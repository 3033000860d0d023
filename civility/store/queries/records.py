"""Plain frozen records the store hands out (detached from the session), the status and
action vocabularies, and their JSON shapes for the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from civility.records import ACTIONS, Span, Target, Verdict, rounded_scores

#: ``failed``: the model could not score the comment after every retry (see claim_pending).
STATUSES = ("pending", *ACTIONS, "failed")


class NotFound(LookupError):
    """The comment, article or site does not exist."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: int
    comment_id: int
    source: str
    action: str
    reason: str
    actor: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """One decision as the API shows it, in a comment's history and as a decision's answer."""
        return {"id": self.id, "source": self.source, "action": self.action,
                "reason": self.reason, "actor": self.actor,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True, slots=True)
class ScoringInfo:
    model_version: str
    decision: str
    reasons: tuple[str, ...]
    attributes: dict[str, float]
    spans: tuple[Span, ...]
    targets: tuple[Target, ...]
    created_at: datetime | None = None
    language: str = ""


_EMPTY_SCORING = ScoringInfo("", "", (), {}, (), ())


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    external_id: str
    text: str
    author: str | None
    created_at: datetime
    status: str
    article_id: int | None
    article_external_id: str | None
    article_title: str | None
    attributes: dict[str, float]
    spans: tuple[Span, ...]
    targets: tuple[Target, ...]
    reasons: tuple[str, ...]
    model_decision: str
    model_version: str
    language: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _comment_dict(self)

    def as_verdict(self) -> Verdict:
        """The stored scoring as the pipeline's record (``decision`` is "" when unscored), so
        it serialises the way a fresh verdict does (:meth:`Verdict.to_dict`)."""
        return Verdict(self.external_id, self.text, self.attributes, self.targets, self.spans,
                       self.model_decision,  # type: ignore[arg-type]  # "" when unscored
                       self.reasons, self.model_version, self.language)


@dataclass(frozen=True, slots=True)
class CommentDetail(QueueItem):
    decisions: tuple[DecisionRecord, ...] = ()
    article_text: str | None = None
    site_id: int = 1
    #: Why scoring failed (status ``failed``, or ``pending`` awaiting a retry); "" otherwise.
    scoring_error: str = ""
    #: How it arrived (api, perspective, openai, coral); ``queued``: held ones join the queue.
    origin: str = "api"
    queued: bool = True
    #: Clients' score suggestions (Perspective ``comments:suggestscore``), oldest first.
    feedback: tuple[Feedback, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = _comment_dict(self)
        out["decisions"] = [d.to_dict() for d in self.decisions]
        out["scoring_error"] = self.scoring_error or None
        out["origin"] = self.origin
        out["queued"] = self.queued
        out["feedback"] = [f.to_dict() for f in self.feedback]
        return out


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: tuple[QueueItem, ...]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    #: The site the entry is about (None: moderator accounts).
    site_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: tuple[AuditEntry, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    source: str
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class GroupCount:
    group: str
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class ArticleStats:
    article_id: int
    external_id: str
    title: str | None
    comments: int
    held: int
    rejected: int
    published: int
    last_comment_at: datetime | None


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    id: int
    external_id: str
    title: str | None
    url: str | None
    text: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ThreadComment:
    id: int
    external_id: str
    author: str | None
    text: str
    created_at: datetime
    status: str
    attributes: dict[str, float]
    spans: tuple[Span, ...]
    targets: tuple[Target, ...]
    reasons: tuple[str, ...] = ()
    model_decision: str = ""


@dataclass(frozen=True, slots=True)
class Thread:
    article: ArticleInfo
    comments: tuple[ThreadComment, ...]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewComment:
    """A comment as submitted: the publisher's id, text, optional author and time."""

    external_id: str
    text: str
    author: str | None = None
    created_at: datetime | None = None
    #: How it arrived (api, perspective, openai, coral) and whether it may join the queue.
    origin: str = "api"
    queued: bool = True


@dataclass(frozen=True, slots=True)
class PendingComment:
    """A comment the pending sweep claimed for another scoring attempt."""

    id: int
    external_id: str
    text: str
    author: str | None
    article_text: str | None
    attempt: int
    #: Its site, whose policy decides it.
    site_id: int | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A stored comment: ``created`` is False when the external id was already known."""

    id: int
    external_id: str
    created: bool
    status: str


def _as_utc(value: Any) -> datetime | None:
    """A datetime from an aggregate (SQLite returns max() of a datetime column as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _comment_dict(item: QueueItem) -> dict[str, Any]:
    return {
        "id": item.external_id, "internal_id": item.id, "text": item.text, "author": item.author,
        "created_at": item.created_at.isoformat(), "status": item.status,
        "article": None if item.article_id is None else {
            "id": item.article_external_id, "title": item.article_title},
        "attributes": rounded_scores(item.attributes),
        "targets": [t.to_dict() for t in item.targets],
        "spans": [s.to_dict() for s in item.spans],
        "model_decision": item.model_decision or None, "reasons": list(item.reasons),
        "model_version": item.model_version or None,
        "language": item.language or None,
    }


# --------------------------------------------------------------------------- client feedback


@dataclass(frozen=True, slots=True)
class SuggestedValue:
    """One suggested score: the whole comment's (``start`` None) or a span's (characters)."""

    attribute: str
    name: str
    value: float
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    """A client's verdict on a comment, as scores (Perspective's ``comments:suggestscore``)."""

    id: int
    site_id: int
    comment_id: int | None
    comment_external_id: str | None
    client_token: str | None
    community_id: str | None
    session_id: str | None
    text: str
    scores: tuple[SuggestedValue, ...]
    languages: tuple[str, ...]
    context: dict[str, Any]
    actor: str
    created_at: datetime

    @property
    def summary(self) -> dict[str, float]:
        """Whole-comment scores by our attribute name."""
        return {s.attribute: s.value for s in self.scores if s.start is None}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "comment": None if self.comment_id is None else {
                    "id": self.comment_external_id, "internal_id": self.comment_id},
                "client_token": self.client_token, "community_id": self.community_id,
                "session_id": self.session_id, "text": self.text,
                "scores": [{"attribute": s.attribute, "name": s.name, "value": s.value,
                            **({} if s.start is None else {"start": s.start, "end": s.end})}
                           for s in self.scores],
                "languages": list(self.languages), "context": self.context, "actor": self.actor,
                "created_at": self.created_at.isoformat()}
