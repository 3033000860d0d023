"""A drop-in for Perspective's ``POST /v1alpha1/comments:analyze``.

An existing Perspective integration works by changing only the base URL: the request shape
(``comment.text``, ``requestedAttributes`` with ``scoreThreshold``, ``spanAnnotations``,
``languages``, ``doNotStore``, ``context``, ``clientToken``, the ``key`` query parameter) and
the response shape (``attributeScores.X.summaryScore.value``, ``spanScores``, ``languages``)
are Perspective's, and so are the 400 errors for unknown attributes and languages.

Languages: ``detectedLanguages`` is what ``civility.language`` finds (empty when the text is
too short or mixed to tell). A request that names ``languages`` the model cannot read gets
Perspective's ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE``; a request that names none is scored
whatever its language (the policy holds languages the model does not read for a person), and
``languages`` in the response is then the detected language, or ``en`` when none was.

Offsets (``begin``/``end``) count Unicode code points of ``comment.text``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from civility.language import identify
from civility.server.deps import Scorer, Submitter
from civility.server.errors import ApiError
from civility.store import queries as q
from civility.types import UNDETERMINED_LANGUAGE, Comment, Verdict, invalid_unicode_in

router = APIRouter()

#: Perspective attribute -> ours. The first seven are Perspective's production attributes;
#: the rest are Perspective's experimental names we can answer, and our own extras.
ATTRIBUTE_MAP: dict[str, str] = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "profanity",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexually_explicit",
    "SPAM": "spam",
    "OFF_TOPIC": "off_topic",
    "DEHUMANIZATION": "dehumanization",
    "SELF_HARM": "self_harm",
}
SUPPORTED_LANGUAGES = ("en",)
_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


def _error(message: str, error_type: str, **extra: Any) -> ApiError:
    return ApiError(400, message, details=[{"@type": _ERROR_TYPE, "errorType": error_type,
                                            **extra}])


def _our_attribute(name: str) -> str | None:
    """Perspective's name (``_EXPERIMENTAL`` suffix tolerated, any case) -> ours."""
    key = name.upper()
    if key.endswith("_EXPERIMENTAL"):
        key = key[: -len("_EXPERIMENTAL")]
    return ATTRIBUTE_MAP.get(key)


def _languages(body: dict[str, Any], attributes: list[str], text: str) -> list[str]:
    """The languages the client asked for (``[]``: none, score whatever it is)."""
    langs = body.get("languages")
    if langs is None:
        return []
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        raise _error("languages must be a list of language codes", "INVALID_ARGUMENT")
    bad = [x for x in langs if x.lower().split("-")[0] not in SUPPORTED_LANGUAGES]
    if bad:
        raise _error(f"Attribute {attributes[0]} does not support request languages: "
                     f"{', '.join(bad)}", "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                     languageNotSupportedByAttributeError={
                         "detectedLanguages": _detected(identify(text)),
                         "attribute": attributes[0]})
    return list(dict.fromkeys(x.lower().split("-")[0] for x in langs))


def _detected(language: str) -> list[str]:
    return [] if language in ("", UNDETERMINED_LANGUAGE) else [language]


