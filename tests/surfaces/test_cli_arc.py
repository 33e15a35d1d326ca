"""``affectlab arc`` end to end on the tiny model: summary, --json, outputs, plots, stdin, bad input."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

runner = CliRunner()
HIGH, LOW = "So so it is.", "Happy happy day."  # higher and lower valence with the tiny model


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sentences = [HIGH if (i * 7919 % 100) / 100 < math.sin(math.pi * (i + 0.5) / 150) else LOW for i in range(150)]
    path = tmp_path_factory.mktemp("arc") / "story.txt"
    body = "\n\n".join(" ".join(sentences[i : i + 10]) for i in range(0, 150, 10))
    path.write_text(
        "Header\n*** START OF THE PROJECT GUTENBERG EBOOK STORY ***\n\n"
        + body
        + "\n\n*** END OF THE PROJECT GUTENBERG EBOOK STORY ***\nLicence. Lots of it.\n",
        encoding="utf-8",
    )
    return path


def model(tiny_model_dir: Path) -> list[str]:
    return ["-m", f"embedded:{tiny_model_dir}"]


def test_summary_output_and_plot(story: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    out, plot = tmp_path / "arc.csv", tmp_path / "arc.html"
    result = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "-o", str(out), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "icarus (rise-fall)" in result.stdout
    lines = result.stdout.splitlines()
    shape_line = next(line for line in lines if line.startswith("shape"))
    others = re.search(r"\(other shapes: (\w+) [-+][\d.]+, (\w+) [-+][\d.]+\)$", shape_line)
    assert others and "icarus" not in others.groups()  # the two best of the rest, the chosen shape not repeated
    assert any(line.startswith("peak") and line.endswith(HIGH) for line in lines)
    assert any(line.startswith("trough") and line.endswith(LOW) for line in lines)
    assert "gutenberg_stripped" in result.stdout and "note" not in result.stdout
    values = {
        kind: [float(re.search(r"smoothed valence ([-+][\d.]+)", line)[1]) for line in lines if line.startswith(kind)]
        for kind in ("peak", "trough")
    }
    assert values["peak"] and values["trough"] and min(values["peak"]) > max(values["trough"])
    table = pd.read_csv(out)
    assert len(table) == 150 and set(table["text"]) == {HIGH, LOW}
    text = story.read_text(encoding="utf-8")
    assert all(text[a:b] == t for a, b, t in zip(table["start"], table["end"], table["text"]))
    assert "<svg" in plot.read_text(encoding="utf-8")


def test_json_is_one_object_on_stdout(story: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "arc.parquet"
    result = runner.invoke(
        app, ["arc", str(story), *model(tiny_model_dir), "--json", "-q", "--smooth", "loess", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["shape"]["name"] == "icarus" and data["smooth"] == "loess:0.2" and data["n_segments"] == 150
    assert data["peaks"][0]["text"] == HIGH and data["output"] == str(out) and "segments" not in data
    assert len(pd.read_parquet(out)) == 150


def test_units_and_no_strip(story: Path, tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "--json", "--unit", "paragraph"])
    assert json.loads(result.stdout)["n_segments"] == 15
    result = runner.invoke(
        app, ["arc", str(story), *model(tiny_model_dir), "--json", "--no-strip-gutenberg", "--smooth", "none"]
    )
    data = json.loads(result.stdout)
    assert data["n_segments"] > 150 and "gutenberg_stripped" not in data["flags"] and data["smooth"] is None


def test_clamped_smoothing_is_explained(tmp_path: Path, tiny_model_dir: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text(" ".join([HIGH, LOW] * 3), encoding="utf-8")
    result = runner.invoke(app, ["arc", str(path), *model(tiny_model_dir), "--smooth", "dct:10"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stdout.splitlines() if line.startswith("note")]
    assert len(notes) == 1 and "smoothing_clamped" in notes[0] and "smaller K" in notes[0]


def test_table_to_stdout_with_format(story: Path, tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "-o", "-", "--format", "jsonl", "-q"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 150 and rows[0]["position"] == 0 and "shape" not in result.stdout
    bad = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "--input-format", "csv"])
    assert bad.exit_code == 2 and "'input_format'" in bad.output


def test_refuses_to_overwrite_without_force(story: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "arc.jsonl"
    out.write_text("keep me\n")
    result = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "-o", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep me\n"
    result = runner.invoke(app, ["arc", str(story), *model(tiny_model_dir), "-o", str(out), "--force", "-q"])
    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == 150


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"", [], "empty"),
        (b"\x00\x01\x02binary\x00" * 10, [], "binary"),
        (b"Fine text.", ["--unit", "chapter"], "'unit'"),
        (b"Fine text.", ["--smooth", "dct:x"], "'smooth'"),
        (b"Fine text.", ["--plot", "arc.pdf"], ".png, .html"),
        (b"Fine text.", ["-t", "nope"], "nope"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, tiny_model_dir: Path, content: bytes, options: list[str], message: str
) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    result = runner.invoke(app, ["arc", str(path), *model(tiny_model_dir), *options])
    assert result.exit_code == 2, result.output
    assert message in result.output
    missing = runner.invoke(app, ["arc", str(tmp_path / "missing.txt"), *model(tiny_model_dir)])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_stdin_in_a_subprocess(tiny_model_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "affectlab", "arc", "-", *model(tiny_model_dir), "--json"],
        input=" ".join([HIGH, LOW] * 20),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["n_segments"] == 40 and data["source"] is None
    assert proc.stderr.strip() == "40 segments", "no progress bar off a terminal"
    binary = subprocess.run(
        [sys.executable, "-m", "affectlab", "arc", "-", *model(tiny_model_dir)],
        input=b"\x89PNG\r\n\x1a\n\x00\x00" * 50,
        capture_output=True,
        timeout=120,
    )
    assert binary.returncode == 2 and b"binary" in binary.stderr and not binary.stdout
