"""The moderator UI in a real browser: Debian's Chromium, headless, driven by Playwright.

A real uvicorn server runs on a free loopback port with a temporary SQLite database holding
the example page's comments (scored by ``civility import`` when a model is available) or a
few fixture comments. A moderator signs in, approves a comment with the keyboard (j, a),
rejects one with selection and the bulk shortcut (x, R), undoes it (u), and finds the
approval in the audit log; rejects with a reason and finds it in the history and the audit
log; and every page renders without a script error. Screenshots land in ``artifacts/`` for a
person to look at.
Skips cleanly where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE_PAGE, REPO, live_server

CHROMIUM = Path(os.environ.get("CIVILITY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
ARTIFACTS = REPO / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]
playwright_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from civility.server.app import create_app  # noqa: E402
from civility.server.settings import Settings  # noqa: E402
from civility.store import Store, accounts  # noqa: E402
from tests.test_ui import PASSWORD, StubModerator, seed_fixture  # noqa: E402


def _model_dir() -> str | None:
    for candidate in (os.environ.get("CIVILITY_MODEL"),
                      str(REPO / "civility" / "models" / "civility-minilm")):
        if candidate and (Path(candidate) / "model.onnx").exists():
            return candidate
    return None


def _import_example(url: str) -> bool:
    """``civility import`` the example page (scored by the real model); False if it can't."""
    model = _model_dir()
    if not EXAMPLE_PAGE.exists() or model is None:
        return False
    env = {**os.environ, "CIVILITY_MODEL": model}
    done = subprocess.run([sys.executable, "-m", "civility.cli", "import", str(EXAMPLE_PAGE),
                           "--db", url, "--create"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        return False
    store = Store(url)
    try:
        with store.session() as db:
            accounts.create_moderator(db, "mod", PASSWORD)
    finally:
        store.close()
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'civility.db'}"
    if not _import_example(url):
        seed_fixture(url)
    app = create_app(Settings(db_url=url, moderator=StubModerator(), secret_key="browser-test",
                              rescore_pending=False))
    with live_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _shot(page: object, name: str, **kwargs: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), **kwargs)  # type: ignore[attr-defined]


