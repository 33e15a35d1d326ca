"""Ratings tables: parameter checks, the default level, the long and wide forms, and the model's rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from affectlab.analyses.agreement.records import py
from affectlab.core.validation import check_choice, check_int
from affectlab.errors import InputError, ParameterError

__all__ = [
    "LEVELS",
    "METRICS",
    "WEIGHTS",
    "category_codes",
    "check_columns",
    "check_parameters",
    "data_level",
    "degenerate",
    "is_missing",
    "is_numeric",
    "long_ratings",
    "model_rows",
    "rater_from_order",
    "wide_ratings",
]

METRICS = ("krippendorff", "fleiss", "cohen", "icc_c1", "icc_a1")
LEVELS = ("nominal", "ordinal", "interval")
WEIGHTS = ("linear", "quadratic")
_METRIC_LEVELS = {
    "krippendorff": LEVELS,
    "fleiss": ("nominal",),
    "cohen": LEVELS,
    "icc_c1": ("interval",),
    "icc_a1": ("interval",),
}
_COHEN_WEIGHTS = {"nominal": None, "ordinal": "linear", "interval": "quadratic"}


def check_columns(frame: object, columns: Sequence[str | None]) -> None:
    """Refuse anything but a DataFrame holding ``columns`` (None entries are skipped)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"Ratings must be a pandas DataFrame in long format. Got {type(frame).__name__} instead.")
    for column in columns:
        if column is not None and column not in frame.columns:
            raise InputError(f"Column {column!r} not found. Available columns: {', '.join(map(str, frame.columns))}.")


def data_level(values: pd.Series) -> tuple[str, str]:
    """The level the ratings call for, and why: interval (numbers), ordinal (ordered categories), else nominal."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered:
        return "ordinal", "level 'ordinal' chosen for ordered categories (the default; set the level to choose another)"
    if is_numeric(values):
        return "interval", "level 'interval' chosen for numeric ratings (the default; set the level to choose another)"
    return "nominal", "level 'nominal' chosen for unordered labels (the default; set the level to choose another)"


def check_parameters(
    metric: str, level: str | None, weights: str | None, n_boot: int, owner: str, values: pd.Series
) -> tuple[str, str, str | None, str | None]:
    """``metric``, ``level``, ``weights`` checked and defaulted, with a note when the level came from ``values``.

    A metric that takes one level gets it; otherwise the level follows :func:`data_level`.
    """
    check_choice(metric, "metric", owner, METRICS)
    allowed = _METRIC_LEVELS[metric]
    note = None
    if level is None:
        level, note = (allowed[0], None) if len(allowed) == 1 else data_level(values)
    check_choice(level, "level", owner, LEVELS)
    if level not in allowed:
        raise ParameterError(
            f"The 'level' parameter of {owner} must be among {{{', '.join(map(repr, allowed))}}} for metric "
            f"{metric!r}. Got {level!r} instead; use metric='krippendorff' for other levels."
        )
    if weights is not None:
        if metric != "cohen":
            raise ParameterError(
                f"The 'weights' parameter of {owner} applies to metric 'cohen' only. Got weights={weights!r} "
                f"with metric {metric!r}; leave it unset."
            )
        check_choice(weights, "weights", owner, WEIGHTS)
        if level == "nominal":
            raise ParameterError(
                f"The 'weights' parameter of {owner} needs ordered categories; pass level='ordinal' or "
                f"'interval' with weights={weights!r}, or leave weights unset for nominal data."
            )
    elif metric == "cohen":
        weights = _COHEN_WEIGHTS[level]
    check_int(n_boot, "n_boot", owner, minimum=0)
    return metric, level, weights, note


def is_missing(values: pd.Series) -> NDArray[np.bool_]:
    """NaN, None, and blank text."""
    missing = values.isna().to_numpy()
    if is_numeric(values):
        return missing
    return missing | values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)


def is_numeric(values: pd.Series) -> bool:
    """Numbers, booleans excluded."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def rater_from_order(frame: pd.DataFrame, item: str, *, column: str = "rater") -> pd.DataFrame:
    """Add a rater column numbering each item's ratings in row order (1, 2, 3, ...).

    For files without rater ids, such as EmoBank's per-rater ratings, the k-th row of an item is taken to be
    rater ``k``. The raters so made are not people: rater 1 of one item and rater 1 of another may differ.
    Krippendorff's alpha and Fleiss' kappa do not use rater identity and are unaffected; Cohen's kappa and the
    ICCs treat rater ``k`` as one person across items.

    Parameters
    ----------
    frame : DataFrame
        Long table of ratings, rows of one item in rating order (they need not be contiguous).
    item : str
        Column of item ids.
    column : str, default="rater"
        Name of the new column (int, starting at 1).

    Returns
    -------
    DataFrame
        A copy of ``frame`` with the new column.

    Raises
    ------
    InputError
        If ``item`` is not a column or ``column`` already is one.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a", "a", "b", "a"], "V": [3, 4, 2, 3]})
    >>> rater_from_order(frame, "id")["rater"].tolist()
    [1, 2, 1, 3]
    """
    check_columns(frame, [item])
    if column in frame.columns:
        raise InputError(
            f"The table already has a {column!r} column; pass another name with column= (or use that column as "
            "the rater column)."
        )
    out = frame.copy()
    out[column] = out.groupby(item, sort=False).cumcount().to_numpy() + 1
    return out


