"""Reading comments: one comment, the review queue, threads and per-article statistics.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from civility.binning import bin_counts
from civility.records import (
    ATTRIBUTES,
    MODEL_ATTRIBUTES,
    SCORE_DIGITS,
    Span,
    Target,
    attribute_rank,
)
from civility.store.models import (
    Article,
    AttributeScore,
    CommentRow,
    Decision,
    Scoring,
    SpanRow,
    TargetRow,
)
from civility.store.models import ScoreSuggestion as SuggestionRow
from civility.store.queries.decisions import _decision_record
from civility.store.queries.feedback import _feedback
from civility.store.queries.records import (
    _EMPTY_SCORING,
    STATUSES,
    ArticleStats,
    CommentDetail,
    NotFound,
    QueueItem,
    QueuePage,
    ScoringInfo,
    Thread,
    ThreadComment,
    _as_utc,
)
from civility.store.queries.sites import _article_info

# --------------------------------------------------------------------------- reading comments


def _scorings(db: Session, scoring_ids: Sequence[int]) -> dict[int, ScoringInfo]:
    ids = [i for i in scoring_ids if i is not None]
    if not ids:
        return {}
    attrs: dict[int, dict[str, float]] = defaultdict(dict)
    for sid, attribute, value in db.execute(
            select(AttributeScore.scoring_id, AttributeScore.attribute, AttributeScore.value)
            .where(AttributeScore.scoring_id.in_(ids))):
        attrs[sid][attribute] = value
    spans: dict[int, list[Span]] = defaultdict(list)
    for r in db.scalars(select(SpanRow).where(SpanRow.scoring_id.in_(ids)).order_by(SpanRow.id)):
        spans[r.scoring_id].append(Span(r.start, r.end, r.attribute, r.text, r.score))
    targets: dict[int, list[Target]] = defaultdict(list)
    for r in db.scalars(select(TargetRow).where(TargetRow.scoring_id.in_(ids))
                        .order_by(TargetRow.id)):
        targets[r.scoring_id].append(Target(r.group_name, r.category, r.mention, r.start,
                                                r.end))
    out = {}
    for s in db.scalars(select(Scoring).where(Scoring.id.in_(ids))):
        ordered = dict(sorted(attrs[s.id].items(), key=lambda kv: attribute_rank(kv[0])))
        out[s.id] = ScoringInfo(s.model_version, s.decision, tuple(s.reasons or ()), ordered,
                                tuple(spans[s.id]), tuple(targets[s.id]), s.created_at,
                                s.language or "")
    return out


def _items(db: Session, rows: Sequence[tuple[CommentRow, Article | None]]) -> list[QueueItem]:
    scorings = _scorings(db, [c.scoring_id for c, _ in rows if c.scoring_id is not None])
    out = []
    for c, a in rows:
        s = scorings.get(c.scoring_id or -1, _EMPTY_SCORING)
        out.append(QueueItem(c.id, c.external_id, c.text, c.author, c.created_at, c.status,
                             c.article_id, a.external_id if a else None, a.title if a else None,
                             s.attributes, s.spans, s.targets, s.reasons, s.decision,
                             s.model_version, s.language))
    return out


def comment_detail(db: Session, comment_id: int) -> CommentDetail | None:
    row = db.execute(select(CommentRow, Article)
                     .outerjoin(Article, Article.id == CommentRow.article_id)
                     .where(CommentRow.id == comment_id)).first()
    if row is None:
        return None
    item = _items(db, [(row[0], row[1])])[0]
    decisions = tuple(_decision_record(d) for d in db.scalars(
        select(Decision).where(Decision.comment_id == comment_id).order_by(Decision.id)))
    return CommentDetail(**{f.name: getattr(item, f.name) for f in fields(QueueItem)},
                         decisions=decisions, article_text=row[1].text if row[1] else None,
                         site_id=row[0].site_id, scoring_error=row[0].score_error or "",
                         origin=row[0].origin, queued=row[0].queued,
                         feedback=tuple(_feedback(db, [SuggestionRow.comment_id == comment_id])))


def comment_by_external(db: Session, site_id: int, external_id: str) -> CommentDetail | None:
    cid = db.scalar(select(CommentRow.id).where(CommentRow.site_id == site_id,
                                                CommentRow.external_id == external_id))
    return None if cid is None else comment_detail(db, cid)


def comment_by_external_any(db: Session, external_id: str) -> CommentDetail | None:
    cid = db.scalar(select(CommentRow.id).where(CommentRow.external_id == external_id)
                    .order_by(CommentRow.site_id).limit(1))
    return None if cid is None else comment_detail(db, cid)


def review_queue(db: Session, *, status: str | None = "review", attribute: str | None = None,
                 min_score: float = 0.5, group: str | None = None, category: str | None = None,
                 article: int | str | None = None, since: datetime | None = None,
                 until: datetime | None = None, search: str | None = None,
                 order: str = "newest", site_id: int | None = None, limit: int = 50,
                 offset: int = 0) -> QueuePage:
    """Comments matching every given filter, newest first by default.

    ``attribute`` keeps comments whose current score for it is ``>= min_score``; ``group`` /
    ``category`` keep comments with such a target; ``article`` is an internal id (int) or an
    external id (str); ``search`` is a case-insensitive substring of the text or author, or
    the comment's exact id; ``order`` is newest | oldest | score (highest first: the
    ``attribute``'s score, else the highest harm score, so spam and off-topic comments do
    not crowd out threats).
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if attribute is not None and attribute not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}")
    if order not in ("newest", "oldest", "score"):
        raise ValueError(f"order must be newest, oldest or score, not {order!r}")
    conds: list[Any] = []
    if status is not None:
        conds.append(CommentRow.status == status)
    if status == "review":  # the queue: compatibility traffic only where the site opted in
        conds.append(CommentRow.queued.is_(True))
    if site_id is not None:
        conds.append(CommentRow.site_id == site_id)
    if attribute is not None:
        conds.append(exists().where(AttributeScore.scoring_id == CommentRow.scoring_id,
                                    AttributeScore.attribute == attribute,
                                    AttributeScore.value >= min_score))
    if group or category:
        tconds = [TargetRow.scoring_id == CommentRow.scoring_id]
        if group:
            tconds.append(func.lower(TargetRow.group_name) == group.lower())
        if category:
            tconds.append(TargetRow.category == category)
        conds.append(exists().where(*tconds))
    if isinstance(article, int):
        conds.append(CommentRow.article_id == article)
    elif isinstance(article, str):
        conds.append(Article.external_id == article)
    if since is not None:
        conds.append(CommentRow.created_at >= since)
    if until is not None:
        conds.append(CommentRow.created_at < until)
    if search:
        pattern = f"%{search.lower().replace('%', '').replace('_', '')}%"
        conds.append(or_(func.lower(CommentRow.text).like(pattern),
                         func.lower(func.coalesce(CommentRow.author, "")).like(pattern),
                         CommentRow.external_id == search))
    base: Select[Any] = (select(CommentRow, Article)
                         .outerjoin(Article, Article.id == CommentRow.article_id).where(*conds))
    total = db.scalar(select(func.count()).select_from(
        select(CommentRow.id).outerjoin(Article, Article.id == CommentRow.article_id)
        .where(*conds).subquery())) or 0
    if order == "score":
        scores = select(func.max(AttributeScore.value)).where(
            AttributeScore.scoring_id == CommentRow.scoring_id)
        scores = scores.where(AttributeScore.attribute.in_(
            (attribute,) if attribute is not None else MODEL_ATTRIBUTES))
        score = scores.correlate(CommentRow).scalar_subquery()
        base = base.order_by(func.coalesce(score, 0).desc(), CommentRow.id.desc())
    elif order == "oldest":
        base = base.order_by(CommentRow.created_at.asc(), CommentRow.id.asc())
    else:
        base = base.order_by(CommentRow.created_at.desc(), CommentRow.id.desc())
    rows = db.execute(base.limit(limit).offset(offset)).all()
    return QueuePage(tuple(_items(db, [(r[0], r[1]) for r in rows])), total, limit, offset)


