"""Perspective's API, faithfully: ``comments:analyze`` and ``comments:suggestscore``.

An existing Perspective integration works by changing only the base URL (Coral Talk's
"endpoint" setting, ``https://<civility>/v1alpha1``), or only the discovery URL for Google's
client libraries (:mod:`civility.server.discovery`). Requests, responses and errors are
Perspective's: ``comment.text``, ``requestedAttributes`` (any case, an ``_EXPERIMENTAL``
suffix or a model version such as ``TOXICITY@1``) with ``scoreThreshold``,
``spanAnnotations``, ``languages``, ``dropUnsupportedAttributes``, ``doNotStore``,
``context`` (``entries`` or ``articleAndParentComment``: the article, for off-topic),
``clientToken``, ``communityId``, ``sessionId`` and the ``key`` query parameter; errors in
Google's envelope with Perspective's ``errorType`` (COMMENT_EMPTY, COMMENT_TOO_LONG,
UNKNOWN_ATTRIBUTE, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE with the detected languages, ...).

Offsets: ``begin``/``end`` count UTF-16 code units, as Perspective's do (an emoji outside
the Basic Multilingual Plane is one Python character but two units).

Languages: ``detectedLanguages`` is what :mod:`civility.language` finds (empty when the text
is too short or mixed to tell). Requested ``languages`` the model cannot read get
LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE (or, with ``dropUnsupportedAttributes``, no scores). A
request naming no language is scored whatever its language (Perspective would refuse an
unsupported one; here the policy holds it for a person who reads it).

Storing (``doNotStore`` false): the comment is kept under the key's site (the id is the
``clientToken`` when given), so history, reports and feedback work; it joins the review
queue only if the site opted in (``civility site compat SITE --queue``): a client that only
changed its base URL moderates its comments itself and must not find Civility's queue
flooded. ``communityId`` maps to a site (``civility site community``); a key of another
site is refused.

Feedback (``comments:suggestscore``): Coral sends one per moderator decision (REJECTED ->
TOXICITY 1, APPROVED -> 0; coralproject/talk ``server/src/core/server/events/listeners/
perspective.ts`` and ``services/perspective/perspective.ts``). Each is stored with the text,
``clientToken``, ``communityId`` and ``sessionId``, linked to the stored comment when one is
known, shown on that comment (API and UI) and in the audit log, and listed at
``GET /api/v1/feedback``.
"""

from __future__ import annotations

import bisect
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from civility.language import identify
from civility.records import UNDETERMINED_LANGUAGE, Comment, Verdict, invalid_unicode_in
from civility.server.api.models import FeedbackPage, Out, answers
from civility.server.deps import DB, Reader, Scorer, Submitter
from civility.server.errors import ERRORS, ApiError
from civility.server.inputs import MAX_OFFSET
from civility.server.security import Principal
from civility.store import queries as q

router = APIRouter(responses=ERRORS)

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
#: Longest ``communityId`` / ``sessionId`` / language code accepted.
MAX_ID_CHARS = 255
MAX_TOKEN_CHARS = 2000
_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
_PLAIN = (None, "PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED")
_PROBABILITY = (None, "PROBABILITY", "SCORE_TYPE_UNSPECIFIED")


def perspective_error(message: str, error_type: str, **extra: Any) -> ApiError:
    """A 400 in Google's envelope with Perspective's ``errorType`` in ``details``."""
    return ApiError(400, message, details=[{"@type": _ERROR_TYPE, "errorType": error_type,
                                            **extra}])


def our_attribute(name: str) -> str | None:
    """Perspective's name -> ours: any case, ``_EXPERIMENTAL`` tolerated, and a model version
    (``TOXICITY@1``; Civility has one model per attribute, so every version names it)."""
    base, at, version = name.upper().partition("@")
    if at and not version.isdigit():
        return None
    return ATTRIBUTE_MAP.get(base.removesuffix("_EXPERIMENTAL"))


