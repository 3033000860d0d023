"""One client's bad input never fails another's request, nothing is left pending for good, and
each comment is scored, decided and announced exactly once: on SQLite and PostgreSQL, under
concurrency, with the real model.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from civility.records import Comment
from civility.server.batcher import ScoringFailed, ScoringService
from civility.server.errors import ApiError
from civility.store import Store
from civility.store import accounts as acc
from civility.store import queries as q
from civility.store.models import CommentRow, Decision, Scoring, WebhookDelivery
from tests.test_api import Receiver

LONE = "x \ud800 y"  # JSON's "\ud800": a str no encoder, tokenizer or database accepts
PERSPECTIVE = "/v1alpha1/comments:analyze"


def key_header(app: Any, name: str) -> dict[str, str]:
    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, name, scopes="score read moderate")
    return {"Authorization": f"Bearer {key}"}


def post_json(client: TestClient, path: str, raw: str | bytes, headers: dict[str, str]) -> Any:
    """POST a body exactly as given (json= would refuse to encode a lone surrogate)."""
    return client.post(path, content=raw, headers={**headers,
                                                   "content-type": "application/json"})


def count(store: Store, model: Any) -> int:
    with store.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


# --------------------------------------------------------------------------- the edge


@pytest.mark.parametrize(("path", "raw", "where"), [
    ("/v1/moderations", '{"input": "x \\ud800"}', "input[0] has a lone UTF-16 surrogate"),
    ("/v1/moderations", '{"input": ["fine", "x \\udfff"]}', "input[1] has a lone"),
    ("/v1/moderations", b'{"input": "raw \xed\xa0\x80 bytes"}', "input[0] has a lone"),
    ("/api/v1/comments", '{"id": "c1", "text": "x \\ud800"}', "text: has a lone"),
    ("/api/v1/comments", '{"comments": [{"id": "c1", "text": "fine"}, '
                         '{"id": "c2", "text": "x \\ud800"}]}', "comments.1.text: has a lone"),
    ("/api/v1/comments", '{"id": "c\\ud800", "text": "fine"}', "id: has a lone"),
    ("/api/v1/comments", '{"id": "c1", "text": "fine", "author": "\\udc00"}', "author: has a"),
    ("/api/v1/comments", '{"id": "c1", "text": "fine", "article": {"id": "a1", '
                         '"text": "story \\ud800"}}', "article.text: has a lone"),
    (PERSPECTIVE, '{"comment": {"text": "x \\ud800"}, "requestedAttributes": {"TOXICITY": {}}}',
     "comment.text has a lone"),
    (PERSPECTIVE, '{"comment": {"text": "x \\ud800"}, "doNotStore": true, '
                  '"requestedAttributes": {"TOXICITY": {}}}', "comment.text has a lone"),
    (PERSPECTIVE, '{"comment": {"text": "fine"}, "context": {"entries": [{"text": "\\ud800"}]},'
                  ' "requestedAttributes": {"TOXICITY": {}}}', "context.entries[0].text has a"),
    (PERSPECTIVE, '{"comment": {"text": "fine"}, "requestedAttributes": {"\\ud800": {}}}',
     "a key in requestedAttributes has a lone"),
    (PERSPECTIVE, '{"comment": {"text": "fine"}, "languages": ["\\udbff"], '
                  '"requestedAttributes": {"TOXICITY": {}}}', "languages[0] has a lone"),
])
def test_text_that_is_not_valid_unicode_is_a_400_naming_the_field_and_nothing_is_stored(
        app, path: str, raw: str | bytes, where: str) -> None:
    auth = key_header(app, "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        r = post_json(client, path, raw, auth)
    assert r.status_code == 400, r.text
    assert where in r.json()["error"]["message"]
    assert count(app.state.store, CommentRow) == 0


def test_one_clients_malformed_requests_never_fail_other_clients_in_the_same_batch(
        make_app) -> None:
    app = make_app(batch_window_ms=300)  # everything below lands in one or two batches
    good, bad = key_header(app, "newsroom"), key_header(app, "prankster")
    statuses: dict[str, int] = {}
    with TestClient(app, raise_server_exceptions=False) as client:
        def call(name: str, path: str, raw: str, headers: dict[str, str]) -> None:
            statuses[name] = post_json(client, path, raw, headers).status_code

        calls = [(f"good-openai-{i}", "/v1/moderations", json.dumps({"input": f"text {i}"}),
                  good) for i in range(4)]
        calls += [(f"good-native-{i}", "/api/v1/comments",
                   json.dumps({"id": f"c{i}", "text": f"comment {i}"}), good) for i in range(2)]
        calls += [("good-perspective", PERSPECTIVE, json.dumps(
            {"comment": {"text": "fine"}, "requestedAttributes": {"TOXICITY": {}}}), good)]
        calls += [(f"bad-openai-{i}", "/v1/moderations", '{"input": "x \\ud800"}', bad)
                  for i in range(3)]
        calls += [("bad-native", "/api/v1/comments", '{"id": "b", "text": "x \\ud800"}', bad),
                  ("bad-perspective", PERSPECTIVE, '{"comment": {"text": "\\ud800"}, '
                   '"requestedAttributes": {"TOXICITY": {}}}', bad)]
        threads = [threading.Thread(target=call, args=c) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {n: s for n, s in statuses.items() if n.startswith("good")} == {
            c[0]: 200 for c in calls if c[0].startswith("good")}
        assert {n: s for n, s in statuses.items() if n.startswith("bad")} == {
            c[0]: 400 for c in calls if c[0].startswith("bad")}
        with app.state.store.session() as db:
            assert q.counts_by_status(db)["pending"] == 0


def test_a_comment_the_model_cannot_score_fails_only_its_own_request(db_url, moderator) -> None:
    """Inside a batch: the model raises on one comment; every other request in the same batch
    gets its verdicts (and its saved decision), and the failure is kept with the comment."""
    store = Store(db_url)
    with store.writing() as db:
        ok, doomed = (a.id for a in q.accept_comments(
            db, 1, [q.NewComment("ok", "thanks for the story"), q.NewComment("doomed", "hi")]))

    def save(pairs: list[Any], policy: str) -> None:
        with store.writing() as db:
            q.store_verdicts(db, pairs, policy=policy)

    def record(failures: list[tuple[int, str]]) -> None:
        with store.writing() as db:
            q.record_scoring_errors(db, failures)

    async def run() -> list[Any]:
        service = ScoringService(moderator, window_ms=300, persist=save,
                                 record_failures=record)
        await service.start()
        try:
            return await asyncio.gather(
                service.moderate([Comment("ok", "thanks for the story")], store_ids=[ok]),
                service.moderate([Comment("bad", LONE)]),
                service.moderate([Comment("a", "fine"), Comment("b", LONE)]),
                service.moderate([Comment("doomed", LONE)], store_ids=[doomed]),
                service.moderate([Comment("c", "another fine one")]),
                return_exceptions=True)
        finally:
            await service.stop()

    stored_ok, alone, second_of_two, stored_bad, last = asyncio.run(run())
    assert len(stored_ok) == 1 and len(last) == 1 and last[0].decision
    assert isinstance(alone, ScoringFailed) and alone.index == 0
    assert isinstance(second_of_two, ScoringFailed) and second_of_two.index == 1
    assert isinstance(stored_bad, ApiError) and stored_bad.status == 500
    assert "will be scored again" in stored_bad.message
    with store.session() as db:
        assert q.comment_detail(db, ok).status == stored_ok[0].decision
        failed = q.comment_detail(db, doomed)
        assert failed.status == "pending" and failed.scoring_error.startswith("TypeError")
        assert failed.to_dict()["scoring_error"] == failed.scoring_error
    store.close()


# --------------------------------------------------------------------------- pending comments


def wait_for(predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)


def test_a_comment_left_pending_while_the_server_runs_is_scored_without_a_restart(
        make_app) -> None:
    app = make_app(pending_retry_s=0.2)
    store: Store = app.state.store
    with TestClient(app):
        # Accepted, then its request died before scoring: nothing will come back for it.
        with store.writing() as db:
            cid = q.accept_comments(db, 1, [q.NewComment("orphan", "hello there")])[0].id

        def scored() -> bool:
            with store.session() as db:
                return q.comment_detail(db, cid).status != "pending"

        wait_for(scored)
    with store.session() as db:
        detail = q.comment_detail(db, cid)
        assert detail.status in ("publish", "review", "reject") and detail.model_version
        assert len(detail.decisions) == 1


def test_a_comment_that_keeps_failing_is_retried_a_bounded_number_of_times_then_failed(
        db_url) -> None:
    store = Store(db_url)
    with store.writing() as db:
        cid = q.accept_comments(db, 1, [q.NewComment("c1", "hello")])[0].id  # attempt 1
    t0 = datetime.now(UTC)
    with store.writing() as db:
        # Its own request is still within its lease: no sweep takes it.
        assert q.claim_pending(db, stale_before=t0 - timedelta(seconds=30), max_attempts=3) == []
        assert q.give_up_pending(db, stale_before=t0 - timedelta(seconds=30),
                                 max_attempts=1) == []
        t1, t2 = t0 + timedelta(minutes=1), t0 + timedelta(minutes=2)
        second = q.claim_pending(db, stale_before=t0 + timedelta(seconds=1), max_attempts=3,
                                 now=t1)
        assert [(p.id, p.external_id, p.text, p.attempt) for p in second] == [
            (cid, "c1", "hello", 2)]
        q.record_scoring_errors(db, [(cid, "TypeError: the tokenizer refused it")])
        assert q.claim_pending(db, stale_before=t1, max_attempts=3, now=t2) == []  # leased
        third = q.claim_pending(db, stale_before=t1 + timedelta(seconds=1), max_attempts=3,
                                now=t2)
        assert [p.attempt for p in third] == [3]
        later = t2 + timedelta(seconds=1)
        assert q.claim_pending(db, stale_before=later, max_attempts=3) == []  # all used
        assert q.give_up_pending(db, stale_before=t2, max_attempts=3) == []  # lease running
        assert q.give_up_pending(db, stale_before=later, max_attempts=3) == [cid]
        assert q.give_up_pending(db, stale_before=later, max_attempts=3) == []
    with store.session() as db:
        detail = q.comment_detail(db, cid)
        assert detail.status == "failed"
        assert detail.scoring_error == "TypeError: the tokenizer refused it"
        assert q.counts_by_status(db)["failed"] == 1
        assert [i.id for i in q.review_queue(db, status="failed").items] == [cid]
        q.record_decision(db, cid, "publish", actor="alice")  # a moderator can still decide
        assert q.comment_detail(db, cid).status == "publish"
    store.close()


def test_concurrent_sweeps_never_claim_the_same_comment(db_url) -> None:
    """Several server processes sweep one database: each comment goes to exactly one."""
    store = Store(db_url)
    with store.writing() as db:
        q.accept_comments(db, 1, [q.NewComment(f"c{i}", "hello") for i in range(40)])
    stale, claim_time = (datetime.now(UTC) + timedelta(seconds=1),
                         datetime.now(UTC) + timedelta(hours=1))
    sweepers = [Store(db_url, run_migrations=False) for _ in range(4)]
    claimed: list[int] = []
    barrier = threading.Barrier(len(sweepers))

    def sweep(s: Store) -> None:
        barrier.wait()
        while True:
            with s.session() as db:  # no in-process lock: the database must arbitrate
                got = q.claim_pending(db, stale_before=stale, max_attempts=5, limit=3,
                                      now=claim_time)
            if not got:
                return
            claimed.extend(p.id for p in got)

    threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 40 and len(set(claimed)) == 40
    for s in (store, *sweepers):
        s.close()


# --------------------------------------------------------------------------- exactly once


def test_a_comment_is_scored_and_announced_once_however_often_a_verdict_arrives(
        db_url, moderator) -> None:
    store = Store(db_url)
    with store.writing() as db:
        q.set_site_webhook(db, "default", "http://127.0.0.1:9/hook", "secret")
        cid = q.accept_comments(db, 1, [q.NewComment("c1", "You are an idiot.")])[0].id
    verdict = moderator.moderate([Comment("c1", "You are an idiot.")])[0]
    barrier = threading.Barrier(4)
    saved: list[list[int]] = []

    def save() -> None:
        s = Store(db_url, run_migrations=False)
        barrier.wait()
        with s.session() as db:  # separate engines, no in-process lock: real contention
            saved.append(q.store_verdicts(db, [(cid, verdict), (cid, verdict)]))
        s.close()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(saved) == [[], [], [], [cid]]
    assert count(store, Scoring) == 1 and count(store, Decision) == 1
    assert count(store, WebhookDelivery) == 1
    store.close()


def test_concurrent_duplicates_are_scored_once_and_delivered_once(make_app) -> None:
    receiver = Receiver(failures=0)
    app = make_app(batch_window_ms=150)
    store: Store = app.state.store
    auth = key_header(app, "k")
    with store.writing() as db:
        q.set_site_webhook(db, "default", receiver.url, "hook-secret")
    body = {"id": "dup-1", "text": "You people are idiots.", "article_id": "a1"}
    results: list[dict[str, Any]] = []
    try:
        with TestClient(app) as client:
            barrier = threading.Barrier(8)

            def send() -> None:
                barrier.wait()
                r = client.post("/api/v1/comments", json=body, headers=auth)
                assert r.status_code == 200, r.text
                results.append(r.json())

            threads = [threading.Thread(target=send) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            def delivered() -> bool:
                with store.session() as db:
                    return db.scalar(select(func.count()).select_from(WebhookDelivery)
                                     .where(WebhookDelivery.delivered_at.is_not(None))) == 1

            wait_for(delivered)
        assert len(results) == 8
        first = [r for r in results if not r["duplicate"]]
        assert len(first) == 1 and first[0]["decision"] in ("publish", "review", "reject")
        for r in results:  # a duplicate answers the first copy's result (or, racing it, pending)
            assert r["status"] in (first[0]["decision"], "pending")
            if r["status"] != "pending":
                assert r["attributes"] == first[0]["attributes"]
        assert count(store, Scoring) == 1 and count(store, Decision) == 1
        with store.session() as db:
            assert sum(d.count for d in q.decisions_per_day(db)) == 1
        assert count(store, WebhookDelivery) == 1
        assert len(receiver.requests) == 1
    finally:
        receiver.close()


def test_two_webhook_workers_on_one_database_send_each_delivery_once(db_url) -> None:
    """Two server processes share the outbox: a due delivery is claimed by one of them."""
    from civility.server.webhooks import WebhookWorker

    receiver = Receiver(failures=0)
    store = Store(db_url)
    with store.writing() as db:
        q.set_site_webhook(db, "default", receiver.url, "s")
        ids = [a.id for a in q.accept_comments(db, 1, [q.NewComment(f"c{i}", "hi")
                                                       for i in range(10)])]
    with store.writing() as db:
        q.record_decisions(db, ids, "publish", actor="alice")

    def all_delivered() -> bool:
        with store.session() as db:
            return db.scalar(select(func.count()).select_from(WebhookDelivery)
                             .where(WebhookDelivery.delivered_at.is_(None))) == 0

    async def both() -> None:
        workers = [WebhookWorker(Store(db_url, run_migrations=False), poll_s=0.05)
                   for _ in range(2)]
        for w in workers:  # each polls the outbox on its own, like two server processes
            await w.start()
        try:
            await asyncio.gather(*(w.run_once(limit=100) for w in workers))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not await asyncio.to_thread(all_delivered):
                await asyncio.sleep(0.05)
        finally:
            for w in workers:
                await w.stop()
                w.store.close()

    try:
        asyncio.run(both())
        sent = [h["x-civility-delivery"] for h, _, _ in receiver.requests]
        assert len(sent) == 10 and len(set(sent)) == 10
    finally:
        receiver.close()
        store.close()


def test_moderators_find_a_comment_that_could_not_be_scored_and_see_why(make_app) -> None:
    app = make_app(rescore_pending=False)
    store: Store = app.state.store
    with store.writing() as db:
        acc.create_moderator(db, "mod", "a long enough password")
        cid = q.accept_comments(db, 1, [q.NewComment("c1", "hello")])[0].id
        q.record_scoring_errors(db, [(cid, "TypeError: the tokenizer refused it")])
        q.give_up_pending(db, stale_before=datetime.now(UTC) + timedelta(seconds=1),
                          max_attempts=1)
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        r = client.post("/login", data={"username": "mod", "password": "a long enough password",
                                        "csrf_token": token, "next": "/queue"})
        assert r.status_code == 303, r.text
        queue = client.get("/queue?status=failed").text
        assert f'id="c-{cid}"' in queue and "Not scored" in queue
        detail = client.get(f"/comments/{cid}").text
        assert "The model could not score this comment: TypeError: the tokenizer refused it" \
            in detail
        assert "Could not be scored" in client.get("/dashboard").text
