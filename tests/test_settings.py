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


def test_secure_cookies_are_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("CIVILITY_COOKIE_SECURE", raising=False)
    assert Settings.from_env().cookie_secure is False
    monkeypatch.setenv("CIVILITY_COOKIE_SECURE", "true")
    assert Settings.from_env().cookie_secure is True
