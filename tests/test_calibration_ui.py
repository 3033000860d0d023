"""The dashboard shows how the model agrees with the moderators, and where it did not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civility.server.app import create_app
from civility.server.settings import Settings
from civility.store import Store, accounts
from tests.test_calibrate_cli import seed_labelled_site
from tests.test_ui import PASSWORD, StubModerator, csrf_of


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, list[int]]]]:
    url = f"sqlite:///{tmp_path / 'ui.db'}"
    seeded = seed_labelled_site(url)
    store = Store(url)
    with store.session() as db:
        accounts.create_moderator(db, "mod", PASSWORD)
    store.close()
    app = create_app(Settings(db_url=url, moderator=StubModerator(), secret_key="x",
                              rescore_pending=False))
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login")
        done = client.post("/login", data={"username": "mod", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text), "next": "/queue"})
        assert done.status_code == 303
        yield client, seeded.ids


def test_the_dashboard_charts_agreement_and_lists_the_biggest_disagreements(dashboard):
    client, ids = dashboard
    html = client.get("/dashboard?days=30").text
    assert "Model and moderators" in html and 'id="chart-agreement-t"' in html
    # Agreed: five rejections and three hate rejections the model also rejected, five
    # approvals of what it published; overruled: the 0.85 threat it rejected and people
    # approved; held: everything else people decided (the Coral suggestions included).
    stats = re.search(r'aria-label="Agreement in range">(.*?)</ul>', html, re.S)
    assert stats is not None
    numbers = re.findall(r'<div class="n">([^<]+)</div>', stats.group(1))
    assert numbers == ["93%", "13", "1", "17"]
    section = html[html.index('id="agreement"'):]
    approved, rejected = section.split("Rejected, though the model scored them low", 1)
    links = re.findall(r'href="/comments/(\d+)"', approved)
    assert [int(x) for x in links] == [ids["D"][0], *reversed(ids["C"])]
    assert "Threat 0.85" in approved and "model: Rejected" in approved
    first = re.search(r'href="/comments/(\d+)"', rejected)
    assert first is not None and int(first.group(1)) == ids["A"][0]  # threat 0.60, held
    assert "Someone should pay you a visit, number 0." in rejected


def test_the_dashboard_says_so_when_no_moderator_has_decided_yet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store = Store(url)
    with store.session() as db:
        accounts.create_moderator(db, "mod", PASSWORD)
    store.close()
    app = create_app(Settings(db_url=url, moderator=StubModerator(), secret_key="x",
                              rescore_pending=False))
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login")
        client.post("/login", data={"username": "mod", "password": PASSWORD,
                                    "csrf_token": csrf_of(page.text), "next": "/queue"})
        html = client.get("/dashboard").text
    assert "No comments approved or rejected by moderators in range yet." in html
