"""The report as one self-contained HTML file: figures, charts, the worst comments with
their words highlighted. The markup is the Jinja template ``report.html.j2`` (autoescaped, so
all user text is escaped there); this module only prepares plain values from
:class:`ReportStats`. The style sheet ``report.css`` is inlined, so the file loads nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from jinja2.environment import TemplateModule
from markupsafe import Markup

from civility import charts
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
from civility.highlight import joined, runs
from civility.labels import category_label
from civility.records import ACTIONS, ATTRIBUTES, Span, Verdict, attribute_rank
from civility.report.headline import headline
from civility.report.stats import (
    FAMILIES,
    LINE,
    MAX_ARTICLES,
    MAX_GROUPS,
    SHOWN_REASONS,
    ReportRow,
    ReportStats,
    harm_score,
    main_attribute,
)
from civility.wording import plural, shorten

#: A highlighted run: its text, and the attribute naming its colour with the tooltip (or None).
Run = tuple[str, str | None, str]


@dataclass(frozen=True)
class Card:
    """One summary figure at the top of the report."""

    label: str
    value: str
    note: str
    colour: str = ""
    wide: bool = False


@dataclass(frozen=True)
class Figure:
    """One chart with its caption; ``body`` is SVG (or other markup) already escaped."""

    title: str
    caption: str
    body: Markup
    wide: bool = False


@dataclass(frozen=True)
class CommentCard:
    """One of the worst comments, as the template draws it."""

    rank: int
    colour: str
    badge: str
    meta: str
    top: str
    runs: list[Run] | None  # None: the scored file has no text, ``words`` stand alone
    words: list[Run]
    scores: list[tuple[str, str, str, str]]  # label, width in %, colour, score
    chips: list[tuple[str, str, str]]  # colour, group, category
    reasons: list[str]
    more_reasons: list[str]
    more_label: str


# --------------------------------------------------------------------------- templates


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("civility.report", "."), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def _template(name: str) -> Template:
    return _environment().get_template(name)


def _parts() -> TemplateModule:
    """``parts.html.j2``, whose macros the calibration report shares."""
    return _template("parts.html.j2").module


# --------------------------------------------------------------------------- highlighting


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` as escaped HTML with each flagged run in ``<mark>``, at the ORIGINAL offsets.

    Where spans overlap, the strongest covering span names the colour and the
    tooltip lists every attribute that covers the run.
    """
    return str(_parts().marks(highlight_runs(text, spans)))


def highlight_runs(text: str, spans: Sequence[Span]) -> list[Run]:
    """``text`` cut into runs for :func:`highlight` and the template; spans outside it are
    ignored."""
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return [(text, None, "")]
    pieces = joined((a, b, _look(covering))
                    for a, b, covering in runs(len(text), [(s.start, s.end, s) for s in valid]))
    return [(text[a:b], attr, tip) for a, b, (attr, tip) in pieces]


def _look(covering: Sequence[Span]) -> tuple[str | None, str]:
    """How a run covered by ``covering`` is drawn: the strongest span's attribute names the
    colour, the tooltip lists every attribute."""
    if not covering:
        return None, ""
    best = max(covering, key=lambda s: (s.score, -(s.end - s.start)))
    tip = ", ".join(
        f"{attribute_label(attr)} {score:.2f}"
        for attr, score in _strongest_per_attribute(covering)
    )
    return best.attribute, tip


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
    worst = [(r, n) for r, n in stats.worst_counted() if harm_score(r.verdict)[0] > 0]
    return _template("report.html.j2").render(
        page_title=f"{doc_title} · Civility",
        css=Markup(_css()),  # our own style sheet
        doc_title=doc_title,
        head=head,
        lede=lede,
        excerpt=shorten(excerpt, 300) if excerpt else "",
        meta=" · ".join(meta),
        page_confidence=page_confidence if page_confidence is not None
        and page_confidence < 0.6 else None,
        cards=_cards(stats),
        figures=_figures(stats),
        worst=[_comment_card(i, row, n) for i, (row, n) in enumerate(worst, start=1)],
        worst_title=f"The worst {plural(len(worst), 'comment')}",
        repeated=any(n > 1 for _, n in worst),
        legend=[(a, attribute_label(a)) for a in ATTRIBUTES],
        notes=_notes(stats),
    )


