"""The report as one self-contained HTML file: figures, charts, the worst comments with
their words highlighted. A pure function of :class:`ReportStats`; all user text is escaped.
The style sheet is ``report.css`` beside this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from importlib.resources import files

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
from civility.records import ACTIONS, ATTRIBUTES, Span, attribute_rank
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

# --------------------------------------------------------------------------- highlighting


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` as escaped HTML with each flagged run in ``<mark>``, at the ORIGINAL offsets.

    Where spans overlap, the strongest covering span names the colour and the
    tooltip lists every attribute that covers the run.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return escape(text)
    pieces = joined((a, b, _look(covering))
                    for a, b, covering in runs(len(text), [(s.start, s.end, s) for s in valid]))
    return "".join(
        escape(text[a:b])
        if attr is None
        else f'<mark class="a-{escape(attr)}" title="{escape(tip)}">{escape(text[a:b])}</mark>'
        for a, b, (attr, tip) in pieces
    )


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
    parts = [
        page_head(f"{doc_title} · Civility"),
        '<header class="masthead">',
        '<p class="kicker">Civility · comment moderation report</p>',
        f'<p class="doc-title">{escape(doc_title)}</p>',
        f'<h1 id="headline">{escape(head)}</h1>',
        f'<p class="lede">{escape(lede)}</p>',
    ]
    if excerpt:
        parts.append(f'<p class="excerpt">{escape(shorten(excerpt, 300))}</p>')
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


def page_head(title: str, css: str = "") -> str:
    """Doctype to the opening <main>: the report's stylesheet (plus *css*) and a strict CSP."""
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Belt and braces: even a future bug that let markup through could not load anything.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(title)}</title>",
        f"<style>{_css()}{css}</style></head><body><main>",
    ])


def _figures(stats: ReportStats) -> str:
    n = stats.total or 1
    cards = [('Comments', f"{stats.total:,}", "read and scored", "")]
    for decision in ACTIONS:
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
        for a in sorted(attrs, key=lambda a: (-stats.above[a], attribute_rank(a)))
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
                         "· " + category_label(c))
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
        meta.append(f"by {shorten(row.author, 40)}")
    if row.article_label:
        meta.append(shorten(row.article_label, 60))
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
            key=lambda kv: (-kv[1], attribute_rank(kv[0])),
        )[:4]
    )
    chips = "".join(
        f'<span class="chip" style="border-color:{CATEGORY_COLOURS.get(c, charts.NEUTRAL)}">'
        f'<span class="dot" style="background:{CATEGORY_COLOURS.get(c, charts.NEUTRAL)}"></span>'
        f'{escape(g)} <span class="cat">{escape(category_label(c))}</span></span>'
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
