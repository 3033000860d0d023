"""The native API's request and response bodies, as pydantic models.

Requests are validated by them (a 400 names the field). Responses are the JSON the store's
records already shape (``to_dict``); these models describe it in ``/openapi.json`` and check
it on the way out. They forbid extra keys, so a key added to a record without its model is a
failing test rather than an undocumented field, and routes answer with
``response_model_exclude_unset``, so a key a record leaves out stays out.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from civility.records import Action, invalid_unicode
from civility.server.inputs import BodyId, UtcDateTime


def _valid_unicode(value: Any) -> Any:
    problem = invalid_unicode(value) if isinstance(value, str) else None
    if problem:
        raise PydanticCustomError("invalid_unicode", "{problem}", {"problem": problem})
    return value


#: Text we store or score: a lone surrogate ("\ud800" in JSON) is a 400 here, not a crash in
#: the tokenizer or the database driver.
Text = Annotated[str, BeforeValidator(_valid_unicode)]
_Id = Annotated[Text, Field(min_length=1, max_length=255)]
#: A time in a response: ISO 8601, as the store writes it.
Time = Annotated[str, Field(description="ISO 8601 date and time")]


# --------------------------------------------------------------------------- requests


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: _Id
    title: Text | None = Field(None, max_length=1000)
    url: Text | None = Field(None, max_length=2000)
    text: Text | None = Field(None, max_length=500_000,
                              description="Article text: context for off-topic scoring.")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: _Id | None = Field(None, description="Your id for the comment; sending it again is a "
                                             "no-op that returns the stored result.")
    text: Text = Field(min_length=1)
    author: Text | None = Field(None, max_length=255)
    created_at: UtcDateTime | None = None


class SubmitRequest(BaseModel):
    """One comment (``text`` at the top level) or many (``comments``), with an article."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id": "c-1001", "text": "Great reporting, thanks.", "article_id": "a-42"},
        {"article": {"id": "a-42", "title": "Council votes on housing", "text": "..."},
         "comments": [{"id": "c-1", "text": "..."}, {"id": "c-2", "text": "..."}]},
    ]})
    comments: list[CommentIn] | None = None
    id: _Id | None = None
    text: Text | None = Field(None, min_length=1)
    author: Text | None = Field(None, max_length=255)
    created_at: UtcDateTime | None = None
    article_id: _Id | None = None
    article: ArticleIn | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> SubmitRequest:
        if (self.comments is None) == (self.text is None):
            raise ValueError("send either 'text' (one comment) or 'comments' (a list), not both")
        if self.comments is not None and not self.comments:
            raise ValueError("'comments' is empty")
        if self.comments is not None and any(v is not None for v in (self.id, self.author,
                                                                     self.created_at)):
            raise ValueError("'id', 'author', 'created_at' belong inside each of 'comments'")
        if self.article and self.article_id and self.article.id != self.article_id:
            raise ValueError("'article_id' and 'article.id' differ")
        return self


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Action
    reason: Text = Field("", max_length=2000)


class BulkDecisionIn(DecisionIn):
    ids: list[BodyId] = Field(min_length=1, max_length=1000,
                              description="Internal comment ids (``internal_id``).")


class ArticleUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Text | None = Field(None, max_length=1000)
    url: Text | None = Field(None, max_length=2000)
    text: Text | None = Field(None, max_length=500_000)


# --------------------------------------------------------------------------- responses


