"""Streaming readers for text tables: csv, tsv, jsonl, json, txt, parquet.

Readers yield :class:`Row` objects in input order, in constant memory (except
``.json``, which is one document and is read whole). A malformed row becomes a
``Row`` with ``error`` set (and its line number in the message) so that output
always has exactly one record per input row. Writing is :mod:`affectlab.io.writer`;
format names are :mod:`affectlab.io.formats`.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from affectlab.errors import AffectlabWarning, InputError
from affectlab.io.formats import SUFFIXES, detect_format
from affectlab.io.sniff import HEAD_BYTES, check_text_bytes
from affectlab.io.writer import parquet_modules

__all__ = ["Row", "input_files", "read_rows", "total_bytes"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_DELIMITED = {",": "CSV", "\t": "TSV"}
#: A row spanning more physical lines than this is reported (a likely unterminated quote).
_SUSPICIOUS_SPAN = 50


@dataclass
class Row:
    """One input row: its 0-based position, text, kept columns, and any read error."""

    index: int
    text: object
    columns: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    error: str | None = None


class _CountingLines:
    """Decoded lines of a binary stream, counting the bytes consumed (for progress)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.bytes_read = 0
        self.first = True

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.bytes_read += len(raw)
            if self.first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            self.first = False
            yield raw.decode("utf-8", errors="replace")


def _open(path: str | os.PathLike[str]) -> tuple[IO[bytes], int | None]:
    if str(path) == "-":
        stdin = sys.stdin.buffer
        return (stdin if hasattr(stdin, "peek") else io.BufferedReader(stdin)), None  # peek: the binary check
    file = Path(path)
    if not file.is_file():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    return file.open("rb"), file.stat().st_size


def _pick(header: list[str], text_column: str | None, id_column: str | None, source: str) -> str:
    column = text_column or ("text" if "text" in header else None)
    if column is None:
        raise InputError(
            f"{source} has no 'text' column; name one with --text-column. Available columns: {', '.join(header)}."
        )
    for name, option in ((column, "--text-column"), (id_column, "--id-column")):
        if name is not None and name not in header:
            raise InputError(
                f"Column {name!r} ({option}) not found in {source}. Available columns: {', '.join(header)}."
            )
    return column


def input_files(path: str | os.PathLike[str]) -> list[Path] | None:
    """The files a folder or a glob pattern (``*``, ``?``; ending in a table suffix) names, sorted; else None.

    A folder gives its visible files with a table suffix (see :data:`SUFFIXES`), not its subfolders.

    Raises
    ------
    InputError
        If the folder or pattern names no such file.
    """
    text = str(path)
    if text == "-":
        return None
    folder = Path(text)
    try:
        is_folder = folder.is_dir()
    except (OSError, ValueError):  # a long text given as the input is no path at all
        return None
    if is_folder:
        files = sorted(
            f for f in folder.iterdir() if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in SUFFIXES
        )
    elif ("*" in text or "?" in text) and folder.suffix.lower() in SUFFIXES:  # "Why?" is a text, not a pattern
        files = sorted(Path(f) for f in glob.glob(text) if Path(f).is_file())
    else:
        return None
    if not files:
        raise InputError(f"{text!r} names no files to read (looked for {', '.join(sorted(SUFFIXES))}).")
    return files


def read_rows(
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    progress: list[int] | None = None,
) -> Iterator[Row]:
    """Stream the rows of a table.

    Parameters
    ----------
    path : str or Path
        A file, ``-`` for standard input (format then defaults to ``txt``), or a folder or glob
        pattern of files (see :func:`input_files`), read in name order as one table: each row's
        columns gain ``source_file`` (the file name) and default ids count across the files.
    fmt : str, optional
        One of :data:`FORMATS`; default from the suffix.
    text_column : str, optional
        Column holding the text (default ``text``); ignored for ``txt``.
    id_column : str, optional
        Column holding ids; default the ``id`` column if there is one, else the 0-based row positions.
    progress : list of int, optional
        If given, ``progress[0]`` is kept equal to the bytes read so far.

    Raises
    ------
    InputError
        Missing file or column (the message lists the available columns).
    """
    files = input_files(path)
    if files is not None:
        yield from _read_files(files, fmt, text_column, id_column, progress)
        return
    fmt = fmt or ("txt" if str(path) == "-" else detect_format(path))
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        yield from _read_parquet(path, text_column, id_column, progress)
        return
    handle, _ = _open(path)
    lines = _CountingLines(handle)
    source = "standard input" if str(path) == "-" else repr(str(path))
    try:
        check_text_bytes(
            handle.peek(HEAD_BYTES)[:HEAD_BYTES], "Standard input" if source[0] == "s" else f"Input file {source}"
        )
        if fmt in ("csv", "tsv"):
            rows = _read_delimited(lines, "," if fmt == "csv" else "\t", text_column, id_column, source)
        elif fmt == "jsonl":
            rows = _read_jsonl(lines, text_column, id_column, source)
        elif fmt == "json":
            rows = _read_json(handle, text_column, id_column, source)
        else:
            rows = (Row(i, text, {"text": text}, str(i)) for i, text in enumerate(x.rstrip("\r\n") for x in lines))
        for row in rows:
            if progress is not None:
                progress[0] = lines.bytes_read
            yield row
    finally:
        if str(path) != "-":
            handle.close()


