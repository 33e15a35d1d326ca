"""``affectlab corpus``: how a corpus feels over time, across groups and around events."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from affectlab.analyses.corpus import CorpusSummary, summarize_corpus
from affectlab.core.serialize import jsonable
from affectlab.io import TableWriter, progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    JsonOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    TaxonomyOption,
    TextColumnOption,
    handle_errors,
    stderr,
)
from affectlab.surfaces.plots.corpus import write_report


def corpus(
    source: Annotated[str, typer.Argument(help="Table of texts (.csv .tsv .jsonl .json .parquet), or - for stdin.")],
    text_column: TextColumnOption = None,
    time_column: Annotated[str, typer.Option("--time-column", help="Column of dates or timestamps.")] = "time",
    group_column: Annotated[
        str | None, typer.Option("--group-column", help="Column of groups (communities, parties, ...).")
    ] = None,
    freq: Annotated[str, typer.Option("--freq", help="Period of the series: D (day), W (week) or M (month).")] = "D",
    events: Annotated[
        str | None, typer.Option("--events", help="Table of events (name, start, end) for before/during/after windows.")
    ] = None,
    window_days: Annotated[int, typer.Option("--window-days", help="Days before and after each event.")] = 3,
    model: ModelOption = "embedded",
    taxonomy: TaxonomyOption = None,
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    report: Annotated[str | None, typer.Option("--report", help="Folder for summary.md and PNG plots.")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Share of each emotion and mean valence/arousal (95% CI) per period and group; event windows."""
    with handle_errors(debug):
        frame = read_table(source, input_format)
        event_table = read_table(events) if events else None
        summary = summarize_corpus(
            frame,
            text_column=text_column or "text",
            time_column=time_column,
            group_column=group_column,
            freq=freq,
            engine=model,
            taxonomy=taxonomy,
            events=event_table,
            window_days=window_days,
            progress=progress_enabled(quiet),
        )
        if output:
            with TableWriter(output, fmt, force=force) as writer:
                writer.write(jsonable(summary.series.astype({"period": str}).to_dict("records"), digits=6))
        if report:
            written = write_report(summary, report, force=force)
            if not quiet:
                stderr.print(f"report: {', '.join(map(str, written))}", markup=False, highlight=False)
        if as_json:
            sys.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False) + "\n")
        elif not output:
            _print(summary)


def _print(summary: CorpusSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("period", "group", "texts", "valence", "95% CI", title=f"{summary.n_texts} texts, {summary.model}")
    for row in summary.series.itertuples():
        table.add_row(
            str(row.period),
            str(row.group),
            str(row.n),
            f"{row.valence:+.2f}",
            f"{row.valence_lo:+.2f} .. {row.valence_hi:+.2f}",
        )
    Console().print(table)
    for note in summary.notes:
        stderr.print(f"note: {note}", markup=False, highlight=False)
