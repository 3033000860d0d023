"""Server settings come from CIVILITY_* variables, which `civility serve` sets from its flags."""

from __future__ import annotations

import pytest

from civility.server.settings import Settings


@pytest.mark.parametrize(
    ("value", "screen"),
    [(None, True), ("1", True), ("0", False), ("False", False), ("maybe", True)],
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
