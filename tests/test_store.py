"""Storage behaves the same on SQLite and PostgreSQL: schema, idempotent intake, verdicts,
decisions, the append-only audit log, queue filters, dashboard aggregates and accounts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from civility.records import ATTRIBUTES, Span, Target, Verdict
from civility.store import Store
from civility.store import accounts as acc
from civility.store import queries as q
from civility.store.db import normalize_url, schema_revision
from civility.store.models import (
    AttributeScore,
    AuditLog,
    CommentRow,
    Decision,
    SpanRow,
    TargetRow,
    WebhookDelivery,
)


def verdict(cid: str, text: str, decision: str = "review", *, toxicity: float = 0.7,
            insult: float = 0.2, targets: tuple[Target, ...] = (), spans: tuple[Span, ...] = ()
            ) -> Verdict:
    attrs = dict.fromkeys(ATTRIBUTES, 0.05)
    attrs.update(toxicity=toxicity, insult=insult)
    return Verdict(id=cid, text=text, attributes=attrs, targets=targets, spans=spans,
                   decision=decision, reasons=(f"toxicity {toxicity}",),  # type: ignore[arg-type]
                   model_version="test-model@1")


@pytest.fixture
def store(db_url: str) -> Store:
    s = Store(db_url)
    yield s
    s.close()


def add(store: Store, ext: str, text: str, *, article: int | None = None,
        created_at: datetime | None = None) -> int:
    with store.session() as db:
        return q.accept_comments(db, 1, [q.NewComment(ext, text, "reader", created_at)],
                                 article)[0].id


def score(store: Store, cid: int, v: Verdict, *, rescore: bool = False) -> None:
    with store.session() as db:
        q.store_verdicts(db, [(cid, v)], policy="news", rescore=rescore)


# --------------------------------------------------------------------------- schema


def _migration_heads() -> list[str]:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("civility.store") / "migrations"))
    return list(ScriptDirectory.from_config(config).get_heads())


def test_migrations_create_the_schema_and_running_them_again_changes_nothing(db_url: str) -> None:
    heads = _migration_heads()
    assert len(heads) == 1, f"migrations branch: {heads} (chain each one on the latest)"
    first = Store(db_url)
    assert schema_revision(first.engine) == heads[0]
    tables = set(sa.inspect(first.engine).get_table_names())
    assert {"articles", "comments", "scorings", "attribute_scores", "targets", "spans",
            "decisions", "audit_log", "moderators", "api_keys", "sites",
            "webhook_deliveries"} <= tables
    first.close()
    again = Store(db_url)
    assert schema_revision(again.engine) == heads[0]
    with again.session() as db:
        assert [s.name for s in q.list_sites(db)] == ["default"]
    again.close()


def test_the_sqlite_default_is_a_wal_file_created_on_first_use(tmp_path) -> None:
    path = tmp_path / "sub" / "fresh.db"
    store = Store(f"sqlite:///{path}")
    assert path.exists()
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_plain_paths_and_driverless_postgres_urls_are_accepted() -> None:
    assert normalize_url("data/civility.db") == "sqlite:///data/civility.db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


# --------------------------------------------------------------------------- intake


def test_an_accepted_comment_is_committed_before_it_is_scored(store: Store, db_url: str) -> None:
    cid = add(store, "c1", "first!")
    other = Store(db_url, run_migrations=False)  # another connection sees it immediately
    with other.session() as db:
        row = db.get(CommentRow, cid)
        assert row is not None and row.status == "pending" and row.scoring_id is None
    with other.writing() as db:  # and a sweep whose lease on it ran out could claim it
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert [p.id for p in q.claim_pending(db, stale_before=later, max_attempts=5)] == [cid]
    other.close()


def test_the_same_external_id_twice_is_stored_once(store: Store) -> None:
    with store.session() as db:
        first = q.accept_comments(db, 1, [q.NewComment("c1", "hello")])
        again = q.accept_comments(db, 1, [q.NewComment("c1", "changed text"),
                                          q.NewComment("c2", "new"), q.NewComment("c2", "dup")])
        assert first[0].created and not again[0].created and again[0].id == first[0].id
        assert [a.created for a in again] == [False, True, False]
        assert again[1].id == again[2].id
        assert db.scalar(select(func.count()).select_from(CommentRow)) == 2
        assert db.get(CommentRow, first[0].id).text == "hello"  # never overwritten


def test_external_ids_are_scoped_to_a_site(store: Store) -> None:
    with store.session() as db:
        other = q.get_site(db, "other", create=True).id
        db.commit()
        a = q.accept_comments(db, 1, [q.NewComment("c1", "x")])[0]
        b = q.accept_comments(db, other, [q.NewComment("c1", "y")])[0]
        assert a.created and b.created and a.id != b.id


def test_a_verdict_is_stored_with_scores_targets_spans_and_model_version(store: Store) -> None:
    with store.session() as db:
        aid = q.upsert_article(db, 1, "a1", title="Housing", text="Article text")
    cid = add(store, "c1", "Muslims are vermin", article=aid)
    v = verdict("c1", "Muslims are vermin", "reject", toxicity=0.9,
                targets=(Target("Muslims", "religion", "Muslims", 0, 7),),
                spans=(Span(12, 18, "dehumanization", "vermin", 0.8),))
    score(store, cid, v)
    with store.session() as db:
        d = q.comment_detail(db, cid)
        assert d is not None
        assert d.status == "reject" and d.model_decision == "reject"
        assert d.model_version == "test-model@1"
        assert d.attributes["toxicity"] == pytest.approx(0.9)
        assert list(d.attributes) == list(ATTRIBUTES)
        assert d.targets == (Target("Muslims", "religion", "Muslims", 0, 7),)
        assert d.spans[0].text == "vermin" and d.text[12:18] == "vermin"
        assert d.article_title == "Housing" and d.article_text == "Article text"
        assert [(x.source, x.action, x.actor) for x in d.decisions] == [
            ("model", "reject", "test-model@1")]
        assert db.scalar(select(func.count()).select_from(AttributeScore)) == len(ATTRIBUTES)
        assert db.scalar(select(func.count()).select_from(TargetRow)) == 1
        assert db.scalar(select(func.count()).select_from(SpanRow)) == 1


def test_a_verdict_keeps_the_language_of_its_comment(store: Store) -> None:
    cid = add(store, "c1", "Министр должен уйти в отставку.")
    v = verdict("c1", "Министр должен уйти в отставку.")
    score(store, cid, dataclasses.replace(v, language="ru"))
    with store.session() as db:
        d = q.comment_detail(db, cid)
        assert d is not None and d.language == "ru"
        assert d.to_dict()["language"] == "ru"


def test_a_stored_comment_serialises_as_the_verdict_that_was_saved(store: Store) -> None:
    cid = add(store, "c1", "Muslims are vermin")
    v = dataclasses.replace(
        verdict("c1", "Muslims are vermin", "reject", toxicity=0.912345,
                targets=(Target("Muslims", "religion", "Muslims", 0, 7),),
                spans=(Span(12, 18, "dehumanization", "vermin", 0.87654),)),
        language="en")
    score(store, cid, v)
    with store.session() as db:
        d = q.comment_detail(db, cid)
        assert d is not None
        assert d.as_verdict().to_dict(include_text=True) == v.to_dict(include_text=True)
        assert {k: d.to_dict()[k] for k in ("attributes", "targets", "spans")} == {
            k: v.to_dict()[k] for k in ("attributes", "targets", "spans")}


def test_rescoring_never_overrides_a_human_decision(store: Store) -> None:
    cid = add(store, "c1", "meh")
    score(store, cid, verdict("c1", "meh", "review"))
    with store.session() as db:
        q.record_decision(db, cid, "publish", actor="alice")
    score(store, cid, verdict("c1", "meh", "reject"), rescore=True)
    with store.session() as db:
        d = q.comment_detail(db, cid)
        assert d.status == "publish" and d.model_decision == "reject"


# --------------------------------------------------------------------------- decisions & audit


def test_a_human_decision_is_recorded_audited_and_queued_for_the_webhook(store: Store) -> None:
    with store.session() as db:
        q.set_site_webhook(db, "default", "http://127.0.0.1:9/hook", "s3cret")
    cid = add(store, "c1", "hmm")
    score(store, cid, verdict("c1", "hmm", "review"))
    with store.session() as db:
        record = q.record_decision(db, cid, "reject", actor="alice", reason="insult")
        assert (record.source, record.action, record.actor) == ("human", "reject", "alice")
        assert record.created_at.tzinfo is not None
        assert db.get(CommentRow, cid).status == "reject"
        entries = q.audit_log(db, action="comment.decision").items
        assert entries[0].actor == "alice" and entries[0].details["previous"] == "review"
        payloads = [w.payload for w in db.scalars(select(WebhookDelivery))]
        assert [p["decision"]["source"] for p in payloads] == ["model", "human"]
        assert payloads[1]["comment"] == {"id": "c1", "status": "reject", "article_id": None}


def test_unknown_comments_and_actions_are_refused(store: Store) -> None:
    cid = add(store, "c1", "x")
    with store.session() as db:
        with pytest.raises(q.NotFound):
            q.record_decision(db, 999_999, "publish", actor="a")
        with pytest.raises(ValueError, match="action"):
            q.record_decision(db, cid, "delete", actor="a")


def test_bulk_decisions_are_all_or_nothing(store: Store) -> None:
    ids = [add(store, f"c{i}", "x") for i in range(3)]
    with store.session() as db:
        with pytest.raises(q.NotFound):
            q.record_decisions(db, [*ids, 424242], "publish", actor="a")
        assert db.scalar(select(func.count()).select_from(Decision)) == 0
        records = q.record_decisions(db, ids, "publish", actor="a")
        assert len(records) == 3 and q.counts_by_status(db)["publish"] == 3


def test_the_audit_log_refuses_updates_and_deletes(store: Store) -> None:
    with store.session() as db:
        q.audit(db, "alice", "login", "moderator", "alice")
        db.commit()
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with store.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError,
                                                           match="append-only"):
            conn.execute(sa.text(statement))
            conn.commit()
    with store.session() as db:
        assert [e.actor for e in q.audit_log(db).items] == ["alice"]
        assert db.scalar(select(func.count()).select_from(AuditLog)) == 1


# --------------------------------------------------------------------------- queue


@pytest.fixture
def queue_store(store: Store) -> Store:
    with store.session() as db:
        a1 = q.upsert_article(db, 1, "a1", title="One")
        a2 = q.upsert_article(db, 1, "a2", title="Two")
    base = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        ("c1", "Muslims are vermin", a1, 0, verdict("c1", "", "review", toxicity=0.9,
         targets=(Target("Muslims", "religion", "Muslims", 0, 7),))),
        ("c2", "You absolute idiot", a1, 1, verdict("c2", "", "review", insult=0.95)),
        ("c3", "Nice piece", a2, 2, verdict("c3", "", "publish", toxicity=0.1)),
        ("c4", "Women can't drive", a2, 3, verdict("c4", "", "review", toxicity=0.6,
         targets=(Target("Women", "gender", "Women", 0, 5),))),
    ]
    for ext, text, art, day, v in rows:
        cid = add(store, ext, text, article=art, created_at=base + timedelta(days=day))
        score(store, cid, v)
    return store


def exts(page: q.QueuePage) -> list[str]:
    return [i.external_id for i in page.items]


def test_the_review_queue_lists_held_comments_newest_first(queue_store: Store) -> None:
    with queue_store.session() as db:
        page = q.review_queue(db)
        assert exts(page) == ["c4", "c2", "c1"] and page.total == 3
        assert page.items[0].article_title == "Two"
        assert exts(q.review_queue(db, status=None)) == ["c4", "c3", "c2", "c1"]


def test_the_queue_filters_by_attribute_group_category_article_date_and_text(
        queue_store: Store) -> None:
    with queue_store.session() as db:
        assert exts(q.review_queue(db, attribute="insult")) == ["c2"]
        assert exts(q.review_queue(db, attribute="toxicity", min_score=0.8)) == ["c1"]
        assert exts(q.review_queue(db, group="muslims")) == ["c1"]
        assert exts(q.review_queue(db, category="gender")) == ["c4"]
        assert exts(q.review_queue(db, article="a1")) == ["c2", "c1"]
        art = q.article_by_external(db, 1, "a2")
        assert exts(q.review_queue(db, article=art.id)) == ["c4"]
        assert exts(q.review_queue(db, since=datetime(2024, 5, 2, tzinfo=UTC),
                                   until=datetime(2024, 5, 4, tzinfo=UTC))) == ["c2"]
        assert exts(q.review_queue(db, search="IDIOT")) == ["c2"]
        # Highest harm score first (c2's insult 0.95), or the chosen attribute's.
        assert exts(q.review_queue(db, order="score")) == ["c2", "c1", "c4"]
        assert exts(q.review_queue(db, order="score", attribute="toxicity",
                                   min_score=0)) == ["c1", "c2", "c4"]
        assert exts(q.review_queue(db, search="c4")) == ["c4"]  # a comment's own id
        with pytest.raises(ValueError):
            q.review_queue(db, attribute="nonsense")


def test_the_queue_paginates(queue_store: Store) -> None:
    with queue_store.session() as db:
        first = q.review_queue(db, limit=2)
        second = q.review_queue(db, limit=2, offset=2)
        assert exts(first) == ["c4", "c2"] and first.next_offset == 2
        assert exts(second) == ["c1"] and second.next_offset is None
        assert first.total == second.total == 3


# --------------------------------------------------------------------------- dashboard


def test_dashboard_aggregates_count_what_was_stored(queue_store: Store) -> None:
    with queue_store.session() as db:
        q.record_decision(db, q.comment_by_external(db, 1, "c2").id, "reject", actor="alice")
        per_day = q.decisions_per_day(db, days=3650)
        assert sum(d.count for d in per_day) == 5
        assert {(d.source, d.action) for d in per_day} >= {("model", "review"),
                                                          ("human", "reject")}
        dist = q.attribute_distribution(db)
        assert sum(dist["toxicity"]) == 4 and dist["toxicity"][9] == 1
        assert q.flagged_attribute_counts(db)["insult"] == 1
        groups = q.top_targeted_groups(db)
        assert {(g.group, g.category, g.count) for g in groups} == {
            ("Muslims", "religion", 1), ("Women", "gender", 1)}
        busiest = q.busiest_articles(db)
        assert [(a.external_id, a.comments) for a in busiest] == [("a2", 2), ("a1", 2)]
        one = next(a for a in busiest if a.external_id == "a1")
        assert (one.held, one.rejected) == (1, 1)
        assert one.last_comment_at.tzinfo is not None
        assert q.counts_by_status(db) == {"pending": 0, "publish": 1, "review": 2, "reject": 1,
                                          "failed": 0}


def test_a_thread_holds_the_article_and_its_comments_in_order(queue_store: Store) -> None:
    with queue_store.session() as db:
        art = q.article_by_external(db, 1, "a1")
        t = q.thread(db, art.id)
        assert t.article.title == "One" and [c.external_id for c in t.comments] == ["c1", "c2"]
        assert t.counts["review"] == 2
        report = q.thread_report(db, art.id)
        assert report["comments"] == 2 and report["counts"]["review"] == 2
        assert report["targeted_groups"] == [{"group": "Muslims", "category": "religion",
                                              "comments": 1}]
        assert report["attributes"]["insult"]["flagged"] == 1
        assert q.thread(db, 999_999) is None


# --------------------------------------------------------------------------- accounts


def test_moderator_passwords_are_argon2_hashed_and_checked(store: Store) -> None:
    with store.session() as db:
        acc.create_moderator(db, "alice", "correct horse", role="admin")
        stored = db.execute(sa.text("SELECT password_hash FROM moderators")).scalar()
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        assert acc.authenticate(db, "alice", "correct horse").role == "admin"
        assert acc.authenticate(db, "alice", "wrong password") is None
        assert acc.authenticate(db, "nobody", "correct horse") is None
        with pytest.raises(acc.AccountError):
            acc.create_moderator(db, "alice", "another one1")
        with pytest.raises(acc.AccountError):
            acc.create_moderator(db, "bob", "short")
        acc.set_active(db, "alice", False)
        assert acc.authenticate(db, "alice", "correct horse") is None


def test_sessions_expire_and_end_at_logout(store: Store) -> None:
    with store.session() as db:
        alice = acc.create_moderator(db, "alice", "correct horse")
        token = acc.start_session(db, alice)
        assert acc.session_account(db, token) == alice
        old = acc.start_session(db, alice, hours=-1)
        assert acc.session_account(db, old) is None
        acc.end_session(db, token)
        assert acc.session_account(db, token) is None
        assert [e.action for e in q.audit_log(db).items][:2] == ["logout", "login"]


def test_api_keys_are_stored_hashed_with_scopes_and_can_be_revoked(store: Store) -> None:
    with store.session() as db:
        key, info = acc.create_api_key(db, "cms", scopes="score,read", rate_limit=5)
        assert key.startswith(f"civ_{info.prefix}_") and info.scopes == ("score", "read")
        raw = db.execute(sa.text("SELECT key_hash, prefix FROM api_keys")).one()
        assert key not in raw[0] and len(raw[0]) == 64
        checked = acc.check_api_key(db, key)
        assert checked is not None and checked.rate_limit == 5 and checked.site == "default"
        assert acc.check_api_key(db, key + "x") is None
        assert acc.check_api_key(db, "not-a-key") is None
        with pytest.raises(acc.AccountError, match="unknown scope"):
            acc.create_api_key(db, "bad", scopes="score,root")
        acc.revoke_api_key(db, info.prefix)
        assert acc.check_api_key(db, key) is None
        assert [e.action for e in q.audit_log(db).items] == ["apikey.revoke", "apikey.create"]
