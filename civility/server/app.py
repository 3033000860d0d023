"""The app factory: ``create_app(Settings(...)) -> FastAPI``.

Building the app migrates the database (so ``civility serve`` on a fresh clone just works),
loads the model and wires the routers; the lifespan starts the micro-batcher and the webhook
worker and scores anything a crash left pending.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import civility
from civility.server import (
    admin,
    api,
    coral,
    discovery,
    errors,
    openai_compat,
    perspective,
    security,
)
from civility.server import authors as commenters
from civility.server.api import system
from civility.server.batcher import PendingSweep, ScoringService, SitePolicies
from civility.server.metrics import Metrics, MetricsMiddleware
from civility.server.settings import Settings
from civility.server.webhooks import WebhookWorker
from civility.store import Store
from civility.store import queries as q
from civility.store.authors import apply_rules as apply_author_rules
from civility.store.models import Meta

log = logging.getLogger("civility.server")


def _secret_key(store: Store, configured: str | None) -> bytes:
    """The configured secret, else one generated on first run and kept in the database."""
    if configured:
        return configured.encode()
    with store.session() as db:
        row = db.get(Meta, "secret_key")
        if row is None:
            db.add(Meta(key="secret_key", value=secrets.token_hex(32)))
            try:
                db.commit()
            except IntegrityError:  # another process won the race
                db.rollback()
        value = db.scalar(select(Meta.value).where(Meta.key == "secret_key"))
        assert value is not None
        return value.encode()


def _load_moderator(settings: Settings) -> Any:
    if settings.moderator is not None:
        return settings.moderator
    from civility.moderator import Moderator

    try:
        return Moderator(settings.policy, model=settings.model, screen=settings.screen)
    except FileNotFoundError as err:
        log.warning("no model loaded (%s): scoring endpoints will answer 503", err)
        return None


def _save(store: Store, pairs: list[Any], policy: str) -> list[Any]:
    """Store verdicts as the sites' rules and their authors' standing adjust them (see
    civility.authors), and return them so: what the request answers is what was stored."""
    with store.writing() as db:
        pairs = apply_author_rules(db, pairs)
        q.store_verdicts(db, pairs, policy=policy)
    return pairs


def _record_failures(store: Store, failures: list[tuple[int, str]]) -> None:
    with store.writing() as db:
        q.record_scoring_errors(db, failures)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    store = Store(settings.database)
    metrics = Metrics()
    moderator = _load_moderator(settings)
    scorer = (ScoringService(moderator, window_ms=settings.batch_window_ms,
                             max_batch=settings.max_batch, metrics=metrics,
                             persist=lambda pairs, policy: _save(store, pairs, policy),
                             record_failures=lambda failures: _record_failures(store, failures),
                             policy_for=SitePolicies(store, settings.policy_cache_s))
              if moderator is not None else None)
    webhooks = WebhookWorker(store, metrics=metrics, backoff_s=settings.webhook_backoff_s,
                             backoff_max_s=settings.webhook_backoff_max_s,
                             max_attempts=settings.webhook_max_attempts,
                             timeout_s=settings.webhook_timeout_s, poll_s=settings.webhook_poll_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scorer is not None:
            await scorer.start()
        await webhooks.start()
        sweep = (PendingSweep(store, scorer, retry_s=settings.pending_retry_s,
                              max_attempts=settings.pending_max_attempts,
                              notify=webhooks.notify)
                 if scorer is not None and settings.rescore_pending else None)
        if sweep is not None:
            await sweep.start()
        try:
            yield
        finally:
            if sweep is not None:
                await sweep.stop()
            await webhooks.stop()
            if scorer is not None:
                await scorer.stop()
            store.close()

    app = FastAPI(
        title="Civility", version=civility.__version__, lifespan=lifespan,
        description="Moderation engine for news comment sections: native API, "
                    "Perspective-compatible `/v1alpha1/comments:analyze`, OpenAI-compatible "
                    "`/v1/moderations`. Authenticate with `Authorization: Bearer <key>` or "
                    "`?key=<key>`.")
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics
    app.state.scorer = scorer
    app.state.webhooks = webhooks
    app.state.secret_key = _secret_key(store, settings.secret_key)
    app.state.rate_limiter = security.RateLimiter(settings.rate_limit, settings.rate_burst)
    app.state.key_cache = security.KeyCache(settings.key_cache_s)
    app.state.login_throttle = security.LoginThrottle(
        per_user=settings.login_failures_per_user,
        per_address=settings.login_failures_per_address)
    app.state.password_gate = security.PasswordGate(settings.login_hash_slots,
                                                settings.login_hash_wait_s)
    security.redact_access_log()

    errors.install(app)
    app.include_router(api.router)
    app.include_router(perspective.router)
    app.include_router(discovery.router)
    app.include_router(coral.router)
    app.include_router(openai_compat.router)
    app.include_router(security.router)
    app.include_router(system.router)
    admin.mount(app)  # user, key, site and webhook management: administrators only
    commenters.mount(app)  # authors' history and actions, site rules: API and UI
    ui = _ui_module()
    if ui is not None:
        app.include_router(ui.router)
        if hasattr(ui, "mount"):
            ui.mount(app)
    else:
        @app.get("/", include_in_schema=False)
        def root() -> Response:
            return RedirectResponse("/docs", status_code=307)

    # Outermost first: size, NUL and depth checks before anything reads; metrics around all.
    app.add_middleware(security.CsrfCookieMiddleware, secure=settings.cookie_secure)
    app.add_middleware(errors.RequestGuardMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(security.TrustedProxyMiddleware, trusted=settings.trusted_proxies)
    return app


def _ui_module() -> Any:
    try:
        from civility.server import ui
    except ModuleNotFoundError as err:
        if err.name in ("civility.server.ui",):
            return None
        raise
    return ui
