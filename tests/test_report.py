"""Specification of ``civility report``: a self-contained HTML report read at a glance."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from civility.records import ATTRIBUTES, Span, Target, Verdict
from civility.report import (
    ReportRow,
    ReportStats,
    build_report,
    collect,
    headline,
    highlight,
    report_cmd,
    rows_from_scored,
)
from tests.helpers import EXAMPLE_PAGE, REPO, needs_example

GENERATED = datetime(2025, 7, 2, 9, 30, tzinfo=UTC)
XSS = '<script>window.__pwned=1</script><img src="x" onerror="window.__pwned=2">'


def _scores(**high: float) -> dict[str, float]:
    return {a: high.get(a, 0.05) for a in ATTRIBUTES}


def _v(ident: str, decision: str, text: str = "", targets: tuple[str, ...] = (), **scores: float):
    cats = {"Turks": "nationality", "Azerbaijanis": "nationality", "Arabs": "ethnicity",
            "Russians": "nationality"}
    return Verdict(
        id=ident,
        text=text or f"comment {ident}",
        attributes=_scores(**scores),
        targets=tuple(Target(g, cats.get(g, "nationality"), g.lower(), 0, 1) for g in targets),
        spans=(),
        decision=decision,  # type: ignore[arg-type]
        reasons=(f"{decision} because of comment {ident}",),
    )


def _example_like() -> list[Verdict]:
    """Fourteen comments shaped like the example page: identity attacks on Turks and
    Azerbaijanis dominate, threats come second, and a few are swearing or fine."""
    return [
        _v("1", "reject", targets=("Azerbaijanis", "Turks"), identity_attack=0.97,
           dehumanization=0.9, toxicity=0.97),
        _v("2", "reject", targets=("Russians", "Arabs"), identity_attack=0.95, profanity=0.9,
           toxicity=0.98),
        _v("3", "reject", targets=("Turks",), identity_attack=0.96, threat=0.95, toxicity=0.99),
        _v("4", "reject", targets=("Turks",), identity_attack=0.93, toxicity=0.9),
        _v("5", "review", targets=("Azerbaijanis",), identity_attack=0.7, toxicity=0.6),
        _v("6", "reject", threat=0.92, toxicity=0.9),
        _v("7", "reject", targets=("Azerbaijanis", "Turks"), identity_attack=0.9, threat=0.97,
           profanity=0.9, toxicity=0.99),
        _v("8", "review", insult=0.62, toxicity=0.6),
        _v("9", "review", profanity=0.8, toxicity=0.8),
        _v("10", "publish"),
        _v("11", "publish"),
        _v("12", "publish"),
        _v("13", "publish", toxicity=0.3),
        _v("14", "publish"),
    ]


def _stats(verdicts, **kw) -> ReportStats:
    return collect(ReportRow(v, **kw) for v in verdicts)


# --------------------------------------------------------------------------- headline


def test_the_headline_tells_the_story_of_the_page_from_the_data():
    head, lede = headline(_stats(_example_like()))
    assert head == (
        "9 of 14 comments held or rejected — mostly identity attacks on Turks and "
        "Azerbaijanis, and threats"
    )
    assert lede.startswith("6 rejected, 3 held for review and 5 published of 14 comments.")
    assert "Turks most often (in 4 comments)" in lede


def test_the_headline_names_a_second_problem_only_when_it_weighs_enough():
    verdicts = [_v(str(i), "reject", targets=("Turks",), identity_attack=0.99) for i in range(5)]
    verdicts.append(_v("x", "review", insult=0.55))
    head, _ = headline(_stats(verdicts))
    assert head == "All 6 comments held or rejected — mostly identity attacks on Turks"


def test_swearing_does_not_outrank_threats_in_the_headline():
    verdicts = [_v(f"p{i}", "review", profanity=0.95) for i in range(3)]
    verdicts += [_v(f"t{i}", "reject", threat=0.95) for i in range(3)]
    head, _ = headline(_stats(verdicts))
    assert "mostly threats, and profanity" in head


def test_toxicity_names_the_problem_only_when_nothing_more_specific_does():
    head, _ = headline(_stats([_v("1", "review", toxicity=0.9), _v("2", "publish")]))
    assert head == "1 of 2 comments held for review — mostly abusive language"
    head, _ = headline(_stats([_v("1", "review", toxicity=0.99, insult=0.7)]))
    assert head.endswith("mostly insults")


def test_a_clean_page_and_an_empty_input_get_plain_headlines():
    assert headline(_stats([_v("1", "publish"), _v("2", "publish")]))[0] == (
        "All 2 comments published — nothing needed a moderator")
    assert headline(ReportStats())[0] == "No comments to report"


# --------------------------------------------------------------------------- highlighting


def test_highlight_marks_flagged_words_at_their_original_offsets():
    text = "turds are dogs. they should be eradicated."
    start = text.index("eradicated")
    html = highlight(text, [Span(start, start + 10, "threat", "eradicated", 0.93),
                            Span(0, 5, "identity_attack", "turds", 0.88)])
    assert html == (
        '<mark class="a-identity_attack" title="identity attack 0.88">turds</mark> are dogs. '
        'they should be <mark class="a-threat" title="threat 0.93">eradicated</mark>.'
    )


def test_overlapping_spans_take_the_strongest_colour_and_list_every_attribute():
    text = "arab subhumans"
    html = highlight(text, [Span(0, 14, "identity_attack", text, 0.85),
                            Span(5, 14, "dehumanization", "subhumans", 0.9)])
    assert html.startswith('<mark class="a-identity_attack" title="identity attack 0.85">arab ')
    assert 'title="dehumanization 0.90, identity attack 0.85">subhumans</mark>' in html


def test_highlight_escapes_the_text_and_ignores_spans_outside_it():
    html = highlight(XSS, [Span(0, 8, "threat", "<script>", 0.9), Span(5, 999, "insult", "", 1)])
    assert "<script>" not in html and "<img" not in html
    assert html.startswith('<mark class="a-threat" title="threat 0.90">&lt;script&gt;</mark>')


# --------------------------------------------------------------------------- the document


def _report(verdicts, **kw) -> str:
    return build_report(_stats(verdicts), title="Test page", generated=GENERATED, **kw)


def test_the_report_is_one_self_contained_document_that_fetches_nothing():
    html = _report(_example_like())
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html)
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", html)
    assert set(re.findall(r"https?://[^\"'\s)]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in html  # even injected markup could not load anything


def test_the_report_leads_with_the_headline_and_summary_figures():
    html = _report(_example_like())
    assert re.search(r'<h1 id="headline">9 of 14 comments held or rejected — mostly identity '
                     r"attacks on Turks and Azerbaijanis, and threats</h1>", html)
    for label in ("Comments", "Published", "Held for review", "Rejected", "Main problem"):
        assert f'<div class="label">{label}</div>' in html
    assert "43% of comments" in html  # 6 rejected of 14
    assert '<div class="value">Identity attacks</div>' in html


def test_the_report_has_the_decision_attribute_and_group_charts():
    html = _report(_example_like())
    for title in ("Decisions", "Which problems", "Most targeted groups", "How the scores fall"):
        assert f"<strong>{title}</strong>" in html
    assert html.count("<svg") >= 4
    assert "Turks" in html and "nationality" in html


def test_per_article_and_time_charts_appear_only_when_the_data_has_them():
    plain = _report(_example_like())
    assert "Toxicity per article" not in plain and "Over time" not in plain
    rows = [
        ReportRow(v, article=f"id:{i % 3}", article_label=f"Article {i % 3}",
                  created=GENERATED + timedelta(hours=i))
        for i, v in enumerate(_example_like())
    ]
    html = build_report(collect(rows), generated=GENERATED)
    assert "<strong>Toxicity per article</strong>" in html and "Article 2" in html
    assert "<strong>Over time</strong>" in html and "Comments per hour." in html


def test_the_worst_comments_come_first_with_their_targets_and_reasons():
    html = _report(_example_like())
    order = re.findall(r"comment (\d+)</span>", html)
    assert order[:3] == ["3", "7", "2"]  # 0.99, 0.99 (later), 0.98
    assert 'class="chip"' in html and "reject because of comment 3" in html


def test_only_the_top_n_worst_comments_are_kept_while_reading():
    stats = ReportStats(top_n=3)
    for i in range(500):
        stats.add(ReportRow(_v(str(i), "review", threat=(i % 97) / 100)))
    assert [r.verdict.id for r in stats.worst()] == ["96", "193", "290"]
    assert len(stats._worst) == 3


def test_every_piece_of_user_text_in_the_report_is_escaped():
    evil = Verdict(
        id=XSS, text=XSS, attributes=_scores(threat=0.9),
        targets=(Target(XSS, "nationality", "x", 0, 1),),
        spans=(Span(0, 8, "threat", "<script>", 0.9),),
        decision="reject", reasons=(XSS,),
    )
    html = build_report(
        collect([ReportRow(evil, article="a", article_label=XSS)]),
        title=XSS, excerpt=XSS, source=XSS, generated=GENERATED,
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_a_scored_file_without_text_shows_the_flagged_words_alone():
    line = Verdict.from_dict(
        _v("1", "reject", text="they should be eradicated", threat=0.9).to_dict()
    )
    assert line.text == ""
    html = build_report(collect([ReportRow(line, has_text=False)]), generated=GENERATED)
    assert "Text not in the scored file" in html


# --------------------------------------------------------------------------- reading scored files


def test_verdict_from_dict_inverts_to_dict_with_and_without_text():
    v = Verdict("c1", "nuke 'em", _scores(threat=0.9),
                (Target("Turks", "nationality", "turks", 0, 5),),
                (Span(0, 4, "threat", "nuke", 0.9),), "reject", ("threat 0.90",), "m@1")
    assert Verdict.from_dict(v.to_dict(include_text=True)) == v
    assert Verdict.from_dict(v.to_dict()).text == ""
    with_language = replace(v, language="az")
    assert Verdict.from_dict(with_language.to_dict(include_text=True)) == with_language


def test_scored_lines_carry_articles_and_timestamps_and_bad_lines_are_reported():
    base = _v("1", "review", insult=0.7).to_dict()
    lines = [
        json.dumps({**base, "article_id": "a1", "article_title": "Tram line",
                    "created": "2025-07-01T10:00:00Z"}),
        json.dumps({**base, "article": "Full text of an article " * 10,
                    "timestamp": 1751364000000}),
        json.dumps({**base, "created_at": "2025-07-01 12:30:00"}),
        "{not json",
        json.dumps({"id": "x", "text": "unscored"}),
        "",
    ]
    errors: list[tuple[int, str]] = []
    rows = list(rows_from_scored(lines, lambda n, why: errors.append((n, why))))
    assert [e[0] for e in errors] == [4, 5]
    assert rows[0].article == "id:a1" and rows[0].article_label == "Tram line"
    assert rows[0].created == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert rows[1].article_label.startswith("Full text of an article")
    assert rows[1].created == datetime(2025, 7, 1, 10, tzinfo=UTC)  # epoch milliseconds
    assert rows[2].created == datetime(2025, 7, 1, 12, 30, tzinfo=UTC)  # naive read as UTC
    assert rows[2].article is None and not rows[2].has_text


def test_the_command_reports_on_a_scored_file_without_loading_a_model(tmp_path):
    scored = tmp_path / "scored.jsonl"
    lines = [
        {**v.to_dict(include_text=i % 2 == 0), "article_id": f"a{i % 2}",
         "created": (GENERATED + timedelta(hours=i)).isoformat()}
        for i, v in enumerate(_example_like())
    ]
    scored.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(report_cmd, [str(scored), "-o", str(out), "--top", "3"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "9 of 14 comments held or rejected" in html
    assert "The worst 3 comments" in html and "Toxicity per article" in html
    assert "1 input line could not be read" in html
    assert "line 15" in result.output


def test_the_command_refuses_a_missing_input(tmp_path):
    result = CliRunner().invoke(report_cmd, [str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0 and "no such file" in result.output


# --------------------------------------------------------------------------- the example page





@pytest.fixture(scope="module")
def example_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(report_cmd, [str(EXAMPLE_PAGE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@needs_example
def test_the_example_pages_report_names_its_attacked_groups_in_the_headline(example_report):
    html = example_report.read_text()
    head = re.search(r'<h1 id="headline">(.*?)</h1>', html).group(1)
    assert re.match(r"(All \d+|\d+ of 14) comments (held or rejected|rejected)", head)
    assert "identity attacks on" in head and "Turks" in head
    assert "Comments on “The recent deterioration of relations" in html


# --------------------------------------------------------------------------- in a real browser

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else (
    shutil.which("chromium") or "/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


def _open(browser, path: Path, width: int = 1200):
    """A page showing ``path`` that records (and blocks) every request but the file itself."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return page, requests


