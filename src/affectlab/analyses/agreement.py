"""Inter-rater agreement with bootstrap confidence intervals.

Statistics (``metric``), each on a long table of ratings (one row per rating: item, rater, value):

- ``krippendorff``: Krippendorff's alpha at the ``nominal``, ``ordinal`` or ``interval`` level. Any number of
  raters per item, missing ratings allowed; rater identity is not used. At most 1 (perfect), 0 at chance,
  negative for systematic disagreement.
- ``fleiss``: Fleiss' kappa (nominal). Needs the same number of ratings per item; rater identity is not used.
  At most 1, 0 at chance.
- ``cohen``: Cohen's kappa between exactly two raters; unweighted (nominal) or weighted by category rank
  distance, linear (default for ordinal) or quadratic (default for interval). Range [-1, 1], 0 chance.
- ``icc_c1`` / ``icc_a1``: intraclass correlations ICC(C,1) (consistency) and ICC(A,1) (absolute agreement) of
  McGraw & Wong (1996), two-way model, single rater. Interval ratings. At most 1; negative when the items vary
  less than the raters' noise.

Every value comes with a percentile 95% bootstrap interval over items: the items a statistic uses are drawn with
replacement (seeded) and the statistic recomputed, a drawn item keeping all its ratings. The documentation is
``docs/agreement.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from affectlab.errors import InputError, ParameterError

__all__ = [
    "LEVELS",
    "METRICS",
    "WEIGHTS",
    "AgreementResult",
    "agreement",
    "compare_with_model",
    "rater_from_order",
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
_EPS = 1e-12

Stat = Callable[[NDArray[np.float64]], float | None]


@dataclass(frozen=True)
class AgreementResult:
    """One agreement statistic with its bootstrap interval.

    Attributes
    ----------
    metric : str
        One of :data:`METRICS` (``pearson`` for correlation rows of :func:`compare_with_model`).
    level : str
        Level of measurement used: ``nominal``, ``ordinal`` or ``interval``.
    value : float or None
        The statistic; None when it is undefined (see ``undefined``).
    ci95 : tuple of float or None
        Percentile 95% bootstrap interval ``(lo, hi)`` over items; None when ``n_boot`` is 0 or no
        bootstrap replicate was defined.
    n_items, n_raters, n_ratings : int
        Items, distinct raters and ratings the statistic used.
    undefined : str or None
        Why ``value`` is None (a single rater, no variance, no pairable items, ...), else None.
    weights : str or None
        Cohen's kappa weights (``linear``, ``quadratic``) or None.
    n_boot : int
        Bootstrap replicates drawn.
    notes : tuple of str
        What was left out and why (items or raters dropped, undefined replicates).
    """

    metric: str
    level: str
    value: float | None
    ci95: tuple[float, float] | None
    n_items: int
    n_raters: int
    n_ratings: int
    undefined: str | None = None
    weights: str | None = None
    n_boot: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``ci95`` as a two-item list or None)."""
        data = asdict(self)
        data["ci95"] = list(self.ci95) if self.ci95 is not None else None
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class _Prepared:
    """A statistic ready to evaluate on item weights.

    ``stat`` takes one weight per item code of the whole table (1 for the point estimate, bootstrap
    multiplicities for a replicate) and returns None when undefined; ``items`` are the codes it uses.
    """

    stat: Stat | None
    items: NDArray[np.int64]
    n_raters: int
    n_ratings: int
    undefined: str | None = None
    notes: tuple[str, ...] = ()


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
    _check_columns(frame, [item])
    if column in frame.columns:
        raise InputError(
            f"The table already has a {column!r} column; pass another name with column= (or use that column as "
            "the rater column)."
        )
    out = frame.copy()
    out[column] = out.groupby(item, sort=False).cumcount().to_numpy() + 1
    return out


