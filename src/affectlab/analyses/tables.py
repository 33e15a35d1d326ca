"""Read any labelled table (csv, tsv, jsonl, json, parquet) as a :class:`~affectlab.datasets.Dataset`.

Three layouts are understood, chosen by which argument is given:

- ``label_columns``: one 0/1 column per label (column names are taxonomy labels);
- ``labels_column``: one column of comma-separated labels (``"joy,surprise"``; an
  empty cell means no label; in JSON a list of strings also works);
- ``value_columns``: numeric targets on affectlab's canonical scales, named
  ``valence``/``arousal``/``dominance`` (in [-1, 1]) or after emotion labels
  (intensity in [0, 1]). Empty cells are missing values, skipped per column.

Only :mod:`affectlab.core`, :mod:`affectlab.io` and :mod:`affectlab.datasets` are imported.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.taxonomy import available_taxonomies, load_taxonomy
from affectlab.datasets import Dataset
from affectlab.errors import InputError, ParameterError, TaxonomyError
from affectlab.io import read_rows

__all__ = ["VAD_DIMENSIONS", "load_table_dataset"]

VAD_DIMENSIONS = ("valence", "arousal", "dominance")
_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def load_table_dataset(
    path: str | os.PathLike[str],
    *,
    text_column: str = "text",
    label_columns: Sequence[str] | None = None,
    labels_column: str | None = None,
    value_columns: Sequence[str] | None = None,
    taxonomy: str | None = None,
    id_column: str | None = None,
    split: str = "test",
    name: str | None = None,
    fmt: str | None = None,
) -> Dataset:
    """Load a labelled table as a :class:`~affectlab.datasets.Dataset`.

    Parameters
    ----------
    path : str or Path
        A .csv, .tsv, .jsonl, .json or .parquet file, or ``"-"`` for standard input (``fmt`` then required).
    text_column : str, default="text"
        Column holding the texts.
    label_columns : sequence of str, optional
        Binary 0/1 columns, one per label (also true/false, yes/no). Multi-label.
    labels_column : str, optional
        One column of comma-separated labels. Multi-label; the dataset's columns are
        the taxonomy's labels that occur in the file, in taxonomy order.
    value_columns : sequence of str, optional
        Numeric columns: ``valence``/``arousal``/``dominance`` in [-1, 1] or emotion
        labels (intensity in [0, 1]). Regression.
    taxonomy : str, optional
        Taxonomy whose labels the label columns are; required for ``label_columns``
        and ``labels_column``, needed for ``value_columns`` named after emotions
        when the engine has no intensity for them.
    id_column : str, optional
        Column of ids; default the 0-based row positions.
    split : str, default="test"
        Split name recorded in the dataset (and in evaluation reports).
    name : str, optional
        Dataset name; default the file name (``stdin`` for standard input).
    fmt : str, optional
        Table format when the suffix does not tell (see :data:`affectlab.io.FORMATS`).

    Returns
    -------
    Dataset
        ``kind="multilabel"`` with 0/1 targets, or ``kind="regression"`` (NaN where missing).

    Raises
    ------
    ParameterError
        Not exactly one of ``label_columns``/``labels_column``/``value_columns``.
    TaxonomyError
        Labels outside the taxonomy (the message names them), or no taxonomy given.
    InputError
        Missing file or column, malformed row, or a value that is not 0/1 or off the scale.

    Examples
    --------
    >>> ds = load_table_dataset("tweets.csv", labels_column="emotions", taxonomy="ekman")  # doctest: +SKIP
    >>> ds.kind, ds.columns  # doctest: +SKIP
    ('multilabel', ('anger', 'joy', 'neutral'))
    """
    given = [g for g in (label_columns, labels_column, value_columns) if g is not None]
    if len(given) != 1:
        raise ParameterError(
            "load_table_dataset needs exactly one of 'label_columns' (0/1 columns), 'labels_column' "
            f"(comma-separated labels) or 'value_columns' (numeric). Got {len(given)}."
        )
    source = str(path)
    if source != "-" and not Path(source).is_file():
        raise InputError(f"Dataset file {source!r} does not exist.")
    if source == "-" and fmt is None:
        raise ParameterError("A dataset read from standard input needs its format: pass fmt= (--input-format).")
    rows = list(read_rows(source, fmt=fmt, text_column=text_column, id_column=id_column))
    for row in rows:
        if row.error:
            raise InputError(f"{row.error}; fix the row or remove it.")
    if not rows:
        raise InputError(f"Dataset file {source!r} has no rows.")
    ids = [str(r.id) for r in rows]
    texts = ["" if r.text is None else str(r.text) for r in rows]
    name = name or ("stdin" if source == "-" else Path(source).name)
    tax = load_taxonomy(taxonomy) if taxonomy is not None else None

    if value_columns is not None:
        columns = tuple(value_columns)
        _check_columns(columns, rows[0].columns, source)
        emotion_dims = [c for c in columns if c not in VAD_DIMENSIONS]
        if tax is not None:
            _check_labels(emotion_dims, tax.name, what="value columns")
        targets = np.array([[_number(r.columns.get(c), c, r.index, source) for c in columns] for r in rows])
        targets = targets.reshape(len(rows), len(columns))
        for j, column in enumerate(columns):
            lo = -1.0 if column in VAD_DIMENSIONS else 0.0
            bad = np.flatnonzero((targets[:, j] < lo) | (targets[:, j] > 1.0))
            if bad.size:
                raise InputError(
                    f"Column {column!r} of {source} must lie in [{lo:g}, 1] (affectlab's canonical scale); row "
                    f"{int(bad[0])} has {targets[bad[0], j]:g}. Convert it first, e.g. with "
                    "affectlab.core.scales.from_emobank (1-5) or from_semeval_intensity (0-3)."
                )
        scale = "; ".join(f"{c}: [-1, 1]" if c in VAD_DIMENSIONS else f"{c}: intensity [0, 1]" for c in columns)
        return Dataset(
            name, split, ids, texts, "regression", columns, targets, tax.name if tax else None, scale, source
        )

    if tax is None:
        wanted = list(label_columns) if label_columns is not None else _label_sets(rows, labels_column, source)[1]
        fits = [t for t in available_taxonomies() if set(wanted) <= set(load_taxonomy(t).labels)]
        raise TaxonomyError(
            "A labelled table needs taxonomy= (--dataset-taxonomy) naming the taxonomy of its labels. "
            f"Taxonomies holding all of {', '.join(sorted(set(wanted)))}: {', '.join(fits) or 'none'}."
        )
    if label_columns is not None:
        columns = tuple(label_columns)
        _check_columns(columns, rows[0].columns, source)
        _check_labels(columns, tax.name, what="label columns")
        targets = np.array([[_binary(r.columns.get(c), c, r.index, source) for c in columns] for r in rows])
        targets = targets.reshape(len(rows), len(columns))
    else:
        assert labels_column is not None
        per_row, seen = _label_sets(rows, labels_column, source)
        _check_labels(seen, tax.name, what=f"values of column {labels_column!r}", counts=Counter(seen))
        present = set(seen)
        columns = tuple(label for label in tax.labels if label in present)
        index = {label: j for j, label in enumerate(columns)}
        targets = np.zeros((len(rows), len(columns)))
        for i, labels in enumerate(per_row):
            for label in labels:
                targets[i, index[label]] = 1.0
    return Dataset(name, split, ids, texts, "multilabel", columns, targets, tax.name, "0/1 multi-label", source)


def _check_columns(columns: Sequence[str], first_row: dict[str, Any], source: str) -> None:
    missing = [c for c in columns if c not in first_row]
    if missing:
        raise InputError(
            f"Column(s) {', '.join(map(repr, missing))} not found in {source}. "
            f"Available columns: {', '.join(first_row)}."
        )


def _check_labels(labels: Sequence[str], taxonomy: str, *, what: str, counts: Counter[str] | None = None) -> None:
    known = load_taxonomy(taxonomy).labels
    unknown = sorted({label for label in labels if label not in known})
    if unknown:
        shown = ", ".join(f"{u!r}" + (f" ({counts[u]} rows)" if counts else "") for u in unknown)
        raise TaxonomyError(
            f"The {what} include labels outside taxonomy {taxonomy!r}: {shown}. "
            f"Known labels: {', '.join(known)}. Rename them or choose another taxonomy."
        )


def _label_sets(rows: list[Any], column: str | None, source: str) -> tuple[list[list[str]], list[str]]:
    """Per-row label lists and every label occurrence, from a comma-separated (or list) column."""
    assert column is not None
    _check_columns([column], rows[0].columns, source)
    per_row: list[list[str]] = []
    for row in rows:
        value = row.columns.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            items: list[str] = []
        elif isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:
            items = str(value).split(",")
        per_row.append(sorted({item.strip().lower() for item in items if item.strip()}))
    return per_row, [label for labels in per_row for label in labels]


def _binary(value: object, column: str, index: int, source: str) -> float:
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return 1.0
    if text in _FALSE:
        return 0.0
    raise InputError(
        f"Row {index} of {source}: label column {column!r} must hold 0 or 1 (or true/false). Got {value!r} instead."
    )


def _number(value: object, column: str, index: int, source: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            f"Row {index} of {source}: column {column!r} must be numeric. Got {value!r} instead."
        ) from None
