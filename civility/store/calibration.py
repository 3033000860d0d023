"""Reading what people decided, as labels for :mod:`civility.calibrate`.

Each label source is one function ``(db, site_id, since) -> list[Label]`` listed in
:data:`LABEL_SOURCES`; a new kind of feedback plugs in by adding one. Labels on stored
comments carry the comment's current scores and the model's decision; a suggestion about a
comment never stored here carries its text instead, for the caller to score.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civility.calibrate import Label, reason_about, suggestion_label
from civility.store.models import (
    AttributeScore,
    CommentRow,
    Decision,
    ScoreSuggestion,
    Scoring,
    Site,
    SuggestedScore,
)

#: Rows per IN (...) list: well under every backend's limit on bound parameters.
CHUNK = 500

LabelSource = Callable[[Session, "int | None", "datetime | None"], list[Label]]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i:i + CHUNK])


def _site_names(db: Session) -> dict[int, str]:
    return {site_id: name for site_id, name in db.execute(select(Site.id, Site.name))}


def _stored(db: Session, comment_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per stored comment: text, site, current scores, the model's decision and version."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(comment_ids))):
        rows = db.execute(select(CommentRow.id, CommentRow.text, CommentRow.site_id,
                                 CommentRow.scoring_id, Scoring.decision, Scoring.model_version)
                          .outerjoin(Scoring, Scoring.id == CommentRow.scoring_id)
                          .where(CommentRow.id.in_(chunk)))
        scorings: dict[int, int] = {}
        for cid, text, site_id, scoring_id, decision, version in rows:
            out[cid] = {"text": text, "site_id": site_id, "scores": {},
                        "decision": decision or "", "version": version or ""}
            if scoring_id is not None and scoring_id > 0:
                scorings[scoring_id] = cid
        if scorings:
            for sid, attribute, value in db.execute(
                    select(AttributeScore.scoring_id, AttributeScore.attribute,
                           AttributeScore.value)
                    .where(AttributeScore.scoring_id.in_(list(scorings)))):
                out[scorings[sid]]["scores"][attribute] = value
    return out


def moderator_labels(db: Session, site_id: int | None, since: datetime | None = None
                     ) -> list[Label]:
    """Each comment's latest decision by a person, when it approved or rejected it (one that
    put the comment back in the queue is no judgement). ``site_id`` None: every site."""
    query = (select(Decision.comment_id, Decision.action, Decision.reason, Decision.actor,
                    Decision.created_at)
             .join(CommentRow, CommentRow.id == Decision.comment_id)
             .where(Decision.source == "human").order_by(Decision.id))
    if site_id is not None:
        query = query.where(CommentRow.site_id == site_id)
    if since is not None:
        query = query.where(Decision.created_at >= since)
    last: dict[int, tuple[str, str, str, datetime]] = {}
    for cid, action, reason, actor, at in db.execute(query):
        last[cid] = (action, reason or "", actor, at)
    judged = {cid: d for cid, d in last.items() if d[0] in ("publish", "reject")}
    stored = _stored(db, list(judged))
    sites = _site_names(db)
    out = []
    for cid, (action, reason, actor, at) in judged.items():
        info = stored[cid]
        rejected = action == "reject"
        out.append(Label(f"comment:{cid}", rejected, info["scores"], "moderator",
                         reason_about(reason) if rejected else None, at, cid, info["text"],
                         info["decision"], info["version"], actor,
                         sites.get(info["site_id"], "")))
    return out


def suggestscore_labels(db: Session, site_id: int | None, since: datetime | None = None
                        ) -> list[Label]:
    """Perspective ``comments:suggestscore`` feedback: whole-comment scores of 0.5 or more
    say "reject". Suggestions about comments not stored here are keyed by their text."""
    query = select(ScoreSuggestion).order_by(ScoreSuggestion.id)
    if site_id is not None:
        query = query.where(ScoreSuggestion.site_id == site_id)
    if since is not None:
        query = query.where(ScoreSuggestion.created_at >= since)
    rows = list(db.scalars(query))
    summary: dict[int, dict[str, float]] = defaultdict(dict)
    for chunk in _chunks([r.id for r in rows]):
        for sid, attribute, value in db.execute(
                select(SuggestedScore.suggestion_id, SuggestedScore.attribute,
                       SuggestedScore.value)
                .where(SuggestedScore.suggestion_id.in_(chunk), SuggestedScore.start.is_(None))
                .order_by(SuggestedScore.id)):
            summary[sid][attribute] = value
    stored = _stored(db, [r.comment_id for r in rows if r.comment_id is not None])
    sites = _site_names(db)
    out = []
    for r in rows:
        judged = suggestion_label(summary.get(r.id, {}))
        if judged is None:
            continue
        rejected, about = judged
        info = stored.get(r.comment_id) if r.comment_id is not None else None
        if info is not None:
            out.append(Label(f"comment:{r.comment_id}", rejected, info["scores"],
                             "suggestscore", about, r.created_at, r.comment_id, info["text"],
                             info["decision"], info["version"], r.actor,
                             sites.get(r.site_id, "")))
        else:
            digest = hashlib.sha256(r.text.encode("utf-8")).hexdigest()[:24]
            out.append(Label(f"text:{r.site_id}:{digest}", rejected, {}, "suggestscore", about,
                             r.created_at, None, r.text, "", "", r.actor,
                             sites.get(r.site_id, "")))
    return out


#: Every kind of human judgement Civility keeps; calibration reads them all.
LABEL_SOURCES: tuple[LabelSource, ...] = (moderator_labels, suggestscore_labels)


def site_labels(db: Session, site_id: int | None, since: datetime | None = None) -> list[Label]:
    """Every label of a site (``None``: of all sites), in the order the sources give them."""
    return [label for source in LABEL_SOURCES for label in source(db, site_id, since)]
