"""The calibration report and the dashboard's agreement panel in a real browser.

``civility calibrate`` runs on a database where a site's moderators judged comments; the
report it writes opens in Debian's headless Chromium from a file (nothing to fetch) with a
precision/recall chart per attribute, the thresholds marked, and the agreement chart. The
dashboard shows the same agreement to a signed-in moderator. Screenshots land in
``artifacts/``. Skips cleanly where Chromium or Playwright is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_browser
from tests.test_browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]
playwright_api = pytest.importorskip("playwright.sync_api")

from civility.records import ATTRIBUTES  # noqa: E402
from civility.server.app import create_app  # noqa: E402
from civility.server.settings import Settings  # noqa: E402
from civility.store import Store, accounts  # noqa: E402
from tests.helpers import live_server  # noqa: E402
from tests.test_calibrate_cli import SITE, civility, seed_labelled_site  # noqa: E402
from tests.test_ui import PASSWORD, StubModerator  # noqa: E402

browser = test_browser.browser  # Chromium, once for the module


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, int]:
    """The database, the report, and the comment people approved though the model rejected
    it (threat 0.85): the first of the dashboard's disagreements."""
    folder = tmp_path_factory.mktemp("calibration")
    url = f"sqlite:///{folder / 'civility.db'}"
    ids = seed_labelled_site(url).ids
    done = civility("calibrate", "--site", SITE, "--db", url, cwd=folder)
    assert done.returncode == 0, done.stderr
    return url, folder / f"calibration-{SITE}.html", ids["D"][0]


def _watch(page: object) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))  # type: ignore[attr-defined]
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")  # type: ignore[attr-defined]
            if msg.type == "error" else None)
    page.on("request", lambda req: problems.append(f"fetched {req.url}")  # type: ignore[attr-defined]
            if not req.url.startswith(("file:", "data:")) else None)
    return problems


def test_the_calibration_report_draws_its_charts_in_chromium(seeded, browser) -> None:
    _, report, _ = seeded
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems = _watch(page)
    expect = playwright_api.expect
    page.goto(report.as_uri())
    expect(page.get_by_role("heading", name="1 threshold to change")).to_be_visible()
    charts = page.locator("svg.civ-chart")
    assert charts.count() == len(ATTRIBUTES) + 1
    threat = page.locator("svg[aria-labelledby^='chart-threat-t']")
    expect(threat).to_be_visible()
    box = threat.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 120  # drawn, not empty
    # precision and recall are lines, and the thresholds are marked and labelled
    assert threat.locator("polyline").count() >= 3
    for label in ("review 0.50", "reject 0.80", "proposed 0.58"):
        expect(threat.locator("text", has_text=label)).to_be_visible()
    agreement = page.locator("svg[aria-labelledby^='chart-agreement-t']")
    expect(agreement).to_be_visible()
    assert agreement.locator("polyline, circle").count() >= 1
    # Too few labels are said in words, in the figure of the attribute concerned.
    expect(page.locator("figure.status-too_few").first).to_contain_text("Too few labels")
    page.locator("figure.status-proposed details summary").click()
    expect(page.locator("figure.status-proposed table.points")).to_contain_text("proposed")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "calibration-report.png"), full_page=True)
    page.locator("figure.status-proposed").screenshot(
        path=str(ARTIFACTS / "calibration-threat.png"))
    assert problems == []
    context.close()


def test_the_dashboard_shows_agreement_and_disagreements_in_chromium(seeded, browser) -> None:
    url, _, overruled = seeded
    store = Store(url)
    with store.session() as db:
        accounts.create_moderator(db, "mod", PASSWORD)
    store.close()
    app = create_app(Settings(db_url=url, moderator=StubModerator(), secret_key="browser",
                              rescore_pending=False))
    with live_server(app) as base:
        context = browser.new_context(viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
        page = context.new_page()
        problems = _watch(page)
        expect = playwright_api.expect
        page.goto(f"{base}/login?next=/dashboard")
        page.get_by_label("Username").fill("mod")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        expect(page).to_have_url(f"{base}/dashboard")
        section = page.locator("#agreement")
        expect(section.get_by_role("heading", name="Model and moderators")).to_be_visible()
        expect(section.locator("svg.civ-chart")).to_be_visible()
        first = section.locator("ol.disagree a").first
        expect(first).to_have_text("Threat 0.85")
        section.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        section.screenshot(path=str(ARTIFACTS / "dashboard-agreement.png"))
        first.click()
        expect(page).to_have_url(f"{base}/comments/{overruled}")
        expect(page.get_by_text("A very threatening comment, case 0.")).to_be_visible()
        assert [p for p in problems if not p.startswith("fetched")] == []
        context.close()
