"""Every read and write the server and the UI make, as plain functions over a ``Session``.

Reads return frozen dataclasses (ready to render or serialise, detached from the session);
writes commit their own transaction so a caller can never half-apply a decision. Decisions
(model or human) write the decision row, update the comment's status, append the audit log
(humans) and queue the site's webhook in ONE transaction: nothing is announced that was not
stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, insert, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civility.store.chain import GENESIS, ChainEntry, ChainReport, entry_hash
from civility.store.chain import verify as verify_chain
from civility.store.models import (
    AUDIT_CHAIN_LOCK,
    Article,
    AttributeScore,
    AuditLog,
    CommentRow,
    Decision,
    Scoring,
    Site,
    SiteCommunity,
    SpanRow,
    SuggestedScore,
    TargetRow,
    WebhookDelivery,
)
from civility.store.models import ScoreSuggestion as SuggestionRow
from civility.types import ATTRIBUTES, MODEL_ATTRIBUTES, Target, Verdict

ACTIONS = ("publish", "review", "reject")
#: ``failed``: the model could not score the comment after every retry (see claim_pending).
STATUSES = ("pending", *ACTIONS, "failed")


class NotFound(LookupError):
    """The comment, article or site does not exist."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class SpanInfo:
    start: int
    end: int
    attribute: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: int
    comment_id: int
    source: str
    action: str
    reason: str
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ScoringInfo:
    model_version: str
    decision: str
    reasons: tuple[str, ...]
    attributes: dict[str, float]
    spans: tuple[SpanInfo, ...]
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
    spans: tuple[SpanInfo, ...]
    targets: tuple[Target, ...]
    reasons: tuple[str, ...]
    model_decision: str
    model_version: str
    language: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _comment_dict(self)


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
        out["decisions"] = [_decision_dict(d) for d in self.decisions]
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
    spans: tuple[SpanInfo, ...]
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


def _decision_dict(d: DecisionRecord) -> dict[str, Any]:
    return {"id": d.id, "source": d.source, "action": d.action, "reason": d.reason,
            "actor": d.actor, "created_at": d.created_at.isoformat()}


def _comment_dict(item: QueueItem) -> dict[str, Any]:
    return {
        "id": item.external_id, "internal_id": item.id, "text": item.text, "author": item.author,
        "created_at": item.created_at.isoformat(), "status": item.status,
        "article": None if item.article_id is None else {
            "id": item.article_external_id, "title": item.article_title},
        "attributes": {k: round(v, 4) for k, v in item.attributes.items()},
        "targets": [{"group": t.group, "category": t.category, "mention": t.mention,
                     "start": t.start, "end": t.end} for t in item.targets],
        "spans": [{"start": s.start, "end": s.end, "attribute": s.attribute, "text": s.text,
                   "score": round(s.score, 4)} for s in item.spans],
        "model_decision": item.model_decision or None, "reasons": list(item.reasons),
        "model_version": item.model_version or None,
        "language": item.language or None,
    }


# --------------------------------------------------------------------------- sites & articles


def get_site(db: Session, name: str = "default", *, create: bool = False) -> Site:
    site = db.scalar(select(Site).where(Site.name == name))
    if site is None:
        if not create:
            raise NotFound(f"no site named {name!r}")
        site = Site(name=name)
        db.add(site)
        db.flush()
    return site


def set_site_webhook(db: Session, name: str, url: str | None, secret: str | None, *,
                     actor: str = "cli") -> Site:
    site = get_site(db, name, create=True)
    site.webhook_url = url or None
    site.webhook_secret = secret or None
    audit(db, actor, "site.webhook", "site", name, {"url": url}, site_id=site.id)
    db.commit()
    return site


def list_sites(db: Session) -> list[Site]:
    return list(db.scalars(select(Site).order_by(Site.id)))


def upsert_article(db: Session, site_id: int, external_id: str, *, title: str | None = None,
                   url: str | None = None, text: str | None = None, commit: bool = True) -> int:
    """The article's internal id; given fields overwrite stored ones, missing ones are kept."""
    row = db.scalar(select(Article).where(Article.site_id == site_id,
                                          Article.external_id == external_id))
    if row is None:
        row = Article(site_id=site_id, external_id=external_id, title=title, url=url, text=text)
        db.add(row)
        try:
            db.flush()
        except IntegrityError:  # created concurrently: use theirs
            db.rollback()
            return upsert_article(db, site_id, external_id, title=title, url=url, text=text,
                                  commit=commit)
    else:
        for name, value in (("title", title), ("url", url), ("text", text)):
            if value is not None:
                setattr(row, name, value)
    article_id = row.id
    if commit:
        db.commit()
    return article_id


