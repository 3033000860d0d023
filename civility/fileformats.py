"""The one map from file extension to format, for every command that opens a file.

Two different questions are asked of it, and they differ only for ``.json``:

* **A stream of records** (``civility score``'s input and output, ``civility report``'s
  scored input): one row per comment, read row by row. :func:`record_format` answers
  ``jsonl``, ``csv`` or ``parquet``. A file of records named ``.json`` is read as JSON
  lines, the only JSON a stream can be.
* **One news page** (``civility moderate``, ``civility report`` on a page): an article with
  its comments, read whole. :func:`page_format` answers ``text``, ``html`` or ``json``; a
  ``.json`` page is one JSON document. When the extension says nothing,
  ``civility.read`` looks at the content instead.

So ``civility report`` treats ``.jsonl``/``.ndjson`` as scored records, and a ``.json`` file as
a page unless its first line is a scored row.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Formats of a stream of records (one row per comment).
RECORD_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
#: Formats of one news page (an article and its comments).
PAGE_FORMATS: tuple[str, ...] = ("text", "html", "json")

#: Extension -> the format it names. ``json`` is a page, or JSON lines when records are read.
EXTENSIONS: dict[str, str] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json",
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}


class FormatError(ValueError):
    """The file as a whole cannot be read as asked (unknown format, missing column, ...)."""


def format_of(path: str | os.PathLike[str], among: tuple[str, ...] | None = None) -> str | None:
    """The format named by the path's last extension that names one (of ``among``, if given)."""
    for suffix in reversed(Path(path).suffixes):
        fmt = EXTENSIONS.get(suffix.lower())
        if fmt is not None and (among is None or fmt in among):
            return fmt
    return None


def record_format(path: str, override: str | None = None) -> str:
    """How to read or write ``path`` as records: ``override``, else the extension.

    stdin/stdout ('-') are JSON lines.
    """
    if override:
        if override not in RECORD_FORMATS:
            raise FormatError(f"unknown format {override!r}; choose one of "
                              f"{', '.join(RECORD_FORMATS)}")
        return override
    if path == "-":
        return "jsonl"
    fmt = format_of(path, (*RECORD_FORMATS, "json"))
    if fmt is not None:
        return "jsonl" if fmt == "json" else fmt
    raise FormatError(f"cannot tell the format of {path!r} from its extension "
                      f"(.jsonl, .csv, .parquet); name it with --input-format/--output-format")


def page_format(path: str | os.PathLike[str]) -> str | None:
    """The page format ``path``'s extension names, or None: then the content decides."""
    return format_of(path, PAGE_FORMATS)
