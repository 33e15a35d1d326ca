"""The one I/O layer: every table affectlab reads or writes, and progress on stderr.

- :mod:`affectlab.io.tables`: streaming readers and writers (csv, tsv, jsonl, json, txt, parquet).
- :mod:`affectlab.io.frames`: whole tables (turns, ratings, labels) as a DataFrame, stdin included.
- :mod:`affectlab.io.resume`: outputs that a rerun continues after a crash (``--resume``).
- :mod:`affectlab.io.progress`: the one progress bar (stderr, only on a terminal).

Only :mod:`affectlab.core` and :mod:`affectlab.errors` are imported here.
"""

from affectlab.io.formats import FORMATS, SUFFIXES, detect_format
from affectlab.io.frames import read_table
from affectlab.io.progress import Progress, progress_enabled
from affectlab.io.resume import ResumableWriter
from affectlab.io.tables import Row, input_files, read_rows, total_bytes
from affectlab.io.writer import TableWriter

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "Progress",
    "ResumableWriter",
    "Row",
    "TableWriter",
    "detect_format",
    "input_files",
    "progress_enabled",
    "read_rows",
    "read_table",
    "total_bytes",
]
