"""``affectlab corpus``: how a corpus feels over time, across groups and around events."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from affectlab.analyses.corpus import CorpusSummary, summarize_corpus
from affectlab.core.serialize import jsonable
from affectlab.io import TableWriter, input_files, progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    JsonOption,
    LangOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    TaxonomyOption,
    TextColumnOption,
    handle_errors,
    model_for_lang,
    stderr,
)
from affectlab.surfaces.plots._format import num
from affectlab.surfaces.plots.corpus import write_report


def corpus(
    source: Annotated[
        str,
        typer.Argument(
            help="Table of texts (.csv .tsv .jsonl .json .parquet), a folder of such files (e.g. the output of "
            "analyze --backend ray), or - for stdin. affectlab analyze output is aggregated without scoring again."
        ),
    ],
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
    rolling: Annotated[
        int | None,
        typer.Option("--rolling", help="Also smooth the series: mean of the texts of the last N periods."),
    ] = None,
    model: ModelOption = "embedded",
    lang: LangOption = None,
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
    """Emotion shares, mean valence/arousal (95% CI) per period and group, rolling means, effect sizes, events."""
    import pandas as pd

    with handle_errors(debug):
        model = model_for_lang(model, lang)
        files = input_files(source)
        frame = (
            pd.concat([read_table(str(f), input_format) for f in files], ignore_index=True)
            if files
            else read_table(source, input_format)
        )
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
            rolling=rolling,
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

    columns = ["period", "group", "texts", "valence", "95% CI"]
    if summary.rolling:
        columns.append(f"rolling {summary.rolling}")
    table = Table(*columns, title=f"{summary.n_texts} texts, {summary.model}")
    for row in summary.series.itertuples():
        cells = [
            str(row.period),
            str(row.group),
            str(row.n),
            num(row.valence),
            f"{num(row.valence_lo)} .. {num(row.valence_hi)}",
        ]
        table.add_row(*cells, *([num(row.valence_rolling)] if summary.rolling else []))
    console = Console()
    console.print(table)
    for c in summary.change_points.itertuples():
        console.print(
            f"change point: {c.group} from {c.period}, valence {num(c.before)} -> {num(c.after)}", highlight=False
        )
    for g in summary.groups.itertuples():
        console.print(
            f"{g.group}: Cohen's d vs the rest {num(g.cohens_d)} [{num(g.d_lo)}, {num(g.d_hi)}]", highlight=False
        )
    for note in summary.notes:
        stderr.print(f"note: {note}", markup=False, highlight=False)
