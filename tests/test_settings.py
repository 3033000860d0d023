"""Server settings come from CIVILITY_* variables, which `civility serve` sets from its flags."""

from __future__ import annotations

import pytest

from civility.server.settings import Settings


@pytest.mark.parametrize(
    ("value", "screen"),
    [(None, True), ("", True), ("1", True), ("on", True), ("0", False), ("False", False),
     ("off", False)],
)
def test_the_screen_is_on_unless_civility_screen_turns_it_off(monkeypatch, value, screen):
    if value is None:
        monkeypatch.delenv("CIVILITY_SCREEN", raising=False)
    else:
        monkeypatch.setenv("CIVILITY_SCREEN", value)
    assert Settings.from_env().screen is screen


@pytest.mark.parametrize(
    ("value", "secure"),
    [(None, None), ("auto", None), ("", None), ("true", True), ("1", True), ("0", False),
     ("false", False)],
)
def test_secure_cookies_follow_the_request_scheme_unless_forced(monkeypatch, value, secure):
    """None means "decide per request": Secure over https, including behind a trusted proxy."""
    if value is None:
        monkeypatch.delenv("CIVILITY_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("CIVILITY_COOKIE_SECURE", value)
    assert Settings.from_env().cookie_secure is secure


def test_every_setting_has_a_documented_variable_and_the_docs_table_is_the_models() -> None:
    from pathlib import Path

    from civility.server.settings import env_names, markdown_table

    docs = (Path(__file__).parent.parent / "docs" / "SETTINGS.md").read_text()
    assert markdown_table() in docs
    for field in Settings.model_fields:
        if field != "moderator":
            assert f"`{env_names(field)[0]}`" in docs, field


def test_every_field_is_read_from_its_variable(monkeypatch) -> None:
    values = {"db_url": "sqlite:///elsewhere.db", "max_batch_comments": "7", "session_hours": "1.5",
              "webhook_max_attempts": "3", "rescore_pending": "0", "login_hash_slots": "4"}
    for field, value in values.items():
        from civility.server.settings import env_names

        monkeypatch.setenv(env_names(field)[0], value)
    settings = Settings.from_env()
    assert settings.db_url == "sqlite:///elsewhere.db" and settings.max_batch_comments == 7
    assert settings.session_hours == 1.5 and settings.webhook_max_attempts == 3
    assert settings.rescore_pending is False and settings.login_hash_slots == 4
    assert Settings.from_env(max_batch_comments=9).max_batch_comments == 9  # flags win


@pytest.mark.parametrize(("variable", "value"), [
    ("CIVILITY_RATE_LIMIT", "fast"), ("CIVILITY_MAX_BODY_BYTES", "1MB"),
    ("CIVILITY_COOKIE_SECURE", "sometimes"), ("CIVILITY_SCREEN", "maybe"),
    ("CIVILITY_RATE_BURST", "-1"),
    ("CIVILITY_PENDING_MAX_ATTEMPTS", "0"), ("CIVILITY_TRUSTED_PROXIES", "10.0.0.1, proxy")])
def test_a_bad_value_is_refused_with_the_variable_named(monkeypatch, variable, value) -> None:
    from civility.server.settings import SettingsError

    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}='{value}'"):
        Settings.from_env()


def test_settings_given_in_python_ignore_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CIVILITY_RATE_LIMIT", "fast")
    monkeypatch.setenv("CIVILITY_MAX_BATCH", "3")
    moderator = object()
    settings = Settings(db_url="sqlite:///x.db", moderator=moderator)
    assert settings.max_batch == 64 and settings.moderator is moderator
    with pytest.raises(ValueError, match="frozen"):
        settings.max_batch = 1  # type: ignore[misc]


def test_civility_serve_refuses_a_bad_variable_in_one_line_with_exit_code_2(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CIVILITY_RATE_LIMIT": "fast", "CIVILITY_DB": str(tmp_path / "c.db")}
    done = subprocess.run([sys.executable, "-m", "civility.cli", "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "civility serve: bad setting: CIVILITY_RATE_LIMIT='fast': Input should be a valid "
        "number, unable to parse string as a number"]
    assert not (tmp_path / "c.db").exists()  # refused before anything was created
