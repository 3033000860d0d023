"""Learning a site's thresholds from its own moderators.

Every time a moderator approves or rejects a comment, and every time a client sends
Perspective's ``comments:suggestscore`` (Coral Talk does so for each moderator decision), a
person has said what a comment deserved. These pure functions set that beside what the
model scored: per attribute, the precision and recall of "reject at score ≥ t" for every t,
the lowest threshold at which the site's moderators would have agreed often enough (a
target precision), the policy that follows, and how model and moderators agree over time.
Reading the labels is :mod:`civility.store.calibration`'s job; the command is
``civility calibrate``.

Definitions, per attribute A and threshold t, over the labelled comments:

* precision(t): of the comments scoring A ≥ t, the share the moderators rejected (for
  whatever reason: rejecting it automatically would have been right);
* recall(t): of the rejections A could explain, the share scoring A ≥ t. A rejection
  "could explain" A when its reason names a kind of harm A measures (``threat`` → threat)
  or names none (no reason, "other", Coral's single TOXICITY score).

People label what they see: mostly comments the model held, some it published that
readers reported, few it rejected. Below the thresholds in force the numbers rest on few
labels, so a threshold is only lowered where enough labelled comments lie between the new
and the old value, and every figure carries its count.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Literal

from civility.charts.base import percent
from civility.labels import attribute_label
from civility.policy import Policy, Threshold
from civility.records import ACTIONS, ATTRIBUTES

__all__ = [
    "REASON_ATTRIBUTES",
    "THRESHOLDS",
    "AttributeResult",
    "Calibration",
    "Label",
    "Period",
    "Point",
    "agreement",
    "calibrate",
    "curve",
    "disagreements",
    "latest",
    "propose",
    "reason_about",
    "report_html",
    "suggestion_label",
    "summary_lines",
    "wilson",
]

#: The thresholds every curve is computed at (0.01 … 0.99).
THRESHOLDS: tuple[float, ...] = tuple(round(i / 100, 2) for i in range(1, 100))
#: A moderator's reject reason (the code before any ": note") → the attributes it is about.
REASON_ATTRIBUTES: dict[str, frozenset[str]] = {
    "abusive": frozenset({"toxicity", "severe_toxicity", "insult", "profanity"}),
    "hate": frozenset({"identity_attack", "dehumanization"}),
    "threat": frozenset({"threat"}),
    "spam": frozenset({"spam"}),
    "off-topic": frozenset({"off_topic"}),
}
#: Perspective's umbrella attribute: a suggestion naming only it says "unacceptable", not why.
UMBRELLA = "toxicity"

Source = Literal["moderator", "suggestscore"]
Status = Literal["proposed", "kept", "too_few", "unreachable", "report_only"]


@dataclass(frozen=True, slots=True)
class Label:
    """One comment a person judged, beside what the model made of it.

    ``key`` identifies the comment (a stored comment's ``comment:<id>``, else the text's), so
    a comment judged twice counts once, as last judged. ``about`` names the attributes the
    rejection was for; None when it names none. ``scores`` is empty until scored.
    """

    key: str
    rejected: bool
    scores: Mapping[str, float]
    source: Source = "moderator"
    about: frozenset[str] | None = None
    at: datetime | None = None
    comment_id: int | None = None
    text: str = ""
    #: The model's decision on the stored comment ("" when not stored or not scored).
    model_decision: str = ""
    model_version: str = ""
    actor: str = ""
    site: str = ""


def reason_about(reason: str) -> frozenset[str] | None:
    """The attributes a moderator's reject reason (``"hate: slur"``) is about, or None."""
    code = reason.split(":", 1)[0].strip().lower()
    return REASON_ATTRIBUTES.get(code)


