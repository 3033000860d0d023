"""Prometheus metrics, one registry per app (so tests can build many apps in one process)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("civility_http_requests", "HTTP requests by route and status",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("civility_http_request_seconds", "HTTP request latency",
                                 ["route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.comments = Counter("civility_comments_scored", "Comments scored, by decision",
                                ["decision"], registry=r)
        self.batch_size = Histogram("civility_score_batch_size", "Comments per model batch",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024), registry=r)
        self.score_seconds = Histogram("civility_score_batch_seconds",
                                       "Time to score one batch", buckets=_LATENCY_BUCKETS,
                                       registry=r)
        self.decisions = Counter("civility_decisions", "Decisions recorded", ["source", "action"],
                                 registry=r)
        self.webhooks = Counter("civility_webhook_deliveries", "Webhook attempts by outcome",
                                ["outcome"], registry=r)
        self.rate_limited = Counter("civility_rate_limited", "Requests refused by rate limits",
                                    registry=r)
        self.queue_depth = Gauge("civility_score_queue_depth", "Requests waiting to be scored",
                                 registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request by its route template (bounded label cardinality)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
