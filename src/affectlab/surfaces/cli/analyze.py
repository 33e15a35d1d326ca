"""``affectlab analyze``: one text, or a whole file streamed in chunks."""

from __future__ import annotations

import json
import sys
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from affectlab.core.records import Affect
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError
from affectlab.io import SUFFIXES, Row, TableWriter, read_rows
from affectlab.surfaces.api import Analyzer, flatten
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    JsonOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    TaxonomyOption,
    handle_errors,
    show_progress,
    stderr,
)

CHUNK_ROWS = 2048


def analyze(
    source: Annotated[
        str, typer.Argument(help="A text in quotes, a file (.csv .tsv .jsonl .json .txt .parquet), or - for stdin.")
    ],
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Input format when the suffix does not tell (stdin: txt).")
    ] = None,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column holding the text (default 'text').")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column of ids; then only the id column is kept.")
    ] = None,
    taxonomy: TaxonomyOption = None,
    model: ModelOption = "embedded",
    explain: Annotated[
        bool | None,
        typer.Option("--explain/--no-explain", help="Evidence words (default: on for one text, off for files)."),
    ] = None,
    on_error: Annotated[
        str, typer.Option("--on-error", help="fail: stop at a malformed row; skip: flag it and go on.")
    ] = "fail",
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Texts per engine call (sorted by length together).")
    ] = 2048,
    threads: Annotated[int | None, typer.Option("--threads", help="CPU threads for the engine (default: all).")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Analyse the affect of a text or of every row of a file (one output row per input row, in order)."""
    with handle_errors(debug):
        if on_error not in ("fail", "skip"):
            raise ParameterError(f"The '--on-error' option must be 'fail' or 'skip'. Got {on_error!r} instead.")
        options = {"threads": threads} if threads and not model.startswith("hf") else {}
        if source != "-" and not Path(source).is_file():
            if " " not in source.strip() and Path(source).suffix.lower() in SUFFIXES:
                raise InputError(
                    f"Input file {source!r} does not exist (to analyse it as text, add a space or quote it)."
                )
            analyzer = Analyzer(model, taxonomy=taxonomy, explain=explain is not False, engine_options=options)
            record = analyzer.analyze([source])[0]
            if as_json:
                sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            else:
                _print_record(record)
            return
        analyzer = Analyzer(
            load_engine(model, **options), taxonomy=taxonomy, explain=bool(explain), batch_size=batch_size
        )
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
            show_progress(quiet),
        )
        if not quiet:
            where = output or "stdout"
            stderr.print(
                f"{n_rows} rows -> {where}" + (f" ({n_errors} flagged 'error')" if n_errors else ""), highlight=False
            )


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
) -> tuple[int, int]:
    consumed = [0]
    rows = read_rows(source, fmt=input_format, text_column=text_column, id_column=id_column, progress=consumed)
    total = Path(source).stat().st_size if source != "-" else None
    n_rows = n_errors = 0
    with TableWriter(output, fmt, force=force) as writer, _progress(progress, total) as advance:
        while batch := list(islice(rows, CHUNK_ROWS)):
            bad = [r for r in batch if r.error]
            if bad and on_error == "fail":
                raise InputError(f"{bad[0].error}. Use --on-error skip to flag such rows and continue.")
            good = [r for r in batch if not r.error]
            records = iter(analyzer.analyze([r.text for r in good], [r.id for r in good]))
            out = []
            for row in batch:
                record = _error_record(row, analyzer) if row.error else next(records)
                out.append(_output_row(row, record, keep_columns=id_column is None, nested=writer.nested))
            writer.write(out)
            n_rows += len(batch)
            n_errors += len(bad)
            advance(consumed[0], n_rows)
    return n_rows, n_errors


def _error_record(row: Row, analyzer: Analyzer) -> Affect:
    taxonomy = analyzer.taxonomy or analyzer.engine_.native_taxonomy
    return Affect(
        id=row.id, taxonomy=taxonomy, emotions={}, flags=("error",), error=row.error, model=analyzer.engine_.provenance
    )


def _output_row(row: Row, record: Affect, *, keep_columns: bool, nested: bool) -> dict[str, Any]:
    if nested:
        data = record.to_dict()
        if keep_columns and row.columns:
            data["input"] = row.columns
        return data
    flat = flatten(record)
    if not keep_columns:
        return flat
    kept = {(f"input.{k}" if k in flat else k): v for k, v in row.columns.items()}
    return {**kept, **flat}


class _progress:
    """A rich progress bar over bytes read, with rows/s and ETA; a no-op when disabled."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self):
        if not self.enabled:
            return lambda done, rows: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("analyzing"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[rows]} rows"),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("analyze", total=self.total, rows=0, rate="-")

        def advance(done: int, rows: int) -> None:
            elapsed = self.bar.tasks[0].elapsed or 1e-9
            self.bar.update(self.task, completed=done, rows=rows, rate=f"{rows / elapsed:,.0f}")

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


def _print_record(record: Affect) -> None:
    console = Console()
    table = Table(title="emotions", show_header=True, header_style="bold")
    table.add_column("label")
    table.add_column("probability", justify="right")
    table.add_column("")
    for score in record.ranked(5):
        mark = "●" if score.label in record.labels else ""
        table.add_row(score.label, f"{score.probability:.3f}", "█" * round(score.probability * 20) + f" {mark}")
    console.print(table)
    if record.sentiment:
        console.print(f"sentiment  {record.sentiment.label} ({record.sentiment.score:+.2f}, scale -1..1)")
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
