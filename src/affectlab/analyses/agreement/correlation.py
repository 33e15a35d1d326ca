"""Pearson correlations of a model with the humans: vs the human mean, and leave-one-human-out comparisons."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from affectlab.analyses.agreement.estimate import mean_of
from affectlab.analyses.agreement.records import Prepared, on_items
from affectlab.analyses.stats import pearson

__all__ = ["correlations"]


def _pearson(
    items: NDArray[np.int64], x: NDArray[np.float64], y: NDArray[np.float64], n_raters: int, n_ratings: int
) -> Prepared:
    """Pearson r of ``x`` and ``y`` (one value per item of ``items``) on item weights."""
    if len(items) < 2 or math.isnan(pearson(x, y)):  # type: ignore[arg-type]
        return Prepared(
            None, items, n_raters, n_ratings, "a correlation needs two or more items and values that vary on both sides"
        )

    def local(w: NDArray[np.float64]) -> float | None:
        r = float(pearson(x, y, w))  # type: ignore[arg-type]
        return None if math.isnan(r) else r

    return Prepared(on_items(local, items), items, n_raters, n_ratings)


def correlations(humans: pd.DataFrame, machine: pd.DataFrame, n_all: int) -> list[tuple[str, Prepared]]:
    """Model vs the human mean; each human, and the model, vs the mean of the other humans."""
    n_humans = int(humans["rater"].nunique())
    cell = humans.groupby(["item", "rater"], sort=False)["value"].mean()
    sums = cell.groupby(level="item").sum()
    counts = cell.groupby(level="item").size()
    model = machine.set_index("item")["value"].astype(np.float64)
    items = sums.index.to_numpy(dtype=np.int64)
    n_ratings = len(humans) + len(items)
    overall = _pearson(items, model.loc[items].to_numpy(), (sums / counts).to_numpy(), n_humans + 1, n_ratings)
    human_parts, model_parts = [], []
    for _, own in cell.groupby(level="rater", sort=False):
        own = own.droplevel("rater")
        own = own[counts.loc[own.index].to_numpy() > 1]
        ids = own.index.to_numpy(dtype=np.int64)
        others = ((sums.loc[ids] - own) / (counts.loc[ids] - 1)).to_numpy()
        used = int(counts.loc[ids].sum())
        human = _pearson(ids, own.to_numpy(), others, n_humans, used)
        machine_part = _pearson(ids, model.loc[ids].to_numpy(), others, n_humans, used)
        if human.stat is not None and machine_part.stat is not None:  # the same raters on both rows
            human_parts.append((len(ids), human))
            model_parts.append((len(ids), machine_part))
    n_left_out = n_humans - len(human_parts)
    note = (f"{n_left_out} of {n_humans} raters left out (too few items shared with other raters, or no variance)",)
    return [
        ("model vs human mean", overall),
        *(
            (name, replace(part, notes=part.notes + note) if n_left_out else part)
            for name, part in (
                ("human vs mean of other humans", mean_of(human_parts, n_all, "one human held out")),
                ("model vs mean of other humans", mean_of(model_parts, n_all, "one human held out")),
            )
        ),
    ]
