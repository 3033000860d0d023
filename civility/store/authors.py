"""Commenters in the database: their history, moderators' actions on them, and site rules.

The decisions themselves are pure (:mod:`civility.authors`); this module reads the facts
they need and writes what follows. Every read takes the site it is about, so an API key sees
only its own site's commenters. Every action lands, in one transaction, in the author's
history (``author_actions``), the audit log and the site's webhook outbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, func, or_, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from civility.authors import (
    POLICY_ACTOR,
    ActionPlan,
    AuthorStatus,
    SiteRules,
    Standing,
    adjust,
    author_reasons,
    plan_action,
    rate_reason,
)
from civility.lexical import find_links
from civility.normalize import normalize
from civility.records import Verdict
from civility.store import queries as q
from civility.store.models import (
    AuthorActionRow,
    AuthorRow,
    CommentRow,
    Decision,
    Scoring,
    Site,
    SiteRulesRow,
    WebhookDelivery,
)
from civility.store.queries.decisions import Decidable, _decide_many
from civility.store.queries.records import _as_utc

#: How an author listing can be narrowed (besides a name search).
LIST_FILTERS = ("all", "restricted", "premoderated", "suspended", "banned", "warned")
LIST_ORDERS = ("recent", "rejected", "name")
#: Comments still open to a decision: rejected with a suspension or ban when asked.
OPEN_STATUSES = ("pending", "review", "failed")
#: Ids of rejected comments an action's audit entry and webhook name (the count is exact).
_NAMED_IDS = 100


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class AuthorActionInfo:
    id: int
    action: str
    actor: str
    reason: str
    until: datetime | None
    details: dict[str, Any]
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "actor": self.actor,
                "reason": self.reason, "until": _iso(self.until), "details": self.details,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True, slots=True)
class RecentComment:
    """One of an author's rejected comments, with the reason of its latest decision."""

    id: int
    external_id: str
    text: str
    created_at: datetime
    reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.external_id, "internal_id": self.id, "text": self.text,
                "created_at": self.created_at.isoformat(), "reason": self.reason,
                "source": self.source}


@dataclass(frozen=True, slots=True)
class AuthorSummary:
    """What a moderator sees beside a comment: the author's counts and standing."""

    site_id: int
    name: str
    counts: dict[str, int]
    status: AuthorStatus
    until: datetime | None
    warnings: int
    #: What the author's standing does to their next comment: (action, reason), or None.
    next_comment: tuple[str, str] | None = None

    @property
    def comments(self) -> int:
        return sum(self.counts.values())

    @property
    def published(self) -> int:
        return self.counts.get("publish", 0)

    @property
    def rejected(self) -> int:
        return self.counts.get("reject", 0)

    @property
    def held(self) -> int:
        return self.counts.get("review", 0)


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    """An author on one site: their counts by decision, recent rejections, standing and
    every action taken on them (newest first)."""

    summary: AuthorSummary
    site: str
    standing: Standing
    since: datetime | None
    first_seen: datetime | None
    last_seen: datetime | None
    recent_rejections: tuple[RecentComment, ...]
    actions: tuple[AuthorActionInfo, ...]

    @property
    def name(self) -> str:
        return self.summary.name

    def to_dict(self) -> dict[str, Any]:
        s, st = self.summary, self.standing
        nxt = s.next_comment
        return {
            "author": s.name, "site": self.site, "status": s.status, "until": _iso(s.until),
            "reason": st.reason if s.status != "active" else "",
            "set_by": st.set_by if s.status != "active" else "",
            "since": _iso(self.since), "warnings": s.warnings, "counts": s.counts,
            "comments": s.comments, "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "next_comment": {"at_most": None, "reason": None} if nxt is None else
            {"at_most": nxt[0], "reason": nxt[1]},
            "recent_rejections": [c.to_dict() for c in self.recent_rejections],
            "actions": [a.to_dict() for a in self.actions],
        }


@dataclass(frozen=True, slots=True)
class AuthorPage:
    items: tuple[AuthorSummary, ...]
    total: int
    limit: int
    offset: int
    #: The latest comment of each listed author, by (site id, name).
    last_seen: dict[tuple[int, str], datetime | None]
    sites: dict[int, str]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --------------------------------------------------------------------------- site rules


