"""Can I trust this judge? Raters (LLM judges, crowds, models) against a reference, per attribute.

:func:`reliability` takes a long table of ratings (one row per item, rater and attribute, such as the output of
``affectlab judge``) and, for every rater against the reference (one rater, or the per-item mean or median of
several), reports at the item level and, with a system column, the system level:

- ``n``, the reference's and the rater's means, the bias (rater minus reference) with a bootstrap interval, and
  the mean squared difference (:mod:`.scores`);
- ICC(C,1) and ICC(A,1) with bootstrap intervals, from :mod:`affectlab.analyses.agreement` (no second
  implementation), and a reliability class from the width of the ICC(A,1) interval (MentalAlign's thresholds:
  good <= 0.355 < moderate <= 0.560 < poor; :mod:`.records`);
- on request, weighted Cohen's kappa and Krippendorff's alpha between pairs of raters (:mod:`.pairs`);
- what was counted and left out: missing and non-numeric values, self-ratings, items without a reference
  (:mod:`.table`).

The documentation is ``docs/reliability.md``.
"""

from affectlab.analyses.reliability.compute import reliability
from affectlab.analyses.reliability.records import (
    CLASSES,
    COUNT_FIELDS,
    LEVELS,
    MENTALALIGN_THRESHOLDS,
    PAIR_FIELDS,
    RESULT_FIELDS,
    ReliabilityReport,
    classify,
)
from affectlab.analyses.reliability.table import AGGREGATES

__all__ = [
    "AGGREGATES",
    "CLASSES",
    "COUNT_FIELDS",
    "LEVELS",
    "MENTALALIGN_THRESHOLDS",
    "PAIR_FIELDS",
    "RESULT_FIELDS",
    "ReliabilityReport",
    "classify",
    "reliability",
]