def long_ratings(
    frame: pd.DataFrame, item: str, rater: str, value: str, raters: Sequence[object] | None, *, numeric: bool
) -> pd.DataFrame:
    """Columns item (int code, first-seen order), item_id, rater (str), value; missing ratings dropped.

    Ordered categories become their 1-based category ranks.
    """
    check_columns(frame, [item, rater, value])
    for column in (item, rater):
        missing = frame[column].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"Row {row} has no {column!r} id ({int(missing.sum())} such rows); every rating needs an item and "
                "a rater id. Drop those rows or fill them in."
            )
    codes, _ = pd.factorize(frame[item], sort=False)
    values = frame[value]
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered:
        values = pd.Series(np.where(values.isna(), np.nan, values.cat.codes + 1.0), index=values.index)
    out = pd.DataFrame(
        {
            "item": codes.astype(np.int64),
            "item_id": frame[item].to_numpy(),
            "rater": frame[rater].astype(str).to_numpy(),
            "value": values.to_numpy(),
        }
    )
    if raters is not None:
        out = _keep_raters(out, raters, rater)
    out = out[~is_missing(out["value"])].reset_index(drop=True)
    if numeric:
        converted = pd.to_numeric(out["value"], errors="coerce")
        bad = converted.isna().to_numpy()
        if bad.any():
            first = out["value"].iloc[int(np.flatnonzero(bad)[0])]
            raise InputError(
                f"Ordinal and interval levels need numeric ratings, but column {value!r} holds {first!r} "
                f"({int(bad.sum())} non-numeric values). Use level='nominal' or fix the values."
            )
        out["value"] = converted.astype(np.float64)
    return out


def _keep_raters(ratings: pd.DataFrame, raters: Sequence[object], column: str) -> pd.DataFrame:
    wanted = [str(r) for r in raters]
    known = set(ratings["rater"].unique().tolist())
    unknown = [r for r in wanted if r not in known]
    if unknown:
        shown = ", ".join(sorted(known)[:20]) + (" ..." if len(known) > 20 else "")
        raise InputError(f"Rater(s) {', '.join(unknown)} not found in column {column!r}. Raters: {shown}.")
    return ratings[ratings["rater"].isin(wanted)]


def model_rows(
    humans: pd.DataFrame, model: Mapping[object, object] | pd.Series, model_rater: str, *, numeric: bool
) -> pd.DataFrame:
    """The model's ratings as rows like ``humans``': floats when they are numbers (required when ``numeric``)."""
    if (humans["rater"] == model_rater).any():
        raise InputError(f"The model's rater id {model_rater!r} is also a human rater's id; pass another model_rater=.")
    series = model if isinstance(model, pd.Series) else pd.Series(dict(model), dtype=object)
    series = series[~is_missing(series)]
    series = series[~series.index.duplicated()]
    ids = humans.drop_duplicates("item")[["item", "item_id"]]
    ids = ids[ids["item_id"].isin(series.index)]
    if ids.empty:
        example = ", ".join(repr(py(v)) for v in humans["item_id"].drop_duplicates().head(3))
        raise InputError(
            "No item of the ratings table has a model value; check that the model's ids match the item ids "
            f"(such as {example})."
        )
    values: Any = series.loc[ids["item_id"]].to_numpy()
    if pd.api.types.infer_dtype(values, skipna=False) in ("integer", "floating", "mixed-integer-float"):
        values = values.astype(np.float64)
    elif numeric:
        converted = pd.to_numeric(pd.Series(values), errors="coerce")
        if converted.isna().any():
            raise InputError(
                f"Ordinal and interval levels need numeric model values, but one is "
                f"{py(values[int(converted.isna().idxmax())])!r}; use a numeric model field (such as vad.valence) "
                "or level='nominal'."
            )
        values = converted.to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {"item": ids["item"].to_numpy(), "item_id": ids["item_id"].to_numpy(), "rater": model_rater, "value": values}
    )


def wide_ratings(ratings: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Items by raters (raters in first-seen order); refuses repeated (item, rater) pairs."""
    repeated = ratings.duplicated(["item", "rater"])
    if repeated.any():
        first = ratings[repeated].iloc[0]
        raise InputError(
            f"Item {py(first['item_id'])!r} has more than one rating from rater {first['rater']!r} "
            f"({int(repeated.sum())} repeated item-rater pairs); {metric} needs at most one rating per item and "
            "rater. Average or drop the repeats, or number anonymous raters with rater_from_order."
        )
    order = ratings["rater"].unique().tolist()
    return ratings.pivot(index="item", columns="rater", values="value")[order]


def category_codes(values: pd.Series, level: str) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Category codes and categories: sorted for ordered levels, first-seen order for nominal."""
    codes, uniques = pd.factorize(values, sort=level != "nominal")
    return codes.astype(np.int64), np.asarray(uniques)


def degenerate(ratings: pd.DataFrame) -> str | None:
    """Why agreement is undefined on ``ratings`` (one rater, one value), or None."""
    raters = ratings["rater"].unique()
    if len(raters) < 2:
        return f"only one rater ({py(raters[0])!r}); agreement needs two or more raters"
    values = ratings["value"].unique()
    if len(values) < 2:
        return (
            f"every rating has the same value ({py(values[0])!r}); agreement beyond chance is undefined when the "
            "ratings do not vary"
        )
    return None