def _read_files(
    files: list[Path], fmt: str | None, text_column: str | None, id_column: str | None, progress: list[int] | None
) -> Iterator[Row]:
    """The rows of several files as one table, in file order, each tagged with its ``source_file``."""
    index, done_bytes = 0, 0
    for file in files:
        counted = [0]
        for row in read_rows(file, fmt=fmt, text_column=text_column, id_column=id_column, progress=counted):
            row_id = str(index) if row.id == str(row.index) else row.id  # positional ids count across files
            yield Row(index, row.text, {**row.columns, "source_file": file.name}, row_id, row.error)
            index += 1
            if progress is not None:
                progress[0] = done_bytes + counted[0]
        done_bytes += file.stat().st_size


def total_bytes(path: str | os.PathLike[str]) -> int | None:
    """Size in bytes of a file or of every file of a folder or pattern; None for standard input."""
    if str(path) == "-":
        return None
    files = input_files(path)
    return sum(f.stat().st_size for f in files) if files is not None else Path(path).stat().st_size


def _row_id(index: int, columns: dict[str, Any], id_column: str | None) -> str:
    """The row's id: its ``id_column`` value, else its ``id`` column, else its 0-based position."""
    return str(columns.get(id_column or "id", index))


def _read_delimited(
    lines: _CountingLines, delimiter: str, text_column: str | None, id_column: str | None, source: str
) -> Iterator[Row]:
    reader = csv.reader(iter(lines), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"Line 1 of {source} cannot be read as {_DELIMITED[delimiter]}: {exc}.") from exc
    column = _pick(header, text_column, id_column, source)
    index, last_line = 0, reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            kind = _DELIMITED[delimiter]
            raise InputError(f"Line {reader.line_num} of {source} cannot be read as {kind}: {exc}.") from exc
        if reader.line_num - last_line > _SUSPICIOUS_SPAN:
            warnings.warn(
                f"Row {index} of {source} spans lines {last_line + 1}-{reader.line_num}: an unterminated quote "
                "may have merged several rows into one; check the file's quoting.",
                AffectlabWarning,
                stacklevel=2,
            )
        last_line = reader.line_num
        if len(values) != len(header):
            message = f"line {reader.line_num} of {source}: expected {len(header)} fields, found {len(values)}"
            yield Row(index, None, {}, str(index), message)
        else:
            columns = dict(zip(header, values))
            yield Row(index, columns[column], columns, _row_id(index, columns, id_column))
        index += 1


def _read_jsonl(lines: _CountingLines, text_column: str | None, id_column: str | None, source: str) -> Iterator[Row]:
    column: str | None = None
    index = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            yield Row(index, None, {}, str(index), f"line {number} of {source}: invalid JSON object ({exc})")
            index += 1
            continue
        if column is None:
            column = _pick(list(obj), text_column, id_column, source)
        if column not in obj:
            yield Row(
                index, None, obj, _row_id(index, obj, id_column), f"line {number} of {source}: no {column!r} field"
            )
        else:
            yield Row(index, obj[column], obj, _row_id(index, obj, id_column))
        index += 1


def _read_json(handle: IO[bytes], text_column: str | None, id_column: str | None, source: str) -> Iterator[Row]:
    try:
        data = json.loads(handle.read().decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise InputError(f"{source} is not valid JSON: {exc}. For one object per line use .jsonl.") from exc
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise InputError(f"{source} must hold a JSON array of strings or objects.")
    column: str | None = None
    for index, item in enumerate(data):
        if isinstance(item, dict):
            if column is None:
                column = _pick(list(item), text_column, id_column, source)
            yield Row(
                index,
                item.get(column),
                item,
                _row_id(index, item, id_column),
                None if column in item else f"item {index} of {source}: no {column!r} field",
            )
        else:
            yield Row(index, item, {}, str(index))


def _read_parquet(
    path: str | os.PathLike[str], text_column: str | None, id_column: str | None, progress: list[int] | None
) -> Iterator[Row]:
    pa, pq = parquet_modules()

    if str(path) == "-":
        raise InputError("Parquet cannot be read from standard input; pass a file.")
    if not Path(path).is_file():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"Input file {str(path)!r} is not a readable Parquet file: {exc}") from exc
    column = _pick(parquet.schema_arrow.names, text_column, id_column, repr(str(path)))
    index, total_rows = 0, max(parquet.metadata.num_rows, 1)
    size = Path(path).stat().st_size
    for batch in parquet.iter_batches(batch_size=4096):
        for columns in batch.to_pylist():
            yield Row(index, columns[column], columns, _row_id(index, columns, id_column))
            index += 1
            if progress is not None:
                progress[0] = int(size * index / total_rows)
