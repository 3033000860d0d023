"""Cross-site request forgery (civility.server.security.csrf): a session's writes must come
from this server's own pages, as the browser's Sec-Fetch-Site or Origin header says, and carry
the page's token; API keys are not ambient credentials and are not asked for either."""

from __future__ import annotations

import pytest

from civility.store import Store, accounts
from tests import test_ui
from tests.test_ui import PASSWORD, Env, csrf_of, login

env = test_ui.env  # the UI's fixture: a seeded database, its app and a client

FOREIGN = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
           {"Origin": "https://evil.example"}, {"Origin": "http://testserver:8080"},
           {"Origin": "https://testserver"}, {"Origin": "null"}]


def decide(env: Env, headers: dict[str, str], action: str = "publish") -> int:
    token = csrf_of(env.client.get("/queue").text)
    return env.client.post("/queue/decide", headers=headers, data={
        "csrf_token": token, "ids": str(env.ids["c1"]), "action": action}).status_code


@pytest.mark.parametrize("headers", FOREIGN)
def test_a_form_posted_from_another_site_is_refused_even_with_the_token(env: Env,
                                                                        headers) -> None:
    login(env)
    assert decide(env, headers) == 403
    assert f'id="c-{env.ids["c1"]}"' in env.client.get("/queue").text  # still held


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"},
                                     {"Sec-Fetch-Site": "none"},
                                     {"Origin": "http://testserver"},
                                     {"Origin": "http://TESTSERVER:80"}])
def test_a_form_posted_from_this_servers_own_page_goes_through(env: Env, headers) -> None:
    login(env)
    assert decide(env, headers) == 303
    assert f'id="c-{env.ids["c1"]}"' not in env.client.get("/queue").text


def test_fetch_metadata_wins_over_a_matching_origin(env: Env) -> None:
    login(env)
    assert decide(env, {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"}) == 403


def test_the_json_answer_says_why(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    refused = env.client.post("/api/v1/comments/c1/decision", json={"action": "publish"},
                              headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "cross-origin request refused (CSRF): Sec-Fetch-Site was 'cross-site'")


def test_a_login_form_posted_from_another_site_is_refused(env: Env) -> None:
    token = csrf_of(env.client.get("/login").text)
    response = env.client.post("/login", headers={"Origin": "https://evil.example"},
                               data={"username": "mod", "password": PASSWORD,
                                     "csrf_token": token})
    assert response.status_code == 403 and "civility_session" not in env.client.cookies


def test_api_keys_are_not_asked_where_the_request_came_from(env: Env) -> None:
    store = Store(env.url)
    try:
        with store.session() as db:
            key, _ = accounts.create_api_key(db, "cms", scopes="read moderate")
    finally:
        store.close()
    response = env.client.post("/api/v1/comments/c1/decision", json={"action": "publish"},
                               headers={"Authorization": f"Bearer {key}",
                                        "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200, response.text
