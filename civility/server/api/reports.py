"""Reads over many comments: articles and their thread reports, the dashboard's statistics
and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from civility.server.api.models import (
    ArticleList,
    ArticleOut,
    ArticleUpsert,
    AuditPage,
    Stats,
    ThreadReport,
    answers,
)
from civility.server.deps import DB, Reader, Submitter
from civility.server.errors import ApiError
from civility.server.inputs import MAX_OFFSET
from civility.store import queries as q

#: Its own prefix: a route's path is its metrics label (civility.server.metrics).
router = APIRouter(prefix="/api/v1")


@router.put("/articles/{external_id}", tags=["articles"], summary="Create or update an article",
            **answers(ArticleOut))
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


@router.get("/articles", tags=["articles"], summary="List articles with comment counts",
            **answers(ArticleList))
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


@router.get("/articles/{external_id}/report", tags=["articles"], summary="Thread report",
            **answers(ThreadReport))
def article_report(external_id: str, db: DB,
                   principal: Reader,
                   threshold: float = Query(0.5, ge=0, le=1)) -> dict[str, Any]:
    """Counts by status, attribute distribution and the groups targeted in one thread."""
    info = (q.article_by_external(db, principal.site_id, external_id)
            if principal.site_id is not None else q.article_by_external_any(db, external_id))
    if info is None:
        raise ApiError(404, f"no article with id {external_id!r}")
    return q.thread_report(db, info.id, threshold=threshold)


@router.get("/stats", tags=["reports"], summary="Dashboard aggregates", **answers(Stats))
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


@router.get("/audit", tags=["reports"], summary="The audit log, newest first",
            **answers(AuditPage))
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
