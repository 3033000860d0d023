"""Coral Talk's external moderation phase: ``POST /integrations/coral/v1/moderate``.

Coral (coralproject/talk) runs an *external moderation phase* last in its comment pipeline:
it POSTs the new or edited comment, signed, to a URL and waits (its timeout: 100-10,000 ms,
200 by default) for a verdict. The contracts, from Coral's own source:

* request: ``server/src/core/server/services/comments/pipeline/phases/external.ts``
  (``ExternalModerationRequest``: ``action`` NEW | EDIT, ``comment{body, parentID}``,
  ``author{id, role}``, ``story{id, url}``, ``site{id}``, ``tenantID``, ``tenantDomain``);
  the body is ``JSON.stringify(request, null, 2)`` (``services/fetch/fetch.ts``) and
  ``comment.body`` is HTML unless the phase is set to plain text;
* signature: ``X-Coral-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, one per active
  signing secret, comma-separated while a rotated secret is still valid
  (``models/settings/signingSecret/helpers.ts``, ``generateSignatures``; verification as in
  ``docs/docs/webhooks.md``);
* response: 204 (no opinion), or 200 with ``{status?, actions?, tags?}`` where ``status`` is
  NONE | APPROVED | REJECTED | PREMOD | SYSTEM_WITHHELD and each action is
  ``{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC" | "COMMENT_DETECTED_SPAM"}``;
  Coral validates the response with Joi and ignores the whole of it if any value is outside
  those lists (``validateResponse`` in ``external.ts``). Anything but a 2xx is "no opinion".

The site is the one whose signing secret verifies the signature (``civility site coral SITE
--secret-stdin``); a missing signature is 401, one no site's secret produces is 403. The
comment (author: Coral's user id; article: the story, by id and URL) is stored under that
site and scored like any other, so the queue, history and reports cover Coral comments.
Civility's decision maps to Coral's terms: publish -> 204 (Coral goes on as it would have);
review -> SYSTEM_WITHHELD with a FLAG saying why (toxic or spam; PREMOD when neither, e.g.
off-topic or a language the model does not read); reject -> REJECTED, with the same flags.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from civility.policy import reason_drivers
from civility.records import NOT_HARM_ATTRIBUTES, Comment, Verdict, invalid_unicode_in
from civility.server.api.models import Out
from civility.server.deps import Scorer
from civility.server.errors import ERRORS, ApiError, ErrorResponse
from civility.store import queries as q

router = APIRouter()

PATH = "/integrations/coral/v1/moderate"
SIGNATURE_HEADER = "X-Coral-Signature"
ACTIONS = ("NEW", "EDIT")
TOXIC, SPAM = "COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"


@dataclass(frozen=True, slots=True)
class CoralRequest:
    """Coral's ``ExternalModerationRequest``, with the body as plain text."""

    action: str
    text: str
    parent_id: str | None
    author_id: str
    author_role: str
    story_id: str
    story_url: str | None
    coral_site_id: str | None
    tenant_id: str | None
    tenant_domain: str | None


# --------------------------------------------------------------------------- signatures


def signatures(header: str) -> list[str]:
    """The ``sha256=`` values of an ``X-Coral-Signature`` header (other schemes ignored)."""
    out = []
    for element in header.split(","):
        scheme, _, value = element.strip().partition("=")
        if scheme == "sha256" and value:
            out.append(value.strip().lower())
    return out


