"""Coral Talk's external moderation phase, spoken the way Coral speaks it.

Requests are built as Coral builds them (coralproject/talk, ``server/src/core/server/services/
comments/pipeline/phases/external.ts``: the ``ExternalModerationRequest``; ``services/fetch/
fetch.ts``: the body is ``JSON.stringify(request, null, 2)`` and ``X-Coral-Signature`` is
``sha256=<hex HMAC-SHA256 of that body>`` per active secret, comma-separated, from
``models/settings/signingSecret/helpers.ts``) and sent over HTTP to a live server. Answers
are checked against what Coral's ``validateResponse`` (Joi) accepts, since Coral drops a
whole response that has one value outside its lists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from civility.server.coral import PATH, plain_text, signatures
from civility.store import queries as q
from civility.store.accounts import create_api_key
from tests.helpers import live_server

#: What Coral's Joi schema allows in a response (external.ts, ExternalModerationResponseSchema).
CORAL_STATUSES = {"NONE", "APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"}
CORAL_FLAG_REASONS = {"COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"}
CORAL_TAGS = {"FEATURED", "STAFF"}


def coral_secret() -> str:
    """A secret as Coral generates one for a phase: ``empsec_`` + 32-37 random bytes in hex."""
    return "empsec_" + secrets.token_hex(32 + secrets.randbelow(5))


def coral_request(body: str, *, parent: str | None = None, action: str = "NEW",
                  story: str = "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6",
                  url: str = "https://news.example.com/2025/rail-vote/",
                  author: str = "baf4e943-3594-4fcc-b2ba-3e8de7a76352") -> bytes:
    """The bytes Coral sends: its request object, ``JSON.stringify(request, null, 2)``."""
    request = {
        "action": action,
        "comment": {"body": body, "parentID": parent},
        "author": {"id": author, "role": "COMMENTER"},
        "story": {"id": story, "url": url},
        "site": {"id": "a4bede88-2d2c-4424-bc18-4322a9e285a6"},
        "tenantID": "19ba5794-7eeb-4d46-a81b-c00c61672501",
        "tenantDomain": "talk.example.com",
    }
    return json.dumps(request, indent=2, ensure_ascii=False).encode()


def coral_signature(body: bytes, *keys: str) -> str:
    """Coral's ``generateSignatures``: one ``sha256=<hex>`` per active secret, joined by ','."""
    return ",".join("sha256=" + hmac.new(k.encode(), body, hashlib.sha256).hexdigest()
                    for k in keys)


def assert_coral_accepts(answer: dict[str, Any]) -> None:
    assert set(answer) <= {"status", "actions", "tags", "moderationAction"}, answer
    assert answer.get("status", "NONE") in CORAL_STATUSES
    for action in answer.get("actions", []):
        assert action["actionType"] == "FLAG" and action["reason"] in CORAL_FLAG_REASONS
    assert set(answer.get("tags", [])) <= CORAL_TAGS


