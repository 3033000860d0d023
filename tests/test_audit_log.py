"""The audit log cannot be rewritten, and what is rewritten around its guards is found.

On SQLite and PostgreSQL: UPDATE, DELETE, REPLACE / upserts onto an entry and TRUNCATE are
refused by triggers; every entry is hash-chained to the one before it; ``civility audit
verify`` walks the chain and names the first entry that was altered (by a superuser with
triggers off, or by editing the SQLite file's bytes), removed, or cut from the end.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import func, select

from civility.cli import main
from civility.store import Store
from civility.store import queries as q
from civility.store.chain import GENESIS
from civility.store.models import AuditLog

ROW = ("(id, at, actor, action, subject_type, subject_id, details, prev_hash, hash) "
       "VALUES (1, '2024-01-01 00:00:00', 'mallory', 'login', '', '', '{}', '', '')")


@pytest.fixture
def store(db_url: str) -> Any:
    s = Store(db_url)
    yield s
    s.close()


def append(store: Store, *entries: tuple[str, str]) -> None:
    with store.session() as db:
        for actor, action in entries:
            q.audit(db, actor, action, "comment", "c-1", {"reason": "spam"}, site_id=1)
        db.commit()


def actors(store: Store) -> list[str]:
    with store.session() as db:
        return list(db.scalars(select(AuditLog.actor).order_by(AuditLog.id)))


def as_superuser_without_triggers(store: Store, statement: str) -> None:
    """What someone who can lift the triggers does: a PostgreSQL superuser turning them off
    for the session, or anyone with the SQLite file dropping them."""
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text(statement))
            return
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(sa.text(statement))


def verify(db_url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["audit", "verify", "--db", db_url, *args])


# --------------------------------------------------------------------------- guards


def test_update_delete_replace_upsert_and_truncate_are_refused(store: Store) -> None:
    append(store, ("ann", "login"), ("bob", "comment.decision"))
    refused = ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log",
               f"INSERT INTO audit_log {ROW} ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"]
    if store.backend == "sqlite":  # each deletes row 1 and writes a new one in its place
        refused += [f"REPLACE INTO audit_log {ROW}", f"INSERT OR REPLACE INTO audit_log {ROW}"]
    else:
        refused += ["TRUNCATE audit_log", "TRUNCATE audit_log RESTART IDENTITY CASCADE"]
    for statement in refused:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), \
                store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert actors(store) == ["ann", "bob"]
    assert verify(store.url).exit_code == 0


def test_appending_is_still_allowed(store: Store) -> None:
    append(store, ("ann", "login"))
    append(store, ("bob", "logout"))
    assert actors(store) == ["ann", "bob"]


# --------------------------------------------------------------------------- the chain


def test_each_entry_is_chained_to_the_one_before(store: Store) -> None:
    append(store, ("ann", "login"), ("ann", "comment.decision"))
    append(store, ("bob", "login"))
    with store.session() as db:
        rows = list(db.scalars(select(AuditLog).order_by(AuditLog.id)))
        report = q.verify_audit_log(db)
    assert [r.prev_hash for r in rows] == [GENESIS, rows[0].hash, rows[1].hash]
    assert len({r.hash for r in rows}) == 3
    assert report.ok and report.entries == 3 and report.head == rows[-1].hash


def test_a_bulk_decision_chains_one_entry_per_comment_in_order(store: Store) -> None:
    with store.session() as db:
        accepted = q.accept_comments(db, 1, [q.NewComment(f"c{i}", "text") for i in range(60)])
        q.record_decisions(db, [a.id for a in accepted], "reject", actor="ann")
    with store.session() as db:
        report = q.verify_audit_log(db)
        subjects = list(db.scalars(select(AuditLog.subject_id).order_by(AuditLog.id)))
    assert report.ok, report.problem
    assert subjects == [f"c{i}" for i in range(60)]


def test_an_entry_rolled_back_leaves_no_gap_in_the_chain(store: Store) -> None:
    with store.session() as db:
        q.audit(db, "ann", "login")
        db.rollback()
        q.audit(db, "bob", "login")
        q.audit(db, "cy", "login")
        db.commit()
        q.audit(db, "dee", "login")
        db.commit()
    assert actors(store) == ["bob", "cy", "dee"]
    with store.session() as db:
        assert q.verify_audit_log(db).ok


def test_verify_reports_an_intact_log_with_its_head(store: Store) -> None:
    append(store, ("ann", "login"), ("bob", "login"))
    with store.session() as db:
        head = q.verify_audit_log(db).head
    result = verify(store.url)
    assert result.exit_code == 0, result.output
    assert f"audit log intact: 2 entries; head {head}" in result.stdout
    assert verify(store.url, "--anchor", head).exit_code == 0


def test_an_entry_altered_by_a_superuser_with_triggers_off_is_found(store: Store) -> None:
    append(store, ("ann", "login"), ("bob", "comment.decision"), ("cy", "logout"))
    second = 2
    as_superuser_without_triggers(
        store, f"UPDATE audit_log SET actor = 'mallory' WHERE id = {second}")
    assert actors(store)[1] == "mallory"
    with store.session() as db:
        report = q.verify_audit_log(db)
    assert not report.ok and report.broken_id == second and "altered" in report.problem
    result = verify(store.url)
    assert result.exit_code == 1
    assert f"audit log BROKEN at entry {second}: entry {second} was altered" in result.output


def test_an_entry_removed_from_the_middle_is_found(store: Store) -> None:
    append(store, ("ann", "login"), ("bob", "comment.decision"), ("cy", "logout"))
    as_superuser_without_triggers(store, "DELETE FROM audit_log WHERE id = 2")
    result = verify(store.url)
    assert result.exit_code == 1
    assert "BROKEN at entry 3: entry 3 does not follow the entry before it" in result.output


def test_a_rehashed_entry_breaks_the_link_to_the_next(store: Store) -> None:
    """Recomputing the altered entry's own hash is not enough: the next one points at the
    old hash."""
    append(store, ("ann", "login"), ("bob", "comment.decision"), ("cy", "logout"))
    with store.session() as db:
        row = db.get(AuditLog, 2)
        assert row is not None
        from civility.store.chain import entry_hash

        forged = entry_hash(row.prev_hash, row.at, "mallory", row.action, row.subject_type,
                            row.subject_id, row.details, row.site_id)
    as_superuser_without_triggers(
        store, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE id = 2")
    with store.session() as db:
        report = q.verify_audit_log(db)
    assert report.broken_id == 3 and "does not follow" in report.problem


def test_entries_cut_from_the_end_are_found_against_a_recorded_anchor(store: Store) -> None:
    append(store, ("ann", "login"), ("bob", "comment.decision"))
    with store.session() as db:
        anchor = q.verify_audit_log(db).head
    as_superuser_without_triggers(store, "DELETE FROM audit_log WHERE id = 2")
    assert verify(store.url).exit_code == 0  # a shorter chain is still a chain...
    result = verify(store.url, "--anchor", anchor)
    assert result.exit_code == 1  # ...but not the one recorded
    assert f"the anchor {anchor} is not in the chain" in result.output


def test_editing_the_sqlite_file_directly_is_found(tmp_path: Path) -> None:
    path = tmp_path / "civility.db"
    store = Store(f"sqlite:///{path}")
    append(store, ("moderator-ann", "login"), ("moderator-bob", "comment.decision"))
    store.close()  # the last connection checkpoints the WAL into the file
    data = path.read_bytes()
    assert data.count(b"moderator-bob") == 1
    path.write_bytes(data.replace(b"moderator-bob", b"moderator-eve"))
    assert actors(Store(f"sqlite:///{path}")) == ["moderator-ann", "moderator-eve"]
    result = verify(f"sqlite:///{path}")
    assert result.exit_code == 1
    assert "BROKEN at entry 2: entry 2 was altered" in result.output


def test_concurrent_appenders_never_fork_the_chain(store: Store) -> None:
    """Each transaction chains onto the latest committed entry, so none share a parent."""
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for i in range(8):
                with store.session() as db:
                    q.audit(db, name, "login", "moderator", name, {"i": i})
                    db.commit()
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(f"m{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.session() as db:
        report = q.verify_audit_log(db)
        parents = db.scalar(select(func.count(func.distinct(AuditLog.prev_hash))))
    assert report.ok, report.problem
    assert report.entries == parents == 32


# --------------------------------------------------------------------------- migration


def test_the_migration_chains_entries_written_before_it(db_url: str) -> None:
    """A database at the revision before the chain keeps its entries, now chained, and gets
    the new guards."""
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    from civility.store.db import make_engine

    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("civility.store") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    with engine.begin() as conn:
        for actor in ("ann", "bob"):
            conn.execute(sa.text(
                "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, details, "
                "site_id) VALUES (:at, :actor, 'login', 'moderator', :actor, '{\"k\": 1}', "
                "NULL)"), {"at": "2024-05-01 12:00:00.123456+00:00", "actor": actor})
    engine.dispose()
    store = Store(db_url)  # migrates to the newest revision
    try:
        with store.session() as db:
            report = q.verify_audit_log(db)
        assert report.ok and report.entries == 2
        append(store, ("cy", "login"))
        assert actors(store) == ["ann", "bob", "cy"]
        with store.session() as db:
            assert q.verify_audit_log(db).entries == 3
        statement = ("TRUNCATE audit_log" if store.backend == "postgresql"
                     else f"REPLACE INTO audit_log {ROW}")
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), \
                store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        store.close()
