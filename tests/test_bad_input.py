"""Bad input gets a clear 4xx, never a 500, on SQLite and PostgreSQL alike.

Each case here once crashed the server: times that overflow when converted to UTC, integers
past what the database holds, JSON nested deep enough to blow Python's parser, and NUL
characters, which PostgreSQL text cannot hold. ``test_fuzz.py`` looks for the ones nobody
thought of.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from civility.server.errors import MAX_JSON_DEPTH, json_too_deep, nul_in_body
from civility.store import accounts
from civility.store import queries as q

HUGE = (2**31, 2**63, 2**70)  # past PostgreSQL's INTEGER, past BIGINT, past any 64-bit int
PASSWORD = "correct horse battery staple"


def message(response: Any) -> str:
    error = response.json()["error"]
    return str(error["message"])


def assert_400(response: Any, *fragments: str) -> None:
    assert response.status_code == 400, response.text
    for fragment in fragments:
        assert fragment in message(response), message(response)


# --------------------------------------------------------------------------- times


def test_a_time_that_overflows_in_utc_is_a_400(client, auth) -> None:
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        for name in ("since", "until"):
            response = client.get("/api/v1/queue", params={name: when}, headers=auth)
            assert_400(response, name, "out of range once converted to UTC")
        one = client.post("/api/v1/comments", json={"text": "Hi", "created_at": when},
                          headers=auth)
        assert_400(one, "created_at", "out of range once converted to UTC")
        many = client.post("/api/v1/comments", headers=auth, json={
            "comments": [{"text": "Hi"}, {"text": "Yo", "created_at": when}]})
        assert_400(many, "comments.1.created_at")
        assert "Value error" not in message(many)


def test_the_earliest_and_latest_utc_times_are_accepted(client, auth) -> None:
    for when in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00"):
        out = client.post("/api/v1/comments", json={"text": "Hi", "created_at": when},
                          headers=auth)
        assert out.status_code == 200, out.text
        got = client.get(f"/api/v1/comments/{out.json()['id']}", headers=auth).json()
        assert got["created_at"].startswith(when[:19])
        queue = client.get("/api/v1/queue", params={"since": when, "until": when}, headers=auth)
        assert queue.status_code == 200, queue.text


# --------------------------------------------------------------------------- integers


def test_ids_and_offsets_past_what_the_database_holds_are_a_400(client, auth) -> None:
    for huge in HUGE:
        assert_400(client.get(f"/api/v1/comments/by-id/{huge}", headers=auth), "comment_id")
        assert_400(client.post(f"/api/v1/comments/by-id/{huge}/decision", headers=auth,
                               json={"action": "publish"}), "comment_id")
        assert_400(client.post("/api/v1/decisions", headers=auth,
                               json={"ids": [1, huge], "action": "publish"}), "ids.1")
        for path in ("/api/v1/queue", "/api/v1/articles", "/api/v1/audit"):
            assert_400(client.get(path, params={"offset": huge}, headers=auth), "offset")


def test_a_bulk_decision_on_a_thousand_ids_looks_them_up_in_one_query(client, auth, app
                                                                     ) -> None:
    """Found by the fuzzer: checking each id on its own made 1,000 ids take over 10 s."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(app.state.store.engine, "before_cursor_execute", count)
    try:
        missing = client.post("/api/v1/decisions", headers=auth,
                              json={"ids": list(range(1, 1001)), "action": "reject"})
        repeated = client.post("/api/v1/decisions", headers=auth,
                               json={"ids": [1] * 1000, "action": "reject"})
    finally:
        sa.event.remove(app.state.store.engine, "before_cursor_execute", count)
    assert missing.status_code == repeated.status_code == 404
    assert "no comment with id 1" in message(missing)
    assert len(statements) < 20, f"{len(statements)} statements"


def test_the_largest_id_is_a_plain_404(client, auth) -> None:
    response = client.get(f"/api/v1/comments/by-id/{2**31 - 1}", headers=auth)
    assert response.status_code == 404, response.text


# --------------------------------------------------------------------------- nesting


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_too_deep_is_a_400_before_parsing(client, auth) -> None:
    for path in ("/v1alpha1/comments:analyze", "/v1/moderations", "/api/v1/comments"):
        for body in (nested(100_000), '{"input": ' + nested(MAX_JSON_DEPTH + 1) + "}"):
            response = client.post(path, content=body, headers={
                **auth, "Content-Type": "application/json"})
            assert response.status_code == 400, (path, response.text)
            assert f"nested more than {MAX_JSON_DEPTH} levels" in response.text


