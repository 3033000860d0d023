"""Committed writers for ``civility score``: scored rows out as JSONL, CSV or Parquet.

After :meth:`Sink.commit` everything written so far is on disk and the returned state
(a byte offset, or a count of Parquet part files) is what the progress file records.
Reopened with that state, a writer drops whatever tail a killed run left after its last
commit, so every row is written exactly once.

pyarrow is imported only for Parquet, so JSONL and CSV work without it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from civility.batch.contract import CONTEXT_KEYS, Rejected
from civility.fileformats import FormatError
from civility.records import ATTRIBUTES

#: Rows per Parquet part file: the commit interval (and memory held) for Parquet output.
PARQUET_PART_ROWS = 8192
#: Columns of a CSV output row; nested values are JSON in their cells.
CSV_COLUMNS: tuple[str, ...] = ("id", "decision", *ATTRIBUTES, "targets", "spans", "reasons",
                                "model_version", "text", *CONTEXT_KEYS)


class Sink(Protocol):
    """Where scored rows go; see the module docstring for the commit protocol."""

    def write(self, results: Sequence[dict]) -> None: ...

    def ready(self) -> bool: ...

    def commit(self) -> dict[str, int]: ...

    def finish(self) -> None: ...

    def cleanup(self) -> None: ...


def open_sink(path: str, fmt: str, *, state: dict[str, int] | None = None,
              durable: bool = True) -> Sink:
    """A writer for ``path`` ('-' is stdout), reopened at ``state`` when resuming."""
    if fmt == "jsonl":
        return TextSink(path, _jsonl_line, state=state, durable=durable)
    if fmt == "csv":
        return TextSink(path, _csv_row, header=_csv_header(), state=state, durable=durable)
    if fmt == "parquet":
        if path == "-":
            raise FormatError("Parquet cannot be written to stdout; pass -o FILE.parquet")
        return ParquetSink(path, state=state, durable=durable)
    raise FormatError(f"unknown format {fmt!r}")


def _jsonl_line(result: dict) -> bytes:
    return (json.dumps(result, ensure_ascii=False) + "\n").encode("utf-8")


def _csv_header() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(CSV_COLUMNS)
    return buffer.getvalue().encode("utf-8")


def _csv_row(result: dict) -> bytes:
    attributes = result.get("attributes", {})
    buffer = io.StringIO()
    csv.writer(buffer).writerow([
        result["id"], result["decision"], *(attributes.get(a, "") for a in ATTRIBUTES),
        *(json.dumps(result.get(k, []), ensure_ascii=False) for k in ("targets", "spans",
                                                                         "reasons")),
        *(result.get(k, "") for k in ("model_version", "text", *CONTEXT_KEYS))])
    return buffer.getvalue().encode("utf-8")


def rejected_line(item: Rejected) -> bytes:
    """One line of the rejects file."""
    return _jsonl_line({"line": item.line, "reason": item.reason, "raw": item.raw})


class TextSink:
    """Lines appended to a file; its committed state is the byte offset."""

    def __init__(self, path: str, encode: Any, *, header: bytes = b"",
                 state: dict[str, int] | None = None, durable: bool = True) -> None:
        self._encode, self._durable = encode, durable
        self._stdout = path == "-"
        offset = (state or {}).get("bytes", 0)
        if self._stdout:
            self._file: IO[bytes] = sys.stdout.buffer
        elif offset:
            self._file = open(path, "r+b")  # noqa: SIM115
            self._file.truncate(offset)  # drop what a killed run wrote after its last commit
            self._file.seek(offset)
        else:
            self._file = open(path, "wb")  # noqa: SIM115
        self._written = offset
        if not offset and header:
            self._put(header)

    def _put(self, data: bytes) -> None:
        self._file.write(data)
        self._written += len(data)

    def write(self, results: Sequence[Any]) -> None:
        if results:
            self._put(b"".join(map(self._encode, results)))

    def ready(self) -> bool:
        return True

    def commit(self) -> dict[str, int]:
        self._file.flush()
        if self._durable and not self._stdout:
            os.fsync(self._file.fileno())
        return {"bytes": self._written}

    def finish(self) -> None:
        self._file.flush()
        if not self._stdout:
            self._file.close()

    def cleanup(self) -> None:
        """Nothing to tidy: the file written is the output."""


class RejectsSink:
    """The rejects JSONL file, created only when the first bad row arrives."""

    def __init__(self, path: str | None, *, state: dict[str, int] | None = None,
                 durable: bool = True) -> None:
        self.path, self._durable = path, durable
        self._sink: TextSink | None = None
        offset = (state or {}).get("bytes", 0)
        if path and offset:
            self._sink = TextSink(path, rejected_line, state=state, durable=durable)
        elif path and os.path.exists(path):
            os.unlink(path)  # a stale file from an earlier run would be misread as this run's

    def write(self, items: Sequence[Rejected]) -> None:
        if not items or not self.path:
            return
        if self._sink is None:
            self._sink = TextSink(self.path, rejected_line, durable=self._durable)
        self._sink.write(items)

    def commit(self) -> dict[str, int]:
        return self._sink.commit() if self._sink else {"bytes": 0}

    def finish(self) -> None:
        if self._sink:
            self._sink.finish()


class ParquetSink:
    """Committed chunks become part files beside the output; :meth:`finish` merges them.

    A Parquet file is unreadable until its footer is written, so a killed run could
    not be continued from a half-written one; finished part files can.
    """

    def __init__(self, path: str, *, state: dict[str, int] | None = None,
                 durable: bool = True, part_rows: int | None = None) -> None:
        self.path, self._durable = path, durable
        self._part_rows = part_rows or PARQUET_PART_ROWS
        self.parts_dir = Path(path + ".civility-parts")
        self._parts = (state or {}).get("parts", 0)
        if self._parts:
            for stale in self.parts_dir.iterdir():  # parts written after the last commit
                if not stale.name.endswith(".parquet") or self._index(stale) >= self._parts:
                    stale.unlink()
            missing = [i for i in range(self._parts) if not self._part(i).exists()]
            if missing:
                raise FormatError(f"part files missing from {self.parts_dir}: {missing[:5]}; "
                                  f"cannot resume, rerun without --resume")
        else:
            shutil.rmtree(self.parts_dir, ignore_errors=True)
            self.parts_dir.mkdir(parents=True)
        self._buffer: list[dict] = []

    @staticmethod
    def _index(part: Path) -> int:
        try:
            return int(part.stem.split("-")[1])
        except (IndexError, ValueError):
            return 1 << 62

    def _part(self, i: int) -> Path:
        return self.parts_dir / f"part-{i:06d}.parquet"

    def write(self, results: Sequence[dict]) -> None:
        self._buffer.extend(results)

    def ready(self) -> bool:
        return len(self._buffer) >= self._part_rows

    def commit(self) -> dict[str, int]:
        if self._buffer:
            import pyarrow.parquet as pq

            tmp = self.parts_dir / f"part-{self._parts:06d}.tmp"
            pq.write_table(results_to_arrow(self._buffer), tmp)
            if self._durable:
                _fsync_path(tmp)
            os.replace(tmp, self._part(self._parts))
            self._parts += 1
            self._buffer = []
        return {"parts": self._parts}

    def finish(self) -> None:
        """Merge the parts into the output, part by part (memory: one part at a time)."""
        import pyarrow.parquet as pq

        self.commit()
        tmp = self.path + ".civility-tmp"
        with pq.ParquetWriter(tmp, result_schema()) as writer:
            for i in range(self._parts):
                writer.write_table(pq.read_table(self._part(i), schema=result_schema()))
        if self._durable:
            _fsync_path(tmp)
        os.replace(tmp, self.path)

    def cleanup(self) -> None:
        shutil.rmtree(self.parts_dir, ignore_errors=True)


def _fsync_path(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def result_schema() -> Any:
    """The Arrow schema of a scored row: the JSONL contract, column by column."""
    import pyarrow as pa

    target = pa.struct([("group", pa.string()), ("category", pa.string()),
                        ("mention", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("attribute", pa.string()),
                      ("text", pa.string()), ("score", pa.float64())])
    return pa.schema([
        ("id", pa.string()),
        ("text", pa.string()),
        *((key, pa.string()) for key in CONTEXT_KEYS),
        ("attributes", pa.struct([(a, pa.float64()) for a in ATTRIBUTES])),
        ("targets", pa.list_(target)),
        ("spans", pa.list_(span)),
        ("decision", pa.string()),
        ("reasons", pa.list_(pa.string())),
        ("model_version", pa.string()),
    ])


def results_to_arrow(results: Sequence[dict]) -> Any:
    """Scored rows as an Arrow table with :func:`result_schema` (extra keys are dropped)."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(results), schema=result_schema())
