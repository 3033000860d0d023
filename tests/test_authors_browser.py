"""A moderator works on a commenter in a real browser (Debian's Chromium, headless, through
Playwright): from a comment in the queue to the author's history, premoderates them there,
and the author's next comment, sent through the API and scored by the real model, is held
with the reason, in the API's answer and in the queue. Screenshots land in ``artifacts/``.
Skips cleanly where Chromium, Playwright or the model is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests import test_browser
from tests.test_browser import CHROMIUM, _shot, _signed_in, playwright_api
from tests.test_ui import PASSWORD

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")]
uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from civility.server.app import create_app  # noqa: E402
from civility.server.settings import Settings  # noqa: E402
from civility.store import accounts  # noqa: E402
from tests.helpers import live_server  # noqa: E402

browser = test_browser.browser  # Chromium, once for the module

GOOD = ("Thanks for the careful reporting, very informative.", "Good points about the budget.")
THREAT = "I will find you and kill you."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, moderator: Any) -> Iterator[tuple[str, str]]:
    """(base URL, API key): the real app and model on a fresh SQLite database, with a
    moderator ``mod`` and an API key for the default site."""
    url = f"sqlite:///{tmp_path_factory.mktemp('authors-browser') / 'civility.db'}"
    app = create_app(Settings(db_url=url, moderator=moderator, secret_key="browser-test",
                              rescore_pending=False))
    with app.state.store.session() as db:
        accounts.create_moderator(db, "mod", PASSWORD)
        key, _ = accounts.create_api_key(db, "cms", scopes="score read moderate")
    with live_server(app) as base:
        yield base, key


def submit(base: str, key: str, cid: str, text: str) -> dict[str, Any]:
    r = httpx.post(f"{base}/api/v1/comments", headers={"Authorization": f"Bearer {key}"},
                   json={"id": cid, "text": text, "author": "ann",
                         "article": {"id": "budget", "title": "The council's budget"}},
                   timeout=60)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_moderator_premoderates_an_author_from_their_history_and_their_next_comment_is_held(
        live: tuple[str, str], browser: object) -> None:
    base, key = live
    expect = playwright_api.expect
    assert submit(base, key, "c1", GOOD[0])["decision"] == "publish"
    assert submit(base, key, "c2", THREAT)["decision"] == "reject"

    # The queue shows who wrote each comment and what the site has seen of them.
    problems: list[str] = []
    page: Any = _signed_in(browser, base, problems)
    page.goto(f"{base}/queue?status=all")
    item = page.locator("li.qitem").filter(has_text=THREAT)
    expect(item.locator(".author-facts")).to_have_text("2 comments, 1 rejected")
    _shot(page, "ui-authors-queue.png")
    item.get_by_role("link", name="ann").click()

    # The author's history: counts by decision and the recent rejection, with why.
    expect(page).to_have_url(re.compile(r"/author\?site=1&name=ann$"))
    expect(page.get_by_role("heading", name=re.compile("^ann"))).to_be_visible()
    expect(page.locator(".author-counts")).to_contain_text("1 rejected")
    expect(page.get_by_role("list", name="Recent rejections")).to_contain_text(THREAT)
    expect(page.locator("#next-comment")).to_contain_text("decided by the policy alone")
    _shot(page, "ui-author-history.png", full_page=True)

    # Premoderate them, saying why.
    form = page.locator("#form-premoderate")
    form.get_by_label("Why").fill("threatened another reader")
    form.get_by_role("button", name="Premoderate").click()
    expect(page.get_by_role("status").first).to_have_text("Premoderated.")
    expect(page.locator("#standing")).to_have_text("Premoderated")
    expect(page.locator("#next-comment")).to_contain_text("held for review at most")
    expect(page.get_by_role("list", name="Actions on ann")).to_contain_text(
        "threatened another reader")
    _shot(page, "ui-author-premoderated.png", full_page=True)

    # Their next comment, through the API, benign as it is, is held with the reason.
    held = submit(base, key, "c3", GOOD[1])
    why = "author is premoderated (by mod: threatened another reader)"
    assert (held["decision"], held["status"], held["reasons"]) == ("review", "review", [why])
    page.goto(f"{base}/queue")
    queued = page.locator("li.qitem").filter(has_text=GOOD[1])
    expect(queued).to_have_count(1)
    expect(queued.locator(".reasons")).to_contain_text(why)
    expect(queued.locator(".standing")).to_have_text("Premoderated")
    _shot(page, "ui-authors-held.png")

    # And the audit log says who did it.
    page.goto(f"{base}/audit?action=author.premoderate")
    row = page.locator("#audit tbody tr").first
    expect(row).to_contain_text("mod")
    expect(row.get_by_role("link", name="author ann")).to_be_visible()
    assert not problems, problems
    page.context.close()
