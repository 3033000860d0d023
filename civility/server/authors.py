"""Commenters over HTTP: their history and moderators' actions on them, in the API and the UI,
and each site's rules about commenters and words (administrators only).

API (``/api/v1``): ``GET /authors``, ``GET /authors/{author}``, ``POST
/authors/{author}/actions``; ``GET``/``PUT /admin/sites/{name}/rules``. An API key reads and
acts on its own site's commenters only; a moderator's session names the site (``?site=``).
UI: ``/authors`` (list), ``/author?site=&name=`` (history with the action buttons) and
``/admin/rules`` (the rules and word lists). Forms carry the CSRF token like every other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from civility.authors import AUTHOR_ACTIONS, MAX_DAYS, MAX_WORDS, SiteRules, clean_words
from civility.records import invalid_unicode
from civility.server.api.models import Out, Time, answers
from civility.server.deps import DB, Moderating, Reader
from civility.server.errors import ERRORS, ApiError
from civility.server.inputs import MAX_OFFSET
from civility.server.security import Principal, require_admin, verify_csrf
from civility.server.ui import (
    REJECT_REASONS,
    Db,
    User,
    compose_reason,
    parse_int,
    render,
    templates,
    with_params,
)
from civility.store import authors as sa
from civility.store import queries as q
from civility.store.accounts import ModeratorAccount

router = APIRouter(prefix="/api/v1", tags=["authors"], responses=ERRORS)
admin_api = APIRouter(prefix="/api/v1/admin", tags=["admin"],
                      dependencies=[Depends(require_admin)], responses=ERRORS)
pages = APIRouter(include_in_schema=False)
admin_pages = APIRouter(prefix="/admin", include_in_schema=False,
                        dependencies=[Depends(require_admin)])

#: Said instead of the name: an error must not echo another site's commenter back.
NO_AUTHOR = "no such author on this site"
STANDING_WORDS = {"active": "In good standing", "premoderated": "Premoderated",
                  "suspended": "Suspended", "banned": "Banned"}
ACTION_WORDS = {"warn": "Warned", "premoderate": "Premoderated", "suspend": "Suspended",
                "ban": "Banned", "reinstate": "Reinstated"}
FILTER_WORDS = {"all": "Everyone", "restricted": "Restricted now", "premoderated":
                "Premoderated", "suspended": "Suspended", "banned": "Banned",
                "warned": "Warned"}
ORDER_WORDS = {"recent": "Latest comment first", "rejected": "Most rejected first",
               "name": "By name"}
PAGE_SIZE = 50


def author_url(site_id: int, name: str) -> str:
    """The author's page in the UI (a query string: names may hold any character)."""
    return "/author?" + urlencode({"site": site_id, "name": name})


templates.env.globals.update(author_url=author_url, STANDING_WORDS=STANDING_WORDS)


# --------------------------------------------------------------------------- which site


def _site_name(db: Session, site_id: int) -> str:
    return next((s.name for s in q.list_sites(db) if s.id == site_id), "")


def _site_id(db: Session, principal: Principal, site: str | None, author: str | None = None
             ) -> int:
    """The site a call is about: an API key's own (naming another is "not found"), else the
    one a moderator named, else the first that knows the author, else ``default``."""
    if principal.site_id is not None:
        if site is not None and site != _site_name(db, principal.site_id):
            raise ApiError(404, NO_AUTHOR if author is not None else f"no site named {site!r}")
        return principal.site_id
    if site is not None:
        try:
            return q.get_site(db, site).id
        except q.NotFound as err:
            raise ApiError(404, str(err)) from err
    found = sa.find_author_site(db, author) if author is not None else None
    if found is not None:
        return found
    try:
        return q.get_site(db).id
    except q.NotFound as err:
        raise ApiError(404, str(err)) from err


def _checked_name(author: str) -> str:
    if not 1 <= len(author) <= 255:
        raise ApiError(400, "an author is 1-255 characters")
    problem = invalid_unicode(author)
    if problem:
        raise ApiError(400, f"author: {problem}")
    return author


# --------------------------------------------------------------------------- JSON API


class NextComment(Out):
    """What the author's standing does to their next comment (both null: nothing)."""

    at_most: str | None = Field(description="The most their next comment can get, e.g. review")
    reason: str | None


