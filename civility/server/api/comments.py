"""Comments in and moderation: submit (scored before the answer), read one, list the review
queue, and record moderators' decisions on one comment or many."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from civility.records import ATTRIBUTES, Comment, Verdict
from civility.server.api.models import (
    BulkDecided,
    BulkDecisionIn,
    CommentIn,
    Decided,
    DecisionIn,
    QueuePage,
    StoredComment,
    SubmitRequest,
    SubmitResult,
    SubmitResults,
    answers,
)
from civility.server.deps import DB, Moderating, Reader, Scorer, Submitter
from civility.server.errors import ApiError
from civility.server.inputs import MAX_OFFSET, PathId, utc_datetime
from civility.server.security import Principal
from civility.store import queries as q

#: Its own prefix: a route's path is its metrics label (civility.server.metrics).
router = APIRouter(prefix="/api/v1")

# --------------------------------------------------------------------------- submit


def _stored_verdict(d: q.CommentDetail) -> dict[str, Any]:
    """A stored comment in the shape of a fresh verdict (``decision`` null when unscored)."""
    out = d.as_verdict().to_dict()
    return {**out, "decision": out["decision"] or None}


@router.post("/comments", tags=["comments"], summary="Submit one or many comments",
             **answers(SubmitResult | SubmitResults))
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
            info = (q.article_by_external(db, site_id, body.article_id)
                    if body.article is None and body.article_id is not None else None)
            if info is not None:  # a known article: one read gives its id and its text
                article_id, article_text = info.id, info.text
            elif body.article is not None or body.article_id is not None:
                a = body.article
                article_id = (q.upsert_article(db, site_id, a.id, title=a.title, url=a.url,
                                               text=a.text) if a is not None else
                              q.upsert_article(db, site_id, str(body.article_id)))
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
            result = {**v.to_dict(), "id": a.external_id, "status": v.decision}
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
            summary="Get a comment by internal id", **answers(StoredComment))
def get_comment_by_id(comment_id: PathId, db: DB,
                      principal: Reader) -> dict[str, Any]:
    return _by_id_or_404(db, principal, comment_id).to_dict()


@router.get("/comments/{external_id}", tags=["comments"], summary="Get a comment",
            **answers(StoredComment))
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


@router.get("/queue", tags=["queue"], summary="List the review queue", **answers(QueuePage))
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
    return {"decision": record.to_dict(), "comment": updated.to_dict()}


@router.post("/comments/by-id/{comment_id}/decision", tags=["queue"],
             summary="Record a moderator decision (internal id)", **answers(Decided))
def decide_by_id(comment_id: PathId, body: DecisionIn, request: Request,
                 db: DB,
                 principal: Moderating) -> dict[str, Any]:
    return _decide(request, db, principal, _by_id_or_404(db, principal, comment_id), body)


@router.post("/comments/{external_id}/decision", tags=["queue"],
             summary="Record a moderator decision", **answers(Decided))
def decide(external_id: str, body: DecisionIn, request: Request, db: DB,
           principal: Moderating) -> dict[str, Any]:
    """Publish, reject or hold a comment; logged in the audit log and sent to the webhook."""
    return _decide(request, db, principal, _detail_or_404(db, principal, external_id), body)


@router.post("/decisions", tags=["queue"], summary="Record one decision on many comments",
             **answers(BulkDecided))
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
