"""Comments in: accepting them idempotently, storing the model's verdicts, and the pending
queue the scorer claims from (with retries and giving up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civility.records import Verdict, rounded_scores
from civility.store.models import (
    Article,
    AttributeScore,
    CommentRow,
    Decision,
    Scoring,
    SpanRow,
    TargetRow,
)
from civility.store.queries.decisions import _decide_many
from civility.store.queries.records import Accepted, NewComment, PendingComment

# --------------------------------------------------------------------------- comments in


def accept_comments(db: Session, site_id: int, comments: Sequence[NewComment],
                    article_id: int | None = None) -> list[Accepted]:
    """Store comments and COMMIT before anything scores them; known external ids are returned
    as they are (idempotent), never duplicated or overwritten."""
    ids = [c.external_id for c in comments]
    existing = _existing(db, site_id, ids)
    out: list[Accepted] = []
    new_rows: list[tuple[int, dict[str, Any]]] = []
    now = datetime.now(UTC)
    for i, c in enumerate(comments):
        if c.external_id in existing:
            continue
        row = _new_row(site_id, c, article_id, now)
        existing[c.external_id] = (-1, "pending")  # store a repeat inside one request once
        new_rows.append((i, row))
    new_ids: list[int] = []
    if new_rows:
        try:  # one INSERT ... RETURNING (Core: no ORM objects to flush and track)
            new_ids = list(db.scalars(_INSERT_COMMENTS, [r for _, r in new_rows]))
            db.commit()
        except IntegrityError:  # a concurrent request stored some of them first: go one by one
            db.rollback()
            return _accept_one_by_one(db, site_id, comments, article_id)
    created = {r["external_id"] for _, r in new_rows}
    # All new (the usual case): their ids are known from the insert, nothing to read again.
    final = ({r["external_id"]: (i, "pending") for i, (_, r) in zip(new_ids, new_rows, strict=True)}
             if len(created) == len(set(ids)) else _existing(db, site_id, ids))
    for c in comments:
        cid, status = final[c.external_id]
        out.append(Accepted(cid, c.external_id, c.external_id in created, status))
        created.discard(c.external_id)  # a repeat inside one request is a duplicate
    return out


def _accept_one_by_one(db: Session, site_id: int, comments: Sequence[NewComment],
                       article_id: int | None) -> list[Accepted]:
    out = []
    for c in comments:
        found = _existing(db, site_id, [c.external_id])
        if c.external_id in found:
            cid, status = found[c.external_id]
            out.append(Accepted(cid, c.external_id, False, status))
            continue
        try:
            cid = db.execute(_INSERT_COMMENT, _new_row(site_id, c, article_id,
                                                       datetime.now(UTC))).scalar_one()
            db.commit()
            out.append(Accepted(cid, c.external_id, True, "pending"))
        except IntegrityError:
            db.rollback()
            cid, status = _existing(db, site_id, [c.external_id])[c.external_id]
            out.append(Accepted(cid, c.external_id, False, status))
    return out


def _new_row(site_id: int, c: NewComment, article_id: int | None, now: datetime
             ) -> dict[str, Any]:
    """A pending comment's columns; its submitter's scoring is attempt 1 (the lease starts
    now)."""
    return {"site_id": site_id, "external_id": c.external_id, "article_id": article_id,
            "author": c.author, "text": c.text, "created_at": c.created_at or now,
            "received_at": now, "status": "pending", "score_attempts": 1,
            "score_claimed_at": now, "score_error": "", "origin": c.origin, "queued": c.queued}


def _existing(db: Session, site_id: int, external_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    if not external_ids:
        return {}
    rows = db.execute(_EXISTING, {"site": site_id, "ext": list(set(external_ids))})
    return {e: (i, s) for e, i, s in rows}


def store_verdicts(db: Session, pairs: Sequence[tuple[int, Verdict]], *, policy: str = "",
                   rescore: bool = False) -> list[int]:
    """Save each verdict as the comment's current scoring and, unless a human has already
    decided, as the model's decision (which also queues the webhook); returns the ids saved.

    A comment is scored once: unless ``rescore`` (a deliberate new scoring, e.g. by a new
    model), a verdict for a comment that already has a scoring (a duplicate submission, a
    retry racing the first attempt, another server process) is dropped, so there is one model
    decision and one webhook delivery per comment. The first statement claims the comments
    atomically (PostgreSQL's row locks make a concurrent claim wait and then see the winner's
    scoring; SQLite has one writer at a time).

    One Core statement per table for the whole batch (no ORM objects: they cost as much CPU
    as the database): the server calls this once per micro-batch, so its cost is shared by
    every request in it.
    """
    verdicts: dict[int, Verdict] = {}
    for cid, v in pairs:
        verdicts.setdefault(cid, v)  # a comment listed twice keeps its first verdict
    if not verdicts:
        return []
    claim = _CLAIM if rescore else _CLAIM_UNSCORED
    claimed = list(db.scalars(claim, {"ids": list(verdicts)}))
    if not claimed:
        db.rollback()
        return []
    comments: dict[int, _Scored] = {}
    human_decided: set[int] = set()
    for cid, site, external, article, author, status, by_human in db.execute(
            _CLAIMED, {"ids": claimed}):
        comments[cid] = _Scored(cid, site, external, article, author, status)
        if by_human:
            human_decided.add(cid)
    todo = [(cid, v) for cid, v in verdicts.items() if cid in comments]
    now = datetime.now(UTC)
    scoring_ids = list(db.scalars(_INSERT_SCORINGS, [  # one INSERT ... RETURNING for the batch
        {"comment_id": cid, "model_version": v.model_version, "policy": policy,
         "decision": v.decision, "reasons": list(v.reasons), "created_at": now,
         "language": v.language} for cid, v in todo]))
    attrs, targets, spans = [], [], []
    for sid, (cid, v) in zip(scoring_ids, todo, strict=True):
        attrs += [{"scoring_id": sid, "attribute": a, "comment_id": cid, "value": float(p)}
                  for a, p in v.attributes.items()]
        targets += [{"scoring_id": sid, "comment_id": cid, "group_name": t.group,
                     "category": t.category, "mention": t.mention, "start": t.start,
                     "end": t.end} for t in v.targets]
        spans += [{"scoring_id": sid, "comment_id": cid, "attribute": x.attribute,
                   "start": x.start, "end": x.end, "text": x.text, "score": float(x.score)}
                  for x in v.spans]
    db.execute(_SET_SCORING, [{"cid": cid, "sid": sid}
                              for sid, (cid, _) in zip(scoring_ids, todo, strict=True)])
    for model, rows in ((AttributeScore, attrs), (TargetRow, targets), (SpanRow, spans)):
        if rows:
            db.execute(insert(model.__table__), rows)
    decided = [(comments[cid], v) for cid, v in todo if cid not in human_decided]
    _decide_many(db, [(c, v.decision, v.model_version or "model", "; ".join(v.reasons),
                       {"attributes": rounded_scores(v.attributes)})
                      for c, v in decided], source="model", now=now)
    db.commit()
    return [cid for cid, _ in todo]


@dataclass(slots=True)
class _Scored:
    """A claimed comment as a decision needs it (read by columns: no ORM object to track)."""

    id: int
    site_id: int
    external_id: str
    article_id: int | None
    author: str | None
    status: str


_comments = CommentRow.__table__
_ids = bindparam("ids", expanding=True)
# Built once: Core statements on the tables, run once per micro-batch by the server.
_CLAIM = (update(_comments).where(_comments.c.id.in_(_ids)).values(scoring_id=-1)
          .returning(_comments.c.id))
_CLAIM_UNSCORED = _CLAIM.where(_comments.c.scoring_id.is_(None))
_CLAIMED = select(_comments.c.id, _comments.c.site_id, _comments.c.external_id,
                  _comments.c.article_id, _comments.c.author, _comments.c.status,
                  exists().where(Decision.__table__.c.comment_id == _comments.c.id,
                                 Decision.__table__.c.source == "human")
                  ).where(_comments.c.id.in_(_ids))
_INSERT_SCORINGS = insert(Scoring.__table__).returning(Scoring.__table__.c.id,
                                                      sort_by_parameter_order=True)
_INSERT_COMMENTS = insert(_comments).returning(_comments.c.id, sort_by_parameter_order=True)
_INSERT_COMMENT = insert(_comments).returning(_comments.c.id)
_EXISTING = select(_comments.c.external_id, _comments.c.id, _comments.c.status).where(
    _comments.c.site_id == bindparam("site"),
    _comments.c.external_id.in_(bindparam("ext", expanding=True)))
_SET_SCORING = (update(_comments).where(_comments.c.id == bindparam("cid"))
                .values(scoring_id=bindparam("sid"), score_error=""))


def _unscored_since(stale_before: datetime) -> list[Any]:
    """Pending, never scored, and its latest attempt (lease) started before ``stale_before``."""
    return [CommentRow.status == "pending", CommentRow.scoring_id.is_(None),
            or_(CommentRow.score_claimed_at.is_(None),
                CommentRow.score_claimed_at < stale_before)]


def claim_pending(db: Session, *, stale_before: datetime, max_attempts: int, limit: int = 256,
                  now: datetime | None = None) -> list[PendingComment]:
    """Claim comments still pending whose latest scoring attempt started before
    ``stale_before`` (its request died, or its scoring failed) and that have had fewer than
    ``max_attempts``: each claim counts an attempt and renews the lease, atomically, so
    concurrent sweeps (several server processes) never claim the same comment. Commits."""
    now = now or datetime.now(UTC)
    conds = [*_unscored_since(stale_before), CommentRow.score_attempts < max_attempts]
    candidates = select(CommentRow.id).where(*conds).order_by(CommentRow.id).limit(limit)
    ids = list(db.scalars(
        update(CommentRow).where(CommentRow.id.in_(candidates.scalar_subquery()), *conds)
        .values(score_attempts=CommentRow.score_attempts + 1, score_claimed_at=now)
        .returning(CommentRow.id).execution_options(synchronize_session=False)))
    db.commit()
    if not ids:
        return []
    rows = db.execute(select(CommentRow.id, CommentRow.external_id, CommentRow.text,
                             CommentRow.author, Article.text, CommentRow.score_attempts,
                             CommentRow.site_id)
                      .outerjoin(Article, Article.id == CommentRow.article_id)
                      .where(CommentRow.id.in_(ids)).order_by(CommentRow.id))
    return [PendingComment(*r) for r in rows]


def give_up_pending(db: Session, *, stale_before: datetime, max_attempts: int) -> list[int]:
    """Mark ``failed`` the comments that used every attempt and are still unscored once the
    last lease ran out; returns their ids. A moderator can still decide them. Commits."""
    ids = list(db.scalars(
        update(CommentRow)
        .where(*_unscored_since(stale_before), CommentRow.score_attempts >= max_attempts)
        .values(status="failed", score_error=case(
            (CommentRow.score_error == "",
             f"not scored after {max_attempts} attempts (the server stopped mid-way)"),
            else_=CommentRow.score_error))
        .returning(CommentRow.id).execution_options(synchronize_session=False)))
    db.commit()
    return ids


def record_scoring_errors(db: Session, errors: Sequence[tuple[int, str]]) -> None:
    """Remember why scoring failed (shown with the comment; the sweep retries it). Commits."""
    for cid, error in errors:
        db.execute(update(CommentRow).where(CommentRow.id == cid, CommentRow.scoring_id.is_(None))
                   .values(score_error=error[:2000])
                   .execution_options(synchronize_session=False))
    db.commit()
