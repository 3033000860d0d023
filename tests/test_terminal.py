"""Specification of the terminal moderation report."""

from __future__ import annotations

import io
import re

from rich.console import Console

from civility.records import Span, Target, Verdict
from civility.terminal import render_report

ANSI = re.compile(r"\x1b\[")

THREAT_TEXT = "turds are dogs. they should be eradicated. fuck turdkey."


def _threat_verdict() -> Verdict:
    text = THREAT_TEXT
    start = text.index("eradicated")
    return Verdict(
        id="c3",
        text=text,
        attributes={"threat": 0.93, "identity_attack": 0.88, "dehumanization": 0.81,
                    "profanity": 0.6, "spam": 0.01},
        targets=(Target("Turks", "nationality", "turds", 0, 5),
                 Target("Turks", "nationality", "turdkey", 48, 55)),
        spans=(Span(start, start + len("eradicated"), "threat", "eradicated", 0.93),
               Span(0, 5, "identity_attack", "turds", 0.88)),
        decision="reject",
        reasons=("threat 0.93 ≥ reject threshold 0.80",
                 "identity attack on Turks (0.88) → reject under the group rule for nationality"),
    )


def _published_verdict() -> Verdict:
    return Verdict(id="c12", text="this has all the fingerprints of a maximum pressure campaign",
                   attributes={"toxicity": 0.1}, targets=(), spans=(), decision="publish",
                   reasons=("policy 'news': published, no attribute above a review threshold",))


def _recorded(verdicts, **kwargs) -> Console:
    console = Console(record=True, width=100, file=io.StringIO())
    render_report(verdicts, console=console, **kwargs)
    return console


def test_report_header_shows_title_counts_and_split_confidence():
    verdicts = [_threat_verdict(), _published_verdict(), _published_verdict()]
    text = _recorded(verdicts, title="Russia and Azerbaijan", page_confidence=0.72).export_text()
    assert "Russia and Azerbaijan" in text
    assert "3 comments" in text
    assert "[PUBLISH 2]" in text and "[REVIEW 0]" in text and "[REJECT 1]" in text
    assert "split confidence 0.72" in text


def test_report_warns_when_the_page_split_is_uncertain():
    text = _recorded([_published_verdict()], page_confidence=0.4).export_text()
    assert "low: check where comments begin and end" in text


def test_report_highlights_offending_words_at_original_offsets():
    console = _recorded([_threat_verdict()])
    html = console.export_html(inline_styles=True, clear=False)
    # the flagged word itself is wrapped in a styled element, its neighbours are not
    assert re.search(r'<span style="[^"]*">eradicated</span>', html)
    assert re.search(r'<span style="[^"]*">turds</span>', html)
    assert not re.search(r'<span style="[^"]*">[^<]*should[^<]*</span>', html)
    # without colour the span is marked in the text, at the same characters
    assert "«turds» are dogs. they should be «eradicated». fuck turdkey." in console.export_text()


def test_report_styles_spans_in_the_attribute_colour_on_a_terminal():
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system="truecolor")
    render_report([_threat_verdict()], console=console)
    ansi = out.getvalue()
    assert ANSI.search(ansi)
    assert "«" not in ansi  # colour carries the highlight, the text is left as written
    assert re.search(r"\x1b\[[0-9;]*\b31meradicated\x1b\[0m", ansi)  # threat spans are red


def test_report_without_terminal_has_no_ansi_codes():
    out = io.StringIO()
    console = Console(file=out, width=80)
    assert not console.is_terminal
    render_report([_threat_verdict(), _published_verdict()], console=console, title="Page")
    text = out.getvalue()
    assert not ANSI.search(text)
    assert "«eradicated»" in text
    assert "[REJECT]" in text


def test_report_with_no_color_marks_spans_in_the_text():
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, no_color=True)
    render_report([_threat_verdict()], console=console)
    assert re.search(r"«(\x1b\[[0-9;]*m)?eradicated(\x1b\[0m)?»", out.getvalue())


def test_report_shows_the_top_three_attributes_as_bars_and_skips_low_scores():
    text = _recorded([_threat_verdict()]).export_text()
    assert re.search(r"threat\s+█████████░ 0\.93", text)
    assert "identity attack" in text and "dehumanization" in text
    assert not re.search(r"profanity\s+█", text)  # fourth highest
    assert "spam" not in text  # below 0.2


def test_report_shows_each_targeted_group_once_as_a_chip():
    text = _recorded([_threat_verdict()]).export_text()
    assert text.count("[Turks · nationality]") == 1


def test_report_lists_every_reason():
    text = _recorded([_threat_verdict()]).export_text()
    assert "threat 0.93 ≥ reject threshold 0.80" in text
    assert "identity attack on Turks (0.88)" in text


def test_report_wraps_long_comments_to_the_console_width():
    long = _published_verdict()
    long = Verdict(**{**_asdict(long), "text": "word " * 200})
    text = _recorded([long]).export_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    assert text.count("word") == 200


def test_report_prints_comment_text_literally_not_as_markup():
    markup = "[bold red]hi[/bold red] :smile:"
    verdict = Verdict(**{**_asdict(_published_verdict()), "text": markup})
    assert markup in _recorded([verdict]).export_text()


def test_report_ignores_spans_outside_the_text():
    verdict = Verdict(**{**_asdict(_published_verdict()),
                         "spans": (Span(500, 510, "threat", "x"), Span(5, 2, "threat", "x"))})
    assert "«" not in _recorded([verdict]).export_text()


def test_report_with_no_comments_says_so():
    assert "No comments found" in _recorded([], title="Empty page").export_text()


def test_report_shows_an_excerpt_of_the_article_shortened():
    text = _recorded([_published_verdict()], article_excerpt="Relations worsened. " * 100)
    exported = text.export_text()
    assert "Relations worsened." in exported
    assert "…" in exported
    assert exported.count("Relations worsened.") < 20


def _asdict(v: Verdict) -> dict:
    return {f: getattr(v, f) for f in Verdict.__slots__}