def test_a_report_with_hostile_comments_renders_without_running_them(browser, tmp_path):
    evil = _v("e", "reject", text=XSS, targets=("Turks",), threat=0.9, identity_attack=0.9)
    path = tmp_path / "evil.html"
    path.write_text(build_report(_stats([evil, *_example_like()]), generated=GENERATED))
    page, requests = _open(browser, path)
    assert page.evaluate("window.__pwned") is None
    assert requests == []
    assert page.get_by_text(XSS, exact=True).is_visible()  # shown as text, literally
    page.close()


@needs_example
def test_the_example_report_renders_its_charts_offline_in_chromium(browser, example_report):
    page, requests = _open(browser, example_report)
    assert page.locator("h1#headline").is_visible()
    charts = page.locator("svg.civ-chart")
    assert charts.count() >= 4
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert charts.nth(i).is_visible() and box["width"] > 200 and box["height"] > 30
    assert page.locator("article.comment mark").count() > 0
    assert requests == []
    artifacts = REPO / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    page.close()


def test_a_comment_posted_many_times_takes_one_place_in_the_worst_list_with_its_count():
    insult = Verdict("x", "You are a pathetic moron", {"insult": 0.95, "toxicity": 0.9}, (),
                     (Span(10, 24, "insult", "pathetic moron", 0.95),), "reject", ("insult",))
    rows = [ReportRow(replace(insult, id=f"d{i}", text=insult.text.upper() if i % 2 else
                              insult.text)) for i in range(10)]
    rows.insert(3, ReportRow(replace(insult, id="other", text="Another insult entirely",
                                     attributes={"insult": 0.6})))
    stats = collect(rows, top_n=3)
    assert [(r.verdict.id, n) for r, n in stats.worst_counted()] == [("d0", 10), ("other", 1)]
    html = build_report(stats, generated=GENERATED)
    assert html.count("pathetic moron") == 1 and "comment d0 and 9 identical copies" in html
