"""Sites are isolated: an API key belongs to one site and never sees another site's comments,
articles, decisions, statistics or audit entries, whatever its scopes, on any route.

Site "alpha" holds content marked with SECRET (comment text, author, article title, decision
reason, moderator name, key name, webhook URL); site "beta"'s key then calls EVERY route of the
app (enumerated from ``app.routes``, so a new endpoint fails here until it is listed in
``CALLS``), aiming at alpha's ids, and no response may contain SECRET. Each read route is also
called with alpha's own key, which must see SECRET: the call really reaches the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civility.records import Span, Target, Verdict
from civility.store import accounts as acc
from civility.store import queries as q

SECRET = "zqxsecret"
ALL_SCOPES = "score read moderate admin"


@dataclass
class Sites:
    alpha: dict[str, str]  # auth headers of a key with every scope
    beta: dict[str, str]
    ids: dict[str, Any]  # path parameters pointing at alpha's objects


def _verdict(text: str, decision: str, *, target: str | None = None) -> Verdict:
    targets: tuple[Target, ...] = ()
    spans: tuple[Span, ...] = ()
    if target:
        start = text.index(target)
        targets = (Target(target, "nationality", target, start, start + len(target)),)
        spans = (Span(start, start + len(target), "identity_attack", target, 0.9),)
    return Verdict("x", text, {"toxicity": 0.8, "identity_attack": 0.7}, targets, spans,
                   decision, (f"held: {SECRET} reason",) if decision == "review" else (),  # type: ignore[arg-type]
                   "test-model")


def seed_two_sites(app: Any) -> Sites:
    """Alpha: a webhook, an article, a held comment targeting a group, a moderator's decision.
    Beta: one benign comment on its own article."""
    with app.state.store.session() as db:
        alpha_key, alpha_info = acc.create_api_key(db, f"{SECRET}-key", scopes=ALL_SCOPES,
                                                   site=f"{SECRET}-site")
        beta_key, _ = acc.create_api_key(db, "beta-key", scopes=ALL_SCOPES, site="beta")
        q.set_site_webhook(db, f"{SECRET}-site", f"https://{SECRET}.invalid/hook", "s3cret")
        alpha = q.get_site(db, f"{SECRET}-site").id
        beta = q.get_site(db, "beta").id
        article = q.upsert_article(db, alpha, "a-article", title=f"{SECRET} title",
                                   text=f"{SECRET} article body")
        text = f"{SECRET}: those Elbonians again"
        held, second = q.accept_comments(db, alpha, [
            q.NewComment("a-c1", text, f"{SECRET}-author"),
            q.NewComment("a-c2", f"{SECRET} second", f"{SECRET}-author")], article)
        q.store_verdicts(db, [(held.id, _verdict(text, "review", target="Elbonians")),
                              (second.id, _verdict(f"{SECRET} second", "review"))])
        q.record_decision(db, second.id, "reject", actor=f"{SECRET}-mod",
                          reason=f"{SECRET} decision reason")
        q.record_feedback(db, alpha, text=f"{SECRET} as Coral saw it", actor=f"{SECRET}-coral",
                          scores=[q.SuggestedValue("toxicity", "TOXICITY", 1.0)],
                          comment_id=held.id, client_token="a-c1")
        b_article = q.upsert_article(db, beta, "b-article", title="beta title")
        (benign,) = q.accept_comments(db, beta, [q.NewComment("b-c1", "Nice piece.")], b_article)
        q.store_verdicts(db, [(benign.id, Verdict("b-c1", "Nice piece.", {"toxicity": 0.01},
                                                  (), (), "publish", (), "test-model"))])
    ids = {"comment_id": held.id, "external_id": "a-c1", "article_id": article,
           "prefix": alpha_info.prefix, "username": f"{SECRET}-mod", "name": f"{SECRET}-site",
           "site_id": alpha}
    return Sites({"Authorization": f"Bearer {alpha_key}"},
                 {"Authorization": f"Bearer {beta_key}"}, ids)


@pytest.fixture
def sites(app: Any, client: TestClient) -> Sites:
    return seed_two_sites(app)


# --------------------------------------------------------------------------- every route


@dataclass(frozen=True)
class Call:
    """How to call a route: query parameters and JSON body (``ids`` fill them in)."""

    params: Callable[[dict[str, Any]], dict[str, Any]] = lambda ids: {}
    json: Callable[[dict[str, Any]], Any] | None = None
    #: A read that must show alpha's key its SECRET data (proves the call reaches the data).
    owner_sees: bool = False
    form: dict[str, str] = field(default_factory=dict)
    #: Path parameters that differ from ``ids`` (articles also call theirs ``external_id``).
    path: dict[str, str] = field(default_factory=dict)


_ARTICLE = {"external_id": "a-article"}
_DECISION = Call(json=lambda ids: {"action": "publish", "reason": "beta"})
_AUTHOR = {"author": f"{SECRET}-author"}

#: Every route of the app. A route missing here fails the sweep: add how to call it.
CALLS: dict[tuple[str, str], Call] = {
    # native API: reads
    ("GET", "/api/v1/comments/by-id/{comment_id}"): Call(owner_sees=True),
    ("GET", "/api/v1/comments/{external_id}"): Call(owner_sees=True),
    ("GET", "/api/v1/queue"): Call(lambda ids: {"status": "all"}, owner_sees=True),
    ("GET", "/api/v1/articles"): Call(owner_sees=True),
    ("GET", "/api/v1/articles/{external_id}/report"): Call(owner_sees=True, path=_ARTICLE),
    ("GET", "/api/v1/stats"): Call(owner_sees=True),
    ("GET", "/api/v1/audit"): Call(owner_sees=True),
    ("GET", "/api/v1/csrf"): Call(),
    # native API: writes aimed at alpha's ids answer without alpha's data
    ("POST", "/api/v1/comments"): Call(json=lambda ids: {"id": ids["external_id"],
                                                         "text": "beta's own words",
                                                         "article_id": "a-article"}),
    ("POST", "/api/v1/comments/by-id/{comment_id}/decision"): _DECISION,
    ("POST", "/api/v1/comments/{external_id}/decision"): _DECISION,
    ("POST", "/api/v1/decisions"): Call(json=lambda ids: {"ids": [ids["comment_id"]],
                                                          "action": "publish"}),
    ("PUT", "/api/v1/articles/{external_id}"): Call(json=lambda ids: {"url": "https://b.x/"},
                                                     path=_ARTICLE),
    # commenters: a key reads and acts on its own site's authors only
    ("GET", "/api/v1/authors"): Call(owner_sees=True),
    ("GET", "/api/v1/authors/{author}"): Call(owner_sees=True, path=_AUTHOR),
    ("POST", "/api/v1/authors/{author}/actions"): Call(
        json=lambda ids: {"action": "ban", "reason": "beta", "reject_pending": True},
        path=_AUTHOR),
    # compatible APIs
    ("POST", "/v1alpha1/comments:analyze"): Call(json=lambda ids: {
        "comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}},
        "doNotStore": False}),
    ("POST", "/v1/moderations"): Call(json=lambda ids: {"input": "hello"}),
    # Perspective feedback: alpha's clientToken finds nothing of alpha's from beta's key
    ("POST", "/v1alpha1/comments:suggestscore"): Call(json=lambda ids: {
        "comment": {"text": "hello"}, "clientToken": ids["external_id"],
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}),
    ("GET", "/api/v1/feedback"): Call(owner_sees=True),
    ("GET", "/$discovery/rest"): Call(),
    ("GET", "/discovery/v1/apis/commentanalyzer/v1alpha1/rest"): Call(),
    # Coral's phase: signed by a site's secret, never by a key (tests/test_coral.py)
    ("POST", "/integrations/coral/v1/moderate"): Call(json=lambda ids: {
        "action": "NEW", "comment": {"body": "hello", "parentID": None},
        "author": {"id": "u", "role": "COMMENTER"}, "story": {"id": "a-article", "url": "x"}}),
    # system
    ("GET", "/healthz"): Call(),
    ("GET", "/metrics"): Call(),
    ("GET", "/openapi.json"): Call(),
    ("GET", "/docs"): Call(),
    ("GET", "/docs/oauth2-redirect"): Call(),
    ("GET", "/redoc"): Call(),
    # moderator UI and login: sessions only, so a key gets no further than the login page
    ("POST", "/login"): Call(form={"username": f"{SECRET}-mod", "password": "x" * 8}),
    ("POST", "/logout"): Call(),
    ("GET", "/"): Call(),
    ("GET", "/login"): Call(),
    ("GET", "/queue"): Call(),
    ("POST", "/queue/decide"): Call(form={"action": "publish"}),
    ("GET", "/comments/{comment_id}"): Call(),
    ("GET", "/threads"): Call(),
    ("GET", "/thread/{article_id}"): Call(),
    ("GET", "/audit"): Call(),
    ("GET", "/dashboard"): Call(),
    ("GET", "/authors"): Call(),
    ("GET", "/author"): Call(lambda ids: {"site": ids["site_id"], "name": f"{SECRET}-author"}),
    ("POST", "/author/action"): Call(form={"site": "1", "name": "x", "action": "ban"}),
    # management: administrators' sessions only, never a key (tests/test_admin.py)
    ("GET", "/api/v1/admin/users"): Call(),
    ("POST", "/api/v1/admin/users"): Call(json=lambda ids: {"username": "x", "password": "p" * 9}),
    ("PATCH", "/api/v1/admin/users/{username}"): Call(json=lambda ids: {"active": False}),
    ("GET", "/api/v1/admin/keys"): Call(),
    ("POST", "/api/v1/admin/keys"): Call(json=lambda ids: {"name": "x", "site": ids["name"]}),
    ("DELETE", "/api/v1/admin/keys/{prefix}"): Call(),
    ("GET", "/api/v1/admin/sites"): Call(),
    ("PUT", "/api/v1/admin/sites/{name}/webhook"): Call(json=lambda ids: {"url": None}),
    ("GET", "/admin"): Call(),
    ("POST", "/admin/users"): Call(form={"username": "x", "password": "p" * 9}),
    ("POST", "/admin/users/{username}/active"): Call(form={"active": "0"}),
    ("POST", "/admin/users/{username}/password"): Call(form={"password": "p" * 9}),
    ("POST", "/admin/keys"): Call(form={"name": "x"}),
    ("POST", "/admin/keys/{prefix}/revoke"): Call(),
    ("POST", "/admin/sites/webhook"): Call(form={"site": "x"}),
    ("GET", "/api/v1/admin/sites/{name}/rules"): Call(),
    ("PUT", "/api/v1/admin/sites/{name}/rules"): Call(json=lambda ids: {"hold_links": True}),
    ("GET", "/admin/rules"): Call(lambda ids: {"site": ids["name"]}),
    ("POST", "/admin/rules"): Call(form={"site": "x"}),
}


def _flat(routes: Any) -> Any:
    for route in routes:
        included = getattr(route, "effective_route_contexts", None)  # FastAPI >= 0.16x
        yield from included() if included is not None else (route,)


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route; HEAD rides along with GET, mounts serve static files."""
    return {(method, route.path) for route in _flat(app.routes)
            for method in (getattr(route, "methods", None) or ()) if method != "HEAD"}