def _rules(row: SiteRulesRow | Row[Any] | None) -> SiteRules:
    if row is None:
        return SiteRules()
    return SiteRules(new_author_approvals=row.new_author_approvals,
                     rejection_rate=row.rejection_rate,
                     rejection_window_days=row.rejection_window_days,
                     rejection_min_comments=row.rejection_min_comments,
                     hold_links=row.hold_links, banned_words=tuple(row.banned_words or ()),
                     suspect_words=tuple(row.suspect_words or ()))


def rules_for_sites(db: Session, site_ids: Iterable[int]) -> dict[int, SiteRules]:
    """Each site's rules (every rule off for a site that never set any)."""
    ids = set(site_ids)
    rows = {r.site_id: r for r in db.scalars(select(SiteRulesRow)
                                             .where(SiteRulesRow.site_id.in_(ids)))} if ids else {}
    return {i: _rules(rows.get(i)) for i in ids}


def site_rules(db: Session, site_id: int) -> SiteRules:
    return rules_for_sites(db, [site_id])[site_id]


def set_site_rules(db: Session, site_name: str, rules: SiteRules, *, actor: str) -> SiteRules:
    """Replace a site's rules; audited with what changed. Commits. NotFound: no such site."""
    site = q.get_site(db, site_name)
    row = db.get(SiteRulesRow, site.id)
    before = _rules(row)
    if row is None:
        row = SiteRulesRow(site_id=site.id)
        db.add(row)
    row.new_author_approvals = rules.new_author_approvals
    row.rejection_rate = rules.rejection_rate
    row.rejection_window_days = rules.rejection_window_days
    row.rejection_min_comments = rules.rejection_min_comments
    row.hold_links = rules.hold_links
    row.banned_words = list(rules.banned_words)
    row.suspect_words = list(rules.suspect_words)
    row.updated_at = datetime.now(UTC)
    row.updated_by = actor
    q.audit(db, actor, "site.rules", "site", site.name, _rule_changes(before, rules),
            site_id=site.id)
    db.commit()
    return rules


def _rule_changes(before: SiteRules, after: SiteRules) -> dict[str, Any]:
    """What changed, for the audit log: settings old -> new, phrases added and removed."""
    out: dict[str, Any] = {}
    for name in ("new_author_approvals", "rejection_rate", "rejection_window_days",
                 "rejection_min_comments", "hold_links"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            out[name] = [old, new]
    for name in ("banned_words", "suspect_words"):
        old_set, new_set = set(getattr(before, name)), set(getattr(after, name))
        if old_set != new_set:
            out[name] = {"added": sorted(new_set - old_set), "removed": sorted(old_set - new_set)}
    return out


def rules_dict(rules: SiteRules) -> dict[str, Any]:
    return {"new_author_approvals": rules.new_author_approvals,
            "rejection_rate": rules.rejection_rate,
            "rejection_window_days": rules.rejection_window_days,
            "rejection_min_comments": rules.rejection_min_comments,
            "hold_links": rules.hold_links, "banned_words": list(rules.banned_words),
            "suspect_words": list(rules.suspect_words)}


# --------------------------------------------------------------------------- standing


def _standing(row: AuthorRow | None, published: int = 0) -> Standing:
    if row is None:
        return Standing(published=published)
    return Standing(status=row.status, until=row.status_until,  # type: ignore[arg-type]
                    reason=row.status_reason or "", set_by=row.status_by or "",
                    published=published)


def _author_rows(db: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], AuthorRow]:
    if not keys:
        return {}
    sites, names = {s for s, _ in keys}, {n for _, n in keys}
    rows = db.scalars(select(AuthorRow).where(AuthorRow.site_id.in_(sites),
                                              AuthorRow.name.in_(names)))
    return {(r.site_id, r.name): r for r in rows if (r.site_id, r.name) in keys}


def _counts(db: Session, keys: set[tuple[int, str]], *, statuses: Sequence[str] | None = None
            ) -> dict[tuple[int, str], dict[str, int]]:
    """Comments per status of each (site, author)."""
    out: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(q.STATUSES, 0))
    if not keys:
        return out
    sites, names = {s for s, _ in keys}, {n for _, n in keys}
    conds = [CommentRow.site_id.in_(sites), CommentRow.author.in_(names)]
    if statuses is not None:
        conds.append(CommentRow.status.in_(statuses))
    for site, name, status, n in db.execute(
            select(CommentRow.site_id, CommentRow.author, CommentRow.status, func.count())
            .where(*conds).group_by(CommentRow.site_id, CommentRow.author, CommentRow.status)):
        if (site, name) in keys:
            out[(site, name)][status] = int(n)
    return out


