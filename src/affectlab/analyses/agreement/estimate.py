"""Point estimates and percentile bootstrap intervals of prepared statistics; weighted means of statistics.

Intervals come from :func:`affectlab.analyses.stats.bootstrap`: the items a statistic uses are resampled with
replacement (seeded multinomial multiplicities), a drawn item keeping all its ratings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.agreement.records import AgreementResult, Prepared, Stat
from affectlab.analyses.stats import bootstrap, percentile_interval

__all__ = ["Spec", "mean_of", "results"]

#: A prepared statistic with its metric, level and Cohen weights.
Spec = tuple[Prepared, str, str, str | None]


def results(
    specs: Sequence[Spec], n_all: int, n_boot: int, seed: int, extra_notes: Sequence[str] = ()
) -> list[AgreementResult]:
    """Point estimates and percentile 95% intervals, each statistic resampling the items it uses.

    Parameters
    ----------
    specs : sequence of (Prepared, metric, level, weights)
        The statistics; ``n_all`` item codes (0 .. n_all - 1) in all.
    n_all, n_boot, seed : int
        Item codes, bootstrap replicates and seed. Statistics that use the same items see the same draws.
    extra_notes : sequence of str
        Notes added to every result.
    """
    ones = np.ones(n_all)
    values = [p.stat(ones) if p.stat is not None else None for p, *_ in specs]
    groups: dict[bytes, list[int]] = {}
    for k, value in enumerate(values):
        if value is not None:
            groups.setdefault(specs[k][0].items.tobytes(), []).append(k)
    replicates: dict[int, NDArray[np.float64]] = {}
    for members in groups.values():
        stats = [specs[k][0].stat for k in members]
        drawn = _replicates(stats, specs[members[0]][0].items, n_all, n_boot, seed)  # type: ignore[arg-type]
        replicates.update(zip(members, drawn))
    out = []
    for k, (prepared, metric, level, weights) in enumerate(specs):
        notes = [*extra_notes, *prepared.notes]
        reason, ci = prepared.undefined, None
        if values[k] is None:
            reason = reason or "the statistic's denominator is 0 (no variance among the rated items)"
        elif n_boot:
            ci = percentile_interval(replicates[k])
            n_defined = int(np.count_nonzero(~np.isnan(replicates[k])))
            if n_defined < n_boot:
                notes.append(f"{n_boot - n_defined} of {n_boot} bootstrap replicates were undefined")
        value = values[k]
        out.append(
            AgreementResult(
                metric=metric,
                level=level,
                value=None if value is None else float(value),
                ci95=ci,
                n_items=len(prepared.items),
                n_raters=prepared.n_raters,
                n_ratings=prepared.n_ratings,
                undefined=reason,
                weights=weights,
                n_boot=n_boot,
                notes=tuple(notes),
            )
        )
    return out


def _replicates(
    stats: Sequence[Stat], pool: NDArray[np.int64], n_all: int, n_boot: int, seed: int
) -> list[NDArray[np.float64]]:
    """Each statistic over ``n_boot`` resamples of ``pool`` (weights 0 on other item codes); NaN if undefined."""
    if n_boot == 0:
        return [np.empty(0) for _ in stats]

    def stat(weights: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        full = np.zeros((len(weights), n_all))
        full[:, pool] = weights
        return {str(k): np.array([_nan(s(row)) for row in full]) for k, s in enumerate(stats)}

    drawn = bootstrap(stat, len(pool), n_boot=n_boot, seed=seed)
    return [drawn[str(k)] for k in range(len(stats))]


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def mean_of(parts: list[tuple[int, Prepared]], n_all: int, label: str) -> Prepared:
    """Mean of statistics on different item sets, weighted by ``parts``' ints, on shared item weights."""
    ones = np.ones(n_all)
    kept = [(w, p) for w, p in parts if p.stat is not None and p.stat(ones) is not None]
    if not parts:
        return Prepared(None, np.array([], dtype=np.int64), 0, 0, f"no variant ({label}) could be formed")
    if not kept:
        reasons = sorted({p.undefined or "the statistic's denominator is 0" for _, p in parts})
        items = np.unique(np.concatenate([p.items for _, p in parts]))
        return Prepared(None, items, 0, 0, f"every variant ({label}) is undefined: " + "; ".join(reasons))
    notes = (
        (f"{len(parts) - len(kept)} of {len(parts)} variants ({label}) were undefined and left out of the mean",)
        if len(kept) < len(parts)
        else ()
    )

    def stat(weights: NDArray[np.float64]) -> float | None:
        # A small part can be undefined in a replicate (e.g. no variance among its few drawn items): the mean
        # is then taken over the parts that are defined.
        pairs = [(w, p.stat(weights)) for w, p in kept]  # type: ignore[misc]
        defined = [(w, v) for w, v in pairs if v is not None]
        if not defined:
            return None
        return float(sum(w * v for w, v in defined) / sum(w for w, _ in defined))

    largest = max((p for _, p in kept), key=lambda p: (p.n_ratings, len(p.items)))
    items = np.unique(np.concatenate([p.items for _, p in kept]))
    return Prepared(stat, items, largest.n_raters, largest.n_ratings, None, notes)