def test_a_moderator_approves_with_the_keyboard_and_finds_it_in_the_audit_log(
        server: str, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    expect = playwright_api.expect

    # Signed out, the queue sends us to the login form; sign in with the keyboard only.
    page.goto(f"{server}/queue")
    expect(page).to_have_url(f"{server}/login?next=/queue")
    _shot(page, "ui-login.png")
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(f"{server}/queue")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

    items = page.locator("li.qitem")
    held = items.count()
    assert held >= 2, "the queue holds comments to review"
    badge = page.locator("#queue-count")
    before = int(badge.inner_text())
    total = int(page.locator("#held-total").get_attribute("data-total") or 0)
    _shot(page, "ui-queue.png")

    # j focuses the first comment, a approves it: it collapses, the count drops, and the
    # live region says what happened.
    page.keyboard.press("j")
    first = items.nth(0)
    expect(first).to_have_class(lambda_has("is-current"))
    approved_id = first.get_attribute("data-id")
    page.keyboard.press("a")
    expect(first).to_have_class(lambda_has("is-decided"))
    expect(page.locator("#live")).to_contain_text("Approved: 1 comment.")
    expect(badge).to_have_text(str(before - 1))
    left = total - 1
    expect(page.locator("#held-total")).to_have_text(f"{left} held comment"
                                                     + ("" if left == 1 else "s"))
    second = items.nth(1)
    expect(second).to_have_class(lambda_has("is-current"))  # focus moved on by itself
    _shot(page, "ui-queue-after-approve.png")

    # x selects the next one, R rejects every selected comment, u undoes it.
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("1 selected")
    page.keyboard.press("Shift+R")
    expect(second).to_have_class(lambda_has("is-decided"))
    expect(page.locator("#live")).to_contain_text("Rejected: 1 comment.")
    expect(badge).to_have_text(str(before - 2))
    page.keyboard.press("u")
    expect(second).not_to_have_class(lambda_has("is-decided"))
    expect(badge).to_have_text(str(before - 1))

    # ? opens the shortcut help; Escape closes it.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    # A reload shows the queue without the approved comment.
    page.reload()
    expect(page.locator(f"#c-{approved_id}")).to_have_count(0)

    # The audit log names the moderator and links the approved comment.
    page.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(f"{server}/audit")
    row = page.locator("#audit tbody tr").filter(
        has=page.locator(f'a[href="/comments/{approved_id}"]'))
    expect(row.first).to_contain_text("Approved")
    expect(row.first).to_contain_text("mod")
    _shot(page, "ui-audit.png")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Decisions per day")).to_be_visible()
    assert page.locator("svg.civ-chart").count() >= 5
    _shot(page, "ui-dashboard.png", full_page=True)

    thread_link = page.locator('a[href^="/thread/"]').first
    thread_link.click()
    expect(page.locator("li.tcomment").first).to_be_visible()
    _shot(page, "ui-thread.png")

    # Hours at a screen: the same queue in the dark scheme, for a person to judge.
    page.emulate_media(color_scheme="dark")
    page.goto(f"{server}/queue")
    _shot(page, "ui-queue-dark.png")

    assert not problems, problems
    context.close()


def lambda_has(name: str) -> object:
    """A regex matching a class attribute that contains ``name`` as a whole word."""
    import re

    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def _signed_in(browser: object, server: str, problems: list[str]) -> object:
    """A fresh page signed in as ``mod``; page errors and console errors land in ``problems``."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    playwright_api.expect(page).to_have_url(f"{server}/queue")
    return page


def test_a_moderator_rejects_with_a_reason_and_finds_it_in_the_history_and_audit_log(
        server: str, browser: object) -> None:
    import re

    expect = playwright_api.expect
    problems: list[str] = []

    # A wrong password keeps the username; the password field waits for another try.
    context = browser.new_context(viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    login = context.new_page()
    login.goto(f"{server}/login")
    login.get_by_label("Username").fill("mod")
    login.get_by_label("Password").fill("not the password")
    login.get_by_label("Password").press("Enter")
    expect(login.get_by_role("alert")).to_contain_text("do not match")
    expect(login.get_by_label("Username")).to_have_value("mod")
    expect(login.get_by_label("Password")).to_be_focused()
    _shot(login, "ui-login-failed.png")
    context.close()

    # Every comment, whatever its state (earlier tests decided some): reject two that are not.
    page = _signed_in(browser, server, problems)
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="All comments")).to_be_visible()
    items = page.locator('li.qitem:not(.is-decided):not([data-status="reject"])')
    assert items.count() >= 2, "there are comments to reject"
    comment_id = items.nth(0).get_attribute("data-id")
    item = page.locator(f"#c-{comment_id}")
    note = item.locator("input.note")
    expect(note).to_be_hidden()  # the note appears once a reason is chosen
    item.locator("select.reason").select_option("hate")
    expect(note).to_be_visible()
    note.fill("slur about a nationality")
    _shot(page, "ui-queue-reject-reason.png")
    item.get_by_role("button", name=re.compile("^Reject")).click()
    expect(item).to_have_class(lambda_has("is-decided"))
    expect(item.locator(".outcome .word")).to_have_text(
        "Rejected: Hate — slur about a nationality")
    expect(page.locator("#live")).to_contain_text("Rejected: 1 comment.")

    # "Other" needs a note: the server refuses, the page says why, the comment stays.
    other = page.locator(f"#c-{items.nth(0).get_attribute('data-id')}")  # the next one
    other.locator("select.reason").select_option("other")
    other.get_by_role("button", name=re.compile("^Reject")).click()
    expect(page.locator("#ui-error")).to_contain_text("note")
    expect(other).not_to_have_class(lambda_has("is-decided"))

    # The comment's history and the audit log show the reason in words.
    page.goto(f"{server}/comments/{comment_id}")
    expect(page.locator(".history")).to_contain_text("Hate — slur about a nationality")
    _shot(page, "ui-comment.png", full_page=True)
    page.goto(f"{server}/audit")
    page.get_by_label("Action").select_option("comment.decision")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"action=comment\.decision"))
    row = page.locator("#audit tbody tr").filter(
        has=page.locator(f'a[href="/comments/{comment_id}"]')).first
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("Hate — slur about a nationality")
    _shot(page, "ui-audit-filtered.png")

    refused = [p for p in problems if "status of 400" not in p]  # the refused "other"
    assert not refused, refused
    page.context.close()


def test_every_page_renders_in_the_browser_without_errors(server: str, browser: object) -> None:
    expect = playwright_api.expect
    problems: list[str] = []
    page = _signed_in(browser, server, problems)
    page.goto(f"{server}/queue?status=all")
    first = page.locator("li.qitem").first.get_attribute("data-id")
    thread = page.locator('li.qitem .article a[href^="/thread/"]').first.get_attribute("href")
    pages = {
        "/queue?status=all&order=score": "All comments",
        "/queue?status=publish": "Published comments",
        "/queue?status=reject": "Rejected comments",
        f"/comments/{first}": "Scores",
        (thread or "/threads").split("#")[0]: "Held",
        "/threads": "Threads",
        "/audit": "Audit log",
        "/dashboard": "Dashboard",
    }
    for path, text in pages.items():
        response = page.goto(f"{server}{path}")
        assert response is not None and response.status == 200, path
        expect(page.locator("main")).to_contain_text(text)
        name = path.strip("/").replace("?status=", "-").split("&")[0].replace("/", "-")
        _shot(page, f"ui-page-{name}.png", full_page=True)
    assert not problems, problems
    page.context.close()
