"""Outputs that survive a crash: :class:`ResumableWriter` appends chunks and records each in a manifest.

A run writes ``<output>.part`` and, after every chunk is on disk (flushed and fsynced),
``<output>.resume.json`` with the rows and bytes written so far and what the run was (its
``key``: input file, options, versions). After a crash or ``kill -9``, a new writer with the
same key cuts the part file back to the last recorded chunk and says how many input rows are
done, so the caller skips them: no row is lost or written twice, and the final file is the same
as an uninterrupted run's. On success the part file is renamed to ``<output>`` and the manifest
is deleted. Formats that can be appended to: csv, tsv, jsonl.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from affectlab.errors import InputError, ParameterError
from affectlab.io.writer import TableWriter

__all__ = ["RESUMABLE_FORMATS", "ResumableWriter"]

RESUMABLE_FORMATS = ("csv", "tsv", "jsonl")


class ResumableWriter(TableWriter):
    """A :class:`TableWriter` whose output can be continued after an interruption.

    Parameters
    ----------
    path : str or Path
        The final output file (not ``-``).
    fmt : str, optional
        csv, tsv or jsonl (default from the suffix).
    key : dict
        JSON-serialisable description of the run; a manifest with another key is refused.
    force : bool, default=False
        Overwrite a finished output file (a manifest of an unfinished run is always continued).

    Attributes
    ----------
    rows_done : int
        Input rows already in the output (0 for a fresh run): skip that many before writing.
    """

    def __init__(
        self, path: str | os.PathLike[str], fmt: str | None = None, *, key: dict[str, Any], force: bool = False
    ) -> None:
        if str(path) == "-":
            raise ParameterError("--resume needs an output file (-o FILE): standard output cannot be continued.")
        self.key = key
        self._manifest = Path(str(path) + ".resume.json")
        unfinished = self._manifest.is_file()
        if not unfinished and Path(str(path)).exists() and not force:
            raise InputError(f"Output file {str(path)!r} exists and no unfinished run of it was found; pass --force.")
        super().__init__(path, fmt, force=True)

    def _open(self) -> None:
        """Open ``<output>.part`` for appending, cut back to the last chunk the manifest records."""
        if self.fmt not in RESUMABLE_FORMATS:
            raise ParameterError(
                f"--resume writes {', '.join(RESUMABLE_FORMATS)} (formats that can be appended to). "
                f"Got {self.fmt!r}; write one of those, then convert."
            )
        if not Path(self.path).parent.is_dir():
            raise InputError(f"The folder of output file {self.path!r} does not exist; create it first.")
        self._tmp = Path(self.path + ".part")
        state = self._read_manifest()
        self.rows_done = 0 if state is None else int(state["rows"])
        if state is None:
            self._tmp.write_bytes(b"")
        else:
            with self._tmp.open("r+b") as part:
                part.truncate(int(state["bytes"]))  # drop a chunk that was written but not recorded
        self._handle = self._tmp.open("a", encoding="utf-8", newline="")
        self._columns = None if state is None else state.get("columns")
        if self._columns is not None:
            delimiter = "," if self.fmt == "csv" else "\t"
            self._csv = csv.DictWriter(
                self._handle, self._columns, restval="", extrasaction="ignore", delimiter=delimiter
            )

    def _read_manifest(self) -> dict[str, Any] | None:
        if not self._manifest.is_file():
            return None
        try:
            state = json.loads(self._manifest.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(f"The resume manifest {str(self._manifest)!r} is damaged ({exc}); delete it.") from exc
        if state.get("key") != self.key:
            changed = sorted(k for k in {*self.key, *state.get("key", {})} if self.key.get(k) != state["key"].get(k))
            raise InputError(
                f"{str(self._manifest)!r} belongs to another run (it differs in: {', '.join(changed)}); "
                "rerun with the same input and options, or delete it and the .part file to start over."
            )
        if not self._tmp.is_file() or self._tmp.stat().st_size < int(state["bytes"]):
            raise InputError(f"{str(self._tmp)!r} is missing or shorter than its manifest says; delete both.")
        return state

    def write(self, rows: list[dict[str, Any]], *, n_input_rows: int | None = None) -> None:
        """Append rows, put them on disk, then record them (``n_input_rows`` input rows done, default ``len(rows)``)."""
        super().write(rows)
        assert self._handle is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.rows_done += len(rows) if n_input_rows is None else n_input_rows
        state = {"key": self.key, "rows": self.rows_done, "bytes": self._tmp.stat().st_size, "columns": self._columns}
        staged = self._manifest.with_suffix(".tmp")
        staged.write_text(json.dumps(state), encoding="utf-8")
        os.replace(staged, self._manifest)

    def close(self) -> None:
        """Rename the part file to the output and delete the manifest."""
        assert self._handle is not None
        self._handle.close()
        os.replace(self._tmp, self.path)
        self._manifest.unlink(missing_ok=True)

    def abort(self) -> None:
        """Keep the part file and the manifest, so that ``--resume`` can continue."""
        if self._handle is not None:
            self._handle.close()
