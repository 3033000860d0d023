"""Which peers may say where a request really came from."""

from __future__ import annotations

import ipaddress

__all__ = ["TrustedProxyMiddleware"]


class TrustedProxyMiddleware:
    """Believes ``X-Forwarded-Proto`` and ``X-Forwarded-For`` from trusted proxies only.

    Behind a TLS-terminating proxy the request scheme becomes https (so cookies get the
    Secure flag, and the CSRF origin check compares https origins) and the client address
    becomes the real one (so the login throttle limits the client, not the proxy). Anyone
    else's headers are ignored: a client must not be able to pick its own address.
    ``trusted`` is comma-separated addresses or networks, or ``*`` for any.
    """

    def __init__(self, app, trusted: str = "127.0.0.1, ::1") -> None:  # type: ignore[no-untyped-def]
        self.app = app
        items = [t.strip() for t in trusted.split(",") if t.strip()]
        self.any = "*" in items
        self.networks = [ipaddress.ip_network(t, strict=False) for t in items if t != "*"]

    def trusts(self, host: str) -> bool:
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        client = scope.get("client")
        if scope["type"] == "http" and client and self.trusts(client[0]):
            headers = dict(scope["headers"])
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1")
            proto = proto.split(",")[-1].strip().lower()
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if proto in ("http", "https") or hops:
                scope = dict(scope)
                if proto in ("http", "https"):
                    scope["scheme"] = proto
                # The nearest hop that is not one of our proxies is the client.
                while len(hops) > 1 and self.trusts(hops[-1]):
                    hops.pop()
                if hops:
                    scope["client"] = (hops[-1], 0)
        await self.app(scope, receive, send)