def suggestion_label(summary: Mapping[str, float]) -> tuple[bool, frozenset[str] | None] | None:
    """(rejected, about) from a suggestion's whole-comment scores; None when it has none.

    A score of 0.5 or more means the person found that attribute present. Coral sends one
    score, TOXICITY, 1 for a rejection and 0 for an approval, whatever the reason: that
    umbrella alone says nothing about which kind of harm it was.
    """
    values = {a: v for a, v in summary.items() if not math.isnan(v)}
    if not values:
        return None
    present = frozenset(a for a, v in values.items() if v >= 0.5)
    return bool(present), (present - {UMBRELLA}) or None


def latest(labels: Iterable[Label]) -> list[Label]:
    """One label per comment: the last judgement (by time, then by order given)."""
    best: dict[str, tuple[float, int, Label]] = {}
    for n, label in enumerate(labels):
        when = label.at.timestamp() if label.at is not None else float("-inf")
        held = best.get(label.key)
        if held is None or (when, n) >= held[:2]:
            best[label.key] = (when, n, label)
    return [item[2] for item in sorted(best.values(), key=lambda item: item[1])]


# --------------------------------------------------------------------------- curves


@dataclass(frozen=True, slots=True)
class Point:
    """The outcome of rejecting at ``score ≥ threshold``, counted over the labels."""

    threshold: float
    #: Labelled comments at or above the threshold, and how many of them were rejected.
    flagged: int
    rejected: int
    #: Rejections the attribute could explain: at or above the threshold, and all of them.
    caught: int
    explainable: int

    @property
    def precision(self) -> float | None:
        return self.rejected / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.caught / self.explainable if self.explainable else None


def curve(labels: Sequence[Label], attribute: str,
          thresholds: Sequence[float] = THRESHOLDS) -> list[Point]:
    """Precision and recall of rejecting at each threshold (labels without the score skipped)."""
    scored = [(lab.scores[attribute], lab) for lab in labels
              if attribute in lab.scores and not math.isnan(lab.scores[attribute])]
    every = sorted(s for s, _ in scored)
    rejected = sorted(s for s, lab in scored if lab.rejected)
    explains = sorted(s for s, lab in scored if lab.rejected and _explains(lab, attribute))

    def at_or_above(values: list[float], t: float) -> int:
        return len(values) - bisect.bisect_left(values, t - 1e-12)

    return [Point(t, at_or_above(every, t), at_or_above(rejected, t), at_or_above(explains, t),
                  len(explains)) for t in thresholds]


def _explains(label: Label, attribute: str) -> bool:
    return label.about is None or attribute in label.about


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share: honest about small counts."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _point_at(points: Sequence[Point], threshold: float | None) -> Point | None:
    if threshold is None:
        return None
    return min(points, key=lambda p: abs(p.threshold - threshold), default=None)


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True, slots=True)
class AttributeResult:
    """What the labels say about one attribute's reject threshold."""

    attribute: str
    #: Labelled comments with this score; rejections it could explain.
    labels: int
    explainable: int
    points: tuple[Point, ...]
    current: Threshold | None
    #: The reject threshold the labels support (None: keep the current one).
    proposed: float | None
    status: Status
    #: One sentence for people: what was found, and why it is (not) proposed.
    note: str
    #: The lowest threshold reaching the target, even where the policy does not reject on
    #: this attribute (``report_only``).
    reaching: float | None = None

    def at(self, threshold: float | None) -> Point | None:
        return _point_at(self.points, threshold)


@dataclass(frozen=True, slots=True)
class Calibration:
    """The whole comparison of one site's labels with the model."""

    site: str
    target: float
    min_support: int
    labels: tuple[Label, ...]
    results: tuple[AttributeResult, ...]
    #: Labels left out because no score was available (comments never scored).
    unscored: int = 0
    policy_name: str = ""
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def sources(self) -> Counter[str]:
        return Counter(lab.source for lab in self.labels)

    @property
    def rejected(self) -> int:
        return sum(lab.rejected for lab in self.labels)

    @property
    def model_versions(self) -> list[str]:
        return sorted({lab.model_version for lab in self.labels if lab.model_version})

    def result(self, attribute: str) -> AttributeResult:
        return next(r for r in self.results if r.attribute == attribute)

    @property
    def changed(self) -> list[AttributeResult]:
        return [r for r in self.results if r.status == "proposed"]