def agreement(
    frame: pd.DataFrame,
    *,
    item: str,
    rater: str,
    value: str,
    metric: str = "krippendorff",
    level: str | None = None,
    weights: str | None = None,
    raters: Sequence[object] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> AgreementResult:
    """Agreement among raters, with a percentile 95% bootstrap interval over items.

    Parameters
    ----------
    frame : DataFrame
        Long table: one row per rating. Rows with a missing value (NaN, None, empty text) are missing ratings.
    item, rater, value : str
        Columns of item ids, rater ids and ratings. Use :func:`rater_from_order` when there are no rater ids.
    metric : str, default="krippendorff"
        One of :data:`METRICS`: ``krippendorff``, ``fleiss``, ``cohen``, ``icc_c1``, ``icc_a1``.
    level : str, optional
        ``nominal``, ``ordinal`` or ``interval``. Default: ``interval`` for the ICCs, else ``nominal``.
        Krippendorff and Cohen take all three, Fleiss only nominal, the ICCs only interval. Ordinal and
        interval levels need numeric ratings.
    weights : str, optional
        Cohen's kappa only: ``linear`` or ``quadratic`` distance between category ranks. Default: none
        (nominal), linear (ordinal), quadratic (interval).
    raters : sequence, optional
        Keep only these raters (matched by their text form, so ``[1, 2]`` and ``["1", "2"]`` agree).
    n_boot : int, default=1000
        Bootstrap replicates; 0 skips the interval.
    seed : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    AgreementResult
        ``value`` is None with a reason in ``undefined`` for a single rater, ratings without variance, or no
        pairable items; never NaN.

    Raises
    ------
    ParameterError
        Unknown metric, level or weights, or a combination the metric does not take; ``n_boot`` < 0.
    InputError
        Missing columns (the message lists the available ones), non-numeric ratings at the ordinal or interval
        level, missing item or rater ids, repeated (item, rater) pairs for ``cohen`` and the ICCs.

    Examples
    --------
    >>> frame = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 3, "label": list("xxyyxy")})
    >>> result = agreement(frame, item="item", rater="rater", value="label", metric="cohen", n_boot=0)
    >>> round(result.value, 3), result.n_items, result.undefined
    (0.4, 3, None)
    """
    metric, level, weights = _check_parameters(metric, level, weights, n_boot, "agreement")
    ratings = _long(frame, item, rater, value, raters, numeric=level != "nominal")
    prepared = _prepare(ratings, metric, level, weights)
    n_all = int(ratings["item"].max()) + 1 if len(ratings) else 0
    return _results([(prepared, metric, level, weights)], _Bootstrap(n_all, n_boot, seed))[0]


def compare_with_model(
    frame: pd.DataFrame,
    model: Mapping[object, object] | pd.Series,
    *,
    item: str,
    rater: str,
    value: str,
    metrics: Sequence[str] = ("krippendorff",),
    level: str | None = None,
    weights: str | None = None,
    raters: Sequence[object] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    model_rater: str = "model",
) -> pd.DataFrame:
    """Human-vs-human agreement beside agreement with a model scored as one more rater.

    Only items that have a model value are used, for every row. For each metric the rows are:

    - ``humans``: agreement among the human raters;
    - ``humans + model``: the model added as one more rater;
    - ``model replaces a human``: for each human rater in turn, the model takes that rater's place on the
      items the rater rated; the mean of these statistics, weighted by the rater's number of ratings.

    With numeric ratings, three Pearson correlations follow: the model vs the human mean; each human vs the
    mean of the other humans, and the model vs that same mean of the other humans (both averaged over raters,
    weighted by their number of items), which compare the model and a human on equal footing.

    Each row's interval resamples the items that row uses, with the same seed (rows using the same items see
    the same draws).

    Parameters
    ----------
    frame : DataFrame
        Long table of human ratings (see :func:`agreement`).
    model : mapping or Series
        Model value per item id (ids as in ``frame[item]``), already on the humans' scale.
    item, rater, value : str
        Columns of ``frame``.
    metrics : sequence of str, default=("krippendorff",)
        Statistics from :data:`METRICS`.
    level, weights, raters, n_boot, seed
        As in :func:`agreement`; ``level`` applies to every metric (None: each metric's default).
    model_rater : str, default="model"
        Rater id given to the model; must not be a human rater's id.

    Returns
    -------
    DataFrame
        One row per comparison: ``comparison`` then the fields of :class:`AgreementResult` (``ci95`` split into
        ``ci95_lo`` and ``ci95_hi``). For the averaged rows ``n_items`` counts the items of all parts, ``n_raters``
        and ``n_ratings`` are those of the largest part. An undefined ``value`` is missing (NaN) in the frame, with
        its reason in ``undefined``.

    Raises
    ------
    ParameterError, InputError
        As in :func:`agreement`; also when no item of ``frame`` has a model value.
    """
    if isinstance(metrics, str):
        raise ParameterError(
            f"The 'metrics' parameter of compare_with_model must be a sequence of names such as "
            f"[{metrics!r}]. Got the string {metrics!r} instead."
        )
    checked = [_check_parameters(m, level, weights, n_boot, "compare_with_model") for m in metrics]
    numeric = any(lvl != "nominal" for _, lvl, _ in checked)
    humans = _long(frame, item, rater, value, raters, numeric=numeric)
    machine = _model_rows(humans, model, model_rater, numeric=numeric)
    n_items = humans["item"].nunique()
    humans = humans[humans["item"].isin(machine["item"])]
    notes = []
    if n_items > humans["item"].nunique():
        notes.append(f"{n_items - humans['item'].nunique()} items without a model value were left out")
    n_all = int(humans["item"].max()) + 1
    specs: list[tuple[_Prepared, str, str, str | None]] = []
    names: list[str] = []
    for metric, lvl, wts in checked:
        replaced = []
        for r in humans["rater"].unique().tolist():
            own = humans["rater"] == r
            stand_in = machine[machine["item"].isin(humans.loc[own, "item"])]
            replaced.append((int(own.sum()), _prepare(pd.concat([humans[~own], stand_in]), metric, lvl, wts)))
        specs += [
            (_prepare(humans, metric, lvl, wts), metric, lvl, wts),
            (_prepare(pd.concat([humans, machine]), metric, lvl, wts), metric, lvl, wts),
            (_mean_of(replaced, n_all, "model replaced one human"), metric, lvl, wts),
        ]
        names += ["humans", "humans + model", "model replaces a human"]
    if _is_numeric(humans["value"]) and _is_numeric(machine["value"]):
        for name, prepared in _correlations(humans, machine, n_all):
            specs.append((prepared, "pearson", "interval", None))
            names.append(name)
    records = []
    for name, res in zip(names, _results(specs, _Bootstrap(n_all, n_boot, seed), notes)):
        data = res.to_dict()
        ci = data.pop("ci95")
        records.append({"comparison": name, **data, "ci95_lo": ci[0] if ci else None, "ci95_hi": ci[1] if ci else None})
    return pd.DataFrame(records)


# ----------------------------------------------------------------------------------------------- input checks


def _check_columns(frame: object, columns: Sequence[str | None]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"Ratings must be a pandas DataFrame in long format. Got {type(frame).__name__} instead.")
    for column in columns:
        if column is not None and column not in frame.columns:
            raise InputError(f"Column {column!r} not found. Available columns: {', '.join(map(str, frame.columns))}.")


def _check_parameters(
    metric: str, level: str | None, weights: str | None, n_boot: int, owner: str
) -> tuple[str, str, str | None]:
    if metric not in METRICS:
        raise ParameterError(
            f"The 'metric' parameter of {owner} must be a str among {{{', '.join(map(repr, METRICS))}}}. "
            f"Got {metric!r} instead."
        )
    allowed = _METRIC_LEVELS[metric]
    if level is None:
        level = allowed[0]
    if level not in LEVELS:
        raise ParameterError(
            f"The 'level' parameter of {owner} must be a str among {{{', '.join(map(repr, LEVELS))}}}. "
            f"Got {level!r} instead."
        )
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
        if weights not in WEIGHTS:
            raise ParameterError(
                f"The 'weights' parameter of {owner} must be None or a str among "
                f"{{{', '.join(map(repr, WEIGHTS))}}}. Got {weights!r} instead."
            )
        if level == "nominal":
            raise ParameterError(
                f"The 'weights' parameter of {owner} needs ordered categories; pass level='ordinal' or "
                f"'interval' with weights={weights!r}, or leave weights unset for nominal data."
            )
    elif metric == "cohen":
        weights = _COHEN_WEIGHTS[level]
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ParameterError(f"The 'n_boot' parameter of {owner} must be an int >= 0. Got {n_boot!r} instead.")
    return metric, level, weights


def _is_missing(values: pd.Series) -> NDArray[np.bool_]:
    """NaN, None, and blank text."""
    missing = values.isna().to_numpy()
    if _is_numeric(values):
        return missing
    return missing | values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _long(
    frame: pd.DataFrame,
    item: str,
    rater: str,
    value: str,
    raters: Sequence[object] | None,
    *,
    numeric: bool,
) -> pd.DataFrame:
    """Columns item (int code, first-seen order), item_id, rater (str), value; missing ratings dropped."""
    _check_columns(frame, [item, rater, value])
    for column in (item, rater):
        missing = frame[column].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"Row {row} has no {column!r} id ({int(missing.sum())} such rows); every rating needs an item and "
                "a rater id. Drop those rows or fill them in."
            )
    codes, _ = pd.factorize(frame[item], sort=False)
    out = pd.DataFrame(
        {
            "item": codes.astype(np.int64),
            "item_id": frame[item].to_numpy(),
            "rater": frame[rater].astype(str).to_numpy(),
            "value": frame[value].to_numpy(),
        }
    )
    if raters is not None:
        wanted = [str(r) for r in raters]
        known = set(out["rater"].unique().tolist())
        unknown = [r for r in wanted if r not in known]
        if unknown:
            shown = ", ".join(sorted(known)[:20]) + (" ..." if len(known) > 20 else "")
            raise InputError(f"Rater(s) {', '.join(unknown)} not found in column {rater!r}. Raters: {shown}.")
        out = out[out["rater"].isin(wanted)]
    out = out[~_is_missing(out["value"])].reset_index(drop=True)
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


