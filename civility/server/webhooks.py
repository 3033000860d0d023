"""Webhooks: every decision is POSTed to the site's URL, signed, retried with backoff.

Deliveries are rows in ``webhook_deliveries`` written in the same transaction as the decision
(an outbox), so a crash never loses one; this worker claims what is due and sends it, so
several server processes never send a delivery twice at once. Delivery is at-least-once (a
crash between sending and recording means a resend): receivers should de-duplicate on the
``X-Civility-Delivery`` header. There is one delivery per decision, and the model decides
each comment once.

Signature: ``X-Civility-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256(secret, f"{t}.{raw body}"). Check it with :func:`verify_signature` and reject old
timestamps to stop replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from civility.server.metrics import Metrics
from civility.store import Store
from civility.store.models import Site, WebhookDelivery

log = logging.getLogger("civility.webhooks")


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify_signature(secret: str, body: bytes, header: str, *, tolerance_s: int = 300) -> bool:
    """True when ``header`` is a valid signature of ``body`` made within ``tolerance_s``."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        t = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance_s:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before retry number ``attempts`` (1-based): base·2^(n-1), capped, ±10 % jitter."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.9, 1.1)


class WebhookWorker:
    def __init__(self, store: Store, *, metrics: Metrics | None = None, backoff_s: float = 2.0,
                 backoff_max_s: float = 600.0, max_attempts: int = 10, timeout_s: float = 10.0,
                 poll_s: float = 1.0) -> None:
        self.store = store
        self.metrics = metrics
        self.backoff_s, self.backoff_max_s = backoff_s, backoff_max_s
        self.max_attempts, self.timeout_s, self.poll_s = max_attempts, timeout_s, poll_s
        self._wake: asyncio.Event | None = None
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def notify(self) -> None:
        """Something was queued: look now instead of at the next poll (any thread may call)."""
        loop, wake = self._event_loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            same_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False)
        self._task = asyncio.create_task(self._loop(), name="civility-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _loop(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # never let one bad row or a DB hiccup stop deliveries
                log.exception("webhook worker pass failed")
                sent = 0
            if sent:
                continue
            assert self._wake is not None
            self._wake.clear()
            # asyncio.wait, not wait_for: cancelling this task must never hang on the waiter.
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self.poll_s)
            finally:
                waiter.cancel()

    async def run_once(self, limit: int = 20) -> int:
        """Attempt every due delivery (up to ``limit``); returns how many were attempted."""
        due = await asyncio.to_thread(self._due, limit)
        if not due:
            return 0
        results = await asyncio.gather(*(self._send(*d) for d in due))
        await asyncio.to_thread(self._record, results)
        return len(due)

    def _due(self, limit: int) -> list[tuple[int, str, str, dict[str, Any]]]:
        """Claim up to ``limit`` due deliveries: pushing ``next_attempt_at`` past this attempt's
        timeout, in one conditional UPDATE, means a second server process (or a second
        worker) never sends the same delivery at the same time."""
        now = datetime.now(UTC)
        due = [WebhookDelivery.delivered_at.is_(None), WebhookDelivery.failed.is_(False),
               WebhookDelivery.next_attempt_at <= now]
        with self.store.session() as db:  # a plain read first: most polls find nothing
            candidates = list(db.scalars(select(WebhookDelivery.id).where(*due)
                                         .order_by(WebhookDelivery.id).limit(limit)))
        if not candidates:
            return []
        with self.store.writing() as db:
            claimed = list(db.scalars(
                update(WebhookDelivery).where(WebhookDelivery.id.in_(candidates), *due)
                .values(next_attempt_at=now + timedelta(seconds=self.timeout_s + 60))
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)))
            db.commit()
            if not claimed:
                return []
            rows = db.execute(
                select(WebhookDelivery.id, Site.webhook_url, Site.webhook_secret,
                       WebhookDelivery.payload)
                .join(Site, Site.id == WebhookDelivery.site_id)
                .where(WebhookDelivery.id.in_(claimed)).order_by(WebhookDelivery.id)).all()
        return [(r[0], r[1] or "", r[2] or "", r[3]) for r in rows]

    async def _send(self, delivery_id: int, url: str, secret: str, payload: dict[str, Any]
                    ) -> tuple[int, str | None]:
        """(id, None) on success, (id, error) otherwise."""
        if not url:
            return delivery_id, "site has no webhook URL any more"
        assert self._client is not None
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", "user-agent": "civility-webhook/1",
                   "x-civility-event": str(payload.get("event", "")),
                   "x-civility-delivery": str(delivery_id)}
        if secret:
            headers["x-civility-signature"] = sign(secret, body)
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return delivery_id, f"{type(err).__name__}: {err}"[:500]
        if 200 <= response.status_code < 300:
            return delivery_id, None
        return delivery_id, f"HTTP {response.status_code}"

    def _record(self, results: list[tuple[int, str | None]]) -> None:
        now = datetime.now(UTC)
        with self.store.writing() as db:
            for delivery_id, error in results:
                row = db.get(WebhookDelivery, delivery_id)
                if row is None:
                    continue
                row.attempts += 1
                if error is None:
                    row.delivered_at = now
                    outcome = "delivered"
                else:
                    row.last_error = error
                    if row.attempts >= self.max_attempts:
                        row.failed = True
                        outcome = "failed"
                        log.warning("webhook delivery %s gave up after %s attempts: %s",
                                    delivery_id, row.attempts, error)
                    else:
                        row.next_attempt_at = now + timedelta(
                            seconds=backoff(row.attempts, self.backoff_s, self.backoff_max_s))
                        outcome = "retry"
                if self.metrics:
                    self.metrics.webhooks.labels(outcome).inc()
            db.commit()
