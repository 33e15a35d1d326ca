"""``affectlab eval``: JSON keys, reports, file datasets, and bad input with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

runner = CliRunner()

JSON_KEYS = [
    "dataset",
    "split",
    "n",
    "model",
    "taxonomy",
    "prediction_source",
    "threshold_source",
    "macro_f1",
    "micro_f1",
    "weighted_f1",
    "precision",
    "recall",
    "jaccard",
    "per_label",
    "pearson",
    "spearman",
    "ccc",
    "mae",
    "ece",
    "top_label_ece",
    "brier",
    "ci95",
    "kind",
    "columns",
    "thresholds",
    "dimension_source",
    "reliability",
    "n_boot",
    "seed",
    "ci_method",
    "ece_bins",
    "subset",
    "notes",
    "affectlab_version",
]
TEXTS = ["i love this so much", "awful flight cancelled again", "the movie was great", "why is it so sad", "wow"]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    labels = ["joy", "anger,sadness", "joy", "sadness", "surprise"]
    rows = [f'"{t} {i}","{labels[i % 5]}"' for i, t in enumerate(TEXTS * 8)]
    path.write_text("text,emotions\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def rated(tmp_path: Path) -> Path:
    path = tmp_path / "rated.jsonl"
    lines = [json.dumps({"text": t, "valence": (i % 5) / 5 - 0.4, "joy": (i % 3) / 3}) for i, t in enumerate(TEXTS * 8)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> object:
    return runner.invoke(app, ["eval", *args])


def test_json_keys_for_a_labelled_file(labelled: Path, tiny_model_dir: Path) -> None:
    model = f"embedded:{tiny_model_dir}"
    result = run(str(labelled), "--labels-column", "emotions", "--dataset-taxonomy", "ekman", "-m", model, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == JSON_KEYS
    assert data["dataset"] == "labelled.csv" and data["n"] == 40 and data["taxonomy"] == "ekman"
    assert data["model"]["engine"] == "tiny-test" and data["model"]["version"] == "0.0.1"
    assert data["prediction_source"] == "projected via goemotions -> ekman"
    assert set(data["per_label"]) == {"anger", "joy", "sadness", "surprise"}
    assert set(data["per_label"]["joy"]) == {"f1", "precision", "recall", "support"}
    assert set(data["ci95"]) == {"macro_f1", "micro_f1", "jaccard", "ece", "top_label_ece"}
    assert all(data[k] is None for k in ("pearson", "spearman", "ccc", "mae"))


def test_json_for_a_rated_file(rated: Path, tiny_model_dir: Path) -> None:
    result = run(str(rated), "--value-columns", "valence,joy", "-m", f"embedded:{tiny_model_dir}", "--json", "-q")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "regression" and data["macro_f1"] is None and data["ece"] is None
    assert set(data["pearson"]) == {"valence", "joy", "mean"}
    assert data["dimension_source"] == {"valence": "record.vad", "joy": "record.intensity"}
    assert "ccc.joy" in data["ci95"]


def test_human_output(labelled: Path, tiny_model_dir: Path) -> None:
    result = run(str(labelled), "--labels-column", "emotions", "--dataset-taxonomy", "ekman", "-m",
                 f"embedded:{tiny_model_dir}", "--n-boot", "20")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "macro_f1" in result.stdout and "projected via goemotions -> ekman" in result.stdout


def test_report_folder(labelled: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "report"
    args = [str(labelled), "--labels-column", "emotions", "--dataset-taxonomy", "ekman",
            "-m", f"embedded:{tiny_model_dir}", "--n-boot", "20", "--report", str(folder), "-q"]  # fmt: skip
    result = run(*args)
    assert result.exit_code == 0, result.output
    for name in ("per_label_f1.png", "cooccurrence.png", "reliability.png"):
        with Image.open(folder / name) as image:
            image.verify()
            assert image.format == "PNG"
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert "# Evaluation: labelled.csv (test)" in markdown and "(per_label_f1.png)" in markdown
    assert json.loads((folder / "report.json").read_text())["dataset"] == "labelled.csv"
    again = run(*args)
    assert again.exit_code == 2 and "--force" in again.output
    assert run(*args, "--force").exit_code == 0


def test_regression_report_has_a_scatter(rated: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    result = run(str(rated), "--value-columns", "valence", "-m", f"embedded:{tiny_model_dir}", "--n-boot", "10",
                 "--report", str(tmp_path / "r"), "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "r" / "scatter.png") as image:
        image.verify()


def test_dev_thresholds_for_files(labelled: Path, tiny_model_dir: Path) -> None:
    base = [str(labelled), "--labels-column", "emotions", "--dataset-taxonomy", "ekman",
            "-m", f"embedded:{tiny_model_dir}", "--thresholds", "dev", "--json", "--n-boot", "0"]  # fmt: skip
    missing = run(*base)
    assert missing.exit_code == 2 and "--dev-file" in missing.output
    result = run(*base, "--dev-file", str(labelled))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["threshold_source"].startswith("dev: per-label F1-optimal thresholds")


def test_label_values_outside_the_taxonomy_are_named(tmp_path: Path, tiny_model_dir: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text('text,emotions\ni love it,joy\nugh,grumpy\nhm,"joy,meh"\n', encoding="utf-8")
    result = run(str(path), "--labels-column", "emotions", "--dataset-taxonomy", "ekman",
                 "-m", f"embedded:{tiny_model_dir}")  # fmt: skip
    assert result.exit_code == 2
    assert "'grumpy'" in result.output and "'meh'" in result.output and "outside taxonomy 'ekman'" in result.output


def test_unknown_dataset_lists_the_available_ones(tiny_model_dir: Path) -> None:
    result = run("no-such-set", "-m", f"embedded:{tiny_model_dir}")
    assert result.exit_code == 2
    assert "Unknown dataset 'no-such-set'" in result.output and "goemotions-ekman" in result.output


def test_file_options_with_a_builtin_name_are_refused(tiny_model_dir: Path) -> None:
    result = run("goemotions", "--label-columns", "joy", "-m", f"embedded:{tiny_model_dir}")
    assert result.exit_code == 2 and "apply to file datasets only" in result.output


def test_missing_file(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.csv"), "--labels-column", "x")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_subprocess_smoke(labelled: Path, tiny_model_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "affectlab", "eval", str(labelled), "--labels-column", "emotions",
         "--dataset-taxonomy", "ekman", "-m", f"embedded:{tiny_model_dir}", "--n-boot", "10", "--json"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 40


@pytest.mark.data
def test_builtin_dataset_json(tiny_model_dir: Path) -> None:
    result = run("brighter-a:eng", "-m", f"embedded:{tiny_model_dir}", "--limit", "60", "--n-boot", "20", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == JSON_KEYS
    assert data["dataset"] == "brighter-a:eng" and data["n"] == 60 and "smoke tests only" in data["subset"]
    assert set(data["per_label"]) == {"anger", "fear", "joy", "sadness", "surprise"}  # English has no disgust


def test_a_labelled_table_on_stdin(labelled: Path, tiny_model_dir: Path) -> None:
    args = ["-", "--labels-column", "emotions", "--dataset-taxonomy", "ekman", "-m", f"embedded:{tiny_model_dir}"]
    piped = runner.invoke(
        app, ["eval", *args, "--input-format", "csv", "--json", "--n-boot", "0"], input=labelled.read_text()
    )
    from_file = run(str(labelled), *args[1:], "--json", "--n-boot", "0")
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["dataset"] == "stdin"
    assert json.loads(piped.stdout)["macro_f1"] == json.loads(from_file.stdout)["macro_f1"]
    without_format = runner.invoke(app, ["eval", *args], input=labelled.read_text())
    assert without_format.exit_code == 2 and "--input-format" in without_format.stderr