def calibrate(labels: Sequence[Label], policy: Policy, *, site: str = "",
              target: float = 0.9, min_support: int = 10, add_reject: bool = False,
              attributes: Sequence[str] = ATTRIBUTES, unscored: int = 0,
              generated: datetime | None = None) -> Calibration:
    """Per attribute, the lowest reject threshold whose precision reaches ``target``.

    A threshold is only proposed with ``min_support`` labelled comments at or above it, at
    least ``min_support`` rejections the attribute could explain, and, when it is lower
    than the one in force, ``min_support`` labelled comments between the two (those are
    the comments the change would start rejecting). Attributes the policy never rejects on
    alone (toxicity in the news policy) get a proposal only with ``add_reject``.
    """
    if not 0 < target <= 1:
        raise ValueError(f"the target precision must be above 0 and at most 1, not {target}")
    chosen = latest(labels)
    results = tuple(_attribute(chosen, a, policy.thresholds.get(a), target=target,
                               min_support=max(1, min_support), add_reject=add_reject)
                    for a in attributes)
    return Calibration(site, target, max(1, min_support), tuple(chosen), results, unscored,
                       policy.name, generated or datetime.now(UTC))


def _attribute(labels: Sequence[Label], attribute: str, current: Threshold | None, *,
               target: float, min_support: int, add_reject: bool) -> AttributeResult:
    points = curve(labels, attribute)
    n = sum(attribute in lab.scores for lab in labels)
    explainable = points[0].explainable if points else 0
    old = current.reject if current is not None else None
    scores = sorted(lab.scores[attribute] for lab in labels if attribute in lab.scores)

    def between(lo: float, hi: float | None) -> int:
        """Labelled comments with lo ≤ score < hi: those a lower threshold starts rejecting."""
        upper = len(scores) if hi is None else bisect.bisect_left(scores, hi - 1e-12)
        return upper - bisect.bisect_left(scores, lo - 1e-12)

    reaching = next((p.threshold for p in points
                     if p.flagged >= min_support and (p.precision or 0) >= target
                     and (old is None or p.threshold >= old
                          or between(p.threshold, old) >= min_support)), None)
    base = dict(attribute=attribute, labels=n, explainable=explainable, points=tuple(points),
                current=current, reaching=reaching)
    human = attribute_label(attribute)
    if explainable < min_support:
        return AttributeResult(**base, proposed=None, status="too_few",
                               note=f"too few labels: {explainable} rejection"
                                    f"{'' if explainable == 1 else 's'} {human} could explain, "
                                    f"{min_support} needed; the threshold stays")
    if reaching is None:
        return AttributeResult(**base, proposed=None, status="unreachable",
                               note=f"no threshold reaches {target:.0%} precision on "
                                    f"{min_support} or more labelled comments; the threshold "
                                    "stays")
    hit = _point_at(points, reaching)
    assert hit is not None and hit.precision is not None
    found = (f"at {reaching:.2f} moderators rejected {hit.rejected} of {hit.flagged} "
             f"({hit.precision:.0%})")
    if old is None and not add_reject:
        return AttributeResult(**base, proposed=None, status="report_only",
                               note=f"{found}; the policy never rejects on {human} alone "
                                    "(--add-reject proposes it)")
    if old is not None and abs(reaching - old) < 0.005:
        return AttributeResult(**base, proposed=None, status="kept",
                               note=f"{found}; the threshold in force is right")
    was = f"was {old:.2f}" if old is not None else "no reject step before"
    return AttributeResult(**base, proposed=reaching, status="proposed",
                           note=f"{found}; {was}")


