"""A drop-in for OpenAI's ``POST /v1/moderations``.

Point the ``openai`` SDK at this server (``OpenAI(base_url="http://host/v1", api_key=KEY)``)
and ``client.moderations.create(input=...)`` works unchanged. Every OpenAI category is
present; those Civility measures get our best mapping, the rest (illicit, sexual/minors,
violence/graphic) are 0 because we do not model them. Self-harm comes from ``self_harm``:
talk of suicide aimed at someone else ("kys", "nobody would miss you") also scores as a threat
and maps to ``self-harm/instructions`` (OpenAI's "encourages performing acts of self-harm");
the writer's own ("I've been thinking about ending it") has no threat and maps to
``self-harm/intent``. Each result also carries
a ``civility`` object with our native verdict, which the SDK keeps as an extra field.
Nothing is stored (this endpoint only scores) unless the key's site opted in to queue
compatibility traffic (``civility site compat SITE --queue``): then each non-empty input is
stored and scored like a native comment, and joins the review queue when held.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from civility.records import Comment, Verdict, invalid_unicode_in
from civility.server.api.models import Out, VerdictOut, answers
from civility.server.deps import Scorer, Submitter
from civility.server.errors import OPENAI_ERRORS, ApiError
from civility.store import queries as q

router = APIRouter(responses=OPENAI_ERRORS)

CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
    "sexual/minors", "violence", "violence/graphic",
)
FLAG_AT = 0.5


def category_scores(a: dict[str, float]) -> dict[str, float]:
    """Our attributes -> OpenAI's categories (0 where we measure nothing comparable)."""
    insult, threat = a.get("insult", 0.0), a.get("threat", 0.0)
    self_harm = a.get("self_harm", 0.0)
    hate = max(a.get("identity_attack", 0.0), a.get("dehumanization", 0.0))
    harassment = max(insult, a.get("severe_toxicity", 0.0))
    scores = dict.fromkeys(CATEGORIES, 0.0)
    scores.update({
        "harassment": harassment,
        "harassment/threatening": threat,
        "hate": hate,
        # A threat aimed at a group: both must hold, so the weaker one bounds it.
        "hate/threatening": min(hate, threat),
        "self-harm": self_harm,
        # Encouragement is aimed at someone (a threat); a disclosure is aimed at no one.
        "self-harm/intent": min(self_harm, 1.0 - threat),
        "self-harm/instructions": min(self_harm, threat),
        "sexual": a.get("sexually_explicit", 0.0),
        "violence": threat,
    })
    return {k: round(float(v), 6) for k, v in scores.items()}


def result(v: Verdict) -> dict[str, Any]:
    scores = category_scores(v.attributes)
    categories = {k: s >= FLAG_AT for k, s in scores.items()}
    return {"flagged": any(categories.values()) or v.decision == "reject",
            "categories": categories, "category_scores": scores,
            "category_applied_input_types": {k: ["text"] for k in CATEGORIES},
            "civility": v.to_dict()}


def _texts(body: Any, max_items: int, max_chars: int) -> list[str]:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object with 'input'")
    raw = body.get("input")
    if raw is None:
        raise ApiError(400, "'input' is required: a string or a list of strings",
                       param="input")
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise ApiError(400, "'input' must be a string or a non-empty list", param="input")
    if len(items) > max_items:
        raise ApiError(400, f"'input' has {len(items)} items; the limit is {max_items}",
                       param="input")
    texts = []
    for i, item in enumerate(items):
        if isinstance(item, dict):  # multimodal form: {"type": "text", "text": "..."}
            if item.get("type") != "text" or not isinstance(item.get("text"), str):
                raise ApiError(400, f"input[{i}]: only {{'type': 'text', 'text': ...}} items "
                                    "are supported (no images)", param="input")
            item = item["text"]
        if not isinstance(item, str):
            raise ApiError(400, f"input[{i}] must be a string", param="input")
        if len(item) > max_chars:
            raise ApiError(400, f"input[{i}] is {len(item)} characters; the limit is {max_chars}",
                           param="input")
        problem = invalid_unicode_in(item, f"input[{i}]")
        if problem:
            raise ApiError(400, problem, param="input")
        texts.append(item)
    return texts


_TEXT_ITEM = {"type": "object", "required": ["type", "text"], "properties": {
    "type": {"type": "string", "enum": ["text"]}, "text": {"type": "string"}}}
#: The request body, for the OpenAPI schema (the handler parses it itself, in OpenAI's
#: dialect of errors).
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["input"],
    "properties": {
        "input": {"anyOf": [
            {"type": "string"},
            {"type": "array", "minItems": 1,
             "items": {"anyOf": [{"type": "string"}, _TEXT_ITEM]}}]},
        "model": {"type": "string", "description": "Accepted and ignored."},
    },
    "example": {"input": ["Great reporting, thanks.", "You are an idiot."]},
}


class ModerationResult(Out):
    flagged: bool
    categories: dict[str, bool] = Field(description="Each of OpenAI's categories: score >= 0.5")
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]]
    civility: VerdictOut = Field(description="Civility's own verdict (an extra field)")


class ModerationResponse(Out):
    """OpenAI's ``ModerationCreateResponse``."""

    id: str
    model: str
    results: list[ModerationResult]


@router.post("/v1/moderations", tags=["openai"], summary="OpenAI-compatible moderation",
             **answers(ModerationResponse),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": REQUEST_SCHEMA}}}})
async def moderations(request: Request, principal: Submitter,
                      scorer: Scorer) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as err:
        raise ApiError(400, f"the request body is not valid JSON: {err}") from err
    settings = request.app.state.settings
    texts = _texts(body, settings.max_batch_comments, settings.max_comment_chars)
    comments = [Comment(str(i + 1), t) for i, t in enumerate(texts)]
    store = request.app.state.store
    site_id = principal.site_id or 1

    def accept() -> dict[int, int]:
        """Stored row ids by input index: only where the site opted in to queue this traffic
        (``civility site compat SITE --queue``); otherwise nothing is stored."""
        with store.session() as db:
            if not q.site_queue_compat(db, site_id):
                return {}
        with store.writing() as db:
            todo = [i for i, t in enumerate(texts) if t.strip()]
            rows = q.accept_comments(db, site_id, [
                q.NewComment(f"openai-{uuid.uuid4().hex}", texts[i], origin="openai")
                for i in todo])
            return {i: a.id for i, a in zip(todo, rows, strict=True)}

    stored = await run_in_threadpool(accept)
    verdicts: dict[int, Verdict] = {}
    if stored:
        scored = await scorer.moderate([comments[i] for i in stored],
                                       store_ids=list(stored.values()), site_id=site_id)
        verdicts.update(zip(stored, scored, strict=True))
        request.app.state.webhooks.notify()
    rest = [i for i in range(len(comments)) if i not in stored]
    # Empty strings are valid for OpenAI; nothing to score in them.
    verdicts.update(zip(rest, await scorer.moderate([comments[i] for i in rest],
                                                    site_id=site_id), strict=True))
    return {"id": f"modr-{uuid.uuid4().hex}", "model": scorer.version or "civility",
            "results": [result(verdicts[i]) for i in range(len(comments))]}
