"""Score a chunk of table rows: one output row per input row, in order, ids and columns kept.

:func:`score_rows` is the one per-chunk function of ``affectlab analyze``: the local backend
calls it on each chunk it streams from :func:`affectlab.io.read_rows`, and the Ray backend
(:mod:`affectlab.analyses.distributed`) calls it inside each worker on each batch Ray hands it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from affectlab.core.records import Affect, flatten
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import InputError
from affectlab.io import Row

__all__ = ["CHUNK_ROWS", "error_record", "output_row", "score_rows"]

#: Rows read and scored per chunk by ``analyze`` (locally, per Ray batch, and for files sent to the service).
CHUNK_ROWS = 2048


def score_rows(
    rows: Sequence[Row], analyzer: Analyzer, *, on_error: str, keep_columns: bool, nested: bool
) -> list[dict[str, Any]]:
    """The output rows of a chunk of input rows, one per row, in order.

    Parameters
    ----------
    rows : sequence of Row
        Rows as :func:`affectlab.io.read_rows` yields them.
    analyzer : Analyzer
        Scores the texts of the rows without a read error.
    on_error : {"fail", "skip"}
        ``fail`` raises on the first malformed row; ``skip`` gives it a record flagged ``error``.
    keep_columns : bool
        Keep the input columns before the record's (``input.<name>`` where a name collides).
    nested : bool
        Nested records (json, jsonl: the input row under ``input``) instead of flat rows.

    Raises
    ------
    InputError
        A malformed row with ``on_error="fail"``.
    """
    bad = [r for r in rows if r.error]
    if bad and on_error == "fail":
        raise InputError(f"{bad[0].error}. Use --on-error skip to flag such rows and continue.")
    good = [r for r in rows if not r.error]
    records = iter(analyzer.analyze([r.text for r in good], [r.id for r in good]))
    return [
        output_row(row, error_record(row, analyzer) if row.error else next(records), keep_columns, nested)
        for row in rows
    ]


def error_record(row: Row, analyzer: Analyzer) -> Affect:
    """The record of a row that could not be read: no scores, the ``error`` flag and message."""
    taxonomy = analyzer.taxonomy or analyzer.engine_.native_taxonomy
    return Affect(
        id=row.id, taxonomy=taxonomy, emotions={}, flags=("error",), error=row.error, model=analyzer.engine_.provenance
    )


def output_row(row: Row, record: Affect, keep_columns: bool, nested: bool) -> dict[str, Any]:
    """One output row: the record (flat or nested) after the input's columns."""
    if nested:
        data = record.to_dict()
        if keep_columns and row.columns:
            data["input"] = row.columns
        return data
    flat = flatten(record)
    if not keep_columns:
        return flat
    kept = {
        (f"input.{k}" if k in flat else k): v
        for k, v in row.columns.items()
        if not (k == "id" and str(v) == flat["id"])  # the input's id column is the record's id
    }
    return {**kept, **flat}
