"""Score any engine against human labels on a dataset split: ``evaluate`` and its ``EvalReport``.

This module is the only source of the accuracy figures affectlab publishes
(``affectlab eval``, ``docs/benchmarks.md``); the metrics themselves live in
:mod:`affectlab.analyses.metrics` and their definitions in ``docs/evaluation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.metrics import (
    ECE_BINS,
    bootstrap_ci,
    brier_loss,
    classification_metrics,
    classification_stat,
    expected_calibration_error,
    fit_thresholds,
    regression_metrics,
    regression_stat,
    reliability_diagram,
)
from affectlab.analyses.tables import VAD_DIMENSIONS
from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect
from affectlab.datasets import Dataset, load_dataset
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import DataNotFound, InputError, ParameterError, TaxonomyError

__all__ = [
    "DATASET_TAXONOMY_ALIASES",
    "REGRESSION_TAXONOMIES",
    "EvalReport",
    "affectlab_version",
    "evaluate",
]

#: A dataset's ``taxonomy`` field -> the taxonomy the engine is asked to predict in (same labels).
DATASET_TAXONOMY_ALIASES: dict[str, str] = {"goemotions-ekman": "ekman"}
#: Regression dataset family (name before ":") -> taxonomy of its emotion-named dimensions.
REGRESSION_TAXONOMIES: dict[str, str] = {"brighter-b": "semeval"}
_BATCH = 256


# -- the report --------------------------------------------------------------------------------------


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
    ece, brier : float or None
        Calibration, in [0, 1], lower better (None for regression).
    ci95 : dict of str to (lo, hi) or None
        95% percentile bootstrap intervals; keys ``macro_f1``, ``micro_f1``, ``jaccard``,
        ``ece``, or ``pearson.<dim>``, ``spearman.<dim>``, ``ccc.<dim>``, ``mae.<dim>`` (and ``.mean``).
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
        return _clean(
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
            }
        )


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


def affectlab_version() -> str:
    try:
        return version("affectlab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


# -- evaluate ----------------------------------------------------------------------------------------


def _head(dataset: Dataset, limit: int | None) -> Dataset:
    if limit is None or limit >= len(dataset):
        return dataset
    return replace(dataset, ids=dataset.ids[:limit], texts=dataset.texts[:limit], targets=dataset.targets[:limit])


def _predict(engine: Engine, texts: list[str], taxonomy: str | None, progress: bool, what: str) -> list[Affect]:
    batches = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]
    if not progress:
        return [r for batch in batches for r in engine.predict(batch, taxonomy=taxonomy)]
    from rich.console import Console
    from rich.progress import Progress

    records: list[Affect] = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=len(texts))
        for batch in batches:
            records += engine.predict(batch, taxonomy=taxonomy)
            bar.advance(task, len(batch))
    return records


def _engine_config(engine: Engine) -> dict[str, Any]:
    config = getattr(engine, "config", None)
    return config if isinstance(config, dict) else {}


def _prediction_source(engine: Engine, taxonomy: str, columns: Sequence[str]) -> tuple[str, list[str]]:
    """``"native"`` or ``"projected via a -> b"``, plus notes (scored labels a native head does not cover)."""
    heads = _engine_config(engine).get("heads", {})
    if engine.native_taxonomy == taxonomy:
        return "native", []
    if taxonomy in heads:
        own = set(heads[taxonomy].get("labels", ()))
        missing = [label for label in columns if own and label not in own]
        notes = []
        if missing:
            chain = _chain(engine.native_taxonomy, taxonomy)
            notes.append(
                f"The engine's {taxonomy} head covers {', '.join(sorted(own))}; "
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} projected via {chain}."
            )
        return "native", notes
    return f"projected via {_chain(engine.native_taxonomy, taxonomy)}", []


def _chain(source: str, target: str) -> str:
    steps = tx.mapping_path(source, target)
    return " -> ".join([source, *(m.target for m in steps)])


def _resolve_taxonomy(dataset: Dataset, taxonomy: str | None, engine: Engine) -> str | None:
    """Taxonomy the engine predicts in; validated against the dataset's label columns."""
    family = dataset.name.partition(":")[0]
    if taxonomy is not None:
        name: str | None = tx.load_taxonomy(taxonomy).name
    elif dataset.taxonomy is not None:
        name = tx.load_taxonomy(DATASET_TAXONOMY_ALIASES.get(dataset.taxonomy, dataset.taxonomy)).name
    else:
        name = REGRESSION_TAXONOMIES.get(family)
    if dataset.kind == "multilabel":
        if name is None:
            raise TaxonomyError(f"Dataset {dataset.name!r} names no taxonomy; pass taxonomy= (--taxonomy).")
        needed = list(dataset.columns)
    else:
        needed = [c for c in dataset.columns if c not in VAD_DIMENSIONS and c not in engine.intensity_labels]
        if needed and name is None:
            raise TaxonomyError(
                f"The engine has no intensity for {', '.join(needed)}; pass taxonomy= (--taxonomy) to score "
                "their emotion probabilities instead."
            )
    if name is not None:
        labels = tx.load_taxonomy(name).labels
        missing = [c for c in needed if c not in labels]
        if missing:
            raise TaxonomyError(
                f"Taxonomy {name!r} has no label(s) {', '.join(missing)} that dataset {dataset.name!r} needs. "
                f"Its labels: {', '.join(labels)}. Pass a taxonomy holding every dataset column."
            )
    return name


