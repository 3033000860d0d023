"""Streaming readers for ``civility score``: JSONL, CSV and Parquet rows in, records out.

Readers yield one :class:`~civility.batch.contract.Record` or
:class:`~civility.batch.contract.Rejected` per input row and never hold more than a row
(JSONL, CSV) or a record batch (Parquet) in memory, so archives of any size stream. A
reader can skip the rows a previous run already handled, which is how ``--resume``
continues. Which format a path is: :mod:`civility.fileformats`.

pyarrow is imported only for Parquet, so JSONL and CSV work without it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from civility.batch.contract import (
    MAX_TEXT_CHARS,
    TIME_FIELDS,
    Record,
    Rejected,
    check_record,
    parse_line,
    pick_context,
)
from civility.fileformats import FormatError

#: A line longer than this cannot hold a text under MAX_TEXT_CHARS (12 bytes is the
#: longest JSON spelling of one character, a surrogate pair), so it is rejected unread.
MAX_LINE_BYTES = 12 * MAX_TEXT_CHARS + 65_536


@dataclass(frozen=True, slots=True)
class Columns:
    """Which input fields hold the text, the id and the article, and the comment's context.

    ``id``/``article`` may be absent from a file unless marked required (the user
    named them explicitly): then a typo is an error, not silently line-number ids.
    The context fields (article id and title, author, time) are carried to the output
    when present, so a report on the scored file can tell the story per article and
    over time; ``time`` None looks for the usual names (``TIME_FIELDS``).
    """

    text: str = "text"
    id: str = "id"
    article: str = "article"
    id_required: bool = False
    article_required: bool = False
    article_id: str = "article_id"
    title: str = "article_title"
    author: str = "author"
    time: str | None = None

    def fields(self) -> dict[str, str]:
        return {"text_field": self.text, "id_field": self.id, "article_field": self.article}

    def context(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Per output key (``CONTEXT_KEYS``), the input fields that hold it."""
        return (("article_id", (self.article_id,)), ("article_title", (self.title,)),
                ("author", (self.author,)),
                ("created", (self.time,) if self.time else TIME_FIELDS))

    def names(self) -> list[str]:
        """Every input field that is read, without repeats."""
        wanted = [self.text, self.id, self.article, *(n for _, ns in self.context() for n in ns)]
        return list(dict.fromkeys(wanted))





class Reader(Protocol):
    """Rows in input order. ``position``/``total`` measure progress in ``unit`` (bytes or rows)."""

    unit: str
    total: int | None
    position: int

    def __iter__(self) -> Iterator[Record | Rejected]: ...

    def close(self) -> None: ...


def open_reader(path: str, fmt: str, columns: Columns = Columns(), *, skip: int = 0) -> Reader:
    """A reader over ``path`` ('-' is stdin) that skips the first ``skip`` rows."""
    if fmt == "parquet":
        if path == "-":
            raise FormatError("Parquet cannot be read from stdin; pass a file")
        return ParquetReader(path, columns, skip=skip)
    stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    total = None if path == "-" else os.fstat(stream.fileno()).st_size
    if fmt == "jsonl":
        return JsonlReader(stream, columns, skip=skip, total=total)
    if fmt == "csv":
        return CsvReader(stream, columns, skip=skip, total=total)
    raise FormatError(f"unknown format {fmt!r}")