def article_by_external(db: Session, site_id: int, external_id: str) -> ArticleInfo | None:
    row = db.scalar(select(Article).where(Article.site_id == site_id,
                                          Article.external_id == external_id))
    return None if row is None else _article_info(row)


def article_by_external_any(db: Session, external_id: str) -> ArticleInfo | None:
    """For moderators, who work across sites: the first site's article with this id."""
    row = db.scalar(select(Article).where(Article.external_id == external_id)
                    .order_by(Article.site_id).limit(1))
    return None if row is None else _article_info(row)


def article_text(db: Session, article_id: int) -> str | None:
    return db.scalar(select(Article.text).where(Article.id == article_id))


def _article_info(row: Article) -> ArticleInfo:
    return ArticleInfo(row.id, row.external_id, row.title, row.url, row.text, row.created_at)


# --------------------------------------------------------------------------- comments in


def accept_comments(db: Session, site_id: int, comments: Sequence[NewComment],
                    article_id: int | None = None) -> list[Accepted]:
    """Store comments and COMMIT before anything scores them; known external ids are returned
    as they are (idempotent), never duplicated or overwritten."""
    ids = [c.external_id for c in comments]
    existing = _existing(db, site_id, ids)
    out: list[Accepted] = []
    new_rows: list[tuple[int, CommentRow]] = []
    now = datetime.now(UTC)
    for i, c in enumerate(comments):
        if c.external_id in existing:
            continue
        row = _new_row(site_id, c, article_id, now)
        existing[c.external_id] = (-1, "pending")  # store a repeat inside one request once
        new_rows.append((i, row))
    if new_rows:
        db.add_all([r for _, r in new_rows])
        try:
            db.commit()
        except IntegrityError:  # a concurrent request stored some of them first: go one by one
            db.rollback()
            return _accept_one_by_one(db, site_id, comments, article_id)
    created = {r.external_id for _, r in new_rows}
    final = _existing(db, site_id, ids)
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
        row = _new_row(site_id, c, article_id, datetime.now(UTC))
        db.add(row)
        try:
            db.commit()
            out.append(Accepted(row.id, c.external_id, True, "pending"))
        except IntegrityError:
            db.rollback()
            cid, status = _existing(db, site_id, [c.external_id])[c.external_id]
            out.append(Accepted(cid, c.external_id, False, status))
    return out


def _new_row(site_id: int, c: NewComment, article_id: int | None, now: datetime) -> CommentRow:
    """A pending comment; its submitter's scoring is attempt 1 (the lease starts now)."""
    return CommentRow(site_id=site_id, external_id=c.external_id, article_id=article_id,
                      author=c.author, text=c.text, created_at=c.created_at or now,
                      received_at=now, status="pending", score_attempts=1,
                      score_claimed_at=now, score_error="", origin=c.origin, queued=c.queued)