def propose(policy: Policy, calibration: Calibration, *, name: str | None = None) -> Policy:
    """``policy`` with the calibrated reject thresholds, each explained in a comment.

    A review threshold above a new reject threshold comes down to it (a policy may not hold
    above where it rejects); everything else (group, word and language rules) is kept.
    """
    thresholds = dict(policy.thresholds)
    notes = dict(policy.comments)
    day = calibration.generated.date().isoformat()
    for r in calibration.changed:
        assert r.proposed is not None
        old = thresholds.get(r.attribute) or Threshold()
        review = old.review if old.review is None else min(old.review, r.proposed)
        thresholds[r.attribute] = Threshold(review=review, reject=r.proposed)
        key = f"thresholds.{r.attribute}"
        before = notes.get(key)
        line = f"# civility calibrate, {day}: {r.note}."
        notes[key] = f"{before}\n{line}" if isinstance(before, str) and before else line
    head = notes.get("") or ""
    stamp = (f"# Proposed by `civility calibrate --site {calibration.site}` on {day} from "
             f"{len(calibration.labels)} moderator labels, target precision "
             f"{calibration.target:.0%}.\n# Nothing changes until an admin runs "
             f"`civility policy apply FILE --site {calibration.site}`.")
    notes[""] = f"{head}\n#\n{stamp}" if head else stamp
    base = policy.name.split(" (calibrated", 1)[0]
    return dataclasses.replace(
        policy, name=name or f"{base} (calibrated for {calibration.site} {day})",
        thresholds=thresholds, comments=notes)


# --------------------------------------------------------------------------- over time


@dataclass(frozen=True, slots=True)
class Period:
    """How the model's decisions compare with people's, for comments judged in one period.

    ``agreed``: people did what the model did; ``overruled``: the model published and
    people rejected, or the other way round; ``held``: the model left it to people.
    """

    start: date
    agreed: int = 0
    overruled: int = 0
    held: int = 0

    @property
    def judged(self) -> int:
        return self.agreed + self.overruled + self.held

    @property
    def agreement(self) -> float | None:
        """Agreement where the model decided itself (held comments are not counted)."""
        decided = self.agreed + self.overruled
        return self.agreed / decided if decided else None


