"""The one weighted Pearson correlation and the one bootstrap, shared by every analysis.

Weights are item multiplicities: a bootstrap resample that draws item ``i`` three times gives it weight 3, so a
statistic on weights equals the statistic on the expanded sample. Every function takes one weight vector of shape
``(n_items,)`` or a stack of them, ``(n_resamples, n_items)``, and computes all rows at once.

- :func:`resamples`: seeded multinomial resamples of ``n_items`` items, in chunks of :data:`BOOT_CHUNK` rows.
- :func:`bootstrap` and :func:`bootstrap_ci`: a statistic's values over those resamples, and their percentile
  interval.
- :func:`moments` and :func:`pearson`: weighted means, population (1/n) variances, covariance and Pearson r.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.core.validation import check_int, check_number

__all__ = [
    "BOOT_CHUNK",
    "CI_LEVEL",
    "StatFn",
    "Weights",
    "bootstrap",
    "bootstrap_ci",
    "moments",
    "pearson",
    "percentile_interval",
    "resamples",
]

CI_LEVEL = 0.95
BOOT_CHUNK = 200

Weights = NDArray[np.float64]
StatFn = Callable[[Weights], Mapping[str, ArrayLike]]


def resamples(n_items: int, n_boot: int, seed: int) -> Iterator[Weights]:
    """Bootstrap resamples of ``n_items`` items as multiplicity weights.

    Parameters
    ----------
    n_items : int
        Items to draw from (with replacement), >= 1.
    n_boot : int
        Resamples in all, >= 0.
    seed : int
        Seed of numpy's ``default_rng``; the same seed gives the same resamples.

    Yields
    ------
    ndarray of shape (chunk, n_items)
        Rows of item multiplicities, each summing to ``n_items``; chunks of at most :data:`BOOT_CHUNK` rows,
        ``n_boot`` rows in all.

    Examples
    --------
    >>> [w.sum(axis=1).tolist() for w in resamples(3, 2, seed=0)]
    [[3.0, 3.0]]
    """
    rng = np.random.default_rng(seed)
    uniform = np.full(n_items, 1.0 / n_items)
    for start in range(0, n_boot, BOOT_CHUNK):
        yield rng.multinomial(n_items, uniform, size=min(BOOT_CHUNK, n_boot - start)).astype(np.float64)


def bootstrap(stat: StatFn, n_items: int, *, n_boot: int = 1000, seed: int = 0) -> dict[str, NDArray[np.float64]]:
    """A statistic's values over ``n_boot`` seeded resamples of the items (see :func:`resamples`).

    Parameters
    ----------
    stat : callable
        ``stat(weights)`` takes a (n_resamples, n_items) matrix of multiplicities and returns a mapping of
        name -> array of shape (n_resamples,); NaN marks a resample where the statistic is undefined.
    n_items : int
        Items to resample, >= 1.
    n_boot : int, default=1000
        Resamples; every name sees the same ones.
    seed : int, default=0
        Seed of numpy's ``default_rng``.

    Returns
    -------
    dict of str to ndarray of shape (n_boot,)
    """
    check_int(n_items, "n_items", "bootstrap", minimum=1)
    check_int(n_boot, "n_boot", "bootstrap", minimum=0)
    collected: dict[str, list[NDArray[np.float64]]] = {}
    for weights in resamples(n_items, n_boot, seed):
        for name, values in stat(weights).items():
            collected.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    return {name: np.concatenate(parts) for name, parts in collected.items()}


def percentile_interval(values: ArrayLike, level: float = CI_LEVEL) -> tuple[float, float] | None:
    """The central percentile interval of bootstrap values, NaN values left out.

    Parameters
    ----------
    values : array of shape (n_boot,)
        Bootstrap replicates; NaN for undefined ones.
    level : float, default=0.95
        Coverage in (0, 1).

    Returns
    -------
    (lo, hi) or None
        None when every value is NaN (or there are none).

    Examples
    --------
    >>> percentile_interval([1.0, 2.0, 3.0, float("nan")], level=0.5)
    (1.5, 2.5)
    """
    check_number(level, "level", "percentile_interval", minimum=0.0, maximum=1.0)
    array = np.asarray(values, dtype=np.float64)
    if np.isnan(array).all():
        return None
    tail = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(array, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_ci(
    stat: StatFn, n_items: int, *, n_boot: int = 1000, seed: int = 0, level: float = CI_LEVEL
) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap confidence intervals over items.

    Parameters
    ----------
    stat : callable
        ``stat(weights)`` takes a (n_resamples, n_items) matrix whose rows are item multiplicities (each row sums
        to ``n_items``) and returns a dict of metric name -> array of shape (n_resamples,).
    n_items : int
        Items to resample (with replacement).
    n_boot : int, default=1000
        Resamples; all metrics see the same ones.
    seed : int, default=0
        Seed of numpy's ``default_rng``; the same seed gives the same intervals.
    level : float, default=0.95
        Coverage in (0, 1).

    Returns
    -------
    dict of str to (lo, hi) or None
        None where every resample gave NaN.

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> ci = bootstrap_ci(lambda w: {"mean": w @ x / w.sum(axis=1)}, 10, n_boot=200)
    >>> ci["mean"][0] < 4.5 < ci["mean"][1]
    True
    """
    values = bootstrap(stat, n_items, n_boot=n_boot, seed=seed)
    return {name: percentile_interval(v, level) for name, v in values.items()}


