"""The result record of an agreement statistic, and the prepared statistic every metric module builds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from affectlab.core.serialize import jsonable

__all__ = ["AgreementResult", "Prepared", "Stat", "dot", "on_items", "py", "undefined"]

#: A statistic on one weight per item code (1 for the point estimate, multiplicities for a replicate); None
#: when undefined.
Stat = Callable[[NDArray[np.float64]], float | None]


@dataclass(frozen=True)
class AgreementResult:
    """One agreement statistic with its bootstrap interval.

    Attributes
    ----------
    metric : str
        One of :data:`~affectlab.analyses.agreement.METRICS` (``pearson`` for correlation rows of
        :func:`~affectlab.analyses.agreement.compare_with_model`).
    level : str
        Level of measurement used: ``nominal``, ``ordinal`` or ``interval``.
    value : float or None
        The statistic (at most 1; kappas and correlations in [-1, 1]); None when it is undefined (see ``undefined``).
    ci95 : tuple of float or None
        Percentile 95% bootstrap interval ``(lo, hi)`` over items; None when ``n_boot`` is 0 or no
        bootstrap replicate was defined.
    n_items, n_raters, n_ratings : int
        Items, distinct raters and ratings the statistic used.
    undefined : str or None
        Why ``value`` is None (a single rater, no variance, no pairable items, ...), else None.
    weights : str or None
        Cohen's kappa weights (``linear``, ``quadratic``) or None.
    n_boot : int
        Bootstrap replicates drawn.
    notes : tuple of str
        What was left out and why (items or raters dropped, undefined replicates), and how a default level was
        chosen.
    """

    metric: str
    level: str
    value: float | None
    ci95: tuple[float, float] | None
    n_items: int
    n_raters: int
    n_ratings: int
    undefined: str | None = None
    weights: str | None = None
    n_boot: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``ci95`` as a two-item list or None, ``notes`` a list)."""
        data: dict[str, Any] = jsonable(self)
        return data


@dataclass(frozen=True)
class Prepared:
    """A statistic ready to evaluate on item weights.

    ``stat`` takes one weight per item code of the whole table and returns None when undefined; ``items`` are
    the codes it uses.
    """

    stat: Stat | None
    items: NDArray[np.int64]
    n_raters: int
    n_ratings: int
    undefined: str | None = None
    notes: tuple[str, ...] = ()


def undefined(reason: str, ratings: pd.DataFrame, notes: Sequence[str] = ()) -> Prepared:
    """An undefined statistic over the items and raters of ``ratings``, with the reason."""
    items = np.unique(ratings["item"].to_numpy()).astype(np.int64)
    return Prepared(None, items, int(ratings["rater"].nunique()), len(ratings), reason, tuple(notes))


def on_items(local: Callable[[NDArray[np.float64]], float | None], items: NDArray[np.int64]) -> Stat:
    """Lift a statistic over the weights of ``items`` to one over the weights of every item code."""
    return lambda weights: local(weights[items])


def py(value: object) -> object:
    """A numpy scalar as the plain Python value (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Inner product without BLAS: multi-threaded BLAS on vectors of 10,000+ items stalls on busy machines."""
    return float(np.multiply(a, b).sum())