def _period_start(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day


def agreement(labels: Iterable[Label], *, period: Literal["day", "week"] = "week",
              first: date | None = None, last: date | None = None) -> list[Period]:
    """Model against people per day or week (weeks start on Monday), from the labels on
    stored comments the model decided; every period from ``first`` to ``last`` appears."""
    counts: dict[date, Counter[str]] = {}
    for lab in labels:
        if lab.at is None or lab.model_decision not in ACTIONS:
            continue
        start = _period_start(lab.at.astimezone(UTC).date(), period)
        human = "reject" if lab.rejected else "publish"
        kind = ("held" if lab.model_decision == "review" else
                "agreed" if lab.model_decision == human else "overruled")
        counts.setdefault(start, Counter())[kind] += 1
    if not counts and (first is None or last is None):
        return []
    lo = _period_start(first, period) if first else min(counts)
    hi = _period_start(last, period) if last else max(counts)
    step = timedelta(days=7 if period == "week" else 1)
    out: list[Period] = []
    day = lo
    while day <= hi:
        c = counts.get(day, Counter())
        out.append(Period(day, c["agreed"], c["overruled"], c["held"]))
        day += step
    return out


def top_score(scores: Mapping[str, float]) -> tuple[str, float]:
    """The attribute the model scored highest, and its score."""
    known = [(a, v) for a, v in scores.items() if not math.isnan(v)]
    return max(known, key=lambda kv: kv[1], default=("", 0.0))


def disagreements(labels: Iterable[Label], limit: int = 10) -> tuple[list[Label], list[Label]]:
    """Where model and people were furthest apart, on stored comments.

    First list: comments people approved that the model rejected or held, highest score
    first. Second: comments people rejected that the model published or held, lowest
    score first.
    """
    stored = [lab for lab in labels if lab.comment_id is not None and lab.scores]
    approved = [lab for lab in stored
                if not lab.rejected and lab.model_decision in ("reject", "review")]
    rejected = [lab for lab in stored
                if lab.rejected and lab.model_decision in ("publish", "review")]
    approved.sort(key=lambda lab: (lab.model_decision != "reject", -top_score(lab.scores)[1]))
    rejected.sort(key=lambda lab: (lab.model_decision != "publish", top_score(lab.scores)[1]))
    return approved[:limit], rejected[:limit]


# --------------------------------------------------------------------------- reporting


def summary_lines(cal: Calibration) -> list[str]:
    """The terminal summary: one line per attribute, then what to do next."""
    src = cal.sources
    lines = [f"site {cal.site!r}: {len(cal.labels)} labelled comments "
             f"({src.get('moderator', 0)} moderator decisions, "
             f"{src.get('suggestscore', 0)} suggestscore), {cal.rejected} rejected; "
             f"target precision {cal.target:.0%}, at least {cal.min_support} labels"]
    if cal.unscored:
        lines.append(f"  {cal.unscored} labelled comments have no scores and are left out")
    for r in cal.results:
        now = r.current.reject if r.current is not None else None
        cur = r.at(now)
        state = f"reject {now:.2f}" if now is not None else "no reject"
        if cur is not None and cur.precision is not None:
            state += f" (precision {cur.precision:.0%}, recall {_pct(cur.recall)})"
        tail = ""
        if r.status == "proposed" and r.proposed is not None:
            new = r.at(r.proposed)
            assert new is not None
            tail = (f" → propose {r.proposed:.2f} (precision {_pct(new.precision)}, "
                    f"recall {_pct(new.recall)})")
        lines.append(f"  {r.attribute:<18} {r.labels:>5} labels  {state}{tail}")
        if r.status != "proposed":
            lines.append(f"  {'':<18} {r.note}")
    return lines


def _pct(value: float | None) -> str:
    """A precision or recall as :func:`civility.charts.percent` writes every share; ``–`` when
    undefined."""
    return "–" if value is None else percent(value)


def report_html(cal: Calibration, *, current: Policy, proposed: Policy,
                periods: Sequence[Period] = (), proposal_file: str | None = None) -> str:
    """The calibration report as one self-contained HTML file (inline CSS and SVG)."""
    from civility import __version__, charts
    from civility.policy import policy_changes
    from civility.report.html import _figure, page_head

    when = cal.generated.strftime("%d %B %Y, %H:%M UTC")
    changes = policy_changes(current, proposed)
    threshold_changes = [c for c in changes if not c.startswith("name:")]
    src = cal.sources
    head = (f"{len(cal.changed)} threshold{'' if len(cal.changed) == 1 else 's'} to change"
            if cal.changed else "No threshold to change")
    lede = (f"{len(cal.labels)} comments judged by the moderators of {cal.site}, "
            f"{cal.rejected} of them rejected, compared with the model's scores. A threshold "
            f"is proposed where moderators rejected at least {cal.target:.0%} of the comments "
            f"at or above it, counted over at least {cal.min_support}.")
    parts = [
        page_head(f"Calibration for {cal.site} · Civility", CSS),
        '<header class="masthead">',
        '<p class="kicker">Civility · calibration against moderators</p>',
        f'<p class="doc-title">Site {escape(cal.site)} · policy {escape(cal.policy_name)}</p>',
        f'<h1 id="headline">{escape(head)}</h1>',
        f'<p class="lede">{escape(lede)}</p>',
        f'<p class="meta">{escape(_meta(cal, when))}</p>',
        "</header>",
        '<section class="figures" aria-label="Summary figures">',
        _card("Labelled comments", f"{len(cal.labels):,}",
              f"{src.get('moderator', 0)} decisions, {src.get('suggestscore', 0)} suggestscore"),
        _card("Rejected", f"{cal.rejected:,}",
              charts.percent(cal.rejected / len(cal.labels)) + " of them"
              if cal.labels else "none"),
        _card("Target precision", f"{cal.target:.0%}", f"at least {cal.min_support} labels"),
        _card("Thresholds to change", str(len(cal.changed)),
              ", ".join(attribute_label(r.attribute) for r in cal.changed) or "none"),
        _card("Next step", "Review, then apply",
              f"civility policy apply {proposal_file or 'FILE'} --site {cal.site}", wide=True),
        "</section>",
    ]
    if not cal.labels:
        parts.append('<p class="warning">No moderator decisions or suggested scores for this '
                     "site yet: approve and reject comments in the queue (or connect Coral's "
                     "feedback), then run this again.</p>")
    if periods:
        parts.append('<section class="charts" aria-label="Agreement over time">')
        parts.append(_figure("Agreement over time",
                             "Where the model decided itself, how often moderators did the "
                             "same; and how many comments it left to them.",
                             agreement_chart(periods, chart_id="chart-agreement"), wide=True))
        parts.append("</section>")
    parts.append('<section class="charts attributes" aria-label="Attributes">')
    for r in cal.results:
        parts.append(_attribute_figure(r, cal))
    parts.append("</section>")
    parts.append('<section class="proposal"><h2>The proposed policy</h2>')
    if threshold_changes:
        parts.append('<ul class="changes">' + "".join(f"<li>{escape(c)}</li>"
                                                        for c in threshold_changes) + "</ul>")
    else:
        parts.append('<p class="section-note">The labels support no change: the proposed '
                     "file decides exactly as the policy in force.</p>")
    parts.append(f"<details><summary>TOML</summary><pre>{escape(proposed.to_toml())}</pre>"
                 "</details></section>")
    notes = [
        "Precision at a threshold: of the labelled comments scoring at or above it, the share "
        "moderators rejected. Recall: of the rejections an attribute could explain (their "
        "reason names its kind of harm, or no kind), the share scoring at or above it.",
        "Moderators mostly judge comments the model held, so below the thresholds in force "
        "the figures rest on fewer labels; a threshold is only lowered where enough labelled "
        "comments lie between the old and the new value. The interval after each precision "
        "is its 95% Wilson interval.",
        f"Made by Civility {__version__}. This file is self-contained: it loads nothing "
        "from the network.",
    ]
    parts.append("<footer>" + "".join(f"<p>{escape(n)}</p>" for n in notes) + "</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _meta(cal: Calibration, when: str) -> str:
    meta = [f"Generated {when}"]
    if cal.model_versions:
        meta.append("model " + ", ".join(cal.model_versions))
    if cal.unscored:
        meta.append(f"{cal.unscored} labelled comments without scores left out")
    return " · ".join(meta)


def _card(label: str, value: str, note: str, *, wide: bool = False) -> str:
    return (f'<div class="figure{" wide" if wide else ""}"><div class="label">{escape(label)}'
            f'</div><div class="value">{escape(value)}</div><div class="note">{escape(note)}'
            "</div></div>")


def agreement_chart(periods: Sequence[Period], *, chart_id: str | None = None,
                    width: float = 960) -> str:
    """Agreement (where the model decided) and the share left to people, per period."""
    from civility import charts

    def noon(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 12, tzinfo=UTC)

    agree = [(noon(p.start), p.agreement) for p in periods if p.agreement is not None]
    held = [(noon(p.start), p.held / p.judged) for p in periods if p.judged]
    series = [charts.Series("Agreed where the model decided", agree, colour="#009E73",
                            area=False),
              charts.Series("Left to moderators", held, colour="#E69F00", area=False)]
    return charts.time_series([s for s in series if s.points], title="Agreement over time",
                              value_format=charts.percent, y_label="share of judged comments",
                              width=width, chart_id=chart_id)


def _attribute_figure(r: AttributeResult, cal: Calibration) -> str:
    from civility import charts
    from civility.report.html import _figure

    colour = charts.ATTRIBUTE_COLOURS.get(r.attribute, charts.NEUTRAL)
    markers = []
    now = r.current.reject if r.current is not None else None
    review = r.current.review if r.current is not None else None
    if review is not None:
        markers.append(charts.Marker(review, f"review {review:.2f}", charts.MUTED))
    if now is not None:
        markers.append(charts.Marker(now, f"reject {now:.2f}", charts.INK))
    if r.proposed is not None:
        markers.append(charts.Marker(r.proposed, f"proposed {r.proposed:.2f}", "#D55E00",
                                     dashed=False))
    elif r.reaching is not None and r.status == "report_only":
        markers.append(charts.Marker(r.reaching, f"{cal.target:.0%} at {r.reaching:.2f}",
                                     "#D55E00"))
    curves = [
        charts.Curve("precision", [(p.threshold, p.precision if p.flagged >= cal.min_support
                                    else None) for p in r.points], colour=colour),
        charts.Curve("recall", [(p.threshold, p.recall) for p in r.points], colour=colour,
                     dashed=True),
        charts.Curve(f"target {cal.target:.0%}", [(0.0, cal.target), (1.0, cal.target)],
                     colour=charts.GRID),
    ]
    human = attribute_label(r.attribute)
    svg = charts.line_chart(curves, title=f"{human}: precision and recall by threshold",
                            markers=markers, x_label=f"reject when {human} ≥",
                            chart_id=f"chart-{r.attribute}")
    caption = f"{r.labels} labelled comments, {r.explainable} rejections it could explain. "
    caption += r.note[0].upper() + r.note[1:] + "."
    cls = f"attr status-{r.status}"
    return _figure(human.capitalize(), caption, svg + _points_table(r, cal), cls=cls)


def _points_table(r: AttributeResult, cal: Calibration) -> str:
    now = r.current.reject if r.current is not None else None
    review = r.current.review if r.current is not None else None
    shown = sorted({round(t / 10, 1) for t in range(1, 10)}
                   | {x for x in (now, review, r.proposed) if x is not None})
    rows = []
    for t in shown:
        p = r.at(t)
        if p is None:
            continue
        tags = [w for w, x in (("review", review), ("reject", now), ("proposed", r.proposed))
                if x is not None and abs(x - t) < 0.005]
        lo, hi = wilson(p.rejected, p.flagged)
        precision = (f"{p.precision:.0%} <span class=\"ci\">{lo:.0%}–{hi:.0%}</span>"
                     if p.precision is not None else "–")
        rows.append(f'<tr{" class=mark" if tags else ""}><td>{t:.2f} '
                    f'{escape(", ".join(tags))}</td><td class="num">{p.flagged}</td>'
                    f'<td class="num">{p.rejected}</td><td class="num">{precision}</td>'
                    f'<td class="num">{_pct(p.recall)}</td></tr>')
    return ('<details><summary>Table</summary><table class="points"><thead><tr>'
            '<th scope="col">Threshold</th><th scope="col" class="num">At or above</th>'
            '<th scope="col" class="num">Rejected</th><th scope="col" class="num">Precision'
            '</th><th scope="col" class="num">Recall</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></details>")


CSS = """
.attributes figure.status-proposed{border-color:#D55E00;border-width:2px}
.attributes figure.status-too_few,.attributes figure.status-unreachable{background:var(--wash)}
table.points{border-collapse:collapse;width:100%;font-size:13px;margin-top:6px}
table.points th,table.points td{padding:2px 6px;border-bottom:1px solid var(--rule)}
table.points tr.mark td{font-weight:600}
.ci{color:var(--muted);font-weight:400;font-size:12px;white-space:nowrap}
table.points td:first-child{white-space:nowrap}
.proposal{margin:0 0 24px}
.changes{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:14px}
pre{background:var(--wash);padding:12px;border-radius:6px;overflow:auto;font-size:12px}
"""
