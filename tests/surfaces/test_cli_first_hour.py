"""What a new user trips over in the first hour: each careless input gets its exit code and a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.core.version import affectlab_version
from affectlab.surfaces.cli.app import app

runner = CliRunner()
CLI = [sys.executable, "-m", "affectlab"]


def analyze(tiny_model_dir: Path, *args: str) -> object:
    return runner.invoke(app, ["analyze", *args, "-m", f"embedded:{tiny_model_dir}", "-q"])


@pytest.mark.parametrize("name", ["data[red].csv", "notes[/draft].csv"])
def test_file_names_are_printed_as_given_not_as_markup(tiny_model_dir: Path, name: str) -> None:
    result = analyze(tiny_model_dir, name)
    assert result.exit_code == 2
    assert f"Input file {name!r} does not exist" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.csv", b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50, "binary file"),
        ("fake.parquet", b"text,label\nhello,1\n", "not a readable Parquet file"),
        ("program", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 20, "binary file"),
    ],
)
def test_binary_or_mislabelled_files_exit_2(
    tmp_path: Path, tiny_model_dir: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    extra = ["--input-format", "txt"] if name == "program" else []
    result = analyze(tiny_model_dir, str(path), *extra, "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_csv_parse_error_names_its_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b'text\nfine\n"a" b\rc\n')
    result = analyze(tiny_model_dir, str(path), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert "cannot be read as CSV" in result.stderr and "Traceback" not in result.output


def test_invalid_utf8_argument_is_read_with_replacement(tiny_model_dir: Path) -> None:
    env = {**os.environ, "PYTHONUTF8": "1"}
    args = [*CLI, "analyze", b"caf\xe9 is awful", "--json", "-m", f"embedded:{tiny_model_dir}"]
    done = subprocess.run(args, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["top"] is not None


@pytest.mark.parametrize(("suffix", "content"), [(".csv", "text,id\n"), (".csv", ""), (".jsonl", ""), (".txt", "")])
def test_empty_input_writes_a_valid_empty_table_and_warns(
    tmp_path: Path, tiny_model_dir: Path, suffix: str, content: str
) -> None:
    source = tmp_path / f"empty{suffix}"
    source.write_text(content)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["analyze", str(source), "-o", str(out), "-m", f"embedded:{tiny_model_dir}"])
    assert result.exit_code == 0, result.output
    assert "has no rows" in result.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 0 and {"id", "top", "vad.valence", "flags"} <= set(frame.columns)


def test_a_closed_pipe_ends_quietly(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "many.txt"
    source.write_text("I love this\n" * 20000)
    command = [*CLI, "analyze", str(source), "--format", "jsonl", "-m", f"embedded:{tiny_model_dir}", "-q"]
    producer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None
    producer.stdout.readline()
    producer.stdout.close()  # what `| head -1` does
    _, err = producer.communicate(timeout=120)
    assert producer.returncode == 141
    assert b"Broken pipe" not in err and b"Traceback" not in err


def test_output_into_a_missing_folder_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("I love it\n")
    result = analyze(tiny_model_dir, str(source), "-o", str(tmp_path / "nope" / "out.csv"))
    assert result.exit_code == 2
    assert "does not exist; create it first" in result.stderr
    assert not (tmp_path / "nope").exists()


def test_a_read_only_folder_names_the_output_path(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root writes anywhere; /proc refuses new files even to root
        folder = Path("/proc")
    source = tmp_path / "in.txt"
    source.write_text("I love it\n")
    try:
        result = analyze(tiny_model_dir, str(source), "-o", str(folder / "out.csv"))
    finally:
        (tmp_path / "ro").chmod(0o700)
    assert result.exit_code == 2
    assert str(folder / "out.csv") in result.stderr and ".part" not in result.stderr


def test_an_unknown_model_is_a_usage_error() -> None:
    result = runner.invoke(app, ["analyze", "I love it", "--model", "nonsense"])
    assert result.exit_code == 2
    assert "Unknown engine 'nonsense'" in result.stderr and "models list" in result.stderr


def test_an_unterminated_quote_is_reported(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "quote.csv"
    source.write_text('text\n"oops this never closes\n' + "".join(f"row {i}\n" for i in range(200)))
    result = runner.invoke(
        app, ["analyze", str(source), "-o", str(tmp_path / "o.csv"), "-m", f"embedded:{tiny_model_dir}"]
    )
    assert result.exit_code == 0
    assert "unterminated quote" in result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"affectlab {affectlab_version()}"


def test_input_ids_are_the_record_ids_and_floats_are_short(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": ["r7", "r9"], "text": ["I love it", "I hate it"]}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert analyze(tiny_model_dir, str(source), "-o", str(out)).exit_code == 0
    frame = pd.read_csv(out, dtype=str)
    assert frame["id"].tolist() == ["r7", "r9"] and "input.id" not in frame.columns
    assert max(len(v.split(".")[-1]) for v in frame["vad.valence"]) <= 6


def test_txt_input_keeps_its_text(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("I love it\nI hate it\n")
    out = tmp_path / "out.csv"
    assert analyze(tiny_model_dir, str(source), "-o", str(out)).exit_code == 0
    assert pd.read_csv(out)["text"].tolist() == ["I love it", "I hate it"]


def test_a_huge_text_is_capped_and_flagged(tiny_model_dir: Path) -> None:
    result = runner.invoke(
        app, ["analyze", "love " * 30000, "--json", "--max-chars", "1000", "-m", f"embedded:{tiny_model_dir}"]
    )
    assert result.exit_code == 0, result.stderr[:300]
    assert "capped" in json.loads(result.stdout)["flags"]


def test_models_list_names_every_engine_form() -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    for form in ("embedded:<folder>", "lexicon", "hf:<folder>", "[hf]"):
        assert form in result.stdout


def test_taxonomy_list_shows_the_accepted_spellings() -> None:
    result = runner.invoke(app, ["taxonomy", "list"])
    assert "parrott:2" in result.stdout
    shown = runner.invoke(app, ["taxonomy", "show", "parrott"])
    assert "parrott-2" in shown.stdout and "parrott-3" in shown.stdout


def test_the_summary_explains_a_neutral_label_with_a_signed_score(tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["analyze", "the meeting is at noon", "-m", f"embedded:{tiny_model_dir}"])
    assert "P(positive) - P(negative)" in result.stdout and "● = in labels" in result.stdout


def test_aggregate_of_no_ratings_writes_a_header(tmp_path: Path) -> None:
    source = tmp_path / "ratings.csv"
    source.write_text("id,rater,value\n")
    out = tmp_path / "gold.csv"
    args = ["aggregate", str(source), "--item-column", "id", "--rater-column", "rater", "--value-column", "value"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0 and "has no ratings" in result.stderr
    assert list(pd.read_csv(out).columns) == ["id", "n_raters", "labels"]