_c, _r = CommentRow.__table__, SiteRulesRow.__table__
#: Built once, on the tables (no ORM objects): the server runs it once per micro-batch. A row
#: has the rule columns by their names, as a SiteRulesRow has them (:func:`_rules`).
_COMMENTS_WITH_RULES = (
    select(_c.c.id, _c.c.site_id, _c.c.author, _r.c.site_id.label("rules_site"),
           *(_r.c[name] for name in ("new_author_approvals", "rejection_rate",
                                     "rejection_window_days", "rejection_min_comments",
                                     "hold_links", "banned_words", "suspect_words")))
    .select_from(_c.outerjoin(_r, _r.c.site_id == _c.c.site_id))
    .where(_c.c.id.in_(bindparam("ids", expanding=True))))


def apply_rules(db: Session, pairs: Sequence[tuple[int, Verdict]], *,
                now: datetime | None = None) -> list[tuple[int, Verdict]]:
    """The verdicts of stored comments adjusted for their sites' rules and their authors'
    standing (:func:`civility.authors.adjust`), in order; an unchanged verdict is the same
    object. Reads only; the caller stores the result."""
    if not pairs:
        return []
    now = now or datetime.now(UTC)
    where: dict[int, tuple[int, str | None]] = {}
    rules: dict[int, SiteRules] = {}
    for row in db.execute(_COMMENTS_WITH_RULES, {"ids": [cid for cid, _ in pairs]}):
        where[row.id] = (row.site_id, row.author)  # one read: comments and their sites' rules
        if row.site_id not in rules:
            rules[row.site_id] = _rules(row if row.rules_site is not None else None)
    keys = {(site, author) for site, author in where.values() if author}
    rows = _author_rows(db, keys)
    counting = {k for k in keys if rules[k[0]].new_author_approvals}
    published = _counts(db, counting, statuses=("publish",)) if counting else {}
    out = []
    for cid, verdict in pairs:
        if cid not in where:
            out.append((cid, verdict))
            continue
        site, author = where[cid]
        r = rules[site]
        standing = None
        if author:
            count = published[(site, author)]["publish"] if (site, author) in counting else 0
            standing = _standing(rows.get((site, author)), count)
        decision, reasons = adjust(
            verdict.decision, verdict.reasons, rules=r, standing=standing,
            normalized_text=normalize(verdict.text).text if r.word_rules() else "",
            has_link=r.hold_links and bool(find_links(verdict.text)), now=now)
        changed = decision != verdict.decision or reasons != tuple(verdict.reasons)
        out.append((cid, replace(verdict, decision=decision, reasons=reasons)
                    if changed else verdict))
    return out


# --------------------------------------------------------------------------- actions