def page_head(title: str, css: str = "") -> str:
    """Doctype to the opening <main>: the report's stylesheet (plus *css*) and a strict CSP."""
    return str(_parts().page_head(title, Markup(_css() + css)))


def _figure(title: str, caption: str, svg: str, *, wide: bool = False, cls: str = "") -> str:
    """A chart (``svg``: markup already escaped) with its caption, for the calibration
    report."""
    return str(_parts().figure(title, caption, Markup(svg), wide, cls))


def _cards(stats: ReportStats) -> list[Card]:
    n = stats.total or 1
    cards = [Card("Comments", f"{stats.total:,}", "read and scored")]
    for decision in ACTIONS:
        count = stats.decisions.get(decision, 0)
        cards.append(Card(DECISION_LABELS[decision], f"{count:,}",
                          percent(count / n) + " of comments", DECISION_COLOURS[decision]))
    problems = stats.problems()
    if problems:
        family, _, count = problems[0]
        cards.append(Card("Main problem", FAMILIES[family][1].capitalize(),
                          f"in {plural(count, 'held or rejected comment')}", wide=True))
    else:
        cards.append(Card("Main problem", "None", "no harmful scores above 0.5", wide=True))
    return cards


def _svg(svg: str) -> Markup:
    """A chart from :mod:`civility.charts`, which escapes every text it draws."""
    return Markup(svg)


def _figures(stats: ReportStats) -> list[Figure]:
    if not stats.total:
        return []
    out = [Figure(
        "Decisions",
        "What the policy did with each comment.",
        _svg(charts.stacked_bars([("", dict(stats.decisions))], title="Decisions",
                                 colours=DECISION_COLOURS, labels=DECISION_LABELS, width=960)),
        wide=True,
    )]
    attrs = _attribute_order(stats)
    bars = [
        Bar(attribute_label(a), stats.above[a] / stats.total, ATTRIBUTE_COLOURS.get(a),
            f"({stats.above[a]:,})")
        for a in sorted(attrs, key=lambda a: (-stats.above[a], attribute_rank(a)))
    ]
    out.append(Figure(
        "Which problems",
        f"Share of comments scoring {LINE} or more, per attribute.",
        _svg(charts.bar_chart(bars, title="Share of comments at or above 0.5 per attribute",
                              max_value=1.0, label_chars=20)),
    ))
    groups = stats.ranked_groups()[:MAX_GROUPS]
    if groups:
        chart = charts.bar_chart(
            [Bar(g, n, CATEGORY_COLOURS.get(c, charts.NEUTRAL), "· " + category_label(c))
             for g, c, n in groups],
            title="Most targeted groups", value_format=lambda v: f"{v:,.0f}", label_chars=22,
        )
        out.append(Figure(
            "Most targeted groups",
            "Comments attacking each group (not merely mentioning it), coloured by category.",
            _svg(chart) + _category_legend({c for _, c, _ in groups}),
        ))
    else:
        out.append(Figure("Most targeted groups", "No comment attacked a named group.",
                          Markup('<p class="empty">No targeted groups.</p>')))
    out.append(Figure(
        "How the scores fall",
        f"Distribution of each attribute's score, 0 to 1; darker bars are at or above {LINE}, "
        "the figure is the share of comments there. Each panel has its own scale.",
        _svg(charts.small_multiples({a: stats.bins[a] for a in attrs},
                                    title="Score distributions per attribute",
                                    colours=ATTRIBUTE_COLOURS, threshold=LINE,
                                    panel_width=176)),
        wide=True,
    ))
    if len(stats.articles) >= 2:
        out.append(_articles_figure(stats))
    if stats.hours:
        out.append(_time_figure(stats))
    return out


