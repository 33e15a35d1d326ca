"""``affectlab agree`` and ``affectlab aggregate`` end to end: JSON and table output, model as rater, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.analyses.agreement import agreement, rater_from_order
from affectlab.datasets import data_dir
from affectlab.surfaces.cli.app import app

runner = CliRunner()
TEXTS = ["I love this so much", "awful flight cancelled again", "the day was good", "why what", "sad angry day"]


@pytest.fixture
def ratings(tmp_path: Path) -> Path:
    """20 items x 3 raters: a 1-5 score sharing a latent value, an emotion label, and the item's text."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(20):
        truth = rng.integers(1, 6)
        for rater in ("ann", "bob", "cyd"):
            score = int(np.clip(truth + rng.integers(-1, 2), 1, 5))
            emotion = ("joy", "anger", "sadness", "neutral")[(truth + (rater == "cyd")) % 4]
            rows.append(
                {"item": f"s{i:02d}", "rater": rater, "score": score, "emotion": emotion, "text": f"{TEXTS[i % 5]} {i}"}
            )
    path = tmp_path / "ratings.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def agree_json(*args: str) -> dict:
    result = runner.invoke(app, ["agree", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_matches_the_library(ratings: Path) -> None:
    report = agree_json(str(ratings), "--item", "item", "--rater", "rater", "--value", "score", "--level", "ordinal")
    [row] = report["results"]
    frame = pd.read_csv(ratings)
    expected = agreement(frame, item="item", rater="rater", value="score", level="ordinal", n_boot=1000, seed=0)
    assert row["metric"] == "krippendorff" and row["level"] == "ordinal"
    assert row["value"] == pytest.approx(expected.value)
    assert row["ci95"] == pytest.approx(list(expected.ci95))
    assert (row["n_items"], row["n_raters"], row["n_ratings"]) == (20, 3, 60)


def test_icc_gives_both_coefficients_and_seed_matters(ratings: Path) -> None:
    base = [str(ratings), "--item", "item", "--rater", "rater", "--value", "score", "--metric", "icc", "--n-boot", "50"]
    first = agree_json(*base)
    assert [r["metric"] for r in first["results"]] == ["icc_c1", "icc_a1"]
    assert agree_json(*base)["results"] == first["results"]
    assert agree_json(*base, "--seed", "3")["results"][0]["ci95"] != first["results"][0]["ci95"]


def test_rater_from_order_and_table_output(tmp_path: Path, ratings: Path) -> None:
    anonymous = pd.read_csv(ratings).drop(columns=["rater"])
    path = tmp_path / "anonymous.tsv"
    anonymous.to_csv(path, sep="\t", index=False)
    result = runner.invoke(
        app, ["agree", str(path), "--item", "item", "--value", "score", "--rater-from-order", "--metric", "fleiss"]
    )
    assert result.exit_code == 0, result.output
    assert "fleiss" in result.stdout and "rater from order" in result.stdout
    value = agreement(rater_from_order(anonymous, "item"), item="item", rater="rater", value="score", metric="fleiss")
    assert f"{value.value:.3f}" in result.stdout


def test_cohen_with_raters_and_weights(ratings: Path) -> None:
    args = [str(ratings), "--item", "item", "--rater", "rater", "--value", "score", "--metric", "cohen"]
    [undefined] = agree_json(*args)["results"]
    assert undefined["value"] is None and "exactly two raters" in undefined["undefined"]
    [row] = agree_json(*args, "--raters", "ann,cyd", "--level", "ordinal", "--weights", "quadratic")["results"]
    assert row["weights"] == "quadratic" and row["n_raters"] == 2 and row["value"] is not None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metric", "alpha"], "must be one of krippendorff, fleiss, cohen, icc"),
        (["--level", "ratio"], "'level' parameter"),
        (["--rater-from-order"], "not both"),
        (["--value", "stars"], "Available columns: item, rater, score, emotion, text"),
        (["--model-scale", "logit"], "raw, unit, emobank"),
        (["--model", "embedded"], "--model needs --model-field"),
    ],
)
def test_usage_errors_exit_2(ratings: Path, extra: list[str], message: str) -> None:
    args = ["agree", str(ratings), "--item", "item", "--rater", "rater", "--value", "score", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["agree", str(tmp_path / "none.csv"), "--item", "i", "--rater", "r", "--value", "v"])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_model_as_one_more_rater(ratings: Path, tiny_model_dir: Path) -> None:
    args = [str(ratings), "--item", "item", "--rater", "rater", "--value", "score", "--metric", "icc"]
    model = ["--model", f"embedded:{tiny_model_dir}", "--model-field", "vad.valence", "--model-scale", "emobank"]
    report = agree_json(*args, *model, "--n-boot", "20")
    assert report["model"] == {
        "engine": f"embedded:{tiny_model_dir}",
        "field": "vad.valence",
        "scale": "emobank",
        "n_items": 20,
    }
    comparisons = [(r["comparison"], r["metric"]) for r in report["results"]]
    for metric in ("icc_c1", "icc_a1"):
        for name in ("humans", "humans + model", "model replaces a human"):
            assert (name, metric) in comparisons
    assert ("model vs human mean", "pearson") in comparisons
    rows = {(r["comparison"], r["metric"]): r for r in report["results"]}
    assert rows[("humans + model", "icc_c1")]["n_raters"] == 4
    humans = agreement(pd.read_csv(ratings), item="item", rater="rater", value="score", metric="icc_c1", n_boot=0)
    assert rows[("humans", "icc_c1")]["value"] == pytest.approx(humans.value)
    assert -1.0 <= rows[("model vs human mean", "pearson")]["value"] <= 1.0