def call(client: TestClient, method: str, path: str, how: Call, ids: dict[str, Any],
         headers: dict[str, str]) -> Any:
    json = how.json(ids) if how.json else None
    url = path.format(**{**ids, **how.path})
    return client.request(method, url, params=how.params(ids), json=json,
                          data=how.form or None, headers={"Accept": "application/json", **headers},
                          follow_redirects=False)


def test_every_route_is_listed_so_none_escapes_the_isolation_sweep(app) -> None:
    routes = app_routes(app)
    assert not routes - CALLS.keys(), (
        f"new routes: add to CALLS how to call them: {sorted(routes - CALLS.keys())}")
    assert not CALLS.keys() - routes, f"gone from the app: {sorted(CALLS.keys() - routes)}"


def test_no_route_shows_a_key_another_sites_data(app, client, sites) -> None:
    for method, path in sorted(app_routes(app) & CALLS.keys()):
        how = CALLS[(method, path)]
        r = call(client, method, path, how, sites.ids, sites.beta)
        assert r.status_code < 500, (method, path, r.text)
        assert SECRET not in r.text.lower(), f"{method} {path} leaks alpha's data to beta"
        if how.owner_sees:
            mine = call(client, method, path, how, sites.ids, sites.alpha)
            assert mine.status_code == 200 and SECRET in mine.text, (method, path, mine.text)