def parse_request(body: Any, max_chars: int) -> dict[str, Any]:
    """Validate a Perspective request; raises Perspective-style 400 errors."""
    if not isinstance(body, dict):
        raise _error("Invalid JSON payload: the request body must be a JSON object",
                     "INVALID_ARGUMENT")
    problem = invalid_unicode_in(body)
    if problem:
        raise _error(problem, "INVALID_ARGUMENT")
    comment = body.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("text"), str):
        raise _error("comment.text is required and must be a string", "COMMENT_EMPTY")
    text: str = comment["text"]
    if not text.strip():
        raise _error("Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text) > max_chars:
        raise _error(f"Comment text too long: {len(text)} characters (limit {max_chars}).",
                     "COMMENT_TOO_LONG")
    ctype = comment.get("type", "PLAIN_TEXT")
    if ctype not in ("PLAIN_TEXT", None):
        raise _error(f"Unsupported comment type {ctype!r}: only PLAIN_TEXT is supported.",
                     "INVALID_ARGUMENT")
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise _error("Must request at least one attribute.", "NO_REQUESTED_ATTRIBUTES")
    wanted: dict[str, tuple[str, float | None]] = {}
    for name, spec in requested.items():
        ours = _our_attribute(str(name))
        if ours is None:
            raise _error(f"Unknown attribute: {name}. Supported attributes: "
                         f"{', '.join(ATTRIBUTE_MAP)}.", "UNKNOWN_ATTRIBUTE",
                         unknownAttributeError={"attribute": name})
        spec = spec if spec is not None else {}
        if not isinstance(spec, dict):
            raise _error(f"requestedAttributes.{name} must be an object", "INVALID_ARGUMENT")
        score_type = spec.get("scoreType", "PROBABILITY")
        if score_type not in ("PROBABILITY", None):
            raise _error(f"Unsupported scoreType {score_type!r} for {name}: only PROBABILITY.",
                         "INVALID_ARGUMENT")
        threshold = spec.get("scoreThreshold")
        if threshold is not None and (isinstance(threshold, bool)
                                      or not isinstance(threshold, int | float)
                                      or not 0 <= threshold <= 1):
            raise _error(f"scoreThreshold for {name} must be a number between 0 and 1",
                         "INVALID_ARGUMENT")
        wanted[str(name)] = (ours, None if threshold is None else float(threshold))
    for flag in ("spanAnnotations", "doNotStore"):
        if flag in body and not isinstance(body[flag], bool):
            raise _error(f"{flag} must be true or false", "INVALID_ARGUMENT")
    context = body.get("context")
    article = None
    if context is not None:
        entries = context.get("entries") if isinstance(context, dict) else None
        if not isinstance(entries, list) or not all(
                isinstance(e, dict) and isinstance(e.get("text", ""), str) for e in entries):
            raise _error("context.entries must be a list of {text} objects", "INVALID_ARGUMENT")
        article = "\n".join(e.get("text", "") for e in entries).strip() or None
    client_token = body.get("clientToken")
    if client_token is not None and not isinstance(client_token, str):
        raise _error("clientToken must be a string", "INVALID_ARGUMENT")
    return {"text": text, "wanted": wanted, "languages": _languages(body, list(wanted), text),
            "spans": bool(body.get("spanAnnotations", False)),
            "store": not body.get("doNotStore", False), "article": article,
            "client_token": client_token}


def render(verdict: Verdict, parsed: dict[str, Any]) -> dict[str, Any]:
    text: str = parsed["text"]
    scores: dict[str, Any] = {}
    for name, (ours, threshold) in parsed["wanted"].items():
        value = float(verdict.attributes.get(ours, 0.0))
        if threshold is not None and value < threshold:
            continue  # Perspective omits attributes below their scoreThreshold
        span_scores = []
        if parsed["spans"]:
            span_scores = [{"begin": s.start, "end": s.end,
                            "score": {"value": round(float(s.score), 6), "type": "PROBABILITY"}}
                           for s in verdict.spans if s.attribute == ours]
        if not span_scores:
            span_scores = [{"begin": 0, "end": len(text),
                            "score": {"value": round(value, 6), "type": "PROBABILITY"}}]
        scores[name] = {"spanScores": span_scores,
                        "summaryScore": {"value": round(value, 6), "type": "PROBABILITY"}}
    detected = _detected(verdict.language)
    out: dict[str, Any] = {"attributeScores": scores,
                           "languages": parsed["languages"] or detected or ["en"],
                           "detectedLanguages": detected}
    if parsed["client_token"] is not None:
        out["clientToken"] = parsed["client_token"]
    return out


_SPEC = {"type": "object", "properties": {
    "scoreType": {"type": "string", "enum": ["PROBABILITY"]},
    "scoreThreshold": {"type": "number", "minimum": 0, "maximum": 1}}}
#: The request body, for the OpenAPI schema (the handler parses it itself, in Perspective's
#: dialect of errors).
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["comment", "requestedAttributes"],
    "properties": {
        "comment": {"type": "object", "required": ["text"], "properties": {
            "text": {"type": "string", "minLength": 1},
            "type": {"type": "string", "enum": ["PLAIN_TEXT"]}}},
        "requestedAttributes": {
            "type": "object", "minProperties": 1, "additionalProperties": _SPEC,
            "propertyNames": {"enum": list(ATTRIBUTE_MAP)},
            "description": "Attribute name -> options (any case; an _EXPERIMENTAL suffix is "
                           "accepted)."},
        "languages": {"type": "array", "items": {"type": "string"}},
        "spanAnnotations": {"type": "boolean"},
        "doNotStore": {"type": "boolean"},
        "context": {"type": "object", "properties": {"entries": {
            "type": "array", "items": {"type": "object",
                                       "properties": {"text": {"type": "string"}}}}}},
        "clientToken": {"type": "string"},
    },
    "example": {"comment": {"text": "You are an idiot."},
                "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.5}},
                "spanAnnotations": True, "doNotStore": True},
}


@router.post("/v1alpha1/comments:analyze", tags=["perspective"],
             summary="Perspective-compatible analyze",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": REQUEST_SCHEMA}}}})
async def analyze(request: Request, principal: Submitter,
                  scorer: Scorer) -> JSONResponse:
    """Perspective's ``comments:analyze``: same request, same response, same errors."""
    try:
        body = await request.json()
    except ValueError as err:
        raise _error(f"Invalid JSON payload received: {err}", "INVALID_ARGUMENT") from err
    settings = request.app.state.settings
    parsed = parse_request(body, settings.max_comment_chars)
    comment = Comment(f"perspective-{uuid.uuid4().hex}", parsed["text"])
    if not parsed["store"]:
        verdict = (await scorer.moderate([comment], article=parsed["article"]))[0]
        return JSONResponse(render(verdict, parsed))
    store = request.app.state.store
    site_id = principal.site_id or 1

    def accept() -> q.Accepted:
        with store.writing() as db:
            return q.accept_comments(db, site_id, [q.NewComment(comment.id, comment.text)])[0]

    accepted = await run_in_threadpool(accept)  # committed before scoring
    verdict = (await scorer.moderate([comment], article=parsed["article"],
                                     store_ids=[accepted.id]))[0]
    request.app.state.webhooks.notify()
    return JSONResponse(render(verdict, parsed))
