"""Admin commands find the one database the server uses, wherever they are run from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civility.store import is_initialised

PASSWORD = "correct horse battery staple\n"


def civility(*args: str, cwd: Path, env: dict[str, str], stdin: str | None = None
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "civility.cli", *args], cwd=cwd, env=env,
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment with its own per-user data folder and no CIVILITY_DB."""
    env = {k: v for k, v in os.environ.items() if k != "CIVILITY_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def test_admin_commands_from_any_folder_use_the_per_user_database(tmp_path, home):
    expected = tmp_path / "data" / "civility" / "civility.db"
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    init = civility("db", "init", cwd=here, env=home)
    assert init.returncode == 0, init.stderr
    assert f"created: {expected}" in init.stdout
    add = civility("user", "add", "ann", "--password-stdin", cwd=there, env=home, stdin=PASSWORD)
    assert add.returncode == 0, add.stderr
    assert f"database: {expected} (sqlite)" in add.stderr
    listed = civility("user", "list", cwd=tmp_path, env=home)
    assert listed.stdout.startswith("ann\t") and f"database: {expected}" in listed.stderr
    assert not list(tmp_path.glob("*/civility.db")) and not (tmp_path / "civility.db").exists()
    assert civility("db", "path", cwd=there, env=home).stdout.strip() == str(expected)


def test_an_admin_command_does_not_create_a_database_unless_asked(tmp_path, home):
    elsewhere = tmp_path / "elsewhere.db"
    env = {**home, "CIVILITY_DB": str(elsewhere)}
    for args in (["user", "add", "ann", "--password-stdin"], ["apikey", "list"],
                 ["site", "webhook", "default", "https://example.org/hook"]):
        result = civility(*args, cwd=tmp_path, env=env, stdin=PASSWORD)
        assert result.returncode == 1, result.stderr
        assert f"no Civility database at {elsewhere}" in result.stderr
        assert "civility db init" in result.stderr and "Traceback" not in result.stderr
        assert not elsewhere.exists()
    assert "(not created yet)" in civility("db", "path", cwd=tmp_path, env=env).stdout
    made = civility("user", "add", "ann", "--password-stdin", "--create", cwd=tmp_path, env=env,
                    stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    assert elsewhere.is_file()


def test_an_empty_server_database_is_not_taken_for_a_civility_one(db_url, tmp_path, home):
    key = civility("apikey", "create", "cms", "--db", db_url, cwd=tmp_path, env=home)
    assert key.returncode == 1 and "no Civility database at" in key.stderr
    assert not is_initialised(db_url)
    assert "password" not in key.stderr.split("no Civility database at", 1)[1].split(".")[0]
    assert civility("db", "init", "--db", db_url, cwd=tmp_path, env=home).returncode == 0
    key = civility("apikey", "create", "cms", "--db", db_url, cwd=tmp_path, env=home)
    assert key.returncode == 0, key.stderr
    assert key.stdout.startswith("civ_") and "database:" not in key.stdout  # $(...) gets the key
    again = civility("db", "init", "--db", db_url, cwd=tmp_path, env=home)
    assert again.stdout.startswith("up to date: ")
