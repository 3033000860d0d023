"""Dashboard aggregates: decisions per day, score distributions, flags and targeted groups.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from civility.binning import bin_index
from civility.records import ATTRIBUTES
from civility.store.models import (
    AttributeScore,
    CommentRow,
    Decision,
    TargetRow,
)
from civility.store.queries.records import DayCount, GroupCount

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
        i = bin_index(value, bins)
        if i is not None:
            out.setdefault(attribute, [0] * bins)[i] += 1
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
