"""Regression metrics per dimension: Pearson r, Spearman rho, Lin's CCC and MAE, and their bootstrap statistic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.analyses.metrics.arrays import pair
from affectlab.analyses.stats import StatFn, Weights, moments, pearson
from affectlab.errors import InputError

__all__ = ["ccc_score", "regression_metrics", "regression_stat"]


def _ccc(w: Weights, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    mx, my, vx, vy, cov = moments(w, x, y)
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
    return np.asarray(pearson(_weighted_ranks(w, x), _weighted_ranks(w, y), w))


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
    g, p = pair(gold, pred, "pred")
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
    g, p = pair(gold, pred, "pred")
    names = list(dimensions) if dimensions is not None else [str(j) for j in range(g.shape[1])]
    if len(names) != g.shape[1]:
        raise InputError(f"Got {len(names)} dimension names for {g.shape[1]} columns; pass one name per column.")
    out: dict[str, dict[str, float]] = {"pearson": {}, "spearman": {}, "ccc": {}, "mae": {}, "n": {}}
    for j, name in enumerate(names):
        valid = ~(np.isnan(g[:, j]) | np.isnan(p[:, j]))
        x, y = g[valid, j], p[valid, j]
        ones = np.ones(len(x))
        out["n"][name] = int(valid.sum())
        out["pearson"][name] = float(pearson(x, y, ones)) if len(x) > 1 else math.nan
        out["spearman"][name] = float(_spearman(ones, x, y)) if len(x) > 1 else math.nan
        out["ccc"][name] = float(_ccc(ones, x, y)) if len(x) > 1 else math.nan
        out["mae"][name] = float(np.abs(x - y).mean()) if len(x) else math.nan
    for metric in ("pearson", "spearman", "ccc", "mae"):
        out[metric]["mean"] = float(np.mean([out[metric][name] for name in names]))
    return out


def regression_stat(gold: NDArray[np.float64], pred: NDArray[np.float64], dims: Sequence[str]) -> StatFn:
    """The bootstrap statistic of :func:`affectlab.analyses.stats.bootstrap_ci` for regression.

    Parameters
    ----------
    gold, pred : ndarray of shape (n_items, n_dimensions)
        Values on one scale; NaN pairs are skipped per dimension.
    dims : sequence of str
        Dimension names.

    Returns
    -------
    callable
        ``stat(weights)`` -> ``<metric>.<dim>`` and ``<metric>.mean`` for pearson, spearman, ccc and mae, each of
        shape (n_resamples,).
    """
    masks = [~(np.isnan(gold[:, j]) | np.isnan(pred[:, j])) for j in range(len(dims))]

    def stat(w: Weights) -> dict[str, NDArray[np.float64]]:
        per: dict[str, list[NDArray[np.float64]]] = {m: [] for m in ("pearson", "spearman", "ccc", "mae")}
        for j, valid in enumerate(masks):
            x, y, wj = gold[valid, j], pred[valid, j], w[:, valid]
            per["pearson"].append(np.asarray(pearson(x, y, wj)))
            per["ccc"].append(_ccc(wj, x, y))
            with np.errstate(divide="ignore", invalid="ignore"):
                per["mae"].append(wj @ np.abs(x - y) / wj.sum(axis=-1))
            per["spearman"].append(_spearman(wj, x, y))
        out = {f"{m}.{d}": values[j] for m, values in per.items() for j, d in enumerate(dims)}
        out.update({f"{m}.mean": np.mean(values, axis=0) for m, values in per.items()})
        return out

    return stat
