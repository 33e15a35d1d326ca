"""Evaluation metrics: classification, regression, calibration, thresholds and bootstrap intervals.

Pure numpy functions used by :mod:`affectlab.analyses.evaluation`. Definitions, with ranges, are in
``docs/evaluation.md``; in short:

- multi-label classification (0/1 gold, 0/1 predictions; :mod:`.classification`): per-label F1,
  precision and recall (0 when undefined, as scikit-learn's ``zero_division=0``);
  macro F1 = unweighted mean of the per-label F1; weighted F1 = mean weighted by
  support; micro F1 from the pooled counts; ``precision``/``recall`` are macro
  means; Jaccard accuracy (SemEval-2018 Task 1) = mean over items of
  ``|pred ∩ gold| / |pred ∪ gold|``, an item with both sets empty counting 1.
  All in [0, 1], higher better.
- regression, per dimension and their mean (:mod:`.regression`): Pearson r and Spearman rho in
  [-1, 1]; Lin's concordance correlation coefficient (CCC) in [-1, 1];
  mean absolute error (MAE) in target units, lower better.
- calibration (:mod:`.calibration`): expected calibration error (ECE) over all per-label
  probabilities of a multi-label problem, pooled: 15 equal-width bins on [0, 1]
  (the last one closed), ``ECE = sum_b (n_b / N) * |acc_b - conf_b|`` where
  ``conf_b`` is the mean probability and ``acc_b`` the fraction of positive gold
  labels in bin b. Brier score = mean squared difference between probability and
  0/1 gold over all item-label pairs. Both in [0, 1], lower better.
- confidence intervals: 95% percentile bootstrap over items (the same resamples
  for every metric), seeded; :func:`bootstrap_ci` is :func:`affectlab.analyses.stats.bootstrap_ci`.
"""

from affectlab.analyses.metrics.arrays import safe_div
from affectlab.analyses.metrics.calibration import (
    ECE_BINS,
    brier_loss,
    expected_calibration_error,
    reliability_diagram,
    top_label_calibration_error,
)
from affectlab.analyses.metrics.classification import (
    THRESHOLD_GRID,
    classification_metrics,
    classification_stat,
    fit_thresholds,
    jaccard_score,
)
from affectlab.analyses.metrics.regression import ccc_score, regression_metrics, regression_stat
from affectlab.analyses.stats import CI_LEVEL, bootstrap_ci

__all__ = [
    "CI_LEVEL",
    "ECE_BINS",
    "THRESHOLD_GRID",
    "bootstrap_ci",
    "brier_loss",
    "ccc_score",
    "classification_metrics",
    "classification_stat",
    "expected_calibration_error",
    "fit_thresholds",
    "jaccard_score",
    "regression_metrics",
    "regression_stat",
    "reliability_diagram",
    "safe_div",
    "top_label_calibration_error",
]
