"""Reading inputs on Ray with affectlab's own reader, and naming the output parts in row order."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from affectlab.analyses.rows import CHUNK_ROWS
from affectlab.io import Row, detect_format, read_rows
from affectlab.io.writer import parquet_modules

__all__ = ["CHUNK_ROWS", "PART", "file_offsets", "is_part", "part_names", "rows_datasource"]

PART = "part-{:09d}-{}.parquet"


def file_offsets(ray: Any, files: list[Path], reading: dict[str, Any]) -> list[int]:
    """The global position of each file's first row (rows of the files before it)."""
    counter = ray.remote(num_cpus=0)(_count_rows)
    counts = ray.get([counter.remote(f, reading) for f in files])
    return [sum(counts[:k]) for k in range(len(files))]


def _count_rows(file: Path, reading: dict[str, Any]) -> int:
    fmt = detect_format(file, reading["fmt"])
    if fmt == "parquet":
        _, pq = parquet_modules()
        return int(pq.ParquetFile(file).metadata.num_rows)
    return sum(1 for _ in read_rows(file, **reading))


def rows_datasource(files: list[Path], offsets: list[int], reading: dict[str, Any], tagged: bool) -> Any:
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class RowsDatasource(Datasource):  # type: ignore[misc]
        """One read task per file, each reading it with affectlab's reader."""

        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(self, parallelism: int, **_: Any) -> list[Any]:
            return [
                ReadTask(
                    (lambda f=f, o=o: _read_file(f, o, reading, tagged)),
                    BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None, input_files=(str(f),)),
                )
                for f, o in zip(files, offsets)
            ]

    return RowsDatasource()


def _read_file(file: Path, offset: int, reading: dict[str, Any], tagged: bool) -> Iterator[Any]:
    """Blocks of pickled :class:`Row` objects; rows of a folder are tagged as ``read_rows`` tags them."""
    pa, _ = parquet_modules()
    rows = read_rows(file, **reading)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        if tagged:  # as affectlab.io reads a folder: global positions, positional ids, source_file
            chunk = [
                Row(
                    offset + r.index,
                    r.text,
                    {**r.columns, "source_file": file.name},
                    str(offset + r.index) if r.id == str(r.index) else r.id,
                    r.error,
                )
                for r in chunk
            ]
        yield pa.table({"row": pa.array([pickle.dumps(r) for r in chunk], pa.binary())})


def part_names() -> Any:
    """Write task ``k`` writes ``part-<k>-<write id>.parquet``: name order is task order, which is row order."""
    from ray.data.datasource import FilenameProvider

    class PartNames(FilenameProvider):  # type: ignore[misc]
        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return PART.format(task_index, write_uuid)

    return PartNames()


def is_part(path: Path) -> bool:
    return path.name.startswith("part-") and path.suffix == ".parquet"