def sign(secret: str, body: bytes) -> str:
    """What Coral sends for ``body`` signed with ``secret`` (one secret)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signing_site(body: bytes, header: str | None,
                 sites: list[tuple[int, str, tuple[str, ...]]]) -> int:
    """The id of the site whose secret signed ``body``; 401 unsigned, 403 signed by none."""
    if not sites:
        raise ApiError(403, "no site is connected to Coral: run 'civility site coral SITE "
                            "--secret-stdin' with the signing secret Coral shows for the phase")
    given = signatures(header or "")
    if not given:
        raise ApiError(401, f"missing {SIGNATURE_HEADER} (sha256=<hex HMAC-SHA256 of the body>)",
                       headers={"WWW-Authenticate": "Signature"})
    for site_id, _, secrets in sites:
        for secret in secrets:
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if any(hmac.compare_digest(expected, sig) for sig in given):
                return site_id
    raise ApiError(403, f"{SIGNATURE_HEADER} does not match the signing secret of any site "
                        "connected to Coral")


# --------------------------------------------------------------------------- request


#: Where Coral's getHTMLPlainText (common/lib/helpers/getHTMLPlainText.ts) puts line breaks.
_BREAKS = re.compile(r"((</(ul|li|blockquote)>)|(</(div|p)>\s*(<[^/]))"
                     r"|(<br>(?!\s*</(div|p|li|blockquote))))")
_TAG = re.compile(r"<[^>]*>")
_LOOKS_HTML = re.compile(r"</?(?:div|p|br|b|strong|i|em|u|s|a|span|blockquote|ul|ol|li|code|"
                         r"pre|mark|strike|del)\b[^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def plain_text(body: str) -> str:
    """A comment body as text, as Coral's own getHTMLPlainText makes it (line breaks for
    blocks, tags dropped, entities decoded, trimmed), so feedback Coral later sends about
    the comment (with that text) finds it. A body with no HTML in it is only trimmed."""
    if not _LOOKS_HTML.search(body):
        return body.strip()
    return html.unescape(_TAG.sub("", _BREAKS.sub(r"\n\1", body))).strip()


def _field(data: dict[str, Any], key: str, where: str, *, required: bool = True,
           limit: int = 255) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise ApiError(400, f"{where}{key} must be a{' non-empty' if required else ''} string "
                            f"of at most {limit} characters")
    return value


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise ApiError(400, f"{key} must be an object")
    return value


def parse(raw: bytes, max_chars: int) -> CoralRequest:
    """Coral's request, validated (400 with the field named; unknown fields are ignored, so
    a newer Coral that sends more still works)."""
    try:
        body = json.loads(raw)
    except ValueError as err:
        raise ApiError(400, f"the request body is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    problem = invalid_unicode_in(body)
    if problem:
        raise ApiError(400, problem)
    action = body.get("action")
    if action not in ACTIONS:
        raise ApiError(400, f"action must be one of {', '.join(ACTIONS)}")
    comment, author, story = _part(body, "comment"), _part(body, "author"), _part(body, "story")
    raw_text = _field(comment, "body", "comment.", limit=max_chars * 4) or ""
    text = plain_text(raw_text)
    if len(text) > max_chars:
        raise ApiError(400, f"comment.body is {len(text)} characters; the limit is {max_chars}")
    site = body.get("site")
    return CoralRequest(
        action=str(action), text=text,
        parent_id=_field(comment, "parentID", "comment.", required=False),
        author_id=_field(author, "id", "author.") or "",
        author_role=_field(author, "role", "author.", required=False, limit=32) or "",
        story_id=_field(story, "id", "story.") or "",
        story_url=_field(story, "url", "story.", required=False, limit=2000),
        coral_site_id=_field(site, "id", "site.", required=False) if isinstance(site, dict)
        else None,
        tenant_id=_field(body, "tenantID", "", required=False),
        tenant_domain=_field(body, "tenantDomain", "", required=False))


# --------------------------------------------------------------------------- response


def response_for(verdict: Verdict) -> dict[str, Any] | None:
    """Coral's ``ExternalModerationResponse`` for a verdict; None for no opinion (204)."""
    if verdict.decision == "publish":
        return None
    drivers = reason_drivers(verdict.reasons)
    reasons = []
    # Attributes that are not harm (spam, off-topic) are not "toxic" in Coral's terms either.
    if drivers.phrases or any(a not in NOT_HARM_ATTRIBUTES for a in drivers.attributes):
        reasons.append(TOXIC)
    if "spam" in drivers.attributes:
        reasons.append(SPAM)
    actions = [{"actionType": "FLAG", "reason": r} for r in reasons]
    if verdict.decision == "reject":
        status = "REJECTED"
    else:
        status = "SYSTEM_WITHHELD" if actions else "PREMOD"
    return {"status": status, "actions": actions, "tags": []}


# --------------------------------------------------------------------------- route


class CoralAction(Out):
    actionType: Literal["FLAG"]  # Coral's names
    reason: Literal["COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"]


class CoralResponse(Out):
    """Coral's ``ExternalModerationResponse`` (:func:`response_for`)."""

    status: Literal["REJECTED", "SYSTEM_WITHHELD", "PREMOD"]
    actions: list[CoralAction]
    tags: list[str]



@router.post(PATH, tags=["coral"], summary="Coral Talk external moderation phase",
             status_code=200, response_model=CoralResponse,
             responses={**ERRORS, 204: {"description": "No opinion: publish as usual"},
                        401: {"description": "Unsigned", "model": ErrorResponse},
                        403: {"description": "Signed by no connected site",
                              "model": ErrorResponse}})
async def moderate(request: Request, scorer: Scorer) -> Response:
    """Score a comment Coral is about to publish and answer in Coral's terms.

    Requests must carry ``X-Coral-Signature`` made with the phase's signing secret (stored
    with ``civility site coral SITE --secret-stdin``).
    """
    raw = await request.body()
    store = request.app.state.store
    settings = request.app.state.settings

    def connected() -> list[tuple[int, str, tuple[str, ...]]]:
        with store.session() as db:
            return q.coral_sites(db)

    site_id = signing_site(raw, request.headers.get(SIGNATURE_HEADER),
                           await run_in_threadpool(connected))
    coral = parse(raw, settings.max_comment_chars)
    if not coral.text:
        return Response(status_code=204)  # nothing to read (an image or an embed only)
    new = q.NewComment(f"coral-{uuid.uuid4().hex}", coral.text, coral.author_id,
                       origin="coral", queued=True)

    def accept() -> tuple[q.Accepted, str | None]:
        with store.writing() as db:
            # One transaction (accept_comments commits it): Coral's clock is running.
            article_id = q.upsert_article(db, site_id, coral.story_id, url=coral.story_url,
                                          commit=False)
            text = q.article_text(db, article_id)
            return q.accept_comments(db, site_id, [new], article_id)[0], text

    accepted, article = await run_in_threadpool(accept)  # committed before scoring
    verdict = (await scorer.moderate([Comment(new.external_id, new.text, new.author)],
                                     article=article, store_ids=[accepted.id],
                                     site_id=site_id))[0]
    request.app.state.webhooks.notify()
    request.app.state.metrics.decisions.labels("model", verdict.decision).inc()
    answer = response_for(verdict)
    return Response(status_code=204) if answer is None else JSONResponse(answer)
