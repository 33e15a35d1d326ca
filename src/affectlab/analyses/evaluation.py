"""Score any engine against human labels: metrics, bootstrap confidence intervals, calibration, reports.

This module is the only source of the accuracy figures affectlab publishes
(``affectlab eval``, ``docs/benchmarks.md``). Definitions, with ranges, are in
``docs/evaluation.md``; in short:

- multi-label classification (0/1 gold, 0/1 predictions): per-label F1,
  precision and recall (0 when undefined, as scikit-learn's ``zero_division=0``);
  macro F1 = unweighted mean of the per-label F1; weighted F1 = mean weighted by
  support; micro F1 from the pooled counts; ``precision``/``recall`` are macro
  means; Jaccard accuracy (SemEval-2018 Task 1) = mean over items of
  ``|pred ∩ gold| / |pred ∪ gold|``, an item with both sets empty counting 1.
  All in [0, 1], higher better.
- regression, per dimension and their mean: Pearson r and Spearman rho in
  [-1, 1]; Lin's concordance correlation coefficient (CCC) in [-1, 1];
  mean absolute error (MAE) in target units, lower better.
- calibration: expected calibration error (ECE) over all per-label
  probabilities of a multi-label problem, pooled: 15 equal-width bins on [0, 1]
  (the last one closed), ``ECE = sum_b (n_b / N) * |acc_b - conf_b|`` where
  ``conf_b`` is the mean probability and ``acc_b`` the fraction of positive gold
  labels in bin b. Brier score = mean squared difference between probability and
  0/1 gold over all item-label pairs. Both in [0, 1], lower better.
- confidence intervals: 95% percentile bootstrap over items (the same resamples
  for every metric), seeded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.analyses.tables import VAD_DIMENSIONS
from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect
from affectlab.datasets import Dataset, load_dataset
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import DataNotFound, InputError, MissingExtra, ParameterError, TaxonomyError

__all__ = [
    "CI_LEVEL",
    "DATASET_TAXONOMY_ALIASES",
    "ECE_BINS",
    "REGRESSION_TAXONOMIES",
    "THRESHOLD_GRID",
    "EvalReport",
    "bootstrap_ci",
    "brier_loss",
    "ccc_score",
    "classification_metrics",
    "evaluate",
    "expected_calibration_error",
    "fit_thresholds",
    "jaccard_score",
    "regression_metrics",
    "reliability_diagram",
    "write_report",
]

ECE_BINS = 15
CI_LEVEL = 0.95
THRESHOLD_GRID: NDArray[np.float64] = np.round(np.arange(1, 100) / 100, 2)
#: A dataset's ``taxonomy`` field -> the taxonomy the engine is asked to predict in (same labels).
DATASET_TAXONOMY_ALIASES: dict[str, str] = {"goemotions-ekman": "ekman"}
#: Regression dataset family (name before ":") -> taxonomy of its emotion-named dimensions.
REGRESSION_TAXONOMIES: dict[str, str] = {"brighter-b": "semeval"}
_BOOT_CHUNK = 200
_BATCH = 256

Weights = NDArray[np.float64]
StatFn = Callable[[Weights], dict[str, NDArray[np.float64]]]


# -- metrics -----------------------------------------------------------------------------------------


def _as_matrix(values: ArrayLike, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"'{name}' must be a non-empty array of shape (n_items, n_labels). Got shape {array.shape}.")
    return array


def _pair(gold: ArrayLike, other: ArrayLike, other_name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    g, o = _as_matrix(gold, "gold"), _as_matrix(other, other_name)
    if g.shape != o.shape:
        raise InputError(f"'gold' and '{other_name}' must have the same shape. Got {g.shape} and {o.shape}.")
    return g, o


def _binary(values: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    if not np.isin(values, (0.0, 1.0)).all():
        raise InputError(f"'{name}' must hold only 0 and 1. Got values such as {values[~np.isin(values, (0, 1))][:3]}.")
    return values


def _safe_div(num: ArrayLike, den: ArrayLike) -> NDArray[np.float64]:
    n, d = np.broadcast_arrays(np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64))
    return np.divide(n, d, out=np.zeros(n.shape), where=d > 0)


def _counts(w: Weights, pred: NDArray[np.float64], gold: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Weighted true positives, false positives and false negatives per label: each (..., n_labels)."""
    return w @ (pred * gold), w @ (pred * (1.0 - gold)), w @ ((1.0 - pred) * gold)


def _item_jaccard(gold: NDArray[np.float64], pred: NDArray[np.float64]) -> NDArray[np.float64]:
    inter = (pred * gold).sum(axis=1)
    union = np.maximum(pred, gold).sum(axis=1)
    return np.where(union > 0, _safe_div(inter, union), 1.0)


def jaccard_score(gold: ArrayLike, pred: ArrayLike) -> float:
    """Multi-label Jaccard accuracy (SemEval-2018 Task 1), in [0, 1], higher better.

    The mean over items of ``|pred ∩ gold| / |pred ∪ gold|``; an item whose gold
    and predicted label sets are both empty counts 1.

    Parameters
    ----------
    gold, pred : array of shape (n_items, n_labels)
        0/1 indicators.

    Examples
    --------
    >>> jaccard_score([[1, 0], [0, 0]], [[1, 1], [0, 0]])
    0.75
    """
    g, p = _pair(gold, pred, "pred")
    return float(_item_jaccard(_binary(g, "gold"), _binary(p, "pred")).mean())