@dataclass
class Coral:
    """A live Civility with the default site connected to a Coral phase."""

    base: str
    secret: str
    key: str  # an API key of the default site, to look at what was stored
    app: Any

    def send(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/9.0.0"}
        if signature == "sign":
            signature = coral_signature(body, self.secret)
        if signature is not None:
            headers["X-Coral-Signature"] = signature
        return httpx.post(self.base + PATH, content=body, headers=headers, timeout=60)

    def api(self, path: str, key: str | None = None) -> dict[str, Any]:
        r = httpx.get(self.base + path, headers={"Authorization": f"Bearer {key or self.key}"},
                      timeout=60)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def coral(app) -> Iterator[Coral]:
    secret = coral_secret()
    with app.state.store.session() as db:
        q.set_site_coral(db, "default", [secret])
        key, _ = create_api_key(db, "desk", scopes="read moderate")
    with live_server(app) as base:
        yield Coral(base, secret, key, app)


# --------------------------------------------------------------------------- decisions


def test_a_signed_toxic_comment_is_withheld_and_flagged_as_coral_expects(coral) -> None:
    r = coral.send(coral_request("<div>You are a complete idiot.</div>"))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer == {"status": "SYSTEM_WITHHELD", "tags": [], "actions": [
        {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}
    assert_coral_accepts(answer)


def test_a_harmless_comment_gets_no_opinion(coral) -> None:
    r = coral.send(coral_request("<p>Thanks for the careful reporting on the rail vote.</p>"))
    assert r.status_code == 204 and r.content == b""


def test_spam_is_flagged_as_spam(coral) -> None:
    r = coral.send(coral_request("EARN MONEY FAST!!! Visit www.cash-now.biz www.cash-now.biz "
                                 "www.cash-now.biz for FREE crypto"))
    answer = r.json()
    assert answer["status"] == "SYSTEM_WITHHELD"
    assert answer["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}]
    assert_coral_accepts(answer)


def test_a_threat_is_rejected(coral) -> None:
    answer = coral.send(coral_request("I will find you and hurt you.")).json()
    assert answer["status"] == "REJECTED"
    assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"} in answer["actions"]
    assert_coral_accepts(answer)


# --------------------------------------------------------------------------- signatures


def test_an_unsigned_request_is_refused_and_nothing_is_stored(coral) -> None:
    r = coral.send(coral_request("You are a complete idiot."), signature=None)
    assert r.status_code == 401
    assert "X-Coral-Signature" in r.json()["error"]["message"]
    assert coral.api("/api/v1/queue?status=all")["total"] == 0


def test_a_wrong_or_stale_signature_is_refused(coral) -> None:
    body = coral_request("You are a complete idiot.")
    assert coral.send(body, signature=coral_signature(body, coral_secret())).status_code == 403
    tampered = body.replace(b"complete idiot", b"fine fellow!!")
    assert coral.send(tampered, signature=coral_signature(body, coral.secret)).status_code == 403
    assert coral.send(body, signature="sha1=" + "0" * 40).status_code == 401
    assert coral.api("/api/v1/queue?status=all")["total"] == 0


def test_while_coral_rotates_a_secret_either_signature_is_enough(coral) -> None:
    """Coral signs with every active secret; Civility may know only the new one yet."""
    retired = coral_secret()
    body = coral_request("You are a complete idiot.")
    r = coral.send(body, signature=coral_signature(body, retired, coral.secret))
    assert r.status_code == 200
    with coral.app.state.store.session() as db:  # and Civility may hold both meanwhile
        q.set_site_coral(db, "default", [retired, coral.secret])
    assert coral.send(body, signature=coral_signature(body, retired)).status_code == 200


def test_a_signed_but_malformed_request_is_a_400(coral) -> None:
    for broken in (b'{"action": "NEW"', json.dumps({"action": "DELETE"}).encode(),
                   json.dumps({"action": "NEW", "comment": {"body": 5}}).encode()):
        r = coral.send(broken)
        assert r.status_code == 400, r.text


def test_a_site_not_connected_to_coral_accepts_nothing(app) -> None:
    from fastapi.testclient import TestClient

    body = coral_request("hello")
    with TestClient(app) as client:
        r = client.post(PATH, content=body,
                        headers={"X-Coral-Signature": coral_signature(body, coral_secret())})
    assert r.status_code == 403 and "civility site coral" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- storing


def test_coral_comments_are_stored_under_the_site_whose_secret_signed_them(coral) -> None:
    other = coral_secret()
    with coral.app.state.store.session() as db:
        q.set_site_coral(db, "evening-paper", [other])
        evening_key, _ = create_api_key(db, "evening", scopes="read", site="evening-paper")
    body = coral_request("<p>You are a complete idiot.</p>", story="story-9",
                         url="https://evening.example.com/story-9", author="user-42",
                         parent="d79b787f-f406-49a0-a179-72e3652e54be")
    assert coral.send(body, signature=coral_signature(body, other)).status_code == 200
    assert coral.api("/api/v1/queue?status=all")["total"] == 0  # not the default site's
    [item] = coral.api("/api/v1/queue", key=evening_key)["items"]  # held: in the queue
    assert item["text"] == "You are a complete idiot." and item["author"] == "user-42"
    assert item["article"] == {"id": "story-9", "title": None}
    comment = coral.api(f"/api/v1/comments/{item['id']}", key=evening_key)
    assert comment["origin"] == "coral" and comment["queued"] is True
    assert [d["action"] for d in comment["decisions"]] == ["review"]
    articles = coral.api("/api/v1/articles", key=evening_key)["items"]
    assert [(a["id"], a["held"]) for a in articles] == [("story-9", 1)]


def test_coral_moderators_feedback_finds_the_comment_its_phase_sent(coral) -> None:
    """Coral's Perspective listener sends suggestscore after each decision, with the text
    made by its getHTMLPlainText and the story URL plus ?commentID=."""
    html = "<p>First line.</p><p>You are a complete idiot.</p>"
    story_url = "https://news.example.com/2025/rail-vote/"
    assert coral.send(coral_request(html, url=story_url)).status_code == 200
    with coral.app.state.store.session() as db:
        score_key, _ = create_api_key(db, "coral-perspective", scopes="score")
    feedback = {
        "comment": {"text": "First line.\nYou are a complete idiot."},
        "context": {"entries": [{"text": json.dumps({
            "url": f"{story_url}?commentID=c0ffee", "Coral_comment_id": "c0ffee"})}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "languages": ["en"], "communityId": "Coral:https://talk.example.com/",
        "clientToken": "comment:c0ffee"}
    r = httpx.post(f"{coral.base}/v1alpha1/comments:suggestscore?key={score_key}",
                   content=json.dumps(feedback), timeout=60,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["clientToken"] == "comment:c0ffee"
    [item] = coral.api("/api/v1/queue")["items"]
    comment = coral.api(f"/api/v1/comments/{item['id']}")
    [fb] = comment["feedback"]
    assert fb["client_token"] == "comment:c0ffee" and fb["scores"][0]["value"] == 1.0


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(("html", "text"), [
    # What Coral's getHTMLPlainText (common/lib/helpers/getHTMLPlainText.ts) makes of them.
    ("<p>First line.</p><p>Second line.</p>", "First line.\nSecond line."),
    ("Line one<br>Line two", "Line one\nLine two"),
    ("<div>Tom &amp; Jerry&#39;s <b>bold</b> take</div>", "Tom & Jerry's bold take"),
    ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
    ("  plain text, 3 < 4 and 5 > 2  ", "plain text, 3 < 4 and 5 > 2"),
])
def test_comment_bodies_are_read_as_coral_reads_them(html: str, text: str) -> None:
    assert plain_text(html) == text


def test_signature_headers_are_read_like_coral_documents() -> None:
    assert signatures("sha256=AB12, sha256=cd34,v0=ff") == ["ab12", "cd34"]
    assert signatures("") == [] and signatures("sha256=") == []


def test_the_site_coral_command_stores_the_secret_from_stdin(tmp_path) -> None:
    from click.testing import CliRunner

    from civility.server.cli import site_cmd
    from civility.store import Store

    db = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    secret = coral_secret()
    done = runner.invoke(site_cmd, ["coral", "default", "--secret-stdin", "--db", db,
                                    "--create"], input=f"{secret}\n")
    assert done.exit_code == 0, done.output
    assert secret not in done.output
    store = Store(db)
    try:
        with store.session() as session:
            assert q.coral_sites(session) == [(1, "default", (secret,))]
            [entry] = q.audit_log(session, action="site.coral").items
            assert secret not in json.dumps(entry.details)
    finally:
        store.close()
    empty = runner.invoke(site_cmd, ["coral", "default", "--secret-stdin", "--db", db],
                          input="\n")
    assert empty.exit_code != 0 and "no signing secret" in empty.output
    listed = runner.invoke(site_cmd, ["list", "--db", db])
    assert "coral:connected" in listed.output
    gone = runner.invoke(site_cmd, ["coral", "default", "--remove", "--db", db])
    assert gone.exit_code == 0 and "coral:-" in runner.invoke(site_cmd, ["list", "--db",
                                                                         db]).output