def _ensure_author(db: Session, site_id: int, name: str, now: datetime) -> AuthorRow:
    """The author's row, created if new (concurrent creators agree on one), locked for this
    transaction on PostgreSQL so two actions on one author apply one after the other."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(AuthorRow).values(
        site_id=site_id, name=name, status="active", status_reason="", status_by="",
        warnings=0, created_at=now).on_conflict_do_nothing(index_elements=["site_id", "name"]))
    row = db.scalar(select(AuthorRow).where(AuthorRow.site_id == site_id, AuthorRow.name == name)
                    .with_for_update().execution_options(populate_existing=True))
    assert row is not None
    return row


def _announce(db: Session, site_id: int, event: str, payload: dict[str, Any],
              now: datetime) -> None:
    """Queue a webhook delivery in this transaction, if the site has a webhook."""
    if db.scalar(select(Site.webhook_url).where(Site.id == site_id)):
        db.add(WebhookDelivery(site_id=site_id, event=event, payload={"event": event, **payload},
                               attempts=0, next_attempt_at=now, failed=False, last_error=""))


def _apply(db: Session, row: AuthorRow, plan: ActionPlan, *, actor: str, reason: str,
           now: datetime, reject_reason: str | None = None) -> AuthorActionRow:
    """Carry out the action on the author: their status (then, if asked, the rejection of
    their open comments, which the rejection-rate rule must see them restricted for), their
    history, the audit log and the webhook, in the caller's transaction."""
    previous = _standing(row).status_at(now)
    if plan.status is not None:
        row.status, row.status_until = plan.status, plan.until
        row.status_reason = reason if plan.status != "active" else ""
        row.status_by, row.status_since = actor, now
    else:
        row.warnings += 1
    details: dict[str, Any] = {"previous": previous}
    if plan.reject_pending:
        db.flush()
        open_comments = list(db.scalars(
            select(CommentRow).where(CommentRow.site_id == row.site_id,
                                     CommentRow.author == row.name,
                                     CommentRow.status.in_(OPEN_STATUSES))
            .order_by(CommentRow.id)))
        why = reject_reason or (f"other: author {plan.status}"
                                + (f" ({reason})" if reason else ""))
        _decide_many(db, [(c, "reject", actor, why[:500], None) for c in open_comments],
                     source="human", now=now)
        details["rejected"] = len(open_comments)
        details["rejected_ids"] = [c.external_id for c in open_comments[:_NAMED_IDS]]
    action = AuthorActionRow(author_id=row.id, site_id=row.site_id, action=plan.action,
                             actor=actor, reason=reason, until=plan.until, details=details,
                             created_at=now)
    db.add(action)
    db.flush()
    q.audit(db, actor, f"author.{plan.action}", "author", row.name,
            {"action_id": action.id, "reason": reason, "until": _iso(plan.until), **details},
            site_id=row.site_id)
    _announce(db, row.site_id, plan.event, {
        "author": {"id": row.name, "status": row.status, "until": _iso(row.status_until),
                   "warnings": row.warnings},
        "action": {"id": action.id, "action": plan.action, "actor": actor, "reason": reason,
                   "until": _iso(plan.until), "created_at": now.isoformat(), **details},
    }, now)
    return action


def act(db: Session, site_id: int, name: str, action: str, *, actor: str, reason: str = "",
        days: int | None = None, reject_pending: bool = False,
        reject_reason: str | None = None, now: datetime | None = None) -> AuthorActionInfo:
    """A moderator's action on an author of a site: warn, premoderate, suspend, ban or
    reinstate (see :func:`civility.authors.plan_action`; ValueError says what is wrong).

    With ``reject_pending`` their pending and held comments are rejected too, as the
    moderator's decisions (``reject_reason``, by default ``other: author banned``), each
    audited and sent like any decision. All of it in one transaction; commits.
    """
    now = now or datetime.now(UTC)
    if not 1 <= len(name) <= 255:
        raise ValueError("an author is 1-255 characters")
    plan = plan_action(action, now=now, days=days, reject_pending=reject_pending)
    reason = " ".join(reason.split())[:500]
    row = _ensure_author(db, site_id, name, now)
    info = _apply(db, row, plan, actor=actor, reason=reason, now=now,
                  reject_reason=reject_reason)
    db.commit()
    return _action_info(info)


def _action_info(row: AuthorActionRow) -> AuthorActionInfo:
    return AuthorActionInfo(row.id, row.action, row.actor, row.reason, row.until,
                            dict(row.details or {}), row.created_at)


def after_rejections(db: Session, comments: Sequence[Decidable], now: datetime) -> None:
    """Premoderate the authors of just-rejected comments whose rejection rate now reaches
    their site's limit (:func:`civility.authors.rate_reason`), in the caller's transaction.

    Counted over the rule's window, from when a moderator last changed the author's status
    at the earliest (reinstating someone gives them a clean slate). Authors already
    premoderated, suspended or banned are left as they are.
    """
    keys = {(c.site_id, c.author) for c in comments if c.author}
    if not keys:
        return
    rules = rules_for_sites(db, {site for site, _ in keys})
    keys = {k for k in keys if rules[k[0]].rejection_rate is not None}
    rows = _author_rows(db, keys)
    for site, name in sorted(keys):
        row = rows.get((site, name))
        if row is not None and _standing(row).status_at(now) != "active":
            continue
        r = rules[site]
        start = now - timedelta(days=r.rejection_window_days)
        if row is not None and row.status_since is not None:
            start = max(start, row.status_since)
        counts = dict(db.execute(
            select(CommentRow.status, func.count())
            .where(CommentRow.site_id == site, CommentRow.author == name,
                   CommentRow.status.in_(("publish", "reject")), CommentRow.created_at >= start)
            .group_by(CommentRow.status)).all())
        rejected = int(counts.get("reject", 0))
        reason = rate_reason(r, rejected, rejected + int(counts.get("publish", 0)))
        if reason is not None:
            _apply(db, _ensure_author(db, site, name, now),
                   plan_action("premoderate", now=now), actor=POLICY_ACTOR, reason=reason,
                   now=now)


