"""Krippendorff's alpha (Krippendorff 2011) at the nominal, ordinal and interval levels, on item weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from affectlab.analyses.agreement.ratings import category_codes, degenerate
from affectlab.analyses.agreement.records import Prepared, dot, on_items, undefined

__all__ = ["krippendorff"]


def krippendorff(ratings: pd.DataFrame, level: str) -> Prepared:
    """Alpha = 1 - D_o / D_e over the pairable values (items with two or more ratings)."""
    counts = np.bincount(ratings["item"].to_numpy())
    pairable = ratings[counts[ratings["item"].to_numpy()] >= 2]
    notes = []
    if len(pairable) < len(ratings):
        notes.append(f"{len(ratings) - len(pairable)} ratings of items rated once were left out (not pairable)")
    if pairable.empty:
        return undefined("no item has two or more ratings (no pairable values)", ratings, notes)
    reason = degenerate(pairable)
    if reason:
        return undefined(reason, pairable, notes)
    items, rows = np.unique(pairable["item"].to_numpy(), return_inverse=True)
    codes, categories = category_codes(pairable["value"], level)
    table = sparse.csr_matrix(
        (np.ones(len(codes)), (rows, codes)), shape=(len(items), len(categories)), dtype=np.float64
    )
    m = np.asarray(table.sum(axis=1)).ravel()
    table_t = table.T.tocsr()
    if level == "nominal":
        disagreeing = (m * m - np.asarray(table.multiply(table).sum(axis=1)).ravel()) / (m - 1)

        def local(w: NDArray[np.float64]) -> float | None:
            n_c = table_t @ w
            if np.count_nonzero(n_c) < 2:
                return None
            n = n_c.sum()
            return 1.0 - (n - 1.0) * dot(w, disagreeing) / (n * n - dot(n_c, n_c))

    else:
        values = categories.astype(np.float64)

        def local(w: NDArray[np.float64]) -> float | None:
            n_c = table_t @ w
            if np.count_nonzero(n_c) < 2:
                return None
            n = n_c.sum()
            # Ordinal distance is the interval distance between mid-ranks of the pooled values.
            p = values if level == "interval" else np.cumsum(n_c) - n_c / 2.0
            q = p - dot(n_c, p) / n
            s1, s2 = table @ q, table @ (q * q)
            within = np.maximum(s2 - s1 * s1 / m, 0.0) * 2.0 * m / (m - 1.0)
            return 1.0 - (n - 1.0) * dot(w, within) / (2.0 * n * dot(n_c, q * q))

    return Prepared(on_items(local, items), items, int(pairable["rater"].nunique()), len(pairable), None, tuple(notes))
