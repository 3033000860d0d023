"""Specifications for civility.batch.local (LocalEngine): order, workers, rejects and resuming.

A fake scorer stands in for the model here, so these tests pin the engine's
guarantees quickly; tests/test_batch_cli.py proves them again with the real
model and a real ``kill -9``.
"""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path

import pytest

import civility.batch.writers
from civility.batch import Job, JobError, LocalEngine, Record
from civility.batch.local import PROGRESS_SUFFIX


def fake_factory(model: str | None, policy: str | None, threads: int | None, screen: bool):
    """A stand-in scorer (module level, so worker processes can unpickle it)."""

    def score(records: list[Record]) -> list[dict]:
        time.sleep(random.random() * 0.02)  # workers finish out of order
        return [{"id": r.id, "attributes": {"toxicity": 0.5}, "targets": [], "spans": [],
                 "decision": "publish", "reasons": [f"threads={threads}"]} for r in records]

    return score


#: The local engine with the stand-in scorer.
FAKE = LocalEngine(scorer_factory=fake_factory)


class Crash(RuntimeError):
    pass


def crashing_factory(after_calls: int):
    def factory(model: str | None, policy: str | None, threads: int | None, screen: bool):
        inner = fake_factory(model, policy, threads, screen)
        calls = 0

        def score(records: list[Record]) -> list[dict]:
            nonlocal calls
            calls += 1
            if calls > after_calls:
                raise Crash("killed mid-run")
            return inner(records)

        return score

    return factory


def write_input(path: Path, n: int, bad_every: int = 0) -> list[str]:
    """n JSONL rows; every ``bad_every``-th is invalid JSON. Returns the good ids in order."""
    good = []
    with path.open("w") as f:
        for i in range(1, n + 1):
            if bad_every and i % bad_every == 0:
                f.write("{broken\n")
            else:
                f.write(json.dumps({"id": f"r{i}", "text": f"comment {i}"}) + "\n")
                good.append(f"r{i}")
    return good


def output_ids(path: Path, fmt: str) -> list[str]:
    if fmt == "jsonl":
        return [json.loads(line)["id"] for line in path.read_text().splitlines()]
    if fmt == "csv":
        return [row["id"] for row in csv.DictReader(path.open())]
    pq = pytest.importorskip("pyarrow.parquet")
    return pq.read_table(path).column("id").to_pylist()


def job(tmp_path: Path, fmt: str = "jsonl", **kw) -> Job:
    out = tmp_path / f"out.{fmt}"
    defaults = {"input": str(tmp_path / "in.jsonl"), "output": str(out), "output_format": fmt,
                "rejects": str(out) + ".rejects.jsonl", "chunk_rows": 7, "workers": 1}
    return Job(**{**defaults, **kw})


def test_output_keeps_input_order_with_several_workers(tmp_path) -> None:
    good = write_input(tmp_path / "in.jsonl", 120, bad_every=11)
    summary = FAKE.run(job(tmp_path, workers=2))
    assert output_ids(tmp_path / "out.jsonl", "jsonl") == good
    assert summary.scored == len(good) and summary.rejected == 120 // 11
    assert summary.workers_used == 2


def test_each_worker_runs_onnxruntime_on_one_thread_and_a_lone_process_on_all(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 30)
    FAKE.run(job(tmp_path, workers=2))
    first = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert first["reasons"] == ["threads=1"]
    FAKE.run(job(tmp_path, workers=1))
    first = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert first["reasons"] == ["threads=None"]


def test_an_input_smaller_than_one_chunk_is_scored_without_starting_workers(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 3)
    summary = FAKE.run(job(tmp_path, workers=4))
    assert summary.workers_used == 1 and summary.scored == 3


def test_rejected_rows_go_to_the_rejects_file_with_line_and_reason(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 25, bad_every=10)
    seen = []
    FAKE.run(job(tmp_path), on_reject=seen.append)
    rejects = [json.loads(line) for line in
               (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [10, 20] == [r.line for r in seen]
    assert rejects[0]["raw"] == "{broken" and rejects[0]["reason"].startswith("invalid JSON")


def test_a_clean_input_leaves_no_rejects_file_and_no_progress_file(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 10)
    FAKE.run(job(tmp_path))
    assert not (tmp_path / "out.jsonl.rejects.jsonl").exists()
    assert not (tmp_path / ("out.jsonl" + PROGRESS_SUFFIX)).exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_crashed_run_resumed_has_every_row_exactly_once_in_order(tmp_path, monkeypatch,
                                                                   fmt) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
        monkeypatch.setattr(civility.batch.writers, "PARQUET_PART_ROWS", 10)
    good = write_input(tmp_path / "in.jsonl", 100, bad_every=9)
    with pytest.raises(Crash):
        LocalEngine(scorer_factory=crashing_factory(after_calls=6)).run(job(tmp_path, fmt))
    progress = json.loads((tmp_path / f"out.{fmt}{PROGRESS_SUFFIX}").read_text())
    assert 0 < progress["rows_done"] < 100
    if fmt != "parquet":  # a torn line a killed writer could leave behind
        with (tmp_path / f"out.{fmt}").open("ab") as f:
            f.write(b'{"id": "r9999", "attri')
    summary = FAKE.run(job(tmp_path, fmt, resume=True))
    assert output_ids(tmp_path / f"out.{fmt}", fmt) == good
    assert summary.resumed_rows == progress["rows_done"]
    assert summary.scored == len(good) and summary.rejected == 100 // 9
    rejects = (tmp_path / f"out.{fmt}.rejects.jsonl").read_text().splitlines()
    assert [json.loads(r)["line"] for r in rejects] == list(range(9, 100, 9))
    assert not (tmp_path / f"out.{fmt}{PROGRESS_SUFFIX}").exists()


def test_resuming_with_different_workers_and_chunk_size_is_allowed(tmp_path) -> None:
    good = write_input(tmp_path / "in.jsonl", 80)
    with pytest.raises(Crash):
        LocalEngine(scorer_factory=crashing_factory(after_calls=3)).run(job(tmp_path))
    FAKE.run(job(tmp_path, resume=True, workers=2, chunk_rows=13))
    assert output_ids(tmp_path / "out.jsonl", "jsonl") == good


def test_resume_refuses_an_input_that_changed_since_the_interrupted_run(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 40)
    with pytest.raises(Crash):
        LocalEngine(scorer_factory=crashing_factory(after_calls=2)).run(job(tmp_path))
    write_input(tmp_path / "in.jsonl", 41)
    with pytest.raises(JobError, match="input_size"):
        FAKE.run(job(tmp_path, resume=True))


def test_resume_after_a_completed_run_has_nothing_to_do(tmp_path) -> None:
    write_input(tmp_path / "in.jsonl", 10)
    FAKE.run(job(tmp_path))
    before = (tmp_path / "out.jsonl").read_bytes()
    assert FAKE.run(job(tmp_path, resume=True)).already_complete
    assert (tmp_path / "out.jsonl").read_bytes() == before


def test_resume_without_any_earlier_run_starts_from_the_beginning(tmp_path) -> None:
    good = write_input(tmp_path / "in.jsonl", 10)
    FAKE.run(job(tmp_path, resume=True))
    assert output_ids(tmp_path / "out.jsonl", "jsonl") == good


def test_stdin_or_stdout_runs_cannot_be_resumed(tmp_path) -> None:
    with pytest.raises(JobError, match="stdin/stdout"):
        FAKE.run(Job(input="-", output=str(tmp_path / "o.jsonl"), resume=True))
