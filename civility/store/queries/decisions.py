"""Decisions (model or human) and the hash-chained audit log.

A decision writes the decision row, updates the comment's status, appends the audit log
(humans) and queues the site's webhook in ONE transaction: nothing is announced that was not
stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from civility.store.chain import GENESIS, ChainEntry, ChainReport, entry_hash
from civility.store.chain import verify as verify_chain
from civility.store.models import (
    AUDIT_CHAIN_LOCK,
    Article,
    AuditLog,
    CommentRow,
    Decision,
    Site,
    WebhookDelivery,
)
from civility.store.queries.records import ACTIONS, AuditEntry, AuditPage, DecisionRecord, NotFound

# --------------------------------------------------------------------------- decisions


class Decidable(Protocol):
    """What a decision needs of a comment: an ORM ``CommentRow`` or a row read by columns."""

    id: int
    site_id: int
    external_id: str
    article_id: int | None
    author: str | None
    status: str


def _decide(db: Session, comment: CommentRow, action: str, *, source: str, actor: str,
            reason: str, extra: dict[str, Any] | None = None) -> DecisionRecord:
    return _decide_many(db, [(comment, action, actor, reason, extra)], source=source)[0]


_decisions, _comments, _sites, _articles, _outbox = (
    Decision.__table__, CommentRow.__table__, Site.__table__, Article.__table__,
    WebhookDelivery.__table__)
# Built once: Core statements on the tables (no ORM entities to load, nothing to flush), the
# server's hot path runs these once per micro-batch.
_INSERT_DECISIONS = insert(_decisions).returning(_decisions.c.id, sort_by_parameter_order=True)
_SET_STATUS = (update(_comments).where(_comments.c.id == bindparam("cid"))
               .values(status=bindparam("action")))
_HOOKED_SITES = select(_sites.c.id).where(_sites.c.id.in_(bindparam("ids", expanding=True)),
                                          _sites.c.webhook_url.is_not(None))
_ARTICLE_IDS = select(_articles.c.id, _articles.c.external_id).where(
    _articles.c.id.in_(bindparam("ids", expanding=True)))


def _decide_many(db: Session, items: Sequence[tuple[Decidable, str, str, str,
                                                    dict[str, Any] | None]], *,
                 source: str, now: datetime | None = None) -> list[DecisionRecord]:
    """Decision rows, comment statuses, audit entries (humans) and webhook outbox rows, in
    the caller's transaction: Core statements, one per table for the whole batch."""
    for _, action, *_rest in items:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not items:
        return []
    now = now or datetime.now(UTC)
    db.flush()  # ORM changes the caller made go out before the Core statements below
    ids = list(db.scalars(_INSERT_DECISIONS, [
        {"comment_id": c.id, "source": source, "action": action, "reason": reason,
         "actor": actor, "created_at": now} for c, action, actor, reason, _ in items]))
    previous = [c.status for c, *_ in items]
    db.execute(_SET_STATUS, [{"cid": c.id, "action": action} for c, action, *_ in items])
    for c, action, *_ in items:
        if isinstance(c, CommentRow):  # keep a loaded row true to what was just written
            set_committed_value(c, "status", action)
        else:
            c.status = action
    hooked = set(db.scalars(_HOOKED_SITES, {"ids": list({c.site_id for c, *_ in items})}))
    article_ids = {c.article_id for c, *_ in items if c.article_id and c.site_id in hooked}
    articles = dict(db.execute(_ARTICLE_IDS, {"ids": list(article_ids)}).all()
                    ) if article_ids else {}
    outbox = []
    for did, prev, (c, action, actor, reason, extra) in zip(ids, previous, items, strict=True):
        if source == "human":
            audit(db, actor, "comment.decision", "comment", c.external_id,
                  {"comment_id": c.id, "action": action, "reason": reason, "previous": prev},
                  site_id=c.site_id)
        if c.site_id in hooked:
            outbox.append({"site_id": c.site_id, "event": "comment.decision", "payload": {
                "event": "comment.decision",
                "comment": {"id": c.external_id, "status": action,
                            "article_id": articles.get(c.article_id)},
                "decision": {"id": did, "source": source, "action": action,
                             "reason": reason, "actor": actor, "created_at": now.isoformat(),
                             **(extra or {})},
            }, "attempts": 0, "next_attempt_at": now, "failed": False, "last_error": "",
                "created_at": now})
    if outbox:
        db.execute(insert(_outbox), outbox)
    rejected = [c for c, action, *_ in items if action == "reject" and c.author]
    if rejected:  # a site's rejection-rate rule may now premoderate their authors
        from civility.store.authors import after_rejections

        after_rejections(db, rejected, now)
    return [DecisionRecord(did, c.id, source, action, reason, actor, now)
            for did, (c, action, actor, reason, _) in zip(ids, items, strict=True)]