class AuthorSummaryOut(Out):
    author: str
    site: str
    status: str = Field(description="active, premoderated, suspended or banned")
    until: Time | None
    warnings: int
    counts: dict[str, int] = Field(description="Comments by status")
    comments: int
    last_comment_at: Time | None
    next_comment: NextComment | None


class AuthorList(Out):
    items: list[AuthorSummaryOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class RecentRejection(Out):
    id: str
    internal_id: int
    text: str
    created_at: Time
    reason: str
    source: str


class AuthorActionOut(Out):
    id: int
    action: str
    actor: str
    reason: str
    until: Time | None
    details: dict[str, Any]
    created_at: Time


class AuthorHistory(Out):
    author: str
    site: str
    status: str
    until: Time | None
    reason: str
    set_by: str
    since: Time | None
    warnings: int
    counts: dict[str, int]
    comments: int
    first_seen: Time | None
    last_seen: Time | None
    next_comment: NextComment
    recent_rejections: list[RecentRejection]
    actions: list[AuthorActionOut]


class AuthorActed(Out):
    action: AuthorActionOut
    author: AuthorHistory


class RulesOut(Out):
    site: str
    new_author_approvals: int
    rejection_rate: float | None
    rejection_window_days: int
    rejection_min_comments: int
    hold_links: bool
    banned_words: list[str]
    suspect_words: list[str]


def _summary_dict(s: sa.AuthorSummary, site: str, last: Any = None) -> dict[str, Any]:
    return {"author": s.name, "site": site, "status": s.status,
            "until": s.until.isoformat() if s.until else None, "warnings": s.warnings,
            "counts": s.counts, "comments": s.comments,
            "last_comment_at": last.isoformat() if last else None,
            "next_comment": None if s.next_comment is None else
            {"at_most": s.next_comment[0], "reason": s.next_comment[1]}}


@router.get("/authors", summary="List commenters with their counts and standing",
            **answers(AuthorList))
def list_authors(db: DB, principal: Reader,
                 status: Literal["all", "restricted", "premoderated", "suspended", "banned",
                                 "warned"] = "all",
                 search: str | None = Query(None, alias="q", max_length=200),
                 order: Literal["recent", "rejected", "name"] = "recent",
                 site: str | None = Query(None, max_length=100,
                                          description="A moderator's session: one site only"),
                 limit: int = Query(50, ge=1, le=200),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET)) -> dict[str, Any]:
    """The key's site's commenters (a moderator session: every site, or ``site``)."""
    site_id = (_site_id(db, principal, site) if site is not None or principal.site_id
               is not None else None)
    page = sa.list_authors(db, site_id=site_id, status=status, search=search, order=order,
                           limit=limit, offset=offset)
    return {"items": [_summary_dict(s, page.sites.get(s.site_id, ""),
                                    page.last_seen.get((s.site_id, s.name)))
                      for s in page.items],
            "total": page.total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < page.total else None}


@router.get("/authors/{author}", summary="A commenter's history", **answers(AuthorHistory))
def get_author(author: str, db: DB, principal: Reader,
               site: str | None = Query(None, max_length=100)) -> dict[str, Any]:
    """Counts by decision, recent rejections, standing (and what it does to their next
    comment), warnings and every action taken on them, on the key's site."""
    name = _checked_name(author)
    history = sa.author_history(db, _site_id(db, principal, site, name), name)
    if history is None:
        raise ApiError(404, NO_AUTHOR)
    return history.to_dict()


class AuthorActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action": "premoderate", "reason": "third abusive comment this week"},
        {"action": "suspend", "days": 7, "reason": "threats", "reject_pending": True},
        {"action": "ban", "reason": "spam account", "reject_pending": True,
         "reason_code": "spam"},
    ]})
    action: Literal["warn", "premoderate", "suspend", "ban", "reinstate"]
    reason: str = Field("", max_length=500, description="Why: kept in the author's history, "
                                                         "the audit log and the webhook")
    days: int | None = Field(None, ge=1, le=MAX_DAYS, description="suspend: required; "
                                                                  "premoderate: optional")
    reject_pending: bool = Field(False, description="suspend or ban: also reject their "
                                                    "pending and held comments")
    reason_code: Literal["abusive", "hate", "threat", "spam", "off-topic", "other"] = Field(
        "other", description="The reject reason those comments get (with ``reason`` as note)")