# --------------------------------------------------------------------------- one by one


def test_a_site_key_cannot_read_another_sites_audit(client, sites) -> None:
    mine = client.get("/api/v1/audit", headers=sites.alpha).json()
    assert {e["action"] for e in mine["items"]} >= {"comment.decision", "site.webhook",
                                                    "apikey.create"}
    theirs = client.get("/api/v1/audit", headers=sites.beta).json()
    assert theirs["total"] == len(theirs["items"]) == 1  # its own key's creation
    assert theirs["items"][0]["details"]["name"] == "beta-key"
    filtered = client.get("/api/v1/audit", params={"actor": f"{SECRET}-mod"}, headers=sites.beta)
    assert filtered.json()["total"] == 0


def test_stats_aggregate_only_the_keys_own_site(client, sites) -> None:
    beta = client.get("/api/v1/stats", headers=sites.beta).json()
    assert sum(beta["counts"].values()) == 1 and beta["counts"]["publish"] == 1
    assert sum(d["count"] for d in beta["decisions_per_day"]) == 1  # its model decision
    assert beta["top_targeted_groups"] == []
    assert beta["flagged_attributes"]["toxicity"] == 0
    assert sum(beta["attribute_distribution"]["toxicity"]) == 1
    assert [a["id"] for a in beta["busiest_articles"]] == ["b-article"]
    alpha = client.get("/api/v1/stats", headers=sites.alpha).json()
    assert sum(alpha["counts"].values()) == 2
    assert [g["group"] for g in alpha["top_targeted_groups"]] == ["Elbonians"]


