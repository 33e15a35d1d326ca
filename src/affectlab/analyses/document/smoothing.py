"""The smoothers: per-segment values onto the narrative-time grid (DCT low-pass, rolling mean, LOESS, cell means).

The ``smooth=`` specs are described in :mod:`affectlab.analyses.document`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from affectlab.errors import ParameterError

DEFAULT_SMOOTH = "dct:10"
DEFAULT_LOESS_FRAC = 0.2


def parse_smooth(smooth: str | None) -> tuple[str | None, float | None]:
    """Validate a smoothing spec: ``"rolling:K"``, ``"dct:K"``, ``"loess"``, ``"loess:F"`` or None.

    Returns
    -------
    (method, parameter) : tuple
        ``("dct", 10.0)``, ``("rolling", 5.0)``, ``("loess", 0.2)`` or ``(None, None)``.

    Raises
    ------
    ParameterError
        If the spec is malformed; K must be an int >= 1 and F a fraction in (0, 1].

    Examples
    --------
    >>> parse_smooth("loess")
    ('loess', 0.2)
    """
    if smooth is None or smooth == "none":
        return None, None
    method, _, argument = str(smooth).partition(":")
    if method in ("rolling", "dct") and argument.isdigit() and int(argument) >= 1:
        return method, float(int(argument))
    if method == "loess":
        try:
            frac = float(argument) if argument else DEFAULT_LOESS_FRAC
        except ValueError:
            frac = math.nan
        if 0.0 < frac <= 1.0:
            return method, frac
    raise ParameterError(
        "The 'smooth' parameter of document_arc must be 'rolling:K', 'dct:K' (K an int >= 1), 'loess', "
        f"'loess:F' (F in (0, 1]) or None. Got {smooth!r} instead."
    )


def dct_transform(
    values: NDArray[np.float64], low_pass_size: int = 5, x_reverse_len: int = 100, *, syuzhet_scale: bool = False
) -> NDArray[np.float64]:
    """Low-pass DCT smoothing resampled to ``x_reverse_len`` points (syuzhet's ``get_dct_transform``).

    DCT-II of ``values`` (along axis 0), keep the first ``low_pass_size``
    coefficients, zero-pad to ``x_reverse_len`` and apply the inverse DCT.

    Parameters
    ----------
    values : ndarray of shape (n,) or (n, k)
        Values in narrative order (e.g. valence in [-1, 1]).
    low_pass_size : int, default=5
        Coefficients kept, 1 <= low_pass_size <= n (1 keeps only the mean).
    x_reverse_len : int, default=100
        Length of the output.
    syuzhet_scale : bool, default=False
        If True, return syuzhet's numbers, which are the smoothed curve times
        ``n / x_reverse_len``; by default the curve keeps the input's scale
        (a constant input gives the same constant).

    Returns
    -------
    ndarray of shape (x_reverse_len,) or (x_reverse_len, k)
        Samples at ``(m + 0.5) / x_reverse_len`` of narrative time.

    Examples
    --------
    >>> dct_transform(np.full(40, 0.3), 3, 5).round(6).tolist()
    [0.3, 0.3, 0.3, 0.3, 0.3]
    """
    from scipy import fft

    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    if not 1 <= low_pass_size <= n:
        raise ParameterError(
            f"The 'low_pass_size' parameter of dct_transform must be an int in [1, {n}] (the number of values). "
            f"Got {low_pass_size!r} instead."
        )
    if x_reverse_len < low_pass_size:
        raise ParameterError(
            f"The 'x_reverse_len' parameter of dct_transform must be >= low_pass_size ({low_pass_size}). "
            f"Got {x_reverse_len!r} instead."
        )
    coefficients = fft.dct(array, type=2, axis=0)
    kept = np.zeros((x_reverse_len, *array.shape[1:]))
    kept[:low_pass_size] = coefficients[:low_pass_size]
    out = fft.idct(kept, type=2, axis=0)
    return out if syuzhet_scale else out * (x_reverse_len / n)


def rolling_mean(values: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Centred moving average over ``window`` values (segments ``i - (window-1)//2`` to ``i + window//2``).

    Near the ends the window holds fewer values; the output has the input's shape.

    Examples
    --------
    >>> rolling_mean(np.array([0.0, 0, 3, 0, 0]), 3).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    if not isinstance(window, int) or window < 1:
        raise ParameterError(f"The 'window' parameter of rolling_mean must be an int >= 1. Got {window!r} instead.")
    cumulative = np.concatenate([np.zeros((1, *array.shape[1:])), np.cumsum(array, axis=0)])
    index = np.arange(n)
    low = np.clip(index - (window - 1) // 2, 0, n)
    high = np.clip(index + window // 2 + 1, 0, n)
    counts = (high - low).reshape(-1, *([1] * (array.ndim - 1)))
    return (cumulative[high] - cumulative[low]) / counts


def loess_smooth(
    x: NDArray[np.float64], values: NDArray[np.float64], grid: NDArray[np.float64], frac: float = DEFAULT_LOESS_FRAC
) -> NDArray[np.float64]:
    """Local linear regression (LOESS, degree 1, tricube weights, no robustness steps) evaluated at ``grid``.

    Each grid point uses the ``floor(frac * n)`` nearest ``x`` (at least 2),
    weighted by ``(1 - (d / h)**3)**3`` where ``h`` is the distance to the
    farthest of them.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Positions (narrative time).
    values : ndarray of shape (n,) or (n, k)
        Values at ``x``.
    grid : ndarray of shape (m,)
        Where to evaluate.
    frac : float, default=0.2
        Fraction of the points in each local fit, in (0, 1].

    Returns
    -------
    ndarray of shape (m,) or (m, k)
    """
    x = np.asarray(x, dtype=np.float64)
    array = np.asarray(values, dtype=np.float64)
    flat = array.reshape(len(x), -1)
    n = len(x)
    k = min(n, max(2, int(frac * n + 1e-10)))
    out = np.empty((len(grid), flat.shape[1]))
    for row, point in enumerate(grid):
        distance = np.abs(x - point)
        radius = np.partition(distance, k - 1)[k - 1]
        if radius <= 0:
            radius = 1e-12
        weights = np.clip(1 - (distance / radius) ** 3, 0, None) ** 3
        weights[distance > radius] = 0.0
        s0, s1, s2 = weights.sum(), weights @ x, weights @ (x * x)
        t0, t1 = weights @ flat, (weights * x) @ flat
        if s0 <= 0:
            nearest = int(np.argmin(distance))
            out[row] = flat[nearest]
            continue
        denominator = s0 * s2 - s1 * s1
        if abs(denominator) <= 1e-12 * max(s0 * s2, 1e-300):
            out[row] = t0 / s0
        else:
            slope = (s0 * t1 - s1 * t0) / denominator
            out[row] = (t0 - slope * s1) / s0 + slope * point
    return out.reshape(len(grid), *array.shape[1:])


def _bin_means(times: NDArray[np.float64], values: NDArray[np.float64], n_points: int) -> NDArray[np.float64]:
    bins = np.minimum((times * n_points).astype(int), n_points - 1)
    sums = np.zeros((n_points, values.shape[1]))
    np.add.at(sums, bins, values)
    counts = np.bincount(bins, minlength=n_points)
    filled = counts > 0
    means = sums[filled] / counts[filled, None]
    centres = (np.arange(n_points) + 0.5) / n_points
    return np.column_stack([np.interp(centres, centres[filled], means[:, j]) for j in range(values.shape[1])])


def smooth_curves(
    values: NDArray[np.float64], smooth: str | None = DEFAULT_SMOOTH, n_points: int = 100
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """Smooth per-segment values and sample them on the narrative-time grid.

    Parameters
    ----------
    values : ndarray of shape (n, k)
        One row per segment, in order.
    smooth : str or None, default="dct:10"
        See :mod:`affectlab.analyses.document`.
    n_points : int, default=100
        Grid size.

    Returns
    -------
    (grid, curves, clamped) : tuple
        ``grid`` of shape (n_points,) in (0, 1), ``curves`` of shape (n_points, k),
        and whether the window/K was reduced to the number of segments.
    """
    method, parameter = parse_smooth(smooth)
    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    grid = (np.arange(n_points) + 0.5) / n_points
    times = (np.arange(n) + 0.5) / n
    clamped = method in ("dct", "rolling") and parameter is not None and parameter > n
    size = min(int(parameter or 1), n)
    if method == "dct":
        curves = dct_transform(array, size, n_points)
    elif method == "rolling":
        smoothed = rolling_mean(array, size)
        curves = np.column_stack([np.interp(grid, times, smoothed[:, j]) for j in range(array.shape[1])])
    elif method == "loess":
        curves = loess_smooth(times, array, grid, parameter or DEFAULT_LOESS_FRAC)
    else:
        curves = _bin_means(times, array, n_points)
    return grid, curves.reshape(n_points, array.shape[1]), clamped
