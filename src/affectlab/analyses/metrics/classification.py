"""Multi-label classification metrics (F1, precision, recall, Jaccard), their bootstrap statistic, thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.analyses.metrics.arrays import binary, pair, safe_div
from affectlab.analyses.metrics.calibration import ECE_BINS, bin_sums, check_probs, top_label_bins
from affectlab.analyses.stats import StatFn, Weights
from affectlab.errors import InputError

__all__ = ["THRESHOLD_GRID", "classification_metrics", "classification_stat", "fit_thresholds", "jaccard_score"]

THRESHOLD_GRID: NDArray[np.float64] = np.round(np.arange(1, 100) / 100, 2)


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
    g, p = pair(gold, pred, "pred")
    return float(_item_jaccard(binary(g, "gold"), binary(p, "pred")).mean())


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
    g, p = pair(gold, pred, "pred")
    g, p = binary(g, "gold"), binary(p, "pred")
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


def classification_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], probs: NDArray[np.float64]) -> StatFn:
    """The bootstrap statistic of :func:`affectlab.analyses.stats.bootstrap_ci` for classification.

    Parameters
    ----------
    gold, pred : ndarray of shape (n_items, n_labels)
        0/1 gold labels and predictions.
    probs : ndarray of shape (n_items, n_labels)
        Probabilities in [0, 1].

    Returns
    -------
    callable
        ``stat(weights)`` -> ``macro_f1``, ``micro_f1``, ``jaccard``, ``ece`` and ``top_label_ece``, each of shape
        (n_resamples,).
    """
    jaccard = _item_jaccard(gold, pred)
    count, conf, acc = bin_sums(gold, probs, ECE_BINS)
    top_count, top_conf, top_acc = top_label_bins(gold, probs, ECE_BINS)

    def stat(w: Weights) -> dict[str, NDArray[np.float64]]:
        tp, fp, fn = _counts(w, pred, gold)
        return {
            "macro_f1": safe_div(2 * tp, 2 * tp + fp + fn).mean(axis=-1),
            "micro_f1": safe_div(2 * tp.sum(axis=-1), (2 * tp + fp + fn).sum(axis=-1)),
            "jaccard": w @ jaccard / w.sum(axis=-1),
            "ece": np.abs(w @ acc - w @ conf).sum(axis=-1) / (w @ count).sum(axis=-1),
            "top_label_ece": np.abs(w @ top_acc - w @ top_conf).sum(axis=-1) / (w @ top_count).sum(axis=-1),
        }

    return stat


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
        Candidate thresholds in [0, 1].

    Returns
    -------
    ndarray of shape (n_labels,)
        Thresholds in [0, 1].

    Examples
    --------
    >>> fit_thresholds([[0.9], [0.6], [0.3]], [[1], [1], [0]]).tolist()
    [0.31]
    """
    g, p = check_probs(gold, probs, ECE_BINS, "fit_thresholds")
    candidates = np.asarray(grid, dtype=np.float64)
    positives = g.sum(axis=0)
    f1 = np.empty((len(candidates), g.shape[1]))
    for k, threshold in enumerate(candidates):
        predicted = (p >= threshold).astype(np.float64)
        tp = (predicted * g).sum(axis=0)
        f1[k] = safe_div(2 * tp, predicted.sum(axis=0) + positives)
    best = candidates[np.argmax(f1, axis=0)]
    return np.where(positives > 0, best, 1.0)
