"""Commenters through the API, on SQLite and PostgreSQL, with the real model scoring.

A site's rules and its authors' standing change how their next comment is decided (and the
answer to the request that sent it says so); moderators read an author's history and warn,
premoderate, suspend, ban or reinstate them; every action is audited and sent to the site's
webhook; and an API key sees and acts on its own site's commenters only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from civility.authors import SiteRules
from civility.store import accounts as acc
from civility.store import authors as sa
from civility.store import queries as q
from civility.store.models import AuthorRow, WebhookDelivery
from tests import test_coral
from tests.test_admin import sign_in
from tests.test_coral import Coral, assert_coral_accepts, coral_request

BENIGN = ("Thanks for the careful reporting, very informative.", "Good points about the budget.",
          "The council vote was close.")
THREAT = "I will find you and kill you."
INSULT = "you are a worthless idiot"
HOOK = "http://127.0.0.1:9/hook"
coral = test_coral.coral  # a live server whose default site is connected to Coral


def post(client: TestClient, auth: dict[str, str], text: str, author: str | None,
         cid: str | None = None) -> dict[str, Any]:
    r = client.post("/api/v1/comments", json={"id": cid, "text": text, "author": author},
                    headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def decide(client: TestClient, auth: dict[str, str], cid: str, action: str,
           reason: str = "") -> None:
    r = client.post(f"/api/v1/comments/{cid}/decision", json={"action": action,
                                                              "reason": reason}, headers=auth)
    assert r.status_code == 200, r.text


def act(client: TestClient, auth: dict[str, str], author: str, **body: Any) -> Any:
    """POST an action; the body is sent as JSON text with ASCII escapes, so a lone surrogate
    travels as ``\\ud800`` the way a broken client would send it."""
    return client.post(f"/api/v1/authors/{author}/actions", content=json.dumps(body),
                       headers={**auth, "Content-Type": "application/json"})


def set_rules(app: Any, site: str = "default", **rules: Any) -> None:
    with app.state.store.session() as db:
        sa.set_site_rules(db, site, SiteRules(**rules), actor="admin")


def webhook_events(app: Any, prefix: str = "author.") -> list[dict[str, Any]]:
    with app.state.store.session() as db:
        return [p for e, p in db.execute(select(WebhookDelivery.event, WebhookDelivery.payload)
                                         .order_by(WebhookDelivery.id)) if e.startswith(prefix)]


def with_webhook(app: Any, site: str = "default") -> None:
    with app.state.store.session() as db:
        q.set_site_webhook(db, site, HOOK, "a-secret-of-sixteen")


# --------------------------------------------------------------------------- policy rules


def test_a_new_commenter_is_held_until_moderators_approve_enough_of_their_comments(
        app, client, auth) -> None:
    set_rules(app, new_author_approvals=2)
    first = post(client, auth, BENIGN[0], "newbie", "n1")
    assert (first["decision"], first["status"]) == ("review", "review")
    assert first["reasons"] == ["author is premoderated (new commenter: 0 of 2 approved "
                                "comments)"]
    stored = client.get("/api/v1/comments/n1", headers=auth).json()
    assert stored["model_decision"] == "review" and stored["reasons"] == first["reasons"]
    decide(client, auth, "n1", "publish")
    second = post(client, auth, BENIGN[1], "newbie", "n2")
    assert second["reasons"] == ["author is premoderated (new commenter: 1 of 2 approved "
                                 "comments)"]
    decide(client, auth, "n2", "publish")
    assert post(client, auth, BENIGN[2], "newbie", "n3")["decision"] == "publish"
    # anonymous comments have no history to wait for
    assert post(client, auth, BENIGN[2], None)["decision"] == "publish"


def test_a_rejection_rate_over_the_window_premoderates_the_author_by_itself(
        app, client, auth) -> None:
    with_webhook(app)
    set_rules(app, rejection_rate=0.5, rejection_min_comments=3, rejection_window_days=30)
    for i, text in enumerate(BENIGN):
        assert post(client, auth, text, "rex", f"r{i}")["decision"] == "publish"
    decide(client, auth, "r0", "reject", "abusive")
    assert client.get("/api/v1/authors/rex", headers=auth).json()["status"] == "active"
    decide(client, auth, "r1", "reject", "abusive")  # 2 of 3 rejected: 67 % ≥ 50 %
    rex = client.get("/api/v1/authors/rex", headers=auth).json()
    why = "rejection rate 67% ≥ 50%: 2 of 3 comments rejected in 30 days"
    assert (rex["status"], rex["set_by"], rex["reason"]) == ("premoderated", "policy", why)
    assert rex["actions"][0]["action"] == "premoderate" and rex["actions"][0]["actor"] == "policy"
    audit = client.get("/api/v1/audit", params={"action": "author.premoderate"},
                       headers=auth).json()["items"]
    assert [(e["actor"], e["subject_id"]) for e in audit] == [("policy", "rex")]
    (event,) = webhook_events(app)
    assert event["event"] == "author.premoderated" and event["author"]["status"] == \
        "premoderated" and event["action"]["reason"] == why
    held = post(client, auth, "Another thought on the budget.", "rex")
    assert held["decision"] == "review" and held["reasons"] == [f"author is premoderated ({why})"]
    # reinstated: a clean slate, older comments no longer count against them
    assert act(client, auth, "rex", action="reinstate", reason="talked to them").status_code == 201
    decide(client, auth, "r2", "reject", "abusive")
    assert client.get("/api/v1/authors/rex", headers=auth).json()["status"] == "active"
    assert post(client, auth, "One more thought.", "rex")["decision"] == "publish"


def test_a_sites_word_lists_reject_and_hold_and_links_wait_if_the_site_wants(
        app, client, auth) -> None:
    link = "Read more at www.example.com about the budget"
    assert post(client, auth, link, "lou")["decision"] == "publish"
    set_rules(app, banned_words=("buy followers",), suspect_words=("turnips",), hold_links=True)
    banned = post(client, auth, "Buy followers cheap today", "lou")
    assert banned["decision"] == "reject"
    assert banned["reasons"][0] == "banned word: 'buy followers' → reject"
    suspect = post(client, auth, "I really do not like turnips", "lou")
    assert (suspect["decision"], suspect["reasons"]) == (
        "review", ["suspect word: 'turnips' → review"])
    linked = post(client, auth, link, None)
    assert (linked["decision"], linked["reasons"]) == (
        "review", ["contains a link; this site holds links for a person"])
    assert post(client, auth, BENIGN[0], "lou")["decision"] == "publish"


# --------------------------------------------------------------------------- moderators act


def test_a_premoderated_author_is_held_at_most_and_a_rejection_stays_a_rejection(
        app, client, auth) -> None:
    with_webhook(app)
    assert post(client, auth, BENIGN[0], "ann")["decision"] == "publish"
    r = act(client, auth, "ann", action="premoderate", reason="abusive all week")
    assert r.status_code == 201, r.text
    assert r.json()["author"]["status"] == "premoderated"
    held = post(client, auth, BENIGN[1], "ann")
    assert held["decision"] == "review"
    assert held["reasons"] == ["author is premoderated (by apikey:tests: abusive all week)"]
    threat = post(client, auth, THREAT, "ann")
    assert threat["decision"] == "reject" and threat["reasons"][0].startswith("threat")
    assert threat["reasons"][-1].startswith("author is premoderated")
    assert [e["event"] for e in webhook_events(app)] == ["author.premoderated"]
    act(client, auth, "ann", action="reinstate")
    assert post(client, auth, BENIGN[2], "ann")["decision"] == "publish"


def test_a_ban_rejects_their_held_comments_and_everything_they_send_after(
        app, client, auth) -> None:
    with_webhook(app)
    assert post(client, auth, INSULT, "sam", "s1")["status"] == "review"
    assert post(client, auth, BENIGN[0], "sam", "s2")["status"] == "publish"
    r = act(client, auth, "sam", action="ban", reason="spam account", reject_pending=True,
            reason_code="spam")
    assert r.status_code == 201, r.text
    assert r.json()["action"]["details"] == {"previous": "active", "rejected": 1,
                                             "rejected_ids": ["s1"]}
    s1 = client.get("/api/v1/comments/s1", headers=auth).json()
    assert s1["status"] == "reject"
    assert s1["decisions"][-1] | {"id": 0, "created_at": ""} == {
        "id": 0, "source": "human", "action": "reject", "reason": "spam: author banned (spam "
        "account)", "actor": "apikey:tests", "created_at": ""}
    assert client.get("/api/v1/comments/s2", headers=auth).json()["status"] == "publish"
    after = post(client, auth, BENIGN[1], "sam")
    assert (after["decision"], after["reasons"]) == (
        "reject", ["author is banned (by apikey:tests: spam account)"])
    actions = {e["action"] for e in client.get("/api/v1/audit", headers=auth).json()["items"]}
    assert {"author.ban", "comment.decision"} <= actions
    (banned,) = webhook_events(app)
    assert banned["event"] == "author.banned" and banned["action"]["rejected"] == 1
    decisions = webhook_events(app, "comment.")
    assert any(d["comment"]["id"] == "s1" and d["decision"]["reason"].startswith("spam")
               for d in decisions)


def test_a_suspension_rejects_until_it_ends(app, client, auth) -> None:
    post(client, auth, BENIGN[0], "tom")
    r = act(client, auth, "tom", action="suspend", days=3, reason="threats")
    until = datetime.fromisoformat(r.json()["author"]["until"])
    assert timedelta(days=2, hours=23) < until - datetime.now(UTC) <= timedelta(days=3)
    during = post(client, auth, BENIGN[1], "tom")
    assert during["decision"] == "reject"
    assert during["reasons"][0].startswith("author is suspended until ")
    assert during["reasons"][0].endswith("(by apikey:tests: threats)")
    with app.state.store.session() as db:  # three days later
        db.execute(update(AuthorRow).where(AuthorRow.name == "tom")
                   .values(status_until=datetime.now(UTC) - timedelta(minutes=1)))
        db.commit()
    assert post(client, auth, BENIGN[2], "tom")["decision"] == "publish"
    assert client.get("/api/v1/authors/tom", headers=auth).json()["status"] == "active"


def test_an_authors_history_counts_decisions_and_keeps_rejections_warnings_and_actions(
        app, client, auth) -> None:
    with_webhook(app)
    post(client, auth, BENIGN[0], "kim", "k1")
    post(client, auth, INSULT, "kim", "k2")
    post(client, auth, THREAT, "kim", "k3")
    decide(client, auth, "k2", "reject", "abusive: name-calling")
    r = act(client, auth, "kim", action="warn", reason="keep it civil")
    assert r.status_code == 201
    kim = client.get("/api/v1/authors/kim", headers=auth).json()
    assert kim["counts"] == {"pending": 0, "publish": 1, "review": 0, "reject": 2, "failed": 0}
    assert (kim["comments"], kim["warnings"], kim["status"]) == (3, 1, "active")
    recent = {c["id"]: c for c in kim["recent_rejections"]}
    assert recent["k2"]["reason"] == "abusive: name-calling" and recent["k2"]["source"] == \
        "human"
    assert recent["k3"]["source"] == "model" and "threat" in recent["k3"]["reason"]
    assert kim["next_comment"] == {"at_most": None, "reason": None}
    assert [(a["action"], a["reason"]) for a in kim["actions"]] == [("warn", "keep it civil")]
    (warned,) = webhook_events(app)
    assert warned["event"] == "author.warned" and warned["author"] == {
        "id": "kim", "status": "active", "until": None, "warnings": 1}
    listed = client.get("/api/v1/authors", params={"status": "warned"}, headers=auth).json()
    assert [a["author"] for a in listed["items"]] == ["kim"]
    assert client.get("/api/v1/authors", params={"status": "restricted"},
                      headers=auth).json()["total"] == 0


def test_actions_with_wrong_arguments_are_refused_and_change_nothing(app, client, auth) -> None:
    post(client, auth, BENIGN[0], "val")
    for body in ({"action": "suspend"}, {"action": "suspend", "days": 0},
                 {"action": "delete"}, {"action": "ban", "days": 3},
                 {"action": "warn", "reject_pending": True}, {"action": "warn", "reason": "\ud800"},
                 {"action": "warn", "colour": "red"}):
        r = act(client, auth, "val", **body)
        assert r.status_code == 400, (body, r.text)
    assert act(client, auth, "x" * 256, action="warn").status_code == 400
    assert act(client, auth, "nobody-here", action="ban").status_code == 404
    val = client.get("/api/v1/authors/val", headers=auth).json()
    assert (val["status"], val["warnings"], val["actions"]) == ("active", 0, [])


# --------------------------------------------------------------------------- sites


def test_a_key_sees_and_acts_on_its_own_sites_commenters_only(app, client) -> None:
    keys = {}
    with app.state.store.session() as db:
        for site in ("alpha", "beta"):
            key, _ = acc.create_api_key(db, site, scopes="score read moderate", site=site)
            keys[site] = {"Authorization": f"Bearer {key}"}
    alpha, beta = keys["alpha"], keys["beta"]
    post(client, alpha, THREAT, "shared-name")
    post(client, alpha, BENIGN[0], "alpha-only")
    post(client, beta, BENIGN[1], "shared-name")
    mine = client.get("/api/v1/authors/shared-name", headers=beta).json()
    assert (mine["site"], mine["comments"], mine["counts"]["reject"]) == ("beta", 1, 0)
    for r in (client.get("/api/v1/authors/alpha-only", headers=beta),
              client.get("/api/v1/authors/shared-name", params={"site": "alpha"}, headers=beta),
              act(client, beta, "alpha-only", action="ban")):
        assert r.status_code == 404 and "alpha-only" not in r.text and "THREAT" not in r.text
    assert act(client, beta, "shared-name", action="ban").status_code == 201
    theirs = client.get("/api/v1/authors/shared-name", headers=alpha).json()
    assert (theirs["status"], theirs["counts"]["reject"]) == ("active", 1)
    assert post(client, alpha, BENIGN[2], "shared-name")["decision"] == "publish"
    assert [a["author"] for a in client.get("/api/v1/authors", headers=beta).json()["items"]] \
        == ["shared-name"]
    # a moderator's session works across sites and names the one it means
    csrf = sign_in(app, client, "mo", "moderator")
    assert client.get("/api/v1/authors/shared-name", params={"site": "alpha"}).json()["site"] \
        == "alpha"
    r = client.post("/api/v1/authors/alpha-only/actions", params={"site": "alpha"},
                    json={"action": "warn"}, headers=csrf)
    assert r.status_code == 201 and r.json()["author"]["warnings"] == 1


def test_an_admin_sets_a_sites_rules_through_the_api_and_they_are_audited(app, client) -> None:
    csrf = sign_in(app, client, "root", "admin")
    body = {"new_author_approvals": 3, "rejection_rate": 0.4, "hold_links": True,
            "banned_words": ["Buy  followers", "buy followers", " "], "suspect_words": ["vermin"]}
    r = client.put("/api/v1/admin/sites/default/rules", json=body, headers=csrf)
    assert r.status_code == 200, r.text
    assert r.json() == {"site": "default", "new_author_approvals": 3, "rejection_rate": 0.4,
                        "rejection_window_days": 30, "rejection_min_comments": 5,
                        "hold_links": True, "banned_words": ["Buy followers"],
                        "suspect_words": ["vermin"]}
    assert client.get("/api/v1/admin/sites/default/rules").json() == r.json()
    (entry,) = client.get("/api/v1/audit", params={"action": "site.rules"}).json()["items"]
    assert entry["actor"] == "root" and entry["details"]["banned_words"] == {
        "added": ["Buy followers"], "removed": []}
    for bad in ({"rejection_rate": 1.5}, {"banned_words": ["x" * 101]},
                {"suspect_words": ["\ud800"]}, {"holdlinks": True}):
        r = client.put("/api/v1/admin/sites/default/rules", content=json.dumps(bad),
                       headers={**csrf, "Content-Type": "application/json"})
        assert r.status_code == 400, (bad, r.text)
    assert client.put("/api/v1/admin/sites/nowhere/rules", json={},
                      headers=csrf).status_code == 404
    assert client.get("/api/v1/admin/sites/default/rules").json()["new_author_approvals"] == 3


def test_coral_commenters_are_premoderated_and_banned_here_like_anyone(coral: Coral) -> None:
    """Coral sends its author's id with each comment: what Civility's moderators decide about
    that author reaches Coral's next answer (PREMOD holds it in Coral's queue)."""
    author = "baf4e943-3594-4fcc-b2ba-3e8de7a76352"
    benign = coral_request("<p>Thanks for the careful reporting on the rail vote.</p>",
                           author=author)
    assert coral.send(benign).status_code == 204

    def act_on(**body: Any) -> None:
        r = httpx.post(f"{coral.base}/api/v1/authors/{author}/actions", json=body,
                       headers={"Authorization": f"Bearer {coral.key}"}, timeout=60)
        assert r.status_code == 201, r.text

    act_on(action="premoderate", reason="argues in bad faith")
    held = coral.send(benign).json()
    assert held == {"status": "PREMOD", "actions": [], "tags": []}
    act_on(action="ban")
    rejected = coral.send(benign).json()
    assert rejected["status"] == "REJECTED"
    assert_coral_accepts(rejected)
    history = coral.api(f"/api/v1/authors/{author}")
    assert history["counts"]["publish"] == 1 and history["counts"]["review"] == 1
    assert history["counts"]["reject"] == 1