def _model_rows(
    humans: pd.DataFrame, model: Mapping[object, object] | pd.Series, model_rater: str, *, numeric: bool
) -> pd.DataFrame:
    """The model's ratings as rows like ``humans``': floats when they are numbers (required when ``numeric``)."""
    if (humans["rater"] == model_rater).any():
        raise InputError(f"The model's rater id {model_rater!r} is also a human rater's id; pass another model_rater=.")
    series = model if isinstance(model, pd.Series) else pd.Series(dict(model), dtype=object)
    series = series[~_is_missing(series)]
    series = series[~series.index.duplicated()]
    ids = humans.drop_duplicates("item")[["item", "item_id"]]
    ids = ids[ids["item_id"].isin(series.index)]
    if ids.empty:
        example = ", ".join(repr(_py(v)) for v in humans["item_id"].drop_duplicates().head(3))
        raise InputError(
            "No item of the ratings table has a model value; check that the model's ids match the item ids "
            f"(such as {example})."
        )
    values = series.loc[ids["item_id"]].to_numpy()
    if pd.api.types.infer_dtype(values, skipna=False) in ("integer", "floating", "mixed-integer-float"):
        values = values.astype(np.float64)
    elif numeric:
        converted = pd.to_numeric(pd.Series(values), errors="coerce")
        if converted.isna().any():
            raise InputError(
                f"Ordinal and interval levels need numeric model values, but one is "
                f"{_py(values[int(converted.isna().idxmax())])!r}; use a numeric model field (such as vad.valence) "
                "or level='nominal'."
            )
        values = converted.to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {"item": ids["item"].to_numpy(), "item_id": ids["item_id"].to_numpy(), "rater": model_rater, "value": values}
    )


