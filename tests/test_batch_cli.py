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

from civility.batch.local import PROGRESS_SUFFIX

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


def _story(path: Path) -> None:
    """Comments on two articles over three days, by named readers, one insult posted ten times."""
    rows = []
    for i in range(24):
        article = ("a1", "Council approves 400 homes") if i % 2 else ("a2", "Tram line delayed")
        text = ("you are a pathetic moron and everyone here knows it" if i % 12 < 5
                else f"The {['budget', 'roads', 'library'][i % 3]} figures look right to me, {i}")
        rows.append({"id": f"c{i}", "text": text, "article_id": article[0],
                     "article_title": article[1], "author": f"reader{i % 4}",
                     "created": f"2025-07-0{1 + i // 8}T{8 + i % 8:02d}:15:00Z"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_score_then_report_keeps_the_story_texts_articles_authors_and_times(tmp_path) -> None:
    from click.testing import CliRunner

    from civility.report import report_cmd

    src, scored, html = tmp_path / "in.jsonl", tmp_path / "scored.jsonl", tmp_path / "r.html"
    _story(src)
    result = run(str(src), "-o", str(scored), "--workers", "1")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in scored.read_text().splitlines()]
    assert list(rows[1])[:6] == ["id", "text", "article_id", "article_title", "author", "created"]
    assert rows[1]["article_title"] == "Council approves 400 homes"
    assert rows[1]["author"] == "reader1" and rows[1]["created"] == "2025-07-01T09:15:00+00:00"
    report = CliRunner().invoke(report_cmd, [str(scored), "-o", str(html)])
    assert report.exit_code == 0, report.output
    page = html.read_text()
    assert "Toxicity per article" in page and "Over time" in page
    assert "Tram line delayed" in page and "by reader" in page
    # The insult was posted ten times: shown once, with its copies counted.
    assert page.count("pathetic") == 1 and "9 identical copies" in page


def test_no_text_leaves_comment_text_out_of_the_scored_file(tmp_path) -> None:
    src, scored = tmp_path / "in.jsonl", tmp_path / "scored.csv"
    _story(src)
    result = run(str(src), "-o", str(scored), "--no-text", "--no-author", "--workers", "1")
    assert result.returncode == 0, result.stderr
    content = scored.read_text()
    assert "everyone here knows it" not in content and "figures look right" not in content
    assert "reader1" not in content and "Council approves 400 homes" in content


def test_the_summary_counts_in_words_and_gives_a_rate_that_is_not_zero(tmp_path) -> None:
    import re

    src, out = tmp_path / "one.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "a", "text": "thanks for the article"}\n{bad\n')
    result = run(str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "scored 1 comment, rejected 1 line (see" in result.stderr
    assert "1 worker" in result.stderr and "worker(s)" not in result.stderr
    assert re.search(r", (?:[1-9][\d,.]*|0\.\d+|< 0\.01) comments/s", result.stderr)
