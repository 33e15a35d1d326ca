"""Estimators of conversation dynamics on plain numbers (no engine, no turns)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from affectlab.analyses.conversation.estimates import ContagionEstimate, TransitionMatrix
from affectlab.analyses.conversation.records import EPS, MIN_AUTOCORR_PAIRS, MIN_OLS_ROWS
from affectlab.analyses.stats import pearson
from affectlab.errors import InputError


def pearson_r(x: Sequence[float], y: Sequence[float]) -> tuple[float | None, str | None]:
    """``(r, None)`` for paired series, or ``(None, reason)`` when r is undefined (too few pairs, no variance)."""
    if len(x) < MIN_AUTOCORR_PAIRS:
        return None, f"{len(x)} lag-1 pair(s); needs at least {MIN_AUTOCORR_PAIRS}"
    r = float(pearson(x, y))
    if math.isnan(r):
        return None, "valence does not vary over the pairs, so the correlation is undefined"
    return r, None


def lag1_autocorrelation(values: Sequence[float]) -> float | None:
    """Lag-1 autocorrelation of a series: Pearson r of ``(values[t-1], values[t])``.

    Parameters
    ----------
    values : sequence of float
        A speaker's valence over their own turns, in order, in [-1, 1].

    Returns
    -------
    float or None
        In [-1, 1]; None with fewer than 3 pairs (4 values) or a constant series.

    Examples
    --------
    >>> round(lag1_autocorrelation([0.1, 0.2, 0.3, 0.5, 0.4]), 3)
    0.68
    """
    return pearson_r(values[:-1], values[1:])[0]


def contagion_ols(
    current: Sequence[float],
    own_previous: Sequence[float],
    other_previous: Sequence[float],
    *,
    target: str = "self",
    source: str = "other",
) -> ContagionEstimate:
    """Fit ``v_self[t] = a * v_self[t-1] + b * v_other[t-1] + c`` by ordinary least squares.

    Parameters
    ----------
    current, own_previous, other_previous : sequence of float, shape (n,)
        ``v_self[t]``, ``v_self[t-1]`` and ``v_other[t-1]`` per row, valence in [-1, 1].
    target, source : str
        Names copied to the result.

    Returns
    -------
    ContagionEstimate
        ``b`` with its standard error and 95% confidence interval (t with ``n - 3`` degrees of
        freedom); all None, with the reason in ``undefined``, for fewer than 5 rows or collinear
        predictors.

    Examples
    --------
    >>> est = contagion_ols([0.5, 0.1, 0.4, 0.0, 0.3, 0.2], [0.4, 0.2, 0.3, 0.1, 0.3, 0.1],
    ...                     [0.2, -0.1, 0.3, -0.2, 0.1, 0.2])
    >>> est.n, est.b is not None
    (6, True)
    """
    y = np.asarray(current, dtype=np.float64)
    x1 = np.asarray(own_previous, dtype=np.float64)
    x2 = np.asarray(other_previous, dtype=np.float64)
    n = len(y)
    if not (len(x1) == len(x2) == n):
        raise InputError(f"contagion_ols needs equal lengths; got {n}, {len(x1)} and {len(x2)}.")

    def undefined(reason: str) -> ContagionEstimate:
        return ContagionEstimate(target, source, None, None, None, None, None, None, n, None, {"b": reason})

    if n < MIN_OLS_ROWS:
        return undefined(
            f"{n} row(s) (turns of {target} preceded by an own turn and a turn of {source}); "
            f"needs at least {MIN_OLS_ROWS}"
        )
    design = np.column_stack([x1, x2, np.ones(n)])
    if np.linalg.matrix_rank(design) < 3:
        return undefined("a predictor is constant or the two predictors are collinear")
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    df = n - 3
    rss = float(resid @ resid)
    cov = rss / df * np.linalg.inv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    from scipy.special import stdtrit

    half = float(stdtrit(df, 0.975)) * se[1]
    tss = float(((y - y.mean()) ** 2).sum())
    return ContagionEstimate(
        target=target,
        source=source,
        b=float(coef[1]),
        b_se=float(se[1]),
        b_ci95=(float(coef[1] - half), float(coef[1] + half)),
        a=float(coef[0]),
        a_se=float(se[0]),
        c=float(coef[2]),
        n=n,
        r2=None if tss <= 0 else 1.0 - rss / tss,
        undefined={},
    )


def transition_matrix(pairs: Iterable[tuple[str, str]], labels: Sequence[str] | None = None) -> TransitionMatrix:
    """Count label -> next label links.

    Parameters
    ----------
    pairs : iterable of (str, str)
        (from label, to label) links.
    labels : sequence of str, optional
        Row/column order; default the labels seen, sorted.

    Returns
    -------
    TransitionMatrix

    Raises
    ------
    InputError
        If a pair uses a label missing from ``labels``.

    Examples
    --------
    >>> m = transition_matrix([("joy", "joy"), ("joy", "anger"), ("anger", "joy")])
    >>> m.labels, m.probabilities.tolist()
    (('anger', 'joy'), [[0.0, 1.0], [0.5, 0.5]])
    """
    links = list(pairs)
    order = tuple(labels) if labels is not None else tuple(sorted({x for p in links for x in p}))
    index = {k: i for i, k in enumerate(order)}
    counts = np.zeros((len(order), len(order)), dtype=np.int64)
    for a, b in links:
        if a not in index or b not in index:
            raise InputError(f"Transition ({a!r} -> {b!r}) uses a label outside {list(order)}.")
        counts[index[a], index[b]] += 1
    undefined = {} if links else {"probabilities": "no pair of consecutive labelled turns"}
    return TransitionMatrix(order, counts, undefined)


def directional_runs(values: Sequence[float], sign: int, threshold: float, min_steps: int) -> list[tuple[int, int]]:
    """Maximal runs [start, end] where every step moves strictly in ``sign`` and the total move reaches threshold."""
    out = []
    start = 0
    for i in range(1, len(values) + 1):
        moving = i < len(values) and (values[i] - values[i - 1]) * sign > 0
        if not moving:
            if i - 1 - start >= min_steps and (values[i - 1] - values[start]) * sign >= threshold - EPS:
                out.append((start, i - 1))
            start = i
    return out
