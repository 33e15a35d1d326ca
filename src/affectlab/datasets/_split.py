"""The one seeded train/dev/test split for data sets that have no official split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from affectlab.errors import ParameterError

__all__ = ["seeded_split"]


def seeded_split(
    keys: Sequence[int] | Sequence[str],
    *,
    seed: int,
    percent: tuple[int, int, int] = (80, 10, 10),
    strata: Sequence[str] | None = None,
) -> NDArray[np.str_]:
    """Assign every row to ``"train"``, ``"dev"`` or ``"test"``, reproducibly.

    Rows are sorted by ``keys`` (stable ids, so file order does not matter),
    then shuffled by ``numpy.random.default_rng(seed)``. Within each stratum
    (all rows when ``strata`` is None; strata in sorted order, one generator
    for all), the first ``n * percent[0] // 100`` shuffled rows are train, the
    next ``n * percent[1] // 100`` dev and the rest test. Training code must use
    this same function (through the dataset readers) so that dev and test rows
    never reach training.

    Parameters
    ----------
    keys : sequence of int or str, shape (n_samples,)
        A stable, unique id per row.
    seed : int
        Seed of the generator; each data set fixes its own in code.
    percent : tuple of 3 int, default=(80, 10, 10)
        Train, dev and test shares in percent; must sum to 100.
    strata : sequence of str, shape (n_samples,), optional
        A label per row to stratify by.

    Returns
    -------
    ndarray of str, shape (n_samples,)
        The split of each row, in the order of ``keys``.

    Raises
    ------
    ParameterError
        If ``percent`` does not sum to 100, or ``keys`` repeat or differ in length from ``strata``.

    Examples
    --------
    >>> seeded_split([3, 1, 2, 4], seed=0, percent=(50, 25, 25)).tolist()
    ['train', 'train', 'dev', 'test']
    """
    if len(percent) != 3 or sum(percent) != 100 or min(percent) < 0:
        raise ParameterError(
            f"The 'percent' parameter of seeded_split must be 3 non-negative ints summing to 100. Got {percent!r}."
        )
    key_array = np.asarray(keys)
    n = len(key_array)
    if len(np.unique(key_array)) != n:
        raise ParameterError("The 'keys' parameter of seeded_split must hold unique ids. Got repeated ids.")
    if strata is not None and len(strata) != n:
        raise ParameterError(
            f"The 'strata' parameter of seeded_split must have one label per key ({n}). Got {len(strata)} instead."
        )
    order = np.argsort(key_array, kind="stable")
    groups = [order] if strata is None else [order[np.asarray(strata)[order] == s] for s in sorted(set(strata))]
    rng = np.random.default_rng(seed)
    split = np.empty(n, dtype="<U5")
    for rows in groups:
        shuffled = rows[rng.permutation(len(rows))]
        n_train, n_dev = len(rows) * percent[0] // 100, len(rows) * percent[1] // 100
        split[shuffled[:n_train]] = "train"
        split[shuffled[n_train : n_train + n_dev]] = "dev"
        split[shuffled[n_train + n_dev :]] = "test"
    return split