def _existing(db: Session, site_id: int, external_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    if not external_ids:
        return {}
    rows = db.execute(select(CommentRow.external_id, CommentRow.id, CommentRow.status)
                      .where(CommentRow.site_id == site_id,
                             CommentRow.external_id.in_(set(external_ids))))
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

    One statement per table for the whole batch: the server calls this once per micro-batch,
    so its cost is shared by every request in it.
    """
    verdicts: dict[int, Verdict] = {}
    for cid, v in pairs:
        verdicts.setdefault(cid, v)  # a comment listed twice keeps its first verdict
    if not verdicts:
        return []
    unscored = [] if rescore else [CommentRow.scoring_id.is_(None)]
    claimed = set(db.scalars(
        update(CommentRow).where(CommentRow.id.in_(list(verdicts)), *unscored)
        .values(scoring_id=-1).returning(CommentRow.id)
        .execution_options(synchronize_session=False)))
    if not claimed:
        db.rollback()
        return []
    comments = {c.id: c for c in db.scalars(
        select(CommentRow).where(CommentRow.id.in_(claimed))
        .execution_options(populate_existing=True))}
    human_decided = set(db.scalars(select(Decision.comment_id).where(
        Decision.comment_id.in_(list(comments)), Decision.source == "human")))
    todo = [(cid, v) for cid, v in verdicts.items() if cid in comments]
    now = datetime.now(UTC)
    scorings = [Scoring(comment_id=cid, model_version=v.model_version, policy=policy,
                        decision=v.decision, reasons=list(v.reasons), created_at=now,
                        language=v.language)
                for cid, v in todo]
    db.add_all(scorings)
    db.flush()  # one INSERT ... RETURNING for the batch
    attrs, targets, spans = [], [], []
    for scoring, (cid, v) in zip(scorings, todo, strict=True):
        sid = scoring.id
        attrs += [{"scoring_id": sid, "attribute": a, "comment_id": cid, "value": float(p)}
                  for a, p in v.attributes.items()]
        targets += [{"scoring_id": sid, "comment_id": cid, "group_name": t.group,
                     "category": t.category, "mention": t.mention, "start": t.start,
                     "end": t.end} for t in v.targets]
        spans += [{"scoring_id": sid, "comment_id": cid, "attribute": x.attribute,
                   "start": x.start, "end": x.end, "text": x.text, "score": float(x.score)}
                  for x in v.spans]
        comments[cid].scoring_id = sid
        comments[cid].score_error = ""
    for model, rows in ((AttributeScore, attrs), (TargetRow, targets), (SpanRow, spans)):
        if rows:
            db.execute(insert(model), rows)
    decided = [(comments[cid], v) for cid, v in todo if cid not in human_decided]
    _decide_many(db, [(c, v.decision, v.model_version or "model", "; ".join(v.reasons),
                       {"attributes": {k: round(p, 4) for k, p in v.attributes.items()}})
                      for c, v in decided], source="model", now=now)
    db.commit()
    return [cid for cid, _ in todo]


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


# --------------------------------------------------------------------------- decisions


def _decide(db: Session, comment: CommentRow, action: str, *, source: str, actor: str,
            reason: str, extra: dict[str, Any] | None = None) -> Decision:
    return _decide_many(db, [(comment, action, actor, reason, extra)], source=source)[0]


def _decide_many(db: Session,
                 items: Sequence[tuple[CommentRow, str, str, str, dict[str, Any] | None]], *,
                 source: str, now: datetime | None = None) -> list[Decision]:
    """Decision rows, comment statuses, audit entries (humans) and webhook outbox rows."""
    for _, action, *_rest in items:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not items:
        return []
    now = now or datetime.now(UTC)
    rows = [Decision(comment_id=c.id, source=source, action=action, reason=reason, actor=actor,
                     created_at=now) for c, action, actor, reason, _ in items]
    db.add_all(rows)
    previous = [c.status for c, *_ in items]
    for c, action, *_ in items:
        c.status = action
    db.flush()
    sites = {s.id: s for s in db.scalars(select(Site).where(
        Site.id.in_({c.site_id for c, *_ in items}), Site.webhook_url.is_not(None)))}
    article_ids = {c.article_id for c, *_ in items if c.article_id and c.site_id in sites}
    articles = dict(db.execute(select(Article.id, Article.external_id)
                               .where(Article.id.in_(article_ids))).all()) if article_ids else {}
    for row, prev, (c, action, actor, reason, extra) in zip(rows, previous, items, strict=True):
        if source == "human":
            audit(db, actor, "comment.decision", "comment", c.external_id,
                  {"comment_id": c.id, "action": action, "reason": reason, "previous": prev},
                  site_id=c.site_id)
        site = sites.get(c.site_id)
        if site is not None:
            db.add(WebhookDelivery(site_id=site.id, event="comment.decision", payload={
                "event": "comment.decision",
                "comment": {"id": c.external_id, "status": action,
                            "article_id": articles.get(c.article_id)},
                "decision": {"id": row.id, "source": source, "action": action,
                             "reason": reason, "actor": actor, "created_at": now.isoformat(),
                             **(extra or {})},
            }, attempts=0, next_attempt_at=now, failed=False, last_error=""))
    rejected = [c for c, action, *_ in items if action == "reject" and c.author]
    if rejected:  # a site's rejection-rate rule may now premoderate their authors
        from civility.store.authors import after_rejections

        after_rejections(db, rejected, now)
    return rows


def record_decision(db: Session, comment_id: int, action: str, *, actor: str, reason: str = "",
                    source: str = "human") -> DecisionRecord:
    """A moderator's (or another actor's) decision on one comment; commits."""
    comment = db.get(CommentRow, comment_id)
    if comment is None:
        raise NotFound(f"no comment with id {comment_id}")
    row = _decide(db, comment, action, source=source, actor=actor, reason=reason)
    db.commit()
    return _decision_record(row)


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
    rows = _decide_many(db, [(comments[i], action, actor, reason, None) for i in ids],
                        source="human")
    db.commit()
    return [_decision_record(r) for r in rows]


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
    spans: dict[int, list[SpanInfo]] = defaultdict(list)
    for r in db.scalars(select(SpanRow).where(SpanRow.scoring_id.in_(ids)).order_by(SpanRow.id)):
        spans[r.scoring_id].append(SpanInfo(r.start, r.end, r.attribute, r.text, r.score))
    targets: dict[int, list[Target]] = defaultdict(list)
    for r in db.scalars(select(TargetRow).where(TargetRow.scoring_id.in_(ids))
                        .order_by(TargetRow.id)):
        targets[r.scoring_id].append(Target(r.group_name, r.category, r.mention, r.start,
                                                r.end))
    order = {a: i for i, a in enumerate(ATTRIBUTES)}
    out = {}
    for s in db.scalars(select(Scoring).where(Scoring.id.in_(ids))):
        ordered = dict(sorted(attrs[s.id].items(), key=lambda kv: order.get(kv[0], 99)))
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
        attributes[a] = {"mean": round(sum(values) / len(values), 4),
                         "max": round(max(values), 4),
                         "flagged": sum(v >= threshold for v in values),
                         "histogram": _histogram(values, 10)}
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


def _histogram(values: Iterable[float], bins: int) -> list[int]:
    out = [0] * bins
    for v in values:
        out[min(bins - 1, max(0, int(v * bins)))] += 1
    return out


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
        last = r[7]
        if isinstance(last, str):  # SQLite returns max() of a datetime column as text
            last = datetime.fromisoformat(last)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        out.append(ArticleStats(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6]),
                                last))
    return out


# --------------------------------------------------------------------------- dashboard


def decisions_per_day(db: Session, *, days: int = 30, now: datetime | None = None,
                      site_id: int | None = None) -> list[DayCount]:
    """Decisions per UTC day, split by source (model/human) and action, oldest day first."""
    start = (now or datetime.now(UTC)) - timedelta(days=days)
    counts: Counter[tuple[date, str, str]] = Counter()
    query = (select(Decision.created_at, Decision.source, Decision.action)
             .where(Decision.created_at >= start))
    if site_id is not None:
        query = query.join(CommentRow, CommentRow.id == Decision.comment_id).where(
            CommentRow.site_id == site_id)
    # Bucketing in Python keeps this portable (SQLite and PostgreSQL date functions differ).
    for created, source, action in db.execute(query):
        counts[(created.astimezone(UTC).date(), source, action)] += 1
    return [DayCount(d, s, a, n) for (d, s, a), n in sorted(counts.items())]


def _comment_filter(query: Select[Any], since: datetime | None, site_id: int | None
                    ) -> Select[Any]:
    """``query`` (joined to comments) limited to comments since a time and of one site."""
    if since is not None:
        query = query.where(CommentRow.created_at >= since)
    if site_id is not None:
        query = query.where(CommentRow.site_id == site_id)
    return query


def _current_scores(since: datetime | None, site_id: int | None = None) -> Select[Any]:
    query = (select(AttributeScore.attribute, AttributeScore.value)
             .join(CommentRow, CommentRow.scoring_id == AttributeScore.scoring_id))
    return _comment_filter(query, since, site_id)


def attribute_distribution(db: Session, *, bins: int = 10, since: datetime | None = None,
                           site_id: int | None = None) -> dict[str, list[int]]:
    """Per attribute, how many scored comments fall in each score bin ``[i/bins, (i+1)/bins)``."""
    out = {a: [0] * bins for a in ATTRIBUTES}
    for attribute, value in db.execute(_current_scores(since, site_id)):
        hist = out.setdefault(attribute, [0] * bins)
        hist[min(bins - 1, max(0, int(value * bins)))] += 1
    return out


def flagged_attribute_counts(db: Session, *, threshold: float = 0.5,
                             since: datetime | None = None, site_id: int | None = None
                             ) -> dict[str, int]:
    out = dict.fromkeys(ATTRIBUTES, 0)
    query = _comment_filter(select(AttributeScore.attribute, func.count())
                            .join(CommentRow, CommentRow.scoring_id == AttributeScore.scoring_id)
                            .where(AttributeScore.value >= threshold), since, site_id)
    for attribute, n in db.execute(query.group_by(AttributeScore.attribute)):
        out[attribute] = n
    return out


def top_targeted_groups(db: Session, *, limit: int = 10, since: datetime | None = None,
                        site_id: int | None = None) -> list[GroupCount]:
    """Groups attacked by the most comments (current scorings only)."""
    n = func.count(func.distinct(TargetRow.comment_id))
    query = _comment_filter(select(TargetRow.group_name, TargetRow.category, n)
                            .join(CommentRow, CommentRow.scoring_id == TargetRow.scoring_id),
                            since, site_id)
    rows = db.execute(query.group_by(TargetRow.group_name, TargetRow.category)
                      .order_by(n.desc(), TargetRow.group_name).limit(limit))
    return [GroupCount(g, c, int(k)) for g, c, k in rows]


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


def feedback_comment(db: Session, site_id: int, *, client_token: str | None, text: str,
                     story_url: str | None = None) -> int | None:
    """The stored comment a suggestion is about, if any.

    By ``clientToken`` first (the id the client gave when it asked for scores; Coral's
    ``comment:<id>`` also matches a comment stored as ``<id>``), else, when the client said
    which page the comment is on, a comment with the same text on that page (how Coral's
    moderators' feedback finds the comment its external moderation phase sent).
    """
    if client_token:
        tokens = list(dict.fromkeys([client_token, client_token.removeprefix("comment:")]))
        found = db.scalar(select(CommentRow.id).where(
            CommentRow.site_id == site_id, CommentRow.external_id.in_(tokens))
            .order_by(CommentRow.id.desc()).limit(1))
        if found is not None:
            return found
    if story_url:
        pages = select(Article.id).where(Article.site_id == site_id, Article.url == story_url)
        return db.scalar(select(CommentRow.id).where(
            CommentRow.site_id == site_id, CommentRow.article_id.in_(pages),
            CommentRow.text == text).order_by(CommentRow.id.desc()).limit(1))
    return None


def record_feedback(db: Session, site_id: int, *, text: str, scores: Sequence[SuggestedValue],
                    actor: str, comment_id: int | None = None, client_token: str | None = None,
                    community_id: str | None = None, session_id: str | None = None,
                    context: dict[str, Any] | None = None,
                    languages: Sequence[str] = ()) -> Feedback:
    """Store a suggestion with its scores and append it to the audit log; commits.

    The audit entry names the comment and the scores, never the text (the log is forever).
    """
    now = datetime.now(UTC)
    row = SuggestionRow(site_id=site_id, comment_id=comment_id, client_token=client_token,
                        community_id=community_id, session_id=session_id, text=text,
                        context=context or {}, languages=list(languages), actor=actor,
                        created_at=now)
    db.add(row)
    db.flush()
    db.add_all([SuggestedScore(suggestion_id=row.id, attribute=s.attribute, name=s.name,
                               value=s.value, start=s.start, end=s.end) for s in scores])
    external = (db.scalar(select(CommentRow.external_id).where(CommentRow.id == comment_id))
                if comment_id is not None else None)
    audit(db, actor, "comment.feedback", "comment" if external else "feedback",
          external or str(row.id),
          {"feedback_id": row.id, "comment_id": comment_id, "client_token": client_token,
           "community_id": community_id,
           "scores": {s.name: s.value for s in scores if s.start is None}},
          site_id=site_id)
    db.commit()
    return _feedback(db, [SuggestionRow.id == row.id])[0]


def list_feedback(db: Session, *, site_id: int | None = None, limit: int = 50,
                  offset: int = 0) -> tuple[list[Feedback], int]:
    """Newest first, with the total; ``site_id`` keeps that site's only."""
    conds = [] if site_id is None else [SuggestionRow.site_id == site_id]
    total = db.scalar(select(func.count()).select_from(SuggestionRow).where(*conds)) or 0
    return _feedback(db, conds, newest_first=True, limit=limit, offset=offset), total


def _feedback(db: Session, conds: Sequence[Any], *, newest_first: bool = False,
              limit: int | None = None, offset: int = 0) -> list[Feedback]:
    order = SuggestionRow.id.desc() if newest_first else SuggestionRow.id
    rows = db.execute(select(SuggestionRow, CommentRow.external_id)
                      .outerjoin(CommentRow, CommentRow.id == SuggestionRow.comment_id)
                      .where(*conds).order_by(order).limit(limit).offset(offset)).all()
    ids = [r[0].id for r in rows]
    scores: dict[int, list[SuggestedValue]] = defaultdict(list)
    if ids:
        for v in db.scalars(select(SuggestedScore).where(SuggestedScore.suggestion_id.in_(ids))
                            .order_by(SuggestedScore.id)):
            scores[v.suggestion_id].append(SuggestedValue(v.attribute, v.name, v.value,
                                                          v.start, v.end))
    return [Feedback(r.id, r.site_id, r.comment_id, ext, r.client_token, r.community_id,
                     r.session_id, r.text, tuple(scores[r.id]), tuple(r.languages or ()),
                     dict(r.context or {}), r.actor, r.created_at) for r, ext in rows]


# --------------------------------------------------------------------------- site integrations


def set_site_queue_compat(db: Session, name: str, on: bool, *, actor: str = "cli") -> Site:
    """Whether comments from the Perspective and OpenAI endpoints join SITE's review queue."""
    site = get_site(db, name, create=True)
    site.queue_compat = on
    audit(db, actor, "site.queue_compat", "site", name, {"queue_compat": on}, site_id=site.id)
    db.commit()
    return site


def set_site_coral(db: Session, name: str, secrets: Sequence[str] | None, *,
                   actor: str = "cli") -> Site:
    """Connect SITE to Coral's external moderation phase with these signing secrets (several
    while Coral rotates one), or disconnect it (None). The audit log says how many, never
    which."""
    clean = [x.strip() for x in secrets or () if x.strip()]
    if secrets is not None and not clean:
        raise ValueError("no signing secret given")
    if any(len(x) > 500 or any(ch.isspace() for ch in x) for x in clean):
        raise ValueError("a signing secret is one word of at most 500 characters")
    site = get_site(db, name, create=True)
    site.coral_secrets = "\n".join(dict.fromkeys(clean)) or None
    audit(db, actor, "site.coral", "site", name,
          {"connected": bool(clean), "secrets": len(set(clean))}, site_id=site.id)
    db.commit()
    return site


def coral_sites(db: Session) -> list[tuple[int, str, tuple[str, ...]]]:
    """(site id, name, signing secrets) of every site connected to Coral."""
    return [(s.id, s.name, tuple(s.coral_secrets.split("\n")))
            for s in db.scalars(select(Site).where(Site.coral_secrets.is_not(None))
                                .order_by(Site.id)) if s.coral_secrets]


def map_community(db: Session, name: str, community_id: str, *, remove: bool = False,
                  actor: str = "cli") -> Site:
    """Perspective requests with this ``communityId`` belong to SITE (or no longer do)."""
    if not 1 <= len(community_id) <= 255:
        raise ValueError("a communityId is 1-255 characters")
    site = get_site(db, name, create=not remove)
    row = db.get(SiteCommunity, community_id)
    if remove:
        if row is None or row.site_id != site.id:
            raise NotFound(f"communityId {community_id!r} is not mapped to site {name!r}")
        db.delete(row)
    elif row is None:
        db.add(SiteCommunity(community_id=community_id, site_id=site.id))
    else:
        row.site_id = site.id
    audit(db, actor, "site.community", "site", name,
          {"community_id": community_id, "removed": remove}, site_id=site.id)
    db.commit()
    return site


def site_for_community(db: Session, community_id: str) -> int | None:
    return db.scalar(select(SiteCommunity.site_id)
                     .where(SiteCommunity.community_id == community_id))


def site_queue_compat(db: Session, site_id: int) -> bool:
    return bool(db.scalar(select(Site.queue_compat).where(Site.id == site_id)))


def site_communities(db: Session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for community, site_id in db.execute(select(SiteCommunity.community_id,
                                                SiteCommunity.site_id)
                                         .order_by(SiteCommunity.community_id)):
        out[site_id].append(community)
    return out
