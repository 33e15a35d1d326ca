"""The entry point: :func:`reliability` of raters (LLM judges, crowds, ...) against a reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from affectlab.analyses.agreement import WEIGHTS
from affectlab.analyses.reliability.pairs import pair_list, pair_rows
from affectlab.analyses.reliability.records import (
    COUNT_FIELDS,
    MENTALALIGN_THRESHOLDS,
    PAIR_FIELDS,
    RESULT_FIELDS,
    ReliabilityReport,
    check_thresholds,
)
from affectlab.analyses.reliability.scores import paired_targets, score
from affectlab.analyses.reliability.table import prepare
from affectlab.core.validation import check_choice, check_int
from affectlab.errors import InputError, ParameterError

__all__ = ["reliability"]

OWNER = "reliability"


def reliability(
    frame: pd.DataFrame,
    *,
    item: str,
    rater: str,
    value: str,
    reference: str | Sequence[str],
    attribute: str | None = None,
    system: str | None = None,
    raters: Sequence[str] | None = None,
    reference_aggregate: str = "mean",
    reference_name: str | None = None,
    exclude_self: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    pairs: str | Sequence[tuple[str, str]] | None = None,
    kappa_weights: str = "quadratic",
    thresholds: tuple[float, float] = MENTALALIGN_THRESHOLDS,
    n_boot: int = 1000,
    seed: int = 0,
) -> ReliabilityReport:
    """How far each rater can be trusted against a reference, per attribute, at the item and system levels.

    For every rater and attribute: the targets rated by both the rater and the reference (``n``), their means,
    the bias (rater minus reference) with its interval, the mean squared difference, ICC(C,1) and ICC(A,1)
    (McGraw & Wong 1996, from :mod:`affectlab.analyses.agreement`) with intervals, and a reliability class
    from the width of the ICC(A,1) interval (``good`` <= ``thresholds[0]`` < ``moderate`` <= ``thresholds[1]``
    < ``poor``; MentalAlign's 0.355 and 0.560 by default). Intervals are percentile 95% bootstrap intervals
    over targets (:func:`affectlab.analyses.stats.bootstrap`), the same resamples for every statistic of a row.

    Parameters
    ----------
    frame : DataFrame
        Long table, one row per rating, such as the output of ``affectlab judge`` (id, rater, attribute, score,
        ...). Missing and non-numeric values are counted (``counts``, ``notes``) and left out.
    item, rater, value : str
        Columns of item ids, rater names and ratings (numbers on any scale).
    reference : str or sequence of str
        The reference rater (such as ``"human"``), or several raters whose per-item ``reference_aggregate``
        is the reference (such as ``["expert1", "expert2", "expert3"]``). An item with some of them missing
        takes the aggregate of the others (counted in ``notes``).
    attribute : str, optional
        Column of attributes (empathy, safety, ...); default: one attribute named after ``value``.
    system : str, optional
        Column of the systems that produced the rated responses. Adds the ``system`` level (targets: systems,
        each scored by the mean of its paired items) and enables ``exclude_self``. Items are then identified by
        (system, item).
    raters : sequence of str, optional
        Raters to judge (default: every rater not in ``reference``, in first-seen order).
    reference_aggregate : {"mean", "median"}, default="mean"
    reference_name : str, optional
        Name of an aggregate reference in ``pairs`` (default ``"reference"``; a single reference keeps its name).
    exclude_self : mapping or sequence of (rater, system), optional
        Leave out each rater's ratings of the named system (its own: self-preference), everywhere.
    pairs : "all" or sequence of (rater, rater), optional
        Weighted Cohen's kappa and Krippendorff's alpha (interval) between these pairs of raters (the reference
        included under its name) on the items both rated; ``"all"`` for every pair. Default: none.
    kappa_weights : {"linear", "quadratic"}, default="quadratic"
        Weights of Cohen's kappa, on the ranks of the distinct values the two raters gave.
    thresholds : (float, float), default=(0.355, 0.560)
        Upper bounds of the ICC(A,1) interval width for ``good`` and ``moderate``.
    n_boot : int, default=1000
        Bootstrap replicates (0: no intervals, hence no class).
    seed : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    ReliabilityReport
        ``results`` (one row per level, attribute and rater), ``pairs``, ``counts`` and ``notes``.

    Raises
    ------
    InputError
        A missing column (the message lists the columns), an unknown reference, rater or system name, missing
        ids, repeated (item, rater, attribute) ratings.
    ParameterError
        A bad option value, or ``exclude_self`` without ``system``.

    Examples
    --------
    >>> frame = pd.DataFrame({"item": [1, 2, 3, 4] * 2, "rater": ["human"] * 4 + ["llm"] * 4,
    ...                       "score": [1, 2, 4, 5, 2, 3, 4, 5]})
    >>> report = reliability(frame, item="item", rater="rater", value="score", reference="human", n_boot=200)
    >>> row = report.results.iloc[0]
    >>> print(row["rater"], row["n"], row["bias"], round(row["icc_c1"], 3), round(row["icc_a1"], 3), row["reliability"])
    llm 4 0.5 0.933 0.903 poor
    """
    members = [reference] if isinstance(reference, str) else [str(r) for r in reference]
    if not members:
        raise ParameterError(f"The 'reference' parameter of {OWNER} must name one or more raters. Got none.")
    check_choice(kappa_weights, "kappa_weights", OWNER, WEIGHTS)
    thresholds = check_thresholds(thresholds, OWNER)
    check_int(n_boot, "n_boot", OWNER, minimum=0)
    check_int(seed, "seed", OWNER)
    excluded = list(exclude_self.items()) if isinstance(exclude_self, Mapping) else list(exclude_self or [])
    ratings = prepare(
        frame,
        item=item,
        rater=rater,
        value=value,
        reference=members,
        attribute=attribute,
        system=system,
        raters=None if raters is None else [str(r) for r in raters],
        exclude_self=[(str(a), str(b)) for a, b in excluded],
        aggregate=reference_aggregate,
        owner=OWNER,
    )
    name = _reference_name(reference_name, members, ratings.everyone["rater"].unique().tolist())
    rows, notes = [], list(ratings.notes)
    rated = set(zip(ratings.counts["rater"], ratings.counts["attribute"]))
    for level in ("item", "system") if system else ("item",):
        for attribute_name in ratings.attributes:
            ref = ratings.reference[ratings.reference["attribute"] == attribute_name]
            own = ratings.values[ratings.values["attribute"] == attribute_name]
            for judge in ratings.raters:
                if (judge, attribute_name) not in rated:
                    continue
                x, y = paired_targets(own[own["rater"] == judge], ref, level)
                row, said = score(x, y, thresholds=thresholds, n_boot=n_boot, seed=seed)
                rows.append({"rater": judge, "attribute": attribute_name, "level": level, **row})
                notes += [f"{level} level, {judge}, {attribute_name}: {reason}" for reason in said]
    everyone = ratings.everyone
    if len(members) > 1:
        everyone = pd.concat([everyone, ratings.reference.assign(rater=name)[everyone.columns]], ignore_index=True)
    names = list(dict.fromkeys(everyone["rater"]))
    pair_table, pair_notes = pair_rows(
        everyone,
        pair_list(pairs, names, OWNER),
        ratings.attributes,
        weights=kappa_weights,
        n_boot=n_boot,
        seed=seed,
    )
    return ReliabilityReport(
        results=pd.DataFrame(rows, columns=list(RESULT_FIELDS)),
        pairs=pd.DataFrame(pair_table, columns=list(PAIR_FIELDS)),
        counts=ratings.counts[list(COUNT_FIELDS)],
        reference=name,
        reference_raters=tuple(members),
        reference_aggregate=reference_aggregate,
        thresholds=thresholds,
        n_boot=n_boot,
        seed=seed,
        notes=tuple(notes + pair_notes),
    )


def _reference_name(given: str | None, members: list[str], raters: list[str]) -> str:
    if len(members) == 1:
        if given is not None and given != members[0]:
            raise ParameterError(
                f"The 'reference_name' parameter of {OWNER} names an aggregate of several raters; the reference "
                f"is the single rater {members[0]!r}. Leave it unset."
            )
        return members[0]
    name = "reference" if given is None else str(given)
    if name in raters:
        raise InputError(
            f"The reference name {name!r} is also a rater's name; pass another reference_name (--reference-name)."
        )
    return name
