"""Readers and writers: every format, order and ids kept, malformed rows reported with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from affectlab.errors import AffectlabWarning, InputError, ParameterError
from affectlab.io import TableWriter, detect_format, read_rows
from tables import write_table

TEXTS = [f"text number {i}, with a comma" for i in range(50)]


def write_input(path: Path, fmt: str, texts: list[str]) -> None:
    write_table(pd.DataFrame({"uid": [f"u{i}" for i in range(len(texts))], "body": texts}), path, fmt)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet", "txt"])
def test_read_rows_keeps_order_and_ids(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"in.{fmt}"
    write_input(path, fmt, TEXTS)
    column, ids = (None, None) if fmt == "txt" else ("body", "uid")
    rows = list(read_rows(path, text_column=column, id_column=ids))
    assert [r.text for r in rows] == TEXTS
    expected = [str(i) for i in range(50)] if fmt == "txt" else [f"u{i}" for i in range(50)]
    assert [r.id for r in rows] == expected


def test_missing_column_lists_available(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    write_input(path, "csv", TEXTS)
    with pytest.raises(InputError, match="Available columns: uid, body"):
        list(read_rows(path, text_column="text"))


def test_malformed_csv_row_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text('id,text\n1,fine\n2,"too",many,fields\n3,ok\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert [r.error is None for r in rows] == [True, False, True]
    assert "line 3" in rows[1].error


def test_malformed_jsonl_row_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a"}\n{"text": broken\n{"text": "c"}\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert len(rows) == 3 and rows[1].error and "line 2" in rows[1].error
    assert [r.index for r in rows] == [0, 1, 2]


def test_non_utf8_bytes_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9 ok\n".encode("latin-1"))
    (row,) = read_rows(path)
    assert "\ufffd" in row.text


def test_unknown_suffix_needs_format(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="--format"):
        detect_format(tmp_path / "data.xlsx")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_writer_round_trip(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    rows = [{"id": str(i), "value": i / 3} for i in range(10)]
    with TableWriter(path) as writer:
        writer.write(rows[:4])
        writer.write(rows[4:])
    if fmt == "jsonl":
        back = [json.loads(line) for line in path.read_text().splitlines()]
    elif fmt == "json":
        back = json.loads(path.read_text())
    elif fmt == "parquet":
        back = pd.read_parquet(path).to_dict("records")
    else:
        back = pd.read_csv(path, sep="," if fmt == "csv" else "\t", dtype={"id": str}).to_dict("records")
    assert [r["id"] for r in back] == [str(i) for i in range(10)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_declared_columns_survive_a_first_row_without_them(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    with TableWriter(path) as writer:
        writer.declare({"id": "", "score": 0.0, "error": ""})
        writer.write([{"id": "0", "error": "bad line"}])  # an error row: no score
        with pytest.warns(AffectlabWarning, match="text"):  # not in the first batch: not written
            writer.write([{"text": "late", "id": "1", "score": 0.25, "error": ""}])
    back = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path, dtype={"id": str})
    assert list(back.columns) == ["id", "score", "error"] and back["score"].tolist()[1] == 0.25
    assert back["score"].dtype == "float64"


def test_a_column_the_first_rows_lacked_is_not_dropped_silently(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with TableWriter(path) as writer:
        writer.write([{"id": "0"}, {"id": "1", "extra": "x"}])  # the first batch sets the columns
        with pytest.warns(AffectlabWarning, match=r"first rows lacked \(late\).*-o FILE.jsonl"):
            writer.write([{"id": "2", "late": "y"}])
    assert path.read_text().splitlines() == ["id,extra", "0,", "1,x", "2,"]


def test_writer_refuses_to_overwrite_and_aborts_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("keep me")
    with pytest.raises(InputError, match="--force"):
        TableWriter(path)
    target = tmp_path / "new.csv"
    with pytest.raises(RuntimeError), TableWriter(target) as writer:
        writer.write([{"a": 1}])
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [path]