def test_openai_clients_get_the_nesting_error_in_openai_shape(client, auth) -> None:
    response = client.post("/v1/moderations", content=nested(5000),
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_brackets_inside_strings_are_text_not_nesting(client, auth) -> None:
    text = "[" * 200 + " ascii art {{{{"
    response = client.post("/v1/moderations", json={"input": text}, headers=auth)
    assert response.status_code == 200, response.text


def test_the_depth_check_reads_json_the_way_a_parser_does() -> None:
    assert not json_too_deep(b'{"a": [1, 2, {"b": [3]}]}')
    assert json_too_deep(nested(MAX_JSON_DEPTH + 1).encode())
    assert not json_too_deep(nested(MAX_JSON_DEPTH).encode())
    assert not json_too_deep(b'{"t": "' + b"[" * 100 + b'"}')
    assert not json_too_deep(b'{"t": "quote \\" then [[[[' + b"[" * 100 + b'"}')
    assert not json_too_deep(b"[]" * 10_000)  # wide is fine; only deep is refused


# --------------------------------------------------------------------------- NUL


NUL_BODIES = [
    ("/api/v1/comments", {"text": "a\x00b"}),
    ("/api/v1/comments", {"text": "ok", "id": "c\x001"}),
    ("/api/v1/comments", {"text": "ok", "author": "ann\x00"}),
    ("/api/v1/comments", {"text": "ok", "article": {"id": "a-1", "title": "T\x00"}}),
    ("/v1alpha1/comments:analyze", {"comment": {"text": "a\x00b"},
                                    "requestedAttributes": {"TOXICITY": {}}}),
    ("/v1/moderations", {"input": "a\x00b"}),
]


def test_nul_in_any_body_field_is_a_400_and_nothing_is_stored(client, auth, app) -> None:
    for path, body in NUL_BODIES:
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 400, (path, body, response.text)
        assert "NUL character" in response.text
    with app.state.store.session() as db:
        assert not any(q.counts_by_status(db).values())


def test_nul_in_a_path_or_query_is_a_400(client, auth) -> None:
    for url in ("/api/v1/queue?q=a%00b", "/api/v1/audit?actor=ann%00",
                "/api/v1/comments/c%001", "/api/v1/articles/a%00/report"):
        assert_400(client.get(url, headers=auth), "NUL character")


def test_an_escaped_backslash_before_u0000_is_text_not_nul(client, auth) -> None:
    out = client.post("/api/v1/comments", content='{"id": "c-1", "text": "C:\\\\u0000"}',
                      headers={**auth, "Content-Type": "application/json"})
    assert out.status_code == 200, out.text
    assert client.get("/api/v1/comments/c-1", headers=auth).json()["text"] == "C:\\u0000"


def test_the_nul_check_reads_json_escapes_and_form_encoding() -> None:
    assert nul_in_body(b'{"t": "a\\u0000"}', "application/json")
    assert nul_in_body(b'{"t": "a\\\\\\u0000"}', "application/json")  # \\ then \u0000
    assert not nul_in_body(b'{"t": "a\\\\u0000"}', "application/json")  # \\ then u0000
    assert nul_in_body(b"q=a%00", "application/x-www-form-urlencoded")
    assert not nul_in_body(b"q=a%2500", "application/x-www-form-urlencoded")
    assert nul_in_body(b"raw\x00byte", "text/plain")


# --------------------------------------------------------------------------- the UI


@pytest.fixture
def moderator_client(app: Any) -> Iterator[TestClient]:
    """A logged-in moderator's browser on the app."""
    with app.state.store.session() as db:
        accounts.create_moderator(db, "mod", PASSWORD, role="moderator")
    with TestClient(app, follow_redirects=False) as browser:
        page = browser.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        response = browser.post("/login", data={"username": "mod", "password": PASSWORD,
                                                "csrf_token": token.group(1), "next": "/queue"})
        assert response.status_code == 303, response.text
        token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/queue").text)
        assert token
        browser.headers["X-CSRF-Token"] = token.group(1)
        yield browser


def test_ui_pages_treat_numbers_past_the_database_as_junk_or_missing(moderator_client) -> None:
    for url in ("/queue?until=9999-12-31", "/queue?since=0001-01-01&until=9999-12-31"):
        assert moderator_client.get(url).status_code == 200, url
    for huge in HUGE:
        for url in (f"/queue?page={huge}", f"/audit?page={huge}", f"/threads?page={huge}",
                    f"/queue?article={huge}"):
            response = moderator_client.get(url)
            assert response.status_code == 200, (url, response.text[:300])
        for url in (f"/comments/{huge}", f"/thread/{huge}"):
            assert moderator_client.get(url).status_code == 404
        decided = moderator_client.post("/queue/decide", headers={"Accept": "application/json"},
                                        data={"action": "publish", "ids": str(huge)})
        assert decided.status_code == 404, decided.text
