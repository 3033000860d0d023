"""The report's headline, written from the data ("9 of 14 comments held or rejected — mostly
identity attacks on ..., and threats").
"""

from __future__ import annotations

from collections.abc import Sequence

from civility.report.stats import FAMILIES, SECOND_PROBLEM_SHARE, ReportStats
from civility.wording import plural

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
