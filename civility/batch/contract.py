"""The ``civility score`` file contract: JSONL in, JSONL out, input order, nothing lost.

Input lines are ``{"id", "text", "article"?, "article_id"?, "article_title"?, "author"?,
"created"?}``. Output lines are ``{"id", "text", "article_id"?, "article_title"?, "author"?,
"created"?, "attributes", "targets", "spans", "decision", "reasons", "model_version"}``: the
verdict with what ``civility report`` needs to tell the story per article and over time
(``--no-text`` and ``--no-author`` leave those out). A line that cannot be scored is reported
with its line number and reason, and skipped; the rest of the file is scored. Other tools
build on this contract, so it changes only by adding keys.

This module is the pure core shared by every engine: :func:`check_record`
validates one row whatever file format it came from (see ``readers``), and
:func:`moderate_records` is a plain records-in/rows-out function, so the local
process pool and the Ray adapter (``local``, ``ray``) stay thin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from typing import TYPE_CHECKING, Any

from civility.records import MAX_TEXT_CHARS, Comment, Verdict, invalid_unicode

if TYPE_CHECKING:  # the model loads only where scoring happens, never in a reading process
    from civility.moderator import Moderator

#: Input fields that may hold a comment's time, in the order they are looked for.
TIME_FIELDS = ("created", "created_at", "timestamp", "time", "date", "posted_at", "published_at")
#: Output keys for what a row says about its comment beside the text, in output order.
CONTEXT_KEYS = ("article_id", "article_title", "author", "created")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: A stand-in article title (from the article's first sentence) is at most this long.
TITLE_CHARS = 90


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    id: str
    text: str
    article: str | None = None
    #: (key, value) pairs among CONTEXT_KEYS, carried to the output so that reports can tell
    #: the story per article, per author and over time.
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str
    raw: str


def parse_line(
    line_no: int,
    raw: str,
    *,
    text_field: str = "text",
    id_field: str = "id",
    article_field: str = "article",
    context: Sequence[tuple[str, Sequence[str]]] = (),
) -> Record | Rejected:
    """One input line to a :class:`Record`, or a :class:`Rejected` that says what was wrong.

    ``context`` lists, per output key, the input fields that may hold it (the first present
    is used).
    """
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as err:
        # Some of json's messages end in "at" already ("Invalid control character at").
        return Rejected(line_no, f"invalid JSON: {err.msg.removesuffix(' at')} at column "
                                 f"{err.colno}", raw)
    if not isinstance(obj, dict):
        return Rejected(line_no, f"expected a JSON object, got {type(obj).__name__}", raw)
    return check_record(
        line_no,
        obj.get(text_field),
        obj.get(id_field, line_no),
        obj.get(article_field),
        raw,
        text_field=text_field,
        id_field=id_field,
        article_field=article_field,
        context=pick_context(context, obj.get),
    )


def pick_context(
    context: Sequence[tuple[str, Sequence[str]]], get: Callable[[str], Any]
) -> list[tuple[str, str, Any]]:
    """(key, field, value) for each context key whose fields hold a value: the first that does."""
    found = []
    for key, names in context:
        for name in names:
            value = get(name)
            if value is not None and value != "":
                found.append((key, name, value))
                break
    return found


def check_record(
    line_no: int,
    text: Any,
    ident: Any,
    article: Any,
    raw: str,
    *,
    text_field: str = "text",
    id_field: str = "id",
    article_field: str = "article",
    context: Sequence[tuple[str, str, Any]] = (),
) -> Record | Rejected:
    """Validate one row's values, whatever format they were read from.

    Readers pass the line (row) number as ``ident`` when a row has no id, so every
    output row can be traced back to its input. ``context`` holds (key, field, value) for
    what the row says about its comment (see :data:`CONTEXT_KEYS`); times become ISO 8601.
    """
    if text is None:
        return Rejected(line_no, f"missing {text_field!r}", raw)
    if not isinstance(text, str):
        return Rejected(line_no, f"{text_field!r} must be a string, got {type(text).__name__}", raw)
    if len(text) > MAX_TEXT_CHARS:
        return Rejected(
            line_no,
            f"{text_field!r} is {len(text):,} characters, over the limit of "
            f"{MAX_TEXT_CHARS:,}",
            raw,
        )
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        return Rejected(line_no, f"{id_field!r} must be a string or an integer", raw)
    if article is not None and not isinstance(article, str):
        return Rejected(line_no, f"{article_field!r} must be a string", raw)
    for name, value in ((text_field, text), (id_field, ident), (article_field, article)):
        problem = invalid_unicode(value) if isinstance(value, str) else None
        if problem:
            return Rejected(line_no, f"{name!r} {problem}", raw)
    carried: dict[str, str] = {}
    for key, name, value in context:
        if isinstance(value, bool) or not isinstance(value, str | int | float | date):
            return Rejected(line_no, f"{name!r} must be a string or a number", raw)
        if isinstance(value, str) and (problem := invalid_unicode(value)):
            return Rejected(line_no, f"{name!r} {problem}", raw)
        when = parse_time(value) if key == "created" else None
        carried[key] = when.isoformat() if when else str(value).strip()
    context_items = tuple((k, carried[k]) for k in CONTEXT_KEYS if carried.get(k))
    return Record(line_no, str(ident), text, article, context_items)


def parse_time(value: Any) -> datetime | None:
    """A timestamp from ISO 8601 text, Unix seconds (or milliseconds, also as text) or a
    datetime (Parquet); naive means UTC."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)
    try:
        if isinstance(value, int | float):
            seconds = float(value) / (1000 if abs(value) > 1e11 else 1)
            return datetime.fromtimestamp(seconds, UTC)
        parsed = datetime.fromisoformat(str(value).strip())
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stand_in_title(article: str, limit: int = TITLE_CHARS) -> str | None:
    """A title for an article that has none: readers recognise an article by its lede."""
    sentence = re.split(r"(?<=[.!?])\s", article.strip(), maxsplit=1)[0].strip()
    sentence = " ".join(sentence.split())
    if not sentence:
        return None
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def moderate_records(batch: Sequence[Record], moderator: Moderator) -> list[dict]:
    """Output rows for ``batch``, in its order: the one moderation step every engine runs."""
    # Comments about the same article share its context; scoring them together keeps batches full.
    results: list[dict | None] = [None] * len(batch)
    keyed = sorted(range(len(batch)), key=lambda i: batch[i].article or "")
    for article, group in groupby(keyed, key=lambda i: batch[i].article or ""):
        positions = list(group)
        verdicts = moderator.moderate(
            [Comment(batch[i].id, batch[i].text) for i in positions], article=article or None
        )
        for i, v in zip(positions, verdicts, strict=True):
            results[i] = result_row(batch[i], v)
    return results  # type: ignore[return-value]  # every position was filled above


def result_row(record: Record, verdict: Verdict) -> dict[str, Any]:
    """One output row: id, text, the row's context, then the verdict (:meth:`Verdict.to_dict`).

    An article given only as text gets a stand-in title, so reports can still group by article.
    """
    scored = verdict.to_dict(include_text=True)
    row: dict[str, Any] = {"id": scored.pop("id"), "text": scored.pop("text")}
    context = dict(record.context)
    if record.article and "article_title" not in context:
        title = stand_in_title(record.article)
        if title:
            context["article_title"] = title
    row.update((k, context[k]) for k in CONTEXT_KEYS if k in context)
    row.update(scored)
    return row


def leave_out(row: dict[str, Any], keys: Collection[str]) -> dict[str, Any]:
    """``row`` without ``keys``: ``--no-text`` and ``--no-author`` keep them out of a file."""
    return {k: v for k, v in row.items() if k not in keys} if keys else row
