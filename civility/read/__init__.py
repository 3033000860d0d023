"""Turn a news page (plain text, HTML or JSON) into a :class:`Page`.

Moderation must only score what readers wrote, never the article or the site
chrome around it, so this package's one job is to draw those boundaries and to
say, through ``Page.confidence``, how sure it is about them.  Callers use the
confidence to decide whether to trust the split or ask a human.

One module per format (``text``, ``html``, ``json``); this package detects the format
and dispatches. The extension is looked up in the one map, :mod:`civility.fileformats`,
asking what kind of *page* it names (a ``.json`` page is one document, not JSON lines);
when the extension says nothing, the content decides (:func:`_sniff`).
"""

from __future__ import annotations

import json as jsonlib  # the submodule civility.read.json takes the plain name here
import os
import re
from pathlib import Path

from civility.fileformats import PAGE_FORMATS, page_format
from civility.read.errors import PageError
from civility.read.html import parse_html
from civility.read.json import parse_json
from civility.read.text import parse_text
from civility.records import Page

__all__ = ["PageError", "parse_html", "parse_json", "parse_text", "read_page"]

# --------------------------------------------------------------------------- entry point

#: Names ``format=`` accepts beside PAGE_FORMATS and the extensions ("txt", "htm"...).
_ALIASES = {"plain": "text"}
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html\b|<\?xml[^>]*>\s*<html\b)", re.I)
_HTML_TAGS = re.compile(rb"<(?:head|body|div|article|p|section|main)\b[^>]*>", re.I)


def read_page(source: str | os.PathLike[str] | bytes, *, format: str | None = None) -> Page:
    """Read a page from a path or from raw content, detecting its format.

    ``format`` ("text", "html", "json") overrides detection.  A ``str`` is a path
    when such a file exists and raw content when it clearly is content
    (several lines, or markup/JSON); anything else is reported as a missing file.
    """
    fmt = _normalise_format(format)
    label = "the input"
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
    elif isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        label = str(path)
        raw = _read_file(path)
        if fmt is None:
            fmt = page_format(path)
    elif isinstance(source, str):
        raw = source.encode("utf-8")
    else:
        raise PageError(f"read_page expects a path, str or bytes, got {type(source).__name__}")

    if fmt is None:
        fmt = _sniff(raw)
    if fmt == "html":
        return parse_html(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageError(
            f"{label} is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "re-save it as UTF-8"
        ) from exc
    if fmt == "json":
        try:
            return parse_json(text)
        except PageError as exc:
            raise PageError(f"{label}: {exc}") from exc
    if not text.strip():
        raise PageError(f"{label} is empty: there is no article or comment text to read")
    return parse_text(text)


def _normalise_format(format: str | None) -> str | None:
    if format is None:
        return None
    name = format.lower().lstrip(".")
    fmt = name if name in PAGE_FORMATS else _ALIASES.get(name) or page_format(f"x.{name}")
    if fmt is None:
        raise PageError(f"unknown format {format!r}; use one of: text, html, json")
    return fmt


def _looks_like_path(source: str) -> bool:
    if "\n" in source or len(source) > 4096:
        return False
    stripped = source.lstrip()
    if stripped[:1] in {"<", "{", "["}:
        return Path(source).exists() if len(source) < 1024 else False
    return True


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PageError(f"no such file: {str(path)!r}; check the path") from None
    except IsADirectoryError:
        raise PageError(f"{str(path)!r} is a directory; pass a page file") from None
    except PermissionError:
        raise PageError(f"cannot read {str(path)!r}: permission denied") from None
    except OSError as exc:
        raise PageError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None


def _sniff(raw: bytes) -> str:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HTML_START.match(head) or (head.startswith(b"<") and _HTML_TAGS.search(head)):
        return "html"
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"["):
        # "[Updated] Council ..." is a text page; only a list that parses is JSON.
        try:
            jsonlib.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, jsonlib.JSONDecodeError):
            return "text"
        return "json"
    return "text"