# ------------------------------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class _Bootstrap:
    """Seeded item resampling over a table whose items are coded 0 .. ``n_items - 1``."""

    n_items: int
    n_boot: int
    seed: int

    def draws(self, pool: NDArray[np.int64]) -> Iterator[NDArray[np.float64]]:
        """Item weights per replicate: multiplicities of ``len(pool)`` draws from ``pool``, 0 elsewhere."""
        rng = np.random.default_rng(self.seed)
        for _ in range(self.n_boot):
            weights = np.zeros(self.n_items)
            weights[pool] = np.bincount(rng.integers(0, len(pool), len(pool)), minlength=len(pool))
            yield weights


def _results(
    specs: Sequence[tuple[_Prepared, str, str, str | None]], boot: _Bootstrap, extra_notes: Sequence[str] = ()
) -> list[AgreementResult]:
    """Point estimates and percentile intervals, each statistic resampling the items it uses.

    Statistics that use the same items see the same draws.
    """
    ones = np.ones(boot.n_items)
    values = [p.stat(ones) if p.stat is not None else None for p, *_ in specs]
    replicates: dict[int, list[float]] = {k: [] for k, v in enumerate(values) if v is not None}
    groups: dict[bytes, list[int]] = {}
    for k in replicates:
        groups.setdefault(specs[k][0].items.tobytes(), []).append(k)
    for members in groups.values():
        for weights in boot.draws(specs[members[0]][0].items):
            for k in members:
                r = specs[k][0].stat(weights)  # type: ignore[misc]
                if r is not None:
                    replicates[k].append(r)
    results = []
    for k, (prepared, metric, level, weights) in enumerate(specs):
        notes = [*extra_notes, *prepared.notes]
        undefined = prepared.undefined
        ci = None
        if values[k] is None:
            undefined = undefined or "the statistic's denominator is 0 (no variance among the rated items)"
        elif boot.n_boot:
            done = np.asarray(replicates[k], dtype=np.float64)
            if done.size:
                lo, hi = np.percentile(done, [2.5, 97.5])
                ci = (float(lo), float(hi))
            if done.size < boot.n_boot:
                notes.append(f"{boot.n_boot - done.size} of {boot.n_boot} bootstrap replicates were undefined")
        results.append(
            AgreementResult(
                metric=metric,
                level=level,
                value=None if values[k] is None else float(values[k]),  # type: ignore[arg-type]
                ci95=ci,
                n_items=len(prepared.items),
                n_raters=prepared.n_raters,
                n_ratings=prepared.n_ratings,
                undefined=undefined,
                weights=weights,
                n_boot=boot.n_boot,
                notes=tuple(notes),
            )
        )
    return results