class Utf16:
    """Offsets into one text, between Python indices (code points) and UTF-16 code units."""

    __slots__ = ("_length", "_units")

    def __init__(self, text: str) -> None:
        self._length = len(text)
        #: Units before each index (len(text) + 1 entries), or None when they are equal.
        self._units: list[int] | None = None
        if not text.isascii() and any(ord(ch) > 0xFFFF for ch in text):
            units = [0]
            for ch in text:
                units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
            self._units = units

    def units(self, index: int) -> int:
        return index if self._units is None else self._units[index]

    def index(self, units: int) -> int | None:
        """The Python index at ``units``; None when out of range or inside a surrogate pair."""
        if self._units is None:
            return units if 0 <= units <= self._length else None
        i = bisect.bisect_left(self._units, units)
        return i if i < len(self._units) and self._units[i] == units else None


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class Context:
    """A request's ``context``: article text for scoring, what is kept, and Coral's page."""

    article: str | None = None
    stored: dict[str, Any] | None = None
    #: The story a Coral comment is on (Coral puts it in a JSON entry of its feedback).
    story_url: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    client_token: str | None = None
    community_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnalyzeRequest:
    text: str
    #: Requested name (echoed in the response) -> (our attribute, scoreThreshold).
    wanted: dict[str, tuple[str, float | None]]
    languages: tuple[str, ...]
    spans: bool
    store: bool
    drop_unsupported: bool
    context: Context
    ids: Identity


@dataclass(frozen=True, slots=True)
class SuggestRequest:
    text: str
    scores: tuple[q.SuggestedValue, ...]
    languages: tuple[str, ...]
    context: Context
    ids: Identity


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise perspective_error("Invalid JSON payload: the request body must be a JSON object",
                                "INVALID_ARGUMENT")
    problem = invalid_unicode_in(body)
    if problem:
        raise perspective_error(problem, "INVALID_ARGUMENT")
    return body


def _comment(body: dict[str, Any], max_chars: int) -> str:
    comment = body.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("text"), str):
        raise perspective_error("comment.text is required and must be a string",
                                "COMMENT_EMPTY")
    text: str = comment["text"]
    if not text.strip():
        raise perspective_error("Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text) > max_chars:
        raise perspective_error(f"Comment text too long: {len(text)} characters (limit "
                                f"{max_chars}).", "COMMENT_TOO_LONG")
    if comment.get("type") not in _PLAIN:
        raise perspective_error(f"Unsupported comment type {comment.get('type')!r}: only "
                                "PLAIN_TEXT is supported.", "INVALID_ARGUMENT")
    return text


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise perspective_error(f"{name} must be true or false", "INVALID_ARGUMENT")
    return value


def _string(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise perspective_error(f"{name} must be a string of at most {limit} characters",
                                "INVALID_ARGUMENT")
    return value or None


def _identity(body: dict[str, Any]) -> Identity:
    return Identity(_string(body, "clientToken", MAX_TOKEN_CHARS),
                    _string(body, "communityId", MAX_ID_CHARS),
                    _string(body, "sessionId", MAX_ID_CHARS))


def _languages(body: dict[str, Any]) -> tuple[str, ...]:
    """Requested languages as lower-case base codes (``en-GB`` -> ``en``), in order."""
    langs = body.get("languages")
    if langs is None:
        return ()
    if not isinstance(langs, list) or not all(
            isinstance(x, str) and 0 < len(x) <= 35 for x in langs):
        raise perspective_error("languages must be a list of language codes", "INVALID_ARGUMENT")
    return tuple(dict.fromkeys(x.lower().replace("_", "-").split("-")[0] for x in langs))


def _entry_text(entry: Any, where: str) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("text", ""), str) \
            or entry.get("type") not in _PLAIN:
        raise perspective_error(f"{where} must be a {{text}} object of plain text",
                                "INVALID_ARGUMENT")
    return str(entry.get("text", ""))


def _context(body: dict[str, Any]) -> Context:
    """``context.entries`` (a list of texts: the article, a thread) or
    ``context.articleAndParentComment``; Perspective refuses both at once."""
    context = body.get("context")
    if context is None:
        return Context()
    if not isinstance(context, dict):
        raise perspective_error("context must be an object", "INVALID_ARGUMENT")
    entries, pair = context.get("entries"), context.get("articleAndParentComment")
    if entries is not None and pair is not None:
        raise perspective_error("context: give entries or articleAndParentComment, not both",
                                "INVALID_ARGUMENT")
    if entries is not None:
        if not isinstance(entries, list):
            raise perspective_error("context.entries must be a list of {text} objects",
                                    "INVALID_ARGUMENT")
        texts = [_entry_text(e, f"context.entries[{i}]") for i, e in enumerate(entries)]
        story = _coral_story(texts)
        article = None if story else "\n".join(texts).strip() or None
        return Context(article, {"entries": texts}, story)
    if pair is not None:
        if not isinstance(pair, dict):
            raise perspective_error("context.articleAndParentComment must be an object",
                                    "INVALID_ARGUMENT")
        parts = {k: _entry_text(pair[k], f"context.articleAndParentComment.{k}")
                 for k in ("article", "parentComment") if pair.get(k) is not None}
        article = "\n".join(parts.values()).strip() or None
        return Context(article, parts)
    raise perspective_error("context needs entries or articleAndParentComment",
                            "INVALID_ARGUMENT")


def _coral_story(texts: list[str]) -> str | None:
    """The story URL in Coral's feedback context, without the ``commentID`` Coral appends.

    Coral sends one entry whose text is JSON: ``{"url": <story URL>?commentID=<id>,
    "Coral_comment_id": <id>, "reply_to_id_Coral_comment_id": ...}`` (coralproject/talk,
    ``server/src/core/server/services/perspective/perspective.ts``, ``formatBody``).
    """
    for text in texts:
        if not text.startswith("{") or "Coral_comment_id" not in text:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            parts = urlsplit(data["url"])
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                     if k != "commentID"]
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise perspective_error(f"{where} must be a number between 0 and 1", "INVALID_ARGUMENT")
    return float(value)


