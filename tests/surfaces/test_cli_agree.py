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
COLUMNS = ("--item-column", "item", "--rater-column", "rater", "--value-column", "score")
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
    report = agree_json(
        str(ratings),
        "--item-column",
        "item",
        "--rater-column",
        "rater",
        "--value-column",
        "score",
        "--level",
        "ordinal",
    )
    [row] = report["results"]
    frame = pd.read_csv(ratings)
    expected = agreement(frame, item="item", rater="rater", value="score", level="ordinal", n_boot=1000, seed=0)
    assert row["metric"] == "krippendorff" and row["level"] == "ordinal"
    assert row["value"] == pytest.approx(expected.value)
    assert row["ci95"] == pytest.approx(list(expected.ci95))
    assert (row["n_items"], row["n_raters"], row["n_ratings"]) == (20, 3, 60)


def test_icc_gives_both_coefficients_and_seed_matters(ratings: Path) -> None:
    base = [
        str(ratings),
        "--item-column",
        "item",
        "--rater-column",
        "rater",
        "--value-column",
        "score",
        "--metric",
        "icc",
        "--n-boot",
        "50",
    ]
    first = agree_json(*base)
    assert [r["metric"] for r in first["results"]] == ["icc_c1", "icc_a1"]
    assert agree_json(*base)["results"] == first["results"]
    assert agree_json(*base, "--seed", "3")["results"][0]["ci95"] != first["results"][0]["ci95"]