def classification_metrics(gold: ArrayLike, pred: ArrayLike, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Multi-label classification metrics, each in [0, 1], higher better.

    Parameters
    ----------
    gold, pred : array of shape (n_items, n_labels)
        0/1 indicators.
    labels : sequence of str, optional
        Column names for ``per_label``; default ``"0"``, ``"1"``, ...

    Returns
    -------
    dict
        ``macro_f1``, ``micro_f1``, ``weighted_f1``, ``precision`` and ``recall``
        (macro means), ``jaccard`` (see :func:`jaccard_score`), and ``per_label``:
        label -> ``{"f1", "precision", "recall", "support"}``. An undefined ratio
        (no predictions, or no gold positives) is 0, as scikit-learn's ``zero_division=0``.

    Examples
    --------
    >>> m = classification_metrics([[1, 0], [0, 1]], [[1, 0], [1, 1]], ["joy", "fear"])
    >>> round(m["macro_f1"], 3), m["per_label"]["fear"]["support"]
    (0.833, 1)
    """
    g, p = _pair(gold, pred, "pred")
    g, p = _binary(g, "gold"), _binary(p, "pred")
    names = list(labels) if labels is not None else [str(j) for j in range(g.shape[1])]
    if len(names) != g.shape[1]:
        raise InputError(f"Got {len(names)} label names for {g.shape[1]} columns; pass one name per column.")
    tp, fp, fn = _counts(np.ones(g.shape[0]), p, g)
    f1 = _safe_div(2 * tp, 2 * tp + fp + fn)
    precision, recall, support = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn), g.sum(axis=0)
    return {
        "macro_f1": float(f1.mean()),
        "micro_f1": float(_safe_div(2 * tp.sum(), (2 * tp + fp + fn).sum())),
        "weighted_f1": float(_safe_div((f1 * support).sum(), support.sum())),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "jaccard": float(_item_jaccard(g, p).mean()),
        "per_label": {
            name: {
                "f1": float(f1[j]),
                "precision": float(precision[j]),
                "recall": float(recall[j]),
                "support": int(support[j]),
            }
            for j, name in enumerate(names)
        },
    }


def _moments(w: Weights, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Weighted means, population variances and covariance of x and y.

    Both are shifted by the same constant (for precision), so ``mx - my`` stays exact.
    """
    shift = x.mean() if len(x) else 0.0
    x, y = x - shift, y - shift
    n = w.sum(axis=-1)
    mx, my = w @ x / n, w @ y / n
    vx = np.maximum(w @ (x * x) / n - mx**2, 0.0)
    vy = np.maximum(w @ (y * y) / n - my**2, 0.0)
    return mx, my, vx, vy, w @ (x * y) / n - mx * my


def _pearson(w: Weights, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    _, _, vx, vy, cov = _moments(w, x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(vx * vy > 0, cov / np.sqrt(vx * vy), np.nan)


def _ccc(w: Weights, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    mx, my, vx, vy, cov = _moments(w, x, y)
    den = vx + vy + (mx - my) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 2 * cov / den, np.nan)


def _weighted_ranks(w: Weights, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Average-tie ranks of x within each weighted resample: row b ranks the sample that holds item i w[b, i] times.

    Equals ``scipy.stats.rankdata`` of the expanded sample (ranks of items with weight 0 are unused).
    """
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)] - 1
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(x)]))
    cum = np.cumsum(w[..., order], axis=-1)
    below = np.where(starts > 0, cum[..., np.maximum(starts - 1, 0)], 0.0)
    total = cum[..., ends] - below
    ranks = np.empty(w.shape)
    ranks[..., order] = (below + (total + 1.0) / 2.0)[..., group]
    return ranks


def _spearman(w: Weights, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted Pearson correlation of the average-tie ranks (NaN for constant input)."""
    w2 = np.atleast_2d(w)
    rx, ry = _weighted_ranks(w2, x), _weighted_ranks(w2, y)
    n = w2.sum(axis=-1)
    mx, my = (w2 * rx).sum(axis=-1) / n, (w2 * ry).sum(axis=-1) / n
    dx, dy = rx - mx[:, None], ry - my[:, None]
    vx, vy, cov = (w2 * dx * dx).sum(axis=-1), (w2 * dy * dy).sum(axis=-1), (w2 * dx * dy).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(vx * vy > 0, cov / np.sqrt(vx * vy), np.nan)
    return r.reshape(np.shape(w)[:-1])


def ccc_score(gold: ArrayLike, pred: ArrayLike) -> float:
    """Lin's concordance correlation coefficient, in [-1, 1], higher better.

    ``2 cov(g, p) / (var(g) + var(p) + (mean(g) - mean(p))^2)`` with population
    (1/n) moments: 1 only when ``pred == gold``; a shift or rescaling lowers it
    (unlike Pearson). NaN when both are constant and equal-mean.

    Examples
    --------
    >>> ccc_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    >>> round(ccc_score([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), 3)
    0.571
    """
    g, p = _pair(gold, pred, "pred")
    return float(_ccc(np.ones(g.shape[0]), g[:, 0], p[:, 0]))


def regression_metrics(gold: ArrayLike, pred: ArrayLike, dimensions: Sequence[str] | None = None) -> dict[str, Any]:
    """Pearson, Spearman, CCC and MAE per dimension, plus their ``mean`` over dimensions.

    Parameters
    ----------
    gold, pred : array of shape (n_items, n_dimensions)
        Values on the same scale. Items where either is NaN are skipped for that dimension.
    dimensions : sequence of str, optional
        Names of the columns; default ``"0"``, ``"1"``, ...

    Returns
    -------
    dict
        ``{"pearson": {dim: r, ..., "mean": ...}, "spearman": {...}, "ccc": {...},
        "mae": {...}, "n": {dim: items used}}``. Correlations in [-1, 1] (NaN when a
        side is constant); MAE in target units, >= 0. A ``mean`` is NaN if any dimension is.

    Examples
    --------
    >>> m = regression_metrics([[0.1, 0.5], [0.4, 0.2], [0.9, 0.0]], [[0.2, 0.4], [0.3, 0.3], [0.8, 0.1]], ["v", "a"])
    >>> round(m["pearson"]["v"], 3), round(m["mae"]["mean"], 3)
    (0.975, 0.1)
    """
    g, p = _pair(gold, pred, "pred")
    names = list(dimensions) if dimensions is not None else [str(j) for j in range(g.shape[1])]
    if len(names) != g.shape[1]:
        raise InputError(f"Got {len(names)} dimension names for {g.shape[1]} columns; pass one name per column.")
    out: dict[str, dict[str, float]] = {"pearson": {}, "spearman": {}, "ccc": {}, "mae": {}, "n": {}}
    for j, name in enumerate(names):
        valid = ~(np.isnan(g[:, j]) | np.isnan(p[:, j]))
        x, y = g[valid, j], p[valid, j]
        ones = np.ones(len(x))
        out["n"][name] = int(valid.sum())
        out["pearson"][name] = float(_pearson(ones, x, y)) if len(x) > 1 else math.nan
        out["spearman"][name] = float(_spearman(ones, x, y)) if len(x) > 1 else math.nan
        out["ccc"][name] = float(_ccc(ones, x, y)) if len(x) > 1 else math.nan
        out["mae"][name] = float(np.abs(x - y).mean()) if len(x) else math.nan
    for metric in ("pearson", "spearman", "ccc", "mae"):
        out[metric]["mean"] = float(np.mean([out[metric][name] for name in names]))
    return out


def _bin_sums(
    gold: NDArray[np.float64], probs: NDArray[np.float64], n_bins: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per item and bin: label count, summed probability, summed gold; each (n_items, n_bins)."""
    bins = np.minimum((np.clip(probs, 0.0, 1.0) * n_bins).astype(np.int64), n_bins - 1)
    onehot = bins[..., None] == np.arange(n_bins)
    return (
        onehot.sum(axis=1).astype(np.float64),
        (probs[..., None] * onehot).sum(axis=1),
        (gold[..., None] * onehot).sum(axis=1),
    )


def _check_probs(gold: ArrayLike, probs: ArrayLike, n_bins: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    g, p = _pair(gold, probs, "probs")
    _binary(g, "gold")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise InputError("'probs' must be probabilities in [0, 1] without NaN.")
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ParameterError(f"The 'n_bins' parameter must be an int >= 1. Got {n_bins!r} instead.")
    return g, p


def expected_calibration_error(gold: ArrayLike, probs: ArrayLike, *, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error of per-label probabilities, in [0, 1], lower better.

    Every (item, label) probability is one prediction. They are pooled into
    ``n_bins`` equal-width bins on [0, 1] (the last bin includes 1) and
    ``ECE = sum_b (n_b / N) |acc_b - conf_b|``, with ``conf_b`` the mean
    probability in bin b and ``acc_b`` the fraction of its gold labels that are 1.

    Parameters
    ----------
    gold : array of shape (n_items, n_labels)
        0/1 gold labels.
    probs : array of shape (n_items, n_labels)
        Predicted probabilities in [0, 1].
    n_bins : int, default=15

    Examples
    --------
    >>> expected_calibration_error([[1, 0], [0, 0]], [[0.9, 0.1], [0.2, 0.0]])
    0.1
    """
    g, p = _check_probs(gold, probs, n_bins)
    count, conf, acc = (s.sum(axis=0) for s in _bin_sums(g, p, n_bins))
    return float(np.abs(acc - conf).sum() / count.sum())


def brier_loss(gold: ArrayLike, probs: ArrayLike) -> float:
    """Brier score: mean of ``(prob - gold)^2`` over all item-label pairs, in [0, 1], lower better.

    Examples
    --------
    >>> brier_loss([[1, 0]], [[0.8, 0.4]])
    0.1
    """
    g, p = _check_probs(gold, probs, ECE_BINS)
    return float(((p - g) ** 2).mean())


def reliability_diagram(gold: ArrayLike, probs: ArrayLike, *, n_bins: int = ECE_BINS) -> list[dict[str, Any]]:
    """The data of a reliability diagram over pooled per-label probabilities.

    Returns
    -------
    list of dict
        One entry per bin: ``lo``, ``hi`` (bin edges), ``count`` (predictions in
        the bin), ``confidence`` (mean probability) and ``accuracy`` (fraction of
        gold 1s); the last two are None for an empty bin.
    """
    g, p = _check_probs(gold, probs, n_bins)
    count, conf, acc = (s.sum(axis=0) for s in _bin_sums(g, p, n_bins))
    return [
        {
            "lo": b / n_bins,
            "hi": (b + 1) / n_bins,
            "count": int(count[b]),
            "confidence": float(conf[b] / count[b]) if count[b] else None,
            "accuracy": float(acc[b] / count[b]) if count[b] else None,
        }
        for b in range(n_bins)
    ]


def fit_thresholds(probs: ArrayLike, gold: ArrayLike, *, grid: ArrayLike = THRESHOLD_GRID) -> NDArray[np.float64]:
    """Per-label decision thresholds that maximise F1 on the data given (use a dev split).

    For each label the threshold is the grid value with the highest F1 of
    ``probs >= threshold`` (the lowest such value on ties). A label without any
    positive gold item gets 1.0 (predicted only at probability 1).

    Parameters
    ----------
    probs : array of shape (n_items, n_labels)
        Probabilities in [0, 1].
    gold : array of shape (n_items, n_labels)
        0/1 gold labels of the same items.
    grid : array of float, default=0.01, 0.02, ..., 0.99

    Returns
    -------
    ndarray of shape (n_labels,)
        Thresholds in [0, 1].

    Examples
    --------
    >>> fit_thresholds([[0.9], [0.6], [0.3]], [[1], [1], [0]]).tolist()
    [0.31]
    """
    g, p = _check_probs(gold, probs, ECE_BINS)
    candidates = np.asarray(grid, dtype=np.float64)
    positives = g.sum(axis=0)
    f1 = np.empty((len(candidates), g.shape[1]))
    for k, threshold in enumerate(candidates):
        predicted = (p >= threshold).astype(np.float64)
        tp = (predicted * g).sum(axis=0)
        f1[k] = _safe_div(2 * tp, predicted.sum(axis=0) + positives)
    best = candidates[np.argmax(f1, axis=0)]
    return np.where(positives > 0, best, 1.0)


# -- bootstrap ---------------------------------------------------------------------------------------


def _resamples(n: int, n_boot: int, seed: int) -> Iterator[Weights]:
    """Bootstrap resamples of n items as multiplicity weights, (chunk, n), ``n_boot`` rows in all."""
    rng = np.random.default_rng(seed)
    uniform = np.full(n, 1.0 / n)
    for start in range(0, n_boot, _BOOT_CHUNK):
        yield rng.multinomial(n, uniform, size=min(_BOOT_CHUNK, n_boot - start)).astype(np.float64)


def bootstrap_ci(
    stat: StatFn, n_items: int, *, n_boot: int = 1000, seed: int = 0, level: float = CI_LEVEL
) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap confidence intervals over items.

    Parameters
    ----------
    stat : callable
        ``stat(weights)`` takes a (n_resamples, n_items) matrix whose rows are item
        multiplicities (each row sums to ``n_items``) and returns a dict of metric
        name -> array of shape (n_resamples,).
    n_items : int
        Items to resample (with replacement).
    n_boot : int, default=1000
        Resamples; all metrics see the same ones.
    seed : int, default=0
        Seed of numpy's ``default_rng``; the same seed gives the same intervals.
    level : float, default=0.95

    Returns
    -------
    dict of str to (lo, hi) or None
        None where every resample gave NaN.
    """
    collected: dict[str, list[NDArray[np.float64]]] = {}
    for weights in _resamples(n_items, n_boot, seed):
        for name, values in stat(weights).items():
            collected.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    tail = 100 * (1 - level) / 2
    out: dict[str, tuple[float, float] | None] = {}
    for name, parts in collected.items():
        values = np.concatenate(parts)
        if np.isnan(values).all():
            out[name] = None
        else:
            lo, hi = np.nanpercentile(values, [tail, 100 - tail])
            out[name] = (float(lo), float(hi))
    return out


def _classification_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], probs: NDArray[np.float64]) -> StatFn:
    jaccard = _item_jaccard(gold, pred)
    count, conf, acc = _bin_sums(gold, probs, ECE_BINS)

    def stat(w: Weights) -> dict[str, NDArray[np.float64]]:
        tp, fp, fn = _counts(w, pred, gold)
        return {
            "macro_f1": _safe_div(2 * tp, 2 * tp + fp + fn).mean(axis=-1),
            "micro_f1": _safe_div(2 * tp.sum(axis=-1), (2 * tp + fp + fn).sum(axis=-1)),
            "jaccard": w @ jaccard / w.sum(axis=-1),
            "ece": np.abs(w @ acc - w @ conf).sum(axis=-1) / (w @ count).sum(axis=-1),
        }

    return stat


def _regression_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], dims: Sequence[str]) -> StatFn:
    masks = [~(np.isnan(gold[:, j]) | np.isnan(pred[:, j])) for j in range(len(dims))]

    def stat(w: Weights) -> dict[str, NDArray[np.float64]]:
        per: dict[str, list[NDArray[np.float64]]] = {m: [] for m in ("pearson", "spearman", "ccc", "mae")}
        for j, valid in enumerate(masks):
            x, y, wj = gold[valid, j], pred[valid, j], w[:, valid]
            per["pearson"].append(_pearson(wj, x, y))
            per["ccc"].append(_ccc(wj, x, y))
            with np.errstate(divide="ignore", invalid="ignore"):
                per["mae"].append(wj @ np.abs(x - y) / wj.sum(axis=-1))
            per["spearman"].append(_spearman(wj, x, y))
        out = {f"{m}.{d}": values[j] for m, values in per.items() for j, d in enumerate(dims)}
        out.update({f"{m}.mean": np.mean(values, axis=0) for m, values in per.items()})
        return out

    return stat


# -- the report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalReport:
    """Scores of one engine on one dataset split; ``to_dict()`` is the ``affectlab eval --json`` object.

    Attributes
    ----------
    dataset, split : str
        What was scored.
    n : int
        Items scored.
    kind : {"multilabel", "regression"}
    model : dict
        ``engine``, ``version``, ``native_taxonomy`` and ``spec`` (the name it was loaded by, or None).
    taxonomy : str or None
        Taxonomy the engine predicted in (None for a VAD-only regression).
    prediction_source : str
        ``"native"`` or ``"projected via a -> b"`` (multi-label); for regression which
        record fields were scored.
    threshold_source : str or None
        Where the decision thresholds came from (None for regression).
    columns : tuple of str
        Labels or dimensions scored, in dataset order.
    macro_f1, micro_f1, weighted_f1, precision, recall, jaccard : float or None
        Classification metrics in [0, 1] (None for regression).
    per_label : dict or None
        label -> ``f1``, ``precision``, ``recall`` in [0, 1] and ``support`` (gold positives).
    pearson, spearman, ccc, mae : dict or None
        dimension -> value, plus ``mean`` (None for classification).
    ece, brier : float or None
        Calibration, in [0, 1], lower better (None for regression).
    ci95 : dict of str to (lo, hi) or None
        95% percentile bootstrap intervals; keys ``macro_f1``, ``micro_f1``, ``jaccard``,
        ``ece``, or ``pearson.<dim>``, ``spearman.<dim>``, ``ccc.<dim>``, ``mae.<dim>`` (and ``.mean``).
    reliability : list of dict or None
        Reliability-diagram bins (see :func:`reliability_diagram`).
    thresholds : dict of str to float or None
        The threshold applied per label.
    dimension_source : dict of str to str or None
        Regression: which prediction each dimension was scored from.
    n_boot, seed : int
        Bootstrap resamples and seed.
    subset : str or None
        Set when only the first ``limit`` items were scored (smoke tests only).
    notes : tuple of str
        Caveats a reader must know (fallbacks, partial heads, dataset notes).
    gold, predicted, probabilities : ndarray
        The scored arrays (for plots; not in ``to_dict``).
    """

    dataset: str
    split: str
    n: int
    kind: str
    model: dict[str, str | None]
    taxonomy: str | None
    prediction_source: str
    threshold_source: str | None
    columns: tuple[str, ...]
    macro_f1: float | None = None
    micro_f1: float | None = None
    weighted_f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    jaccard: float | None = None
    per_label: dict[str, dict[str, float]] | None = None
    pearson: dict[str, float] | None = None
    spearman: dict[str, float] | None = None
    ccc: dict[str, float] | None = None
    mae: dict[str, float] | None = None
    ece: float | None = None
    brier: float | None = None
    ci95: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    reliability: list[dict[str, Any]] | None = None
    thresholds: dict[str, float] | None = None
    dimension_source: dict[str, str] | None = None
    n_boot: int = 0
    seed: int = 0
    subset: str | None = None
    notes: tuple[str, ...] = ()
    gold: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)), repr=False, compare=False)
    predicted: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)), repr=False, compare=False)
    probabilities: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the documented, stable keys (NaN becomes None; floats rounded to 6 places)."""
        return _clean(
            {
                "dataset": self.dataset,
                "split": self.split,
                "n": self.n,
                "model": self.model,
                "taxonomy": self.taxonomy,
                "prediction_source": self.prediction_source,
                "threshold_source": self.threshold_source,
                "macro_f1": self.macro_f1,
                "micro_f1": self.micro_f1,
                "weighted_f1": self.weighted_f1,
                "precision": self.precision,
                "recall": self.recall,
                "jaccard": self.jaccard,
                "per_label": self.per_label,
                "pearson": self.pearson,
                "spearman": self.spearman,
                "ccc": self.ccc,
                "mae": self.mae,
                "ece": self.ece,
                "brier": self.brier,
                "ci95": {k: None if v is None else list(v) for k, v in self.ci95.items()},
                "kind": self.kind,
                "columns": list(self.columns),
                "thresholds": self.thresholds,
                "dimension_source": self.dimension_source,
                "reliability": self.reliability,
                "n_boot": self.n_boot,
                "seed": self.seed,
                "ci_method": f"percentile bootstrap over items, {self.n_boot} resamples, seed {self.seed}",
                "ece_bins": ECE_BINS,
                "subset": self.subset,
                "notes": list(self.notes),
                "affectlab_version": _affectlab_version(),
            }
        )


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _affectlab_version() -> str:
    try:
        return version("affectlab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


# -- evaluate ----------------------------------------------------------------------------------------


def _head(dataset: Dataset, limit: int | None) -> Dataset:
    if limit is None or limit >= len(dataset):
        return dataset
    return replace(dataset, ids=dataset.ids[:limit], texts=dataset.texts[:limit], targets=dataset.targets[:limit])


def _predict(engine: Engine, texts: list[str], taxonomy: str | None, progress: bool, what: str) -> list[Affect]:
    batches = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]
    if not progress:
        return [r for batch in batches for r in engine.predict(batch, taxonomy=taxonomy)]
    from rich.console import Console
    from rich.progress import Progress

    records: list[Affect] = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=len(texts))
        for batch in batches:
            records += engine.predict(batch, taxonomy=taxonomy)
            bar.advance(task, len(batch))
    return records


def _engine_config(engine: Engine) -> dict[str, Any]:
    config = getattr(engine, "config", None)
    return config if isinstance(config, dict) else {}


def _prediction_source(engine: Engine, taxonomy: str, columns: Sequence[str]) -> tuple[str, list[str]]:
    """``"native"`` or ``"projected via a -> b"``, plus notes (scored labels a native head does not cover)."""
    heads = _engine_config(engine).get("heads", {})
    if engine.native_taxonomy == taxonomy:
        return "native", []
    if taxonomy in heads:
        own = set(heads[taxonomy].get("labels", ()))
        missing = [label for label in columns if own and label not in own]
        notes = []
        if missing:
            chain = _chain(engine.native_taxonomy, taxonomy)
            notes.append(
                f"The engine's {taxonomy} head covers {', '.join(sorted(own))}; "
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} projected via {chain}."
            )
        return "native", notes
    return f"projected via {_chain(engine.native_taxonomy, taxonomy)}", []


def _chain(source: str, target: str) -> str:
    steps = tx.mapping_path(source, target)
    return " -> ".join([source, *(m.target for m in steps)])


def _resolve_taxonomy(dataset: Dataset, taxonomy: str | None, engine: Engine) -> str | None:
    """Taxonomy the engine predicts in; validated against the dataset's label columns."""
    family = dataset.name.partition(":")[0]
    if taxonomy is not None:
        name: str | None = tx.load_taxonomy(taxonomy).name
    elif dataset.taxonomy is not None:
        name = tx.load_taxonomy(DATASET_TAXONOMY_ALIASES.get(dataset.taxonomy, dataset.taxonomy)).name
    else:
        name = REGRESSION_TAXONOMIES.get(family)
    if dataset.kind == "multilabel":
        if name is None:
            raise TaxonomyError(f"Dataset {dataset.name!r} names no taxonomy; pass taxonomy= (--taxonomy).")
        needed = list(dataset.columns)
    else:
        needed = [c for c in dataset.columns if c not in VAD_DIMENSIONS and c not in engine.intensity_labels]
        if needed and name is None:
            raise TaxonomyError(
                f"The engine has no intensity for {', '.join(needed)}; pass taxonomy= (--taxonomy) to score "
                "their emotion probabilities instead."
            )
    if name is not None:
        labels = tx.load_taxonomy(name).labels
        missing = [c for c in needed if c not in labels]
        if missing:
            raise TaxonomyError(
                f"Taxonomy {name!r} has no label(s) {', '.join(missing)} that dataset {dataset.name!r} needs. "
                f"Its labels: {', '.join(labels)}. Pass a taxonomy holding every dataset column."
            )
    return name


def _model_threshold_source(engine: Engine, taxonomy: str) -> str:
    config = _engine_config(engine)
    if taxonomy in (config.get("thresholds") or {}):
        where = config.get("thresholds_source")
        if isinstance(where, dict):
            where = where.get(taxonomy)
        stated = str(where) if where else "the model does not say where they were fitted"
        return f"model: thresholds stored with the model for {taxonomy} ({stated})"
    if np.allclose(engine.thresholds(taxonomy), 0.5):
        return f"model: default 0.5 (the model has no fitted thresholds for {taxonomy})"
    return f"model: the engine's own thresholds for {taxonomy}"


def evaluate(
    engine_or_name: Engine | str,
    dataset: Dataset | str,
    *,
    split: str = "test",
    taxonomy: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    data_dir: str | Path | None = None,
    thresholds: Literal["model", "dev"] = "model",
    progress: bool = False,
    limit: int | None = None,
    dev: Dataset | None = None,
) -> EvalReport:
    """Score an engine against a dataset's human labels.

    Parameters
    ----------
    engine_or_name : Engine or str
        An engine, or a name for :func:`affectlab.load_engine` (``"embedded"``, ``"embedded:<folder>"``).
    dataset : Dataset or str
        A built-in name (see :func:`affectlab.datasets.available_datasets`) or a
        :class:`~affectlab.datasets.Dataset`, e.g. from :func:`affectlab.analyses.tables.load_table_dataset`.
    split : str, default="test"
        Split to score when ``dataset`` is a name.
    taxonomy : str, optional
        Taxonomy the engine predicts in; must hold every label column. Default: the
        dataset's (see :data:`DATASET_TAXONOMY_ALIASES`, :data:`REGRESSION_TAXONOMIES`).
    n_boot : int, default=1000
        Bootstrap resamples for the 95% intervals (0: no intervals).
    seed : int, default=0
        Bootstrap seed.
    data_dir : str or Path, optional
        Benchmark data folder (default ``$AFFECTLAB_DATA`` or ``../shared/data``).
    thresholds : {"model", "dev"}, default="model"
        ``model``: the engine's own labels (``record.labels``). ``dev``: per-label
        F1-optimal thresholds fitted on the dev split (:func:`fit_thresholds`), never on the scored split.
    progress : bool, default=False
        Progress bar on stderr while predicting.
    limit : int, optional
        Score only the first ``limit`` items (and fit on the first ``limit`` dev
        items). For smoke tests only: the report's ``subset`` says so.
    dev : Dataset, optional
        Dev split for ``thresholds="dev"`` when ``dataset`` is a Dataset object.

    Returns
    -------
    EvalReport

    Raises
    ------
    ParameterError
        Bad parameter, unknown dataset (the message lists the available ones), or no dev split for ``"dev"``.
    TaxonomyError
        The taxonomy lacks some of the dataset's labels.
    DataNotFound
        The benchmark data folder or file is missing.

    Examples
    --------
    >>> report = evaluate("embedded", "goemotions-ekman", n_boot=200)  # doctest: +SKIP
    >>> report.prediction_source, round(report.macro_f1, 3)  # doctest: +SKIP
    ('projected via goemotions -> ekman', 0.6)
    """
    if thresholds not in ("model", "dev"):
        raise ParameterError(f"The 'thresholds' parameter of evaluate must be 'model' or 'dev'. Got {thresholds!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise ParameterError(f"The 'n_boot' parameter of evaluate must be an int >= 0. Got {n_boot!r} instead.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ParameterError(f"The 'seed' parameter of evaluate must be an int. Got {seed!r} instead.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ParameterError(f"The 'limit' parameter of evaluate must be an int >= 1 or None. Got {limit!r}.")
    data = load_dataset(dataset, split, root=data_dir) if isinstance(dataset, str) else dataset
    if not isinstance(data, Dataset):
        raise ParameterError(f"The 'dataset' parameter of evaluate must be a name or a Dataset. Got {dataset!r}.")
    if len(data) == 0 or not data.columns:
        raise InputError(f"Dataset {data.name!r} ({data.split}) has no items or no label columns to score.")
    total = len(data)
    data = _head(data, limit)
    engine = load_engine(engine_or_name) if isinstance(engine_or_name, str) else engine_or_name
    target = _resolve_taxonomy(data, taxonomy, engine)
    notes = list(data.notes)
    subset = None
    if len(data) < total:
        subset = f"first {len(data)} of {total} items (limit={limit}); for smoke tests only, not a benchmark figure"
        notes.append(f"Only the {subset}.")
    common = {
        "dataset": data.name,
        "split": data.split,
        "n": len(data),
        "kind": data.kind,
        "model": {
            "engine": engine.name,
            "version": engine.version,
            "native_taxonomy": engine.native_taxonomy,
            "spec": engine_or_name if isinstance(engine_or_name, str) else None,
        },
        "taxonomy": target,
        "columns": tuple(data.columns),
        "n_boot": n_boot,
        "seed": seed,
        "subset": subset,
    }
    if data.kind == "multilabel":
        assert target is not None
        if thresholds == "dev":
            dev = _head(_dev_split(dataset, data, split, data_dir, dev), limit)
        return _evaluate_multilabel(engine, data, target, dev, n_boot, seed, progress, notes, common)
    if thresholds == "dev":
        notes.append("thresholds='dev' was ignored: decision thresholds do not apply to regression.")
    return _evaluate_regression(engine, data, target, n_boot, seed, progress, notes, common)


def _dev_split(
    dataset: Dataset | str, data: Dataset, split: str, data_dir: str | Path | None, dev: Dataset | None
) -> Dataset:
    """The split thresholds are fitted on; never the one being scored."""
    if dev is None:
        if not isinstance(dataset, str):
            raise ParameterError(
                "thresholds='dev' with a Dataset object needs dev=<its dev split> (the CLI: --dev-file)."
            )
        if split == "dev":
            raise ParameterError(
                "thresholds='dev' fits thresholds on the dev split, so the dev split cannot be scored with them; "
                "score split='test' (--split test) or use thresholds='model' (--thresholds model)."
            )
        try:
            dev = load_dataset(dataset, "dev", root=data_dir)
        except DataNotFound as exc:
            raise ParameterError(
                f"Dataset {dataset!r} has no dev split to fit thresholds on: {exc} "
                "Use thresholds='model' (--thresholds model)."
            ) from exc
    if dev is data or (dev.name == data.name and dev.split == data.split and dev.ids == data.ids):
        raise ParameterError("The dev split given for thresholds='dev' is the split being scored; pass another one.")
    missing = [c for c in data.columns if c not in dev.columns]
    if missing:
        raise InputError(f"The dev split lacks label column(s) {', '.join(missing)} of the scored split.")
    return dev


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


def _evaluate_multilabel(
    engine: Engine,
    data: Dataset,
    target: str,
    dev: Dataset | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    columns = list(data.columns)
    gold = np.asarray(data.targets, dtype=np.float64)
    if np.isnan(gold).any() or not np.isin(gold, (0.0, 1.0)).all():
        raise InputError(f"Dataset {data.name!r} has gold labels other than 0/1 (or missing ones).")
    source, source_notes = _prediction_source(engine, target, columns)
    notes += source_notes
    records = _predict(engine, data.texts, target, progress, f"scoring {data.name}")
    probs = _probs(records, columns)
    threshold_values: dict[str, float] | None
    if tx.load_taxonomy(target).kind == "exclusive":
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = f"argmax: {target} is exclusive (one label per text), so thresholds do not apply"
        threshold_values = None
    elif dev is None:
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = _model_threshold_source(engine, target)
        all_thresholds = engine.thresholds(target)
        labels = tx.load_taxonomy(target).labels
        threshold_values = {c: float(all_thresholds[labels.index(c)]) for c in columns}
    else:
        dev_records = _predict(engine, dev.texts, target, progress, f"fitting thresholds on {dev.name} {dev.split}")
        dev_gold = np.asarray(dev.targets, dtype=np.float64)[:, [dev.columns.index(c) for c in columns]]
        fitted = fit_thresholds(_probs(dev_records, columns), dev_gold)
        predicted = (probs >= fitted).astype(np.float64)
        threshold_source = f"dev: per-label F1-optimal thresholds fitted on {dev.name} {dev.split} ({len(dev)} items)"
        threshold_values = {c: float(t) for c, t in zip(columns, fitted)}
    metrics = classification_metrics(gold, predicted, columns)
    ece = expected_calibration_error(gold, probs)
    ci = bootstrap_ci(_classification_stat(gold, predicted, probs), len(gold), n_boot=n_boot, seed=seed)
    points = {key: metrics[key] for key in ("macro_f1", "micro_f1", "jaccard")} | {"ece": ece}
    notes += _outside_notes(ci, points)
    return EvalReport(
        **common,
        prediction_source=source,
        threshold_source=threshold_source,
        **metrics,
        ece=ece,
        brier=brier_loss(gold, probs),
        ci95=ci,
        reliability=reliability_diagram(gold, probs),
        thresholds=threshold_values,
        notes=tuple(notes),
        gold=gold,
        predicted=predicted,
        probabilities=probs,
    )


def _evaluate_regression(
    engine: Engine,
    data: Dataset,
    target: str | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    columns = list(data.columns)
    records = _predict(engine, data.texts, target, progress, f"scoring {data.name}")
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
            source, source_notes = _prediction_source(engine, target, [column])
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
    ci = bootstrap_ci(_regression_stat(gold, values, columns), len(gold), n_boot=n_boot, seed=seed)
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


# -- markdown and plots ------------------------------------------------------------------------------

REPORT_FILES = {
    "multilabel": ("report.md", "report.json", "per_label_f1.png", "cooccurrence.png", "reliability.png"),
    "regression": ("report.md", "report.json", "scatter.png"),
}


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{round(value, digits) + 0.0:.{digits}f}"  # + 0.0 turns -0.0 into 0.0


def _ci(report: EvalReport, key: str) -> str:
    interval = report.ci95.get(key)
    return "n/a" if interval is None else f"[{_fmt(interval[0])}, {_fmt(interval[1])}]"


def write_report(report: EvalReport, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``report.md`` (the JSON figures as markdown), ``report.json`` and PNG plots to a folder.

    Plots: per-label F1 bars, label co-occurrence (gold label x predicted label,
    row-normalised) and the reliability diagram for multi-label data; predicted
    versus gold scatter per dimension for regression. Needs matplotlib
    (``pip install 'affectlab[plot]'``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        A file would be overwritten and ``force`` is False.
    MissingExtra
        matplotlib is not installed.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtra("Plots need matplotlib: pip install 'affectlab[plot]'.") from exc
    out = Path(folder)
    names = REPORT_FILES[report.kind]
    existing = [name for name in names if (out / name).exists()]
    if existing and not force:
        raise InputError(f"{out} already holds {', '.join(existing)}; pass --force (force=True) to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    if report.kind == "multilabel":
        _plot_per_label(report, Figure).savefig(out / "per_label_f1.png", dpi=110)
        _plot_cooccurrence(report, Figure).savefig(out / "cooccurrence.png", dpi=110)
        _plot_reliability(report, Figure).savefig(out / "reliability.png", dpi=110)
    else:
        _plot_scatter(report, Figure).savefig(out / "scatter.png", dpi=110)
    (out / "report.md").write_text(_markdown(report), encoding="utf-8")
    return [out / name for name in names]


def _markdown(report: EvalReport) -> str:
    model = report.model
    lines = [
        f"# Evaluation: {report.dataset} ({report.split})",
        "",
        "| | |",
        "|---|---|",
        f"| dataset | {report.dataset}, split {report.split}, n = {report.n} |",
        f"| model | {model['engine']} {model['version']} (native taxonomy {model['native_taxonomy']}"
        + (f"; `{model['spec']}`" if model.get("spec") else "")
        + ") |",
        f"| taxonomy | {report.taxonomy or 'n/a'} |",
        f"| predictions | {report.prediction_source} |",
        f"| thresholds | {report.threshold_source or 'n/a'} |",
        f"| intervals | 95% percentile bootstrap over items, {report.n_boot} resamples, seed {report.seed} |",
        f"| affectlab | {_affectlab_version()} |",
    ]
    if report.subset:
        lines.append(f"| **subset** | **{report.subset}** |")
    lines.append("")
    if report.kind == "multilabel":
        lines += ["## Headline metrics", "", "| metric | value | 95% CI |", "|---|---:|---|"]
        for key in ("macro_f1", "micro_f1", "weighted_f1", "precision", "recall", "jaccard", "ece", "brier"):
            value = getattr(report, key)
            lines.append(f"| {key} | {_fmt(value)} | {_ci(report, key) if key in report.ci95 else ''} |")
        lines += [
            "",
            "## Per label",
            "",
            "| label | F1 | precision | recall | support | threshold |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, row in (report.per_label or {}).items():
            threshold = (report.thresholds or {}).get(label)
            lines.append(
                f"| {label} | {_fmt(row['f1'])} | {_fmt(row['precision'])} | {_fmt(row['recall'])} | "
                f"{row['support']} | {_fmt(threshold, 2)} |"
            )
        lines += [
            "",
            "![per-label F1](per_label_f1.png)",
            "",
            "## Label co-occurrence",
            "",
            "Rows: gold label; columns: predicted label; cell: share of the row label's items predicted with "
            "the column label (the diagonal is recall).",
            "",
            "![co-occurrence](cooccurrence.png)",
            "",
            "## Calibration",
            "",
            f"ECE over all per-label probabilities, {ECE_BINS} equal-width bins: {_fmt(report.ece)} "
            f"{_ci(report, 'ece')}; Brier score {_fmt(report.brier)}.",
            "",
            "![reliability diagram](reliability.png)",
            "",
            "| bin | count | confidence | accuracy |",
            "|---|---:|---:|---:|",
        ]
        for b in report.reliability or []:
            lines.append(
                f"| {b['lo']:.3f}-{b['hi']:.3f} | {b['count']} | {_fmt(b['confidence'])} | {_fmt(b['accuracy'])} |"
            )
    else:
        lines += [
            "## Regression",
            "",
            "| dimension | source | Pearson | Spearman | CCC | MAE |",
            "|---|---|---|---|---|---|",
        ]
        metrics = ("pearson", "spearman", "ccc", "mae")
        for dim in [*report.columns, "mean"]:
            source = (report.dimension_source or {}).get(dim, "")
            cells = [f"{_fmt((getattr(report, m) or {}).get(dim))} {_ci(report, f'{m}.{dim}')}" for m in metrics]
            lines.append(f"| {dim} | {source} | " + " | ".join(cells) + " |")
        lines += ["", "![predicted vs gold](scatter.png)"]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    lines += ["", "Definitions: docs/evaluation.md.", ""]
    return "\n".join(lines)


def _plot_per_label(report: EvalReport, figure: Any) -> Any:
    per = report.per_label or {}
    order = sorted(per, key=lambda k: per[k]["f1"])
    fig = figure(figsize=(6, 0.25 * len(order) + 1.2))
    ax = fig.add_subplot()
    ax.barh(order, [per[k]["f1"] for k in order], color="#4c72b0")
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    ax.set_title(f"Per-label F1: {report.dataset} ({report.split}), macro {_fmt(report.macro_f1)}")
    fig.tight_layout()
    return fig


def _plot_cooccurrence(report: EvalReport, figure: Any) -> Any:
    gold, pred = report.gold, report.predicted
    matrix = _safe_div(gold.T @ pred, gold.sum(axis=0)[:, None])
    size = 0.3 * len(report.columns) + 2.5
    fig = figure(figsize=(size + 1, size))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, vmin=0, vmax=1, cmap="Blues")
    ticks = range(len(report.columns))
    ax.set_xticks(ticks, report.columns, rotation=90)
    ax.set_yticks(ticks, report.columns)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("gold label")
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of gold items")
    fig.tight_layout()
    return fig


def _plot_reliability(report: EvalReport, figure: Any) -> Any:
    bins = [b for b in report.reliability or [] if b["count"]]
    fig = figure(figsize=(5, 5.5))
    ax, counts = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label="model")
    ax.set_ylabel("fraction of gold positives")
    ax.set_title(f"Reliability: ECE {_fmt(report.ece)}")
    ax.legend(loc="upper left")
    counts.bar([(b["lo"] + b["hi"]) / 2 for b in bins], [b["count"] for b in bins], width=1 / ECE_BINS)
    counts.set_yscale("log")
    counts.set_xlabel("predicted probability")
    counts.set_ylabel("count")
    fig.tight_layout()
    return fig


def _plot_scatter(report: EvalReport, figure: Any) -> Any:
    dims = report.columns
    fig = figure(figsize=(3.2 * len(dims), 3.4))
    axes = np.atleast_1d(fig.subplots(1, len(dims)))
    for j, (ax, dim) in enumerate(zip(axes, dims)):
        ax.scatter(report.gold[:, j], report.predicted[:, j], s=4, alpha=0.3)
        lo = -1.0 if dim in VAD_DIMENSIONS else 0.0
        ax.plot([lo, 1], [lo, 1], linestyle="--", color="grey")
        ax.set_title(f"{dim}: r {_fmt((report.pearson or {}).get(dim), 2)}")
        ax.set_xlabel("gold")
        ax.set_ylabel("predicted")
    fig.tight_layout()
    return fig