def _known_attribute(name: str) -> str:
    """Our attribute for a Perspective name; an unknown name is an UNKNOWN_ATTRIBUTE error."""
    ours = our_attribute(name)
    if ours is None:
        raise perspective_error(f"Unknown attribute: {name}. Supported attributes: "
                                f"{', '.join(ATTRIBUTE_MAP)}.", "UNKNOWN_ATTRIBUTE",
                                unknownAttributeError={"attribute": name})
    return ours


def parse_analyze(body: Any, max_chars: int) -> AnalyzeRequest:
    """Validate an analyze request; raises Perspective-style 400 errors."""
    body = _object(body)
    text = _comment(body, max_chars)
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise perspective_error("Must request at least one attribute.",
                                "NO_REQUESTED_ATTRIBUTES")
    wanted: dict[str, tuple[str, float | None]] = {}
    for name, spec in requested.items():
        ours = _known_attribute(name)
        spec = spec if spec is not None else {}
        if not isinstance(spec, dict):
            raise perspective_error(f"requestedAttributes.{name} must be an object",
                                    "INVALID_ARGUMENT")
        if spec.get("scoreType") not in _PROBABILITY:
            raise perspective_error(f"Unsupported scoreType {spec.get('scoreType')!r} for "
                                    f"{name}: only PROBABILITY.", "INVALID_ARGUMENT")
        threshold = spec.get("scoreThreshold")
        wanted[name] = (ours, None if threshold is None else
                        _number(threshold, f"scoreThreshold for {name}"))
    return AnalyzeRequest(text, wanted, _languages(body), _flag(body, "spanAnnotations"),
                          not _flag(body, "doNotStore"),
                          _flag(body, "dropUnsupportedAttributes"), _context(body),
                          _identity(body))


def parse_suggest(body: Any, max_chars: int) -> SuggestRequest:
    """Validate a suggestscore request: every score explicit, spans inside the text."""
    body = _object(body)
    text = _comment(body, max_chars)
    given = body.get("attributeScores")
    if not isinstance(given, dict) or not given:
        raise perspective_error("attributeScores must not be empty.", "INVALID_ARGUMENT")
    offsets = Utf16(text)
    scores: list[q.SuggestedValue] = []
    for name, spec in given.items():
        ours = _known_attribute(name)
        if len(name) > 100:
            raise perspective_error("attribute names are at most 100 characters",
                                    "INVALID_ARGUMENT")
        if not isinstance(spec, dict) or not (spec.get("summaryScore") or spec.get("spanScores")):
            raise perspective_error(f"attributeScores.{name} needs a summaryScore or "
                                    "spanScores", "INVALID_ARGUMENT")
        if spec.get("summaryScore") is not None:
            scores.append(q.SuggestedValue(ours, name, _score(spec["summaryScore"],
                                                              f"{name}.summaryScore")))
        spans = spec.get("spanScores") or []
        if not isinstance(spans, list):
            raise perspective_error(f"{name}.spanScores must be a list", "INVALID_ARGUMENT")
        for i, span in enumerate(spans):
            where = f"{name}.spanScores[{i}]"
            if not isinstance(span, dict):
                raise perspective_error(f"{where} must be an object", "INVALID_ARGUMENT")
            start, end = (_offset(offsets, span.get(k), f"{where}.{k}") for k in ("begin", "end"))
            if start >= end:
                raise perspective_error(f"{where}: begin must be before end", "INVALID_ARGUMENT")
            scores.append(q.SuggestedValue(ours, name, _score(span.get("score"),
                                                              f"{where}.score"), start, end))
    return SuggestRequest(text, tuple(scores), _languages(body), _context(body),
                          _identity(body))


