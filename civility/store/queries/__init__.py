"""Every read and write the server and the UI make, as plain functions over a ``Session``.

Reads return frozen dataclasses (ready to render or serialise, detached from the session);
writes commit their own transaction so a caller can never half-apply a decision. Decisions
(model or human) write the decision row, update the comment's status, append the audit log
(humans) and queue the site's webhook in ONE transaction: nothing is announced that was not
stored.

Callers use the package as one face (``from civility.store import queries as q``); the
modules behind it each do one job: ``records`` (the dataclasses and their JSON shapes),
``sites`` (sites, articles, integrations), ``intake`` (comments in, verdicts, the pending
queue), ``decisions`` (decisions, webhook queueing, the audit chain), ``reads`` (comments,
queue, threads), ``dashboard`` (aggregates) and ``feedback`` (client-suggested scores).
"""

from __future__ import annotations

from civility.store.queries.dashboard import (
    attribute_distribution,
    decisions_per_day,
    flagged_attribute_counts,
    top_targeted_groups,
)
from civility.store.queries.decisions import (
    audit,
    audit_actions,
    audit_log,
    record_decision,
    record_decisions,
    verify_audit_log,
)
from civility.store.queries.feedback import (
    feedback_comment,
    list_feedback,
    record_feedback,
)
from civility.store.queries.intake import (
    accept_comments,
    claim_pending,
    give_up_pending,
    record_scoring_errors,
    store_verdicts,
)
from civility.store.queries.reads import (
    busiest_articles,
    comment_by_external,
    comment_by_external_any,
    comment_detail,
    counts_by_status,
    list_articles,
    review_queue,
    thread,
    thread_report,
)
from civility.store.queries.records import (
    ACTIONS,
    STATUSES,
    Accepted,
    ArticleInfo,
    ArticleStats,
    AuditEntry,
    AuditPage,
    CommentDetail,
    DayCount,
    DecisionRecord,
    Feedback,
    GroupCount,
    NewComment,
    NotFound,
    PendingComment,
    QueueItem,
    QueuePage,
    ScoringInfo,
    SuggestedValue,
    Thread,
    ThreadComment,
)
from civility.store.queries.sites import (
    article_by_external,
    article_by_external_any,
    article_text,
    coral_sites,
    get_site,
    list_sites,
    map_community,
    set_site_coral,
    set_site_queue_compat,
    set_site_webhook,
    site_communities,
    site_for_community,
    site_queue_compat,
    upsert_article,
)

__all__ = [
    "ACTIONS",
    "STATUSES",
    "Accepted",
    "ArticleInfo",
    "ArticleStats",
    "AuditEntry",
    "AuditPage",
    "CommentDetail",
    "DayCount",
    "DecisionRecord",
    "Feedback",
    "GroupCount",
    "NewComment",
    "NotFound",
    "PendingComment",
    "QueueItem",
    "QueuePage",
    "ScoringInfo",
    "SuggestedValue",
    "Thread",
    "ThreadComment",
    "accept_comments",
    "article_by_external",
    "article_by_external_any",
    "article_text",
    "attribute_distribution",
    "audit",
    "audit_actions",
    "audit_log",
    "busiest_articles",
    "claim_pending",
    "comment_by_external",
    "comment_by_external_any",
    "comment_detail",
    "coral_sites",
    "counts_by_status",
    "decisions_per_day",
    "feedback_comment",
    "flagged_attribute_counts",
    "get_site",
    "give_up_pending",
    "list_articles",
    "list_feedback",
    "list_sites",
    "map_community",
    "record_decision",
    "record_decisions",
    "record_feedback",
    "record_scoring_errors",
    "review_queue",
    "set_site_coral",
    "set_site_queue_compat",
    "set_site_webhook",
    "site_communities",
    "site_for_community",
    "site_queue_compat",
    "store_verdicts",
    "thread",
    "thread_report",
    "top_targeted_groups",
    "upsert_article",
    "verify_audit_log",
]
