"""Aggregate several raters' categorical labels into one label set or distribution per item.

Methods (``method``):

- ``majority``: a label is kept when more than half of the item's raters chose it (may keep none).
- ``plurality``: the most chosen label(s); every tied label is kept and the row is marked ``tied``.
- ``all``: every label any rater chose (the union).
- ``soft``: the share of the item's raters that chose each label, one ``share.<label>`` column per label, in
  label order (numeric for numbers).

Values may be single labels (``joy``) or several labels in one field (``joy,surprise``), split on ``sep``.
The documentation is ``docs/agreement.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from affectlab.analyses.agreement.ratings import check_columns
from affectlab.core.validation import check_choice
from affectlab.errors import InputError, ParameterError

__all__ = ["METHODS", "aggregate_labels"]

METHODS = ("majority", "plurality", "all", "soft")


def aggregate_labels(
    frame: pd.DataFrame,
    *,
    item: str,
    value: str,
    rater: str | None = None,
    method: str = "majority",
    sep: str = ",",
) -> pd.DataFrame:
    """One row per item with its aggregated labels, items in first-seen order.

    Parameters
    ----------
    frame : DataFrame
        Long table: one row per rating.
    item : str
        Column of item ids.
    value : str
        Column of labels: one label, or several joined by ``sep``. An empty or missing value counts as a rater
        who chose no label (drop such rows first if they mean "not rated").
    rater : str, optional
        Column of rater ids; a rater's rows for one item are merged (the union of their labels). Default: every
        row is a separate rater.
    method : str, default="majority"
        One of :data:`METHODS`: ``majority``, ``plurality``, ``all``, ``soft``.
    sep : str, default=","
        Separator of several labels in one value; also joins the output ``labels``. Spaces around labels are
        stripped; numbers that are whole (``3.0``) are written as ``3``.

    Returns
    -------
    DataFrame
        Columns: ``item`` (named as the input column), ``n_raters``, then

        - ``majority``, ``all``: ``labels`` (joined by ``sep``; empty when none);
        - ``plurality``: ``labels`` and ``tied`` (True when several labels share the top count);
        - ``soft``: ``share.<label>`` in [0, 1] for every label of the table, ordered by label: numerically
          when every label is a number (``share.2`` before ``share.10``), else alphabetically.

        Within ``labels``, labels are ordered by number of raters (most first), ties by first appearance in the
        table.

    Raises
    ------
    InputError
        A column is missing (the message lists the available ones) or an item id is missing.
    ParameterError
        Unknown ``method`` or empty ``sep``.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 1, 1, 2, 2], "label": ["joy", "joy,fear", "fear", "anger", "joy"]})
    >>> aggregate_labels(frame, item="id", value="label", method="majority")["labels"].tolist()
    ['joy,fear', '']
    >>> aggregate_labels(frame, item="id", value="label", method="plurality")["tied"].tolist()
    [True, True]
    """
    check_choice(method, "method", "aggregate_labels", METHODS)
    if not isinstance(sep, str) or not sep:
        raise ParameterError(f"The 'sep' parameter of aggregate_labels must be a non-empty str. Got {sep!r} instead.")
    check_columns(frame, [item, value, rater])
    missing = frame[item].isna().to_numpy()
    if missing.any():
        raise InputError(
            f"Row {int(np.flatnonzero(missing)[0])} has no {item!r} id ({int(missing.sum())} such rows); drop those "
            "rows or fill them in."
        )
    items, item_ids = pd.factorize(frame[item], sort=False)
    raters = pd.factorize(frame[rater].astype(str), sort=False)[0] if rater is not None else np.arange(len(frame))
    votes = pd.DataFrame({"item": items, "rater": raters, "labels": frame[value].map(lambda v: _split(v, sep))})
    n_raters = votes.drop_duplicates(["item", "rater"]).groupby("item").size()
    chosen = votes.explode("labels").dropna(subset=["labels"]).drop_duplicates(["item", "rater", "labels"])
    label_order = {label: rank for rank, label in enumerate(pd.unique(chosen["labels"]))}
    counts = chosen.groupby(["item", "labels"], sort=False).size().rename("count").reset_index()
    counts["n_raters"] = counts["item"].map(n_raters)
    out = pd.DataFrame({item: item_ids, "n_raters": n_raters.reindex(range(len(item_ids))).to_numpy()})
    if method == "soft":
        shares = counts.assign(share=counts["count"] / counts["n_raters"]).pivot(
            index="item", columns="labels", values="share"
        )
        shares = shares.reindex(index=range(len(item_ids)), columns=_sorted_labels(label_order)).fillna(0.0)
        shares.columns = [f"share.{label}" for label in shares.columns]
        return pd.concat([out, shares.reset_index(drop=True)], axis=1)
    top = counts.groupby("item")["count"].transform("max")
    keep = {
        "majority": counts["count"] > counts["n_raters"] / 2,
        "plurality": counts["count"] == top,
        "all": counts["count"] > 0,
    }[method]
    kept = counts[keep].assign(rank=lambda t: t["labels"].map(label_order))
    kept = kept.sort_values(["item", "count", "rank"], ascending=[True, False, True])
    joined = kept.groupby("item")["labels"].agg(sep.join)
    out["labels"] = joined.reindex(range(len(item_ids))).fillna("").to_numpy()
    if method == "plurality":
        out["tied"] = kept.groupby("item").size().reindex(range(len(item_ids))).fillna(0).to_numpy() > 1
    return out


def _sorted_labels(labels: Iterable[str]) -> list[str]:
    """Labels in numeric order when all are numbers, else in sorted (alphabetical) order."""
    labels = list(labels)
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _split(value: Any, sep: str) -> list[str]:
    """The labels of one rating: split on ``sep``, stripped, empty parts dropped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [part.strip() for part in str(value).split(sep) if part.strip()]