def _undefined(reason: str, ratings: pd.DataFrame, notes: Sequence[str] = ()) -> _Prepared:
    items = np.unique(ratings["item"].to_numpy()).astype(np.int64)
    return _Prepared(None, items, int(ratings["rater"].nunique()), len(ratings), reason, tuple(notes))


def _on_items(local: Callable[[NDArray[np.float64]], float | None], items: NDArray[np.int64]) -> Stat:
    """Lift a statistic over the weights of ``items`` to one over the weights of every item code."""
    return lambda weights: local(weights[items])


def _mean_of(parts: list[tuple[int, _Prepared]], n_all: int, label: str) -> _Prepared:
    """Mean of statistics on different item sets, weighted by ``parts``' ints, on shared item weights."""
    ones = np.ones(n_all)
    kept = [(w, p) for w, p in parts if p.stat is not None and p.stat(ones) is not None]
    if not parts:
        return _Prepared(None, np.array([], dtype=np.int64), 0, 0, f"no variant ({label}) could be formed")
    if not kept:
        reasons = sorted({p.undefined or "the statistic's denominator is 0" for _, p in parts})
        items = np.unique(np.concatenate([p.items for _, p in parts]))
        return _Prepared(None, items, 0, 0, f"every variant ({label}) is undefined: " + "; ".join(reasons))
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
    return _Prepared(stat, items, largest.n_raters, largest.n_ratings, None, notes)


# ------------------------------------------------------------------------------------------------ statistics


def _prepare(ratings: pd.DataFrame, metric: str, level: str, weights: str | None) -> _Prepared:
    """Check the design, pick the ratings the metric can use, and build its statistic."""
    if ratings.empty:
        return _undefined("no ratings: every value is missing", ratings)
    reason = _degenerate(ratings)
    if reason:
        return _undefined(reason, ratings)
    if metric == "krippendorff":
        return _krippendorff(ratings, level)
    if metric == "fleiss":
        return _fleiss(ratings)
    if metric == "cohen":
        return _cohen(ratings, level, weights)
    return _icc(ratings, absolute=metric == "icc_a1")


def _degenerate(ratings: pd.DataFrame) -> str | None:
    raters = ratings["rater"].unique()
    if len(raters) < 2:
        return f"only one rater ({_py(raters[0])!r}); agreement needs two or more raters"
    values = ratings["value"].unique()
    if len(values) < 2:
        return (
            f"every rating has the same value ({_py(values[0])!r}); agreement beyond chance is undefined when the "
            "ratings do not vary"
        )
    return None


def _py(value: object) -> object:
    """A numpy scalar as the plain Python value (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Inner product without BLAS: multi-threaded BLAS on vectors of 10,000+ items stalls on busy machines."""
    return float(np.multiply(a, b).sum())


