"""``evaluate``: score any engine against human labels on a dataset split."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from affectlab.analyses.evaluation.report import EvalReport
from affectlab.analyses.evaluation.scoring import evaluate_multilabel, evaluate_regression
from affectlab.analyses.evaluation.sources import resolve_taxonomy
from affectlab.core.validation import check_choice, check_int
from affectlab.datasets import Dataset, load_dataset
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import DataNotFound, InputError, ParameterError

__all__ = ["evaluate"]

_BATCH = 256


def _head(dataset: Dataset, limit: int | None) -> Dataset:
    if limit is None or limit >= len(dataset):
        return dataset
    return replace(dataset, ids=dataset.ids[:limit], texts=dataset.texts[:limit], targets=dataset.targets[:limit])


def evaluate(
    dataset: Dataset | str,
    *,
    engine: EngineSpec = "embedded",
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
    dataset : Dataset or str
        A built-in name (see :func:`affectlab.datasets.available_datasets`) or a
        :class:`~affectlab.datasets.Dataset`, e.g. from :func:`affectlab.analyses.tables.load_table_dataset`.
    engine : str, Engine or Analyzer, default="embedded"
        A name for :func:`affectlab.load_engine` (``"embedded"``, ``"embedded:<folder>"``), an engine,
        or an :class:`~affectlab.Analyzer` (its engine is used; the taxonomy comes from ``taxonomy``).
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
    >>> report = evaluate("goemotions-ekman", engine="embedded", n_boot=200)  # doctest: +SKIP
    >>> report.prediction_source, round(report.macro_f1, 3)  # doctest: +SKIP
    ('projected via goemotions -> ekman', 0.6)
    """
    check_choice(thresholds, "thresholds", "evaluate", ("model", "dev"))
    check_int(n_boot, "n_boot", "evaluate", minimum=0)
    check_int(seed, "seed", "evaluate")
    if limit is not None:
        check_int(limit, "limit", "evaluate", minimum=1)
    data = load_dataset(dataset, split, root=data_dir) if isinstance(dataset, str) else dataset
    if not isinstance(data, Dataset):
        raise ParameterError(f"The 'dataset' parameter of evaluate must be a name or a Dataset. Got {dataset!r}.")
    if len(data) == 0 or not data.columns:
        raise InputError(f"Dataset {data.name!r} ({data.split}) has no items or no label columns to score.")
    total = len(data)
    data = _head(data, limit)
    spec = engine if isinstance(engine, str) else None
    engine_ = as_analyzer(engine, owner="evaluate").engine_
    target = resolve_taxonomy(data, taxonomy, engine_)
    analyzer = as_analyzer(engine_, owner="evaluate", taxonomy=target, batch_size=_BATCH)
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
            "engine": engine_.name,
            "version": engine_.version,
            "native_taxonomy": engine_.native_taxonomy,
            "spec": spec,
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
        return evaluate_multilabel(analyzer, data, target, dev, n_boot, seed, progress, notes, common)
    if thresholds == "dev":
        notes.append("thresholds='dev' was ignored: decision thresholds do not apply to regression.")
    return evaluate_regression(analyzer, data, target, n_boot, seed, progress, notes, common)


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
