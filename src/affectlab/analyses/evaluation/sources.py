"""What an evaluation scored: the taxonomy asked for, where predictions and thresholds came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from affectlab.analyses.tables import VAD_DIMENSIONS
from affectlab.core import taxonomy as tx
from affectlab.datasets import Dataset
from affectlab.engines.base import Engine
from affectlab.errors import TaxonomyError

__all__ = [
    "DATASET_TAXONOMY_ALIASES",
    "REGRESSION_TAXONOMIES",
    "model_threshold_source",
    "prediction_source",
    "resolve_taxonomy",
]

#: A dataset's ``taxonomy`` field -> the taxonomy the engine is asked to predict in (same labels).
DATASET_TAXONOMY_ALIASES: dict[str, str] = {"goemotions-ekman": "ekman"}
#: Regression dataset family (name before ":") -> taxonomy of its emotion-named dimensions.
REGRESSION_TAXONOMIES: dict[str, str] = {"brighter-b": "semeval"}


def _engine_config(engine: Engine) -> dict[str, Any]:
    config = getattr(engine, "config", None)
    return config if isinstance(config, dict) else {}


def prediction_source(engine: Engine, taxonomy: str, columns: Sequence[str]) -> tuple[str, list[str]]:
    """``"native"`` or ``"projected via a -> b"``, plus notes (scored labels a native head does not cover)."""
    heads = _engine_config(engine).get("heads", {})
    if engine.native_taxonomy == taxonomy or engine.any_taxonomy:
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


def resolve_taxonomy(dataset: Dataset, taxonomy: str | None, engine: Engine) -> str | None:
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


def model_threshold_source(engine: Engine, taxonomy: str) -> str:
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