def _categories(values: pd.Series, level: str) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Category codes and categories: sorted for ordered levels, first-seen order for nominal."""
    codes, uniques = pd.factorize(values, sort=level != "nominal")
    return codes.astype(np.int64), np.asarray(uniques)


def _krippendorff(ratings: pd.DataFrame, level: str) -> _Prepared:
    counts = np.bincount(ratings["item"].to_numpy())
    pairable = ratings[counts[ratings["item"].to_numpy()] >= 2]
    notes = []
    if len(pairable) < len(ratings):
        notes.append(f"{len(ratings) - len(pairable)} ratings of items rated once were left out (not pairable)")
    if pairable.empty:
        return _undefined("no item has two or more ratings (no pairable values)", ratings, notes)
    reason = _degenerate(pairable)
    if reason:
        return _undefined(reason, pairable, notes)
    items, rows = np.unique(pairable["item"].to_numpy(), return_inverse=True)
    codes, categories = _categories(pairable["value"], level)
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
            return 1.0 - (n - 1.0) * _dot(w, disagreeing) / (n * n - _dot(n_c, n_c))

    else:
        values = categories.astype(np.float64)

        def local(w: NDArray[np.float64]) -> float | None:
            n_c = table_t @ w
            if np.count_nonzero(n_c) < 2:
                return None
            n = n_c.sum()
            # Ordinal distance is the interval distance between mid-ranks of the pooled values.
            p = values if level == "interval" else np.cumsum(n_c) - n_c / 2.0
            q = p - _dot(n_c, p) / n
            s1, s2 = table @ q, table @ (q * q)
            within = np.maximum(s2 - s1 * s1 / m, 0.0) * 2.0 * m / (m - 1.0)
            return 1.0 - (n - 1.0) * _dot(w, within) / (2.0 * n * _dot(n_c, q * q))

    return _Prepared(
        _on_items(local, items), items, int(pairable["rater"].nunique()), len(pairable), None, tuple(notes)
    )


def _fleiss(ratings: pd.DataFrame) -> _Prepared:
    per_item = ratings.groupby("item", sort=False).size()
    sizes = per_item.value_counts()
    m = int(max(sizes.index, key=lambda size: (size * sizes[size], size)))
    if m < 2:
        return _undefined("no item has two or more ratings (no pairable values)", ratings)
    kept = ratings[ratings["item"].map(per_item).to_numpy() == m]
    notes = []
    if len(kept) < len(ratings):
        n_other = int((per_item != m).sum())
        notes.append(
            f"Fleiss' kappa needs the same number of ratings per item: used the {int(sizes[m])} items with {m} "
            f"ratings; {n_other} items with other counts were left out"
        )
    reason = _degenerate(kept)
    if reason:
        return _undefined(reason, kept, notes)
    items, rows = np.unique(kept["item"].to_numpy(), return_inverse=True)
    codes, categories = _categories(kept["value"], "nominal")
    table = sparse.csr_matrix((np.ones(len(codes)), (rows, codes)), shape=(len(items), len(categories)))
    per_item_agreement = (np.asarray(table.multiply(table).sum(axis=1)).ravel() - m) / (m * (m - 1.0))
    table_t = table.T.tocsr()

    def local(w: NDArray[np.float64]) -> float | None:
        n_c = table_t @ w
        if np.count_nonzero(n_c) < 2:
            return None
        p = n_c / n_c.sum()
        expected = _dot(p, p)
        return (_dot(w, per_item_agreement) / w.sum() - expected) / (1.0 - expected)

    return _Prepared(_on_items(local, items), items, int(kept["rater"].nunique()), len(kept), None, tuple(notes))


def _wide(ratings: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Items by raters (raters in first-seen order); refuses repeated (item, rater) pairs."""
    repeated = ratings.duplicated(["item", "rater"])
    if repeated.any():
        first = ratings[repeated].iloc[0]
        raise InputError(
            f"Item {_py(first['item_id'])!r} has more than one rating from rater {first['rater']!r} "
            f"({int(repeated.sum())} repeated item-rater pairs); {metric} needs at most one rating per item and "
            "rater. Average or drop the repeats, or number anonymous raters with rater_from_order."
        )
    order = ratings["rater"].unique().tolist()
    return ratings.pivot(index="item", columns="rater", values="value")[order]