def _model_threshold_source(engine: Engine, taxonomy: str) -> str:
    config = _engine_config(engine)
    if taxonomy in (config.get("thresholds") or {}):
        where = config.get("thresholds_source")
        if isinstance(where, dict):
            where = where.get(taxonomy)
        stated = str(where) if where else "the model does not say where they were fitted"
        return f"model: thresholds stored with the model for {taxonomy} ({stated})"
    if np.allclose(engine.thresholds(taxonomy), 0.5):
        return f"model: default 0.5 (the model has no fitted thresholds for {taxonomy})"
    return f"model: the engine's own thresholds for {taxonomy}"


def evaluate(
    engine_or_name: Engine | str,
    dataset: Dataset | str,
    *,
    split: str = "test",
    taxonomy: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    data_dir: str | Path | None = None,
    thresholds: Literal["model", "dev"] = "model",
    progress: bool = False,
    limit: int | None = None,
    dev: Dataset | None = None,
) -> EvalReport:
    """Score an engine against a dataset's human labels.

    Parameters
    ----------
    engine_or_name : Engine or str
        An engine, or a name for :func:`affectlab.load_engine` (``"embedded"``, ``"embedded:<folder>"``).
    dataset : Dataset or str
        A built-in name (see :func:`affectlab.datasets.available_datasets`) or a
        :class:`~affectlab.datasets.Dataset`, e.g. from :func:`affectlab.analyses.tables.load_table_dataset`.
    split : str, default="test"
        Split to score when ``dataset`` is a name.
    taxonomy : str, optional
        Taxonomy the engine predicts in; must hold every label column. Default: the
        dataset's (see :data:`DATASET_TAXONOMY_ALIASES`, :data:`REGRESSION_TAXONOMIES`).
    n_boot : int, default=1000
        Bootstrap resamples for the 95% intervals (0: no intervals).
    seed : int, default=0
        Bootstrap seed.
    data_dir : str or Path, optional
        Benchmark data folder (default ``$AFFECTLAB_DATA`` or ``../shared/data``).
    thresholds : {"model", "dev"}, default="model"
        ``model``: the engine's own labels (``record.labels``). ``dev``: per-label
        F1-optimal thresholds fitted on the dev split (:func:`fit_thresholds`), never on the scored split.
    progress : bool, default=False
        Progress bar on stderr while predicting.
    limit : int, optional
        Score only the first ``limit`` items (and fit on the first ``limit`` dev
        items). For smoke tests only: the report's ``subset`` says so.
    dev : Dataset, optional
        Dev split for ``thresholds="dev"`` when ``dataset`` is a Dataset object.

    Returns
    -------
    EvalReport

    Raises
    ------
    ParameterError
        Bad parameter, unknown dataset (the message lists the available ones), or no dev split for ``"dev"``.
    TaxonomyError
        The taxonomy lacks some of the dataset's labels.
    DataNotFound
        The benchmark data folder or file is missing.

    Examples
    --------
    >>> report = evaluate("embedded", "goemotions-ekman", n_boot=200)  # doctest: +SKIP
    >>> report.prediction_source, round(report.macro_f1, 3)  # doctest: +SKIP
    ('projected via goemotions -> ekman', 0.6)
    """
    if thresholds not in ("model", "dev"):
        raise ParameterError(f"The 'thresholds' parameter of evaluate must be 'model' or 'dev'. Got {thresholds!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise ParameterError(f"The 'n_boot' parameter of evaluate must be an int >= 0. Got {n_boot!r} instead.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ParameterError(f"The 'seed' parameter of evaluate must be an int. Got {seed!r} instead.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ParameterError(f"The 'limit' parameter of evaluate must be an int >= 1 or None. Got {limit!r}.")
    data = load_dataset(dataset, split, root=data_dir) if isinstance(dataset, str) else dataset
    if not isinstance(data, Dataset):
        raise ParameterError(f"The 'dataset' parameter of evaluate must be a name or a Dataset. Got {dataset!r}.")
    if len(data) == 0 or not data.columns:
        raise InputError(f"Dataset {data.name!r} ({data.split}) has no items or no label columns to score.")
    total = len(data)
    data = _head(data, limit)
    engine = load_engine(engine_or_name) if isinstance(engine_or_name, str) else engine_or_name
    target = _resolve_taxonomy(data, taxonomy, engine)
    notes = list(data.notes)
    subset = None
    if len(data) < total:
        subset = f"first {len(data)} of {total} items (limit={limit}); for smoke tests only, not a benchmark figure"
        notes.append(f"Only the {subset}.")
    common = {
        "dataset": data.name,
        "split": data.split,
        "n": len(data),
        "kind": data.kind,
        "model": {
            "engine": engine.name,
            "version": engine.version,
            "native_taxonomy": engine.native_taxonomy,
            "spec": engine_or_name if isinstance(engine_or_name, str) else None,
        },
        "taxonomy": target,
        "columns": tuple(data.columns),
        "n_boot": n_boot,
        "seed": seed,
        "subset": subset,
    }
    if data.kind == "multilabel":
        assert target is not None
        if thresholds == "dev":
            dev = _head(_dev_split(dataset, data, split, data_dir, dev), limit)
        return _evaluate_multilabel(engine, data, target, dev, n_boot, seed, progress, notes, common)
    if thresholds == "dev":
        notes.append("thresholds='dev' was ignored: decision thresholds do not apply to regression.")
    return _evaluate_regression(engine, data, target, n_boot, seed, progress, notes, common)


def _dev_split(
    dataset: Dataset | str, data: Dataset, split: str, data_dir: str | Path | None, dev: Dataset | None
) -> Dataset:
    """The split thresholds are fitted on; never the one being scored."""
    if dev is None:
        if not isinstance(dataset, str):
            raise ParameterError(
                "thresholds='dev' with a Dataset object needs dev=<its dev split> (the CLI: --dev-file)."
            )
        if split == "dev":
            raise ParameterError(
                "thresholds='dev' fits thresholds on the dev split, so the dev split cannot be scored with them; "
                "score split='test' (--split test) or use thresholds='model' (--thresholds model)."
            )
        try:
            dev = load_dataset(dataset, "dev", root=data_dir)
        except DataNotFound as exc:
            raise ParameterError(
                f"Dataset {dataset!r} has no dev split to fit thresholds on: {exc} "
                "Use thresholds='model' (--thresholds model)."
            ) from exc
    if dev is data or (dev.name == data.name and dev.split == data.split and dev.ids == data.ids):
        raise ParameterError("The dev split given for thresholds='dev' is the split being scored; pass another one.")
    missing = [c for c in data.columns if c not in dev.columns]
    if missing:
        raise InputError(f"The dev split lacks label column(s) {', '.join(missing)} of the scored split.")
    return dev


def _probs(records: list[Affect], columns: Sequence[str]) -> NDArray[np.float64]:
    return np.array([[r.emotions.get(c, 0.0) for c in columns] for r in records], dtype=np.float64).reshape(
        len(records), len(columns)
    )


def _outside_notes(ci: dict[str, tuple[float, float] | None], points: dict[str, float]) -> list[str]:
    """Say where a point estimate falls outside its percentile interval (a biased statistic, e.g. ECE)."""
    outside = []
    for key, value in points.items():
        interval = ci.get(key)
        if interval is not None and not math.isnan(value) and not interval[0] <= value <= interval[1]:
            outside.append(key)
    if not outside:
        return []
    return [
        f"The point estimate of {', '.join(outside)} lies outside its bootstrap percentile interval: the statistic "
        "is biased in samples this small (ECE in particular is biased upward under resampling), so read the "
        "interval as a spread, not as bounds on the point value."
    ]


def _evaluate_multilabel(
    engine: Engine,
    data: Dataset,
    target: str,
    dev: Dataset | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    columns = list(data.columns)
    gold = np.asarray(data.targets, dtype=np.float64)
    if np.isnan(gold).any() or not np.isin(gold, (0.0, 1.0)).all():
        raise InputError(f"Dataset {data.name!r} has gold labels other than 0/1 (or missing ones).")
    source, source_notes = _prediction_source(engine, target, columns)
    notes += source_notes
    records = _predict(engine, data.texts, target, progress, f"scoring {data.name}")
    probs = _probs(records, columns)
    threshold_values: dict[str, float] | None
    if tx.load_taxonomy(target).kind == "exclusive":
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = f"argmax: {target} is exclusive (one label per text), so thresholds do not apply"
        threshold_values = None
    elif dev is None:
        predicted = np.array([[float(c in r.labels) for c in columns] for r in records]).reshape(probs.shape)
        threshold_source = _model_threshold_source(engine, target)
        all_thresholds = engine.thresholds(target)
        labels = tx.load_taxonomy(target).labels
        threshold_values = {c: float(all_thresholds[labels.index(c)]) for c in columns}
    else:
        dev_records = _predict(engine, dev.texts, target, progress, f"fitting thresholds on {dev.name} {dev.split}")
        dev_gold = np.asarray(dev.targets, dtype=np.float64)[:, [dev.columns.index(c) for c in columns]]
        fitted = fit_thresholds(_probs(dev_records, columns), dev_gold)
        predicted = (probs >= fitted).astype(np.float64)
        threshold_source = f"dev: per-label F1-optimal thresholds fitted on {dev.name} {dev.split} ({len(dev)} items)"
        threshold_values = {c: float(t) for c, t in zip(columns, fitted)}
    metrics = classification_metrics(gold, predicted, columns)
    ece = expected_calibration_error(gold, probs)
    ci = bootstrap_ci(classification_stat(gold, predicted, probs), len(gold), n_boot=n_boot, seed=seed)
    points = {key: metrics[key] for key in ("macro_f1", "micro_f1", "jaccard")} | {"ece": ece}
    notes += _outside_notes(ci, points)
    return EvalReport(
        **common,
        prediction_source=source,
        threshold_source=threshold_source,
        **metrics,
        ece=ece,
        brier=brier_loss(gold, probs),
        ci95=ci,
        reliability=reliability_diagram(gold, probs),
        thresholds=threshold_values,
        notes=tuple(notes),
        gold=gold,
        predicted=predicted,
        probabilities=probs,
    )


def _evaluate_regression(
    engine: Engine,
    data: Dataset,
    target: str | None,
    n_boot: int,
    seed: int,
    progress: bool,
    notes: list[str],
    common: dict[str, Any],
) -> EvalReport:
    columns = list(data.columns)
    records = _predict(engine, data.texts, target, progress, f"scoring {data.name}")
    dimension_source: dict[str, str] = {}
    values = np.full((len(records), len(columns)), np.nan)
    fallback = []
    for j, column in enumerate(columns):
        if column in VAD_DIMENSIONS:
            if all(r.vad is None for r in records):
                raise ParameterError(
                    f"Engine {engine.name!r} estimates no valence/arousal/dominance, so it cannot be scored on "
                    f"{column!r} of {data.name!r}."
                )
            dimension_source[column] = "record.vad"
            values[:, j] = [getattr(r.vad, column) if r.vad is not None else np.nan for r in records]
        elif column in engine.intensity_labels:
            dimension_source[column] = "record.intensity"
            values[:, j] = [r.intensity.get(column, np.nan) if r.intensity else np.nan for r in records]
        else:
            assert target is not None
            source, source_notes = _prediction_source(engine, target, [column])
            notes += source_notes
            dimension_source[column] = f"record.emotions ({target}, {source})"
            values[:, j] = [r.emotions[column] for r in records]
            fallback.append(column)
    if fallback:
        notes.append(
            f"The engine estimates no intensity for {', '.join(fallback)}: its {target} emotion probability "
            "was scored against the gold intensity instead (Pearson and Spearman are meaningful; CCC and MAE "
            "compare different scales)."
        )
    gold = np.asarray(data.targets, dtype=np.float64)
    metrics = regression_metrics(gold, values, columns)
    for column, used in metrics["n"].items():
        if used < len(records):
            notes.append(f"{column}: {len(records) - used} items without a gold or predicted value were skipped.")
    groups: dict[str, list[str]] = {}
    for column, src in dimension_source.items():
        groups.setdefault(src, []).append(column)
    summary = "; ".join(f"{src} ({', '.join(cols)})" for src, cols in groups.items())
    ci = bootstrap_ci(regression_stat(gold, values, columns), len(gold), n_boot=n_boot, seed=seed)
    metric_names = ("pearson", "spearman", "ccc", "mae")
    notes += _outside_notes(ci, {f"{m}.{d}": metrics[m][d] for m in metric_names for d in [*columns, "mean"]})
    return EvalReport(
        **common,
        prediction_source=summary,
        threshold_source=None,
        pearson=metrics["pearson"],
        spearman=metrics["spearman"],
        ccc=metrics["ccc"],
        mae=metrics["mae"],
        ci95=ci,
        dimension_source=dimension_source,
        notes=tuple(notes),
        gold=gold,
        predicted=values,
    )