def _reject_reason(code: str, action: str, reason: str) -> str:
    """How the comments rejected with a suspension or ban say why: a reject reason code and
    a note, like a moderator's own rejection (``spam: author banned (spam account)``)."""
    status = {"suspend": "suspended", "ban": "banned"}.get(action, action)
    return compose_reason(code, f"author {status}" + (f" ({reason})" if reason else ""))


def _act(request: Request, db: Session, site_id: int, name: str, body: AuthorActionIn,
         actor: str) -> sa.AuthorActionInfo:
    problem = invalid_unicode(body.reason)
    if problem:
        raise ApiError(400, f"reason: {problem}")
    try:
        info = sa.act(db, site_id, name, body.action, actor=actor, reason=body.reason,
                      days=body.days, reject_pending=body.reject_pending,
                      reject_reason=_reject_reason(body.reason_code, body.action, body.reason))
    except ValueError as err:
        raise ApiError(400, str(err)) from err
    request.app.state.webhooks.notify()
    if info.details.get("rejected"):
        request.app.state.metrics.decisions.labels("human", "reject").inc(
            info.details["rejected"])
    return info


@router.post("/authors/{author}/actions", status_code=201,
             summary="Warn, premoderate, suspend, ban or reinstate a commenter",
             **answers(AuthorActed))
def author_action(author: str, body: AuthorActionIn, request: Request, db: DB,
                  principal: Moderating,
                  site: str | None = Query(None, max_length=100)) -> dict[str, Any]:
    """Recorded in the author's history and the audit log, and sent to the site's webhook
    as ``author.warned``, ``author.premoderated``, ``author.suspended``, ``author.banned`` or
    ``author.reinstated``. The site must know the author (from their comments)."""
    name = _checked_name(author)
    site_id = _site_id(db, principal, site, name)
    if sa.author_history(db, site_id, name) is None:
        raise ApiError(404, NO_AUTHOR)
    info = _act(request, db, site_id, name, body, principal.name)
    history = sa.author_history(db, site_id, name)
    assert history is not None
    return {"action": info.to_dict(), "author": history.to_dict()}