def _bounded_lines(stream: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """(line, its size in bytes); a line over MAX_LINE_BYTES comes back cut short.

    Reading with a limit keeps memory bounded even for a file with no newlines.
    """
    first = True
    while True:
        raw = stream.readline(MAX_LINE_BYTES)
        if not raw:
            return
        size = len(raw)
        if size == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:  # drain the rest of an oversized line without keeping it
                more = stream.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = False
        yield raw, size


class JsonlReader:
    """One JSON object per line; blank lines are not rows."""

    unit = "bytes"

    def __init__(self, stream: IO[bytes], columns: Columns = Columns(), *, skip: int = 0,
                 total: int | None = None) -> None:
        self._stream, self._columns, self._skip = stream, columns, skip
        self.total, self.position = total, 0

    def __iter__(self) -> Iterator[Record | Rejected]:
        fields = self._columns.fields()
        context = self._columns.context()
        skipped = 0
        for line_no, (raw, size) in enumerate(_bounded_lines(self._stream), start=1):
            self.position += size
            if not raw.strip():
                continue
            if skipped < self._skip:
                skipped += 1
                continue
            if size > len(raw):
                yield Rejected(line_no, f"line is {size:,} bytes, too long to hold a text of at "
                                        f"most {MAX_TEXT_CHARS:,} characters (the limit), so it "
                                        f"was not read", raw[:200].decode("utf-8", "replace"))
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield Rejected(line_no, f"invalid UTF-8 at byte {err.start}",
                               raw.decode("utf-8", "replace").rstrip("\r\n"))
                continue
            yield parse_line(line_no, text.rstrip("\r\n"), context=context, **fields)

    def close(self) -> None:
        if self._stream is not sys.stdin.buffer:
            self._stream.close()


class CsvReader:
    """A header row, then one row per comment (quoted fields may span lines)."""

    unit = "bytes"

    def __init__(self, stream: IO[bytes], columns: Columns = Columns(), *, skip: int = 0,
                 total: int | None = None) -> None:
        self._stream, self._columns, self._skip = stream, columns, skip
        self.total, self.position = total, 0
        self._lines_read = 0
        self._row_lines: list[str] = []
        self._bad_utf8 = False
        try:
            self._read_header()
        except csv.Error as err:
            raise FormatError(f"the CSV header is unreadable: {err}") from err

    def _lines(self) -> Iterator[str]:
        for raw, size in _bounded_lines(self._stream):
            self.position += size
            self._lines_read += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", "replace")
                self._bad_utf8 = True
            self._row_lines.append(line)
            yield line

    def _read_header(self) -> None:
        """Read up to the header now, so a wrong column fails before any output is written."""
        csv.field_size_limit(MAX_LINE_BYTES)
        self._rows = csv.reader(self._lines())
        for row in self._rows:
            if row:
                self._width, self._index = len(row), self._header_index(row)
                return
        self._width, self._index = 0, {}

    def __iter__(self) -> Iterator[Record | Rejected]:
        skipped = 0
        while self._width:
            start = self._lines_read + 1
            self._row_lines.clear()
            self._bad_utf8 = False
            try:
                row = next(self._rows)
            except StopIteration:
                return
            except csv.Error as err:
                yield Rejected(start, f"unreadable CSV row: {err}", self._raw())
                continue
            if not row:
                continue
            if skipped < self._skip:
                skipped += 1
                continue
            yield self._record(start, row, self._width, self._index)

    def _raw(self) -> str:
        return "".join(self._row_lines).rstrip("\r\n")

    def _header_index(self, header: list[str]) -> dict[str, int]:
        cols = self._columns
        index = {name: i for i, name in enumerate(header)}
        wanted = [(cols.text, True), (cols.id, cols.id_required),
                  (cols.article, cols.article_required)]
        for name, required in wanted:
            if required and name not in index:
                raise FormatError(f"the CSV header has no {name!r} column (it has: "
                                  f"{', '.join(header)}); choose one with --text-column, "
                                  f"--id-column or --article-column")
        return index

    def _record(self, line_no: int, row: list[str], width: int,
                index: dict[str, int]) -> Record | Rejected:
        if len(row) != width:
            return Rejected(line_no, f"row has {len(row)} fields, the header has {width}",
                            self._raw())
        if self._bad_utf8:
            return Rejected(line_no, "invalid UTF-8", self._raw())
        cols = self._columns
        ident = row[index[cols.id]] if cols.id in index else ""
        article = row[index[cols.article]] if cols.article in index else ""
        context = pick_context(cols.context(), lambda n: row[index[n]] if n in index else None)
        return check_record(line_no, row[index[cols.text]], ident or line_no, article or None,
                            self._raw(), context=context, **cols.fields())

    def close(self) -> None:
        if self._stream is not sys.stdin.buffer:
            self._stream.close()


class ParquetReader:
    """Row groups read batch by batch; a row's "line" is its 1-based row number."""

    unit = "rows"

    def __init__(self, path: str, columns: Columns = Columns(), *, skip: int = 0,
                 batch_rows: int = 4096) -> None:
        import pyarrow.parquet as pq

        self._file = pq.ParquetFile(path)
        self._columns, self._skip, self._batch_rows = columns, skip, batch_rows
        self._names = check_arrow_columns(self._file.schema_arrow, columns)
        self.total = self._file.metadata.num_rows
        self.position = min(skip, self.total)

    def __iter__(self) -> Iterator[Record | Rejected]:
        meta = self._file.metadata
        first_row, groups = 0, []
        for g in range(meta.num_row_groups):  # whole row groups already done are never read
            n = meta.row_group(g).num_rows
            if groups or first_row + n > self._skip:
                groups.append(g)
            else:
                first_row += n
        drop = self._skip - first_row
        if not groups:
            return
        for batch in self._file.iter_batches(batch_size=self._batch_rows, row_groups=groups,
                                             columns=self._names):
            if drop >= batch.num_rows:
                drop -= batch.num_rows
                first_row += batch.num_rows
                continue
            yield from records_from_arrow(batch, self._columns, first_line=first_row + 1,
                                          start=drop)
            first_row += batch.num_rows
            self.position = first_row
            drop = 0

    def close(self) -> None:
        self._file.close()


def check_arrow_columns(schema: Any, columns: Columns) -> list[str]:
    """The columns to read from an Arrow/Parquet schema; a wrong text column is fatal.

    A text column of numbers is a mistake in the command, not in a row: rejecting
    every row one by one would hide it.
    """
    import pyarrow as pa

    names = list(schema.names)
    for name, required in ((columns.text, True), (columns.id, columns.id_required),
                           (columns.article, columns.article_required)):
        if required and name not in names:
            raise FormatError(f"no {name!r} column (columns: {', '.join(names)}); choose one "
                              f"with --text-column, --id-column or --article-column")
    kind = schema.field(columns.text).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_string_view(kind) or pa.types.is_null(kind)):
        raise FormatError(f"column {columns.text!r} holds {kind}, not text")
    return [n for n in columns.names() if n in names]


def records_from_arrow(batch: Any, columns: Columns, *, first_line: int = 1,
                       start: int = 0) -> Iterator[Record | Rejected]:
    """Rows of an Arrow table or record batch, validated like JSONL lines.

    Used by the Parquet reader and by the Ray adapter, so both reject the same rows.
    """
    names = set(batch.schema.names)

    def column(name: str) -> list[Any]:
        return batch.column(name).to_pylist() if name in names else [None] * batch.num_rows

    texts, ids, articles = column(columns.text), column(columns.id), column(columns.article)
    extra = {n: column(n) for _, ns in columns.context() for n in ns if n in names}
    for i in range(start, batch.num_rows):
        line = first_line + i
        ident = ids[i] if ids[i] is not None and ids[i] != "" else line
        context = pick_context(columns.context(),
                               lambda n, i=i: extra[n][i] if n in extra else None)
        item = check_record(line, texts[i], ident, articles[i] or None, "",
                            context=context, **columns.fields())
        if isinstance(item, Rejected):
            raw = json.dumps({columns.id: ids[i], columns.text: texts[i],
                              columns.article: articles[i]}, ensure_ascii=False, default=str)
            item = Rejected(item.line, item.reason, raw)
        yield item
