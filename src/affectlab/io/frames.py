"""Whole tables in memory: turn tables, rating tables and label tables read into a DataFrame.

Use :func:`affectlab.io.read_rows` to stream texts in constant memory; use
:func:`read_table` when an analysis needs every row at once (conversations,
agreement, aggregation). ``-`` reads standard input (JSON lines unless ``fmt`` says otherwise).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from affectlab.errors import InputError, ParameterError
from affectlab.io.formats import detect_format
from affectlab.io.writer import parquet_modules

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_table"]

TABLE_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")


def read_table(source: str, fmt: str | None = None, *, as_text: Collection[str] | Literal["all"] = ()) -> pd.DataFrame:
    """Read a whole table (csv, tsv, jsonl, json array, parquet) from a file or ``-`` for stdin.

    Parameters
    ----------
    source : str
        A path, or ``"-"`` for standard input.
    fmt : str, optional
        Input format; default from the suffix (``jsonl`` for stdin).
    as_text : collection of str or "all", default=()
        Columns read as text (ids such as ``007`` keep their zeros; missing stays missing).
        ``"all"`` reads every csv/tsv field as text, empty fields as ``""``.

    Raises
    ------
    InputError
        A missing file, a malformed line (with its number), or a table the format cannot parse.
    ParameterError
        An unknown format or one that holds no table (``txt``).
    """
    import pandas as pd

    fmt = (fmt or "jsonl") if source == "-" else detect_format(source, fmt)
    if fmt not in TABLE_FORMATS:
        raise ParameterError(
            f"The 'input format' must be one of {', '.join(TABLE_FORMATS)} for a table. Got {fmt!r} instead."
        )
    where = "standard input" if source == "-" else repr(source)
    data = _read_bytes(source)
    try:
        if fmt in ("csv", "tsv"):
            everything = as_text == "all"
            frame = pd.read_csv(
                io.BytesIO(data),
                sep="," if fmt == "csv" else "\t",
                dtype=str if everything else {c: str for c in as_text},
                keep_default_na=not everything,
                encoding="utf-8-sig",
                encoding_errors="replace",
            )
            if everything:
                frame = frame.fillna("")
        elif fmt == "parquet":
            parquet_modules()
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            text = data.decode("utf-8-sig", errors="replace")
            frame = pd.DataFrame.from_records(_json_records(text, fmt, where))
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"Cannot read {where} as {fmt}: {exc}") from exc
    if as_text != "all":
        for column in as_text:
            if column in frame.columns:
                frame[column] = frame[column].where(frame[column].isna(), frame[column].astype(str))
    return frame


def _read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        raise InputError(f"Input file {source!r} does not exist.")
    return path.read_bytes()


def _json_records(text: str, fmt: str, where: str) -> list[dict[str, Any]]:
    if fmt == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{where} is not valid JSON: {exc}. For one object per line use .jsonl.") from exc
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(f"{where} must hold a JSON array of objects (or an object holding such an array).")
        return data
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"Line {number} of {where} is not valid JSON: {exc}.") from exc
        if not isinstance(row, dict):
            raise InputError(f"Line {number} of {where} is not a JSON object.")
        rows.append(row)
    return rows
