"""Evaluation metrics: classification, regression, calibration, thresholds and bootstrap intervals.

Pure numpy functions used by :mod:`affectlab.analyses.evaluation`. Definitions, with ranges, are in
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

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.errors import InputError, ParameterError

__all__ = [
    "CI_LEVEL",
    "ECE_BINS",
    "THRESHOLD_GRID",
    "bootstrap_ci",
    "brier_loss",
    "ccc_score",
    "classification_metrics",
    "classification_stat",
    "expected_calibration_error",
    "fit_thresholds",
    "jaccard_score",
    "regression_metrics",
    "regression_stat",
    "reliability_diagram",
    "safe_div",
]

ECE_BINS = 15
CI_LEVEL = 0.95
THRESHOLD_GRID: NDArray[np.float64] = np.round(np.arange(1, 100) / 100, 2)
_BOOT_CHUNK = 200

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


def safe_div(num: ArrayLike, den: ArrayLike) -> NDArray[np.float64]:
    n, d = np.broadcast_arrays(np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64))
    return np.divide(n, d, out=np.zeros(n.shape), where=d > 0)


def _counts(w: Weights, pred: NDArray[np.float64], gold: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Weighted true positives, false positives and false negatives per label: each (..., n_labels)."""
    return w @ (pred * gold), w @ (pred * (1.0 - gold)), w @ ((1.0 - pred) * gold)


def _item_jaccard(gold: NDArray[np.float64], pred: NDArray[np.float64]) -> NDArray[np.float64]:
    inter = (pred * gold).sum(axis=1)
    union = np.maximum(pred, gold).sum(axis=1)
    return np.where(union > 0, safe_div(inter, union), 1.0)


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
    f1 = safe_div(2 * tp, 2 * tp + fp + fn)
    precision, recall, support = safe_div(tp, tp + fp), safe_div(tp, tp + fn), g.sum(axis=0)
    return {
        "macro_f1": float(f1.mean()),
        "micro_f1": float(safe_div(2 * tp.sum(), (2 * tp + fp + fn).sum())),
        "weighted_f1": float(safe_div((f1 * support).sum(), support.sum())),
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
        f1[k] = safe_div(2 * tp, predicted.sum(axis=0) + positives)
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


def classification_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], probs: NDArray[np.float64]) -> StatFn:
    jaccard = _item_jaccard(gold, pred)
    count, conf, acc = _bin_sums(gold, probs, ECE_BINS)

    def stat(w: Weights) -> dict[str, NDArray[np.float64]]:
        tp, fp, fn = _counts(w, pred, gold)
        return {
            "macro_f1": safe_div(2 * tp, 2 * tp + fp + fn).mean(axis=-1),
            "micro_f1": safe_div(2 * tp.sum(axis=-1), (2 * tp + fp + fn).sum(axis=-1)),
            "jaccard": w @ jaccard / w.sum(axis=-1),
            "ece": np.abs(w @ acc - w @ conf).sum(axis=-1) / (w @ count).sum(axis=-1),
        }

    return stat


def regression_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], dims: Sequence[str]) -> StatFn:
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
