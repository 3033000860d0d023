"""Specifications for civility.batch.readers and .writers (streaming readers, committed,
resumable writers) and civility.fileformats (which format a path is)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from civility.batch import MAX_TEXT_CHARS, Record, Rejected
from civility.batch.readers import MAX_LINE_BYTES, Columns, CsvReader, JsonlReader, open_reader
from civility.batch.writers import CSV_COLUMNS, RejectsSink, open_sink, results_to_arrow
from civility.fileformats import FormatError, page_format
from civility.fileformats import record_format as detect_format
from civility.records import ATTRIBUTES


def result(ident: str, decision: str = "publish") -> dict:
    return {"id": ident, "text": f"azeris wrote comment {ident}", "article_id": "a1",
            "article_title": "Council approves 400 homes", "author": "ann",
            "created": "2025-07-04T08:00:00+00:00", "attributes": {a: 0.1 for a in ATTRIBUTES},
            "targets": [{"group": "Azerbaijanis", "category": "nationality", "mention": "azeris",
                         "start": 0, "end": 6}],
            "spans": [{"start": 0, "end": 6, "attribute": "insult", "text": "azeris",
                       "score": 0.9}],
            "decision": decision, "reasons": ["because"], "model_version": "m@1"}


def jsonl(*lines: str) -> JsonlReader:
    return JsonlReader(io.BytesIO("".join(line + "\n" for line in lines).encode()))


def csv_reader(text: str, columns: Columns | None = None, skip: int = 0) -> CsvReader:
    return CsvReader(io.BytesIO(text.encode()), columns or Columns(), skip=skip)


# --------------------------------------------------------------------------- formats


def test_the_format_comes_from_the_extension_and_stdin_is_jsonl() -> None:
    assert detect_format("a.jsonl") == "jsonl"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("archive.CSV") == "csv"
    assert detect_format("x.parquet") == "parquet"
    assert detect_format("-") == "jsonl"
    assert detect_format("data.txt", "csv") == "csv"


def test_an_unknown_extension_asks_for_an_explicit_format() -> None:
    with pytest.raises(FormatError, match="--input-format"):
        detect_format("data.txt")


def test_one_map_answers_records_and_pages_and_json_means_lines_only_for_records() -> None:
    assert detect_format("comments.json") == "jsonl"
    assert page_format("page.json") == "json"
    assert page_format("page.HTM") == "html" and page_format("notes.md") == "text"
    assert page_format("scored.jsonl") is None and page_format("page") is None
    assert detect_format("archive.csv.jsonl") == "jsonl"


# --------------------------------------------------------------------------- JSONL


def test_jsonl_rows_keep_their_line_numbers_and_blank_lines_are_not_rows() -> None:
    items = list(jsonl('{"id": "a", "text": "hi"}', "", '{"id": 2, "text": "yo", "article": "A"}'))
    assert items == [Record(1, "a", "hi"), Record(3, "2", "yo", "A")]


def test_bad_jsonl_rows_are_rejected_with_line_number_and_reason() -> None:
    items = list(jsonl('{"id": "a", "text": "fine"}', "{not json", '{"id": "c"}',
                       '{"id": "d", "text": 5}', '{"id": [1], "text": "x"}',
                       json.dumps({"id": "f", "text": "x" * (MAX_TEXT_CHARS + 1)}), "[1, 2]"))
    rejected = {i.line: i.reason for i in items if isinstance(i, Rejected)}
    assert [i.id for i in items if isinstance(i, Record)] == ["a"]
    assert rejected[2].startswith("invalid JSON")
    assert rejected[3] == "missing 'text'"
    assert "must be a string" in rejected[4]
    assert "'id' must be a string or an integer" in rejected[5]
    assert "over the limit" in rejected[6]
    assert "expected a JSON object" in rejected[7]


def test_invalid_utf8_is_a_rejected_row_not_a_crash() -> None:
    reader = JsonlReader(io.BytesIO(b'{"text": "caf\xe9"}\n{"text": "ok"}\n'))
    items = list(reader)
    assert isinstance(items[0], Rejected) and "UTF-8" in items[0].reason
    assert items[1] == Record(2, "2", "ok")


def test_a_line_too_long_to_hold_a_valid_text_is_rejected_without_holding_it() -> None:
    huge = b'{"text": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}\n'
    items = list(JsonlReader(io.BytesIO(huge + b'{"text": "after"}\n')))
    assert isinstance(items[0], Rejected)
    # The one limit a user is told about (in --help and the docs) is the text's, in characters.
    assert f"a text of at most {MAX_TEXT_CHARS:,} characters" in items[0].reason
    assert str(MAX_LINE_BYTES) not in items[0].reason.replace(",", "")
    assert len(items[0].raw) <= 200
    assert items[1] == Record(2, "2", "after")


def test_jsonl_skips_rows_already_done_and_keeps_counting_lines() -> None:
    reader = JsonlReader(io.BytesIO(b'{"text": "a"}\n\n{"text": "b"}\nnope\n{"text": "c"}\n'),
                         skip=2)
    items = list(reader)
    assert [i.line for i in items] == [4, 5]
    assert isinstance(items[0], Rejected) and items[1] == Record(5, "5", "c")


def test_jsonl_progress_counts_bytes_read() -> None:
    data = b'{"text": "a"}\n{"text": "b"}\n'
    reader = JsonlReader(io.BytesIO(data), total=len(data))
    list(reader)
    assert reader.position == len(data)


def test_renamed_jsonl_fields_are_read() -> None:
    reader = JsonlReader(io.BytesIO(b'{"body": "hi", "cid": 7, "story": "S"}\n'),
                         Columns(text="body", id="cid", article="story"))
    assert list(reader) == [Record(1, "7", "hi", "S")]


# --------------------------------------------------------------------------- CSV


def test_csv_rows_are_read_by_header_name_with_quoted_newlines() -> None:
    items = list(csv_reader('id,text,article\na,"hello,\nworld",\nb,plain,The story\n'))
    assert items == [Record(2, "a", "hello,\nworld"), Record(4, "b", "plain", "The story")]


def test_csv_rows_with_missing_columns_are_rejected_with_their_line() -> None:
    items = list(csv_reader("id,text,article\na,fine,\nb\nc,also fine,,extra\n"))
    assert items[0] == Record(2, "a", "fine")
    assert isinstance(items[1], Rejected) and items[1].line == 3
    assert items[1].reason == "row has 1 fields, the header has 3" and items[1].raw == "b"
    assert isinstance(items[2], Rejected) and "4 fields" in items[2].reason


def test_csv_without_an_id_column_numbers_rows_by_line() -> None:
    assert list(csv_reader("text\nfirst\n\nsecond\n")) == [Record(2, "2", "first"),
                                                             Record(4, "4", "second")]


def test_csv_column_names_are_configurable() -> None:
    cols = Columns(text="body", id="comment_id", id_required=True)
    assert list(csv_reader("comment_id,body\nx1,hello\n", cols)) == [Record(2, "x1", "hello")]


def test_a_csv_without_the_text_column_is_an_error_naming_the_columns() -> None:
    with pytest.raises(FormatError, match="body, author"):
        list(csv_reader("body,author\nhi,me\n"))


def test_a_named_id_column_that_is_missing_is_an_error_not_line_numbers() -> None:
    with pytest.raises(FormatError, match="'cid'"):
        list(csv_reader("text\nhi\n", Columns(id="cid", id_required=True)))


def test_csv_skips_rows_already_done() -> None:
    items = list(csv_reader("text\na\nb\nc\n", skip=2))
    assert items == [Record(4, "4", "c")]


# --------------------------------------------------------------------------- Parquet


def write_parquet(path: Path, rows: list[dict], row_group_size: int = 3) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)


def test_parquet_is_read_in_batches_with_row_numbers_and_null_texts_rejected(tmp_path) -> None:
    path = tmp_path / "in.parquet"
    write_parquet(path, [{"id": i, "text": None if i == 4 else f"t{i}"} for i in range(1, 9)])
    reader = open_reader(str(path), "parquet")
    items = list(reader)
    assert [i.line for i in items] == list(range(1, 9))
    assert items[0] == Record(1, "1", "t1")
    assert isinstance(items[3], Rejected) and items[3].reason == "missing 'text'"
    assert json.loads(items[3].raw)["id"] == 4
    assert reader.total == 8 and reader.unit == "rows"


def test_parquet_skips_whole_row_groups_and_part_of_the_next(tmp_path) -> None:
    path = tmp_path / "in.parquet"
    write_parquet(path, [{"id": f"r{i}", "text": "x"} for i in range(1, 11)], row_group_size=3)
    items = list(open_reader(str(path), "parquet", skip=7))
    assert [i.id for i in items] == ["r8", "r9", "r10"]
    assert [i.line for i in items] == [8, 9, 10]


def test_a_parquet_text_column_of_numbers_is_an_error(tmp_path) -> None:
    path = tmp_path / "in.parquet"
    write_parquet(path, [{"id": "a", "text": 3}])
    with pytest.raises(FormatError, match="not text"):
        open_reader(str(path), "parquet")


# --------------------------------------------------------------------------- writers


def test_jsonl_output_resumes_at_the_committed_offset_dropping_a_torn_tail(tmp_path) -> None:
    out = str(tmp_path / "out.jsonl")
    sink = open_sink(out, "jsonl")
    sink.write([result("a"), result("b")])
    state = sink.commit()
    sink.write([result("lost")])  # written after the last commit: a killed run's tail
    sink.finish()
    with open(out, "ab") as f:
        f.write(b'{"id": "tor')
    resumed = open_sink(out, "jsonl", state=state)
    resumed.write([result("c")])
    resumed.commit()
    resumed.finish()
    assert [json.loads(line)["id"] for line in Path(out).read_text().splitlines()] == ["a", "b",
                                                                                      "c"]


def test_csv_output_flattens_attributes_into_columns(tmp_path) -> None:
    import csv

    out = tmp_path / "out.csv"
    sink = open_sink(str(out), "csv")
    sink.write([result("a", "review")])
    sink.commit()
    sink.finish()
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["id"] == "a" and rows[0]["decision"] == "review"
    assert rows[0]["text"] == "azeris wrote comment a" and rows[0]["author"] == "ann"
    assert rows[0]["article_title"] == "Council approves 400 homes"
    assert float(rows[0]["toxicity"]) == pytest.approx(0.1)
    assert json.loads(rows[0]["targets"])[0]["group"] == "Azerbaijanis"


def test_csv_output_resumed_keeps_a_single_header(tmp_path) -> None:
    out = str(tmp_path / "out.csv")
    sink = open_sink(out, "csv")
    sink.write([result("a")])
    state = sink.commit()
    sink.finish()
    resumed = open_sink(out, "csv", state=state)
    resumed.write([result("b")])
    resumed.commit()
    resumed.finish()
    lines = Path(out).read_text().splitlines()
    assert lines[0].startswith("id,decision") and len(lines) == 3


def test_parquet_output_keeps_the_jsonl_contract_nested(tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = str(tmp_path / "out.parquet")
    sink = open_sink(out, "parquet")
    sink.write([result("a"), result("b", "reject")])
    sink.commit()
    sink.finish()
    sink.cleanup()
    rows = pq.read_table(out).to_pylist()
    assert rows == [result("a"), result("b", "reject")]
    assert not Path(out + ".civility-parts").exists()


def test_parquet_output_resumed_drops_parts_written_after_the_last_commit(tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = str(tmp_path / "out.parquet")
    sink = open_sink(out, "parquet")
    sink.write([result("a")])
    state = sink.commit()
    sink.write([result("lost")])
    sink.commit()  # a part the progress file never recorded
    resumed = open_sink(out, "parquet", state=state)
    resumed.write([result("b")])
    resumed.finish()
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["a", "b"]


def test_results_become_an_arrow_table_with_every_attribute_column() -> None:
    pytest.importorskip("pyarrow")
    table = results_to_arrow([result("a")])
    assert table.column("attributes").type.num_fields == len(ATTRIBUTES)
    assert results_to_arrow([]).num_rows == 0


def test_the_rejects_file_appears_only_when_a_row_is_rejected(tmp_path) -> None:
    path = tmp_path / "rejects.jsonl"
    path.write_text("stale from an earlier run\n")
    sink = RejectsSink(str(path))
    assert not path.exists()
    sink.write([Rejected(3, "missing 'text'", '{"id": 1}')])
    sink.commit()
    sink.finish()
    assert json.loads(path.read_text()) == {"line": 3, "reason": "missing 'text'",
                                            "raw": '{"id": 1}'}


def test_a_rows_article_author_and_time_are_read_from_jsonl_csv_and_parquet(tmp_path) -> None:
    context = (("article_id", "a7"), ("article_title", "Council approves 400 homes"),
               ("author", "ann"), ("created", "2025-07-04T08:00:00+00:00"))
    (line,) = jsonl('{"id": "c1", "text": "hi", "article_id": "a7", "article_title": '
                    '"Council approves 400 homes", "author": "ann", "created_at": 1751616000}')
    assert line == Record(1, "c1", "hi", None, context)
    (row,) = csv_reader("id,text,article_id,article_title,author,timestamp\n"
                        "c1,hi,a7,Council approves 400 homes,ann,2025-07-04T08:00:00Z\n")
    assert row == Record(2, "c1", "hi", None, context)
    pytest.importorskip("pyarrow")
    from datetime import datetime

    path = tmp_path / "in.parquet"
    write_parquet(path, [{"id": "c1", "text": "hi", "article_id": 7, "article_title": "T",
                          "author": "ann", "posted_at": datetime(2025, 7, 4, 8)}])
    (item,) = open_reader(str(path), "parquet")
    assert dict(item.context) == {"article_id": "7", "article_title": "T", "author": "ann",
                                  "created": "2025-07-04T08:00:00+00:00"}


def test_renamed_context_columns_are_read_and_a_bad_author_is_a_rejected_row() -> None:
    cols = Columns(author="user", time="when", article_id="story")
    (row,) = csv_reader("text,user,when,story\nhi,bob,2025-01-02 03:04:05,s1\n", cols)
    assert dict(row.context) == {"article_id": "s1", "author": "bob",
                                 "created": "2025-01-02T03:04:05+00:00"}
    (bad,) = jsonl('{"text": "hi", "author": {"name": "x"}}')
    assert isinstance(bad, Rejected) and bad.reason == "'author' must be a string or a number"
    (odd,) = jsonl('{"text": "hi", "created": "last tuesday"}')  # kept as given, not lost
    assert dict(odd.context) == {"created": "last tuesday"}


def test_invalid_json_is_reported_without_a_doubled_word() -> None:
    (bad,) = jsonl('{"text": "a\tb"}')
    assert isinstance(bad, Rejected)
    assert bad.reason == "invalid JSON: Invalid control character at column 12"