def test_rater_from_order_and_table_output(tmp_path: Path, ratings: Path) -> None:
    anonymous = pd.read_csv(ratings).drop(columns=["rater"])
    path = tmp_path / "anonymous.tsv"
    anonymous.to_csv(path, sep="\t", index=False)
    result = runner.invoke(
        app,
        [
            "agree",
            str(path),
            "--item-column",
            "item",
            "--value-column",
            "score",
            "--rater-from-order",
            "--metric",
            "fleiss",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "fleiss" in result.stdout and "rater from order" in result.stdout
    value = agreement(rater_from_order(anonymous, "item"), item="item", rater="rater", value="score", metric="fleiss")
    assert f"{value.value:.3f}" in result.stdout


def test_cohen_with_raters_and_weights(ratings: Path) -> None:
    args = [
        str(ratings),
        "--item-column",
        "item",
        "--rater-column",
        "rater",
        "--value-column",
        "score",
        "--metric",
        "cohen",
    ]
    [undefined] = agree_json(*args)["results"]
    assert undefined["value"] is None and "exactly two raters" in undefined["undefined"]
    [row] = agree_json(*args, "--raters", "ann,cyd", "--level", "ordinal", "--weights", "quadratic")["results"]
    assert row["weights"] == "quadratic" and row["n_raters"] == 2 and row["value"] is not None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metric", "alpha"], "'--metric' parameter of affectlab agree must be a str among"),
        (["--level", "ratio"], "'level' parameter"),
        (["--rater-from-order"], "not both"),
        (["--value-column", "stars"], "Available columns: item, rater, score, emotion, text"),
        (["--model-scale", "logit"], "'emobank', 'raw', 'unit'"),
        (["--model", "embedded"], "--model needs --model-field"),
    ],
)
def test_usage_errors_exit_2(ratings: Path, extra: list[str], message: str) -> None:
    args = [
        "agree",
        str(ratings),
        "--item-column",
        "item",
        "--rater-column",
        "rater",
        "--value-column",
        "score",
        *extra,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    args = ["agree", str(tmp_path / "none.csv"), "--item-column", "i", "--rater-column", "r", "--value-column", "v"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_model_as_one_more_rater(ratings: Path, tiny_model_dir: Path) -> None:
    args = [
        str(ratings),
        "--item-column",
        "item",
        "--rater-column",
        "rater",
        "--value-column",
        "score",
        "--metric",
        "icc",
    ]
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
        *("--item-column", "item", "--rater-column", "rater", "--value-column", "emotion", "--n-boot", "0"),
        *("--model", f"embedded:{tiny_model_dir}", "--model-field", "top", "--level", "nominal"),
        *("--text-file", str(tmp_path / "texts.jsonl"), "--text-column", "sentence"),
    )
    assert report["model"]["n_items"] == 15
    humans = next(r for r in report["results"] if r["comparison"] == "humans")
    assert humans["n_items"] == 15
    assert "5 items without a model value were left out" in humans["notes"]
    assert all(r["metric"] != "pearson" for r in report["results"])  # labels: no correlation rows


def test_model_field_and_scale_errors(ratings: Path, tiny_model_dir: Path) -> None:
    base = ["agree", str(ratings), *COLUMNS]
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
    args = ["aggregate", str(source), "--item-column", "tweet", "--rater-column", "who", "--value-column", "emo"]
    args += ["-o", str(out)]
    result = runner.invoke(app, [*args, "--method", "majority"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written.to_dict("list") == {"tweet": ["7", "8"], "n_raters": ["3", "2"], "labels": ["joy,fear", ""]}
    again = runner.invoke(app, [*args, "--method", "soft"])
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = runner.invoke(app, [*args, "--method", "soft", "--force"])
    assert forced.exit_code == 0
    assert list(pd.read_csv(out).columns) == ["tweet", "n_raters", "share.anger", "share.fear", "share.joy"]
    stdout = runner.invoke(app, [*args[:-2], "--method", "plurality", "-q"])
    records = [json.loads(line) for line in stdout.stdout.splitlines()]
    assert records[0] == {"tweet": "7", "n_raters": 3, "labels": "joy,fear", "tied": True}
    bad = runner.invoke(app, [*args[:-2], "--method", "vote"])
    assert bad.exit_code == 2 and "'all', 'majority', 'plurality', 'soft'" in bad.stderr


def test_entry_point_subprocess(ratings: Path) -> None:
    exe = shutil.which("affectlab", path=str(Path(sys.executable).parent)) or shutil.which("affectlab")
    assert exe is not None, "the affectlab console script is not installed"
    proc = subprocess.run(
        [
            exe,
            "agree",
            str(ratings),
            *COLUMNS,
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
    args = [str(path), "--item-column", "id", "--value-column", "A", "--rater-from-order", "--n-boot", "50"]
    [row] = agree_json(*args)["results"]
    assert row["level"] == "interval"  # the default for a numeric 1-5 scale
    frame = rater_from_order(pd.read_csv(path), "id")
    matrix = frame.pivot(index="rater", columns="id", values="A").to_numpy(dtype=float)
    assert round(row["value"], 3) == round(krippendorff.alpha(reliability_data=matrix), 3)
    assert row["n_items"] == frame["id"].nunique()


def test_default_level_is_interval_for_numbers_and_shown(ratings: Path) -> None:
    args = [str(ratings), "--item-column", "item", "--rater-column", "rater", "--n-boot", "0"]
    [numeric] = agree_json(*args, "--value-column", "score")["results"]
    frame = pd.read_csv(ratings)
    expected = agreement(frame, item="item", rater="rater", value="score", level="interval", n_boot=0)
    assert numeric["level"] == "interval" and numeric["value"] == pytest.approx(expected.value)
    assert any("level 'interval' chosen" in note for note in numeric["notes"])
    [labels] = agree_json(*args, "--value-column", "emotion")["results"]
    assert labels["level"] == "nominal"
    table = runner.invoke(app, ["agree", *args, "--value-column", "score"])
    assert "interval" in table.stdout and "level 'interval' chosen for numeric ratings" in table.stdout


def test_help_states_the_level_rule() -> None:
    result = runner.invoke(app, ["agree", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "interval for numeric ratings" in " ".join(result.stdout.split())
    assert "--item-column" in result.stdout and "--item " not in result.stdout  # the old spelling is hidden


@pytest.mark.parametrize("command", ["agree", "aggregate"])
def test_deprecated_spellings_warn_and_still_work(ratings: Path, command: str) -> None:
    old = [str(ratings), "--item", "item", "--rater", "rater", "--value", "score"]
    new = [str(ratings), *COLUMNS]
    extra = ["--json", "--n-boot", "0"] if command == "agree" else ["-q"]
    before, after = runner.invoke(app, [command, *old, *extra]), runner.invoke(app, [command, *new, *extra])
    assert before.exit_code == 0, before.output
    assert before.stdout == after.stdout
    for option in ("--item", "--rater", "--value"):
        assert f"warning: {option} is deprecated and will be removed; use {option}-column." in before.stderr
    assert "deprecated" not in after.stderr


def test_old_and_new_spelling_with_different_values_is_an_error(ratings: Path) -> None:
    args = ["agree", str(ratings), "--item-column", "item", "--item", "text", "--rater-column", "rater"]
    result = runner.invoke(app, [*args, "--value-column", "score"])
    assert result.exit_code == 2 and "keep only --item-column" in result.stderr


def test_missing_item_column_is_a_usage_error(ratings: Path) -> None:
    result = runner.invoke(app, ["agree", str(ratings), "--rater-column", "rater", "--value-column", "score"])
    assert result.exit_code == 2 and "--item-column" in result.stderr


@pytest.mark.parametrize("command", ["agree", "aggregate"])
def test_ratings_from_stdin(ratings: Path, command: str) -> None:
    frame = pd.read_csv(ratings)
    lines = frame.to_json(orient="records", lines=True)
    args = ["-", *COLUMNS]
    extra = ["--json", "--n-boot", "20"] if command == "agree" else ["-q", "--method", "plurality"]
    from_stdin = runner.invoke(app, [command, *args, *extra], input=lines)
    assert from_stdin.exit_code == 0, from_stdin.output
    from_file = runner.invoke(app, [command, str(ratings), *args[1:], *extra])
    if command == "agree":
        got, want = json.loads(from_stdin.stdout)["results"], json.loads(from_file.stdout)["results"]
        assert got == want and got[0]["n_items"] == 20
    else:
        got = [json.loads(line) for line in from_stdin.stdout.splitlines()]
        assert len(got) == 20 and got == [json.loads(line) for line in from_file.stdout.splitlines()]


def test_aggregate_soft_columns_follow_the_label_order(ratings: Path) -> None:
    args = ["aggregate", str(ratings), "--item-column", "item", "--value-column", "score", "--method", "soft"]
    result = runner.invoke(app, [*args, "--format", "csv", "-q"])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    shares = [c for c in header if c.startswith("share.")]
    assert shares == sorted(shares, key=lambda c: int(c.split(".")[1])) and len(shares) == 5