def test_a_moderator_session_sees_every_site(app, client, sites) -> None:
    """Moderators are not tied to a site in the data model: they work across all of them."""
    with app.state.store.session() as db:
        acc.create_moderator(db, "mo", "correct horse battery")
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    client.post("/login", data={"username": "mo", "password": "correct horse battery",
                                "csrf_token": token})
    stats = client.get("/api/v1/stats").json()
    assert sum(stats["counts"].values()) == 3
    assert client.get("/api/v1/audit").json()["total"] >= 5


def test_upgrading_gives_existing_audit_entries_their_site(db_url) -> None:
    """Entries written before audit entries had a site get it from their subject, so a site's
    key keeps seeing its history after the upgrade (and nobody else's)."""
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from civility.store.db import make_engine, migrate

    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", "civility:store/migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        now = "2025-01-01 00:00:00+00:00"
        conn.execute(text("INSERT INTO sites (id, name, created_at) VALUES (2, 'b', :t)"),
                     {"t": now})
        conn.execute(text("INSERT INTO api_keys (site_id, name, prefix, key_hash, scopes, "
                          "created_at) VALUES (2, 'k', 'p2', 'h', 'read', :t)"), {"t": now})
        conn.execute(text("INSERT INTO comments (id, site_id, external_id, text, created_at, "
                          "received_at, status) VALUES (7, 2, 'c', 'x', :t, :t, 'reject')"),
                     {"t": now})
        rows = [("comment", "c", {"comment_id": 7}), ("apikey", "p2", {}), ("site", "b", {}),
                ("moderator", "mo", {})]
        for subject_type, subject_id, details in rows:
            conn.execute(text("INSERT INTO audit_log (at, actor, action, subject_type, "
                              "subject_id, details) VALUES (:t, 'cli', 'x', :st, :si, :d)"),
                         {"t": now, "st": subject_type, "si": subject_id,
                          "d": json.dumps(details)})
    migrate(engine)
    with engine.connect() as conn:
        sites = dict(conn.execute(text("SELECT subject_type, site_id FROM audit_log")).all())
    assert sites == {"comment": 2, "apikey": 2, "site": 2, "moderator": None}
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE audit_log SET actor = 'forged'"))
    engine.dispose()
