"""The two entry points: :func:`agreement` among raters and :func:`compare_with_model` with a model as a rater."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from affectlab.analyses.agreement.alpha import krippendorff
from affectlab.analyses.agreement.correlation import correlations
from affectlab.analyses.agreement.estimate import Spec, mean_of, results
from affectlab.analyses.agreement.icc import icc
from affectlab.analyses.agreement.kappa import cohen, fleiss
from affectlab.analyses.agreement.ratings import (
    check_columns,
    check_parameters,
    degenerate,
    is_numeric,
    long_ratings,
    model_rows,
)
from affectlab.analyses.agreement.records import AgreementResult, Prepared, undefined
from affectlab.core.serialize import jsonable
from affectlab.errors import ParameterError

__all__ = ["agreement", "compare_with_model"]

COMPARISONS = ("humans", "humans + model", "model replaces a human")


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
        ``nominal``, ``ordinal`` or ``interval``. Krippendorff and Cohen take all three, Fleiss only nominal, the
        ICCs only interval; ordinal and interval levels need numbers (or ordered categories). Default: the
        metric's only level, else from the ratings: ``interval`` for numbers, ``ordinal`` for an ordered
        categorical column, ``nominal`` for other labels (a note says so).
    weights : str, optional
        Cohen's kappa only: ``linear`` or ``quadratic`` distance between category ranks. Default: none
        (nominal), linear (ordinal), quadratic (interval).
    raters : sequence, optional
        Keep only these raters (matched by their text form, so ``[1, 2]`` and ``["1", "2"]`` agree).
    n_boot : int, default=1000
        Bootstrap replicates, >= 0; 0 skips the interval.
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
    >>> round(result.value, 3), result.level, result.n_items, result.undefined
    (0.4, 'nominal', 3, None)
    """
    check_columns(frame, [item, rater, value])
    metric, level, weights, note = check_parameters(metric, level, weights, n_boot, "agreement", frame[value])
    ratings = long_ratings(frame, item, rater, value, raters, numeric=level != "nominal")
    prepared = _with_note(_prepare(ratings, metric, level, weights), note)
    n_all = int(ratings["item"].max()) + 1 if len(ratings) else 0
    return results([(prepared, metric, level, weights)], n_all, n_boot, seed)[0]


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
    check_columns(frame, [item, rater, value])
    checked = [check_parameters(m, level, weights, n_boot, "compare_with_model", frame[value]) for m in metrics]
    numeric = any(lvl != "nominal" for _, lvl, _, _ in checked)
    humans = long_ratings(frame, item, rater, value, raters, numeric=numeric)
    machine = model_rows(humans, model, model_rater, numeric=numeric)
    n_items = humans["item"].nunique()
    humans = humans[humans["item"].isin(machine["item"])]
    notes = []
    if n_items > humans["item"].nunique():
        notes.append(f"{n_items - humans['item'].nunique()} items without a model value were left out")
    n_all = int(humans["item"].max()) + 1
    specs: list[Spec] = []
    for metric, lvl, wts, note in checked:
        rows = _model_rows(humans, machine, metric, lvl, wts, n_all)
        specs += [(_with_note(p, note), metric, lvl, wts) for p in rows]
    names = [name for _ in checked for name in COMPARISONS]
    if is_numeric(humans["value"]) and is_numeric(machine["value"]):
        for name, prepared in correlations(humans, machine, n_all):
            specs.append((prepared, "pearson", "interval", None))
            names.append(name)
    records = []
    for name, res in zip(names, results(specs, n_all, n_boot, seed, notes)):
        data = jsonable(res)
        ci = data.pop("ci95")
        records.append({"comparison": name, **data, "ci95_lo": ci[0] if ci else None, "ci95_hi": ci[1] if ci else None})
    return pd.DataFrame(records)


def _model_rows(
    humans: pd.DataFrame, machine: pd.DataFrame, metric: str, level: str, weights: str | None, n_all: int
) -> list[Prepared]:
    """The statistics of :data:`COMPARISONS`: humans, humans + model, the model in each human's place."""
    replaced = []
    for r in humans["rater"].unique().tolist():
        own = humans["rater"] == r
        stand_in = machine[machine["item"].isin(humans.loc[own, "item"])]
        replaced.append((int(own.sum()), _prepare(pd.concat([humans[~own], stand_in]), metric, level, weights)))
    return [
        _prepare(humans, metric, level, weights),
        _prepare(pd.concat([humans, machine]), metric, level, weights),
        mean_of(replaced, n_all, "model replaced one human"),
    ]


def _prepare(ratings: pd.DataFrame, metric: str, level: str, weights: str | None) -> Prepared:
    """Check the design, pick the ratings the metric can use, and build its statistic."""
    if ratings.empty:
        return undefined("no ratings: every value is missing", ratings)
    reason = degenerate(ratings)
    if reason:
        return undefined(reason, ratings)
    if metric == "krippendorff":
        return krippendorff(ratings, level)
    if metric == "fleiss":
        return fleiss(ratings)
    if metric == "cohen":
        return cohen(ratings, level, weights)
    return icc(ratings, absolute=metric == "icc_a1")


def _with_note(prepared: Prepared, note: str | None) -> Prepared:
    return prepared if note is None else replace(prepared, notes=(note, *prepared.notes))
