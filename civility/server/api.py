"""The native JSON API under ``/api/v1``: submit comments, read them, work the queue, decide,
report on threads. Scoring endpoints are ``async`` (they await the batcher); everything that
only touches the database is a plain ``def`` that FastAPI runs in its thread pool.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from civility.records import ATTRIBUTES, Comment, Verdict, invalid_unicode
from civility.server.auth import Principal
from civility.server.deps import DB, Moderating, Reader, Scorer, Submitter
from civility.server.errors import ApiError
from civility.server.inputs import MAX_OFFSET, BodyId, PathId, UtcDateTime, utc_datetime
from civility.store import queries as q

router = APIRouter(prefix="/api/v1")


def _valid_unicode(value: Any) -> Any:
    problem = invalid_unicode(value) if isinstance(value, str) else None
    if problem:
        raise PydanticCustomError("invalid_unicode", "{problem}", {"problem": problem})
    return value


#: Text we store or score: a lone surrogate ("\ud800" in JSON) is a 400 here, not a crash in
#: the tokenizer or the database driver.
_Text = Annotated[str, BeforeValidator(_valid_unicode)]
_Id = Annotated[_Text, Field(min_length=1, max_length=255)]


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: _Id
    title: _Text | None = Field(None, max_length=1000)
    url: _Text | None = Field(None, max_length=2000)
    text: _Text | None = Field(None, max_length=500_000,
                             description="Article text: context for off-topic scoring.")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: _Id | None = Field(None, description="Your id for the comment; sending it again is a "
                                             "no-op that returns the stored result.")
    text: _Text = Field(min_length=1)
    author: _Text | None = Field(None, max_length=255)
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
    text: _Text | None = Field(None, min_length=1)
    author: _Text | None = Field(None, max_length=255)
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
    action: Literal["publish", "review", "reject"]
    reason: _Text = Field("", max_length=2000)


class BulkDecisionIn(DecisionIn):
    ids: list[BodyId] = Field(min_length=1, max_length=1000,
                           description="Internal comment ids (``internal_id``).")


# --------------------------------------------------------------------------- submit


def verdict_dict(v: Verdict) -> dict[str, Any]:
    return v.to_dict()


def _stored_verdict(d: q.CommentDetail) -> dict[str, Any]:
    """A stored comment in the same shape as a fresh verdict."""
    out: dict[str, Any] = {"id": d.external_id}
    out.update({k: v for k, v in d.to_dict().items()
                if k in ("attributes", "targets", "spans", "reasons")})
    out["decision"] = d.model_decision or None
    if d.model_version:
        out["model_version"] = d.model_version
    if d.language:
        out["language"] = d.language
    return out


@router.post("/comments", tags=["comments"], summary="Submit one or many comments")
async def submit_comments(body: SubmitRequest, request: Request,
                          principal: Submitter,
                          scorer: Scorer) -> dict[str, Any]:
    """Store the comments (committed before scoring), score them and return the decisions.

    A single comment answers one result object; ``comments`` answers ``{"results": [...]}``.
    Each result is the verdict (``attributes``, ``targets``, ``spans``, ``decision``,
    ``reasons``, ``model_version``) plus ``status`` (the comment's current state, which a
    moderator may since have changed) and ``duplicate`` (the id was already known: nothing
    was re-scored; a duplicate of a comment still being scored waits for that scoring).
    """
    settings = request.app.state.settings
    single = body.comments is None
    items = ([CommentIn(id=body.id, text=body.text or "", author=body.author,
                        created_at=body.created_at)] if single else list(body.comments or []))
    if len(items) > settings.max_batch_comments:
        raise ApiError(400, f"too many comments in one request ({len(items)}); the limit is "
                            f"{settings.max_batch_comments}")
    for i, c in enumerate(items):
        if len(c.text) > settings.max_comment_chars:
            raise ApiError(400, f"comment {c.id or i} is {len(c.text)} characters; the limit is "
                                f"{settings.max_comment_chars}")
    new = [q.NewComment(c.id or f"auto-{uuid.uuid4().hex}", c.text, c.author, c.created_at)
           for c in items]
    site_id = principal.site_id or 1
    store = request.app.state.store
    article_ext = body.article.id if body.article else body.article_id

    def accept() -> tuple[list[q.Accepted], int | None, str | None]:
        with store.writing() as db:
            article_id, article_text = None, None
            if body.article is not None:
                a = body.article
                article_id = q.upsert_article(db, site_id, a.id, title=a.title, url=a.url,
                                              text=a.text)
            elif body.article_id is not None:
                info = q.article_by_external(db, site_id, body.article_id)
                article_id = (info.id if info else
                              q.upsert_article(db, site_id, body.article_id))
            if article_id is not None:
                article_text = q.article_text(db, article_id)
            return q.accept_comments(db, site_id, new, article_id), article_id, article_text

    accepted, _, article_text = await run_in_threadpool(accept)
    # Only comments this request created are scored here, so each comment is scored once: a
    # duplicate of one still pending waits for the request scoring it (below), and one whose
    # request died is scored by the pending sweep (civility.server.batcher.PendingSweep).
    fresh = {a.id: n for a, n in zip(accepted, new, strict=True) if a.created}
    verdicts: dict[int, Verdict] = {}
    if fresh:  # scored and saved together with whatever else is in the micro-batch
        scored = await scorer.moderate([Comment(n.external_id, n.text, n.author)
                                        for n in fresh.values()], article=article_text,
                                       store_ids=list(fresh), site_id=site_id)
        verdicts = dict(zip(fresh, scored, strict=True))
    await scorer.settled(a.id for a in accepted if not a.created and a.status == "pending")
    decision_pairs = list(verdicts.items())

    def finish() -> dict[int, dict[str, Any]]:
        """Stored results for duplicates (and their current status)."""
        with store.session() as db:
            stored = {}
            for a in accepted:
                if a.id in verdicts and a.created:
                    continue
                detail = q.comment_detail(db, a.id)
                if detail is not None:
                    stored[a.id] = {**_stored_verdict(detail), "status": detail.status}
            return stored

    stored = (await run_in_threadpool(finish)
              if any(not (a.created and a.id in verdicts) for a in accepted) else {})
    if decision_pairs:
        request.app.state.webhooks.notify()
        for _, v in decision_pairs:
            request.app.state.metrics.decisions.labels("model", v.decision).inc()
    results = []
    for a in accepted:
        if a.created and a.id in verdicts:
            v = verdicts[a.id]
            result = {**verdict_dict(v), "id": a.external_id, "status": v.decision}
        else:
            result = dict(stored.get(a.id, {"id": a.external_id}))
        result["duplicate"] = not a.created
        result["article_id"] = article_ext
        results.append(result)
    return results[0] if single else {"results": results}


# --------------------------------------------------------------------------- read


def _detail_or_404(db: Session, principal: Principal, external_id: str) -> q.CommentDetail:
    detail = (q.comment_by_external(db, principal.site_id, external_id)
              if principal.site_id is not None else q.comment_by_external_any(db, external_id))
    if detail is None:
        raise ApiError(404, f"no comment with id {external_id!r}")
    return detail


def _by_id_or_404(db: Session, principal: Principal, comment_id: int) -> q.CommentDetail:
    detail = q.comment_detail(db, comment_id)
    if detail is None or (principal.site_id is not None and detail.site_id != principal.site_id):
        raise ApiError(404, f"no comment with internal id {comment_id}")
    return detail


@router.get("/comments/by-id/{comment_id}", tags=["comments"],
            summary="Get a comment by internal id")
def get_comment_by_id(comment_id: PathId, db: DB,
                      principal: Reader) -> dict[str, Any]:
    return _by_id_or_404(db, principal, comment_id).to_dict()


@router.get("/comments/{external_id}", tags=["comments"], summary="Get a comment")
def get_comment(external_id: str, db: DB,
                principal: Reader) -> dict[str, Any]:
    """The comment, its current scores, spans, targets, article and every decision so far."""
    return _detail_or_404(db, principal, external_id).to_dict()


def _parse_time(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise ApiError(400, f"{name}: not an ISO 8601 date or time: {value!r}") from err
    try:
        return utc_datetime(parsed)
    except ValueError as err:
        raise ApiError(400, f"{name}: {err}") from err


@router.get("/queue", tags=["queue"], summary="List the review queue")
def review_queue(
    db: DB, principal: Reader,
    status: Literal["pending", "publish", "review", "reject", "failed", "all"] = "review",
    attribute: str | None = Query(None, description=f"One of {', '.join(ATTRIBUTES)}"),
    min_score: float = Query(0.5, ge=0, le=1),
    group: str | None = Query(None, max_length=100, description="Targeted group, e.g. Muslims"),
    category: str | None = Query(None, max_length=40, description="Group category, e.g. religion"),
    article: str | None = Query(None, max_length=255, description="Article id"),
    since: str | None = Query(None, description="ISO date/time (inclusive)"),
    until: str | None = Query(None, description="ISO date/time (exclusive)"),
    search: str | None = Query(None, alias="q", max_length=200),
    order: Literal["newest", "oldest", "score"] = "newest",
    limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """Held comments (or any ``status``) matching every filter, newest first, paginated."""
    if attribute is not None and attribute not in ATTRIBUTES:
        raise ApiError(400, f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
    page = q.review_queue(db, status=None if status == "all" else status, attribute=attribute,
                          min_score=min_score, group=group, category=category, article=article,
                          since=_parse_time(since, "since"), until=_parse_time(until, "until"),
                          search=search, order=order, site_id=principal.site_id, limit=limit,
                          offset=offset)
    return {"items": [i.to_dict() for i in page.items], "total": page.total, "limit": page.limit,
            "offset": page.offset, "next_offset": page.next_offset}


# --------------------------------------------------------------------------- decide


def _decide(request: Request, db: Session, principal: Principal, detail: q.CommentDetail,
            body: DecisionIn) -> dict[str, Any]:
    record = q.record_decision(db, detail.id, body.action, actor=principal.name,
                               reason=body.reason)
    request.app.state.webhooks.notify()
    request.app.state.metrics.decisions.labels("human", body.action).inc()
    updated = q.comment_detail(db, detail.id)
    assert updated is not None
    return {"decision": {"id": record.id, "source": record.source, "action": record.action,
                         "reason": record.reason, "actor": record.actor,
                         "created_at": record.created_at.isoformat()},
            "comment": updated.to_dict()}


@router.post("/comments/by-id/{comment_id}/decision", tags=["queue"],
             summary="Record a moderator decision (internal id)")
def decide_by_id(comment_id: PathId, body: DecisionIn, request: Request,
                 db: DB,
                 principal: Moderating) -> dict[str, Any]:
    return _decide(request, db, principal, _by_id_or_404(db, principal, comment_id), body)


@router.post("/comments/{external_id}/decision", tags=["queue"],
             summary="Record a moderator decision")
def decide(external_id: str, body: DecisionIn, request: Request, db: DB,
           principal: Moderating) -> dict[str, Any]:
    """Publish, reject or hold a comment; logged in the audit log and sent to the webhook."""
    return _decide(request, db, principal, _detail_or_404(db, principal, external_id), body)


@router.post("/decisions", tags=["queue"], summary="Record one decision on many comments")
def decide_many(body: BulkDecisionIn, request: Request, db: DB,
                principal: Moderating) -> dict[str, Any]:
    try:
        records = q.record_decisions(db, body.ids, body.action, actor=principal.name,
                                     reason=body.reason, site_id=principal.site_id)
    except q.NotFound as err:  # missing, or another site's: nothing was decided
        raise ApiError(404, str(err)) from err
    request.app.state.webhooks.notify()
    request.app.state.metrics.decisions.labels("human", body.action).inc(len(records))
    return {"decisions": [{"id": r.id, "comment_id": r.comment_id, "action": r.action,
                           "actor": r.actor, "created_at": r.created_at.isoformat()}
                          for r in records]}


# --------------------------------------------------------------------------- articles & reports


class ArticleUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: _Text | None = Field(None, max_length=1000)
    url: _Text | None = Field(None, max_length=2000)
    text: _Text | None = Field(None, max_length=500_000)


@router.put("/articles/{external_id}", tags=["articles"], summary="Create or update an article")
def put_article(external_id: str, body: ArticleUpsert, db: DB,
                principal: Submitter) -> dict[str, Any]:
    if not external_id or len(external_id) > 255:
        raise ApiError(400, "article id must be 1-255 characters")
    q.upsert_article(db, principal.site_id or 1, external_id, title=body.title, url=body.url,
                     text=body.text)
    info = q.article_by_external(db, principal.site_id or 1, external_id)
    assert info is not None
    return {"id": info.external_id, "title": info.title, "url": info.url,
            "created_at": info.created_at.isoformat()}


@router.get("/articles", tags=["articles"], summary="List articles with comment counts")
def list_articles(db: DB,
                  principal: Reader,
                  limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET)
                  ) -> dict[str, Any]:
    return {"items": [{"id": a.external_id, "internal_id": a.article_id, "title": a.title,
                       "comments": a.comments, "held": a.held, "rejected": a.rejected,
                       "published": a.published,
                       "last_comment_at": a.last_comment_at.isoformat()
                       if a.last_comment_at else None}
                      for a in q.list_articles(db, limit=limit, offset=offset,
                                               site_id=principal.site_id)]}


@router.get("/articles/{external_id}/report", tags=["articles"], summary="Thread report")
def article_report(external_id: str, db: DB,
                   principal: Reader,
                   threshold: float = Query(0.5, ge=0, le=1)) -> dict[str, Any]:
    """Counts by status, attribute distribution and the groups targeted in one thread."""
    info = (q.article_by_external(db, principal.site_id, external_id)
            if principal.site_id is not None else q.article_by_external_any(db, external_id))
    if info is None:
        raise ApiError(404, f"no article with id {external_id!r}")
    return q.thread_report(db, info.id, threshold=threshold)


@router.get("/stats", tags=["reports"], summary="Dashboard aggregates")
def stats(db: DB, principal: Reader,
          days: int = Query(30, ge=1, le=3650)) -> dict[str, Any]:
    """Counts, decisions per day, score distributions, targeted groups and the busiest
    articles: of the key's site (a moderator session sees every site)."""
    site = principal.site_id
    return {
        "counts": q.counts_by_status(db, site_id=site),
        "decisions_per_day": [{"day": d.day.isoformat(), "source": d.source,
                               "action": d.action, "count": d.count}
                              for d in q.decisions_per_day(db, days=days, site_id=site)],
        "flagged_attributes": q.flagged_attribute_counts(db, site_id=site),
        "attribute_distribution": q.attribute_distribution(db, site_id=site),
        "top_targeted_groups": [{"group": g.group, "category": g.category, "comments": g.count}
                                for g in q.top_targeted_groups(db, site_id=site)],
        "busiest_articles": [{"id": a.external_id, "title": a.title, "comments": a.comments,
                              "held": a.held, "rejected": a.rejected}
                             for a in q.busiest_articles(db, site_id=site)],
    }


@router.get("/audit", tags=["reports"], summary="The audit log, newest first")
def audit(db: DB, principal: Reader,
          actor: str | None = Query(None, max_length=255),
          action: str | None = Query(None, max_length=64),
          limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)
          ) -> dict[str, Any]:
    """Entries about the key's site (a moderator session sees every entry)."""
    page = q.audit_log(db, limit=limit, offset=offset, actor=actor, action=action,
                       site_id=principal.site_id)
    return {"items": [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                       "subject_type": e.subject_type, "subject_id": e.subject_id,
                       "details": e.details} for e in page.items],
            "total": page.total, "limit": page.limit, "offset": page.offset}
