"""The native HTTP API on SQLite and PostgreSQL: intake, reading, the queue, decisions, reports,
auth (keys, scopes, rate limits, sessions, CSRF), limits, errors, webhooks and metrics.

Scores come from a real (possibly barely trained) model, so tests assert on shapes, storage
and behaviour, never on exact scores.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civility.records import ATTRIBUTES
from civility.server.webhooks import verify_signature
from civility.store import accounts as acc
from civility.store import queries as q
from civility.store.db import schema_revision

VERDICT_KEYS = {"id", "attributes", "targets", "spans", "decision", "reasons", "model_version",
                "language", "status", "duplicate", "article_id"}


def submit(client: TestClient, auth: dict[str, str], **body: Any) -> Any:
    r = client.post("/api/v1/comments", json=body, headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------- intake


def test_one_comment_is_stored_scored_and_decided(client, auth, app) -> None:
    out = submit(client, auth, id="c1", text="You are an idiot.", author="bob")
    assert set(out) == VERDICT_KEYS
    assert out["id"] == "c1" and out["duplicate"] is False
    assert set(out["attributes"]) == set(ATTRIBUTES)
    assert out["decision"] in ("publish", "review", "reject") and out["status"] == out["decision"]
    with app.state.store.session() as db:
        d = q.comment_by_external(db, 1, "c1")
        assert d.author == "bob" and d.model_decision == out["decision"]
        assert d.decisions[0].source == "model"


def test_a_comment_in_another_language_is_held_and_keeps_its_language(client, auth) -> None:
    text = "Министр должен уйти в отставку после такого провала."
    out = submit(client, auth, id="ru-1", text=text)
    assert out["language"] == "ru" and out["decision"] == "review"
    assert out["reasons"] == [
        "language 'ru' is not covered by the model; held for a person who reads it"]
    again = submit(client, auth, id="ru-1", text=text)
    assert again["duplicate"] is True and again["language"] == "ru"
    stored = client.get("/api/v1/comments/ru-1", headers=auth).json()
    assert stored["language"] == "ru" and "self_harm" in stored["attributes"]


def test_many_comments_with_an_article_come_back_in_order(client, auth, app) -> None:
    article = {"id": "a-42", "title": "Council votes on housing",
               "text": "The city council voted on a new housing plan for the riverside."}
    out = submit(client, auth, article=article, comments=[
        {"id": "c1", "text": "Good plan for the riverside."},
        {"id": "c2", "text": "Buy cheap watches at example dot com!!!"},
        {"text": "No id given"}])
    ids = [r["id"] for r in out["results"]]
    assert ids[:2] == ["c1", "c2"] and ids[2].startswith("auto-")
    assert all(r["article_id"] == "a-42" for r in out["results"])
    with app.state.store.session() as db:
        info = q.article_by_external(db, 1, "a-42")
        assert info.title == "Council votes on housing"
        assert len(q.thread(db, info.id).comments) == 3


def test_an_article_id_alone_links_comments_to_the_thread(client, auth, app) -> None:
    submit(client, auth, id="c1", text="first", article_id="a-1")
    submit(client, auth, id="c2", text="second", article_id="a-1")
    r = client.get("/api/v1/articles/a-1/report", headers=auth)
    assert r.status_code == 200 and r.json()["comments"] == 2


def test_sending_the_same_id_twice_returns_the_stored_result(client, auth, app) -> None:
    first = submit(client, auth, id="c1", text="You are an idiot.")
    again = submit(client, auth, id="c1", text="Something else entirely")
    assert again["duplicate"] is True
    assert again["attributes"] == first["attributes"] and again["decision"] == first["decision"]
    with app.state.store.session() as db:
        assert q.counts_by_status(db)[first["decision"]] == 1
        assert len(q.comment_by_external(db, 1, "c1").decisions) == 1


def test_comments_left_pending_by_a_crash_are_scored_at_startup(make_app) -> None:
    first = make_app()
    with first.state.store.session() as db:  # accepted, then the process "died"
        cid = q.accept_comments(db, 1, [q.NewComment("orphan", "hello there")])[0].id
    first.state.store.close()
    app = make_app()
    with TestClient(app):
        for _ in range(100):
            with app.state.store.session() as db:
                if q.comment_detail(db, cid).status != "pending":
                    break
            time.sleep(0.05)
    with app.state.store.session() as db:
        assert q.comment_detail(db, cid).model_version


# --------------------------------------------------------------------------- reading & queue


def test_a_stored_comment_can_be_fetched_with_its_history(client, auth) -> None:
    submit(client, auth, id="c1", text="hello", article={"id": "a1", "title": "T"})
    r = client.get("/api/v1/comments/c1", headers=auth)
    body = r.json()
    assert r.status_code == 200 and body["text"] == "hello"
    assert body["article"] == {"id": "a1", "title": "T"}
    assert body["decisions"][0]["source"] == "model"
    assert client.get(f"/api/v1/comments/by-id/{body['internal_id']}",
                      headers=auth).json()["id"] == "c1"
    missing = client.get("/api/v1/comments/nope", headers=auth)
    assert missing.status_code == 404 and "nope" in missing.json()["error"]["message"]


def test_the_queue_lists_filters_and_paginates(client, auth) -> None:
    submit(client, auth, article={"id": "a1"}, comments=[
        {"id": f"c{i}", "text": f"comment number {i}"} for i in range(5)])
    everything = client.get("/api/v1/queue?status=all&limit=2", headers=auth).json()
    assert everything["total"] == 5 and len(everything["items"]) == 2
    assert everything["next_offset"] == 2
    page3 = client.get("/api/v1/queue?status=all&limit=2&offset=4", headers=auth).json()
    assert len(page3["items"]) == 1 and page3["next_offset"] is None
    item = everything["items"][0]
    assert {"id", "text", "attributes", "spans", "targets", "article", "status"} <= set(item)
    assert client.get("/api/v1/queue?status=all&article=zzz", headers=auth).json()["total"] == 0
    assert client.get("/api/v1/queue?status=all&q=NUMBER 3",
                      headers=auth).json()["items"][0]["id"] == "c3"
    assert client.get("/api/v1/queue?status=all&attribute=toxicity&min_score=0",
                      headers=auth).json()["total"] == 5
    assert client.get("/api/v1/queue?status=all&since=2999-01-01",
                      headers=auth).json()["total"] == 0
    assert client.get("/api/v1/queue?status=all&group=Muslims",
                      headers=auth).json()["total"] == 0


@pytest.mark.parametrize("query", ["attribute=nonsense", "status=deleted", "limit=0",
                                   "limit=100000", "since=yesterday", "offset=-1",
                                   "min_score=2", "order=random"])
def test_bad_queue_filters_are_400_with_a_message(client, auth, query) -> None:
    r = client.get(f"/api/v1/queue?{query}", headers=auth)
    assert r.status_code == 400
    assert r.json()["error"]["message"]


# --------------------------------------------------------------------------- decisions


def test_a_moderator_decision_changes_status_and_is_audited(client, auth) -> None:
    submit(client, auth, id="c1", text="borderline")
    r = client.post("/api/v1/comments/c1/decision", json={"action": "reject", "reason": "rude"},
                    headers=auth)
    assert r.status_code == 200
    assert r.json()["decision"]["actor"] == "apikey:tests"
    assert r.json()["comment"]["status"] == "reject"
    assert [d["source"] for d in r.json()["comment"]["decisions"]] == ["model", "human"]
    audit = client.get("/api/v1/audit?action=comment.decision", headers=auth).json()
    assert audit["items"][0]["subject_id"] == "c1"
    assert audit["items"][0]["details"]["reason"] == "rude"
    bad = client.post("/api/v1/comments/c1/decision", json={"action": "delete"}, headers=auth)
    assert bad.status_code == 400
    assert client.post("/api/v1/comments/zz/decision", json={"action": "publish"},
                       headers=auth).status_code == 404


def test_bulk_decisions_apply_to_every_id(client, auth) -> None:
    out = submit(client, auth, comments=[{"id": "c1", "text": "a"}, {"id": "c2", "text": "b"}])
    assert out["results"]
    ids = [client.get(f"/api/v1/comments/{c}", headers=auth).json()["internal_id"]
           for c in ("c1", "c2")]
    r = client.post("/api/v1/decisions", json={"ids": ids, "action": "publish"}, headers=auth)
    assert r.status_code == 200 and len(r.json()["decisions"]) == 2
    assert client.post("/api/v1/decisions", json={"ids": [*ids, 99999], "action": "publish"},
                       headers=auth).status_code == 404


def test_reports_stats_and_articles_describe_the_threads(client, auth) -> None:
    submit(client, auth, article={"id": "a1", "title": "One"},
           comments=[{"id": "c1", "text": "x"}, {"id": "c2", "text": "y"}])
    report = client.get("/api/v1/articles/a1/report", headers=auth).json()
    assert report["article"]["title"] == "One" and report["scored"] == 2
    assert set(report["attributes"]) == set(ATTRIBUTES)
    assert sum(report["attributes"]["toxicity"]["histogram"]) == 2
    assert client.get("/api/v1/articles/zz/report", headers=auth).status_code == 404
    stats = client.get("/api/v1/stats", headers=auth).json()
    assert sum(stats["counts"].values()) == 2
    assert stats["busiest_articles"][0]["id"] == "a1"
    articles = client.get("/api/v1/articles", headers=auth).json()["items"]
    assert articles[0]["comments"] == 2
    put = client.put("/api/v1/articles/a2", json={"title": "Two", "text": "Body"}, headers=auth)
    assert put.status_code == 200 and put.json()["title"] == "Two"


# --------------------------------------------------------------------------- auth


def test_requests_without_a_valid_key_are_refused(client, api_key) -> None:
    assert client.post("/api/v1/comments", json={"text": "x"}).status_code == 401
    bad = client.get("/api/v1/queue", headers={"Authorization": "Bearer civ_nope_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["status"] == "UNAUTHENTICATED"
    assert client.get(f"/api/v1/queue?key={api_key}").status_code == 200
    assert client.get("/api/v1/queue", headers={"X-API-Key": api_key}).status_code == 200


def test_a_key_only_does_what_its_scopes_allow(client, app) -> None:
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "reader", scopes="read")
    h = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/queue", headers=h).status_code == 200
    r = client.post("/api/v1/comments", json={"text": "x"}, headers=h)
    assert r.status_code == 403 and "score" in r.json()["error"]["message"]
    assert client.post("/api/v1/comments/x/decision", json={"action": "publish"},
                       headers=h).status_code == 403


def test_a_revoked_key_stops_working(client, app) -> None:
    with app.state.store.session() as db:
        key, info = acc.create_api_key(db, "temp", scopes="read")
    h = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/queue", headers=h).status_code == 200
    with app.state.store.session() as db:
        acc.revoke_api_key(db, info.prefix)
    app.state.key_cache.clear()  # (the cache holds keys for a few seconds)
    assert client.get("/api/v1/queue", headers=h).status_code == 401


def test_each_key_is_rate_limited_with_retry_after(client, app) -> None:
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "slow", scopes="read", rate_limit=1)
        other, _ = acc.create_api_key(db, "other", scopes="read")
    h = {"Authorization": f"Bearer {key}"}
    codes = [client.get("/api/v1/queue", headers=h).status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and codes[-1] == 429
    r = client.get("/api/v1/queue", headers=h)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "rate limit" in r.json()["error"]["message"]
    assert client.get("/api/v1/queue",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_moderators_log_in_with_a_password_and_csrf(client, app) -> None:
    with app.state.store.session() as db:
        acc.create_moderator(db, "alice", "correct horse", role="admin")
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    assert client.cookies.get("civility_csrf")
    wrong = client.post("/login", data={"username": "alice", "password": "nope",
                                        "csrf_token": token}, follow_redirects=False)
    assert wrong.status_code == 401 and "do not match" in wrong.text  # the form, username kept
    forged = client.post("/login", data={"username": "alice", "password": "correct horse",
                                         "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "form expired" in forged.text
    assert client.get("/api/v1/queue").status_code == 401
    ok = client.post("/login", data={"username": "alice", "password": "correct horse",
                                     "csrf_token": token, "next": "/queue"},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/queue"
    assert client.cookies.get("civility_session")
    assert client.get("/api/v1/queue").status_code == 200  # the session works for the API
    token = client.get("/api/v1/csrf").json()["csrf_token"]  # (the token follows the session)
    out = client.post("/login", data={"username": "alice", "password": "correct horse",
                                      "csrf_token": token, "next": "https://evil.example/"},
                      follow_redirects=False)
    assert out.headers["location"] == "/"  # no open redirect


def test_session_writes_need_the_csrf_token(client, app, auth) -> None:
    submit(client, auth, id="c1", text="hmm")
    with app.state.store.session() as db:
        acc.create_moderator(db, "bob", "correct horse")
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    client.post("/login", data={"username": "bob", "password": "correct horse",
                                "csrf_token": token})
    fresh = client.get("/api/v1/csrf").json()["csrf_token"]
    assert fresh != token  # bound to the new session
    no_token = client.post("/api/v1/comments/c1/decision", json={"action": "publish"})
    assert no_token.status_code == 403
    ok = client.post("/api/v1/comments/c1/decision", json={"action": "publish"},
                     headers={"X-CSRF-Token": fresh})
    assert ok.status_code == 200 and ok.json()["decision"]["actor"] == "bob"
    assert client.post("/logout", data={"csrf_token": fresh},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/v1/queue").status_code == 401


def test_browsers_without_a_session_are_sent_to_the_login_page(app) -> None:
    from fastapi import Depends

    from civility.server.security import current_moderator

    @app.get("/_private")
    def private(user=Depends(current_moderator)) -> dict[str, str]:  # noqa: B008
        return {"user": user.username}

    with TestClient(app) as c:
        r = c.get("/_private", headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/_private"
        assert c.get("/_private").status_code == 401


# --------------------------------------------------------------------------- limits & errors


def test_oversized_bodies_are_413_with_a_message(make_app) -> None:
    app = make_app(max_body_bytes=2000)
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "k")
    with TestClient(app) as c:
        r = c.post("/api/v1/comments", json={"text": "x" * 5000},
                   headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 413 and "2000 bytes" in r.json()["error"]["message"]
        assert c.post("/v1/moderations", json={"input": "x" * 5000},
                      headers={"Authorization": f"Bearer {key}"}).status_code == 413


MALFORMED = [
    b"", b"{", b"null", b"[]", b"42", b'"text"', b'{"text": 5}', b'{"text": ""}',
    b'{"text": null}', b'{"comments": []}', b'{"comments": "x"}', b'{"comments": [{}]}',
    b'{"comments": [{"text": "a"}], "text": "b"}', b'{"text": "a", "unknown": 1}',
    b'{"text": "a", "created_at": "not a date"}', b'{"text": "a", "article": {"title": "t"}}',
    b'{"text": "a", "article_id": ""}', b'{"text": "\\ud800"}',
    '{"text": "é"}'.encode("latin-1"),
    b'\xff\xfe\x00', b'{"text": "a", "id": ' + b'"x' * 300 + b'"}',
    b'{"text":' * 50, b'{"text": "a", "article": {"id": "a", "text": ["x"]}}',
]


@pytest.mark.parametrize("path", ["/api/v1/comments", "/v1alpha1/comments:analyze",
                                  "/v1/moderations", "/api/v1/comments/c1/decision",
                                  "/api/v1/decisions"])
def test_malformed_bodies_never_cause_a_500(client, auth, path) -> None:
    for body in MALFORMED:
        r = client.post(path, content=body,
                        headers={**auth, "Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.json()["error"]["message"], body
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        r = client.post(path, content=b"text=hi", headers={**auth, "Content-Type": content_type})
        assert 400 <= r.status_code < 500, (content_type, r.text)


def test_unknown_routes_and_methods_answer_json(client, auth) -> None:
    r = client.get("/api/v1/nothing", headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
    r = client.delete("/api/v1/comments", headers=auth)
    assert r.status_code == 405 and "DELETE" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- system


def test_health_metrics_and_openapi_are_served(client, auth, app) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["model"]
    assert health["schema"] == schema_revision(app.state.store.engine) is not None
    submit(client, auth, id="c1", text="hello")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'civility_http_requests_total{method="POST",route="/api/v1/comments",status="200"}' \
        in metrics.text
    assert "civility_comments_scored_total" in metrics.text
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/comments", "/api/v1/queue", "/v1alpha1/comments:analyze",
            "/v1/moderations", "/healthz"} <= set(schema["paths"])


def test_concurrent_requests_are_scored_in_micro_batches(make_app) -> None:
    app = make_app(batch_window_ms=50)
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "k")
    h = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as c:
        results: list[int] = []

        def one(i: int) -> None:
            results.append(c.post("/v1/moderations", json={"input": f"text {i}"},
                                  headers=h).status_code)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 8
        m = app.state.metrics
        batches = m.registry.get_sample_value("civility_score_batch_size_count")
        comments = m.registry.get_sample_value("civility_score_batch_size_sum")
        assert comments == 8 and batches < 8


# --------------------------------------------------------------------------- webhooks


class Receiver:
    """A real local HTTP endpoint that fails the first ``failures`` attempts of each delivery."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes, float]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append((headers, body, time.monotonic()))
                seen = sum(h["x-civility-delivery"] == headers["x-civility-delivery"]
                           for h, _, _ in outer.requests)
                status = 500 if seen <= outer.failures else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_decisions_reach_the_webhook_signed_and_retried_with_backoff(client, app, auth) -> None:
    receiver = Receiver(failures=2)
    app.state.webhooks.backoff_s = 0.2
    try:
        with app.state.store.session() as db:
            q.set_site_webhook(db, "default", receiver.url, "hook-secret")
        submit(client, auth, id="c1", text="hello")
        client.post("/api/v1/comments/c1/decision", json={"action": "reject"}, headers=auth)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ids = [h["x-civility-delivery"] for h, _, _ in receiver.requests]
            events = {json.loads(b)["decision"]["source"] for h, b, _ in receiver.requests
                      if ids.count(h["x-civility-delivery"]) >= 3}
            if events >= {"model", "human"}:
                break
            time.sleep(0.05)
        assert events >= {"model", "human"}, receiver.requests
        for headers, body, _ in receiver.requests:
            assert verify_signature("hook-secret", body, headers["x-civility-signature"])
            assert not verify_signature("wrong", body, headers["x-civility-signature"])
            assert headers["x-civility-event"] == "comment.decision"
        first_id = receiver.requests[0][0]["x-civility-delivery"]
        tries = [t for h, _, t in receiver.requests if h["x-civility-delivery"] == first_id]
        assert len(tries) >= 3  # failed, failed, delivered
        assert tries[2] - tries[1] >= (tries[1] - tries[0]) * 1.2  # the wait grows
        human = next(json.loads(b) for _, b, _ in receiver.requests
                     if json.loads(b)["decision"]["source"] == "human")
        assert human["comment"] == {"id": "c1", "status": "reject", "article_id": None}
        assert human["decision"]["actor"] == "apikey:tests"
    finally:
        receiver.close()
