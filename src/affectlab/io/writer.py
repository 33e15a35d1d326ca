"""Writing tables: :class:`TableWriter` writes flat rows or nested records atomically, to a file or stdout.

Data goes to a temporary file beside the target and is renamed into place only when
:meth:`TableWriter.close` succeeds, so an interrupted run never leaves a half-written
file under the final name.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import IO, Any

from affectlab.errors import AffectlabWarning, InputError, MissingExtra, ParameterError
from affectlab.io.formats import detect_format

__all__ = ["TableWriter", "parquet_modules"]


def parquet_modules() -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.parquet``, or :class:`MissingExtra` naming the ``[parquet]`` extra."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("Parquet files need pyarrow: pip install 'affectlab[parquet]'.") from exc
    return pa, pq


class TableWriter:
    """Write flat rows (csv/tsv/parquet) or nested records (json/jsonl) to a file or stdout.

    Data goes to a temporary file beside ``path``; :meth:`close` renames it into
    place, :meth:`abort` deletes it. Use as a context manager: an exception aborts.
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str | None = None, *, force: bool = False) -> None:
        self.path = str(path)
        self.fmt = fmt or ("jsonl" if self.path == "-" else detect_format(self.path))
        self.fmt = detect_format(self.path, self.fmt)
        if self.fmt == "txt":
            raise ParameterError("txt is an input format only; write csv, tsv, jsonl, json or parquet.")
        if self.path != "-" and Path(self.path).exists() and not force:
            raise InputError(f"Output file {self.path!r} exists; pass --force to overwrite it.")
        self._columns: list[str] | None = None
        self._template: dict[str, Any] = {}
        self._dropped: set[str] = set()
        self._count = 0
        self._parquet: Any = None
        self._pending: list[dict[str, Any]] = []
        self._csv: Any = None
        if self.path == "-":
            if self.fmt == "parquet":
                raise ParameterError("Parquet cannot be written to standard output; pass -o FILE.parquet.")
            self._tmp = None
            self._handle: IO[str] | None = sys.stdout
        else:
            self._open()
        if self.fmt == "json" and self._handle is not None:
            self._handle.write("[")

    def _open(self) -> None:
        """Open the temporary file beside the target that :meth:`close` renames into place."""
        target = Path(self.path)
        if not target.parent.is_dir():
            raise InputError(
                f"The folder of output file {self.path!r} does not exist; create it first "
                f"(mkdir -p {str(target.parent)!r})."
            )
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        except OSError as exc:
            raise InputError(f"Cannot write output file {self.path!r}: {exc.strerror}.") from exc
        os.close(fd)
        self._tmp = Path(tmp)
        self._handle = None if self.fmt == "parquet" else self._tmp.open("w", encoding="utf-8", newline="")

    @property
    def nested(self) -> bool:
        """True when the format keeps nested records (json, jsonl)."""
        return self.fmt in ("json", "jsonl")

    def declare(self, template: dict[str, Any]) -> None:
        """The columns every flat row has, in order, before the first :meth:`write`.

        ``template`` is one such row (e.g. the flat record of an empty text); its float values make
        float columns in Parquet. The header is then the other columns of the first batch of rows
        (the input's), followed by these, so a first row that lacks some (an error row) does not
        narrow the table.
        """
        self._template = dict(template)

    def _header(self, rows: list[dict[str, Any]]) -> list[str]:
        """The columns of the first rows written (in order of appearance), then the declared ones."""
        seen = dict.fromkeys(k for r in rows for k in r if k not in self._template)
        return [*seen, *self._template]

    def _check_columns(self, rows: list[dict[str, Any]]) -> None:
        """Warn once per column a row has beyond the header: it cannot be written to a flat table."""
        known = set(self._columns or [])
        extra = {k for r in rows for k in r if k not in known} - self._dropped
        if extra:
            self._dropped |= extra
            warnings.warn(
                f"Rows have columns that the first rows lacked ({', '.join(sorted(extra))}); a {self.fmt} table "
                "keeps the columns of its first rows, so these are not written. Write JSON lines (-o FILE.jsonl) "
                "to keep every row's columns.",
                AffectlabWarning,
                stacklevel=3,
            )

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append rows (flat dicts for csv/tsv/parquet, nested for json/jsonl)."""
        if not rows:  # nothing to write; a table that never gets rows gets its columns from write_header
            return
        if self.fmt == "jsonl":
            assert self._handle is not None
            self._handle.writelines(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        elif self.fmt == "json":
            assert self._handle is not None
            for r in rows:
                self._handle.write(("," if self._count else "") + "\n" + json.dumps(r, ensure_ascii=False, default=str))
                self._count += 1
        elif self.fmt in ("csv", "tsv"):
            if self._csv is None:
                self._columns = self._header(rows)
                self._csv = csv.DictWriter(
                    self._handle,
                    self._columns,
                    restval="",
                    extrasaction="ignore",
                    delimiter="," if self.fmt == "csv" else "\t",
                )
                self._csv.writeheader()
            self._check_columns(rows)
            self._csv.writerows(rows)
        else:
            self._write_parquet(rows)

    def write_header(self, columns: list[str]) -> None:
        """Give a table that got no rows its columns (csv/tsv header, parquet schema of strings)."""
        if self.fmt in ("csv", "tsv") and self._csv is None:
            self._columns = list(columns)
            self._csv = csv.DictWriter(self._handle, self._columns, delimiter="," if self.fmt == "csv" else "\t")
            self._csv.writeheader()
        elif self.fmt == "parquet" and self._parquet is None:
            pa, pq = parquet_modules()

            self._parquet = pq.ParquetWriter(str(self._tmp), pa.schema([pa.field(c, pa.string()) for c in columns]))

    def _write_parquet(self, rows: list[dict[str, Any]]) -> None:
        pa, pq = parquet_modules()

        if not rows:
            return
        if self._parquet is None:
            self._columns = self._header(rows)
            table = pa.Table.from_pylist([{c: r.get(c) for c in self._columns} for r in rows])
            schema = pa.schema(
                [
                    pa.field(f.name, pa.float64())
                    if isinstance(self._template.get(f.name), float)
                    else (f if not pa.types.is_null(f.type) else pa.field(f.name, pa.string()))
                    for f in table.schema
                ]
            )
            self._parquet = pq.ParquetWriter(str(self._tmp), schema)
        self._check_columns(rows)
        table = pa.Table.from_pylist(
            [{c: r.get(c) for c in self._columns or []} for r in rows], schema=self._parquet.schema
        )
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self.fmt == "json" and self._handle is not None:
            self._handle.write("\n]\n")
        if self._parquet is not None:
            self._parquet.close()
        elif self.fmt == "parquet" and self._tmp is not None:
            pa, pq = parquet_modules()

            pq.write_table(pa.table({}), str(self._tmp))
        if self._handle is not None and self._handle is not sys.stdout:
            self._handle.close()
        elif self._handle is sys.stdout:
            sys.stdout.flush()
        if self._tmp is not None:
            umask = os.umask(0)
            os.umask(umask)
            self._tmp.chmod(0o666 & ~umask)  # mkstemp made it private; give it the usual permissions
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial output."""
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None and self._handle is not sys.stdout:
            self._handle.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