def test_model_texts_from_another_file(tmp_path: Path, ratings: Path, tiny_model_dir: Path) -> None:
    frame = pd.read_csv(ratings)
    frame.drop(columns=["text"]).to_csv(tmp_path / "scores.csv", index=False)
    texts = frame.drop_duplicates("item")[["item", "text"]].iloc[:15].rename(columns={"text": "sentence"})
    texts.to_json(tmp_path / "texts.jsonl", orient="records", lines=True)
    report = agree_json(
        str(tmp_path / "scores.csv"),
        *("--item", "item", "--rater", "rater", "--value", "emotion", "--n-boot", "0"),
        *("--model", f"embedded:{tiny_model_dir}", "--model-field", "top", "--level", "nominal"),
        *("--text-file", str(tmp_path / "texts.jsonl"), "--text-column", "sentence"),
    )
    assert report["model"]["n_items"] == 15
    humans = next(r for r in report["results"] if r["comparison"] == "humans")
    assert humans["n_items"] == 15
    assert "5 items without a model value were left out" in humans["notes"]
    assert all(r["metric"] != "pearson" for r in report["results"])  # labels: no correlation rows


def test_model_field_and_scale_errors(ratings: Path, tiny_model_dir: Path) -> None:
    base = ["agree", str(ratings), "--item", "item", "--rater", "rater", "--value", "score"]
    model = ["--model", f"embedded:{tiny_model_dir}"]
    result = runner.invoke(app, [*base, *model, "--model-field", "vad.pleasure"])
    assert result.exit_code == 2 and "vad.valence" in result.stderr
    result = runner.invoke(app, [*base, *model, "--model-field", "emotions.joy", "--model-scale", "emobank"])
    assert result.exit_code == 2 and "is in [0, 1]" in result.stderr
    result = runner.invoke(app, [*base, *model, "--model-field", "vad.valence", "--text-column", "body"])
    assert result.exit_code == 2 and "--text-file" in result.stderr


def test_aggregate_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    source = tmp_path / "labels.csv"
    pd.DataFrame(
        {"tweet": [7, 7, 7, 8, 8], "who": ["a", "b", "c", "a", "b"], "emo": ["joy,fear", "joy", "fear", "anger", ""]}
    ).to_csv(source, index=False)
    out = tmp_path / "agg.csv"
    args = ["aggregate", str(source), "--item", "tweet", "--rater", "who", "--value", "emo", "-o", str(out)]
    result = runner.invoke(app, [*args, "--method", "majority"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written.to_dict("list") == {"tweet": ["7", "8"], "n_raters": ["3", "2"], "labels": ["joy,fear", ""]}
    again = runner.invoke(app, [*args, "--method", "soft"])
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = runner.invoke(app, [*args, "--method", "soft", "--force"])
    assert forced.exit_code == 0
    assert list(pd.read_csv(out).columns) == ["tweet", "n_raters", "share.joy", "share.fear", "share.anger"]
    stdout = runner.invoke(app, [*args[:-2], "--method", "plurality", "-q"])
    records = [json.loads(line) for line in stdout.stdout.splitlines()]
    assert records[0] == {"tweet": "7", "n_raters": 3, "labels": "joy,fear", "tied": True}
    bad = runner.invoke(app, [*args[:-2], "--method", "vote"])
    assert bad.exit_code == 2 and "majority, plurality, all, soft" in bad.stderr


def test_entry_point_subprocess(ratings: Path) -> None:
    exe = shutil.which("affectlab", path=str(Path(sys.executable).parent)) or shutil.which("affectlab")
    assert exe is not None, "the affectlab console script is not installed"
    proc = subprocess.run(
        [
            exe,
            "agree",
            str(ratings),
            "--item",
            "item",
            "--rater",
            "rater",
            "--value",
            "score",
            "--n-boot",
            "9",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,  # generous: the machine may be busy; normally about 2 s
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["results"][0]["metric"] == "krippendorff"
    assert report["results"][0]["n_boot"] == 9


@pytest.mark.data
def test_emobank_reader_file(tmp_path: Path) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    path = data_dir() / "emobank" / "corpus_individual_reader_ratings.csv"
    args = [str(path), "--item", "id", "--value", "A", "--rater-from-order", "--level", "interval", "--n-boot", "50"]
    [row] = agree_json(*args)["results"]
    frame = rater_from_order(pd.read_csv(path), "id")
    matrix = frame.pivot(index="rater", columns="id", values="A").to_numpy(dtype=float)
    assert round(row["value"], 3) == round(krippendorff.alpha(reliability_data=matrix), 3)
    assert row["n_items"] == frame["id"].nunique()
