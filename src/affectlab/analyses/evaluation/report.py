"""The result of :func:`affectlab.evaluate`: :class:`EvalReport` and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.metrics import ECE_BINS
from affectlab.core.serialize import jsonable
from affectlab.core.version import affectlab_version

__all__ = ["CLASSIFICATION_METRICS", "EvalReport"]

#: The headline metrics of a classification report, in the order the CLI and the markdown report list them.
CLASSIFICATION_METRICS = (
    "macro_f1",
    "micro_f1",
    "weighted_f1",
    "precision",
    "recall",
    "jaccard",
    "ece",
    "top_label_ece",
    "brier",
)


@dataclass(frozen=True)
class EvalReport:
    """Scores of one engine on one dataset split; ``to_dict()`` is the ``affectlab eval --json`` object.

    Attributes
    ----------
    dataset, split : str
        What was scored.
    n : int
        Items scored.
    kind : {"multilabel", "regression"}
    model : dict
        ``engine``, ``version``, ``native_taxonomy`` and ``spec`` (the name it was loaded by, or None).
    taxonomy : str or None
        Taxonomy the engine predicted in (None for a VAD-only regression).
    prediction_source : str
        ``"native"`` or ``"projected via a -> b"`` (multi-label); for regression which
        record fields were scored.
    threshold_source : str or None
        Where the decision thresholds came from (None for regression).
    columns : tuple of str
        Labels or dimensions scored, in dataset order.
    macro_f1, micro_f1, weighted_f1, precision, recall, jaccard : float or None
        Classification metrics in [0, 1] (None for regression).
    per_label : dict or None
        label -> ``f1``, ``precision``, ``recall`` in [0, 1] and ``support`` (gold positives).
    pearson, spearman, ccc, mae : dict or None
        dimension -> value, plus ``mean`` (None for classification).
    ece, top_label_ece, brier : float or None
        Calibration, in [0, 1], lower better (None for regression): ECE over every (item, label) probability,
        ECE of each item's top label only (stricter), Brier score.
    ci95 : dict of str to (lo, hi) or None
        95% percentile bootstrap intervals; keys ``macro_f1``, ``micro_f1``, ``jaccard``,
        ``ece``, ``top_label_ece``, or ``pearson.<dim>``, ``spearman.<dim>``, ``ccc.<dim>``, ``mae.<dim>`` (and
        ``.mean``).
    reliability : list of dict or None
        Reliability-diagram bins (see :func:`reliability_diagram`).
    thresholds : dict of str to float or None
        The threshold applied per label.
    dimension_source : dict of str to str or None
        Regression: which prediction each dimension was scored from.
    n_boot, seed : int
        Bootstrap resamples and seed.
    subset : str or None
        Set when only the first ``limit`` items were scored (smoke tests only).
    notes : tuple of str
        Caveats a reader must know (fallbacks, partial heads, dataset notes).
    gold, predicted, probabilities : ndarray
        The scored arrays (for plots; not in ``to_dict``).
    """

    dataset: str
    split: str
    n: int
    kind: str
    model: dict[str, str | None]
    taxonomy: str | None
    prediction_source: str
    threshold_source: str | None
    columns: tuple[str, ...]
    macro_f1: float | None = None
    micro_f1: float | None = None
    weighted_f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    jaccard: float | None = None
    per_label: dict[str, dict[str, float]] | None = None
    pearson: dict[str, float] | None = None
    spearman: dict[str, float] | None = None
    ccc: dict[str, float] | None = None
    mae: dict[str, float] | None = None
    ece: float | None = None
    top_label_ece: float | None = None
    brier: float | None = None
    ci95: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    reliability: list[dict[str, Any]] | None = None
    thresholds: dict[str, float] | None = None
    dimension_source: dict[str, str] | None = None
    n_boot: int = 0
    seed: int = 0
    subset: str | None = None
    notes: tuple[str, ...] = ()
    gold: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)), repr=False, compare=False)
    predicted: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)), repr=False, compare=False)
    probabilities: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the documented, stable keys (NaN becomes None; floats rounded to 6 places)."""
        return jsonable(
            {
                "dataset": self.dataset,
                "split": self.split,
                "n": self.n,
                "model": self.model,
                "taxonomy": self.taxonomy,
                "prediction_source": self.prediction_source,
                "threshold_source": self.threshold_source,
                "macro_f1": self.macro_f1,
                "micro_f1": self.micro_f1,
                "weighted_f1": self.weighted_f1,
                "precision": self.precision,
                "recall": self.recall,
                "jaccard": self.jaccard,
                "per_label": self.per_label,
                "pearson": self.pearson,
                "spearman": self.spearman,
                "ccc": self.ccc,
                "mae": self.mae,
                "ece": self.ece,
                "top_label_ece": self.top_label_ece,
                "brier": self.brier,
                "ci95": {k: None if v is None else list(v) for k, v in self.ci95.items()},
                "kind": self.kind,
                "columns": list(self.columns),
                "thresholds": self.thresholds,
                "dimension_source": self.dimension_source,
                "reliability": self.reliability,
                "n_boot": self.n_boot,
                "seed": self.seed,
                "ci_method": f"percentile bootstrap over items, {self.n_boot} resamples, seed {self.seed}",
                "ece_bins": ECE_BINS,
                "subset": self.subset,
                "notes": list(self.notes),
                "affectlab_version": affectlab_version(),
            },
            digits=6,
        )
