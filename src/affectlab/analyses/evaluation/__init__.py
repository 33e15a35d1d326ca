"""Score any engine against human labels on a dataset split: ``evaluate`` and its ``EvalReport``.

This package is the only source of the accuracy figures affectlab publishes
(``affectlab eval``, ``docs/benchmarks.md``); the metrics themselves live in
:mod:`affectlab.analyses.metrics` and their definitions in ``docs/evaluation.md``.

- :mod:`.run`: the :func:`evaluate` entry point and its parameter checks.
- :mod:`.scoring`: multi-label and regression scoring of one split.
- :mod:`.sources`: the taxonomy asked for, where predictions and thresholds came from.
- :mod:`.report`: :class:`EvalReport` and its JSON form.
"""

from affectlab.analyses.evaluation.report import CLASSIFICATION_METRICS, EvalReport
from affectlab.analyses.evaluation.run import evaluate
from affectlab.analyses.evaluation.sources import DATASET_TAXONOMY_ALIASES, REGRESSION_TAXONOMIES
from affectlab.core.version import affectlab_version

__all__ = [
    "CLASSIFICATION_METRICS",
    "DATASET_TAXONOMY_ALIASES",
    "REGRESSION_TAXONOMIES",
    "EvalReport",
    "affectlab_version",
    "evaluate",
]