class RulesIn(BaseModel):
    """A site's rules about commenters and words; PUT replaces them all (omitted: off)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"new_author_approvals": 3, "rejection_rate": 0.5, "rejection_window_days": 30,
         "rejection_min_comments": 4, "hold_links": True, "banned_words": ["buy followers"],
         "suspect_words": ["vermin", "parasites"]},
    ]})
    new_author_approvals: int = Field(0, ge=0, le=1000, description="Premoderate new "
                                      "commenters until this many comments are approved")
    rejection_rate: float | None = Field(None, gt=0, le=1, description="Premoderate an author "
                                         "once this share of their decided comments is rejected")
    rejection_window_days: int = Field(30, ge=1, le=MAX_DAYS)
    rejection_min_comments: int = Field(5, ge=1, le=10_000)
    hold_links: bool = False
    banned_words: list[str] = Field(default_factory=list, max_length=MAX_WORDS,
                                    description="Phrases that reject a comment")
    suspect_words: list[str] = Field(default_factory=list, max_length=MAX_WORDS,
                                     description="Phrases that hold a comment for review")


def _rules_from(body: RulesIn) -> SiteRules:
    for word in (*body.banned_words, *body.suspect_words):
        problem = invalid_unicode(word)
        if problem:
            raise ApiError(400, f"word lists: {problem}")
    try:
        return SiteRules(new_author_approvals=body.new_author_approvals,
                         rejection_rate=body.rejection_rate,
                         rejection_window_days=body.rejection_window_days,
                         rejection_min_comments=body.rejection_min_comments,
                         hold_links=body.hold_links,
                         banned_words=clean_words(body.banned_words),
                         suspect_words=clean_words(body.suspect_words))
    except ValueError as err:
        raise ApiError(400, str(err)) from err


def _site_or_404(db: Session, name: str) -> int:
    try:
        return q.get_site(db, name).id
    except q.NotFound as err:
        raise ApiError(404, str(err)) from err


@admin_api.get("/sites/{name}/rules", summary="A site's rules about commenters and words",
               **answers(RulesOut))
def get_rules(name: str, db: DB) -> dict[str, Any]:
    return {"site": name, **sa.rules_dict(sa.site_rules(db, _site_or_404(db, name)))}


@admin_api.put("/sites/{name}/rules", summary="Set a site's rules about commenters and words",
               **answers(RulesOut))
def put_rules(name: str, body: RulesIn, db: DB,
              admin: Annotated[ModeratorAccount, Depends(require_admin)]) -> dict[str, Any]:
    """Applied to every comment decided from now on; audited as ``site.rules``."""
    _site_or_404(db, name)
    rules = sa.set_site_rules(db, name, _rules_from(body), actor=admin.username)
    return {"site": name, **sa.rules_dict(rules)}


# --------------------------------------------------------------------------- UI pages

DONE = {**{a: f"{w}." for a, w in ACTION_WORDS.items()}, "saved": "Rules saved."}


@pages.get("/authors")
def authors_page(request: Request, db: Db, user: User, status: str | None = None,
                 typed: str | None = Query(None, alias="q"), order: str | None = None,
                 page: str | None = None) -> Response:
    shown = status if status in FILTER_WORDS else "all"
    ordered = order if order in ORDER_WORDS else "recent"
    search = (typed or "").strip()[:200] or None
    number = max(1, parse_int(page) or 1)
    result = sa.list_authors(db, status=shown, search=search, order=ordered, limit=PAGE_SIZE,
                             offset=(number - 1) * PAGE_SIZE)
    return render(request, "authors.html", db, user, page_name="authors", result=result,
                  status=shown, search=search or "", order=ordered, filters=FILTER_WORDS,
                  orders=ORDER_WORDS, page=number,
                  pages=max(1, -(-result.total // PAGE_SIZE)))


def _author_page(request: Request, db: Session, user: ModeratorAccount, site_id: int,
                 name: str, *, status_code: int = 200, error: str = "") -> Response:
    history = sa.author_history(db, site_id, name) if 1 <= len(name) <= 255 else None
    if history is None:
        return render(request, "error.html", db, user, status_code=404, title="Not found",
                      message="No commenter by that name on this site.")
    done = request.query_params.get("done", "")
    return render(request, "author.html", db, user, status_code=status_code,
                  page_name="authors", h=history, site_id=site_id, actions=AUTHOR_ACTIONS,
                  action_words=ACTION_WORDS, max_days=MAX_DAYS, flash=DONE.get(done, ""),
                  flash_error=error, rules=sa.site_rules(db, site_id),
                  reject_reasons=REJECT_REASONS)


@pages.get("/author")
def author_page(request: Request, db: Db, user: User, site: str | None = None,
                name: str = "") -> Response:
    return _author_page(request, db, user, parse_int(site) or 0, name)


@pages.post("/author/action", dependencies=[Depends(verify_csrf)])
def author_action_form(request: Request, db: Db, user: User, site: Annotated[int, Form()],
                       name: Annotated[str, Form()], action: Annotated[str, Form()],
                       reason: Annotated[str, Form()] = "", days: Annotated[str, Form()] = "",
                       reject_pending: Annotated[str, Form()] = "",
                       reason_code: Annotated[str, Form()] = "other") -> Response:
    """One of the author page's buttons; back to the page, which says what was done."""
    try:
        body = AuthorActionIn(action=action, reason=reason[:500],  # type: ignore[arg-type]
                              days=parse_int(days.strip()) if days.strip() else None,
                              reject_pending=reject_pending == "1",
                              reason_code=reason_code if reason_code in REJECT_REASONS
                              else "other")  # type: ignore[arg-type]
        if sa.author_history(db, site, name) is None:
            raise ApiError(404, NO_AUTHOR)
        _act(request, db, site, name, body, user.username)
    except ApiError as err:
        if err.status == 404:
            return _author_page(request, db, user, site, name)
        return _author_page(request, db, user, site, name, status_code=err.status,
                            error=err.message)
    except ValueError as err:  # pydantic: days out of range and the like
        message = "; ".join(e["msg"] for e in getattr(err, "errors", lambda: [])()) or str(err)
        return _author_page(request, db, user, site, name, status_code=400, error=message)
    return RedirectResponse(with_params(author_url(site, name), done=action), status_code=303)


