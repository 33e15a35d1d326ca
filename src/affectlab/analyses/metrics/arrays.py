"""Input checks shared by the metrics: (n_items, n_labels) float matrices, 0/1 indicators, safe division."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.errors import InputError

__all__ = ["as_matrix", "binary", "pair", "safe_div"]


def as_matrix(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """``values`` as a non-empty float matrix of shape (n_items, n_labels); a 1-D array is one column."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"'{name}' must be a non-empty array of shape (n_items, n_labels). Got shape {array.shape}.")
    return array


def pair(gold: ArrayLike, other: ArrayLike, other_name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``gold`` and ``other`` as matrices of the same shape."""
    g, o = as_matrix(gold, "gold"), as_matrix(other, other_name)
    if g.shape != o.shape:
        raise InputError(f"'gold' and '{other_name}' must have the same shape. Got {g.shape} and {o.shape}.")
    return g, o


def binary(values: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    """``values`` if they hold only 0 and 1."""
    if not np.isin(values, (0.0, 1.0)).all():
        raise InputError(f"'{name}' must hold only 0 and 1. Got values such as {values[~np.isin(values, (0, 1))][:3]}.")
    return values


def safe_div(num: ArrayLike, den: ArrayLike) -> NDArray[np.float64]:
    """``num / den`` elementwise, 0 where ``den`` is not positive (scikit-learn's ``zero_division=0``).

    Examples
    --------
    >>> safe_div([1.0, 1.0], [2.0, 0.0]).tolist()
    [0.5, 0.0]
    """
    n, d = np.broadcast_arrays(np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64))
    return np.divide(n, d, out=np.zeros(n.shape), where=d > 0)
