"""Client feedback: scores a client suggests for a comment (Perspective's
``comments:suggestscore``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civility.store.models import (
    Article,
    CommentRow,
    SuggestedScore,
)
from civility.store.models import ScoreSuggestion as SuggestionRow
from civility.store.queries.decisions import audit
from civility.store.queries.records import Feedback, SuggestedValue


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
