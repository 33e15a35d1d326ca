"""Metrics against scikit-learn/scipy, hand-checked cases, calibration, bootstrap, thresholds policy, reporting."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import brier_score_loss, f1_score, mean_absolute_error, precision_recall_fscore_support

from affectlab.analyses.evaluation import evaluate, scoring
from affectlab.analyses.evaluation import run as evaluate_module
from affectlab.analyses.metrics import (
    bootstrap_ci,
    brier_loss,
    ccc_score,
    classification_metrics,
    classification_stat,
    expected_calibration_error,
    fit_thresholds,
    jaccard_score,
    regression_metrics,
    reliability_diagram,
)
from affectlab.analyses.tables import load_table_dataset
from affectlab.datasets import Dataset
from affectlab.engines.embedded import EmbeddedEngine
from affectlab.errors import DataNotFound, InputError, ParameterError, TaxonomyError
from affectlab.surfaces.plots.evaluation import write_report
from tiny_model import WORDS


def make_dataset(
    columns: tuple[str, ...],
    taxonomy: str | None,
    *,
    n: int = 120,
    split: str = "test",
    name: str = "synthetic",
    kind: str = "multilabel",
    seed: int = 0,
    targets: np.ndarray | None = None,
) -> Dataset:
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(2, 8)))) for _ in range(n)]
    if targets is None:
        targets = (
            rng.integers(0, 2, size=(n, len(columns))).astype(float)
            if kind == "multilabel"
            else rng.uniform(0, 1, size=(n, len(columns)))
        )
    return Dataset(name, split, [f"{split}-{i}" for i in range(n)], texts, kind, columns, targets, taxonomy, "", "")


# -- metrics against reference implementations --------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metrics_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gold = (rng.random((300, 6)) < 0.3).astype(int)
    pred = (rng.random((300, 6)) < 0.4).astype(int)
    gold[:, 5] = 0  # a label without support
    pred[:, 4] = 0  # a label never predicted
    m = classification_metrics(gold, pred, list("abcdef"))
    for average in ("macro", "micro", "weighted"):
        assert m[f"{average}_f1"] == pytest.approx(f1_score(gold, pred, average=average, zero_division=0))
    p, r, f, s = precision_recall_fscore_support(gold, pred, average=None, zero_division=0)
    assert m["precision"] == pytest.approx(p.mean())
    assert m["recall"] == pytest.approx(r.mean())
    for j, label in enumerate("abcdef"):
        assert m["per_label"][label] == pytest.approx({"f1": f[j], "precision": p[j], "recall": r[j], "support": s[j]})


def test_jaccard_hand_checked() -> None:
    gold = [[1, 0, 1], [0, 0, 0], [1, 1, 0], [0, 1, 0]]
    pred = [[1, 1, 0], [0, 0, 0], [0, 0, 1], [0, 1, 0]]
    # item 1: 1/3; item 2: both empty -> 1; item 3: 0/3; item 4: 1/1
    assert jaccard_score(gold, pred) == pytest.approx((1 / 3 + 1 + 0 + 1) / 4)
    assert classification_metrics(gold, pred)["jaccard"] == pytest.approx((1 / 3 + 2) / 4)


def test_ccc_hand_checked() -> None:
    assert ccc_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert ccc_score([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-1.0)
    # means 2 and 3, variances 2/3, covariance 2/3: 2*(2/3) / (2/3 + 2/3 + 1) = 4/7
    assert ccc_score([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]) == pytest.approx(4 / 7)
    # scaling keeps Pearson at 1 but lowers CCC: var 2/3 vs 8/3, cov 4/3, mean diff 2 -> 8/3 / (10/3 + 4)
    assert ccc_score([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx((8 / 3) / (10 / 3 + 4))


def test_regression_metrics_match_scipy_and_skip_nan() -> None:
    rng = np.random.default_rng(3)
    gold = rng.integers(0, 4, size=(200, 2)) / 3.0  # many ties, like BRIGHTER intensities
    pred = np.clip(gold + rng.normal(0, 0.3, size=gold.shape), 0, 1)
    gold_nan = gold.copy()
    gold_nan[:10, 1] = np.nan
    m = regression_metrics(gold_nan, pred, ["a", "b"])
    assert m["pearson"]["a"] == pytest.approx(pearsonr(gold[:, 0], pred[:, 0]).statistic)
    assert m["spearman"]["a"] == pytest.approx(spearmanr(gold[:, 0], pred[:, 0]).statistic)
    assert m["mae"]["a"] == pytest.approx(mean_absolute_error(gold[:, 0], pred[:, 0]))
    assert m["spearman"]["b"] == pytest.approx(spearmanr(gold[10:, 1], pred[10:, 1]).statistic)
    assert m["n"] == {"a": 200, "b": 190}
    x, y = gold[:, 0], pred[:, 0]
    expected_ccc = 2 * np.cov(x, y, bias=True)[0, 1] / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)
    assert m["ccc"]["a"] == pytest.approx(expected_ccc)
    assert m["pearson"]["mean"] == pytest.approx((m["pearson"]["a"] + m["pearson"]["b"]) / 2)


def test_constant_prediction_gives_nan_correlation() -> None:
    m = regression_metrics([[0.1], [0.5], [0.9]], [[0.3], [0.3], [0.3]])
    assert math.isnan(m["pearson"]["0"]) and math.isnan(m["spearman"]["0"]) and math.isnan(m["pearson"]["mean"])
    assert m["mae"]["0"] == pytest.approx((0.2 + 0.2 + 0.6) / 3)


# -- calibration ---------------------------------------------------------------------------------------


def test_ece_near_zero_when_perfectly_calibrated() -> None:
    rng = np.random.default_rng(0)
    probs = rng.random((20000, 5))
    gold = (rng.random(probs.shape) < probs).astype(float)
    assert expected_calibration_error(gold, probs) < 0.01


def test_ece_of_a_miscalibrated_model() -> None:
    rng = np.random.default_rng(0)
    true_p = rng.random((20000, 5))
    gold = (rng.random(true_p.shape) < true_p).astype(float)
    overconfident = np.clip(true_p + 0.3, 0, 1)
    ece = expected_calibration_error(gold, overconfident)
    assert 0.2 < ece < 0.3
    assert ece == pytest.approx(np.mean(overconfident - true_p), abs=0.02)


def test_ece_hand_checked_and_reliability_bins() -> None:
    gold, probs = [[1, 0], [0, 0]], [[0.9, 0.1], [0.2, 0.0]]
    # bins: {0.0, 0.1} -> conf 0.05, acc 0; {0.2} -> conf 0.2, acc 0; {0.9} -> conf 0.9, acc 1
    assert expected_calibration_error(gold, probs) == pytest.approx((2 * 0.05 + 0.2 + 0.1) / 4)
    bins = reliability_diagram(gold, probs)
    assert len(bins) == 15 and sum(b["count"] for b in bins) == 4
    assert bins[-2]["confidence"] == pytest.approx(0.9) and bins[-2]["accuracy"] == 1.0
    assert bins[7]["confidence"] is None
    assert reliability_diagram([[1]], [[1.0]])[-1]["count"] == 1  # probability 1 lands in the last bin


def test_brier_matches_sklearn() -> None:
    rng = np.random.default_rng(5)
    probs = rng.random((100, 4))
    gold = (rng.random((100, 4)) < 0.5).astype(float)
    assert brier_loss(gold, probs) == pytest.approx(brier_score_loss(gold.ravel(), probs.ravel()))


def test_probabilities_must_be_in_range() -> None:
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        expected_calibration_error([[1]], [[1.2]])
    with pytest.raises(InputError, match="same shape"):
        brier_loss([[1, 0]], [[0.5]])


# -- bootstrap -----------------------------------------------------------------------------------------


def test_bootstrap_ci_contains_point_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(1.0, 1.0, 400)

    def mean(w: np.ndarray) -> dict[str, np.ndarray]:
        return {"mean": w @ values / w.sum(axis=-1)}

    first = bootstrap_ci(mean, len(values), n_boot=500, seed=7)["mean"]
    assert first is not None
    lo, hi = first
    assert lo < values.mean() < hi
    assert hi - lo == pytest.approx(2 * 1.96 * values.std() / 20, rel=0.2)  # normal-theory width
    assert bootstrap_ci(mean, len(values), n_boot=500, seed=7)["mean"] == first
    assert bootstrap_ci(mean, len(values), n_boot=500, seed=8)["mean"] != first


def test_a_point_estimate_outside_its_interval_is_noted() -> None:
    rng = np.random.default_rng(0)
    probs = rng.random((40, 3))
    gold = (rng.random(probs.shape) < probs).astype(float)  # calibrated: small ECE, biased upward when resampled
    ece = expected_calibration_error(gold, probs)
    stat = classification_stat(gold, (probs > 0.5).astype(float), probs)
    interval = bootstrap_ci(stat, 40, n_boot=300, seed=0)["ece"]
    assert interval is not None and ece < interval[0]
    notes = scoring._outside_notes({"ece": interval, "jaccard": (0.1, 0.2)}, {"ece": ece, "jaccard": 0.15})
    assert len(notes) == 1 and notes[0].startswith("The point estimate of ece lies outside")


def test_evaluate_intervals_contain_estimates_and_repeat(tiny_engine: EmbeddedEngine) -> None:
    data = make_dataset(("anger", "joy", "sadness"), "ekman", n=300)
    first = evaluate(data, engine=tiny_engine, n_boot=200, seed=3)
    for key in ("macro_f1", "micro_f1", "jaccard", "ece"):
        lo, hi = first.ci95[key]
        assert lo <= getattr(first, key) <= hi
    again = evaluate(data, engine=tiny_engine, n_boot=200, seed=3)
    assert again.ci95 == first.ci95
    assert evaluate(data, engine=tiny_engine, n_boot=200, seed=4).ci95 != first.ci95
    assert evaluate(data, engine=tiny_engine, n_boot=0).ci95 == {}


def test_regression_intervals(tiny_engine: EmbeddedEngine) -> None:
    data = make_dataset(("valence", "arousal"), None, kind="regression", n=200)
    gold = np.clip(data.targets * 2 - 1, -1, 1)
    data = Dataset("vad", "test", data.ids, data.texts, "regression", data.columns, gold, None, "", "")
    report = evaluate(data, engine=tiny_engine, n_boot=100)
    assert set(report.ci95) == {
        f"{m}.{d}" for m in ("pearson", "spearman", "ccc", "mae") for d in (*data.columns, "mean")
    }
    for dim in ("valence", "arousal"):
        lo, hi = report.ci95[f"mae.{dim}"]
        assert lo <= report.mae[dim] <= hi
    assert report.dimension_source == {"valence": "record.vad", "arousal": "record.vad"}
    assert report.prediction_source == "record.vad (valence, arousal)"


# -- thresholds ----------------------------------------------------------------------------------------


def test_fit_thresholds_hand_checked() -> None:
    probs = [[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]]
    gold = [[1, 0], [1, 0], [0, 0]]
    thresholds = fit_thresholds(probs, gold)
    assert thresholds[0] == pytest.approx(0.31)  # lowest grid value that keeps both positives and drops 0.3
    assert thresholds[1] == 1.0  # no positive in the data: never predicted


def test_dev_thresholds_are_fitted_on_dev_gold_only(tiny_engine: EmbeddedEngine, monkeypatch) -> None:
    columns = ("anger", "fear", "joy")
    dev = make_dataset(columns, "ekman", split="dev", seed=1)
    test_a = make_dataset(columns, "ekman", seed=2)
    test_b = make_dataset(columns, "ekman", seed=2, targets=1 - test_a.targets)  # same texts, opposite gold
    seen: list[np.ndarray] = []
    real_fit = fit_thresholds

    def spy(probs: np.ndarray, gold: np.ndarray) -> np.ndarray:
        seen.append(np.array(gold))
        assert len(probs) == len(dev)
        return real_fit(probs, gold)

    monkeypatch.setattr(scoring, "fit_thresholds", spy)
    report_a = evaluate(test_a, engine=tiny_engine, thresholds="dev", dev=dev, n_boot=0)
    report_b = evaluate(test_b, engine=tiny_engine, thresholds="dev", dev=dev, n_boot=0)
    assert len(seen) == 2 and all(np.array_equal(g, dev.targets) for g in seen)
    assert report_a.thresholds == report_b.thresholds  # the scored gold cannot move the thresholds
    assert report_a.threshold_source.startswith("dev: per-label F1-optimal thresholds fitted on synthetic dev")
    probs = np.array(
        [[r[c] for c in columns] for r in (rec.emotions for rec in tiny_engine.predict(test_a.texts, taxonomy="ekman"))]
    )
    expected = (probs >= np.array([report_a.thresholds[c] for c in columns])).astype(float)
    assert np.array_equal(report_a.predicted, expected)


def test_dev_thresholds_for_a_named_dataset_load_the_dev_split(tiny_engine: EmbeddedEngine, monkeypatch) -> None:
    columns = ("anger", "joy")
    splits = {"test": make_dataset(columns, "ekman", seed=5), "dev": make_dataset(columns, "ekman", split="dev")}
    requested: list[str] = []

    def fake_load(name: str, split: str = "test", *, root: object = None) -> Dataset:
        requested.append(split)
        if name == "no-dev" and split == "dev":
            raise DataNotFound("no dev file")
        return splits[split]

    monkeypatch.setattr(evaluate_module, "load_dataset", fake_load)
    fitted_on: list[np.ndarray] = []
    real_fit = fit_thresholds
    monkeypatch.setattr(scoring, "fit_thresholds", lambda p, g: fitted_on.append(g) or real_fit(p, g))
    evaluate("fake", engine=tiny_engine, thresholds="dev", n_boot=0)
    assert requested == ["test", "dev"]
    assert np.array_equal(fitted_on[0], splits["dev"].targets)
    with pytest.raises(ParameterError, match="no dev split"):
        evaluate("no-dev", engine=tiny_engine, thresholds="dev", n_boot=0)
    with pytest.raises(ParameterError, match="cannot be scored"):
        evaluate("fake", engine=tiny_engine, split="dev", thresholds="dev", n_boot=0)


def test_dev_thresholds_need_a_dev_split_for_dataset_objects(tiny_engine: EmbeddedEngine) -> None:
    data = make_dataset(("joy",), "ekman")
    with pytest.raises(ParameterError, match="dev="):
        evaluate(data, engine=tiny_engine, thresholds="dev")
    with pytest.raises(ParameterError, match="being scored"):
        evaluate(data, engine=tiny_engine, thresholds="dev", dev=data)


def test_model_thresholds_source(tiny_engine: EmbeddedEngine) -> None:
    native = evaluate(make_dataset(("joy", "anger"), "goemotions"), engine=tiny_engine, n_boot=0)
    assert native.threshold_source.startswith("model: thresholds stored with the model for goemotions")
    assert native.thresholds == {"joy": 0.4, "anger": 0.4}
    projected = evaluate(make_dataset(("joy", "anger"), "ekman"), engine=tiny_engine, n_boot=0)
    assert projected.threshold_source == "model: default 0.5 (the model has no fitted thresholds for ekman)"
    records = tiny_engine.predict(make_dataset(("joy", "anger"), "ekman").texts, taxonomy="ekman")
    assert projected.predicted[:, 0].tolist() == [float("joy" in r.labels) for r in records]


# -- projection and taxonomy --------------------------------------------------------------------------


def test_projection_is_reported(tiny_engine: EmbeddedEngine) -> None:
    assert evaluate(make_dataset(("joy",), "goemotions"), engine=tiny_engine, n_boot=0).prediction_source == "native"
    assert evaluate(make_dataset(("joy",), "plutchik"), engine=tiny_engine, n_boot=0).prediction_source == "native"
    ekman = evaluate(make_dataset(("joy", "fear"), "ekman"), engine=tiny_engine, n_boot=0)
    assert ekman.prediction_source == "projected via goemotions -> ekman"
    semeval = evaluate(make_dataset(("joy", "disgust"), "semeval"), engine=tiny_engine, n_boot=0)
    assert semeval.prediction_source == "native"
    assert any("disgust is projected via goemotions" in note for note in semeval.notes)
    no_disgust = evaluate(make_dataset(("joy", "fear"), "semeval"), engine=tiny_engine, n_boot=0)
    assert no_disgust.notes == ()


def test_goemotions_ekman_alias_scores_in_ekman(tiny_engine: EmbeddedEngine) -> None:
    columns = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
    report = evaluate(make_dataset(columns, "goemotions-ekman"), engine=tiny_engine, n_boot=0)
    assert report.taxonomy == "ekman"
    assert report.prediction_source == "projected via goemotions -> ekman"


def test_taxonomy_override_must_hold_every_column(tiny_engine: EmbeddedEngine) -> None:
    data = make_dataset(("anger", "joy"), "semeval")
    assert evaluate(data, engine=tiny_engine, taxonomy="ekman", n_boot=0).taxonomy == "ekman"
    with pytest.raises(TaxonomyError, match="anticipation"):
        evaluate(make_dataset(("anticipation",), "plutchik"), engine=tiny_engine, taxonomy="ekman")


def test_intensity_falls_back_to_probabilities_and_says_so(tiny_engine: EmbeddedEngine) -> None:
    data = make_dataset(("joy", "disgust"), None, kind="regression", name="brighter-b:xxx")
    report = evaluate(data, engine=tiny_engine, n_boot=20)
    assert report.taxonomy == "semeval"
    assert report.dimension_source == {"joy": "record.intensity", "disgust": "record.emotions (semeval, native)"}
    assert any("no intensity for disgust" in note for note in report.notes)
    with pytest.raises(TaxonomyError, match="no intensity for disgust"):
        evaluate(make_dataset(("disgust",), None, kind="regression", name="custom"), engine=tiny_engine)


# -- inputs, subsets, report ---------------------------------------------------------------------------


def test_unknown_dataset_lists_the_available_ones(tiny_engine: EmbeddedEngine) -> None:
    with pytest.raises(ParameterError, match="Available: goemotions, goemotions-ekman"):
        evaluate("no-such-dataset", engine=tiny_engine)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"thresholds": "test"}, "'thresholds'"), ({"n_boot": -1}, "'n_boot'"), ({"limit": 0}, "'limit'")],
)
def test_bad_parameters(tiny_engine: EmbeddedEngine, kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        evaluate(make_dataset(("joy",), "ekman"), engine=tiny_engine, **kwargs)


def test_limit_is_reported_as_a_subset(tiny_engine: EmbeddedEngine) -> None:
    report = evaluate(make_dataset(("joy",), "ekman", n=50), engine=tiny_engine, limit=20, n_boot=0)
    assert report.n == 20
    assert report.subset.startswith("first 20 of 50 items") and "smoke tests only" in report.subset
    assert evaluate(make_dataset(("joy",), "ekman", n=10), engine=tiny_engine, limit=20, n_boot=0).subset is None


def test_to_dict_is_json_with_stable_keys(tiny_engine: EmbeddedEngine) -> None:
    report = evaluate(make_dataset(("joy", "anger"), "ekman"), engine=tiny_engine, n_boot=20)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert list(data)[:22] == [
        "dataset", "split", "n", "model", "taxonomy", "prediction_source", "threshold_source", "macro_f1",
        "micro_f1", "weighted_f1", "precision", "recall", "jaccard", "per_label", "pearson", "spearman", "ccc",
        "mae", "ece", "top_label_ece", "brier", "ci95",
    ]  # fmt: skip
    assert data["pearson"] is None and data["macro_f1"] is not None
    assert set(data["model"]) == {"engine", "version", "native_taxonomy", "spec"}


def test_write_report_files_decode_and_refuse_overwrite(tiny_engine: EmbeddedEngine, tmp_path: Path) -> None:
    from PIL import Image

    report = evaluate(make_dataset(("joy", "anger", "fear"), "ekman"), engine=tiny_engine, n_boot=20)
    written = write_report(report, tmp_path / "out")
    assert [p.name for p in written] == [
        "report.md", "report.json", "per_label_f1.png", "cooccurrence.png", "reliability.png",
    ]  # fmt: skip
    for png in written[2:]:
        with Image.open(png) as image:
            image.verify()
    text = written[0].read_text(encoding="utf-8")
    assert "| macro_f1 |" in text and "![reliability diagram](reliability.png)" in text
    with pytest.raises(InputError, match="force"):
        write_report(report, tmp_path / "out")
    write_report(report, tmp_path / "out", force=True)


def test_table_dataset_round_trip(tiny_engine: EmbeddedEngine, tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    rows = [{"text": "i love this", "emotions": ["joy"]}, {"text": "awful flight", "emotions": "anger, sadness"}]
    rows.append({"text": "the day", "emotions": ""})
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    data = load_table_dataset(path, labels_column="emotions", taxonomy="ekman")
    assert data.columns == ("anger", "joy", "sadness")
    assert data.targets.tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert evaluate(data, engine=tiny_engine, n_boot=0).n == 3


def test_table_dataset_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text,labels,joy,valence\na,joy;x,1,0.5\nb,happy,2,3\nc,happy,0,\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"'happy' \(2 rows\), 'joy;x' \(1 rows\)"):
        load_table_dataset(path, labels_column="labels", taxonomy="ekman")
    with pytest.raises(InputError, match=r"must hold 0 or 1.*'2'"):
        load_table_dataset(path, label_columns=["joy"], taxonomy="ekman")
    with pytest.raises(TaxonomyError, match=r"Taxonomies holding all of joy: .*ekman"):
        load_table_dataset(path, label_columns=["joy"])
    with pytest.raises(InputError, match=r"\[-1, 1\].*3"):
        load_table_dataset(path, value_columns=["valence"])
    with pytest.raises(ParameterError, match="exactly one"):
        load_table_dataset(path, label_columns=["joy"], value_columns=["valence"])
    with pytest.raises(InputError, match=r"'nope'.*Available columns"):
        load_table_dataset(path, label_columns=["nope"], taxonomy="ekman")
    with pytest.raises(TaxonomyError, match="outside taxonomy 'ekman': 'valence'"):
        load_table_dataset(path, label_columns=["joy", "valence"], taxonomy="ekman")


# -- real data (fast: tiny model, subsets) ------------------------------------------------------------


@pytest.mark.data
def test_builtin_datasets_smoke(tiny_engine: EmbeddedEngine) -> None:
    ekman = evaluate("goemotions-ekman", engine=tiny_engine, limit=150, n_boot=30)
    assert ekman.taxonomy == "ekman" and ekman.prediction_source == "projected via goemotions -> ekman"
    assert ekman.subset is not None and ekman.n == 150
    assert evaluate("xed-en", engine=tiny_engine, limit=100, n_boot=0).prediction_source == "native"
    deu = evaluate("brighter-b:deu", engine=tiny_engine, limit=100, n_boot=30)
    assert deu.dimension_source["disgust"].startswith("record.emotions")
    emobank = evaluate("emobank", engine=tiny_engine, limit=100, n_boot=30)
    assert emobank.columns == ("valence", "arousal", "dominance") and emobank.macro_f1 is None
    dev = evaluate("brighter-a:eng", engine=tiny_engine, thresholds="dev", limit=100, n_boot=0)
    assert dev.threshold_source.startswith("dev: per-label F1-optimal thresholds fitted on brighter-a:eng dev")


@pytest.mark.data
def test_builtin_dataset_without_dev_split(tiny_engine: EmbeddedEngine) -> None:
    with pytest.raises(ParameterError, match="no dev split"):
        evaluate("brighter-a:xho", engine=tiny_engine, thresholds="dev", limit=20)


def test_top_label_ece_scores_one_prediction_per_item() -> None:
    from affectlab.analyses.metrics import expected_calibration_error, top_label_calibration_error

    gold = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1]])
    probs = np.array([[0.9, 0.05, 0.0], [0.6, 0.3, 0.0], [0.8, 0.0, 0.0], [0.1, 0.0, 0.95]])
    # tops: 0.9 right, 0.6 wrong, 0.8 wrong, 0.95 right; in 15 bins each is alone: |1-0.9|+0.6+0.8+|1-0.95|
    assert top_label_calibration_error(gold, probs) == pytest.approx((0.1 + 0.6 + 0.8 + 0.05) / 4)
    assert top_label_calibration_error(gold, probs) > expected_calibration_error(gold, probs)
    with pytest.raises(InputError, match="probabilities"):
        top_label_calibration_error(gold, probs * 2)
