"""``civility report``: one self-contained HTML file an editor can read at a glance.

The input is either a news page (moderated on the fly) or a scored JSONL file
from ``civility score`` (optionally with ``text``, ``article_id``/``article``,
``article_title`` and a timestamp such as ``created``). The report leads with a
headline written from the data ("9 of 14 comments held or rejected — mostly
identity attacks on Turks and Azerbaijanis, and threats"), then the figures,
the charts (``civility.charts``) and the worst comments with the words that
drove each decision highlighted.

Reading is streaming: :class:`ReportStats` keeps counts, histogram bins, hourly
buckets and the worst ``top_n`` comments, never the whole file, so a report
on millions of scored lines needs little memory. Building the HTML
(:func:`build_report`) is a pure function of those stats. All user text is
escaped; the file loads nothing from the network (no scripts, fonts or images).
"""

from __future__ import annotations

import heapq
import json
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from itertools import chain, pairwise
from pathlib import Path
from typing import IO, Any

import click

from civility import charts
from civility.batch import TIME_FIELDS, parse_time
from civility.charts import (
    ATTRIBUTE_COLOURS,
    CATEGORY_COLOURS,
    DECISION_COLOURS,
    DECISION_LABELS,
    Bar,
    Series,
    attribute_label,
    percent,
)
from civility.types import ATTRIBUTES, Page, Span, Target, Verdict
from civility.wording import plural

__all__ = [
    "ReportRow",
    "ReportStats",
    "build_report",
    "collect",
    "headline",
    "highlight",
    "report_cmd",
    "rows_from_page",
    "rows_from_scored",
    "verdict_from_dict",
]

#: Scores at or above this are "more likely than not": the line the charts draw.
LINE = 0.5
HIST_BINS = 10
TOP_N = 10
#: Reasons shown on a comment card; the rest fold away (the policy lists the decisive ones first).
SHOWN_REASONS = 3
MAX_ARTICLES = 15
MAX_GROUPS = 10
#: Attributes that are not harm (they rank the worst comments only when nothing else does).
NOT_HARM = frozenset({"spam", "off_topic"})
#: Attributes every kind of harm raises: they name a problem only when nothing specific does.
UMBRELLA = frozenset({"toxicity", "severe_toxicity"})
SCORED_SUFFIXES = frozenset({".jsonl", ".ndjson"})

