"""Server settings come from CIVILITY_* variables, which `civility serve` sets from its flags."""

from __future__ import annotations

import pytest

from civility.server.settings import Settings


@pytest.mark.parametrize(("value", "screen"), [(None, True), ("1", True), ("0", False)])
def test_the_screen_is_on_unless_civility_screen_turns_it_off(monkeypatch, value, screen):
    if value is None:
        monkeypatch.delenv("CIVILITY_SCREEN", raising=False)
    else:
        monkeypatch.setenv("CIVILITY_SCREEN", value)
    assert Settings.from_env().screen is screen
