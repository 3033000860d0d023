"""Managing moderators, API keys, sites and webhooks is for administrators only, in the API
(``/api/v1/admin``) and in the UI (``/admin``): a moderator without the admin role gets 403 on
every such route (enumerated from the app, so a new one cannot slip through), API keys never
manage accounts, writes need the CSRF token, and an administrator can do it all, audited.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from civility.store import accounts as acc

PASSWORD = "correct horse battery"
ADMIN_PREFIXES = ("/api/v1/admin", "/admin")


def sign_in(app: Any, client: TestClient, username: str, role: str) -> dict[str, str]:
    """A session for a new account; returns the CSRF header for its writes."""
    with app.state.store.session() as db:
        acc.create_moderator(db, username, PASSWORD, role=role)
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": client.get("/api/v1/csrf").json()["csrf_token"]}


def admin_routes(app: Any) -> list[tuple[str, str]]:
    from tests.test_site_isolation import app_routes

    return sorted((m, p) for m, p in app_routes(app) if p.startswith(ADMIN_PREFIXES))


def fill(path: str) -> str:
    return path.format(username="someone", prefix="abcd1234", name="default")


def test_the_management_routes_are_the_ones_expected(app) -> None:
    assert admin_routes(app) == sorted([
        ("GET", "/api/v1/admin/users"), ("POST", "/api/v1/admin/users"),
        ("PATCH", "/api/v1/admin/users/{username}"), ("GET", "/api/v1/admin/keys"),
        ("POST", "/api/v1/admin/keys"), ("DELETE", "/api/v1/admin/keys/{prefix}"),
        ("GET", "/api/v1/admin/sites"), ("PUT", "/api/v1/admin/sites/{name}/webhook"),
        ("GET", "/admin"), ("POST", "/admin/users"),
        ("POST", "/admin/users/{username}/active"), ("POST", "/admin/users/{username}/password"),
        ("POST", "/admin/keys"), ("POST", "/admin/keys/{prefix}/revoke"),
        ("POST", "/admin/sites/webhook"),
        ("GET", "/api/v1/admin/sites/{name}/rules"), ("PUT", "/api/v1/admin/sites/{name}/rules"),
        ("GET", "/admin/rules"), ("POST", "/admin/rules")])


def test_a_moderator_who_is_not_an_admin_gets_403_on_every_management_route(app, client) -> None:
    csrf = sign_in(app, client, "mo", "moderator")
    with app.state.store.session() as db:
        acc.create_moderator(db, "someone", PASSWORD)
        key, _ = acc.create_api_key(db, "k", scopes="read")
    for method, path in admin_routes(app):
        form = {"csrf_token": csrf["X-CSRF-Token"], "username": "x", "password": "p" * 10,
                "active": "0", "name": "n", "site": "s", "url": "https://x.invalid/"}
        r = (client.request(method, fill(path), data=form) if path.startswith("/admin")
             else client.request(method, fill(path), json={}, headers=csrf))
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert "administrators only" in r.text
    with app.state.store.session() as db:  # and nothing changed
        assert [a.username for a, *_ in acc.list_moderators(db)] == ["mo", "someone"]
        assert [k.revoked_at for k in acc.list_api_keys(db)] == [None]
    assert client.get("/api/v1/queue", headers={"Authorization": f"Bearer {key}"}).status_code \
        == 200


def test_a_non_admin_browser_gets_a_page_saying_why(app, client) -> None:
    sign_in(app, client, "mo", "moderator")
    r = client.get("/admin", headers={"Accept": "text/html"})
    assert r.status_code == 403 and "<h1>Administrators only</h1>" in r.text
    assert 'href="/admin"' not in client.get("/queue").text  # no link to a page they can't use


def test_api_keys_never_manage_accounts_even_with_the_admin_scope(app, client) -> None:
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "root", scopes="score read moderate admin")
    h = {"Authorization": f"Bearer {key}"}
    for method, path in admin_routes(app):
        r = client.request(method, fill(path), json={}, headers=h, follow_redirects=False)
        assert r.status_code == 401, (method, path, r.text)


def test_admin_writes_need_the_csrf_token(app, client) -> None:
    sign_in(app, client, "root", "admin")
    r = client.post("/api/v1/admin/users", json={"username": "eve", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    page = client.post("/admin/users", data={"username": "eve", "password": PASSWORD})
    assert page.status_code == 403


def test_an_admin_manages_moderators_keys_and_webhooks_through_the_api(app, client) -> None:
    csrf = sign_in(app, client, "root", "admin")
    made = client.post("/api/v1/admin/users", headers=csrf,
                       json={"username": "ann", "password": PASSWORD, "role": "moderator"})
    assert made.status_code == 201 and made.json()["role"] == "moderator"
    again = client.post("/api/v1/admin/users", headers=csrf,
                        json={"username": "ann", "password": PASSWORD})
    assert again.status_code == 409
    assert client.post("/api/v1/admin/users", headers=csrf,
                       json={"username": "bob", "password": "short"}).status_code == 400
    off = client.patch("/api/v1/admin/users/ann", headers=csrf, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.patch("/api/v1/admin/users/nobody", headers=csrf,
                        json={"active": True}).status_code == 404
    mine = client.patch("/api/v1/admin/users/root", headers=csrf, json={"active": False})
    assert mine.status_code == 400 and "your own" in mine.json()["error"]["message"]
    users = client.get("/api/v1/admin/users").json()["items"]
    assert {u["username"]: u["active"] for u in users} == {"ann": False, "root": True}

    created = client.post("/api/v1/admin/keys", headers=csrf,
                          json={"name": "cms", "site": "daily", "scopes": ["read"]})
    assert created.status_code == 201
    key, prefix = created.json()["key"], created.json()["prefix"]
    h = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/queue", headers=h).status_code == 200  # now in the key cache
    assert [k["name"] for k in client.get("/api/v1/admin/keys").json()["items"]] == ["cms"]
    assert "key" not in client.get("/api/v1/admin/keys").json()["items"][0]  # shown once
    revoked = client.delete(f"/api/v1/admin/keys/{prefix}", headers=csrf)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/queue", headers=h).status_code == 401  # at once, not in 1 s
    assert client.delete("/api/v1/admin/keys/nope", headers=csrf).status_code == 404

    hook = client.put("/api/v1/admin/sites/daily/webhook", headers=csrf,
                      json={"url": "https://cms.invalid/hook"})
    assert hook.status_code == 200 and len(hook.json()["secret"]) >= 32
    sites = {s["name"]: s for s in client.get("/api/v1/admin/sites").json()["items"]}
    assert sites["daily"]["webhook_url"] == "https://cms.invalid/hook"
    assert sites["daily"]["has_secret"] and hook.json()["secret"] not in str(sites)
    assert client.put("/api/v1/admin/sites/daily/webhook", headers=csrf,
                      json={"url": "ftp://x"}).status_code == 400

    audit = client.get("/api/v1/audit", params={"actor": "root"}).json()["items"]
    assert {e["action"] for e in audit} >= {"moderator.create", "moderator.disable",
                                            "apikey.create", "apikey.revoke", "site.webhook"}


def _shown(html: str, element_id: str) -> str:
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', html)
    assert match, f"#{element_id} is not on the page"
    return unescape(match.group(1))


def test_an_admin_manages_everything_from_the_admin_page(app, client) -> None:
    csrf = sign_in(app, client, "root", "admin")["X-CSRF-Token"]
    assert 'href="/admin"' in client.get("/queue").text  # the way in, for admins
    page = client.get("/admin")
    assert page.status_code == 200 and 'href="/admin" aria-current="page"' in page.text
    added = client.post("/admin/users", data={"csrf_token": csrf, "username": "ann",
                                              "password": PASSWORD, "role": "moderator"})
    assert added.status_code == 200 and "Moderator added." in added.text
    assert "<td>ann</td>" in added.text
    bad = client.post("/admin/users", data={"csrf_token": csrf, "username": "ann",
                                            "password": PASSWORD})
    assert bad.status_code == 400 and "already exists" in bad.text

    made = client.post("/admin/keys", data={"csrf_token": csrf, "name": "cms", "site": "daily",
                                            "scopes": ["read", "score"]})
    assert made.status_code == 201
    key = _shown(made.text, "new-key")
    assert made.url.path == "/admin/keys" and not made.history  # no redirect: not in a URL
    h = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/queue", headers=h).status_code == 200
    prefix = key.split("_")[1]
    gone = client.post(f"/admin/keys/{prefix}/revoke", data={"csrf_token": csrf})
    assert gone.status_code == 200 and "revoked" in gone.text
    assert client.get("/api/v1/queue", headers=h).status_code == 401

    hook = client.post("/admin/sites/webhook", data={"csrf_token": csrf, "site": "daily",
                                                      "url": "https://cms.invalid/hook"})
    assert hook.status_code == 200 and len(_shown(hook.text, "new-secret")) >= 32
    removed = client.post("/admin/sites/webhook", data={"csrf_token": csrf, "site": "daily"})
    assert removed.status_code == 200 and "Webhook removed." in removed.text

    off = client.post("/admin/users/ann/active", data={"csrf_token": csrf, "active": "0"})
    assert off.status_code == 200 and "disabled" in off.text
    pw = client.post("/admin/users/ann/password", data={"csrf_token": csrf,
                                                        "password": "another horse"})
    assert pw.status_code == 200 and "Password set" in pw.text