def moments(
    weights: Weights, x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted means, population variances and covariance of ``x`` and ``y``.

    Parameters
    ----------
    weights : ndarray of shape (n_items,) or (n_resamples, n_items)
        Non-negative item weights (multiplicities).
    x, y : ndarray of shape (n_items,) or (n_resamples, n_items)
        Paired values (2-D when they differ by resample, as ranks do).

    Returns
    -------
    mean_x, mean_y, var_x, var_y, cov : ndarray of shape weights.shape[:-1]
        Means in the units of ``x`` and ``y`` less a common shift (``mean_x - mean_y`` is exact), variances
        (>= 0) and covariance.
    """
    shift = x.mean() if len(x) else 0.0  # both shifted by one constant, for precision
    x, y = x - shift, y - shift
    n = weights.sum(axis=-1)
    mx, my = _weighted_sum(weights, x) / n, _weighted_sum(weights, y) / n
    vx = np.maximum(_weighted_sum(weights, x * x) / n - mx**2, 0.0)
    vy = np.maximum(_weighted_sum(weights, y * y) / n - my**2, 0.0)
    return mx, my, vx, vy, _weighted_sum(weights, x * y) / n - mx * my


def _weighted_sum(weights: Weights, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum of ``weights * values`` over items (the last axis)."""
    return weights @ values if values.ndim == 1 else (weights * values).sum(axis=-1)


def pearson(x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> float | NDArray[np.float64]:
    """Weighted Pearson correlation, in [-1, 1]; NaN when undefined.

    Parameters
    ----------
    x, y : array of shape (n_items,) or (n_resamples, n_items)
        Paired values.
    weights : array of shape (n_items,) or (n_resamples, n_items), optional
        Item multiplicities (default: 1 each); items of weight 0 are left out.

    Returns
    -------
    float, or ndarray of shape (n_resamples,) when an input is 2-D
        NaN when fewer than two items are weighted in or either side does not vary over them.

    Examples
    --------
    >>> round(pearson([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]), 3)
    0.5
    >>> pearson([1.0, 2.0, 3.0], [1.0, 3.0, 2.0], weights=[[1, 1, 0], [0, 2, 1]]).tolist()
    [1.0, -1.0]
    >>> pearson([1.0, 1.0], [1.0, 2.0])
    nan
    """
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w = np.ones(a.shape[-1]) if weights is None else np.asarray(weights, dtype=np.float64)
    _, _, vx, vy, cov = moments(w, a, b)
    varies = _varies(w, a) & _varies(w, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(varies & (vx * vy > 0), cov / np.sqrt(vx * vy), np.nan)
    return float(r) if r.ndim == 0 else r


def _varies(weights: Weights, values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether ``values`` take two or more distinct values over the items of positive weight (per row)."""
    used = weights > 0
    hi = np.where(used, values, -np.inf).max(axis=-1, initial=-np.inf)
    lo = np.where(used, values, np.inf).min(axis=-1, initial=np.inf)
    return hi > lo
