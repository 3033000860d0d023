"""The CLI as a user drives it: real subprocesses, real files."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import EXAMPLE_PAGE, needs_example


def civility(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "civility.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_lists_the_commands_and_teaches_by_example():
    result = civility("--help")
    assert result.returncode == 0
    for command in ("moderate", "score", "policy", "evaluate", "train"):
        assert command in result.stdout
    assert "civility moderate" in civility("moderate", "--help").stdout


@needs_example
def test_moderate_prints_a_report_with_every_decision():
    result = civility("moderate", str(EXAMPLE_PAGE))
    assert result.returncode == 0, result.stderr
    assert "REJECT" in result.stdout.upper() and "PUBLISH" in result.stdout.upper()


@needs_example
def test_moderate_json_holds_fourteen_comments_with_the_scoring_contract():
    result = civility("moderate", str(EXAMPLE_PAGE), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["comments"]) == 14
    first = data["comments"][0]
    assert {"id", "attributes", "targets", "spans", "decision", "reasons"} <= set(first)


def test_moderate_a_missing_file_is_a_plain_error():
    result = civility("moderate", "no-such-page.txt")
    assert result.returncode != 0
    assert "no-such-page.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_score_reports_a_malformed_line_by_number_and_scores_the_rest(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "hello there"}\n{not json\n{"id": "c", "text": "nuke em"}\n'
        '{"id": "d"}\n'
    )
    out = tmp_path / "out.jsonl"
    result = civility("score", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "line 2" in result.stderr and "line 4" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "c"]
    assert rows[1]["decision"] in ("review", "reject")


def test_score_reports_a_row_with_a_lone_surrogate_by_number_and_scores_the_rest(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "hello there"}\n'
                   '{"id": "b", "text": "broken \\ud800 half"}\n'
                   '{"id": "c\\udfff", "text": "fine text, odd id"}\n'
                   '{"id": "d", "text": "thanks"}\n')
    out = tmp_path / "out.jsonl"
    result = civility("score", str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "d"]
    rejects = [json.loads(line) for line in
               (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 3]
    assert "'text' has a lone UTF-16 surrogate (\\ud800) at character 7" in rejects[0]["reason"]
    assert rejects[1]["reason"].startswith("'id' has a lone UTF-16 surrogate (\\udfff)")


def test_score_reads_stdin_and_writes_stdout():
    result = civility("score", stdin='{"id": 1, "text": "thanks for the article"}\n')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "1"


def test_policy_show_describes_the_default_policy():
    result = civility("policy", "show")
    assert result.returncode == 0
    assert "news" in result.stdout


def test_policy_check_names_the_bad_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[thresholds.threat]\nreview = 1.5\n')
    result = civility("policy", "check", str(bad))
    assert result.returncode != 0
    assert "thresholds.threat.review" in result.stderr


def test_account_commands_report_account_errors_plainly(tmp_path):
    db = f"sqlite:///{tmp_path / 'accounts.db'}"
    add = [sys.executable, "-m", "civility.cli", "user", "add", "ann", "--password-stdin",
           "--db", db, "--create"]
    first = subprocess.run(add, input="correct horse battery staple\n", capture_output=True,
                           text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(add, input="correct horse battery staple\n", capture_output=True,
                           text=True)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "Traceback" not in again.stderr
    revoke = subprocess.run([sys.executable, "-m", "civility.cli", "apikey", "revoke", "nope",
                             "--db", db], capture_output=True, text=True)
    assert revoke.returncode == 1 and "no API key with prefix 'nope'" in revoke.stderr
