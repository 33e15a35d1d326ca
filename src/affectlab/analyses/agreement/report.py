"""The ``results`` of an agreement report, as the CLI's ``agree --json`` and the HTTP service give them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from affectlab.analyses.agreement.compare import agreement
from affectlab.analyses.agreement.model import compare_with_engine
from affectlab.core.serialize import jsonable
from affectlab.engines.pipeline import EngineSpec

__all__ = ["agreement_results"]


def agreement_results(
    frame: pd.DataFrame,
    *,
    metrics: Sequence[str],
    texts: pd.Series | None = None,
    engine: EngineSpec | None = None,
    field: str | None = None,
    scale: str = "raw",
    taxonomy: str | None = None,
    progress: bool = False,
    **options: Any,
) -> tuple[list[dict[str, Any]], int | None]:
    """Result rows (JSON-ready) and, with an engine, the number of items the model scored.

    Without ``engine``: one row per metric among the humans (``comparison`` = ``"humans"``). With it: the rows of
    :func:`compare_with_engine` (humans, the model against them), each with its interval as ``ci95`` = [lo, hi]
    or None. ``options`` are :func:`agreement`'s (item, rater, value, level, weights, raters, n_boot, seed).
    """
    if engine is None:
        return [{"comparison": "humans", **agreement(frame, metric=m, **options).to_dict()} for m in metrics], None
    assert texts is not None and field is not None, "a model comparison needs the texts and the field"
    table, values = compare_with_engine(
        frame, texts, engine=engine, field=field, scale=scale, taxonomy=taxonomy, progress=progress,
        metrics=metrics, **options,
    )  # fmt: skip
    rows = jsonable(table.to_dict("records"))
    for row in rows:
        lo, hi = row.pop("ci95_lo"), row.pop("ci95_hi")
        row["ci95"] = [lo, hi] if lo is not None else None
    return rows, int(values.notna().sum())
