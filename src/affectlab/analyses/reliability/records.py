"""The report of :func:`~affectlab.analyses.reliability.reliability` and the reliability classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_number
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CLASSES",
    "COUNT_FIELDS",
    "LEVELS",
    "MENTALALIGN_THRESHOLDS",
    "PAIR_FIELDS",
    "RESULT_FIELDS",
    "ReliabilityReport",
    "check_thresholds",
    "classify",
]

#: Fields of one result row (``--json``'s ``results``), in order.
RESULT_FIELDS = (
    "rater",
    "attribute",
    "level",
    "n",
    "reference_mean",
    "rater_mean",
    "bias",
    "bias_ci95",
    "mse",
    "icc_c1",
    "icc_c1_ci95",
    "icc_a1",
    "icc_a1_ci95",
    "ci_width",
    "reliability",
)
#: Fields of one pair row (``pairs``): weighted Cohen's kappa and Krippendorff's alpha (interval) of two raters.
PAIR_FIELDS = ("attribute", "rater_a", "rater_b", "n", "weights", "kappa", "kappa_ci95", "alpha", "alpha_ci95")
#: Fields of one count row (``counts``): what happened to each rater's rows of an attribute.
COUNT_FIELDS = ("rater", "attribute", "rows", "missing", "non_numeric", "excluded_self", "no_reference", "paired")
#: Levels of the comparison: targets are the rated items, or the rated systems (each scored by its mean).
LEVELS = ("item", "system")
#: Reliability classes from the width of the ICC(A,1) interval, best first.
CLASSES = ("good", "moderate", "poor")
#: MentalAlign's (Badawi et al. 2025) upper bounds of the interval width for ``good`` and ``moderate``.
MENTALALIGN_THRESHOLDS = (0.355, 0.560)


def check_thresholds(thresholds: object, owner: str) -> tuple[float, float]:
    """``(good, moderate)`` upper bounds of the CI width, with 0 < good <= moderate."""
    if not isinstance(thresholds, tuple | list) or len(thresholds) != 2:
        raise ParameterError(
            f"The 'thresholds' parameter of {owner} must be a pair (good, moderate) of interval widths such as "
            f"{MENTALALIGN_THRESHOLDS}. Got {thresholds!r} instead."
        )
    good = check_number(thresholds[0], "thresholds[0]", owner, minimum=0.0)
    moderate = check_number(thresholds[1], "thresholds[1]", owner, minimum=good)
    return good, moderate


def classify(width: float | None, thresholds: tuple[float, float] = MENTALALIGN_THRESHOLDS) -> str | None:
    """``good`` when ``width`` <= thresholds[0], ``moderate`` when <= thresholds[1], else ``poor``; None if no width.

    Examples
    --------
    >>> classify(0.355), classify(0.36), classify(0.561), classify(None)
    ('good', 'moderate', 'poor', None)
    """
    if width is None:
        return None
    good, moderate = thresholds
    return CLASSES[0] if width <= good else CLASSES[1] if width <= moderate else CLASSES[2]


@dataclass(frozen=True)
class ReliabilityReport:
    """Each rater against the reference, per attribute and level, with pairwise agreement and counts.

    Attributes
    ----------
    results : DataFrame
        One row per level, attribute and rater, columns :data:`RESULT_FIELDS`: ``n`` targets (items or systems)
        rated by both; ``reference_mean`` and ``rater_mean`` over them (the ratings' units); ``bias`` = rater
        minus reference mean with its ``bias_ci95``; ``mse`` the mean squared difference; ``icc_c1`` and
        ``icc_a1`` (at most 1) with their intervals; ``ci_width`` the width of the ICC(A,1) interval and
        ``reliability`` its class (:data:`CLASSES`). Intervals are ``(lo, hi)`` percentile 95% bootstrap
        intervals over targets, or None; undefined values are missing (NaN; null in :meth:`to_dict`), the
        reason in ``notes``.
    pairs : DataFrame
        One row per attribute and pair of raters, columns :data:`PAIR_FIELDS` (empty when no pairs were asked).
    counts : DataFrame
        One row per rater and attribute, columns :data:`COUNT_FIELDS` (item level): input ``rows``, ``missing``
        and ``non_numeric`` values, ratings ``excluded_self``, ratings of items ``no_reference`` value covers,
        and ``paired`` items.
    reference : str
        Name of the reference in ``pairs`` (a rater's name, or the name given to an aggregate).
    reference_raters : tuple of str
        The rater(s) the reference is made of.
    reference_aggregate : str
        ``mean`` or ``median`` of the reference raters per item (unused for a single rater).
    thresholds : tuple of float
        ``(good, moderate)`` upper bounds of ``ci_width``.
    n_boot, seed : int
        Bootstrap replicates and seed.
    notes : tuple of str
        What was counted, left out or undefined, and why.
    """

    results: pd.DataFrame
    pairs: pd.DataFrame
    counts: pd.DataFrame
    reference: str
    reference_raters: tuple[str, ...]
    reference_aggregate: str
    thresholds: tuple[float, float]
    n_boot: int
    seed: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"results": [...], "pairs": [...], "counts": [...], "notes": [...]}`` as JSON-ready data."""
        return jsonable(
            {
                "results": self.results.to_dict("records"),
                "pairs": self.pairs.to_dict("records"),
                "counts": self.counts.to_dict("records"),
                "notes": list(self.notes),
            },
            digits=6,
        )
