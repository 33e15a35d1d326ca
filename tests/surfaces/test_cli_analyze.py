"""``affectlab analyze`` end to end: every format, 1,000+ rows, order and ids kept, bad input handled."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app
from tables import write_table

runner = CliRunner()
N = 1200


def texts(n: int = N) -> list[str]:
    base = ["I love this so much", "awful flight cancelled again", "", "why what", "the day was good, not bad"]
    return [f"{base[i % len(base)]} {i}" if i % 5 != 2 else "" for i in range(n)]


def read_output(path: Path) -> pd.DataFrame:
    suffix = path.suffix
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".jsonl":
        return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    if suffix == ".json":
        return pd.DataFrame(json.loads(path.read_text()))
    return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("fmt_in", "fmt_out"),
    [("csv", "parquet"), ("tsv", "csv"), ("jsonl", "jsonl"), ("json", "json"), ("parquet", "tsv"), ("txt", "csv")],
)
def test_round_trip_every_format(tmp_path: Path, tiny_model_dir: Path, fmt_in: str, fmt_out: str) -> None:
    frame = pd.DataFrame({"uid": [f"id-{i:05d}" for i in range(N)], "body": texts(), "stars": range(N)})
    source = tmp_path / f"in.{fmt_in}"
    write_table(frame, source, fmt_in)
    out = tmp_path / f"out.{fmt_out}"
    args = ["analyze", str(source), "-o", str(out), "-m", f"embedded:{tiny_model_dir}", "-q"]
    if fmt_in != "txt":
        args += ["--text-column", "body", "--id-column", "uid"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    back = read_output(out)
    assert len(back) == N
    expected_ids = [str(i) for i in range(N)] if fmt_in == "txt" else list(frame.uid)
    assert list(back["id"].astype(str)) == expected_ids
    flags = back["flags"]
    empty = [("empty" in f) for f in flags]
    assert empty == [i % 5 == 2 for i in range(N)]


def test_keeps_input_columns_without_id_column(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"body": ["I love this", "awful"], "stars": [5, 1]}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["analyze", str(source), "--text-column", "body", "-o", str(out), "-m", f"embedded:{tiny_model_dir}"]
    )
    assert result.exit_code == 0, result.output
    back = read_output(out)
    assert list(back["stars"]) == ["5", "1"] and list(back["body"]) == ["I love this", "awful"]
    assert "emotions.joy" in back.columns and "vad.valence" in back.columns


def test_missing_text_column_lists_columns(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a,b\nx,y\n")
    result = runner.invoke(app, ["analyze", str(source), "--text-column", "body", "-m", f"embedded:{tiny_model_dir}"])
    assert result.exit_code == 2
    assert "Available columns: a, b" in result.output


@pytest.mark.parametrize(("on_error", "code"), [("fail", 2), ("skip", 0)])
def test_malformed_rows(tmp_path: Path, tiny_model_dir: Path, on_error: str, code: int) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "I love this"}\n{"text": oops\n{"text": "awful"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["analyze", str(source), "-o", str(out), "--on-error", on_error, "-m", f"embedded:{tiny_model_dir}"]
    )
    assert result.exit_code == code, result.output
    if on_error == "fail":
        assert "line 2" in result.output and not out.exists()
    else:
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["id"] for r in records] == ["0", "1", "2"]
        assert records[1]["flags"] == ["error"] and "line 2" in records[1]["error"]


def test_a_table_whose_first_row_is_malformed_keeps_every_column(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": oops\n{"text": "I love this"}\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["analyze", str(source), "-o", str(out), "--on-error", "skip", "-m", f"embedded:{tiny_model_dir}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["flags"] == "error" and rows[1]["text"] == "I love this"
    assert float(rows[1]["emotions.joy"]) > 0 and rows[0]["emotions.joy"] == ""


def test_refuses_to_overwrite(tmp_path: Path, tiny_model_dir: Path) -> None:
    source, out = tmp_path / "in.txt", tmp_path / "out.csv"
    source.write_text("hello\n")
    out.write_text("precious")
    result = runner.invoke(app, ["analyze", str(source), "-o", str(out), "-m", f"embedded:{tiny_model_dir}"])
    assert result.exit_code == 2 and out.read_text() == "precious"


def test_single_text_json(tiny_model_dir: Path) -> None:
    result = runner.invoke(
        app, ["analyze", "I love this movie", "--json", "-t", "ekman", "-m", f"embedded:{tiny_model_dir}"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["taxonomy"] == "ekman" and set(record["emotions"]) >= {"joy", "neutral"}
    assert {"sentiment", "vad", "labels", "top", "evidence", "flags", "model"} <= set(record)
    assert record["model"]["scales"]["vad"].startswith("[-1, 1]")


def test_unknown_taxonomy_lists_known(tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["analyze", "hello there", "-t", "wheel", "-m", f"embedded:{tiny_model_dir}"])
    assert result.exit_code == 2 and "ekman" in result.output


def test_stdin_through_the_real_entry_point(tiny_model_dir: Path) -> None:
    """The installed console script reads stdin and writes JSON lines to stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "affectlab", "analyze", "-", "-m", f"embedded:{tiny_model_dir}", "-q"],
        input="I love this\n\nawful flight\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in records] == ["0", "1", "2"]
    assert records[1]["flags"] == ["empty"]


def test_a_folder_or_pattern_is_one_table_with_source_files(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "a.csv").write_text("text\nI love this\nawful day\n")
    (folder / "b.jsonl").write_text('{"text": "so sad"}\n')
    (folder / ".hidden.csv").write_text("text\nskipped\n")
    out = tmp_path / "out.csv"
    model = f"embedded:{tiny_model_dir}"
    assert runner.invoke(app, ["analyze", str(folder), "-o", str(out), "-m", model, "-q"]).exit_code == 0
    frame = pd.read_csv(out, dtype=str)
    assert frame["id"].tolist() == ["0", "1", "2"]
    assert frame["source_file"].tolist() == ["a.csv", "a.csv", "b.jsonl"]
    assert frame["text"].tolist() == ["I love this", "awful day", "so sad"]
    pattern = runner.invoke(app, ["analyze", str(folder / "*.csv"), "--format", "jsonl", "-m", model, "-q"])
    assert [json.loads(line)["input"]["source_file"] for line in pattern.stdout.splitlines()] == ["a.csv", "a.csv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["analyze", str(empty), "-o", str(tmp_path / "e.csv"), "-m", model])
    assert result.exit_code == 2 and "names no files to read" in result.stderr


def test_a_question_is_a_text_not_a_pattern(tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["analyze", "Why is this happening?", "--json", "-m", f"embedded:{tiny_model_dir}"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] is None
