"""``civility report``: the click command that reads a page or a scored JSONL file and
writes the report.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO

import click

from civility.fileformats import PAGE_FORMATS, format_of, page_format
from civility.records import Page, Verdict
from civility.report.headline import headline
from civility.report.html import build_report
from civility.report.stats import (
    TOP_N,
    ReportStats,
    collect,
    rows_from_page,
    rows_from_scored,
)
from civility.wording import shorten

# --------------------------------------------------------------------------- command


def _is_scored(path: Path | None, first_line: str) -> bool:
    """A file named as JSON lines is scored records; any other (a ``.json`` page too) is
    scored when its first line is a scored row (see :mod:`civility.fileformats`)."""
    if path is not None and format_of(path) == "jsonl":
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
@click.option("--format", "fmt", type=click.Choice(PAGE_FORMATS),
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
                f"Comments on “{shorten(page.article, 90)}”" if page.article else "Comments"
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

    if fmt is None and path is not None:
        fmt = page_format(path)
    try:
        page = read_page(content.encode("utf-8"), format=fmt)
        moderator = Moderator(policy, model=model)
    except (PageError, PolicyError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err
    return page, moderator.moderate_page(page)


if __name__ == "__main__":  # pragma: no cover
    report_cmd(sys.argv[1:])
