"""Reading scored rows and counting them: :class:`ReportStats` keeps counts, histogram
bins, hourly buckets and the worst ``top_n`` comments, never the whole file.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from civility.batch.contract import TIME_FIELDS, parse_time
from civility.binning import bin_index
from civility.records import (
    ACTIONS,
    NOT_HARM_ATTRIBUTES,
    UMBRELLA_ATTRIBUTES,
    Page,
    Verdict,
    rounded_scores,
)

LINE = 0.5
HIST_BINS = 10
TOP_N = 10
#: Reasons shown on a comment card; the rest fold away (the policy lists the decisive ones first).
SHOWN_REASONS = 3
MAX_ARTICLES = 15
MAX_GROUPS = 10

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
            verdict = Verdict.from_dict(obj)
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
    harmful = [(s, a) for a, s in verdict.attributes.items()
               if a not in NOT_HARM_ATTRIBUTES and s == s]
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
        if a not in UMBRELLA_ATTRIBUTES and a not in NOT_HARM_ATTRIBUTES and s == s and s >= LINE
    ]
    if specific:
        score, attr = max(specific)
        return attr, score
    score, attr = harm_score(verdict)
    return attr, score


_DECISION_RANK = {a: i for i, a in enumerate(ACTIONS)}


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
            self.bins.setdefault(attr, [0] * HIST_BINS)[bin_index(score, HIST_BINS) or 0] += 1
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
    return ("scores", v.decision, tuple(sorted(rounded_scores(v.attributes).items())),
            tuple((s.attribute, s.text) for s in v.spans))


def collect(rows: Iterable[ReportRow], top_n: int = TOP_N) -> ReportStats:
    stats = ReportStats(top_n=top_n)
    for row in rows:
        stats.add(row)
    return stats
