"""Weighted Cohen's kappa and Krippendorff's alpha between pairs of raters, from ``affectlab.analyses.agreement``."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import pandas as pd

from affectlab.analyses.agreement import agreement
from affectlab.errors import InputError, ParameterError

__all__ = ["pair_list", "pair_rows"]


def pair_list(pairs: str | Sequence[tuple[str, str]] | None, names: list[str], owner: str) -> list[tuple[str, str]]:
    """The pairs to compare: ``"all"`` (every pair of ``names``), the given pairs (checked), or none."""
    if pairs is None:
        return []
    if isinstance(pairs, str):
        if pairs != "all":
            raise ParameterError(
                f"The 'pairs' parameter of {owner} must be 'all' or a sequence of (rater, rater) pairs. "
                f"Got {pairs!r} instead."
            )
        return list(combinations(names, 2))
    out = []
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ParameterError(
                f"The 'pairs' parameter of {owner} must hold pairs of two different raters. Got {pair!r} instead."
            )
        for name in pair:
            if name not in names:
                raise InputError(f"Unknown rater {name!r} in pairs: the raters are {', '.join(names)}.")
        out.append((str(pair[0]), str(pair[1])))
    return out


def pair_rows(
    ratings: pd.DataFrame,
    pairs: list[tuple[str, str]],
    attributes: Sequence[str],
    *,
    weights: str,
    n_boot: int,
    seed: int,
) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per attribute and pair, on the items both raters rated; notes on undefined statistics.

    ``ratings`` holds columns attribute, system, item, rater, value (the reference as one more rater). Kappa
    categories are the distinct values the two raters gave, ranked (so means such as 2.67 are categories too).
    """
    rows, notes = [], []
    by_attribute = dict(tuple(ratings.groupby("attribute", sort=False)))
    for attribute in attributes:
        part = by_attribute.get(attribute, ratings.iloc[:0])
        for a, b in pairs:
            two = part[part["rater"].isin([a, b])]
            keys = two.groupby(["system", "item"], sort=False)["rater"].transform("size") == 2
            two = two[keys].assign(key=lambda t: t["system"] + "\x1f" + t["item"])
            row: dict[str, Any] = {"attribute": attribute, "rater_a": a, "rater_b": b, "n": int(len(two) // 2)}
            row.update(weights=weights, kappa=None, kappa_ci95=None, alpha=None, alpha_ci95=None)
            rows.append(row)
            if two.empty:
                notes.append(f"{attribute}, {a} vs {b}: no item rated by both")
                continue
            for name, options in (("kappa", {"metric": "cohen", "weights": weights}), ("alpha", {})):
                result = agreement(
                    two,
                    item="key",
                    rater="rater",
                    value="value",
                    level="interval",
                    n_boot=n_boot,
                    seed=seed,
                    **options,
                )
                row[name], row[f"{name}_ci95"] = result.value, result.ci95
                said = [f"undefined: {result.undefined}"] if result.undefined else []
                notes += [f"{attribute}, {a} vs {b}: {name} {note}" for note in [*said, *result.notes]]
    return rows, notes