def _category_legend(categories: Iterable[str]) -> Markup:
    items = Markup("").join(
        Markup('<span class="swatch" style="background:{}"></span>{}').format(
            CATEGORY_COLOURS.get(c, charts.NEUTRAL), c.replace("_", " "))
        for c in sorted(categories)
    )
    return Markup('<p class="legend">{}</p>').format(items)


def _attribute_order(stats: ReportStats) -> list[str]:
    known = [a for a in ATTRIBUTES if a in stats.bins]
    return known + sorted(a for a in stats.bins if a not in ATTRIBUTES)


def _articles_figure(stats: ReportStats) -> Figure:
    def flagged_share(item: tuple[str, Counter[str]]) -> tuple[float, int]:
        total = sum(item[1].values()) or 1
        return (-(total - item[1].get("publish", 0)) / total, -total)

    ranked = sorted(stats.articles.items(), key=flagged_share)
    rows = [(stats.article_labels.get(k, k), dict(c)) for k, c in ranked[:MAX_ARTICLES]]
    more = len(ranked) - len(rows)
    caption = "Decisions per article, the most held or rejected first; n is the number of comments."
    if more > 0:
        caption += f" {plural(more, 'more article')} not shown."
    return Figure(
        "Toxicity per article",
        caption,
        _svg(charts.stacked_bars(rows, title="Decisions per article", colours=DECISION_COLOURS,
                                 labels=DECISION_LABELS, width=960, label_chars=48)),
        wide=True,
    )


def _time_figure(stats: ReportStats) -> Figure:
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
    return Figure(
        "Over time",
        caption,
        _svg(charts.time_series(series, title=f"Comments per {unit} over time",
                                y_label=f"comments per {unit}")),
        wide=True,
    )


def _comment_card(rank: int, row: ReportRow, copies: int = 1) -> CommentCard:
    v: Verdict = row.verdict
    attr, score = main_attribute(v)
    meta = [f"comment {v.id}"]
    if copies > 1:
        meta[0] += f" and {plural(copies - 1, 'identical copy', 'identical copies')}"
    if row.author:
        meta.append(f"by {shorten(row.author, 40)}")
    if row.article_label:
        meta.append(shorten(row.article_label, 60))
    if row.created:
        meta.append(row.created.strftime("%d %b %Y %H:%M UTC"))
    strongest = sorted(
        ((a, s) for a, s in v.attributes.items() if s >= 0.2 and s == s),
        key=lambda kv: (-kv[1], attribute_rank(kv[0])),
    )[:4]
    rest = list(v.reasons[SHOWN_REASONS:])
    return CommentCard(
        rank=rank,
        colour=DECISION_COLOURS.get(v.decision, charts.NEUTRAL),
        badge=DECISION_LABELS.get(v.decision, v.decision),
        meta=" · ".join(meta),
        top=f"{attribute_label(attr)} {score:.2f}",
        runs=highlight_runs(v.text, v.spans) if v.text else None,
        words=[(s.text, s.attribute, f"{attribute_label(s.attribute)} {s.score:.2f}")
               for s in sorted(v.spans, key=lambda s: -s.score)[:8]],
        scores=[(attribute_label(a), f"{min(max(s, 0), 1) * 100:.0f}",
                 ATTRIBUTE_COLOURS.get(a, charts.NEUTRAL), f"{s:.2f}") for a, s in strongest],
        chips=[(CATEGORY_COLOURS.get(c, charts.NEUTRAL), g, category_label(c))
               for g, c in dict.fromkeys((t.group, t.category) for t in v.targets)],
        reasons=list(v.reasons[:SHOWN_REASONS]),
        more_reasons=rest,
        more_label=plural(len(rest), "more reason"),
    )


def _notes(stats: ReportStats) -> list[str]:
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
    return notes


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


#: The report's style sheet, kept as a file so it reads (and lints) as CSS.
CSS = (files("civility.report") / "report.css").read_text(encoding="utf-8")


def _css() -> str:
    marks = "".join(
        f"mark.a-{a}{{background:{_rgba(c, 0.22)};box-shadow:inset 0 -2px 0 {c}}}"
        for a, c in ATTRIBUTE_COLOURS.items()
    )
    return CSS + marks