def _rules_form(rules: SiteRules) -> dict[str, str]:
    """The rules as the form shows them: a percentage, one phrase per line."""
    rate = rules.rejection_rate
    return {"new_author_approvals": str(rules.new_author_approvals),
            "rejection_rate": "" if rate is None else f"{rate * 100:g}",
            "rejection_window_days": str(rules.rejection_window_days),
            "rejection_min_comments": str(rules.rejection_min_comments),
            "hold_links": "1" if rules.hold_links else "",
            "banned_words": "\n".join(rules.banned_words),
            "suspect_words": "\n".join(rules.suspect_words)}


def _rules_page(request: Request, db: Session, admin: ModeratorAccount, site: str, *,
                status_code: int = 200, error: str = "", typed: dict[str, str] | None = None
                ) -> Response:
    """The rules of one site; after a refused save, the form as it was typed (nothing lost)."""
    sites = q.list_sites(db)
    chosen = next((s for s in sites if s.name == site), sites[0] if sites else None)
    if chosen is None:
        return render(request, "error.html", db, admin, status_code=404, title="No sites",
                      message="There is no site yet.")
    form = typed if typed is not None and chosen.name == site else \
        _rules_form(sa.site_rules(db, chosen.id))
    return render(request, "rules.html", db, admin, status_code=status_code,
                  page_name="admin", sites=sites, site=chosen, form=form,
                  max_words=MAX_WORDS, max_days=MAX_DAYS,
                  flash=DONE.get(request.query_params.get("done", ""), ""), flash_error=error)


@admin_pages.get("/rules")
def rules_page(request: Request, db: Db, admin: User, site: str = "") -> Response:
    return _rules_page(request, db, admin, site)


def _number(value: str, what: str, kind: type[int] | type[float] = int) -> Any:
    try:
        return kind(value.strip())
    except ValueError as err:
        raise ValueError(f"{what}: {value.strip()[:20]!r} is not a number") from err


@admin_pages.post("/rules")
def rules_form(request: Request, db: Db, admin: User, site: Annotated[str, Form()],
               new_author_approvals: Annotated[str, Form()] = "0",
               rejection_rate: Annotated[str, Form()] = "",
               rejection_window_days: Annotated[str, Form()] = "30",
               rejection_min_comments: Annotated[str, Form()] = "5",
               hold_links: Annotated[str, Form()] = "",
               banned_words: Annotated[str, Form()] = "",
               suspect_words: Annotated[str, Form()] = "") -> Response:
    """Save the form: the rate as a percentage (empty: off), one phrase per line."""
    typed = {"new_author_approvals": new_author_approvals, "rejection_rate": rejection_rate,
             "rejection_window_days": rejection_window_days,
             "rejection_min_comments": rejection_min_comments, "hold_links": hold_links,
             "banned_words": banned_words, "suspect_words": suspect_words}
    try:
        percent = (_number(rejection_rate, "rejection rate", float)
                   if rejection_rate.strip() else None)
        rules = SiteRules(
            new_author_approvals=_number(new_author_approvals or "0", "new commenters"),
            rejection_rate=None if percent is None else percent / 100,
            rejection_window_days=_number(rejection_window_days or "30", "window"),
            rejection_min_comments=_number(rejection_min_comments or "5", "decided comments"),
            hold_links=hold_links == "1",
            banned_words=clean_words(banned_words),
            suspect_words=clean_words(suspect_words))
        if any(invalid_unicode(w) for w in (*rules.banned_words, *rules.suspect_words)):
            raise ValueError("the word lists hold text that is not valid Unicode")
        sa.set_site_rules(db, site, rules, actor=admin.username)
    except q.NotFound as err:
        return _rules_page(request, db, admin, site, status_code=404, error=str(err))
    except ValueError as err:
        return _rules_page(request, db, admin, site, status_code=400, error=str(err),
                           typed=typed)
    return RedirectResponse("/admin/rules?" + urlencode({"site": site, "done": "saved"}),
                            status_code=303)


def mount(app: FastAPI) -> None:
    for r in (router, admin_api, pages, admin_pages):
        app.include_router(r)
