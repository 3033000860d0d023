"""The calibration core: labels in, precision and recall by threshold, thresholds out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from civility import charts
from civility.calibrate import (
    Label,
    agreement,
    calibrate,
    curve,
    disagreements,
    latest,
    propose,
    reason_about,
    report_html,
    suggestion_label,
    summary_lines,
    wilson,
)
from civility.policy import Threshold, default_policy, loads_policy, policy_changes

T0 = datetime(2025, 3, 3, 12, tzinfo=UTC)  # a Monday


def lab(key: str, rejected: bool, threat: float, *, about: frozenset[str] | None = None,
        source: str = "moderator", at: datetime = T0, decision: str = "",
        comment_id: int | None = None, **more: float) -> Label:
    return Label(key, rejected, {"threat": threat, **more}, source, about,  # type: ignore[arg-type]
                 at, comment_id, f"text {key}", decision)


THREAT = frozenset({"threat"})


def test_precision_and_recall_at_each_threshold_count_the_labels() -> None:
    labels = [lab("a", True, 0.9, about=THREAT), lab("b", True, 0.7, about=THREAT),
              lab("c", False, 0.8), lab("d", True, 0.3, about=THREAT), lab("e", False, 0.1)]
    at = {p.threshold: p for p in curve(labels, "threat")}
    assert (at[0.75].flagged, at[0.75].rejected, at[0.75].precision) == (2, 1, 0.5)
    assert at[0.75].recall == pytest.approx(1 / 3)
    assert (at[0.7].flagged, at[0.7].rejected, at[0.7].caught) == (3, 2, 2)  # 0.7 counts at 0.7
    assert at[0.2].precision == 0.75 and at[0.2].recall == 1.0
    assert at[0.95].precision is None and at[0.95].recall == 0.0  # nothing flagged
    assert [p.threshold for p in curve(labels, "threat")][:3] == [0.01, 0.02, 0.03]
    assert curve(labels, "spam")[0].flagged == 0  # labels without the score are skipped


def test_a_rejection_counts_toward_recall_only_for_the_harm_its_reason_names() -> None:
    assert reason_about("threat: said where she lives") == THREAT
    assert reason_about("hate") == frozenset({"identity_attack", "dehumanization"})
    assert reason_about("other: rude") is None and reason_about("") is None
    labels = [lab("spam", True, 0.9, about=frozenset({"spam"})),
              lab("threat", True, 0.2, about=THREAT), lab("why-not-said", True, 0.9)]
    at = {p.threshold: p for p in curve(labels, "threat")}
    assert at[0.5].rejected == 2  # rejecting the spam automatically would have been right
    assert (at[0.5].caught, at[0.5].explainable) == (1, 2)  # but threat did not explain it


def test_a_coral_suggestion_is_a_rejection_about_no_particular_harm() -> None:
    assert suggestion_label({"toxicity": 1.0}) == (True, None)
    assert suggestion_label({"toxicity": 0.0}) == (False, None)
    assert suggestion_label({"toxicity": 0.9, "threat": 0.8}) == (True, THREAT)
    assert suggestion_label({}) is None and suggestion_label({"threat": float("nan")}) is None


def test_a_comment_judged_twice_counts_once_as_last_judged() -> None:
    first = lab("c1", True, 0.9, at=T0)
    again = lab("c1", False, 0.9, at=T0 + timedelta(hours=1), source="suggestscore")
    assert latest([again, first, lab("c2", True, 0.5)]) == [again, lab("c2", True, 0.5)]


def test_wilson_interval_is_wide_for_few_labels_and_narrow_for_many() -> None:
    lo, hi = wilson(9, 10)
    assert 0.55 < lo < 0.6 and 0.98 < hi <= 1.0
    lo, hi = wilson(900, 1000)
    assert hi - lo < 0.04
    assert wilson(0, 0) == (0.0, 1.0)


def _site(bad_approved: int = 1) -> list[Label]:
    """12 rejected threats at 0.60-0.71, 3 approved at 0.55-0.57, 5 rejected and
    ``bad_approved`` approved at 0.85+."""
    out = [lab(f"a{i}", True, 0.60 + i / 100, about=THREAT) for i in range(12)]
    out += [lab(f"c{i}", False, 0.55 + i / 100) for i in range(3)]
    out += [lab(f"d{i}", True, 0.86 + i / 100, about=THREAT) for i in range(5)]
    out += [lab(f"e{i}", False, 0.85) for i in range(bad_approved)]
    return out


def test_the_lowest_threshold_reaching_the_target_precision_is_proposed() -> None:
    result = calibrate(_site(), default_policy(), site="s", target=0.9).result("threat")
    assert result.status == "proposed" and result.proposed == 0.58  # 17/18; at 0.57 17/19
    assert result.at(0.58).precision == pytest.approx(17 / 18)
    assert result.note == "at 0.58 moderators rejected 17 of 18 (94%); was 0.80"
    # 95 % is only reached above 0.85, by five comments: too few to move anything.
    stricter = calibrate(_site(), default_policy(), target=0.95).result("threat")
    assert stricter.status == "unreachable" and stricter.proposed is None


def test_a_threshold_moderators_overrule_too_often_is_raised() -> None:
    labels = [lab(f"r{i}", True, 0.9 + i / 200, about=THREAT) for i in range(10)]
    labels += [lab(f"p{i}", False, 0.8 + i / 100) for i in range(6)]  # 0.80-0.85 approved
    result = calibrate(labels, default_policy(), target=0.9).result("threat")
    assert result.status == "proposed" and result.proposed == 0.85  # 10 of 11 there
    assert result.at(0.8).precision == pytest.approx(10 / 16)
    assert result.note == "at 0.85 moderators rejected 10 of 11 (91%); was 0.80"


def test_too_few_labels_keep_the_threshold_and_say_so() -> None:
    labels = [lab(f"r{i}", True, 0.7, about=THREAT) for i in range(4)]
    result = calibrate(labels, default_policy(), min_support=10).result("threat")
    assert result.status == "too_few" and result.proposed is None
    assert result.note == ("too few labels: 4 rejections threat could explain, 10 needed; "
                           "the threshold stays")
    assert propose(default_policy(), calibrate(labels, default_policy(), site="s")
                   ).thresholds == default_policy().thresholds


def test_a_threshold_is_not_lowered_past_comments_nobody_judged() -> None:
    """Moderators rejected every held threat (all at 0.8+): the data say nothing about
    0.3, so 100 % precision there must not pull the threshold down to it."""
    labels = [lab(f"r{i}", True, 0.8 + i / 100, about=THREAT) for i in range(15)]
    labels += [lab("low", True, 0.3, about=THREAT)]
    result = calibrate(labels, default_policy(), target=0.9).result("threat")
    assert result.status == "kept" and result.proposed is None


def test_no_threshold_reaching_the_target_keeps_the_current_one() -> None:
    labels = [lab(f"r{i}", i % 2 == 0, 0.5 + i / 100, about=THREAT) for i in range(40)]
    result = calibrate(labels, default_policy(), target=0.9).result("threat")
    assert result.status == "unreachable" and "no threshold reaches 90%" in result.note


def test_attributes_the_policy_never_rejects_on_are_reported_unless_asked() -> None:
    labels = [lab(f"r{i}", True, 0.01, toxicity=0.9) for i in range(12)]
    labels += [lab(f"p{i}", False, 0.01, toxicity=0.5) for i in range(12)]
    reported = calibrate(labels, default_policy()).result("toxicity")
    assert reported.status == "report_only" and reported.proposed is None
    assert reported.reaching == 0.51 and "--add-reject" in reported.note
    added = calibrate(labels, default_policy(), add_reject=True).result("toxicity")
    assert added.status == "proposed" and added.proposed == 0.51
    policy = propose(default_policy(), calibrate(labels, default_policy(), add_reject=True))
    assert policy.thresholds["toxicity"] == Threshold(review=0.51, reject=0.51)  # review ≤


def test_the_proposed_policy_reads_back_and_keeps_every_rule() -> None:
    news = default_policy()
    cal = calibrate(_site(), news, site="herald", generated=T0)
    proposed = propose(news, cal)
    again = loads_policy(proposed.to_toml())
    assert again == proposed and again.name == "news (calibrated for herald 2025-03-03)"
    assert again.thresholds["threat"] == Threshold(review=0.5, reject=0.58)
    assert again.group_rules == news.group_rules and again.word_rules == news.word_rules
    assert policy_changes(news, again)[1:] == ["threat.reject: 0.80 → 0.58"]
    toml = proposed.to_toml()
    assert "civility policy apply FILE --site herald" in toml
    assert "# civility calibrate, 2025-03-03: at 0.58 moderators rejected 17 of 18" in toml
    # Calibrating the calibrated policy again names it once, not twice.
    assert propose(again, calibrate(_site(), again, site="herald", generated=T0)
                   ).name == "news (calibrated for herald 2025-03-03)"


def test_target_precision_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="target precision"):
        calibrate([], default_policy(), target=1.5)


def test_agreement_per_week_separates_agreed_overruled_and_held() -> None:
    labels = [
        lab("1", True, 0.9, decision="reject", at=T0),                         # agreed
        lab("2", False, 0.9, decision="reject", at=T0 + timedelta(days=2)),     # overruled
        lab("3", True, 0.6, decision="review", at=T0 + timedelta(days=6)),      # held
        lab("4", False, 0.1, decision="publish", at=T0 + timedelta(days=14)),   # agreed
        lab("5", True, 0.1, decision="", at=T0),  # never scored here: not counted
    ]
    weeks = agreement(labels, period="week")
    assert [w.start for w in weeks] == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]
    assert (weeks[0].agreed, weeks[0].overruled, weeks[0].held) == (1, 1, 1)
    assert weeks[0].agreement == 0.5 and weeks[1].judged == 0 and weeks[1].agreement is None
    assert weeks[2].agreement == 1.0
    days = agreement(labels, period="day", first=date(2025, 3, 1), last=date(2025, 3, 4))
    assert [d.judged for d in days] == [0, 0, 1, 0]
    assert agreement([], period="week") == []


def test_disagreements_list_the_highest_scored_approvals_and_lowest_scored_rejections() -> None:
    labels = [
        lab("held-approved", False, 0.6, decision="review", comment_id=1),
        lab("rejected-by-model", False, 0.7, decision="reject", comment_id=2),
        lab("rejected-high", False, 0.95, decision="reject", comment_id=3),
        lab("agreed", True, 0.95, decision="reject", comment_id=4),
        lab("published-rejected", True, 0.05, decision="publish", comment_id=5),
        lab("held-rejected", True, 0.02, decision="review", comment_id=6),
        lab("not-stored", False, 0.99, decision="reject"),
    ]
    approved, rejected = disagreements(labels)
    assert [x.key for x in approved] == ["rejected-high", "rejected-by-model", "held-approved"]
    assert [x.key for x in rejected] == ["published-rejected", "held-rejected"]


def test_the_terminal_summary_names_each_attribute_and_the_next_step() -> None:
    lines = summary_lines(calibrate(_site(), default_policy(), site="herald"))
    assert lines[0].startswith("site 'herald': 21 labelled comments (21 moderator decisions")
    threat = next(line for line in lines if line.strip().startswith("threat"))
    assert "reject 0.80 (precision 83%, recall 29%) → propose 0.58" in threat


def test_the_report_draws_one_precision_recall_chart_per_attribute() -> None:
    news = default_policy()
    cal = calibrate(_site(), news, site="herald", generated=T0)
    html = report_html(cal, current=news, proposed=propose(news, cal),
                       periods=agreement(cal.labels, first=T0.date(), last=T0.date()))
    assert html.startswith("<!doctype html>") and html.count("<svg") == 12
    assert 'id="chart-threat-t"' in html and "proposed 0.58" in html
    assert "<script" not in html and "src=" not in html
    assert "1 threshold to change" in html and "threat.reject: 0.80 → 0.58" in html


def test_line_chart_draws_curves_breaks_gaps_and_labels_markers() -> None:
    svg = charts.line_chart(
        [charts.Curve("precision", [(0.1, 0.5), (0.2, None), (0.3, 0.9), (0.4, 1.0)]),
         charts.Curve("empty", [(0.1, None)])],
        title="t", markers=[charts.Marker(0.8, "reject 0.80"), charts.Marker(0.82, "new")],
        chart_id="c")
    assert svg.count("<polyline") == 1  # 0.3-0.4; the lone 0.1 point is a dot
    assert svg.count("<circle") == 1 and "empty" not in svg
    assert "reject 0.80" in svg and ">new<" in svg
    ys = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*fill="#1F2328" '
                                       r'font-weight="600"', svg)]
    assert len(set(ys)) == 2  # close markers are staggered, not drawn over each other
    assert "No data" in charts.line_chart([charts.Curve("x", [])], title="t")