def counts_by_status(db: Session, *, site_id: int | None = None) -> dict[str, int]:
    conds = [] if site_id is None else [CommentRow.site_id == site_id]
    counts = dict.fromkeys(STATUSES, 0)
    for status, queued, n in db.execute(
            select(CommentRow.status, CommentRow.queued, func.count()).where(*conds)
            .group_by(CommentRow.status, CommentRow.queued)):
        # "review" counts the queue, which holds compatibility traffic only by opt-in.
        if status != "review" or queued:
            counts[status] = counts.get(status, 0) + n
    return counts


# --------------------------------------------------------------------------- threads & reports


def thread(db: Session, article_id: int) -> Thread | None:
    art = db.get(Article, article_id)
    if art is None:
        return None
    rows = db.execute(select(CommentRow, Article)
                      .outerjoin(Article, Article.id == CommentRow.article_id)
                      .where(CommentRow.article_id == article_id)
                      .order_by(CommentRow.created_at, CommentRow.id)).all()
    items = _items(db, [(r[0], r[1]) for r in rows])
    comments = tuple(ThreadComment(i.id, i.external_id, i.author, i.text, i.created_at, i.status,
                                   i.attributes, i.spans, i.targets, i.reasons, i.model_decision)
                     for i in items)
    counts = dict.fromkeys(STATUSES, 0)
    for c in comments:
        counts[c.status] = counts.get(c.status, 0) + 1
    return Thread(_article_info(art), comments, counts)


