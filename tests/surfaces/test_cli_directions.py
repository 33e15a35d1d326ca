"""``affectlab directions``: every command end to end on a tiny random decoder, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

pytest.importorskip("transformers")
runner = CliRunner()


@pytest.fixture(scope="module")
def decoder(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tiny_decoder import build_tiny_decoder

    return f"hf:{build_tiny_decoder(tmp_path_factory.mktemp('tiny-decoder'))}"


@pytest.fixture(scope="module")
def directions_file(decoder: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dirs") / "d.npz"
    result = runner.invoke(app, ["directions", "extract", "--model", decoder, "-o", str(path), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return path


def test_data_writes_the_scenarios_and_prompts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["directions", "data", "--split", "test"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 48 and {r["split"] for r in rows} == {"test"}
    out = tmp_path / "prompts.csv"
    assert runner.invoke(app, ["directions", "data", "--prompts", "--split", "dev", "-o", str(out)]).exit_code == 0
    assert len(out.read_text().splitlines()) == 21
    again = runner.invoke(app, ["directions", "data", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_extract_json_is_exactly_the_documented_shape(decoder: str, tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    result = runner.invoke(app, ["directions", "extract", "--model", decoder, "-o", str(path), "--json", "-q"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"model", "layers", "best_layer"}
    assert [set(r) for r in payload["layers"]] == [{"layer", "probe_accuracy"}] * 3
    assert path.is_file()
    again = runner.invoke(app, ["directions", "extract", "--model", decoder, "-o", str(path)])
    assert again.exit_code == 2 and "--force" in again.output


def test_extract_table_and_plots(decoder: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = runner.invoke(
        app, ["directions", "extract", "--model", decoder, "-o", str(tmp_path / "d.npz"), "--plots", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "<- best" in result.stdout
    assert (tmp_path / "directions-probe.png").is_file() and (tmp_path / "directions-cosine.png").is_file()


def test_steer_writes_one_row_per_prompt_in_order(directions_file: Path) -> None:
    result = runner.invoke(
        app,
        [
            "directions",
            "steer",
            str(directions_file),
            "-e",
            "sadness",
            "-p",
            "I opened the door and",
            "-p",
            "Today at work,",
            "--strength",
            "3",
            "--max-new-tokens",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["prompt"] for r in rows] == ["I opened the door and", "Today at work,"]
    bad = runner.invoke(app, ["directions", "steer", str(directions_file), "-e", "awe", "-p", "x"])
    assert bad.exit_code == 2 and "emotion" in bad.output


def test_evaluate_and_localize_with_the_tiny_judge(directions_file: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    judge = f"embedded:{tiny_model_dir}"
    report = tmp_path / "steering.json"
    result = runner.invoke(
        app,
        [
            "directions",
            "evaluate",
            str(directions_file),
            "--judge",
            judge,
            "-e",
            "joy",
            "--strengths",
            "1,2",
            "--max-new-tokens",
            "3",
            "--report",
            str(report),
            "-o",
            str(tmp_path / "gen.jsonl"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert {r["condition"] for r in json.loads(report.read_text())["summary"]} == {
        "unsteered",
        "steered",
        "prompted",
        "random",
    }
    assert len((tmp_path / "gen.jsonl").read_text().splitlines()) == 4 * 20
    result = runner.invoke(
        app,
        [
            "directions",
            "localize",
            str(directions_file),
            "--judge",
            judge,
            "--layers",
            "1",
            "--max-new-tokens",
            "2",
            "--json",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [r["layer"] for r in json.loads(result.stdout)["layers"]] == ["1", "all"]


def test_errors_exit_with_one_line(directions_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["directions", "extract", "--model", "llama-7b", "-o", str(tmp_path / "x.npz")])
    assert result.exit_code == 2 and "hf:<folder>" in result.output
    result = runner.invoke(app, ["directions", "extract", "--model", "hf:/nonexistent", "-o", str(tmp_path / "x.npz")])
    assert result.exit_code == 1 and "config.json missing" in result.output
    result = runner.invoke(app, ["directions", "steer", str(tmp_path / "none.npz"), "-e", "joy", "-p", "x"])
    assert result.exit_code == 2 and "Cannot read emotion directions" in result.output
    result = runner.invoke(app, ["directions", "localize", str(directions_file), "--layers", "1,x"])
    assert result.exit_code == 2 and "--layers" in result.output
    result = runner.invoke(app, ["directions", "evaluate", str(directions_file), "--strengths", "a"])
    assert result.exit_code == 2 and "--strengths" in result.output


def test_subprocess_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "affectlab", "directions", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("data", "extract", "localize", "steer", "evaluate"):
        assert command in out
