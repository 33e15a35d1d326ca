"""Scoring one dataset split: multi-label classification or regression against gold values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.evaluation.report import EvalReport
from affectlab.analyses.evaluation.sources import model_threshold_source, prediction_source
from affectlab.analyses.metrics import (
    bootstrap_ci,
    brier_loss,
    classification_metrics,
    classification_stat,
    expected_calibration_error,
    fit_thresholds,
    regression_metrics,
    regression_stat,
    reliability_diagram,
    top_label_calibration_error,
)
from affectlab.analyses.tables import VAD_DIMENSIONS
from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect
from affectlab.datasets import Dataset
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import InputError, ParameterError

__all__ = ["evaluate_multilabel", "evaluate_regression"]


def _probs(records: list[Affect], columns: Sequence[str]) -> NDArray[np.float64]:
    return np.array([[r.emotions.get(c, 0.0) for c in columns] for r in records], dtype=np.float64).reshape(
        len(records), len(columns)
    )


def _outside_notes(ci: dict[str, tuple[float, float] | None], points: dict[str, float]) -> list[str]:
    """Say where a point estimate falls outside its percentile interval (a biased statistic, e.g. ECE)."""
    outside = []
    for key, value in points.items():
        interval = ci.get(key)
        if interval is not None and not math.isnan(value) and not interval[0] <= value <= interval[1]:
            outside.append(key)
    if not outside:
        return []
    return [
        f"The point estimate of {', '.join(outside)} lies outside its bootstrap percentile interval: the statistic "
        "is biased in samples this small (ECE in particular is biased upward under resampling), so read the "
        "interval as a spread, not as bounds on the point value."
    ]


def evaluate_multilabel(
    analyzer: Analyzer,
    data: Dataset,
    target: str,
    dev: Dataset | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    """Multi-label scores (F1, Jaccard, calibration) of ``analyzer`` on ``data``."""
    engine = analyzer.engine_
    columns = list(data.columns)
    gold = np.asarray(data.targets, dtype=np.float64)
    if np.isnan(gold).any() or not np.isin(gold, (0.0, 1.0)).all():
        raise InputError(f"Dataset {data.name!r} has gold labels other than 0/1 (or missing ones).")
    source, source_notes = prediction_source(engine, target, columns)
    notes += source_notes
    records = analyzer.analyze(data.texts, progress=progress, description=f"scoring {data.name}")
    probs = _probs(records, columns)
    threshold_values: dict[str, float] | None
    if tx.load_taxonomy(target).kind == "exclusive":
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = f"argmax: {target} is exclusive (one label per text), so thresholds do not apply"
        threshold_values = None
    elif dev is None:
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = model_threshold_source(engine, target)
        all_thresholds = engine.thresholds(target)
        labels = tx.load_taxonomy(target).labels
        threshold_values = {c: float(all_thresholds[labels.index(c)]) for c in columns}
    else:
        dev_records = analyzer.analyze(
            dev.texts, progress=progress, description=f"fitting thresholds on {dev.name} {dev.split}"
        )
        dev_gold = np.asarray(dev.targets, dtype=np.float64)[:, [dev.columns.index(c) for c in columns]]
        fitted = fit_thresholds(_probs(dev_records, columns), dev_gold)
        predicted = (probs >= fitted).astype(np.float64)
        threshold_source = f"dev: per-label F1-optimal thresholds fitted on {dev.name} {dev.split} ({len(dev)} items)"
        threshold_values = {c: float(t) for c, t in zip(columns, fitted)}
    metrics = classification_metrics(gold, predicted, columns)
    ece = expected_calibration_error(gold, probs)
    top_label_ece = top_label_calibration_error(gold, probs)
    ci = bootstrap_ci(classification_stat(gold, predicted, probs), len(gold), n_boot=n_boot, seed=seed)
    points = {key: metrics[key] for key in ("macro_f1", "micro_f1", "jaccard")}
    points |= {"ece": ece, "top_label_ece": top_label_ece}
    notes += _outside_notes(ci, points)
    return EvalReport(
        **common,
        prediction_source=source,
        threshold_source=threshold_source,
        **metrics,
        ece=ece,
        top_label_ece=top_label_ece,
        brier=brier_loss(gold, probs),
        ci95=ci,
        reliability=reliability_diagram(gold, probs),
        thresholds=threshold_values,
        notes=tuple(notes),
        gold=gold,
        predicted=predicted,
        probabilities=probs,
    )


def evaluate_regression(
    analyzer: Analyzer,
    data: Dataset,
    target: str | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    """Regression scores (Pearson, Spearman, CCC, MAE) of ``analyzer`` on ``data``."""
    engine = analyzer.engine_
    columns = list(data.columns)
    records = analyzer.analyze(data.texts, progress=progress, description=f"scoring {data.name}")
    dimension_source: dict[str, str] = {}
    values = np.full((len(records), len(columns)), np.nan)
    fallback = []
    for j, column in enumerate(columns):
        if column in VAD_DIMENSIONS:
            if all(r.vad is None for r in records):
                raise ParameterError(
                    f"Engine {engine.name!r} estimates no valence/arousal/dominance, so it cannot be scored on "
                    f"{column!r} of {data.name!r}."
                )
            dimension_source[column] = "record.vad"
            values[:, j] = [getattr(r.vad, column) if r.vad is not None else np.nan for r in records]
        elif column in engine.intensity_labels:
            dimension_source[column] = "record.intensity"
            values[:, j] = [r.intensity.get(column, np.nan) if r.intensity else np.nan for r in records]
        else:
            assert target is not None
            source, source_notes = prediction_source(engine, target, [column])
            notes += source_notes
            dimension_source[column] = f"record.emotions ({target}, {source})"
            values[:, j] = [r.emotions[column] for r in records]
            fallback.append(column)
    if fallback:
        notes.append(
            f"The engine estimates no intensity for {', '.join(fallback)}: its {target} emotion probability "
            "was scored against the gold intensity instead (Pearson and Spearman are meaningful; CCC and MAE "
            "compare different scales)."
        )
    gold = np.asarray(data.targets, dtype=np.float64)
    metrics = regression_metrics(gold, values, columns)
    for column, used in metrics["n"].items():
        if used < len(records):
            notes.append(f"{column}: {len(records) - used} items without a gold or predicted value were skipped.")
    groups: dict[str, list[str]] = {}
    for column, src in dimension_source.items():
        groups.setdefault(src, []).append(column)
    summary = "; ".join(f"{src} ({', '.join(cols)})" for src, cols in groups.items())
    ci = bootstrap_ci(regression_stat(gold, values, columns), len(gold), n_boot=n_boot, seed=seed)
    metric_names = ("pearson", "spearman", "ccc", "mae")
    notes += _outside_notes(ci, {f"{m}.{d}": metrics[m][d] for m in metric_names for d in [*columns, "mean"]})
    return EvalReport(
        **common,
        prediction_source=summary,
        threshold_source=None,
        pearson=metrics["pearson"],
        spearman=metrics["spearman"],
        ccc=metrics["ccc"],
        mae=metrics["mae"],
        ci95=ci,
        dimension_source=dimension_source,
        notes=tuple(notes),
        gold=gold,
        predicted=values,
    )