class Out(BaseModel):
    """A response body: exactly the keys the route returns (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")


def answers(model: Any) -> dict[str, Any]:
    """A route's ``response_model`` keyword arguments: documented and checked, and a key the
    returned dict leaves out stays out (no ``null`` for an optional key)."""
    return {"response_model": model, "response_model_exclude_unset": True}


class TargetOut(Out):
    group: str
    category: str
    mention: str
    start: int
    end: int


class SpanOut(Out):
    start: int = Field(description="Character offset into the comment's text")
    end: int
    attribute: str
    text: str
    score: float


class VerdictOut(Out):
    """``Verdict.to_dict()``: the pipeline's answer for one comment (also ``civility score``'s
    output line). ``language`` and ``model_version`` are left out when unknown."""

    id: str
    attributes: dict[str, float] = Field(description="Attribute -> score in [0, 1]")
    targets: list[TargetOut]
    spans: list[SpanOut]
    decision: Action | None
    reasons: list[str]
    language: str | None = None
    model_version: str | None = None


class SubmitResult(Out):
    """One submitted comment's result: its verdict (fresh, or the stored one for a
    duplicate), its current ``status``, ``duplicate`` and the article it was filed under.
    A duplicate whose row has gone answers only ``id``, ``duplicate`` and ``article_id``."""

    id: str
    attributes: dict[str, float] | None = None
    targets: list[TargetOut] | None = None
    spans: list[SpanOut] | None = None
    decision: Action | None = None
    reasons: list[str] | None = None
    language: str | None = None
    model_version: str | None = None
    status: str | None = Field(None, description="pending, publish, review, reject or failed")
    duplicate: bool
    article_id: str | None


class SubmitResults(Out):
    results: list[SubmitResult]


class ArticleRef(Out):
    id: str | None
    title: str | None


class DecisionOut(Out):
    id: int
    source: str = Field(description="model or human")
    action: str
    reason: str
    actor: str
    created_at: Time


class CommentRef(Out):
    id: str | None
    internal_id: int


class SuggestedScoreOut(Out):
    attribute: str
    name: str = Field(description="The attribute as the client named it")
    value: float
    start: int | None = None
    end: int | None = None


class FeedbackOut(Out):
    """A client's ``comments:suggestscore``: what it says the comment deserved."""

    id: int
    comment: CommentRef | None
    client_token: str | None
    community_id: str | None
    session_id: str | None
    text: str
    scores: list[SuggestedScoreOut]
    languages: list[str]
    context: dict[str, Any] | None
    actor: str
    created_at: Time


class QueuedComment(Out):
    """A stored comment with its current scores (``q.QueueItem.to_dict()``)."""

    id: str
    internal_id: int
    text: str
    author: str | None
    created_at: Time
    status: str
    article: ArticleRef | None
    attributes: dict[str, float]
    targets: list[TargetOut]
    spans: list[SpanOut]
    model_decision: str | None
    reasons: list[str]
    model_version: str | None
    language: str | None


class StoredComment(QueuedComment):
    """A stored comment with every decision so far (``q.CommentDetail.to_dict()``)."""

    decisions: list[DecisionOut]
    scoring_error: str | None
    origin: str = Field(description="api, perspective, openai or coral")
    queued: bool
    feedback: list[FeedbackOut]


class QueuePage(Out):
    items: list[QueuedComment]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class Decided(Out):
    decision: DecisionOut
    comment: StoredComment


class BulkDecisionOut(Out):
    id: int
    comment_id: int
    action: str
    actor: str
    created_at: Time


class BulkDecided(Out):
    decisions: list[BulkDecisionOut]


class ArticleOut(Out):
    id: str
    title: str | None
    url: str | None
    created_at: Time


class ArticleSummary(Out):
    id: str
    internal_id: int
    title: str | None
    comments: int
    held: int
    rejected: int
    published: int
    last_comment_at: Time | None


class ArticleList(Out):
    items: list[ArticleSummary]


class ThreadArticle(Out):
    id: str
    title: str | None
    url: str | None


class AttributeSummary(Out):
    mean: float
    max: float
    flagged: int = Field(description="Comments at or above the threshold")
    histogram: list[int] = Field(description="Counts in ten equal bins over [0, 1]")


class GroupOut(Out):
    group: str
    category: str
    comments: int


class ThreadReport(Out):
    article: ThreadArticle
    comments: int
    scored: int
    counts: dict[str, int] = Field(description="Comments by status")
    attributes: dict[str, AttributeSummary]
    targeted_groups: list[GroupOut]


class DayOut(Out):
    day: str = Field(description="ISO 8601 date")
    source: str
    action: str
    count: int


class BusyArticle(Out):
    id: str
    title: str | None
    comments: int
    held: int
    rejected: int


class Stats(Out):
    counts: dict[str, int] = Field(description="Comments by status")
    decisions_per_day: list[DayOut]
    flagged_attributes: dict[str, int]
    attribute_distribution: dict[str, list[int]]
    top_targeted_groups: list[GroupOut]
    busiest_articles: list[BusyArticle]


class AuditEntryOut(Out):
    id: int
    at: Time
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]


class AuditPage(Out):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class FeedbackPage(Out):
    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int