def thread_report(db: Session, article_id: int, *, threshold: float = 0.5) -> dict[str, Any]:
    """Counts, attribute distribution and targeted groups for one article (JSON-ready)."""
    t = thread(db, article_id)
    if t is None:
        raise NotFound(f"no article with id {article_id}")
    scored = [c for c in t.comments if c.attributes]
    attributes = {}
    for a in ATTRIBUTES:
        values = [c.attributes[a] for c in scored if a in c.attributes]
        if not values:
            continue
        attributes[a] = {"mean": round(sum(values) / len(values), SCORE_DIGITS),
                         "max": round(max(values), SCORE_DIGITS),
                         "flagged": sum(v >= threshold for v in values),
                         "histogram": bin_counts(values, 10)}
    groups: Counter[tuple[str, str]] = Counter()
    for c in t.comments:
        for g in {(x.group, x.category) for x in c.targets}:
            groups[g] += 1
    return {
        "article": {"id": t.article.external_id, "title": t.article.title, "url": t.article.url},
        "comments": len(t.comments), "scored": len(scored), "counts": t.counts,
        "attributes": attributes,
        "targeted_groups": [{"group": g, "category": cat, "comments": n}
                            for (g, cat), n in groups.most_common()],
    }


def list_articles(db: Session, *, limit: int = 50, offset: int = 0,
                  since: datetime | None = None, site_id: int | None = None) -> list[ArticleStats]:
    return _article_stats(db, limit=limit, offset=offset, since=since, busiest=False,
                          site_id=site_id)


def busiest_articles(db: Session, *, limit: int = 10, since: datetime | None = None,
                     site_id: int | None = None) -> list[ArticleStats]:
    return _article_stats(db, limit=limit, offset=0, since=since, busiest=True, site_id=site_id)


def _article_stats(db: Session, *, limit: int, offset: int, since: datetime | None,
                   busiest: bool, site_id: int | None = None) -> list[ArticleStats]:
    join_cond = [CommentRow.article_id == Article.id]
    if since is not None:
        join_cond.append(CommentRow.created_at >= since)
    n = func.count(CommentRow.id)

    def status_count(s: str) -> Any:
        return func.coalesce(func.sum(case((CommentRow.status == s, 1), else_=0)), 0)

    query = (select(Article.id, Article.external_id, Article.title, n, status_count("review"),
                    status_count("reject"), status_count("publish"),
                    func.max(CommentRow.created_at))
             .outerjoin(CommentRow, and_(*join_cond))
             .group_by(Article.id, Article.external_id, Article.title))
    if site_id is not None:
        query = query.where(Article.site_id == site_id)
    query = (query.having(n > 0).order_by(n.desc(), Article.id.desc()) if busiest
             else query.order_by(Article.created_at.desc(), Article.id.desc()))
    out = []
    for r in db.execute(query.limit(limit).offset(offset)):
        out.append(ArticleStats(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6]),
                                _as_utc(r[7])))
    return out
