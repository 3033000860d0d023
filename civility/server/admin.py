"""Managing moderators, API keys, sites and webhooks: administrators only, in the API
(``/api/v1/admin/...``) and in the UI (``/admin``).

Both routers carry :func:`~civility.server.security.require_admin` as a router-wide
dependency, so a route added here cannot forget it: a moderator without the admin role gets
403, a browser without a session is sent to the login page, and API keys never manage
accounts, whatever their scopes (a key belongs to one site; these pages span all of them).
Writes need the CSRF token and land in the audit log under the administrator's name.
Password hashing goes through the server's
:class:`~civility.server.security.PasswordGate`, like logins.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from civility.server.api.models import Out, Time, answers
from civility.server.errors import ERRORS, ApiError, error_response
from civility.server.security import AdminOnly, Busy, require_admin, wants_html
from civility.store import accounts as acc
from civility.store import queries as q
from civility.store.accounts import AccountError, KeyInfo, ModeratorAccount

T = TypeVar("T")

Admin = Annotated[ModeratorAccount, Depends(require_admin)]
api = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                responses=ERRORS)
pages = APIRouter(prefix="/admin", include_in_schema=False,
                  dependencies=[Depends(require_admin)])


# --------------------------------------------------------------------------- shared actions


def _status_for(err: AccountError) -> int:
    message = str(err)
    if message.startswith("no "):
        return 404
    return 409 if "already exists" in message else 400


@contextlib.contextmanager
def _as_api_errors() -> Iterator[None]:
    try:
        yield
    except AccountError as err:
        raise ApiError(_status_for(err), str(err)) from err
    except q.NotFound as err:
        raise ApiError(404, str(err)) from err


async def _in_db(request: Request, work: Callable[[Session], T], *, hashes: bool = False) -> T:
    """``work(db)`` off the event loop: on the password gate when it hashes a password (so
    account changes cannot starve the server either), else on the thread pool."""
    store = request.app.state.store

    def run() -> T:
        with store.session() as db:
            return work(db)

    if not hashes:
        return await run_in_threadpool(run)
    try:
        return await request.app.state.password_gate.run(run)  # type: ignore[no-any-return]
    except Busy as err:
        raise ApiError(503, "the server is busy checking passwords; try again",
                       headers={"Retry-After": "1"}) from err


def _set_active(db: Session, admin: ModeratorAccount, username: str, active: bool) -> None:
    if not active and username == admin.username:
        raise AccountError("you cannot disable your own account")
    acc.set_active(db, username, active, actor=admin.username)


def _revoke(request: Request, db: Session, admin: ModeratorAccount, prefix: str) -> None:
    acc.revoke_api_key(db, prefix, actor=admin.username)
    request.app.state.key_cache.clear()  # revoked in this process: refused from now on


def _webhook(db: Session, admin: ModeratorAccount, site: str, url: str | None,
             secret: str | None) -> str | None:
    """Set (or with no URL remove) a site's webhook; the secret, generated unless given."""
    if url and not url.startswith(("http://", "https://")):
        raise AccountError("the webhook URL must start with http:// or https://")
    if secret and not 16 <= len(secret) <= 200:
        raise AccountError("a webhook secret is 16-200 characters")
    secret = (secret or secrets.token_urlsafe(32)) if url else None
    q.set_site_webhook(db, site, url, secret, actor=admin.username)
    return secret


def _user_dict(account: ModeratorAccount, active: bool, last: datetime | None) -> dict[str, Any]:
    return {"username": account.username, "role": account.role, "active": active,
            "last_login_at": last.isoformat() if last else None}


