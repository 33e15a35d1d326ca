"""One rater against the reference on paired targets: means, bias, MSE and the two ICCs, with intervals.

The ICCs come from :func:`affectlab.analyses.agreement.agreement` (``icc_c1``, ``icc_a1``) on the two-rater table
(the rater and the reference); the bias interval from :func:`affectlab.analyses.stats.bootstrap` with the same
seed over the same targets, so that every interval of a row is drawn from the same resamples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from affectlab.analyses.agreement import agreement
from affectlab.analyses.reliability.records import classify
from affectlab.analyses.stats import bootstrap, percentile_interval

__all__ = ["paired_targets", "score"]

LABELS = {"icc_c1": "ICC(C,1)", "icc_a1": "ICC(A,1)"}


def paired_targets(
    values: pd.DataFrame, reference: pd.DataFrame, level: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The rater's and the reference's value per target, over the items both rated.

    ``values`` and ``reference`` hold one attribute's rows (columns system, item, value). At the ``item`` level a
    target is an item; at the ``system`` level it is a system, scored by the mean over its paired items.
    """
    both = values.merge(reference, on=["system", "item"], suffixes=("", "_ref"))
    if level == "system":
        both = both.groupby("system", sort=False)[["value", "value_ref"]].mean().reset_index()
    return both["value"].to_numpy(dtype=np.float64), both["value_ref"].to_numpy(dtype=np.float64)


def score(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    thresholds: tuple[float, float],
    n_boot: int,
    seed: int,
) -> tuple[dict[str, Any], list[str]]:
    """The statistics of rater values ``x`` against reference values ``y`` (paired), and notes on undefined ones.

    Returns the fields ``n`` .. ``reliability`` of :data:`~affectlab.analyses.reliability.records.RESULT_FIELDS`.
    """
    n = len(x)
    d = x - y
    row: dict[str, Any] = {
        "n": n,
        "reference_mean": float(y.mean()) if n else None,
        "rater_mean": float(x.mean()) if n else None,
        "bias": float(d.mean()) if n else None,
        "bias_ci95": _bias_interval(d, n_boot, seed) if n >= 2 else None,
        "mse": float((d * d).mean()) if n else None,
    }
    notes: list[str] = []
    for metric in ("icc_c1", "icc_a1"):
        value, ci, said = _icc(x, y, metric, n_boot, seed)
        row[metric], row[f"{metric}_ci95"] = value, ci
        notes += [f"{LABELS[metric]} {note}" for note in said]
    ci = row["icc_a1_ci95"]
    row["ci_width"] = float(ci[1] - ci[0]) if ci is not None else None
    row["reliability"] = classify(row["ci_width"], thresholds)
    if n >= 2 and np.ptp(x) == 0:  # a constant rater: ICC 0 with a zero-width interval would read "good"
        row["reliability"] = None
        notes.append(
            f"class: the rater gave every target the same value ({x[0]:g}), so its ICCs are 0 by construction "
            "and their interval's width says nothing about trust; no class"
        )
    return row, notes


def _bias_interval(d: NDArray[np.float64], n_boot: int, seed: int) -> tuple[float, float] | None:
    """Percentile 95% interval of the mean difference over resampled targets."""
    if n_boot == 0:
        return None
    drawn = bootstrap(lambda w: {"bias": w @ d / w.sum(axis=1)}, len(d), n_boot=n_boot, seed=seed)
    return percentile_interval(drawn["bias"])


def _icc(
    x: NDArray[np.float64], y: NDArray[np.float64], metric: str, n_boot: int, seed: int
) -> tuple[float | None, tuple[float, float] | None, list[str]]:
    """ICC(C,1) or ICC(A,1) of the two columns, its interval, and notes (why undefined, undefined replicates)."""
    n = len(x)
    if n < 2:
        return None, None, [f"undefined: {n} paired target(s); the ICC needs two or more"]
    frame = pd.DataFrame(
        {"item": np.tile(np.arange(n), 2), "rater": np.repeat(["rater", "reference"], n), "value": np.r_[x, y]}
    )
    result = agreement(frame, item="item", rater="rater", value="value", metric=metric, n_boot=n_boot, seed=seed)
    notes = [f"undefined: {result.undefined}"] if result.undefined else []
    return result.value, result.ci95, notes + [f"interval: {note}" for note in result.notes]