def _score(value: Any, where: str) -> float:
    if not isinstance(value, dict) or "value" not in value:
        raise perspective_error(f"{where} must be a Score object with a value",
                                "INVALID_ARGUMENT")
    if value.get("type") not in _PROBABILITY:
        raise perspective_error(f"{where}: only PROBABILITY scores are accepted",
                                "INVALID_ARGUMENT")
    return _number(value["value"], f"{where}.value")


def _offset(offsets: Utf16, value: Any, where: str) -> int:
    index = None if isinstance(value, bool) or not isinstance(value, int) \
        else offsets.index(value)
    if index is None:
        raise perspective_error(f"{where} must be a UTF-16 offset into comment.text (not "
                                "inside a character)", "INVALID_ARGUMENT")
    return index


# --------------------------------------------------------------------------- languages


def _detected(language: str) -> list[str]:
    return [] if language in ("", UNDETERMINED_LANGUAGE) else [language]


def _unsupported(languages: tuple[str, ...] | list[str]) -> list[str]:
    return [x for x in languages if x not in SUPPORTED_LANGUAGES]


def language_gate(req: AnalyzeRequest) -> tuple[list[str], bool]:
    """(detected languages, whether every attribute is dropped) for a request whose
    languages the model may not read; raises LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE."""
    if not req.languages and not req.drop_unsupported:
        return [], False  # scored whatever it is; detection comes with the verdict
    detected = _detected(identify(req.text))
    bad = _unsupported(req.languages or detected)
    if not bad:
        return detected, False
    if req.drop_unsupported:
        return detected, True
    first = next(iter(req.wanted))
    raise perspective_error(
        f"Attribute {first} does not support request languages: {', '.join(bad)}",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        languageNotSupportedByAttributeError={"detectedLanguages": detected,
                                              "attribute": first})


# --------------------------------------------------------------------------- responses


def render(verdict: Verdict, req: AnalyzeRequest) -> dict[str, Any]:
    """Perspective's response: scores above their thresholds, spans in UTF-16 units."""
    offsets = Utf16(req.text)
    whole = offsets.units(len(req.text))
    scores: dict[str, Any] = {}
    for name, (ours, threshold) in req.wanted.items():
        value = round(float(verdict.attributes.get(ours, 0.0)), 6)
        if threshold is not None and value < threshold:
            continue  # Perspective omits attributes below their scoreThreshold
        span_scores = []
        if req.spans:
            span_scores = [{"begin": offsets.units(s.start), "end": offsets.units(s.end),
                            "score": {"value": round(float(s.score), 6), "type": "PROBABILITY"}}
                           for s in verdict.spans if s.attribute == ours]
        if not span_scores:
            span_scores = [{"begin": 0, "end": whole,
                            "score": {"value": value, "type": "PROBABILITY"}}]
        scores[name] = {"spanScores": span_scores,
                        "summaryScore": {"value": value, "type": "PROBABILITY"}}
    return _envelope(scores, req, _detected(verdict.language))


def _envelope(scores: dict[str, Any], req: AnalyzeRequest, detected: list[str]
              ) -> dict[str, Any]:
    out: dict[str, Any] = {"attributeScores": scores,
                           "languages": list(req.languages) or detected or ["en"],
                           "detectedLanguages": detected}
    if req.ids.client_token is not None:
        out["clientToken"] = req.ids.client_token
    return out


# --------------------------------------------------------------------------- sites


