"""``affectlab analyze --backend ray``: score a table on a Ray cluster, written as a folder of Parquet files.

The work is the local backend's, spread over Ray Data:

- **Reading.** One Ray read task per input file runs :func:`affectlab.io.read_rows`, the reader
  of the local backend, so values, ids, ``source_file`` and flagged malformed rows are the same.
  For several files the rows of each file are counted first (Parquet from its footer, other
  formats by a counting task per file) so that positional ids count across files, as locally.
- **Scoring.** ``Dataset.map_batches`` with a callable class: each actor of the pool loads the
  engine once (by name, e.g. ``embedded:/shared/model``) and calls
  :func:`affectlab.analyses.rows.score_rows`, the per-chunk function of the local backend, on
  batches of :data:`CHUNK_ROWS` rows.
- **Order.** ``DataContext.execution_options.preserve_order`` is set for the run, so blocks
  leave every operator in input order; write task ``k`` writes ``part-<k>-<write id>.parquet``
  (``k`` in nine digits), so the files' name order is the row order. Reading the folder in name order
  (pandas, pyarrow, ``affectlab corpus``, ``affectlab analyze``) gives one row per input row, in order.
- **Writing.** ``Dataset.write_parquet`` into a hidden folder beside the output, renamed into
  place when every task has finished (an interrupted run leaves no half-written output). The
  Parquet schema is the one the local writer would take from the first chunk.
"""

from affectlab.analyses.distributed.reading import CHUNK_ROWS
from affectlab.analyses.distributed.run import RayRun, analyze_on_ray

__all__ = ["CHUNK_ROWS", "RayRun", "analyze_on_ray"]