def _cohen(ratings: pd.DataFrame, level: str, weights: str | None) -> _Prepared:
    raters = ratings["rater"].unique().tolist()
    if len(raters) > 2:
        shown = ", ".join(map(repr, raters[:10])) + (" ..." if len(raters) > 10 else "")
        return _undefined(
            f"Cohen's kappa compares exactly two raters; the table has {len(raters)} ({shown}). Choose two with "
            "raters=[a, b] (--raters a,b on the command line), or use fleiss or krippendorff",
            ratings,
        )
    wide = _wide(ratings, "Cohen's kappa").dropna()
    n_all = ratings["item"].nunique()
    notes = (
        [f"{n_all - len(wide)} items rated by only one of the two raters were left out"] if len(wide) < n_all else []
    )
    if wide.empty:
        return _undefined("no item was rated by both raters", ratings, notes)
    pairs = ratings[ratings["item"].isin(wide.index)]
    reason = _degenerate(pairs)
    if reason:
        return _undefined(reason, pairs, notes)
    codes, categories = _categories(pd.concat([wide[raters[0]], wide[raters[1]]], ignore_index=True), level)
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
    return _Prepared(_on_items(local, items), items, 2, 2 * len(wide), None, tuple(notes))


def _icc(ratings: pd.DataFrame, *, absolute: bool) -> _Prepared:
    wide = _wide(ratings, "the ICC")
    present = wide.notna()
    order = present.sum().sort_values(ascending=False, kind="stable").index
    best_k, best_rows, mask = 0, present.index[:0], np.ones(len(wide), dtype=bool)
    for k, column in enumerate(order, start=1):
        mask &= present[column].to_numpy()
        if k >= 2 and k * mask.sum() >= best_k * len(best_rows) and mask.sum() > 0:
            best_k, best_rows = k, present.index[mask]
    if best_k < 2 or len(best_rows) < 2:
        return _undefined(
            "the ICC needs two or more items rated by the same two or more raters; no such items", ratings
        )
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
        return _undefined(f"every rating has the same value ({_py(x[0, 0])!r}); the ICC is undefined", ratings, notes)
    x = x - x.mean()
    scale = float((x * x).mean())
    k = float(best_k)
    row_sums, row_squares = x.sum(axis=1), (x * x).sum(axis=1)

    def local(w: NDArray[np.float64]) -> float | None:
        n = w.sum()
        grand = _dot(w, row_sums) / (n * k)
        ss_rows = k * _dot(w, (row_sums / k - grand) ** 2)
        ss_cols = n * float(((np.einsum("ij,i->j", x, w) / n - grand) ** 2).sum())  # einsum: no BLAS threads
        ss_error = _dot(w, row_squares) - n * k * grand**2 - ss_rows - ss_cols
        ms_rows, ms_cols, ms_error = ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1))
        denominator = ms_rows + (k - 1) * ms_error + (k * (ms_cols - ms_error) / n if absolute else 0.0)
        if denominator <= _EPS * scale:
            return None
        return float((ms_rows - ms_error) / denominator)

    items = block.index.to_numpy(dtype=np.int64)
    return _Prepared(_on_items(local, items), items, best_k, int(block.size), None, tuple(notes))


def _pearson(
    items: NDArray[np.int64], x: NDArray[np.float64], y: NDArray[np.float64], n_raters: int, n_ratings: int
) -> _Prepared:
    if len(items) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return _Prepared(
            None, items, n_raters, n_ratings, "a correlation needs two or more items and values that vary on both sides"
        )

    def local(w: NDArray[np.float64]) -> float | None:
        used = w > 0
        if np.ptp(x[used]) == 0 or np.ptp(y[used]) == 0:
            return None
        total = w.sum()
        dx, dy = x - _dot(w, x) / total, y - _dot(w, y) / total
        return _dot(w, dx * dy) / float(np.sqrt(_dot(w, dx * dx) * _dot(w, dy * dy)))

    return _Prepared(_on_items(local, items), items, n_raters, n_ratings)


def _correlations(humans: pd.DataFrame, machine: pd.DataFrame, n_all: int) -> list[tuple[str, _Prepared]]:
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
                ("human vs mean of other humans", _mean_of(human_parts, n_all, "one human held out")),
                ("model vs mean of other humans", _mean_of(model_parts, n_all, "one human held out")),
            )
        ),
    ]
