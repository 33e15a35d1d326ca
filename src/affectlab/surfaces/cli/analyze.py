"""``affectlab analyze``: one text, or a whole file streamed in chunks."""

from __future__ import annotations

import json
import sys
import warnings
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from affectlab.analyses.rows import CHUNK_ROWS, score_rows
from affectlab.core.records import Affect
from affectlab.core.validation import check_choice, check_int
from affectlab.core.version import affectlab_version
from affectlab.engines.base import MAX_CHARS
from affectlab.engines.registry import load_engine
from affectlab.errors import AffectlabWarning, InputError, ParameterError
from affectlab.io import (
    SUFFIXES,
    Progress,
    ResumableWriter,
    TableWriter,
    input_files,
    progress_enabled,
    read_rows,
    total_bytes,
)
from affectlab.surfaces.api import Analyzer, flatten
from affectlab.surfaces.cli._common import (
    ApiKeyEnvOption,
    ConcurrencyOption,
    DebugOption,
    DialectOption,
    ForceOption,
    InputFormatOption,
    JsonOption,
    LangOption,
    LLMCacheOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    SamplesOption,
    TaxonomyOption,
    TemperatureOption,
    TextColumnOption,
    handle_errors,
    llm_options,
    model_for_lang,
    stderr,
)


def analyze(
    source: Annotated[
        str,
        typer.Argument(
            help="A text in quotes, a file (.csv .tsv .jsonl .json .txt .parquet), a folder or quoted pattern of "
            "such files ('data/*.parquet': one table, each row's source_file kept), or - for stdin."
        ),
    ],
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    text_column: TextColumnOption = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="Column of ids; then only the id column is kept (default: 'id' if present)."),
    ] = None,
    taxonomy: TaxonomyOption = None,
    model: ModelOption = "embedded",
    lang: LangOption = None,
    explain: Annotated[
        bool | None,
        typer.Option(
            "--explain/--no-explain",
            help="Evidence words (default: on for one text; off for files, whose 'evidence' column stays empty).",
        ),
    ] = None,
    on_error: Annotated[
        str, typer.Option("--on-error", help="fail: stop at a malformed row; skip: flag it and go on.")
    ] = "fail",
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Texts per engine call (sorted by length together).")
    ] = 2048,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars", help="Characters of one text read at most; longer texts are cut and flagged 'capped'."
        ),
    ] = MAX_CHARS,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", help="CPU threads for the engine (default: all; --backend ray: per actor, default 1)."
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue an interrupted run of the same command (csv, tsv or jsonl output; a manifest "
            "OUTPUT.resume.json records each finished chunk).",
        ),
    ] = False,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            help="local: this process; ray: a Ray cluster (the [ray] extra), writing a folder of Parquet files "
            "(see docs/corpus.md).",
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            help="Ray cluster for --backend ray: host:port of its head, or auto (default: RAY_ADDRESS, a cluster "
            "started here with 'ray start', else a new local Ray).",
        ),
    ] = None,
    samples: SamplesOption = 1,
    api_key_env: ApiKeyEnvOption = None,
    llm_cache: LLMCacheOption = None,
    dialect: DialectOption = "auto",
    concurrency: ConcurrencyOption = 4,
    temperature: TemperatureOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Analyse the affect of a text or of every row of a file (one output row per input row, in order)."""
    with handle_errors(debug):
        model = model_for_lang(model, lang)
        check_choice(on_error, "--on-error", "affectlab analyze", ("fail", "skip"))
        check_int(max_chars, "--max-chars", "affectlab analyze", minimum=1)
        check_choice(backend, "--backend", "affectlab analyze", ("local", "ray"))
        source = _from_argv(source)
        llm = llm_options(
            model,
            samples=samples,
            api_key_env=api_key_env,
            llm_cache=llm_cache,
            dialect=dialect,
            concurrency=concurrency,
            temperature=temperature,
        )
        if llm and (backend == "ray" or ray_address):
            raise ParameterError("LLM engines run with --backend local (the LLM server parallelises requests itself).")
        if backend == "ray" or ray_address:
            ray_options = {"backend": backend, "address": ray_address, "resume": resume, "fmt": fmt, "quiet": quiet}
            _run_on_ray(
                source,
                output,
                ray_options,
                engine=model,
                threads=threads,
                max_chars=max_chars,
                taxonomy=taxonomy,
                explain=bool(explain),
                batch_size=batch_size,
                input_format=input_format,
                text_column=text_column,
                id_column=id_column,
                on_error=on_error,
                force=force,
            )
            return
        options = {"threads": threads} if threads and not model.startswith(("hf", "llm")) else {}
        options.update(llm)
        if source != "-" and not _is_file(source) and input_files(source) is None:
            if " " not in source.strip() and Path(source).suffix.lower() in SUFFIXES:
                raise InputError(
                    f"Input file {source!r} does not exist (to analyse it as text, add a space or quote it)."
                )
            engine = load_engine(model, **options)
            engine.max_chars = max_chars
            record = Analyzer(engine, taxonomy=taxonomy, explain=explain is not False).analyze([source])[0]
            if as_json:
                sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            else:
                _print_record(record)
            _print_usage(engine, quiet)
            return
        engine = load_engine(model, **options)
        engine.max_chars = max_chars
        analyzer = Analyzer(engine, taxonomy=taxonomy, explain=bool(explain), batch_size=batch_size)
        key = None
        if resume:
            if source == "-":
                raise ParameterError("--resume needs an input file: standard input cannot be read again.")
            files = input_files(source) or [Path(source)]
            options = [fmt, input_format, text_column, id_column, taxonomy, model, explain, on_error, max_chars]
            key = {
                "input": [str(f.resolve()) for f in files],
                "input_bytes": [f.stat().st_size for f in files],
                "input_mtime_ns": [f.stat().st_mtime_ns for f in files],
                "options": options,
                "model": f"{engine.name}@{engine.version}",
                "affectlab": affectlab_version(),
            }
        n_rows, n_errors = _run_file(
            source,
            output or "-",
            fmt,
            input_format,
            text_column,
            id_column,
            analyzer,
            on_error,
            force,
            progress_enabled(quiet),
            key,
        )
        if not quiet:
            where = output or "stdout"
            flagged = f" ({n_errors} flagged 'error')" if n_errors else ""
            stderr.print(f"{n_rows} rows -> {where}{flagged}", highlight=False, markup=False)
        _print_usage(engine, quiet)


def _print_usage(engine: object, quiet: bool) -> None:
    """What an LLM engine spent (requests, cache hits, tokens), on stderr; nothing for other engines."""
    usage = getattr(engine, "usage", None)
    if usage and not quiet:
        stderr.print(f"llm: {usage}", highlight=False, markup=False)


def _run_file(
    source: str,
    output: str,
    fmt: str | None,
    input_format: str | None,
    text_column: str | None,
    id_column: str | None,
    analyzer: Analyzer,
    on_error: str,
    force: bool,
    progress: bool,
    resume_key: dict[str, Any] | None = None,
) -> tuple[int, int]:
    consumed = [0]
    rows = read_rows(source, fmt=input_format, text_column=text_column, id_column=id_column, progress=consumed)
    total = total_bytes(source)
    n_rows = n_errors = 0
    keep = id_column is None
    bar = Progress("analyzing", total, enabled=progress, unit="rows")
    writer = (
        TableWriter(output, fmt, force=force)
        if resume_key is None
        else ResumableWriter(output, fmt, key=resume_key, force=force)
    )
    if isinstance(writer, ResumableWriter) and writer.rows_done:
        n_rows = writer.rows_done
        rows = islice(rows, writer.rows_done, None)  # written before the interruption: read, not scored
    empty = analyzer.analyze([""])[0]  # its columns are every record's, whatever the first row holds
    template = empty.to_dict() if writer.nested else flatten(empty)
    if not writer.nested:  # an error row has no scores: the table's columns must not come from it
        writer.declare(template)
    with writer, bar:
        while batch := list(islice(rows, CHUNK_ROWS)):
            writer.write(score_rows(batch, analyzer, on_error=on_error, keep_columns=keep, nested=writer.nested))
            n_rows += len(batch)
            n_errors += sum(1 for r in batch if r.error)
            bar.update(completed=consumed[0], count=n_rows)
        if n_rows == 0:
            writer.write_header(list(template))
            where = "standard input" if source == "-" else repr(source)
            warnings.warn(f"{where} has no rows; wrote an empty table with its header.", AffectlabWarning, stacklevel=1)
    return n_rows, n_errors


def _run_on_ray(source: str, output: str | None, cli: dict[str, Any], **settings: Any) -> None:
    """``--backend ray``: the same scoring as map_batches over a Ray cluster, written as a Parquet folder."""
    from affectlab.analyses.distributed import analyze_on_ray

    if cli["backend"] != "ray":
        raise ParameterError("--ray-address applies to --backend ray; add --backend ray.")
    if cli["resume"]:
        raise ParameterError(
            "--resume applies to --backend local; Ray retries failed tasks itself, and a run whose driver died "
            "starts again from the beginning (its output appears only when complete)."
        )
    if cli["fmt"] not in (None, "parquet"):
        raise ParameterError(f"--backend ray writes Parquet only; --format {cli['fmt']} needs --backend local.")
    if source != "-" and not _is_file(source) and input_files(source) is None:
        raise ParameterError("--backend ray analyses files; for one text use --backend local.")
    run = analyze_on_ray(source, output, address=cli["address"], progress=progress_enabled(cli["quiet"]), **settings)
    if not cli["quiet"]:
        flagged = f" ({run.n_errors} flagged 'error')" if run.n_errors else ""
        files = f"{run.n_files} Parquet file{'s' if run.n_files != 1 else ''}"
        where = f"{run.output}/ ({files}, in row order by name)"
        stderr.print(f"{run.n_rows} rows -> {where}{flagged}", highlight=False, markup=False)


def _is_file(source: str) -> bool:
    """Whether ``source`` names a file (a text too long to be a path is not one)."""
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False


def _from_argv(text: str) -> str:
    """A command-line argument with invalid UTF-8 (lone surrogates from the OS) read with U+FFFD instead."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _print_record(record: Affect) -> None:
    console = Console()
    table = Table(title="emotions", show_header=True, header_style="bold")
    table.add_column("label")
    table.add_column("probability", justify="right")
    table.add_column("● = in labels")
    for score in record.ranked(5):
        mark = "●" if score.label in record.labels else ""
        table.add_row(score.label, f"{score.probability:.3f}", "█" * round(score.probability * 20) + f" {mark}")
    console.print(table)
    if record.sentiment:
        console.print(
            f"sentiment  {record.sentiment.label}, score {record.sentiment.score:+.2f}  "
            "(score = P(positive) - P(negative), -1..1; the label is the most probable of the three)"
        )
    if record.vad:
        v = record.vad
        dims = f"valence {v.valence:+.2f}  arousal {v.arousal:+.2f}  dominance {v.dominance:+.2f}"
        console.print(f"VAD        {dims}  (scale -1..1)")
    if record.intensity:
        console.print("intensity  " + "  ".join(f"{k} {v:.2f}" for k, v in record.intensity.items()) + "  (0..1)")
    if record.evidence:
        shown = [
            e
            for label in dict.fromkeys(e.label for e in record.evidence)
            for e in [x for x in record.evidence if x.label == label][:3]
        ]
        console.print("evidence   " + ", ".join(f"'{e.text}' -> {e.label} ({e.weight:+.2f})" for e in shown))
    console.print(
        f"labels     {', '.join(record.labels) or '(none above threshold)'}   flags: {', '.join(record.flags) or '-'}"
    )
