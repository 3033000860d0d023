"""The moderator web UI, rendered by the real app on a temporary SQLite database.

These read the HTML the server sends (no browser): pages need a login, comment text is
escaped, offending words are highlighted at their stored offsets, actions need the CSRF
token and land in the audit log. ``test_browser.py`` drives the same pages in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient

from civility.policy import decide, default_policy
from civility.records import Span, Target, Verdict
from civility.server.app import create_app
from civility.server.settings import Settings
from civility.server.ui import (
    compose_reason,
    explain,
    highlight,
    reason_text,
    safe_next,
    score_rows,
    with_params,
)
from civility.store import Store, accounts
from civility.store import queries as q

PASSWORD = "correct horse battery staple"


class StubModerator:
    """The UI never scores; the app only needs something with a version."""

    version = "stub-0"
    policy = None


def verdict(text: str, decision: str, attributes: dict[str, float], *,
            spans: tuple[tuple[str, str], ...] = (),
            targets: tuple[tuple[str, str, str], ...] = (),
            reasons: tuple[str, ...] | None = None) -> Verdict:
    """A verdict whose spans and targets are found by substring, so offsets are right."""
    span_list = []
    for word, attribute in spans:
        start = text.index(word)
        span_list.append(Span(start, start + len(word), attribute, word, 0.9))
    target_list = []
    for mention, group, category in targets:
        start = text.index(mention)
        target_list.append(Target(group, category, mention, start, start + len(mention)))
    if reasons is None:
        reasons = ("held for review",) if decision == "review" else ()
    return Verdict("x", text, attributes, tuple(target_list), tuple(span_list), decision,  # type: ignore[arg-type]
                   reasons, "stub-0")


FIXTURE = [
    ("c1", "ann", "Those Elbonians are vermin and should be thrown out.", "review",
     {"toxicity": 0.91, "identity_attack": 0.86, "dehumanization": 0.8, "insult": 0.4},
     (("vermin", "dehumanization"),), (("Elbonians", "Elbonians", "nationality"),)),
    ("c2", "<b>bob</b>", "<script>alert('x')</script> you absolute idiot", "review",
     {"toxicity": 0.83, "insult": 0.88, "profanity": 0.1},
     (("idiot", "insult"), ("absolute idiot", "toxicity")), ()),
    ("c3", "cy", "Thanks for the careful reporting, very informative.", "publish",
     {"toxicity": 0.02, "insult": 0.01}, (), ()),
    ("c4", "dee", "Go back where you came from, you people are a disease.", "reject",
     {"toxicity": 0.97, "identity_attack": 0.93, "dehumanization": 0.9},
     (("disease", "dehumanization"),), (("you people", "migrants", "migrants"),)),
]


@dataclass
class Env:
    client: TestClient
    ids: dict[str, int]
    article_id: int
    url: str


def seed_fixture(url: str) -> tuple[dict[str, int], int]:
    """A moderator ``mod`` and one article with four scored comments (two held)."""
    store = Store(url)
    try:
        with store.session() as db:
            accounts.create_moderator(db, "mod", PASSWORD, role="moderator")
            site = q.get_site(db, create=True)
            db.commit()
            article_id = q.upsert_article(db, site.id, "art-1",
                                          title="Elbonia & the <border> question",
                                          text="The article body.\nSecond paragraph.")
            now = datetime.now(UTC)
            accepted = q.accept_comments(db, site.id, [
                q.NewComment(external_id=ext, text=text, author=author,
                             created_at=now - timedelta(minutes=10 * i))
                for i, (ext, author, text, *_rest) in enumerate(FIXTURE)
            ], article_id=article_id)
            pairs = [(a.id, verdict(text, decision, attrs, spans=spans, targets=targets))
                     for a, (_e, _au, text, decision, attrs, spans, targets)
                     in zip(accepted, FIXTURE, strict=True)]
            q.store_verdicts(db, pairs)
            ids = {a.external_id: a.id for a in accepted}
    finally:
        store.close()
    return ids, article_id


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[Env]:
    url = f"sqlite:///{tmp_path / 'ui.db'}"
    ids, article_id = seed_fixture(url)
    app = create_app(Settings(db_url=url, moderator=StubModerator(), secret_key="x",
                              rescore_pending=False))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Env(client, ids, article_id, url)


def add_decided(env: Env, ext: str, text: str, attributes: dict[str, float], *,
                spans: tuple[tuple[str, str], ...] = (), newest: bool = True) -> int:
    """One more comment on the article, decided by the real default policy (real reasons)."""
    decision, reasons = decide(default_policy(), attributes, (), text)
    store = Store(env.url)
    try:
        with store.session() as db:
            site = q.get_site(db)
            when = datetime.now(UTC) + timedelta(minutes=1 if newest else -600)
            accepted = q.accept_comments(db, site.id, [q.NewComment(ext, text, "eve", when)],
                                         article_id=env.article_id)
            q.store_verdicts(db, [(accepted[0].id, verdict(text, decision, attributes,
                                                           spans=spans, reasons=reasons))])
            return accepted[0].id
    finally:
        store.close()


#: Held only because it strays from the article; its mild insult drove nothing.
OFF_TOPIC = ("My idiot cat knocked the plant over again. Anyway, pizza tonight?",
             {"toxicity": 0.3, "insult": 0.62, "off_topic": 0.81}, (("idiot", "insult"),))


def ids_in(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="qitem card" id="c-(\d+)"', html)]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "every page carries the CSRF token in a meta tag"
    return match.group(1)


def login(env: Env) -> None:
    page = env.client.get("/login")
    response = env.client.post("/login", data={"username": "mod", "password": PASSWORD,
                                               "csrf_token": csrf_of(page.text),
                                               "next": "/queue"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/queue"


def queue_item(html: str, comment_id: int) -> str:
    pattern = rf'<li class="qitem card" id="c-{comment_id}".*?</li>\s*(?=<li class="qitem|</ol>)'
    match = re.search(pattern, html, re.S)
    assert match, f"comment {comment_id} is in the queue"
    return match.group(0)


# ---- pure helpers ----------------------------------------------------------------------------


def test_highlight_wraps_the_stored_offsets_and_escapes_every_piece() -> None:
    text = "<i>x</i> idiot & co"
    start = text.index("idiot")
    html = str(highlight(text, [Span(start, start + 5, "insult", "idiot")]))
    assert html == ('&lt;i&gt;x&lt;/i&gt; <mark class="hl" title="Insult">idiot</mark>'
                    " &amp; co")


def test_overlapping_spans_merge_into_one_mark_naming_both_attributes() -> None:
    text = "you absolute idiot"
    spans = [Span(4, 18, "toxicity", "absolute idiot"), Span(13, 18, "insult", "idiot")]
    html = str(highlight(text, spans))
    assert html.count("<mark") == 2  # different covers: "absolute " and "idiot"
    assert '<mark class="hl" title="Insult, Toxicity">idiot</mark>' in html
    assert unescape(re.sub("<[^>]+>", "", html)) == text


def test_spans_past_the_end_or_empty_are_clamped_or_dropped() -> None:
    html = str(highlight("short", [Span(3, 99, "insult", "rt"), Span(4, 4, "insult", "")]))
    assert html == 'sho<mark class="hl" title="Insult">rt</mark>'


def test_target_mentions_are_underlined_inside_or_outside_marks() -> None:
    text = "those people are vermin"
    html = str(highlight(text, [Span(17, 23, "dehumanization", "vermin")],
                         [Target("migrants", "migrants", "those people", 0, 12)]))
    assert html.startswith('<span class="tgt" title="Targets migrants">those people</span>')


def test_score_rows_show_the_high_scores_first_and_keep_at_least_three() -> None:
    shown, hidden = score_rows({"toxicity": 0.9, "insult": 0.05, "spam": 0.01, "threat": 0.02,
                                "profanity": 0.3})
    assert [r.attribute for r in shown] == ["toxicity", "profanity", "insult"]
    assert [r.attribute for r in hidden] == ["threat", "spam"]
    assert shown[0].level == "high" and shown[0].percent == 90


def test_safe_next_refuses_other_hosts() -> None:
    assert safe_next("//evil.example/x") == "/queue"
    assert safe_next("https://evil.example/") == "/queue"
    assert safe_next("/\\evil.example") == "/queue"
    assert safe_next("/thread/3?status=review") == "/thread/3?status=review"


def test_with_params_replaces_and_removes_query_parameters() -> None:
    assert with_params("/queue?page=2&q=x", page=3, done=None) == "/queue?q=x&page=3"
    assert with_params("/queue?done=publish&n=1", done=None, n=None) == "/queue"
    assert with_params("/thread/1#c-5", done="reject") == "/thread/1?done=reject#c-5"


# ---- login ------------------------------------------------------------------------------------


def test_pages_redirect_to_the_login_form_when_signed_out(env: Env) -> None:
    for path in ("/queue", "/audit", "/dashboard", f"/thread/{env.article_id}", "/threads"):
        response = env.client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_the_login_page_has_labelled_fields_and_a_csrf_token(env: Env) -> None:
    html = env.client.get("/login?next=/audit").text
    assert '<label for="username">' in html and '<label for="password">' in html
    assert 'name="csrf_token" value="' in html
    assert 'name="next" value="/audit"' in html


def test_logging_in_never_redirects_to_another_host_even_with_a_backslash(env: Env) -> None:
    for target in ("/\\evil.example", "//evil.example/x", "https://evil.example/"):
        env.client.cookies.clear()
        page = env.client.get("/login")
        response = env.client.post("/login", data={"username": "mod", "password": PASSWORD,
                                                   "csrf_token": csrf_of(page.text),
                                                   "next": target})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/", target


def test_a_wrong_password_says_so_on_the_login_page(env: Env) -> None:
    page = env.client.get("/login")
    response = env.client.post("/login", data={"username": "mod", "password": "nope",
                                               "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401
    assert "do not match" in response.text and 'role="alert"' in response.text


def test_a_wrong_password_keeps_the_username_filled_and_out_of_the_url(env: Env) -> None:
    page = env.client.get("/login?next=/audit")
    response = env.client.post("/login", data={"username": "m&d<x>", "password": "nope",
                                               "csrf_token": csrf_of(page.text),
                                               "next": "/audit"})
    assert "location" not in response.headers
    html = response.text
    assert 'value="m&amp;d&lt;x&gt;"' in html
    assert 'name="next" value="/audit"' in html
    password = re.search(r'<input type="password"[^>]*>', html)
    assert password and "autofocus" in password.group(0)  # type the password again
    retry = env.client.post("/login", data={"username": "mod", "password": PASSWORD,
                                            "csrf_token": csrf_of(html), "next": "/audit"})
    assert retry.status_code == 303 and retry.headers["location"] == "/audit"


def test_the_home_page_sends_moderators_to_the_queue(env: Env) -> None:
    assert env.client.get("/").headers["location"] == "/login"
    login(env)
    assert env.client.get("/").headers["location"] == "/queue"
    assert env.client.get("/login").headers["location"] == "/queue"


# ---- queue -------------------------------------------------------------------------------------


def test_the_queue_lists_only_held_comments_with_their_article(env: Env) -> None:
    login(env)
    response = env.client.get("/queue")
    assert response.status_code == 200
    html = response.text
    assert f'id="c-{env.ids["c1"]}"' in html and f'id="c-{env.ids["c2"]}"' in html
    assert f'id="c-{env.ids["c3"]}"' not in html and f'id="c-{env.ids["c4"]}"' not in html
    assert "Elbonia &amp; the &lt;border&gt; question" in html
    assert "2 held comments" in html
    assert '<span class="badge" id="queue-count" aria-label="2 held">2</span>' in html


def test_comment_text_and_author_are_escaped_never_interpreted(env: Env) -> None:
    login(env)
    item = queue_item(env.client.get("/queue").text, env.ids["c2"])
    assert "<script>" not in item and "<b>bob</b>" not in item
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in item
    assert "&lt;b&gt;bob&lt;/b&gt;" in item


def test_offending_words_are_highlighted_at_their_stored_offsets(env: Env) -> None:
    login(env)
    item = queue_item(env.client.get("/queue").text, env.ids["c1"])
    assert '<mark class="hl" title="Dehumanization">vermin</mark>' in item
    assert '<span class="tgt" title="Targets Elbonians">Elbonians</span>' in item


def test_scores_are_bars_with_their_values_highest_first(env: Env) -> None:
    login(env)
    item = queue_item(env.client.get("/queue").text, env.ids["c1"])
    names = re.findall(r'<span class="name">([^<]+)</span>', item)
    assert names[:3] == ["Toxicity", "Identity attack", "Dehumanization"]
    assert '<li class="score high">' in item and 'style="width: 91%"' in item
    assert "0.91" in item


def test_targeted_groups_are_chips_that_filter_the_queue(env: Env) -> None:
    login(env)
    item = queue_item(env.client.get("/queue").text, env.ids["c1"])
    assert '<a class="chip" href="/queue?group=Elbonians"' in item
    assert '<span class="cat">nationality</span>' in item


def test_every_queue_action_form_carries_the_csrf_token(env: Env) -> None:
    login(env)
    html = env.client.get("/queue").text
    token = csrf_of(html)
    forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
    assert len(forms) >= 4  # sign out, bulk, one per comment
    for form in forms:
        assert f'name="csrf_token" value="{token}"' in form


def test_filters_narrow_the_queue(env: Env) -> None:
    login(env)
    c1, c2 = env.ids["c1"], env.ids["c2"]
    cases = {"/queue?attribute=dehumanization": {c1}, "/queue?group=elbonians": {c1},
             "/queue?category=nationality": {c1}, "/queue?q=idiot": {c2},
             "/queue?q=BOB": {c2}, f"/queue?article={env.article_id}": {c1, c2},
             "/queue?since=2001-01-01&until=2001-01-02": set(),
             "/queue?order=score&attribute=insult": {c2}}
    for path, expected in cases.items():
        html = env.client.get(path).text
        found = {int(x) for x in re.findall(r'<li class="qitem card" id="c-(\d+)"', html)}
        assert found == expected, path


def test_malformed_filters_are_ignored_not_errors(env: Env) -> None:
    login(env)
    response = env.client.get("/queue?attribute=nope&article=abc&since=yesterday&page=-4"
                              "&order=sideways")
    assert response.status_code == 200
    assert "2 held comments" in response.text


def test_an_empty_filter_result_offers_to_clear_the_filters(env: Env) -> None:
    login(env)
    html = env.client.get("/queue?q=nothing-matches-this").text
    assert "Nothing matches these filters" in html and 'href="/queue">Clear' in html


def test_the_queue_paginates(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from civility.server import ui

    monkeypatch.setattr(ui, "PAGE_SIZE", 1)
    login(env)
    first = env.client.get("/queue").text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert f'id="c-{env.ids["c1"]}"' in first  # newest first
    second = env.client.get("/queue?page=2").text
    assert f'id="c-{env.ids["c2"]}"' in second and f'id="c-{env.ids["c1"]}"' not in second


def test_approving_without_javascript_redirects_back_and_leaves_the_queue(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    response = env.client.post("/queue/decide", data={
        "csrf_token": token, "ids": str(env.ids["c1"]), "action": "publish",
        "next": "/queue?q=vermin"})
    assert response.status_code == 303
    assert response.headers["location"] == "/queue?q=vermin&done=publish&n=1"
    html = env.client.get("/queue?done=publish&n=1").text
    assert "Approved: 1 comment." in html
    assert f'id="c-{env.ids["c1"]}"' not in html


def test_bulk_reject_decides_every_selected_comment_and_answers_json_to_scripts(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    response = env.client.post(
        "/queue/decide", data={"ids": [str(env.ids["c1"]), str(env.ids["c2"])],
                               "action": "reject"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["queue"] == 0 and sorted(body["ids"]) == sorted([env.ids["c1"], env.ids["c2"]])
    assert "The queue is empty" in env.client.get("/queue").text


def test_undo_returns_a_comment_to_the_queue(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    cid = str(env.ids["c1"])
    env.client.post("/queue/decide", data={"ids": cid, "action": "publish"}, headers=headers)
    response = env.client.post("/queue/decide", data={"ids": cid, "action": "review"},
                               headers=headers)
    assert response.json()["queue"] == 2


def test_a_bulk_action_with_nothing_selected_just_returns_to_the_queue(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    response = env.client.post("/queue/decide", data={"csrf_token": token, "action": "reject",
                                                      "next": "/queue?page=1"})
    assert response.status_code == 303 and response.headers["location"] == "/queue?page=1"
    assert "2 held comments" in env.client.get("/queue").text


def test_actions_without_the_csrf_token_are_refused(env: Env) -> None:
    login(env)
    for token in ("", "forged"):
        response = env.client.post("/queue/decide", data={
            "csrf_token": token, "ids": str(env.ids["c1"]), "action": "publish"})
        assert response.status_code == 403
    assert f'id="c-{env.ids["c1"]}"' in env.client.get("/queue").text


def test_unknown_actions_and_comments_are_clear_errors(env: Env) -> None:
    login(env)
    headers = {"X-CSRF-Token": csrf_of(env.client.get("/queue").text),
               "Accept": "application/json"}
    bad = env.client.post("/queue/decide", data={"ids": "1", "action": "delete"},
                          headers=headers)
    assert bad.status_code == 400 and "Unknown action" in bad.json()["error"]["message"]
    missing = env.client.post("/queue/decide", data={"ids": "99999", "action": "publish"},
                              headers=headers)
    assert missing.status_code == 404


def test_pages_send_a_strict_content_security_policy(env: Env) -> None:
    login(env)
    response = env.client.get("/queue")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text.replace("&lt;script&gt;", "")


def test_keyboard_shortcuts_are_documented_on_the_page(env: Env) -> None:
    login(env)
    html = env.client.get("/queue").text
    assert 'id="help"' in html
    for key in ("j", "k", "a", "r", "x", "u", "/", "?"):
        assert f"<kbd>{key}</kbd>" in html
    assert 'aria-live="polite"' in html


def test_static_files_are_served_locally(env: Env) -> None:
    for name in ("civility.css", "civility.js", "favicon.svg"):
        response = env.client.get(f"/static/{name}")
        assert response.status_code == 200, name
    html = env.client.get("/login").text
    assert "http://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html)
    assert "https://" not in html


# ---- other pages -------------------------------------------------------------------------------


def test_the_comment_page_shows_scores_and_the_decision_history(env: Env) -> None:
    login(env)
    html = env.client.get(f"/comments/{env.ids['c4']}").text
    assert '<span class="status reject">Rejected</span>' in html
    assert "stub-0" in html and "(model)" in html
    assert env.client.get("/comments/99999").status_code == 404


def test_the_thread_shows_every_comment_coloured_by_its_decision(env: Env) -> None:
    login(env)
    html = env.client.get(f"/thread/{env.article_id}").text
    assert "Elbonia &amp; the &lt;border&gt; question" in html
    assert "The article body." in html
    for ext, status in (("c1", "review"), ("c2", "review"), ("c3", "publish"), ("c4", "reject")):
        assert f'<li class="tcomment card {status}" id="c-{env.ids[ext]}">' in html
    only_rejected = env.client.get(f"/thread/{env.article_id}?status=reject").text
    assert only_rejected.count('<li class="tcomment') == 1
    assert env.client.get("/thread/99999").status_code == 404


def test_deciding_from_the_thread_returns_to_that_comment_with_a_confirmation(env: Env) -> None:
    login(env)
    cid = env.ids["c4"]
    html = env.client.get(f"/thread/{env.article_id}").text
    response = env.client.post("/queue/decide", data={
        "csrf_token": csrf_of(html), "ids": str(cid), "action": "publish",
        "next": f"/thread/{env.article_id}#c-{cid}"})
    location = response.headers["location"]
    assert location == f"/thread/{env.article_id}?done=publish&n=1#c-{cid}"
    after = env.client.get(location.split("#")[0]).text
    assert '<p class="flash" role="status">Approved: 1 comment.</p>' in after
    assert f'<li class="tcomment card publish" id="c-{cid}">' in after


def test_the_threads_page_lists_articles_with_counts(env: Env) -> None:
    login(env)
    html = env.client.get("/threads").text
    assert f'href="/thread/{env.article_id}"' in html
    held = f'<a href="/queue?article={env.article_id}" title="Held comments on this article">2</a>'
    assert held in html


def test_a_moderator_decision_appears_in_the_audit_log(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    env.client.post("/queue/decide", data={"csrf_token": token, "ids": str(env.ids["c2"]),
                                           "action": "reject", "next": "/queue"})
    html = env.client.get("/audit").text
    assert '<span class="action-word reject">Rejected</span>' in html
    assert f'<a href="/comments/{env.ids["c2"]}">comment #c2</a>' in html
    assert '<a href="/audit?actor=mod">mod</a>' in html
    assert "Nothing logged" in env.client.get("/audit?actor=someone-else").text


def test_the_dashboard_draws_the_four_charts(env: Env) -> None:
    login(env)
    response = env.client.get("/dashboard")
    assert response.status_code == 200
    html = response.text
    for chart in ("chart-per-day", "chart-flagged", "chart-groups", "chart-distribution",
                  "chart-articles"):
        assert f'aria-labelledby="{chart}-t {chart}-d"' in html, chart
    assert html.count("<svg") >= 5
    assert "Elbonians" in html
    assert env.client.get("/dashboard?days=7").status_code == 200
    assert env.client.get("/dashboard?days=banana").status_code == 200


def test_every_page_has_one_main_landmark_and_a_skip_link(env: Env) -> None:
    login(env)
    for path in ("/queue", "/audit", "/dashboard", "/threads", f"/thread/{env.article_id}",
                 f"/comments/{env.ids['c1']}"):
        html = env.client.get(path).text
        assert html.count("<main") == 1, path
        assert 'href="#main"' in html, path
        assert '<html lang="en">' in html, path


# ---- what drove the decision -------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """The fields :func:`explain` reads, with reasons from the real default policy."""

    text: str
    spans: tuple[Span, ...]
    targets: tuple[Target, ...]
    reasons: tuple[str, ...]


def scored(text: str, attributes: dict[str, float], spans: tuple[tuple[str, str], ...],
           reasons: tuple[str, ...] | None = None) -> Scored:
    v = verdict(text, "review", attributes, spans=spans)
    real = decide(default_policy(), attributes, (), text)[1]
    return Scored(text, v.spans, (), real if reasons is None else reasons)


def test_only_the_spans_of_the_deciding_attributes_are_marked() -> None:
    text = "Say that again and I will break your legs, you idiot."
    shown = explain(scored(text, {"threat": 0.85, "insult": 0.6},
                           (("break your legs", "threat"), ("idiot", "insult"))))
    assert '<mark class="hl" title="Threat">break your legs</mark>' in shown.html
    assert "idiot</mark>" not in shown.html and shown.notes == ()


def test_an_off_topic_hold_marks_nothing_and_says_it_strays_from_the_article() -> None:
    text, attributes, spans = OFF_TOPIC
    shown = explain(scored(text, attributes, spans))
    assert "<mark" not in shown.html
    assert shown.notes == ("Off-topic relative to the article.",)


def test_a_toxicity_hold_keeps_the_specific_harm_words_it_rests_on() -> None:
    shown = explain(scored("you absolute idiot", {"toxicity": 0.9, "insult": 0.6},
                           (("idiot", "insult"),)))
    assert '<mark class="hl" title="Insult">idiot</mark>' in shown.html and not shown.notes


def test_reasons_that_name_no_rule_keep_every_span() -> None:
    shown = explain(scored("you absolute idiot", {"insult": 0.9}, (("idiot", "insult"),),
                           reasons=("held for review",)))
    assert "idiot</mark>" in shown.html


def test_reject_reasons_are_stored_as_code_and_note_and_read_back_for_people() -> None:
    assert compose_reason("hate", "  slur  about   Elbonians ") == "hate: slur about Elbonians"
    assert compose_reason("spam") == "spam"
    assert reason_text("hate: slur about Elbonians") == "Hate — slur about Elbonians"
    assert reason_text("off-topic") == "Off-topic"
    assert reason_text("a free-text reason: from the API") == "a free-text reason: from the API"
    with pytest.raises(ValueError, match="note"):
        compose_reason("other", " ")
    with pytest.raises(ValueError, match="Unknown reason"):
        compose_reason("because")


def test_a_comment_held_for_off_topic_says_so_instead_of_marking_the_insult(env: Env) -> None:
    text, attributes, spans = OFF_TOPIC
    cid = add_decided(env, "c5", text, attributes, spans=spans)
    login(env)
    pages = {"queue": queue_item(env.client.get("/queue").text, cid),
             "comment": env.client.get(f"/comments/{cid}").text,
             "thread": re.search(rf'<li class="tcomment card review" id="c-{cid}">.*?</li>\s*'
                                 r"(?=<li class=\"tcomment|</ol>)",
                                 env.client.get(f"/thread/{env.article_id}").text, re.S)}
    for name, html in pages.items():
        html = html if isinstance(html, str) else html and html.group(0)
        assert html, name
        assert ">idiot</mark>" not in html, name
        assert "Off-topic relative to the article." in html, name


# ---- queue: order, status, search --------------------------------------------------------------


def test_highest_score_first_orders_the_queue_by_score_not_by_time(env: Env) -> None:
    text, attributes, spans = OFF_TOPIC
    c5 = add_decided(env, "c5", text, attributes, spans=spans)
    c1, c2 = env.ids["c1"], env.ids["c2"]
    login(env)
    assert ids_in(env.client.get("/queue").text) == [c5, c1, c2]  # newest first
    html = env.client.get("/queue?order=score").text
    # Highest harm score: c1's toxicity 0.91, c2's insult 0.88, then c5 (off-topic is no harm).
    assert ids_in(html) == [c1, c2, c5]
    assert '<option value="score" selected>Highest score first</option>' in html
    assert "highest harm score first" in html
    by_insult = env.client.get("/queue?order=score&attribute=insult&status=all").text
    assert ids_in(by_insult)[0] == c2


def test_the_status_filter_finds_a_published_comment_a_reader_complained_about(
        env: Env) -> None:
    login(env)
    c3 = env.ids["c3"]
    assert c3 not in ids_in(env.client.get("/queue?q=careful").text)  # not held
    html = env.client.get("/queue?status=publish&q=careful").text
    assert ids_in(html) == [c3]
    assert "<h1>Published comments</h1>" in html and "1 published comment" in html
    item = queue_item(html, c3)
    assert '<span class="status publish">Published</span>' in item
    assert 'value="publish"' not in item and 'value="reject"' in item  # it can be taken down
    assert ids_in(env.client.get("/queue?status=reject").text) == [env.ids["c4"]]
    assert sorted(ids_in(env.client.get("/queue?status=all").text)) == sorted(env.ids.values())
    assert ids_in(env.client.get("/queue?status=all&q=c3").text) == [c3]  # by the comment's id
    assert '<option value="publish" selected>Published</option>' in html


def test_a_search_with_no_held_match_offers_to_search_every_comment(env: Env) -> None:
    login(env)
    html = env.client.get("/queue?q=careful").text
    assert "Nothing matches these filters" in html
    assert 'href="/queue?q=careful&amp;status=all">search every comment</a>' in html


def test_taking_down_a_published_comment_leaves_the_published_list(env: Env) -> None:
    login(env)
    html = env.client.get("/queue?status=publish").text
    response = env.client.post("/queue/decide", data={
        "csrf_token": csrf_of(html), "ids": str(env.ids["c3"]), "action": "reject",
        "reason_code": "abusive", "next": "/queue?status=publish"})
    assert response.headers["location"] == "/queue?status=publish&done=reject&n=1"
    assert ids_in(env.client.get("/queue?status=publish").text) == []


# ---- reject reasons ----------------------------------------------------------------------------


def test_every_reject_button_comes_with_the_reason_choices(env: Env) -> None:
    login(env)
    for path in ("/queue", f"/thread/{env.article_id}", f"/comments/{env.ids['c1']}"):
        html = env.client.get(path).text
        for form in re.findall(r'<form[^>]*class="decide".*?</form>', html, re.S):
            if 'value="reject"' not in form:
                continue
            codes = re.findall(r'<option value="([^"]*)"', form)
            assert codes == ["", "abusive", "hate", "threat", "spam", "off-topic", "other"], path
            assert 'name="reason_note"' in form, path
    assert 'id="bulk-reason"' in env.client.get("/queue").text


def test_a_rejection_with_a_reason_is_stored_and_shown_in_history_and_audit(env: Env) -> None:
    login(env)
    cid = env.ids["c1"]
    response = env.client.post("/queue/decide", data={
        "csrf_token": csrf_of(env.client.get("/queue").text), "ids": str(cid),
        "action": "reject", "reason_code": "hate", "reason_note": "calls Elbonians vermin",
        "next": "/queue"})
    assert response.status_code == 303
    store = Store(env.url)
    try:
        with store.session() as db:
            detail = q.comment_detail(db, cid)
            assert detail and detail.decisions[-1].reason == "hate: calls Elbonians vermin"
    finally:
        store.close()
    history = env.client.get(f"/comments/{cid}").text
    assert '<span class="reason">Hate — calls Elbonians vermin</span>' in history
    audit = env.client.get("/audit?action=comment.decision").text
    assert "<b>reason</b> Hate — calls Elbonians vermin" in audit


def test_scripts_get_the_reason_back_and_approvals_ignore_a_chosen_reason(env: Env) -> None:
    login(env)
    headers = {"X-CSRF-Token": csrf_of(env.client.get("/queue").text),
               "Accept": "application/json"}
    rejected = env.client.post("/queue/decide", headers=headers, data={
        "ids": str(env.ids["c2"]), "action": "reject", "reason_code": "abusive"})
    assert rejected.json()["reason"] == "Abusive"
    approved = env.client.post("/queue/decide", headers=headers, data={
        "ids": str(env.ids["c1"]), "action": "publish", "reason_code": "hate"})
    assert approved.status_code == 200 and approved.json()["reason"] == ""


def test_other_without_a_note_is_refused_and_nothing_is_rejected(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    cid = str(env.ids["c1"])
    scripted = env.client.post("/queue/decide", data={
        "ids": cid, "action": "reject", "reason_code": "other"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert scripted.status_code == 400 and "note" in scripted.json()["error"]["message"]
    forged = env.client.post("/queue/decide", data={
        "ids": cid, "action": "reject", "reason_code": "because-i-said-so"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert forged.status_code == 400
    plain = env.client.post("/queue/decide", data={
        "csrf_token": token, "ids": cid, "action": "reject", "reason_code": "other",
        "next": "/queue"})
    assert plain.headers["location"] == "/queue?error=reason"
    html = env.client.get(plain.headers["location"]).text
    assert '<p class="flash error" role="alert">Nothing was rejected' in html
    assert int(cid) in ids_in(html)


# ---- audit, thread -----------------------------------------------------------------------------


def test_the_audit_action_filter_offers_the_real_actions(env: Env) -> None:
    login(env)
    token = csrf_of(env.client.get("/queue").text)
    env.client.post("/queue/decide", data={"csrf_token": token, "ids": str(env.ids["c2"]),
                                           "action": "reject", "next": "/queue"})
    html = env.client.get("/audit?action=login").text
    select = re.search(r'<select id="a-action" name="action">.*?</select>', html, re.S)
    assert select, "the action filter is a select"
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0)))
    assert options["comment.decision"] == "Comment decisions" and options["login"] == "Sign-ins"
    assert '<option value="login" selected>' in select.group(0)
    assert "Rejected" not in html and ">login<" in html  # the filter applies
    decisions = env.client.get("/audit?action=comment.decision").text
    assert '<span class="action-word reject">Rejected</span>' in decisions


def test_the_thread_shows_each_comments_scores_and_the_models_reasons(env: Env) -> None:
    login(env)
    html = env.client.get(f"/thread/{env.article_id}").text
    c1 = re.search(rf'<li class="tcomment card review" id="c-{env.ids["c1"]}">.*?</li>\s*'
                   r'(?=<li class="tcomment|</ol>)', html, re.S)
    assert c1
    item = c1.group(0)
    assert re.findall(r'<span class="name">([^<]+)</span>', item)[:2] == [
        "Toxicity", "Identity attack"]
    assert "0.91" in item and 'style="width: 91%"' in item
    assert "<li>held for review</li>" in item


def test_a_harm_mark_covers_every_deciding_harm_attribute_without_a_note() -> None:
    text = "the vipers are treacherous, all of them"
    shown = explain(scored(text, {"identity_attack": 0.9, "insult": 0.9},
                           (("vipers", "identity_attack"),)))
    assert "vipers</mark>" in shown.html and shown.notes == ()
    bare = explain(scored(text, {"identity_attack": 0.9, "insult": 0.9}, ()))
    assert bare.notes == ("Identity attack, Insult: judged on the whole comment; "
                          "no single words stand out.",)
