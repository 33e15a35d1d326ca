"""Intraclass correlations ICC(C,1) and ICC(A,1) (McGraw & Wong 1996; two-way model, single rater)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from affectlab.analyses.agreement.ratings import wide_ratings
from affectlab.analyses.agreement.records import Prepared, dot, on_items, py, undefined

__all__ = ["icc"]

EPS = 1e-12


def icc(ratings: pd.DataFrame, *, absolute: bool) -> Prepared:
    """ICC(A,1) when ``absolute``, else ICC(C,1), on the largest complete item-by-rater block."""
    wide = wide_ratings(ratings, "the ICC")
    present = wide.notna()
    order = present.sum().sort_values(ascending=False, kind="stable").index
    best_k, best_rows, mask = 0, present.index[:0], np.ones(len(wide), dtype=bool)
    for k, column in enumerate(order, start=1):
        mask &= present[column].to_numpy()
        if k >= 2 and k * mask.sum() >= best_k * len(best_rows) and mask.sum() > 0:
            best_k, best_rows = k, present.index[mask]
    if best_k < 2 or len(best_rows) < 2:
        return undefined("the ICC needs two or more items rated by the same two or more raters; no such items", ratings)
    block = wide.loc[best_rows, list(order[:best_k])]
    notes = []
    if block.size < len(ratings):
        shown = ", ".join(map(str, block.columns[:10])) + (" ..." if best_k > 10 else "")
        notes.append(
            f"the ICC needs complete item-by-rater data: used the {len(block)} items rated by all of raters "
            f"{shown}; {len(ratings) - block.size} other ratings were left out"
        )
    x = block.to_numpy(dtype=np.float64)
    if np.ptp(x) == 0:
        return undefined(f"every rating has the same value ({py(x[0, 0])!r}); the ICC is undefined", ratings, notes)
    x = x - x.mean()
    scale = float((x * x).mean())
    k = float(best_k)
    row_sums, row_squares = x.sum(axis=1), (x * x).sum(axis=1)

    def local(w: NDArray[np.float64]) -> float | None:
        n = w.sum()
        grand = dot(w, row_sums) / (n * k)
        ss_rows = k * dot(w, (row_sums / k - grand) ** 2)
        ss_cols = n * float(((np.einsum("ij,i->j", x, w) / n - grand) ** 2).sum())  # einsum: no BLAS threads
        ss_error = dot(w, row_squares) - n * k * grand**2 - ss_rows - ss_cols
        ms_rows, ms_cols, ms_error = ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1))
        denominator = ms_rows + (k - 1) * ms_error + (k * (ms_cols - ms_error) / n if absolute else 0.0)
        if denominator <= EPS * scale:
            return None
        return float((ms_rows - ms_error) / denominator)

    items = block.index.to_numpy(dtype=np.int64)
    return Prepared(on_items(local, items), items, best_k, int(block.size), None, tuple(notes))
