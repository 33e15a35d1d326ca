"""Table formats: the names affectlab reads and writes, and how a file's suffix tells them."""

from __future__ import annotations

import os
from pathlib import Path

from affectlab.errors import ParameterError

__all__ = ["FORMATS", "SUFFIXES", "detect_format"]

FORMATS = ("csv", "tsv", "jsonl", "json", "txt", "parquet")
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".txt": "txt",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: str | os.PathLike[str], given: str | None = None) -> str:
    """The table format from ``given`` or from the file suffix.

    Raises
    ------
    ParameterError
        If the format is unknown or cannot be told from the suffix.
    """
    if given is not None:
        if given not in FORMATS:
            raise ParameterError(f"The 'format' parameter must be one of {', '.join(FORMATS)}. Got {given!r} instead.")
        return given
    suffix = Path(str(path)).suffix.lower()
    if suffix not in SUFFIXES:
        raise ParameterError(
            f"Cannot tell the format of {str(path)!r} from its suffix; use one of "
            f"{', '.join(sorted(SUFFIXES))} or pass --format ({', '.join(FORMATS)})."
        )
    return SUFFIXES[suffix]