# --------------------------------------------------------------------------- reading


def _summaries(db: Session, keys: set[tuple[int, str]], now: datetime
               ) -> dict[tuple[int, str], AuthorSummary]:
    rows = _author_rows(db, keys)
    counts = _counts(db, keys)
    rules = rules_for_sites(db, {site for site, _ in keys})
    out = {}
    for site, name in keys:
        row, c = rows.get((site, name)), counts[(site, name)]
        standing = _standing(row, c.get("publish", 0))
        found = author_reasons(standing, rules[site], now)
        out[(site, name)] = AuthorSummary(
            site, name, dict(c), standing.status_at(now),
            standing.until if standing.status_at(now) != "active" else None,
            row.warnings if row is not None else 0, found[0] if found else None)
    return out


def author_summaries(db: Session, comment_ids: Iterable[int], *, now: datetime | None = None
                     ) -> dict[int, AuthorSummary]:
    """The author summary of each comment that has an author, by comment id: one set of
    queries for a whole page of comments."""
    ids = list(comment_ids)
    if not ids:
        return {}
    where = {cid: (site, author) for cid, site, author in db.execute(
        select(CommentRow.id, CommentRow.site_id, CommentRow.author)
        .where(CommentRow.id.in_(ids), CommentRow.author.is_not(None)))}
    found = _summaries(db, set(where.values()), now or datetime.now(UTC))
    return {cid: found[key] for cid, key in where.items()}


def author_history(db: Session, site_id: int, name: str, *, now: datetime | None = None,
                   recent: int = 10, actions: int = 50) -> AuthorHistory | None:
    """The author's history on one site, or None when the site knows nothing of them."""
    now = now or datetime.now(UTC)
    key = (site_id, name)
    row = _author_rows(db, {key}).get(key)
    first, last = db.execute(select(func.min(CommentRow.created_at),
                                    func.max(CommentRow.created_at))
                             .where(CommentRow.site_id == site_id,
                                    CommentRow.author == name)).one()
    if row is None and first is None:
        return None
    summary = _summaries(db, {key}, now)[key]
    site = db.get(Site, site_id)
    rejected = db.scalars(select(CommentRow).where(
        CommentRow.site_id == site_id, CommentRow.author == name, CommentRow.status == "reject")
        .order_by(CommentRow.created_at.desc(), CommentRow.id.desc()).limit(recent)).all()
    latest = _latest_decisions(db, [c.id for c in rejected])
    scorings = dict(db.execute(select(Scoring.id, Scoring.reasons).where(
        Scoring.id.in_([c.scoring_id for c in rejected if c.scoring_id]))).all())
    recent_rows = []
    for c in rejected:
        d = latest.get(c.id)
        reason = (d.reason if d is not None and d.source == "human"
                  else "; ".join(scorings.get(c.scoring_id or -1) or ()))
        recent_rows.append(RecentComment(c.id, c.external_id, c.text, c.created_at, reason,
                                         d.source if d is not None else "model"))
    history = tuple(_action_info(a) for a in db.scalars(
        select(AuthorActionRow).where(AuthorActionRow.author_id == row.id)
        .order_by(AuthorActionRow.id.desc()).limit(actions))) if row is not None else ()
    return AuthorHistory(summary, site.name if site else "", _standing(row, summary.published),
                         row.status_since if row is not None else None, _as_utc(first),
                         _as_utc(last), tuple(recent_rows), history)


