"""Terminal report for ``civility moderate PAGE``.

Moderators skim: the report leads with the counts, then shows each comment
with the words that drove the decision highlighted at their ORIGINAL offsets,
the strongest scores as bars, the attacked groups and the policy's reasons.
All user text goes through ``rich.text.Text`` (never markup), so a comment
containing ``[bold]`` prints literally. When the console cannot show colour
(not a terminal, ``no_color``) the report stays readable: no ANSI codes,
flagged words wrapped in «guillemets», badges in brackets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from civility.highlight import joined, runs
from civility.labels import (
    TERMINAL_ATTRIBUTE_COLOURS,
    TERMINAL_DECISION_COLOURS,
    attribute_label,
)
from civility.records import Span, Target, Verdict, attribute_rank
from civility.wording import shorten

__all__ = ["ATTRIBUTE_COLOURS", "render_report"]

DECISION_COLOURS = TERMINAL_DECISION_COLOURS
ATTRIBUTE_COLOURS = TERMINAL_ATTRIBUTE_COLOURS
MIN_SHOWN_SCORE = 0.2
TOP_ATTRIBUTES = 3
BAR_WIDTH = 10
EXCERPT_CHARS = 280
LOW_CONFIDENCE = 0.6
MARK_OPEN, MARK_CLOSE = "«", "»"


def render_report(
    verdicts: Sequence[Verdict],
    *,
    console: Console,
    title: str | None = None,
    page_confidence: float | None = None,
    article_excerpt: str | None = None,
) -> None:
    """Print the moderation report for one page's verdicts to ``console``."""
    plain = _is_plain(console)
    console.print(_header(verdicts, title, page_confidence, article_excerpt, plain))
    if not verdicts:
        console.print(Text("No comments found on this page.", style="italic"))
    for number, verdict in enumerate(verdicts, start=1):
        console.print(_comment_panel(number, verdict, plain))


def _is_plain(console: Console) -> bool:
    """True when styles will not show, so the text itself must carry the marks."""
    return console.color_system is None or console.no_color


# --------------------------------------------------------------------------- header


def _header(
    verdicts: Sequence[Verdict],
    title: str | None,
    confidence: float | None,
    excerpt: str | None,
    plain: bool,
) -> RenderableType:
    parts: list[RenderableType] = [Rule(Text(title or "Moderation report", style="bold"))]
    if excerpt:
        parts.append(Text(shorten(excerpt, EXCERPT_CHARS), style="dim italic"))
    parts.append(_summary_line(verdicts, plain))
    details = _page_details(verdicts, confidence)
    if details.plain:
        parts.append(details)
    return Group(*parts)


def _summary_line(verdicts: Sequence[Verdict], plain: bool) -> Text:
    counts = Counter(v.decision for v in verdicts)
    line = Text(f"{len(verdicts)} comment{'s' if len(verdicts) != 1 else ''}  ")
    badges = [_badge(d, plain, count=counts.get(d, 0)) for d in DECISION_COLOURS]
    return line + Text(" ").join(badges)


def _page_details(verdicts: Sequence[Verdict], confidence: float | None) -> Text:
    """Split confidence (warned when low) and model version, when known."""
    line = Text()
    if confidence is not None:
        line.append(f"split confidence {confidence:.2f}")
        if confidence < LOW_CONFIDENCE:
            line.append(" (low: check where comments begin and end)", style="bold yellow")
    versions = sorted({v.model_version for v in verdicts if v.model_version})
    if versions:
        line.append(("  " if line.plain else "") + f"model {', '.join(versions)}", style="dim")
    return line


def _badge(decision: str, plain: bool, count: int | None = None) -> Text:
    label = decision.upper() if count is None else f"{decision.upper()} {count}"
    if plain:
        return Text(f"[{label}]")
    colour = DECISION_COLOURS.get(decision, "white")
    return Text(f" {label} ", style=f"bold black on {colour}")


# --------------------------------------------------------------------------- comments


def _comment_panel(number: int, verdict: Verdict, plain: bool) -> Panel:
    body: list[RenderableType] = [_highlighted(verdict.text, verdict.spans, plain)]
    details = [
        _attribute_bars(verdict.attributes),
        _target_chips(verdict.targets),
        _reason_list(verdict.reasons),
    ]
    shown = [d for d in details if d.plain]
    if shown:
        body += [Text(), *shown]
    # Positional ids ("1", "2", ...) would only repeat the number.
    label = f"#{number}" if verdict.id == str(number) else f"#{number} · {verdict.id}"
    title = Text(label + " ")
    title.append_text(_badge(verdict.decision, plain))
    return Panel(
        Group(*body),
        title=title,
        title_align="left",
        border_style=DECISION_COLOURS.get(verdict.decision, "white"),
    )


def _highlighted(text: str, spans: Sequence[Span], plain: bool) -> Text:
    """The comment with each span styled at its original offsets (marked when plain)."""
    styled = Text(text)
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    for span in sorted(valid, key=lambda s: s.score):  # strongest applied last, so it wins
        styled.stylize(_span_style(span.attribute), span.start, span.end)
    return _with_marks(styled, valid) if plain else styled


def _span_style(attribute: str) -> str:
    return f"bold underline {ATTRIBUTE_COLOURS.get(attribute, 'red')}"


def _with_marks(styled: Text, spans: Sequence[Span]) -> Text:
    """Copy of ``styled`` with «» around each run of flagged characters (touching spans join)."""
    out = Text()
    pieces = runs(len(styled), [(s.start, s.end, s) for s in spans])
    for start, end, flagged in joined((a, b, bool(cover)) for a, b, cover in pieces):
        if flagged:
            out.append(MARK_OPEN)
        out.append_text(styled[start:end])
        if flagged:
            out.append(MARK_CLOSE)
    return out


def _attribute_bars(attributes: dict[str, float]) -> Text:
    """The top scores ≥ MIN_SHOWN_SCORE, e.g. ``threat  ███████░░░ 0.93``."""
    shown = sorted(
        ((a, s) for a, s in attributes.items() if s >= MIN_SHOWN_SCORE),
        key=lambda item: (-item[1], attribute_rank(item[0])),
    )[:TOP_ATTRIBUTES]
    width = max((len(a) for a, _ in shown), default=0)
    return Text("\n").join(_bar(attr, score, width) for attr, score in shown)


def _bar(attr: str, score: float, width: int) -> Text:
    filled = round(min(max(score, 0.0), 1.0) * BAR_WIDTH)
    line = Text(f"{attribute_label(attr):<{width}} ")
    line.append("█" * filled, style=ATTRIBUTE_COLOURS.get(attr, "white"))
    line.append("░" * (BAR_WIDTH - filled), style="dim")
    line.append(f" {score:.2f}")
    return line


def _target_chips(targets: Sequence[Target]) -> Text:
    """Attacked groups as ``[Turks · nationality]`` chips, each group once."""
    unique = dict.fromkeys((t.group, t.category) for t in targets)
    if not unique:
        return Text()
    chips = [Text(f"[{group} · {category}]", style="bold magenta") for group, category in unique]
    return Text("targets ", style="bold") + Text(" ").join(chips)


def _reason_list(reasons: Sequence[str]) -> Text:
    return Text("\n").join(Text(f"• {reason}", style="dim") for reason in reasons)
