"""The ``civility score`` file contract: JSONL in, JSONL out, input order, nothing lost.

Input lines are ``{"id", "text", "article"?}``. Output lines are
``{"id", "attributes", "targets", "spans", "decision", "reasons"}``. A line that
cannot be scored is reported with its line number and reason, and skipped; the
rest of the file is scored. Other tools build on this contract, so it changes
only by adding keys.

This module is the pure core shared by every engine: :func:`check_record`
validates one row whatever file format it came from (see ``civility.formats``),
and :func:`score_batch` is a plain batch-in/batch-out function, so the local
process pool and the Ray adapter (``civility.engines``) stay thin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from civility.types import Comment, invalid_unicode

if TYPE_CHECKING:  # the model loads only where scoring happens, never in a reading process
    from civility.moderator import Moderator

#: Longer texts are rejected rather than silently truncated.
MAX_TEXT_CHARS = 50_000


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    id: str
    text: str
    article: str | None = None


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
) -> Record | Rejected:
    """One input line to a :class:`Record`, or a :class:`Rejected` that says what was wrong."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as err:
        return Rejected(line_no, f"invalid JSON: {err.msg} at column {err.colno}", raw)
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
    )


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
) -> Record | Rejected:
    """Validate one row's values, whatever format they were read from.

    Readers pass the line (row) number as ``ident`` when a row has no id, so every
    output row can be traced back to its input.
    """
    if text is None:
        return Rejected(line_no, f"missing {text_field!r}", raw)
    if not isinstance(text, str):
        return Rejected(line_no, f"{text_field!r} must be a string, got {type(text).__name__}", raw)
    if len(text) > MAX_TEXT_CHARS:
        return Rejected(
            line_no,
            f"{text_field!r} is {len(text)} characters, over the limit of {MAX_TEXT_CHARS}",
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
    return Record(line_no, str(ident), text, article)


def score_batch(
    batch: Sequence[Record], moderator: Moderator, *, include_text: bool = False
) -> list[dict]:
    """Output dicts for ``batch``, in its order: the one scoring step every engine runs."""
    # Comments about the same article share its context; scoring them together keeps batches full.
    results: list[dict | None] = [None] * len(batch)
    keyed = sorted(range(len(batch)), key=lambda i: batch[i].article or "")
    for article, group in groupby(keyed, key=lambda i: batch[i].article or ""):
        positions = list(group)
        verdicts = moderator.moderate(
            [Comment(batch[i].id, batch[i].text) for i in positions], article=article or None
        )
        for i, v in zip(positions, verdicts, strict=True):
            results[i] = v.to_dict(include_text=include_text)
    return results  # type: ignore[return-value]  # every position was filled above