#: Problem families for the headline: (attributes, plural phrase, seriousness weight).
#: The weight keeps swearing from out-ranking threats when both are common: an editor
#: wants the most serious harm named first, not the noisiest.
FAMILIES: dict[str, tuple[tuple[str, ...], str, float]] = {
    "identity": (("identity_attack", "dehumanization"), "identity attacks", 1.0),
    "threat": (("threat",), "threats", 1.0),
    "self_harm": (("self_harm",), "talk of self-harm", 0.9),
    "sexual": (("sexually_explicit",), "sexual content", 0.9),
    "insult": (("insult",), "insults", 0.8),
    "profanity": (("profanity",), "profanity", 0.6),
    "toxicity": (("toxicity", "severe_toxicity"), "abusive language", 0.5),
    "spam": (("spam",), "spam", 0.5),
    "off_topic": (("off_topic",), "off-topic comments", 0.4),
}
#: A second problem is named only when it weighs at least this share of the first.
SECOND_PROBLEM_SHARE = 0.4


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One scored comment with what the report groups it by."""

    verdict: Verdict
    article: str | None = None
    article_label: str | None = None
    created: datetime | None = None
    has_text: bool = True
    author: str | None = None


def verdict_from_dict(d: Mapping[str, Any]) -> Verdict:
    """The inverse of :meth:`Verdict.to_dict` (``text`` is ``""`` when it was not included)."""
    return Verdict(
        id=str(d.get("id", "")),
        text=str(d.get("text") or ""),
        attributes={str(k): float(v) for k, v in (d.get("attributes") or {}).items()},
        targets=tuple(
            Target(str(t.get("group", "")), str(t.get("category", "")), str(t.get("mention", "")),
                   int(t.get("start", 0)), int(t.get("end", 0)))
            for t in d.get("targets") or ()
        ),
        spans=tuple(
            Span(int(s.get("start", 0)), int(s.get("end", 0)), str(s.get("attribute", "")),
                 str(s.get("text", "")), float(s.get("score", 1.0)))
            for s in d.get("spans") or ()
        ),
        decision=d.get("decision", "publish"),
        reasons=tuple(str(r) for r in d.get("reasons") or ()),
        model_version=str(d.get("model_version") or ""),
        language=str(d.get("language") or ""),
    )


def rows_from_page(page: Page, verdicts: Sequence[Verdict]) -> list[ReportRow]:
    return [ReportRow(v) for v in verdicts]


def rows_from_scored(
    lines: Iterable[str], on_error: Callable[[int, str], None] | None = None
) -> Iterator[ReportRow]:
    """Rows from ``civility score`` output lines; unreadable ones go to ``on_error(line, why)``."""
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict) or not isinstance(obj.get("attributes"), dict):
                raise ValueError("not a scored line (no 'attributes' object)")
            verdict = verdict_from_dict(obj)
        except (ValueError, TypeError, AttributeError) as err:
            if on_error:
                on_error(n, str(err))
            continue
        key, label = _article_of(obj)
        has_text = isinstance(obj.get("text"), str)
        author = obj.get("author")
        yield ReportRow(verdict, key, label, _time_of(obj), has_text=has_text,
                        author=str(author) if isinstance(author, str | int) and author else None)


def _article_of(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    title = obj.get("article_title") or obj.get("title")
    ident = obj.get("article_id")
    if ident is not None and str(ident):
        return f"id:{ident}", str(title or ident)
    article = obj.get("article")
    if isinstance(article, str) and article.strip():
        return f"text:{article}", str(title or " ".join(article.split())[:80])
    if isinstance(title, str) and title.strip():  # civility score's stand-in title
        return f"title:{title}", title
    return None, None


def _time_of(obj: Mapping[str, Any]) -> datetime | None:
    for key in TIME_FIELDS:
        when = parse_time(obj.get(key))
        if when is not None:
            return when
    return None


# --------------------------------------------------------------------------- statistics


def harm_score(verdict: Verdict) -> tuple[float, str]:
    """The highest harmful attribute (spam and off-topic only when nothing else scores)."""
    harmful = [(s, a) for a, s in verdict.attributes.items() if a not in NOT_HARM and s == s]
    best = max(harmful, default=None) or max(
        ((s, a) for a, s in verdict.attributes.items() if s == s), default=(0.0, "")
    )
    return best


def main_attribute(verdict: Verdict) -> tuple[str, float]:
    """What to call a comment's problem: the strongest specific attribute from 0.5 up.

    Toxicity is raised by every harm, so it names the problem only when nothing
    more specific reaches the line ("threat 0.94" says more than "toxicity 0.96").
    """
    specific = [
        (s, a) for a, s in verdict.attributes.items()
        if a not in UMBRELLA and a not in NOT_HARM and s == s and s >= LINE
    ]
    if specific:
        score, attr = max(specific)
        return attr, score
    score, attr = harm_score(verdict)
    return attr, score


_DECISION_RANK = {"publish": 0, "review": 1, "reject": 2}


@dataclass
class ReportStats:
    """Everything the report shows, accumulated one row at a time in bounded memory."""

    top_n: int = TOP_N
    total: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    above: Counter[str] = field(default_factory=Counter)
    bins: dict[str, list[int]] = field(default_factory=dict)
    family_weight: Counter[str] = field(default_factory=Counter)
    family_flagged: Counter[str] = field(default_factory=Counter)
    groups: Counter[tuple[str, str]] = field(default_factory=Counter)
    group_order: dict[tuple[str, str], int] = field(default_factory=dict)
    articles: dict[str, Counter[str]] = field(default_factory=dict)
    article_labels: dict[str, str] = field(default_factory=dict)
    hours: Counter[int] = field(default_factory=Counter)
    hours_flagged: Counter[int] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)
    with_text: int = 0
    unreadable: int = 0
    #: A heap of (score, decision rank, -sequence, duplicate key, row): the worst so far.
    _worst: list[tuple[float, int, int, Hashable, ReportRow]] = field(default_factory=list)
    #: Copies seen of each comment in ``_worst`` (identical comments take one place).
    _copies: dict[Hashable, int] = field(default_factory=dict)

    def add(self, row: ReportRow) -> None:
        v = row.verdict
        seq = self.total
        self.total += 1
        self.decisions[v.decision] += 1
        flagged = v.decision != "publish"
        self.with_text += bool(row.has_text and v.text)
        if v.model_version:
            self.models[v.model_version] += 1
        for attr, score in v.attributes.items():
            if score != score:  # NaN: counted nowhere rather than everywhere
                continue
            bins = self.bins.setdefault(attr, [0] * HIST_BINS)
            bins[min(max(int(score * HIST_BINS), 0), HIST_BINS - 1)] += 1
            if score >= LINE:
                self.above[attr] += 1
        if flagged:
            for family, (attrs, _, weight) in FAMILIES.items():
                score = max((v.attributes.get(a, 0.0) for a in attrs), default=0.0)
                if score >= LINE:
                    self.family_flagged[family] += 1
                    self.family_weight[family] += weight * 2 * (score - LINE)
        for key in dict.fromkeys((t.group, t.category) for t in v.targets):
            self.groups[key] += 1
            self.group_order.setdefault(key, len(self.group_order))
        if row.article is not None:
            self.articles.setdefault(row.article, Counter())[v.decision] += 1
            self.article_labels.setdefault(row.article, row.article_label or row.article)
        if row.created is not None:
            hour = int(row.created.timestamp() // 3600)
            self.hours[hour] += 1
            self.hours_flagged[hour] += flagged
        key = _duplicate_key(row)
        if key in self._copies:  # a copy of a comment already listed: count it, list it once
            self._copies[key] += 1
            return
        score, _ = harm_score(v)
        item = (score, _DECISION_RANK.get(v.decision, 0), -seq, key, row)
        if len(self._worst) < self.top_n:
            heapq.heappush(self._worst, item)
        elif self.top_n and item[:3] > self._worst[0][:3]:
            evicted = heapq.heapreplace(self._worst, item)
            del self._copies[evicted[3]]
        else:
            return
        self._copies[key] = 1

    @property
    def flagged(self) -> int:
        return self.total - self.decisions.get("publish", 0)

    def worst(self) -> list[ReportRow]:
        """The ``top_n`` comments by highest harmful score, worst first, each text once."""
        return [row for row, _ in self.worst_counted()]

    def worst_counted(self) -> list[tuple[ReportRow, int]]:
        """:meth:`worst` with how many times each comment was posted.

        Copies are counted while their comment is among the worst so far; as identical
        comments score alike, one that drops out does not come back.
        """
        ranked = sorted(self._worst, key=lambda i: i[:3], reverse=True)
        return [(item[4], self._copies.get(item[3], 1)) for item in ranked]

    def ranked_groups(self) -> list[tuple[str, str, int]]:
        """Targeted groups by number of comments; ties keep the order they first appeared in."""
        return [
            (g, c, n)
            for (g, c), n in sorted(
                self.groups.items(), key=lambda kv: (-kv[1], self.group_order[kv[0]])
            )
        ]

    def problems(self) -> list[tuple[str, float, int]]:
        """Problem families among held/rejected comments, most serious mass first."""
        ranked = [
            (f, w, self.family_flagged[f])
            for f, w in sorted(self.family_weight.items(), key=lambda kv: -kv[1])
            if w > 0
        ]
        # "Toxicity" is the umbrella every harm raises: it names the problem only when
        # nothing more specific does.
        specific = [p for p in ranked if p[0] != "toxicity"]
        return specific or ranked


def _duplicate_key(row: ReportRow) -> Hashable:
    """What makes two comments the same for the worst list: their text (case and spacing
    aside), or without text, the same decision, scores and flagged words."""
    v = row.verdict
    if row.has_text and v.text:
        return ("text", " ".join(v.text.casefold().split()))
    return ("scores", v.decision, tuple(sorted((a, round(s, 4)) for a, s in v.attributes.items())),
            tuple((s.attribute, s.text) for s in v.spans))


def collect(rows: Iterable[ReportRow], top_n: int = TOP_N) -> ReportStats:
    stats = ReportStats(top_n=top_n)
    for row in rows:
        stats.add(row)
    return stats


# --------------------------------------------------------------------------- words


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _headline_groups(stats: ReportStats) -> list[str]:
    ranked = stats.ranked_groups()
    repeated = [g for g, _, n in ranked if n >= 2][:3]
    return repeated if len(repeated) >= 2 else [g for g, _, _ in ranked[:2]]


def headline(stats: ReportStats) -> tuple[str, str]:
    """The report's headline and the sentence under it, written from the data."""
    n = stats.total
    if n == 0:
        return "No comments to report", "The input held no comments that could be read."
    d = stats.decisions
    rejected, held, published = d.get("reject", 0), d.get("review", 0), d.get("publish", 0)
    lede = (
        f"{rejected:,} rejected, {held:,} held for review and {published:,} published "
        f"of {plural(n, 'comment')}."
    )
    if stats.flagged == 0:
        return f"All {plural(n, 'comment')} published — nothing needed a moderator", lede
    verb = (
        "held or rejected" if rejected and held else "rejected" if rejected else "held for review"
    )
    title = (
        f"All {plural(n, 'comment')} {verb}"
        if stats.flagged == n and n > 1
        else f"{stats.flagged:,} of {plural(n, 'comment')} {verb}"
    )
    problems = stats.problems()
    if problems:
        phrases = [_problem_phrase(problems[0][0], stats)]
        if len(problems) > 1 and problems[1][1] >= SECOND_PROBLEM_SHARE * problems[0][1]:
            phrases.append(_problem_phrase(problems[1][0], stats))
        title += " — mostly " + ", and ".join(phrases)
    ranked = stats.ranked_groups()
    if len(ranked) == 1:
        group, _, count = ranked[0]
        lede += f" {group} were attacked in {plural(count, 'comment')}."
    elif ranked:
        group, _, count = ranked[0]
        lede += (
            f" {len(ranked):,} groups were attacked, {group} most often "
            f"(in {plural(count, 'comment')})."
        )
    return title, lede


