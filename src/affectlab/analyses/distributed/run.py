"""``analyze_on_ray``: the Ray run itself (see the package docstring for how it keeps the local backend's output)."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import uuid
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from affectlab.analyses.distributed.cluster import connect, library_error, ray_module
from affectlab.analyses.distributed.reading import CHUNK_ROWS, PART, file_offsets, is_part, part_names, rows_datasource
from affectlab.analyses.rows import error_record, output_row, score_rows
from affectlab.core.records import flatten
from affectlab.core.validation import check_choice, check_int
from affectlab.engines.base import MAX_CHARS
from affectlab.engines.pipeline import Analyzer
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError
from affectlab.io import Row, detect_format, input_files, read_rows
from affectlab.io.writer import parquet_modules

__all__ = ["RayRun", "analyze_on_ray"]

_OWNER = "analyze_on_ray"


@dataclass(frozen=True)
class RayRun:
    """What :func:`analyze_on_ray` wrote.

    Attributes
    ----------
    output : Path
        The folder of ``part-*.parquet`` files.
    n_rows, n_errors : int
        Rows written (one per input row) and rows flagged ``error``.
    n_files : int
        Parquet files in ``output``.
    """

    output: Path
    n_rows: int
    n_errors: int
    n_files: int


def analyze_on_ray(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    engine: str = "embedded",
    threads: int | None = None,
    max_chars: int = MAX_CHARS,
    taxonomy: str | None = None,
    explain: bool = False,
    batch_size: int = 2048,
    input_format: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    on_error: str = "fail",
    address: str | None = None,
    force: bool = False,
    progress: bool = False,
) -> RayRun:
    """Score every row of a table on Ray; one output row per input row, in order, ids kept.

    Parameters
    ----------
    source : str or Path
        A file (.csv .tsv .jsonl .json .txt .parquet) or a folder or glob pattern of such files,
        on a path every node of the cluster reads.
    output : str or Path
        The output folder (no suffix, or ``.parquet``), on a path every node writes.
    engine : str, default="embedded"
        A registered engine name; each actor loads it once (``embedded:<folder>`` for another artifact).
    threads : int, optional
        CPUs per actor and engine threads (>= 1; default 1). The pool starts with one actor and grows,
        while CPUs are free, up to one actor per ``threads`` CPUs of the cluster.
    max_chars, taxonomy, explain, batch_size, input_format, text_column, id_column, on_error
        As for the local backend (``affectlab analyze``).
    address : str, optional
        A Ray cluster (``host:port`` of its head, ``ray://host:port``, or ``auto``); default: the
        process's Ray if initialised, else ``RAY_ADDRESS``, else the cluster last started on this
        machine with ``ray start``, else a new local Ray (stopped at the end of the run).
    force : bool, default=False
        Replace an existing output (a file, or a folder of ``part-*.parquet`` files).
    progress : bool, default=False
        Ray Data's progress bars on stderr.

    Raises
    ------
    MissingExtra
        Ray Data is not installed.
    AffectlabError
        No Ray cluster answers at ``address``, or the run failed inside Ray.
    InputError, ParameterError
        Bad input or options (the local backend's messages), raised from the worker that met them.
    """
    ray = ray_module()
    check_choice(on_error, "on_error", _OWNER, ("fail", "skip"))
    check_int(threads or 1, "threads", _OWNER, minimum=1)
    if not isinstance(engine, str):
        raise ParameterError(
            f"The 'engine' parameter of {_OWNER} must be an engine name, which each Ray worker loads. "
            f"Got {type(engine).__name__} instead."
        )
    files = _input(source, input_format)
    out = _output_folder(output, force)
    engine = _absolute_model(engine)
    settings = {
        "engine": engine,
        "options": {} if engine.startswith("hf") else {"threads": threads or 1},
        "max_chars": max_chars,
        "taxonomy": taxonomy,
        "explain": explain,
        "batch_size": batch_size,
    }
    analyzer = _analyzer(**settings)  # the driver checks the engine and taxonomy before the cluster starts
    reading = {"fmt": input_format, "text_column": text_column, "id_column": id_column}
    first = list(islice(read_rows(source, **reading), CHUNK_ROWS))  # checks the columns; gives the schema
    keep = id_column is None
    started = bool(first) and connect(ray, address)  # an empty input needs no cluster
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        if first:
            schema = _schema(first, analyzer, keep)
            _run(ray, files, source, reading, settings, schema, on_error, keep, threads or 1, tmp, progress)
        else:
            _write_empty(tmp, analyzer, source)
        run = _finish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if started:
            ray.shutdown()
    return run


def _input(source: str | os.PathLike[str], input_format: str | None) -> list[Path]:
    if str(source) == "-":
        raise ParameterError("--backend ray reads files, not standard input; pass a file or a folder.")
    files = input_files(source) or [Path(source)]
    for file in files:
        if not file.is_file():
            raise InputError(f"Input file {str(file)!r} does not exist.")
        detect_format(file, input_format)
    return [f.resolve() for f in files]


def _output_folder(output: str | os.PathLike[str] | None, force: bool) -> Path:
    if output is None or str(output) == "-":
        raise ParameterError("--backend ray writes a folder of Parquet files; pass -o FOLDER (e.g. -o scored.parquet).")
    out = Path(output)
    if out.suffix and out.suffix.lower() != ".parquet":
        raise ParameterError(
            f"--backend ray writes Parquet only; -o {str(output)!r} asks for {out.suffix}. "
            "Give a folder name without a suffix or ending in .parquet, or use --backend local."
        )
    if not out.parent.resolve().is_dir():
        raise InputError(f"The folder of output {str(output)!r} does not exist; create it first.")
    if out.exists():
        if not force:
            raise InputError(f"Output {str(output)!r} exists; pass --force to replace it.")
        foreign = [p.name for p in out.iterdir() if not is_part(p)] if out.is_dir() else []
        if foreign:
            raise InputError(
                f"Output folder {str(output)!r} holds files affectlab did not write "
                f"({', '.join(sorted(foreign)[:3])}); --force replaces only a folder of part-*.parquet files."
            )
    return out.resolve()


def _absolute_model(engine: str) -> str:
    """``embedded:<folder>`` or ``hf:<folder>`` with the folder made absolute (workers have another cwd)."""
    key, sep, argument = engine.partition(":")
    if sep and argument and key in ("embedded", "hf") and Path(argument).exists():
        return f"{key}:{Path(argument).resolve()}"
    return engine


def _analyzer(
    engine: str, options: dict[str, Any], max_chars: int, taxonomy: str | None, explain: bool, batch_size: int
) -> Analyzer:
    """The analyzer of the local backend, built from plain settings (on the driver and in every actor)."""
    loaded = load_engine(engine, **options)
    loaded.max_chars = max_chars
    return Analyzer(loaded, taxonomy=taxonomy, explain=explain, batch_size=batch_size)


def _schema(first: list[Row], analyzer: Analyzer, keep: bool) -> Any:
    """The Parquet schema the local writer takes from the first chunk (nulls as strings).

    The input columns are the first chunk's own values; the record columns have the types of one
    scored record, the same for every scored row of one engine and taxonomy.
    """
    pa, _ = parquet_modules()
    good = next((r for r in first if not r.error), None)
    template = analyzer.analyze([good.text])[0] if good else None
    records = [replace(template, id=r.id) if template and not r.error else error_record(r, analyzer) for r in first]
    rows = [output_row(r, record, keep, False) for r, record in zip(first, records)]
    table = pa.Table.from_pylist(rows)
    return pa.schema([f if not pa.types.is_null(f.type) else pa.field(f.name, pa.string()) for f in table.schema])


def _run(
    ray: Any,
    files: list[Path],
    source: str | os.PathLike[str],
    reading: dict[str, Any],
    settings: dict[str, Any],
    schema: Any,
    on_error: str,
    keep: bool,
    threads: int,
    tmp: Path,
    progress: bool,
) -> None:
    from ray.data import DataContext

    context = DataContext.get_current()
    saved = (
        context.execution_options.preserve_order,
        context.enable_progress_bars,
        context.raise_original_map_exception,
    )
    context.execution_options.preserve_order = True
    context.enable_progress_bars = progress
    context.raise_original_map_exception = True  # a worker's InputError reaches the driver as itself
    logger = logging.getLogger("ray.data")
    level = logger.level
    if not progress:
        logger.setLevel(logging.CRITICAL)  # Ray Data's plan and progress lines; errors come back as exceptions
    try:
        tagged = input_files(source) is not None
        offsets = file_offsets(ray, files, reading) if tagged else [0]
        dataset = ray.data.read_datasource(rows_datasource(files, offsets, reading, tagged), num_cpus=0)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if threads > cpus:
            raise ParameterError(f"--threads {threads} asks more CPUs per actor than the Ray cluster has ({cpus}).")
        scored = dataset.map_batches(
            _Scorer,
            fn_constructor_kwargs={"settings": settings, "on_error": on_error, "keep": keep, "schema": schema},
            batch_size=CHUNK_ROWS,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=cpus // threads),  # grows while CPUs are free
            num_cpus=threads,
        )
        scored.write_parquet(str(tmp), filename_provider=part_names(), schema=schema, ray_remote_args={"num_cpus": 0})
    except Exception as exc:
        raise library_error(exc) from exc
    finally:
        (
            context.execution_options.preserve_order,
            context.enable_progress_bars,
            context.raise_original_map_exception,
        ) = saved
        logger.setLevel(level)


class _Scorer:
    """One actor of the pool: loads the engine once, then scores batches with :func:`score_rows`."""

    def __init__(self, settings: dict[str, Any], on_error: str, keep: bool, schema: Any) -> None:
        self.analyzer = _analyzer(**settings)
        self.on_error, self.keep, self.schema = on_error, keep, schema

    def __call__(self, batch: Any) -> Any:
        pa, _ = parquet_modules()
        rows = [pickle.loads(b) for b in batch.column("row").to_pylist()]
        out = score_rows(rows, self.analyzer, on_error=self.on_error, keep_columns=self.keep, nested=False)
        return pa.Table.from_pylist([{c: r.get(c) for c in self.schema.names} for r in out], schema=self.schema)


def _write_empty(tmp: Path, analyzer: Analyzer, source: str | os.PathLike[str]) -> None:
    """An input without rows: one empty part file with the header, as the local backend writes."""
    import warnings

    from affectlab.errors import AffectlabWarning

    pa, pq = parquet_modules()
    tmp.mkdir()
    columns = list(flatten(analyzer.analyze([""])[0]))
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), tmp / PART.format(0, uuid.uuid4().hex))
    warnings.warn(f"{str(source)!r} has no rows; wrote an empty table with its header.", AffectlabWarning, stacklevel=3)


def _finish(tmp: Path, out: Path) -> RayRun:
    """Move the finished folder into place and count what it holds."""
    _, pq = parquet_modules()
    parts = sorted(p for p in tmp.iterdir() if is_part(p))
    n_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    n_errors = sum(sum(1 for e in pq.read_table(p, columns=["error"]).column(0).to_pylist() if e) for p in parts)
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    os.replace(tmp, out)
    return RayRun(output=out, n_rows=n_rows, n_errors=n_errors, n_files=len(parts))
