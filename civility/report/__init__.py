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

The package: ``stats`` (reading and counting), ``headline`` (the prose), ``html`` (plain
values for the Jinja template ``report.html.j2``, which escapes all user text and inlines
``report.css``) and ``command`` (the click command).
"""

from __future__ import annotations

from civility.report.command import report_cmd
from civility.report.headline import headline
from civility.report.html import build_report, highlight
from civility.report.stats import (
    ReportRow,
    ReportStats,
    collect,
    rows_from_page,
    rows_from_scored,
)

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
]
