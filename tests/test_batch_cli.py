"""``civility score`` at scale, driven as a user would: real subprocesses, the real model.

The centrepiece kills a running scorer with SIGKILL (``kill -9``), resumes it,
and checks that the output holds every input row exactly once, in order.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from civility.engines.local import PROGRESS_SUFFIX

REPO = Path(__file__).resolve().parents[1]





def civility_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "civility.cli", "score", *args]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(civility_cmd(*args), input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def write_comments(path: Path, n: int) -> list[str]:
    """n comments of mixed length, a few broken rows; returns the good ids in input order."""
    words = ["council", "budget", "roads", "library", "idiot", "hospital", "vote", "minister",
             "traffic", "school"]
    good = []
    with path.open("w") as f:
        for i in range(1, n + 1):
            if i % 97 == 0:
                f.write('{"id": "broken", "text": \n')
                continue
            text = " ".join(words[(i * 7 + k) % len(words)] for k in range(3 + (i * 13) % 40))
            f.write(json.dumps({"id": f"c{i}", "text": text}) + "\n")
            good.append(f"c{i}")
    return good


def test_a_run_killed_with_sigkill_and_resumed_writes_every_row_exactly_once_in_order(
        tmp_path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    progress = Path(str(out) + PROGRESS_SUFFIX)
    good = write_comments(src, 2500)
    args = (str(src), "-o", str(out), "--workers", "2", "--batch-size", "32")
    proc = subprocess.Popen(civility_cmd(*args), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = json.loads(progress.read_text())["rows_done"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                done = 0
            if done >= 300:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGKILL)  # kill -9 of the command itself
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):  # and any worker it leaves behind
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    killed_at = json.loads(progress.read_text())["rows_done"]
    assert 300 <= killed_at < 2500
    partial = out.read_text().splitlines()
    assert len(partial) < len(good)

    resumed = run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after {killed_at} rows" in resumed.stderr

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == good  # exactly once, in input order
    assert all({"id", "attributes", "targets", "spans", "decision", "reasons"} <= set(r)
               for r in rows)
    rejects = [json.loads(line) for line in
               Path(str(out) + ".rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == list(range(97, 2501, 97))
    assert not progress.exists()


def test_csv_in_parquet_out_with_renamed_columns_and_rejects(tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    src, out = tmp_path / "archive.csv", tmp_path / "scored.parquet"
    src.write_text('comment_id,body,story\n'
                   'a,"Thanks, a clear article.",Budget\n'
                   'b\n'
                   'c,"you people are vermin",Budget\n', encoding="utf-8")
    result = run(str(src), "-o", str(out), "--text-column", "body", "--id-column", "comment_id",
                 "--article-column", "story")
    assert result.returncode == 0, result.stderr
    assert "scored 2 comments, rejected 1" in result.stderr
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == ["a", "c"]
    assert set(table.column("attributes").type.names) >= {"toxicity", "off_topic"}
    rejects = [json.loads(line) for line in
               Path(str(out) + ".rejects.jsonl").read_text().splitlines()]
    assert rejects == [{"line": 3, "reason": "row has 1 fields, the header has 3", "raw": "b"}]


def test_output_format_can_be_forced_and_stdout_stays_clean_without_a_terminal(tmp_path) -> None:
    result = run("-", "--output-format", "csv",
                 stdin='{"id": 1, "text": "hello"}\n{"id": 2, "text": "nice piece"}\n')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,decision,toxicity") and len(lines) == 3
    assert "scoring" not in result.stderr and "ETA" not in result.stderr  # no progress bar


def test_resume_from_stdin_is_a_plain_error() -> None:
    result = run("-", "-o", "x.jsonl", "--resume", stdin="")
    assert result.returncode != 0
    assert "stdin" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_text_column_is_a_plain_error_that_writes_nothing(tmp_path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("body\nhello\n")
    result = run(str(src), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode != 0
    assert "no 'text' column" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [src]
