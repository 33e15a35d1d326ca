"""Fleiss' kappa (Fleiss 1971) and Cohen's kappa (Cohen 1960; weighted, Cohen 1968), on item weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from affectlab.analyses.agreement.ratings import category_codes, degenerate, wide_ratings
from affectlab.analyses.agreement.records import Prepared, dot, on_items, undefined

__all__ = ["cohen", "fleiss"]


def fleiss(ratings: pd.DataFrame) -> Prepared:
    """Fleiss' kappa on the items with the most common number of ratings."""
    per_item = ratings.groupby("item", sort=False).size()
    sizes = per_item.value_counts()
    m = int(max(sizes.index, key=lambda size: (size * sizes[size], size)))
    if m < 2:
        return undefined("no item has two or more ratings (no pairable values)", ratings)
    kept = ratings[ratings["item"].map(per_item).to_numpy() == m]
    notes = []
    if len(kept) < len(ratings):
        n_other = int((per_item != m).sum())
        notes.append(
            f"Fleiss' kappa needs the same number of ratings per item: used the {int(sizes[m])} items with {m} "
            f"ratings; {n_other} items with other counts were left out"
        )
    reason = degenerate(kept)
    if reason:
        return undefined(reason, kept, notes)
    items, rows = np.unique(kept["item"].to_numpy(), return_inverse=True)
    codes, categories = category_codes(kept["value"], "nominal")
    table = sparse.csr_matrix((np.ones(len(codes)), (rows, codes)), shape=(len(items), len(categories)))
    per_item_agreement = (np.asarray(table.multiply(table).sum(axis=1)).ravel() - m) / (m * (m - 1.0))
    table_t = table.T.tocsr()

    def local(w: NDArray[np.float64]) -> float | None:
        n_c = table_t @ w
        if np.count_nonzero(n_c) < 2:
            return None
        p = n_c / n_c.sum()
        expected = dot(p, p)
        return (dot(w, per_item_agreement) / w.sum() - expected) / (1.0 - expected)

    return Prepared(on_items(local, items), items, int(kept["rater"].nunique()), len(kept), None, tuple(notes))


def cohen(ratings: pd.DataFrame, level: str, weights: str | None) -> Prepared:
    """Cohen's kappa of exactly two raters, unweighted or with ``linear``/``quadratic`` rank-distance weights."""
    raters = ratings["rater"].unique().tolist()
    if len(raters) > 2:
        shown = ", ".join(map(repr, raters[:10])) + (" ..." if len(raters) > 10 else "")
        return undefined(
            f"Cohen's kappa compares exactly two raters; the table has {len(raters)} ({shown}). Choose two with "
            "raters=[a, b] (--raters a,b on the command line), or use fleiss or krippendorff",
            ratings,
        )
    wide = wide_ratings(ratings, "Cohen's kappa").dropna()
    n_all = ratings["item"].nunique()
    notes = (
        [f"{n_all - len(wide)} items rated by only one of the two raters were left out"] if len(wide) < n_all else []
    )
    if wide.empty:
        return undefined("no item was rated by both raters", ratings, notes)
    pairs = ratings[ratings["item"].isin(wide.index)]
    reason = degenerate(pairs)
    if reason:
        return undefined(reason, pairs, notes)
    codes, categories = category_codes(pd.concat([wide[raters[0]], wide[raters[1]]], ignore_index=True), level)
    v = len(categories)
    first, second = codes[: len(wide)], codes[len(wide) :]
    rank = np.arange(v, dtype=np.float64)
    distance = np.abs(rank[:, None] - rank[None, :])
    penalty = {None: (distance > 0).astype(np.float64), "linear": distance, "quadratic": distance**2}[weights]
    cells = first * v + second

    def local(w: NDArray[np.float64]) -> float | None:
        observed = np.bincount(cells, weights=w, minlength=v * v).reshape(v, v)
        expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
        chance = float((penalty * expected).sum())
        if chance <= 0.0:
            return None
        return 1.0 - float((penalty * observed).sum()) / chance

    items = wide.index.to_numpy(dtype=np.int64)
    return Prepared(on_items(local, items), items, 2, 2 * len(wide), None, tuple(notes))