def _problem_phrase(family: str, stats: ReportStats) -> str:
    phrase = FAMILIES[family][1]
    if family == "identity":
        groups = _headline_groups(stats)
        if groups:
            phrase += " on " + _join(groups)
    return phrase


# --------------------------------------------------------------------------- highlighting


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` as escaped HTML with each flagged run in ``<mark>``, at the ORIGINAL offsets.

    Where spans overlap, the strongest covering span names the colour and the
    tooltip lists every attribute that covers the run.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return escape(text)
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    pieces: list[tuple[str | None, str, str]] = []  # (attribute, text, tooltip)
    for a, b in pairwise(cuts):
        covering = [s for s in valid if s.start <= a and s.end >= b]
        if not covering:
            pieces.append((None, text[a:b], ""))
            continue
        best = max(covering, key=lambda s: (s.score, -(s.end - s.start)))
        tip = ", ".join(
            f"{attribute_label(attr)} {score:.2f}"
            for attr, score in _strongest_per_attribute(covering)
        )
        if pieces and pieces[-1][0] == best.attribute and pieces[-1][2] == tip:
            pieces[-1] = (best.attribute, pieces[-1][1] + text[a:b], tip)
        else:
            pieces.append((best.attribute, text[a:b], tip))
    return "".join(
        escape(chunk)
        if attr is None
        else f'<mark class="a-{escape(attr)}" title="{escape(tip)}">{escape(chunk)}</mark>'
        for attr, chunk, tip in pieces
    )


def _strongest_per_attribute(spans: Iterable[Span]) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for s in spans:
        best[s.attribute] = max(best.get(s.attribute, 0.0), s.score)
    return sorted(best.items(), key=lambda kv: -kv[1])


# --------------------------------------------------------------------------- html


def build_report(
    stats: ReportStats,
    *,
    title: str | None = None,
    excerpt: str | None = None,
    source: str | None = None,
    generated: datetime | None = None,
    page_confidence: float | None = None,
) -> str:
    """The whole report as one HTML document (inline CSS and SVG; nothing to fetch)."""
    head, lede = headline(stats)
    when = (generated or datetime.now(UTC)).strftime("%d %B %Y, %H:%M UTC")
    doc_title = title or "Comment moderation report"
    meta = [f"Generated {when}"]
    if source:
        meta.append(f"from {source}")
    if stats.models:
        meta.append("model " + ", ".join(sorted(stats.models)))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Belt and braces: even a future bug that let markup through could not load anything.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(doc_title)} · Civility</title>",
        f"<style>{_css()}</style></head><body><main>",
        '<header class="masthead">',
        '<p class="kicker">Civility · comment moderation report</p>',
        f'<p class="doc-title">{escape(doc_title)}</p>',
        f'<h1 id="headline">{escape(head)}</h1>',
        f'<p class="lede">{escape(lede)}</p>',
    ]
    if excerpt:
        parts.append(f'<p class="excerpt">{escape(_shorten(excerpt, 300))}</p>')
    parts.append(f'<p class="meta">{escape(" · ".join(meta))}</p>')
    if page_confidence is not None and page_confidence < 0.6:
        parts.append(
            f'<p class="warning">The page split is uncertain (confidence {page_confidence:.2f}): '
            "check where the article ends and the comments begin.</p>"
        )
    parts.append("</header>")
    parts.append(_figures(stats))
    parts.append(_charts(stats))
    parts.append(_worst_section(stats))
    parts.append(_footer(stats))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _figures(stats: ReportStats) -> str:
    n = stats.total or 1
    cards = [('Comments', f"{stats.total:,}", "read and scored", "")]
    for decision in ("publish", "review", "reject"):
        count = stats.decisions.get(decision, 0)
        cards.append(
            (DECISION_LABELS[decision], f"{count:,}", percent(count / n) + " of comments",
             f'" style="border-top-color:{DECISION_COLOURS[decision]}')
        )
    problems = stats.problems()
    if problems:
        family, _, count = problems[0]
        cards.append(
            ("Main problem", FAMILIES[family][1].capitalize(),
             f"in {plural(count, 'held or rejected comment')}", " wide")
        )
    else:
        cards.append(("Main problem", "None", "no harmful scores above 0.5", " wide"))
    items = "".join(
        f'<div class="figure{extra}"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="note">{escape(note)}</div></div>'
        for label, value, note, extra in cards
    )
    return f'<section class="figures" aria-label="Summary figures">{items}</section>'


def _figure(title: str, caption: str, svg: str, *, wide: bool = False, cls: str = "") -> str:
    classes = " ".join(c for c in ("chart", "wide" if wide else "", cls) if c)
    return (
        f'<figure class="{classes}"><figcaption><strong>{escape(title)}</strong>'
        f"<span>{escape(caption)}</span></figcaption>{svg}</figure>"
    )


def _charts(stats: ReportStats) -> str:
    if not stats.total:
        return ""
    out = ['<section class="charts" aria-label="Charts">']
    out.append(
        _figure(
            "Decisions",
            "What the policy did with each comment.",
            charts.stacked_bars(
                [("", dict(stats.decisions))],
                title="Decisions",
                colours=DECISION_COLOURS,
                labels=DECISION_LABELS,
                width=960,
            ),
            wide=True,
        )
    )
    attrs = _attribute_order(stats)
    bars = [
        Bar(attribute_label(a), stats.above[a] / stats.total, ATTRIBUTE_COLOURS.get(a),
            f"({stats.above[a]:,})")
        for a in sorted(attrs, key=lambda a: (-stats.above[a], _rank(a)))
    ]
    out.append(
        _figure(
            "Which problems",
            f"Share of comments scoring {LINE} or more, per attribute.",
            charts.bar_chart(bars, title="Share of comments at or above 0.5 per attribute",
                             max_value=1.0, label_chars=20),
        )
    )
    groups = stats.ranked_groups()[:MAX_GROUPS]
    if groups:
        out.append(
            _figure(
                "Most targeted groups",
                "Comments attacking each group (not merely mentioning it), coloured by category.",
                charts.bar_chart(
                    [Bar(g, n, CATEGORY_COLOURS.get(c, charts.NEUTRAL),
                         "· " + c.replace("_", " "))
                     for g, c, n in groups],
                    title="Most targeted groups",
                    value_format=lambda v: f"{v:,.0f}",
                    label_chars=22,
                )
                + _category_legend({c for _, c, _ in groups}),
            )
        )
    else:
        out.append(
            _figure("Most targeted groups", "No comment attacked a named group.",
                    '<p class="empty">No targeted groups.</p>')
        )
    out.append(
        _figure(
            "How the scores fall",
            f"Distribution of each attribute's score, 0 to 1; darker bars are at or above {LINE}, "
            "the figure is the share of comments there. Each panel has its own scale.",
            charts.small_multiples(
                {a: stats.bins[a] for a in attrs}, title="Score distributions per attribute",
                colours=ATTRIBUTE_COLOURS, threshold=LINE, panel_width=176,
            ),
            wide=True,
        )
    )
    if len(stats.articles) >= 2:
        out.append(_articles_figure(stats))
    if stats.hours:
        out.append(_time_figure(stats))
    out.append("</section>")
    return "".join(out)


def _category_legend(categories: Iterable[str]) -> str:
    items = "".join(
        f'<span class="swatch" style="background:{CATEGORY_COLOURS.get(c, charts.NEUTRAL)}">'
        f"</span>{escape(c.replace('_', ' '))}"
        for c in sorted(categories)
    )
    return f'<p class="legend">{items}</p>'


def _attribute_order(stats: ReportStats) -> list[str]:
    known = [a for a in ATTRIBUTES if a in stats.bins]
    return known + sorted(a for a in stats.bins if a not in ATTRIBUTES)


def _rank(attr: str) -> int:
    return ATTRIBUTES.index(attr) if attr in ATTRIBUTES else len(ATTRIBUTES)


def _articles_figure(stats: ReportStats) -> str:
    def flagged_share(item: tuple[str, Counter[str]]) -> tuple[float, int]:
        total = sum(item[1].values()) or 1
        return (-(total - item[1].get("publish", 0)) / total, -total)

    ranked = sorted(stats.articles.items(), key=flagged_share)
    rows = [(stats.article_labels.get(k, k), dict(c)) for k, c in ranked[:MAX_ARTICLES]]
    more = len(ranked) - len(rows)
    caption = "Decisions per article, the most held or rejected first; n is the number of comments."
    if more > 0:
        caption += f" {plural(more, 'more article')} not shown."
    return _figure(
        "Toxicity per article",
        caption,
        charts.stacked_bars(rows, title="Decisions per article", colours=DECISION_COLOURS,
                            labels=DECISION_LABELS, width=960, label_chars=48),
        wide=True,
    )


def _time_figure(stats: ReportStats) -> str:
    first, last = min(stats.hours), max(stats.hours)
    span_hours = last - first
    step, unit = (1, "hour") if span_hours <= 72 else (24, "day") if span_hours <= 24 * 120 else (
        24 * 7, "week")
    total: Counter[int] = Counter()
    flagged: Counter[int] = Counter()
    for hour, n in stats.hours.items():
        total[hour // step] += n
        flagged[hour // step] += stats.hours_flagged.get(hour, 0)
    buckets = range(first // step, last // step + 1)

    def at(b: int) -> datetime:
        return datetime.fromtimestamp(0, UTC) + timedelta(hours=b * step)

    series = [
        Series("All comments", [(at(b), total.get(b, 0)) for b in buckets], charts.NEUTRAL),
        Series("Held or rejected", [(at(b), flagged.get(b, 0)) for b in buckets],
               DECISION_COLOURS["reject"]),
    ]
    dated = sum(stats.hours.values())
    caption = f"Comments per {unit}."
    if dated < stats.total:
        caption += f" {dated:,} of {stats.total:,} comments carry a timestamp."
    return _figure(
        "Over time",
        caption,
        charts.time_series(series, title=f"Comments per {unit} over time",
                           y_label=f"comments per {unit}"),
        wide=True,
    )


def _worst_section(stats: ReportStats) -> str:
    worst = [(r, n) for r, n in stats.worst_counted() if harm_score(r.verdict)[0] > 0]
    if not worst:
        return ""
    legend = "".join(
        f'<span><mark class="a-{a}">{escape(attribute_label(a))}</mark></span>'
        for a in ATTRIBUTES
    )
    cards = "".join(_comment_card(i, row, n) for i, (row, n) in enumerate(worst, start=1))
    repeated = any(n > 1 for _, n in worst)
    return (
        '<section class="worst" aria-labelledby="worst-h">'
        f'<h2 id="worst-h">The worst {plural(len(worst), "comment")}</h2>'
        '<p class="section-note">Ranked by their highest harmful score'
        + ("; a comment posted more than once is shown once, with how often" if repeated else "")
        + ". The words that drove each decision are highlighted in the colour of their "
        "attribute:</p>"
        f'<p class="mark-legend">{legend}</p>{cards}</section>'
    )


def _comment_card(rank: int, row: ReportRow, copies: int = 1) -> str:
    v = row.verdict
    attr, score = main_attribute(v)
    colour = DECISION_COLOURS.get(v.decision, charts.NEUTRAL)
    meta = [f"comment {v.id}"]
    if copies > 1:
        meta[0] += f" and {plural(copies - 1, 'identical copy', 'identical copies')}"
    if row.author:
        meta.append(f"by {_shorten(row.author, 40)}")
    if row.article_label:
        meta.append(_shorten(row.article_label, 60))
    if row.created:
        meta.append(row.created.strftime("%d %b %Y %H:%M UTC"))
    if v.text:
        body = f'<blockquote class="text">{highlight(v.text, v.spans)}</blockquote>'
    else:
        words = " ".join(
            f'<mark class="a-{escape(s.attribute)}" title="{escape(attribute_label(s.attribute))} '
            f'{s.score:.2f}">{escape(s.text)}</mark>'
            for s in sorted(v.spans, key=lambda s: -s.score)[:8]
        )
        body = (
            '<p class="no-text">Text not in the scored file (it was scored with --no-text).'
            f"{' Flagged words: ' + words if words else ''}</p>"
        )
    scores = "".join(
        f'<div class="score"><span class="name">{escape(attribute_label(a))}</span>'
        f'<span class="track"><span class="fill" style="width:{min(max(s, 0), 1) * 100:.0f}%;'
        f'background:{ATTRIBUTE_COLOURS.get(a, charts.NEUTRAL)}"></span></span>'
        f'<span class="num">{s:.2f}</span></div>'
        for a, s in sorted(
            ((a, s) for a, s in v.attributes.items() if s >= 0.2 and s == s),
            key=lambda kv: (-kv[1], _rank(kv[0])),
        )[:4]
    )
    chips = "".join(
        f'<span class="chip" style="border-color:{CATEGORY_COLOURS.get(c, charts.NEUTRAL)}">'
        f'<span class="dot" style="background:{CATEGORY_COLOURS.get(c, charts.NEUTRAL)}"></span>'
        f'{escape(g)} <span class="cat">{escape(c.replace("_", " "))}</span></span>'
        for g, c in dict.fromkeys((t.group, t.category) for t in v.targets)
    )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in v.reasons[:SHOWN_REASONS])
    if len(v.reasons) > SHOWN_REASONS:
        rest = v.reasons[SHOWN_REASONS:]
        reasons += (
            f'<li class="more"><details><summary>{plural(len(rest), "more reason")}</summary>'
            + "".join(f"<div>{escape(r)}</div>" for r in rest)
            + "</details></li>"
        )
    return (
        f'<article class="comment" style="border-left-color:{colour}">'
        f'<header><span class="rank">{rank}</span>'
        f'<span class="badge" style="background:{colour}">'
        f"{escape(DECISION_LABELS.get(v.decision, v.decision))}</span>"
        f'<span class="cmeta">{escape(" · ".join(meta))}</span>'
        f'<span class="top">{escape(attribute_label(attr))} {score:.2f}</span></header>'
        f"{body}"
        f'<div class="details"><div class="scores">{scores}</div>'
        + (f'<div class="targets"><span class="lbl">Targets</span>{chips}</div>' if chips else "")
        + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
        + "</div></article>"
    )


def _footer(stats: ReportStats) -> str:
    notes = [
        "Scores are the model's estimate, from 0 to 1, that readers would see a comment as "
        f"having each attribute; {LINE} means more likely than not. Decisions come from the "
        "publisher's policy (thresholds per attribute, stricter rules for attacks on groups, "
        "word rules), so a comment can be held with every score under the line.",
        "Targets are groups a comment attacks, not groups it merely mentions.",
    ]
    if stats.unreadable:
        notes.append(f"{plural(stats.unreadable, 'input line')} could not be read and "
                     "are left out.")
    if stats.total and stats.with_text < stats.total and stats.with_text == 0:
        notes.append("The scored file has no comment text, so flagged words are shown alone.")
    from civility import __version__

    notes.append(f"Made by Civility {__version__}. This file is self-contained: it loads "
                 "nothing from the network.")
    return "<footer>" + "".join(f"<p>{escape(n)}</p>" for n in notes) + "</footer>"


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _css() -> str:
    marks = "".join(
        f"mark.a-{a}{{background:{_rgba(c, 0.22)};box-shadow:inset 0 -2px 0 {c}}}"
        for a, c in ATTRIBUTE_COLOURS.items()
    )
    return CSS + marks


CSS = """
:root{--ink:#1f2328;--muted:#57606a;--rule:#d8dee4;--paper:#fff;--wash:#f6f8fa}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--paper);color:var(--ink);
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:32px 24px 48px}
.masthead{border-bottom:1px solid var(--rule);padding-bottom:18px;margin-bottom:22px}
.kicker{margin:0;font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);
 font-weight:600}
.doc-title{margin:6px 0 0;color:var(--muted);font-size:15px}
h1{font-family:ui-serif,Georgia,Cambria,"Times New Roman",serif;font-size:34px;line-height:1.15;
 margin:8px 0 10px;font-weight:700;letter-spacing:-.01em;max-width:30em}
.lede{font-size:18px;margin:0 0 8px;max-width:46em}
.excerpt{font-style:italic;color:var(--muted);margin:8px 0;max-width:52em;font-size:14px}
.meta{color:var(--muted);font-size:13px;margin:8px 0 0}
.warning{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:6px}
.figures{display:grid;grid-template-columns:repeat(4,minmax(0,1fr)) minmax(0,1.7fr);gap:12px;
 margin:0 0 22px}
.figure{border:1px solid var(--rule);border-top:4px solid var(--ink);border-radius:6px;
 padding:10px 14px;background:var(--paper)}
.figure .label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
 font-weight:600}
.figure .value{font-size:28px;font-weight:700;line-height:1.2;font-variant-numeric:tabular-nums}
.figure.wide .value{font-size:22px;padding-top:4px}
.figure .note{font-size:13px;color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:22px 28px;margin-bottom:30px}
figure.chart{margin:0;padding:14px 16px 12px;border:1px solid var(--rule);border-radius:8px;
 break-inside:avoid}
figure.chart.wide{grid-column:1/-1}
figcaption{margin-bottom:10px}
figcaption strong{display:block;font-size:16px}
figcaption span{display:block;font-size:13px;color:var(--muted)}
.civ-chart{display:block;overflow:visible}
.empty{color:var(--muted);font-style:italic}
.legend{font-size:12px;color:var(--muted);margin:8px 0 0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 5px 0 12px;
 vertical-align:baseline}
.legend .swatch:first-child{margin-left:0}
h2{font-family:ui-serif,Georgia,Cambria,"Times New Roman",serif;font-size:24px;margin:0 0 4px}
.section-note{color:var(--muted);margin:0 0 6px;font-size:14px}
.mark-legend{font-size:12px;margin:0 0 14px;display:flex;flex-wrap:wrap;gap:6px 10px}
mark{color:inherit;border-radius:2px;padding:0 1px}
.comment{border:1px solid var(--rule);border-left:5px solid var(--ink);border-radius:6px;
 padding:12px 16px;margin:0 0 12px;break-inside:avoid;background:var(--paper)}
.comment header{display:flex;align-items:center;gap:10px;flex-wrap:wrap;font-size:13px}
.rank{font-weight:700;color:var(--muted);font-variant-numeric:tabular-nums;min-width:1.4em}
.badge{color:#fff;font-weight:700;font-size:11px;text-transform:uppercase;letter-spacing:.06em;
 padding:2px 8px;border-radius:10px}
.cmeta{color:var(--muted)}
.top{margin-left:auto;font-weight:600;font-variant-numeric:tabular-nums}
blockquote.text{margin:10px 0;font-size:17px;line-height:1.55;
 font-family:ui-serif,Georgia,Cambria,"Times New Roman",serif;white-space:pre-wrap;
 overflow-wrap:anywhere}
.no-text{color:var(--muted);font-size:14px;margin:10px 0}
.details{display:grid;grid-template-columns:minmax(220px,300px) 1fr;gap:6px 24px;font-size:13px}
.scores{grid-row:span 2}
.score{display:grid;grid-template-columns:118px 1fr 34px;align-items:center;gap:8px;height:20px}
.score .name{color:var(--muted);white-space:nowrap}
.track{height:8px;background:#eef1f4;border-radius:4px;overflow:hidden}
.fill{display:block;height:100%}
.num{text-align:right;font-variant-numeric:tabular-nums}
.targets{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.lbl{font-weight:600;margin-right:2px}
.chip{border:1px solid;border-radius:12px;padding:1px 9px;font-weight:600;white-space:nowrap}
.chip .dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:5px}
.chip .cat{font-weight:400;color:var(--muted)}
.reasons{margin:0;padding-left:18px;color:var(--muted)}
.reasons li{margin:0}
footer{border-top:1px solid var(--rule);margin-top:28px;padding-top:12px;color:var(--muted);
 font-size:13px}
footer p{margin:0 0 6px;max-width:60em}
@media (max-width:760px){.charts{grid-template-columns:1fr}.details{grid-template-columns:1fr}
 h1{font-size:27px}
 .figures{grid-template-columns:repeat(2,minmax(0,1fr))}.figure.wide{grid-column:1/-1}}
@media print{
 @page{margin:14mm}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 body{font-size:11pt}
 main{max-width:none;padding:0}
 h1{font-size:22pt}
 .charts{gap:12px 16px}
 figure.chart,.comment,.figure{break-inside:avoid;page-break-inside:avoid}
 .worst{break-before:page}
 mark{box-shadow:none;text-decoration:underline;text-decoration-thickness:2px}
}
"""


# --------------------------------------------------------------------------- command


def _is_scored(path: Path | None, first_line: str) -> bool:
    if path is not None and path.suffix.lower() in SCORED_SUFFIXES:
        return True
    try:
        obj = json.loads(first_line)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("attributes"), dict)


def _first_line(stream: IO[str]) -> tuple[str, Iterator[str]]:
    """The first non-blank line and an iterator that still yields every line."""
    seen: list[str] = []
    for line in stream:
        seen.append(line)
        if line.strip():
            return line, chain(seen, stream)
    return "", iter(seen)


@click.command("report")
@click.argument("input", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              default="report.html", show_default=True, help="Where to write the HTML report.")
@click.option("--title", help="Report title (default: the page's title or the file name).")
@click.option("--top", "top_n", default=TOP_N, show_default=True,
              help="How many of the worst comments to show.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False),
              help="Policy TOML for pages (scored files keep their decisions).")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]),
              help="Page format (default: from the extension or the content).")
@click.option("--model", type=click.Path(file_okay=False), help="Model directory (pages only).")
def report_cmd(
    input: str,
    output: str,
    title: str | None,
    top_n: int,
    policy: str | None,
    fmt: str | None,
    model: str | None,
) -> None:
    """Write an HTML report on a page's comments or a scored JSONL file.

    \b
    INPUT is a news page (text, HTML or JSON: moderated now) or the output of
    `civility score` (JSONL: its text, article_id, article_title, author and
    created are shown; the per-article and over-time charts need them). The
    report is one self-contained file: open it in any browser, offline, or
    print it.
    Examples:
      civility report examples/news-page-with-comments.html -o report.html
      civility score comments.jsonl -o scored.jsonl && civility report scored.jsonl
    """
    path = None if input == "-" else Path(input)
    if path is not None and not path.exists():
        raise click.ClickException(f"{input}: no such file")
    excerpt = confidence = None
    with click.open_file(input, "r", encoding="utf-8", errors="replace") as src:
        first, lines = _first_line(src)
        if fmt is None and _is_scored(path, first):
            stats = ReportStats(top_n=top_n)

            def unreadable(line_no: int, why: str) -> None:
                stats.unreadable += 1
                click.echo(f"line {line_no}: {why} (skipped)", err=True)

            for row in rows_from_scored(lines, unreadable):
                stats.add(row)
            doc_title = title or (path.name if path else "Scored comments")
        else:
            page, verdicts = _moderate("".join(lines), path, fmt, policy, model)
            stats = collect(rows_from_page(page, verdicts), top_n)
            doc_title = title or page.title or (
                f"Comments on “{_shorten(page.article, 90)}”" if page.article else "Comments"
            )
            excerpt = page.article[:300] if page.title else None
            confidence = page.confidence
    html = build_report(
        stats,
        title=doc_title,
        excerpt=excerpt,
        source=path.name if path else "stdin",
        page_confidence=confidence,
    )
    with click.open_file(output, "w", encoding="utf-8") as dst:
        dst.write(html)
    head, _ = headline(stats)
    if output != "-":
        click.echo(f"{head}\nwrote {output}", err=True)


def _moderate(
    content: str, path: Path | None, fmt: str | None, policy: str | None, model: str | None
) -> tuple[Page, list[Verdict]]:
    from civility.moderator import Moderator
    from civility.policy import PolicyError
    from civility.read import PageError, read_page

    if fmt is None and path is not None and path.suffix:
        fmt = {".htm": "html", ".html": "html", ".json": "json"}.get(path.suffix.lower())
    try:
        page = read_page(content.encode("utf-8"), format=fmt)
        moderator = Moderator(policy, model=model)
    except (PageError, PolicyError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err
    return page, moderator.moderate_page(page)


if __name__ == "__main__":  # pragma: no cover
    report_cmd(sys.argv[1:])