def _key_dict(k: KeyInfo) -> dict[str, Any]:
    return {"prefix": k.prefix, "name": k.name, "site": k.site, "scopes": list(k.scopes),
            "rate_limit": k.rate_limit, "created_at": k.created_at.isoformat(),
            "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}


def _sites(db: Session) -> list[dict[str, Any]]:
    return [{"name": s.name, "webhook_url": s.webhook_url, "has_secret": bool(s.webhook_secret),
             "created_at": s.created_at.isoformat()} for s in q.list_sites(db)]


# --------------------------------------------------------------------------- JSON API

_Name = Annotated[str, Field(min_length=1, max_length=100)]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: _Name
    password: str = Field(min_length=8, max_length=1000)
    role: Literal["admin", "moderator"] = "moderator"


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = Field(None, description="false disables the account and logs it out")
    password: str | None = Field(None, min_length=8, max_length=1000,
                                 description="a new password (logs the account out)")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: _Name
    site: _Name = "default"
    scopes: list[Literal["score", "read", "moderate", "admin"]] = Field(
        default_factory=lambda: list(acc.DEFAULT_SCOPES), min_length=1)
    rate_limit: float | None = Field(None, gt=0, le=1_000_000,
                                     description="requests per second (default: the server's)")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(None, max_length=2000, description="null removes the webhook")
    secret: str | None = Field(None, description="HMAC secret, 16-200 characters (default: "
                                                   "generated and returned once)")

    @field_validator("url")
    @classmethod
    def _http(cls, url: str | None) -> str | None:
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url or None


class UserOut(Out):
    username: str
    role: str
    active: bool
    last_login_at: Time | None


class UserList(Out):
    items: list[UserOut]


class KeyOut(Out):
    prefix: str = Field(description="The key's first characters, which name it")
    name: str
    site: str
    scopes: list[str]
    rate_limit: float | None = Field(description="Requests per second (null: the server's)")
    created_at: Time
    revoked_at: Time | None


class NewKeyOut(KeyOut):
    key: str = Field(description="The key itself: shown this once, only its hash is kept")


class KeyList(Out):
    items: list[KeyOut]


class SiteOut(Out):
    name: str
    webhook_url: str | None
    has_secret: bool
    created_at: Time


class SiteList(Out):
    items: list[SiteOut]


class WebhookOut(Out):
    name: str
    webhook_url: str | None
    secret: str | None = Field(description="The webhook's HMAC secret: shown this once")


@api.get("/users", summary="List moderators", **answers(UserList))
async def list_users(request: Request) -> dict[str, Any]:
    rows = await _in_db(request, acc.list_moderators)
    return {"items": [_user_dict(a, active, last) for a, active, last in rows]}


@api.post("/users", status_code=201, summary="Add a moderator", **answers(UserOut))
async def add_user(body: UserIn, request: Request, admin: Admin) -> dict[str, Any]:
    with _as_api_errors():
        account = await _in_db(request, lambda db: acc.create_moderator(
            db, body.username, body.password, role=body.role, actor=admin.username),
            hashes=True)
    return _user_dict(account, True, None)


@api.patch("/users/{username}", summary="Enable, disable or set the password of a moderator",
           **answers(UserOut))
async def change_user(username: str, body: UserChange, request: Request,
                      admin: Admin) -> dict[str, Any]:
    def change(db: Session) -> None:
        if body.password is not None:
            acc.set_password(db, username, body.password, actor=admin.username)
        if body.active is not None:
            _set_active(db, admin, username, body.active)

    with _as_api_errors():
        await _in_db(request, change, hashes=body.password is not None)
    rows = await _in_db(request, acc.list_moderators)
    account, active, last = next(r for r in rows if r[0].username == username)
    return _user_dict(account, active, last)


@api.get("/keys", summary="List API keys", **answers(KeyList))
async def list_keys(request: Request) -> dict[str, Any]:
    return {"items": [_key_dict(k) for k in await _in_db(request, acc.list_api_keys)]}


@api.post("/keys", status_code=201, summary="Create an API key (shown once)",
          **answers(NewKeyOut))
async def add_key(body: KeyIn, request: Request, admin: Admin) -> dict[str, Any]:
    """The key is in ``key``, this once: only its hash is stored."""
    with _as_api_errors():
        key, info = await _in_db(request, lambda db: acc.create_api_key(
            db, body.name, scopes=tuple(body.scopes), site=body.site,
            rate_limit=body.rate_limit, actor=admin.username))
    return {"key": key, **_key_dict(info)}


@api.delete("/keys/{prefix}", summary="Revoke an API key (refused at once by this server)",
            **answers(KeyOut))
async def revoke_key(prefix: str, request: Request, admin: Admin) -> dict[str, Any]:
    with _as_api_errors():
        await _in_db(request, lambda db: _revoke(request, db, admin, prefix))
    keys = await _in_db(request, acc.list_api_keys)
    return _key_dict(next(k for k in keys if k.prefix == prefix))


@api.get("/sites", summary="List sites and their webhooks", **answers(SiteList))
async def list_sites(request: Request) -> dict[str, Any]:
    return {"items": await _in_db(request, _sites)}


@api.put("/sites/{name}/webhook", summary="Set or remove a site's webhook",
         **answers(WebhookOut))
async def set_webhook(name: str, body: WebhookIn, request: Request,
                      admin: Admin) -> dict[str, Any]:
    """Creates the site if it is new. The secret (``secret``) is returned this once."""
    if not 1 <= len(name) <= 100:
        raise ApiError(400, "a site name is 1-100 characters")
    with _as_api_errors():
        secret = await _in_db(request, lambda db: _webhook(db, admin, name, body.url,
                                                           body.secret))
    return {"name": name, "webhook_url": body.url, "secret": secret}


# --------------------------------------------------------------------------- UI pages

DONE = {"user-added": "Moderator added.", "user-enabled": "Account enabled.",
        "user-disabled": "Account disabled and signed out.",
        "password": "Password set; that account was signed out everywhere.",
        "revoked": "API key revoked: it is refused from now on.",
        "webhook-removed": "Webhook removed."}


async def _page(request: Request, admin: ModeratorAccount, *, status_code: int = 200,
                flash: str = "", flash_error: str = "", **shown: Any) -> Response:
    from civility.server.ui import render

    flash = flash or DONE.get(request.query_params.get("done", ""), "")
    return await _in_db(request, lambda db: render(
        request, "admin.html", db, admin, status_code=status_code, page_name="admin",
        flash=flash, flash_error=flash_error, scopes=acc.SCOPES, roles=acc.ROLES,
        users=acc.list_moderators(db), keys=acc.list_api_keys(db), sites=q.list_sites(db),
        **shown))


async def _form_action(request: Request, admin: ModeratorAccount, work: Callable[[Session], T],
                       done: str, *, hashes: bool = False) -> Response:
    """Run a form's change; back to the page with a confirmation, or the page with why not."""
    try:
        await _in_db(request, work, hashes=hashes)
    except (AccountError, q.NotFound) as err:
        return await _page(request, admin, status_code=400, flash_error=str(err))
    except ApiError as err:  # the password gate was busy
        return await _page(request, admin, status_code=err.status, flash_error=err.message)
    return RedirectResponse(f"/admin?done={done}", status_code=303)


@pages.get("")
async def admin_page(request: Request, admin: Admin) -> Response:
    return await _page(request, admin)


@pages.post("/users")
async def add_user_form(request: Request, admin: Admin, username: Annotated[str, Form()],
                        password: Annotated[str, Form()],
                        role: Annotated[str, Form()] = "moderator") -> Response:
    return await _form_action(request, admin, lambda db: acc.create_moderator(
        db, username[:200], password[:1000], role=role, actor=admin.username), "user-added",
        hashes=True)


@pages.post("/users/{username}/active")
async def user_active_form(request: Request, admin: Admin, username: str,
                           active: Annotated[str, Form()]) -> Response:
    on = active == "1"
    return await _form_action(request, admin, lambda db: _set_active(db, admin, username, on),
                              "user-enabled" if on else "user-disabled")


@pages.post("/users/{username}/password")
async def user_password_form(request: Request, admin: Admin, username: str,
                             password: Annotated[str, Form()]) -> Response:
    return await _form_action(request, admin, lambda db: acc.set_password(
        db, username, password[:1000], actor=admin.username), "password", hashes=True)


@pages.post("/keys")
async def add_key_form(request: Request, admin: Admin, name: Annotated[str, Form()],
                       site: Annotated[str, Form()] = "default",
                       scopes: Annotated[list[str] | None, Form()] = None,
                       rate_limit: Annotated[str, Form()] = "") -> Response:
    """Renders the page itself (no redirect): the new key must never travel in a URL."""
    try:
        rate = float(rate_limit) if rate_limit.strip() else None
        if not 1 <= len(name.strip()) <= 100 or not 1 <= len(site.strip()) <= 100:
            raise AccountError("a key's name and site are 1-100 characters")
        key, info = await _in_db(request, lambda db: acc.create_api_key(
            db, name.strip(), scopes=tuple(scopes or ()), site=site.strip(), rate_limit=rate,
            actor=admin.username))
    except (AccountError, ValueError) as err:
        message = str(err) if isinstance(err, AccountError) else "the rate is a number"
        return await _page(request, admin, status_code=400, flash_error=message)
    return await _page(request, admin, status_code=201, new_key=key, new_key_info=info)


@pages.post("/keys/{prefix}/revoke")
async def revoke_key_form(request: Request, admin: Admin, prefix: str) -> Response:
    return await _form_action(request, admin, lambda db: _revoke(request, db, admin, prefix),
                              "revoked")


@pages.post("/sites/webhook")
async def webhook_form(request: Request, admin: Admin, site: Annotated[str, Form()],
                       url: Annotated[str, Form()] = "",
                       secret: Annotated[str, Form()] = "") -> Response:
    """Renders the page itself when a secret was generated (shown once, never in a URL)."""
    site, url = site.strip(), url.strip()
    if not 1 <= len(site) <= 100 or len(url) > 2000:
        return await _page(request, admin, status_code=400,
                           flash_error="a site name is 1-100 characters, a URL at most 2000")
    if not url:
        return await _form_action(request, admin,
                                  lambda db: _webhook(db, admin, site, None, None),
                                  "webhook-removed")
    try:
        made = await _in_db(request, lambda db: _webhook(db, admin, site, url,
                                                         secret.strip() or None))
    except AccountError as err:
        return await _page(request, admin, status_code=400, flash_error=str(err))
    return await _page(request, admin, new_secret=made, new_secret_site=site,
                       flash=f"Webhook set for {site}.")


def mount(app: FastAPI) -> None:
    """Include both routers and answer a non-admin's browser with a page, not JSON."""
    app.include_router(api)
    app.include_router(pages)

    @app.exception_handler(AdminOnly)
    async def _not_admin(request: Request, exc: AdminOnly) -> Response:
        if not wants_html(request):
            return error_response(request.url.path, exc.status, exc.message)
        from civility.server.ui import render

        user = request.state.moderator if "moderator" in request.scope.get("state", {}) else None
        return await _in_db(request, lambda db: render(
            request, "error.html", db, user, status_code=403, title="Administrators only",
            message="Managing moderators, API keys, sites and webhooks needs an administrator. "
                    "Ask one to do it, or to give you the admin role."))