def record_decision(db: Session, comment_id: int, action: str, *, actor: str, reason: str = "",
                    source: str = "human") -> DecisionRecord:
    """A moderator's (or another actor's) decision on one comment; commits."""
    comment = db.get(CommentRow, comment_id)
    if comment is None:
        raise NotFound(f"no comment with id {comment_id}")
    record = _decide(db, comment, action, source=source, actor=actor, reason=reason)
    db.commit()
    return record


def record_decisions(db: Session, comment_ids: Iterable[int], action: str, *, actor: str,
                     reason: str = "", site_id: int | None = None) -> list[DecisionRecord]:
    """The same decision on many comments, all or nothing; with ``site_id``, a comment of
    another site counts as missing. One query finds them all, however many ids are sent."""
    ids = list(dict.fromkeys(comment_ids))
    found = select(CommentRow).where(CommentRow.id.in_(ids))
    if site_id is not None:
        found = found.where(CommentRow.site_id == site_id)
    comments = {c.id: c for c in db.scalars(found)}
    missing = [i for i in ids if i not in comments]
    if missing:
        raise NotFound(f"no comment with id {missing[0]}")
    records = _decide_many(db, [(comments[i], action, actor, reason, None) for i in ids],
                           source="human")
    db.commit()
    return records


def _decision_record(row: Decision) -> DecisionRecord:
    return DecisionRecord(row.id, row.comment_id, row.source, row.action, row.reason, row.actor,
                          row.created_at)


# --------------------------------------------------------------------------- audit log


def audit(db: Session, actor: str, action: str, subject_type: str = "", subject_id: str = "",
          details: dict[str, Any] | None = None, *, site_id: int | None = None) -> None:
    """Append to the audit log in the caller's transaction (the caller commits).

    ``site_id`` is the site the entry is about, so a site's API key can read its own entries
    and nobody else's; entries about moderator accounts have none. The entry is chained to
    the latest one (:mod:`civility.store.chain`); appenders first lock one ``meta`` row, so
    concurrent transactions queue there instead of chaining onto the same entry. The lock is
    held to the end of the transaction, so later entries in it chain onto the last one
    written without asking the database again.
    """
    transaction = db.get_nested_transaction() or db.get_transaction()
    held = db.info.get(_AUDIT_HEAD)
    if held is not None and transaction is not None and held[0] is transaction:
        prev = held[1]
    else:
        db.execute(sql_text("UPDATE meta SET value = value WHERE key = :k"),
                   {"k": AUDIT_CHAIN_LOCK})
        prev = db.scalar(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)) or GENESIS
    at, subject_id, details = datetime.now(UTC), str(subject_id), details or {}
    digest = entry_hash(prev, at, actor, action, subject_type, subject_id, details, site_id)
    db.add(AuditLog(at=at, actor=actor, action=action, subject_type=subject_type,
                    subject_id=subject_id, details=details, site_id=site_id, prev_hash=prev,
                    hash=digest))
    # No flush needed: a flush inserts a class's new rows in the order they were added, and
    # ids are generated in that order (SQLAlchemy's ordered "insertmanyvalues").
    db.info[_AUDIT_HEAD] = (db.get_nested_transaction() or db.get_transaction(), digest)


#: ``Session.info`` key: (the transaction holding the chain's lock, the hash it last wrote).
_AUDIT_HEAD = "civility.audit_head"


def verify_audit_log(db: Session, anchor: str | None = None) -> ChainReport:
    """Walk the audit log's hash chain (streamed in id order); the first broken entry, if any."""
    rows = db.scalars(select(AuditLog).order_by(AuditLog.id).execution_options(yield_per=1000))
    return verify_chain((ChainEntry(r.id, r.at, r.actor, r.action, r.subject_type, r.subject_id,
                                    r.details or {}, r.site_id, r.prev_hash, r.hash)
                         for r in rows), anchor)


def audit_log(db: Session, *, limit: int = 100, offset: int = 0, actor: str | None = None,
              action: str | None = None, site_id: int | None = None) -> AuditPage:
    """Newest first; ``site_id`` keeps only that site's entries (None: every entry)."""
    conds = [] if site_id is None else [AuditLog.site_id == site_id]
    if actor:
        conds.append(AuditLog.actor == actor)
    if action:
        conds.append(AuditLog.action == action)
    total = db.scalar(select(func.count()).select_from(AuditLog).where(*conds)) or 0
    rows = db.scalars(select(AuditLog).where(*conds)
                      .order_by(AuditLog.id.desc()).limit(limit).offset(offset))
    items = tuple(AuditEntry(r.id, r.at, r.actor, r.action, r.subject_type, r.subject_id,
                             dict(r.details or {}), r.site_id) for r in rows)
    return AuditPage(items, total, limit, offset)


def audit_actions(db: Session, *, site_id: int | None = None) -> list[str]:
    """Every action the audit log holds, so a filter offers only real ones."""
    conds = [] if site_id is None else [AuditLog.site_id == site_id]
    return sorted(db.scalars(select(AuditLog.action).where(*conds).distinct()))