def _latest_decisions(db: Session, comment_ids: Sequence[int]) -> dict[int, Decision]:
    if not comment_ids:
        return {}
    newest = (select(func.max(Decision.id)).where(Decision.comment_id.in_(comment_ids))
              .group_by(Decision.comment_id))
    return {d.comment_id: d for d in db.scalars(select(Decision).where(Decision.id.in_(newest)))}


def find_author_site(db: Session, name: str) -> int | None:
    """For moderators, who work across sites: the first site that knows this author."""
    seen = union(select(CommentRow.site_id.label("site_id"))
                 .where(CommentRow.author == name),
                 select(AuthorRow.site_id.label("site_id")).where(AuthorRow.name == name)
                 ).subquery()
    return db.scalar(select(func.min(seen.c.site_id)))


def list_authors(db: Session, *, site_id: int | None = None, status: str = "all",
                 search: str | None = None, order: str = "recent", limit: int = 50,
                 offset: int = 0, now: datetime | None = None) -> AuthorPage:
    """Authors (of one site, or every site), with their counts and standing.

    ``status``: one of :data:`LIST_FILTERS` (``restricted``: premoderated, suspended or
    banned now); ``search``: part of the name, any case; ``order``: ``recent`` (latest
    comment first), ``rejected`` (most rejected first) or ``name``.
    """
    if status not in LIST_FILTERS:
        raise ValueError(f"status must be one of {', '.join(LIST_FILTERS)}, not {status!r}")
    if order not in LIST_ORDERS:
        raise ValueError(f"order must be one of {', '.join(LIST_ORDERS)}, not {order!r}")
    now = now or datetime.now(UTC)
    named = [CommentRow.author.is_not(None)]
    row_conds = []
    if site_id is not None:
        named.append(CommentRow.site_id == site_id)
        row_conds.append(AuthorRow.site_id == site_id)
    names = union(select(CommentRow.site_id.label("site_id"), CommentRow.author.label("name"))
                  .where(*named),
                  select(AuthorRow.site_id.label("site_id"), AuthorRow.name.label("name"))
                  .where(*row_conds)).subquery()
    counts = (select(CommentRow.site_id.label("site_id"), CommentRow.author.label("name"),
                     func.sum(case((CommentRow.status == "reject", 1), else_=0))
                     .label("rejected"),
                     func.max(CommentRow.created_at).label("last"))
              .where(*named).group_by(CommentRow.site_id, CommentRow.author).subquery())
    joined = (select(names.c.site_id, names.c.name, counts.c.last)
              .outerjoin(counts, and_(counts.c.site_id == names.c.site_id,
                                      counts.c.name == names.c.name))
              .outerjoin(AuthorRow, and_(AuthorRow.site_id == names.c.site_id,
                                         AuthorRow.name == names.c.name)))
    in_force = or_(AuthorRow.status_until.is_(None), AuthorRow.status_until > now)
    conds: list[Any] = []
    if status in ("premoderated", "suspended"):
        conds += [AuthorRow.status == status, in_force]
    elif status == "banned":
        conds.append(AuthorRow.status == "banned")
    elif status == "restricted":
        conds.append(or_(AuthorRow.status == "banned",
                         and_(AuthorRow.status.in_(("premoderated", "suspended")), in_force)))
    elif status == "warned":
        conds.append(AuthorRow.warnings > 0)
    if search:
        pattern = f"%{search.lower().replace('%', '').replace('_', '')}%"
        conds.append(func.lower(names.c.name).like(pattern))
    joined = joined.where(*conds)
    total = db.scalar(select(func.count()).select_from(joined.subquery())) or 0
    orders = {"recent": (counts.c.last.desc().nulls_last(),),
              "rejected": (func.coalesce(counts.c.rejected, 0).desc(),
                           counts.c.last.desc().nulls_last()),
              "name": ()}[order]
    rows = db.execute(joined.order_by(*orders, names.c.name, names.c.site_id)
                      .limit(limit).offset(offset)).all()
    keys = [(r[0], r[1]) for r in rows]
    found = _summaries(db, set(keys), now)
    sites = dict(db.execute(select(Site.id, Site.name)
                            .where(Site.id.in_({s for s, _ in keys}))).all()) if keys else {}
    return AuthorPage(tuple(found[k] for k in keys), total, limit, offset,
                      {(r[0], r[1]): _as_utc(r[2]) for r in rows}, sites)
