"""Calibration of per-label probabilities: expected calibration error, Brier score, reliability diagram."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.analyses.metrics.arrays import binary, pair
from affectlab.core.validation import check_int
from affectlab.errors import InputError

__all__ = [
    "ECE_BINS",
    "bin_sums",
    "brier_loss",
    "check_probs",
    "expected_calibration_error",
    "reliability_diagram",
    "top_label_bins",
    "top_label_calibration_error",
]

ECE_BINS = 15


def bin_sums(
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


def check_probs(
    gold: ArrayLike, probs: ArrayLike, n_bins: int, owner: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """0/1 ``gold`` and probabilities ``probs`` in [0, 1] of one shape, and ``n_bins`` >= 1 (``owner``'s)."""
    g, p = pair(gold, probs, "probs")
    binary(g, "gold")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise InputError("'probs' must be probabilities in [0, 1] without NaN.")
    check_int(n_bins, "n_bins", owner, minimum=1)
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
        Equal-width bins on [0, 1], >= 1.

    Examples
    --------
    >>> expected_calibration_error([[1, 0], [0, 0]], [[0.9, 0.1], [0.2, 0.0]])
    0.1
    """
    g, p = check_probs(gold, probs, n_bins, "expected_calibration_error")
    count, conf, acc = (s.sum(axis=0) for s in bin_sums(g, p, n_bins))
    return float(np.abs(acc - conf).sum() / count.sum())


def top_label_bins(
    gold: NDArray[np.float64], probs: NDArray[np.float64], n_bins: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`bin_sums` of the top label only: each item's highest probability and whether that label is gold."""
    top = probs.argmax(axis=1)
    rows = np.arange(len(probs))
    return bin_sums(gold[rows, top][:, None], probs[rows, top][:, None], n_bins)


def top_label_calibration_error(gold: ArrayLike, probs: ArrayLike, *, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error of each item's top label only, in [0, 1], lower better.

    Stricter than :func:`expected_calibration_error` for multi-label sets, where most (item, label) pairs are
    confident zeros that are easy to calibrate: here one prediction per item, its highest probability, is
    compared with whether that label is gold, in ``n_bins`` equal-width bins.

    Examples
    --------
    >>> top_label_calibration_error([[1, 0], [0, 1]], [[0.9, 0.1], [0.7, 0.2]])
    0.4
    """
    g, p = check_probs(gold, probs, n_bins, "top_label_calibration_error")
    count, conf, acc = (s.sum(axis=0) for s in top_label_bins(g, p, n_bins))
    return float(np.abs(acc - conf).sum() / count.sum())


def brier_loss(gold: ArrayLike, probs: ArrayLike) -> float:
    """Brier score: mean of ``(prob - gold)^2`` over all item-label pairs, in [0, 1], lower better.

    Examples
    --------
    >>> brier_loss([[1, 0]], [[0.8, 0.4]])
    0.1
    """
    g, p = check_probs(gold, probs, ECE_BINS, "brier_loss")
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
    g, p = check_probs(gold, probs, n_bins, "reliability_diagram")
    count, conf, acc = (s.sum(axis=0) for s in bin_sums(g, p, n_bins))
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
