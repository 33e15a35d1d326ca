"""Inter-rater agreement with bootstrap confidence intervals, and a model scored as one more rater.

Statistics (``metric``), each on a long table of ratings (one row per rating: item, rater, value):

- ``krippendorff`` (:mod:`.alpha`): Krippendorff's alpha at the ``nominal``, ``ordinal`` or ``interval`` level.
  Any number of raters per item, missing ratings allowed; rater identity is not used. At most 1 (perfect), 0 at
  chance, negative for systematic disagreement.
- ``fleiss`` (:mod:`.kappa`): Fleiss' kappa (nominal). Needs the same number of ratings per item; rater identity
  is not used. At most 1, 0 at chance.
- ``cohen`` (:mod:`.kappa`): Cohen's kappa between exactly two raters; unweighted (nominal) or weighted by
  category rank distance, linear (default for ordinal) or quadratic (default for interval). Range [-1, 1], 0 chance.
- ``icc_c1`` / ``icc_a1`` (:mod:`.icc`): intraclass correlations ICC(C,1) (consistency) and ICC(A,1) (absolute
  agreement) of McGraw & Wong (1996), two-way model, single rater. Interval ratings. At most 1; negative when the
  items vary less than the raters' noise.

The default level follows the ratings: ``interval`` for numbers, ``ordinal`` for ordered categories, ``nominal``
for other labels (Fleiss' kappa is always nominal, the ICCs interval).

Every value comes with a percentile 95% bootstrap interval over items (:func:`affectlab.analyses.stats.bootstrap`):
the items a statistic uses are drawn with replacement (seeded) and the statistic recomputed, a drawn item keeping
all its ratings. :mod:`.model` scores texts with an engine to compare it with the humans. The documentation is
``docs/agreement.md``.
"""

from affectlab.analyses.agreement.compare import agreement, compare_with_model
from affectlab.analyses.agreement.model import MODEL_SCALES, compare_with_engine, item_texts, model_values, on_scale
from affectlab.analyses.agreement.ratings import LEVELS, METRICS, WEIGHTS, rater_from_order
from affectlab.analyses.agreement.records import AgreementResult
from affectlab.analyses.agreement.report import agreement_results

__all__ = [
    "LEVELS",
    "METRICS",
    "MODEL_SCALES",
    "WEIGHTS",
    "AgreementResult",
    "agreement",
    "agreement_results",
    "compare_with_engine",
    "compare_with_model",
    "item_texts",
    "model_values",
    "on_scale",
    "rater_from_order",
]
