"""Commenters in the moderator UI (rendered HTML, no browser; test_authors_browser.py drives
Chromium): every comment shows its author's history and links to the author's page, whose
buttons act with the CSRF token; administrators edit a site's rules and word lists.
"""

from __future__ import annotations

import re
from html import unescape

from civility.store import Store, accounts
from civility.store import authors as sa
from tests import test_ui
from tests.test_ui import PASSWORD, Env, csrf_of, login

env = test_ui.env  # the UI's fixture: a seeded database, its app and a client


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_comment_shows_its_authors_history_and_links_to_it(env: Env) -> None:
    login(env)
    queue = env.client.get("/queue?status=all").text
    assert 'href="/author?site=1&amp;name=ann"' in queue
    assert "1 comment, 0 rejected" in text_of(queue)
    # a name is text, never markup, in the link and on the page
    assert 'href="/author?site=1&amp;name=%3Cb%3Ebob%3C%2Fb%3E"' in queue
    assert "<b>bob</b>" not in queue and "&lt;b&gt;bob&lt;/b&gt;" in queue
    dee = env.client.get(f"/comments/{env.ids['c4']}").text
    assert 'href="/author?site=1&amp;name=dee"' in dee and "1 comment, 1 rejected" in text_of(dee)
    assert "1 comment: 0 published, 0 held, 1 rejected" in text_of(dee)  # the comment's aside
    thread = env.client.get(f"/thread/{env.article_id}").text
    assert thread.count('href="/author?site=1&amp;name=') == 4


def test_a_moderator_acts_on_the_author_page_and_the_buttons_need_the_csrf_token(
        env: Env) -> None:
    login(env)
    page = env.client.get("/author", params={"site": 1, "name": "dee"})
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "1 rejected" in shown and "Recent rejections" in shown
    assert f'href="/comments/{env.ids["c4"]}"' in page.text
    form = {"site": "1", "name": "dee", "action": "ban", "reason": "hate, repeatedly",
            "reject_pending": "1", "reason_code": "hate"}
    assert env.client.post("/author/action", data=form).status_code == 403
    bad = env.client.post("/author/action", data={**form, "action": "suspend", "days": "soon",
                                                  "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 400 and "days" in text_of(bad.text)
    done = env.client.post("/author/action", data={**form, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    assert done.headers["location"] == "/author?site=1&name=dee&done=ban"
    after = text_of(env.client.get(done.headers["location"]).text)
    assert "Banned." in after and "Their next comment: rejected" in after
    assert "author is banned (by mod: hate, repeatedly)" in after
    assert "Banned" in text_of(env.client.get("/queue?status=all").text)
    audit = env.client.get("/audit").text
    assert 'href="/author?site=1&amp;name=dee">author dee</a>' in audit
    missing = env.client.get("/author", params={"site": 1, "name": "nobody"})
    assert missing.status_code == 404
    listed = env.client.get("/authors", params={"status": "banned"}).text
    assert re.findall(r'href="/author\?site=1&amp;name=(\w+)"', listed) == ["dee"]


def test_an_admin_edits_the_sites_rules_and_word_lists_and_a_moderator_cannot(env: Env) -> None:
    login(env)
    assert env.client.get("/admin/rules").status_code == 403
    env.client.post("/logout", data={"csrf_token": csrf_of(env.client.get("/queue").text)})
    store = Store(env.url)
    with store.session() as db:
        accounts.create_moderator(db, "root", PASSWORD, role="admin")
    token = csrf_of(env.client.get("/login").text)
    env.client.post("/login", data={"username": "root", "password": PASSWORD,
                                    "csrf_token": token})
    page = env.client.get("/admin/rules")
    assert page.status_code == 200 and "Rules about commenters and words" in page.text
    form = {"csrf_token": csrf_of(page.text), "site": "default", "new_author_approvals": "3",
            "rejection_rate": "40", "rejection_window_days": "14",
            "rejection_min_comments": "4", "hold_links": "1",
            "banned_words": "buy followers\n\nBuy Followers\n", "suspect_words": "vermin"}
    saved = env.client.post("/admin/rules", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == \
        "/admin/rules?site=default&done=saved"
    with store.session() as db:
        rules = sa.site_rules(db, 1)
    assert (rules.new_author_approvals, rules.rejection_rate, rules.rejection_window_days,
            rules.hold_links, rules.banned_words, rules.suspect_words) == (
        3, 0.4, 14, True, ("buy followers",), ("vermin",))
    shown = env.client.get(saved.headers["location"]).text
    assert "Rules saved." in shown and ">buy followers</textarea>" in shown
    # a refused save says why and keeps what was typed
    refused = env.client.post("/admin/rules", data={**form, "rejection_rate": "lots",
                                                    "suspect_words": "vermin\nparasites"})
    assert refused.status_code == 400 and "'lots' is not a number" in text_of(refused.text)
    assert ">vermin\nparasites</textarea>" in refused.text
    with store.session() as db:
        assert sa.site_rules(db, 1).suspect_words == ("vermin",)
    store.close()