def resolve_site(db: Session, principal: Principal, community_id: str | None) -> int:
    """The site a request is for: the key's. A ``communityId`` mapped to another site is
    refused rather than filed under the wrong one (``civility site community``)."""
    site_id = principal.site_id or 1
    if community_id:
        mapped = q.site_for_community(db, community_id)
        if mapped is not None and mapped != site_id:
            raise ApiError(403, f"communityId {community_id!r} belongs to another site; "
                                "use that site's API key")
    return site_id


async def _body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as err:
        raise perspective_error(f"Invalid JSON payload received: {err}",
                                "INVALID_ARGUMENT") from err


# --------------------------------------------------------------------------- routes


class Score(Out):
    value: float = Field(ge=0, le=1)
    type: str = Field("PROBABILITY", description="Always PROBABILITY")


class SpanScore(Out):
    begin: int = Field(description="UTF-16 code units from the start of the text")
    end: int = Field(description="Exclusive")
    score: Score


class AttributeScores(Out):
    spanScores: list[SpanScore]  # Perspective's names
    summaryScore: Score


class AnalyzeCommentResponse(Out):
    """Perspective's response: requested attributes at or above their thresholds."""

    attributeScores: dict[str, AttributeScores]
    languages: list[str]
    detectedLanguages: list[str]
    clientToken: str | None = Field(None, description="Echoed when the request had one")


class SuggestCommentScoreResponse(Out):
    clientToken: str | None = Field(None, description="Echoed when the request had one")
    detectedLanguages: list[str]
    requestedLanguages: list[str]



_SPEC = {"type": "object", "properties": {
    "scoreType": {"type": "string", "enum": ["PROBABILITY"]},
    "scoreThreshold": {"type": "number", "minimum": 0, "maximum": 1}}}
_TEXT = {"type": "object", "properties": {"text": {"type": "string"},
                                          "type": {"type": "string", "enum": ["PLAIN_TEXT"]}}}
_CONTEXT = {"type": "object", "properties": {
    "entries": {"type": "array", "items": _TEXT},
    "articleAndParentComment": {"type": "object", "properties": {
        "article": _TEXT, "parentComment": _TEXT}}}}
_IDS = {"clientToken": {"type": "string"}, "communityId": {"type": "string"},
        "sessionId": {"type": "string"}}
_ATTRIBUTE_NAMES = ("Attribute name -> options: any case; an _EXPERIMENTAL suffix or a "
                    "model version (TOXICITY@1) is accepted.")
#: The request bodies, for the OpenAPI schema (the handlers parse them themselves, in
#: Perspective's dialect of errors).
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["comment", "requestedAttributes"],
    "properties": {
        "comment": {**_TEXT, "required": ["text"]},
        "requestedAttributes": {"type": "object", "minProperties": 1,
                                "additionalProperties": _SPEC,
                                "description": _ATTRIBUTE_NAMES},
        "languages": {"type": "array", "items": {"type": "string"}},
        "spanAnnotations": {"type": "boolean"},
        "doNotStore": {"type": "boolean"},
        "dropUnsupportedAttributes": {"type": "boolean"},
        "context": _CONTEXT, **_IDS,
    },
    "example": {"comment": {"text": "You are an idiot."},
                "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.5}},
                "spanAnnotations": True, "doNotStore": True},
}
_SCORE = {"type": "object", "required": ["value"], "properties": {
    "value": {"type": "number", "minimum": 0, "maximum": 1},
    "type": {"type": "string", "enum": ["PROBABILITY"]}}}
SUGGEST_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["comment", "attributeScores"],
    "properties": {
        "comment": {**_TEXT, "required": ["text"]},
        "attributeScores": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "properties": {
                "summaryScore": _SCORE,
                "spanScores": {"type": "array", "items": {"type": "object", "properties": {
                    "begin": {"type": "integer"}, "end": {"type": "integer"},
                    "score": _SCORE}}}}},
            "description": "What the comment deserved: e.g. TOXICITY 1 (rejected) or 0."},
        "languages": {"type": "array", "items": {"type": "string"}},
        "context": _CONTEXT, **_IDS,
    },
    "example": {"comment": {"text": "You are an idiot."}, "clientToken": "comment:1234",
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}},
}


