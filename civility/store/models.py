"""The database schema, as SQLAlchemy 2 ORM classes.

The Alembic migrations in ``civility/store/migrations`` are the source of truth for the
deployed schema; these classes mirror them so queries are typed. A comment row is written
(and committed) before it is scored, so ``status == "pending"`` means "accepted, not yet
scored" and a restart can finish the job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone on the way back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value settings the server keeps for itself (e.g. its generated secret key)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Site(Base):
    """A publisher: owns articles, comments, API keys and an optional webhook."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Comments from the Perspective and OpenAI endpoints join the review queue (opt-in: a
    #: client that only switched its base URL moderates them itself).
    queue_compat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Coral Talk's signing secrets for the external moderation phase, one per line.
    coral_secrets: Mapped[str | None] = mapped_column(Text, nullable=True)


class SiteCommunity(Base):
    """A Perspective ``communityId`` that belongs to a site."""

    __tablename__ = "site_communities"
    community_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_articles_site_ext"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id", name="uq_comments_site_ext"),
        Index("ix_comments_status_created", "status", "created_at"),
        Index("ix_comments_article", "article_id"),
        Index("ix_comments_site_author", "site_id", "author"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)
    author: Mapped[str | None] = mapped_column(String(255), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: pending (accepted, not scored) | publish | review | reject — the latest decision —
    #: or failed (scoring kept failing; ``score_error`` says why, a moderator can decide).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: The current scoring (no FK: scorings reference comments, and SQLite cannot add one later).
    scoring_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Scoring attempts started; the pending sweep gives up after a bounded number.
    score_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: When the latest attempt started: a lease, so no two processes score a comment at once.
    score_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Why the latest attempt failed ("" when it did not).
    score_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: How it arrived: api (native, import) | perspective | openai | coral.
    origin: Mapped[str] = mapped_column(String(16), default="api", server_default="api")
    #: Whether a "review" decision puts it in the review queue (False: compatibility traffic
    #: of a site that had not opted in when it arrived; see ``Site.queue_compat``).
    queued: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    article: Mapped[Article | None] = relationship(lazy="joined")


class Scoring(Base):
    """One run of the model over a comment: scores, targets and spans share its model version."""

    __tablename__ = "scorings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(200))
    policy: Mapped[str] = mapped_column(String(200), default="")
    decision: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ISO 639-1 code of the comment's language ("und": undetermined; "": not recorded).
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")


class AttributeScore(Base):
    __tablename__ = "attribute_scores"
    __table_args__ = (Index("ix_attribute_scores_attr_value", "attribute", "value"),)
    scoring_id: Mapped[int] = mapped_column(ForeignKey("scorings.id"), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(40), primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    value: Mapped[float] = mapped_column(Float)


class TargetRow(Base):
    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_group", "group_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scoring_id: Mapped[int] = mapped_column(ForeignKey("scorings.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    mention: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class SpanRow(Base):
    __tablename__ = "spans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scoring_id: Mapped[int] = mapped_column(ForeignKey("scorings.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    attribute: Mapped[str] = mapped_column(String(40))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))  # model | human
    action: Mapped[str] = mapped_column(String(16))  # publish | review | reject
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditLog(Base):
    """Append-only: database triggers refuse UPDATE, DELETE, REPLACE (SQLite) and TRUNCATE
    (PostgreSQL); a hash chain (:mod:`civility.store.chain`) shows any change made around them.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The site the entry is about (None: moderator accounts, which span sites).
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    #: The previous entry's hash (``chain.GENESIS`` for the first) and this entry's.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


#: The ``meta`` row audit appenders lock, so two transactions never chain onto the same entry.
AUDIT_CHAIN_LOCK = "audit_chain_lock"


class ModeratorRow(Base):
    __tablename__ = "moderators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="moderator")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SessionRow(Base):
    """A logged-in browser; the cookie holds a random token, the row only its SHA-256."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """An API key: ``civ_<prefix>_<secret>``; only the SHA-256 of the whole key is kept."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))  # space separated
    rate_limit: Mapped[float | None] = mapped_column(Float, nullable=True)  # requests / second
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookDelivery(Base):
    """Outbox row: written in the decision's transaction, sent by the webhook worker."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_pending", "delivered_at", "failed", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreSuggestion(Base):
    """One ``comments:suggestscore`` call: a client's verdict on a comment, as scores.

    The text is kept whether or not the comment is stored here (Perspective's feedback carries
    it), so the label stays usable for calibration; ``comment_id`` links it when known.
    """

    __tablename__ = "score_suggestions"
    __table_args__ = (Index("ix_score_suggestions_site_created", "site_id", "created_at"),
                      Index("ix_score_suggestions_comment", "comment_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), nullable=True)
    client_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    community_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    #: The request's context: ``{"entries": [...]}`` or ``{"article": ..., "parent": ...}``.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestedScore(Base):
    """One suggested score: the whole comment's (no ``start``) or a span's, in characters."""

    __tablename__ = "suggested_scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("score_suggestions.id"), index=True)
    attribute: Mapped[str] = mapped_column(String(40))  # ours, e.g. toxicity
    name: Mapped[str] = mapped_column(String(100))  # as sent, e.g. TOXICITY@1
    value: Mapped[float] = mapped_column(Float)
    start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SitePolicy(Base):
    """A policy an admin applied to a site; the site's newest row is in force.

    ``toml`` None hands the site back to the server's policy. Rows are only ever added, so
    the history says which policy decided a comment at any time.
    """

    __tablename__ = "site_policies"
    __table_args__ = (Index("ix_site_policies_site", "site_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(200))
    toml: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorRow(Base):
    """A commenter of a site, by the name their comments carry (``comments.author``).

    A row exists once something is known beyond their comments: a moderator's action, a rule
    that moved them. ``status`` (see :mod:`civility.authors`) lasts until ``status_until``
    (None: until changed); ``status_since`` is when it last changed (the rejection-rate rule
    counts only comments after a moderator reinstated someone).
    """

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_authors_site_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    status_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    status_by: Mapped[str] = mapped_column(String(255), default="", server_default="")
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    warnings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorActionRow(Base):
    """What a moderator (or a site rule, actor ``policy``) did to an author: their history."""

    __tablename__ = "author_actions"
    __table_args__ = (Index("ix_author_actions_author", "author_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    action: Mapped[str] = mapped_column(String(16))  # warn | premoderate | suspend | ban | ...
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text, default="")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Previous status, comments rejected with the action, and the like.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteRulesRow(Base):
    """A site's rules about commenters and words (:class:`civility.authors.SiteRules`)."""

    __tablename__ = "site_rules"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    new_author_approvals: Mapped[int] = mapped_column(Integer, default=0)
    rejection_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    rejection_window_days: Mapped[int] = mapped_column(Integer, default=30)
    rejection_min_comments: Mapped[int] = mapped_column(Integer, default=5)
    hold_links: Mapped[bool] = mapped_column(Boolean, default=False)
    banned_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    suspect_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(255), default="")