@router.post("/v1alpha1/comments:analyze", tags=["perspective"],
             summary="Perspective-compatible analyze", response_model=AnalyzeCommentResponse,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": REQUEST_SCHEMA}}}})
async def analyze(request: Request, principal: Submitter,
                  scorer: Scorer) -> JSONResponse:
    """Perspective's ``comments:analyze``: same request, same response, same errors."""
    settings = request.app.state.settings
    req = parse_analyze(await _body(request), settings.max_comment_chars)
    detected, dropped = language_gate(req)
    if dropped:  # dropUnsupportedAttributes and a language the model does not read
        return JSONResponse(_envelope({}, req, detected))
    comment = Comment(f"perspective-{uuid.uuid4().hex}", req.text)
    article = req.context.article
    site = principal.site_id or 1  # whose policy decides (resolve_site refuses any other)
    store = request.app.state.store
    if not req.store:
        if req.ids.community_id:  # refused here too, stored or not

            def check() -> None:
                with store.session() as db:
                    resolve_site(db, principal, req.ids.community_id)

            await run_in_threadpool(check)
        verdict = (await scorer.moderate([comment], article=article, site_id=site))[0]
        return JSONResponse(render(verdict, req))

    def accept() -> q.Accepted:
        with store.writing() as db:
            site_id = resolve_site(db, principal, req.ids.community_id)
            token = req.ids.client_token
            new = q.NewComment(token if token and len(token) <= 255 else comment.id, req.text,
                               origin="perspective", queued=q.site_queue_compat(db, site_id))
            accepted = q.accept_comments(db, site_id, [new])[0]
            if not accepted.created:
                stored = q.comment_detail(db, accepted.id)
                if stored is not None and stored.text != req.text:  # a token reused: new id
                    accepted = q.accept_comments(db, site_id,
                                                 [replace(new, external_id=comment.id)])[0]
            return accepted

    accepted = await run_in_threadpool(accept)  # committed before scoring
    if not accepted.created:  # the same comment again (a retry): score, store nothing twice
        verdict = (await scorer.moderate([comment], article=article, site_id=site))[0]
        return JSONResponse(render(verdict, req))
    verdict = (await scorer.moderate([comment], article=article, store_ids=[accepted.id],
                                     site_id=site))[0]
    request.app.state.webhooks.notify()
    return JSONResponse(render(verdict, req))


@router.post("/v1alpha1/comments:suggestscore", tags=["perspective"],
             summary="Perspective-compatible feedback (suggestscore)",
             response_model=SuggestCommentScoreResponse,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": SUGGEST_SCHEMA}}}})
async def suggestscore(request: Request, principal: Submitter) -> JSONResponse:
    """Perspective's ``comments:suggestscore``: a moderator's verdict, stored as feedback."""
    settings = request.app.state.settings
    req = parse_suggest(await _body(request), settings.max_comment_chars)
    store = request.app.state.store

    def save() -> q.Feedback:
        with store.writing() as db:
            site_id = resolve_site(db, principal, req.ids.community_id)
            comment_id = q.feedback_comment(db, site_id, client_token=req.ids.client_token,
                                            text=req.text, story_url=req.context.story_url)
            return q.record_feedback(
                db, site_id, text=req.text, scores=req.scores, actor=principal.name,
                comment_id=comment_id, client_token=req.ids.client_token,
                community_id=req.ids.community_id, session_id=req.ids.session_id,
                context=req.context.stored, languages=req.languages)

    await run_in_threadpool(save)
    out: dict[str, Any] = {"detectedLanguages": _detected(identify(req.text)),
                           "requestedLanguages": list(req.languages)}
    if req.ids.client_token is not None:
        out = {"clientToken": req.ids.client_token, **out}
    return JSONResponse(out)


@router.get("/api/v1/feedback", tags=["reports"], summary="Clients' score suggestions",
            **answers(FeedbackPage))
def list_feedback(db: DB, principal: Reader, limit: int = Query(50, ge=1, le=200),
                  offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
    """Feedback from ``comments:suggestscore``, newest first: the key's site's (a moderator
    session sees every site's), each with the comment it is about when that is stored."""
    items, total = q.list_feedback(db, site_id=principal.site_id, limit=limit, offset=offset)
    return {"items": [f.to_dict() for f in items], "total": total, "limit": limit,
            "offset": offset}
