"""``affectlab polarization``: affective polarization of reply pairs (Jawad et al., 2025) and event windows."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from affectlab.core.validation import check_choice
from affectlab.errors import ParameterError
from affectlab.io import TableWriter, progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    ApiKeyEnvOption,
    ConcurrencyOption,
    DebugOption,
    DialectOption,
    ForceOption,
    InputFormatOption,
    JsonOption,
    LLMCacheOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    TemperatureOption,
    TextColumnOption,
    check_output,
    handle_errors,
    llm_options,
    stderr,
)
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    from affectlab.analyses.polarization import PolarizationResult


def polarization_(
    source: Annotated[str, typer.Argument(help="Table of posts (.csv .tsv .jsonl .json .parquet), or - for stdin.")],
    topic: Annotated[str, typer.Option("--topic", help="What the stances are about, e.g. 'gun control'.")],
    stances: Annotated[
        str,
        typer.Option("--stances", help="Stance categories, comma-separated, unclear last: pro,anti,don't know."),
    ],
    annotator: Annotated[
        str, typer.Option("--annotator", help="columns (labels already in the table) or llm:<model>@<base_url>.")
    ] = "columns",
    id_column: Annotated[str, typer.Option("--id-column", help="Column of post ids.")] = "id",
    text_column: TextColumnOption = None,
    parent_column: Annotated[
        str, typer.Option("--parent-column", help="Column of the id of the post replied to (empty for a root).")
    ] = "parent_id",
    time_column: Annotated[str, typer.Option("--time-column", help="Column of post times (read as UTC).")] = "time",
    stance_column: Annotated[
        str, typer.Option("--stance-column", help="Stance labels (--annotator columns).")
    ] = "stance",
    affect_column: Annotated[str, typer.Option("--affect-column", help="Affect labels yes/no/don't know.")] = "affect",
    agreement_column: Annotated[
        str, typer.Option("--agreement-column", help="Agreement with the parent, yes/no/don't know (replies).")
    ] = "agreement",
    events: Annotated[
        str | None, typer.Option("--events", help="Table of events (name, start, end) for before/during/after windows.")
    ] = None,
    window_days: Annotated[
        int, typer.Option("--window-days", "--window", help="Days before and after each event.")
    ] = 3,
    unit: Annotated[
        str,
        typer.Option(
            "--unit",
            help="What a window averages: day (as the paper describes it), conversation (published notebooks), reply.",
        ),
    ] = "day",
    unclear: Annotated[
        str, typer.Option("--unclear", help="published (two unclear stances are the same) or missing (unscored).")
    ] = "published",
    rules: Annotated[str | None, typer.Option("--rules", help="Rule table file (default: the published one).")] = None,
    model: ModelOption = "embedded",
    emotion: Annotated[
        bool, typer.Option("--emotion/--no-emotion", help="Add the model's negative-emotion probability per post.")
    ] = True,
    on_error: Annotated[
        str, typer.Option("--on-error", help="fail: stop at a bad row; skip: flag it and go on.")
    ] = "fail",
    api_key_env: ApiKeyEnvOption = None,
    llm_cache: LLMCacheOption = None,
    dialect: DialectOption = "auto",
    concurrency: ConcurrencyOption = 4,
    temperature: TemperatureOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap intervals (and of the LLM).")] = 0,
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    report: Annotated[str | None, typer.Option("--report", help="Folder for summary.md and PNG plots.")] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Score reply pairs with the published rule table (0-10) and compare event windows."""
    from affectlab.analyses.polarization import polarization  # here: its statistics import pandas (0.4 s)

    with handle_errors(debug):
        check_choice(on_error, "--on-error", "affectlab polarization", ("fail", "skip"))
        if output == "-" and as_json:
            raise ParameterError("--json and -o - both write to stdout; write the table to a file or drop --json.")
        check_output(output, force)
        frame = read_table(source, input_format, as_text=(id_column, parent_column))
        try:
            options = llm_options(
                annotator,
                api_key_env=api_key_env,
                llm_cache=llm_cache,
                dialect=dialect,
                concurrency=concurrency,
                temperature=temperature,
            )
        except ParameterError as exc:  # the shared check names --model; here the LLM is the annotator
            raise ParameterError(str(exc).replace("--model llm:", "--annotator llm:")) from None
        chosen: object = annotator
        if options:
            from affectlab.analyses.polarization import LLMAnnotator

            options.pop("samples", None)
            chosen = LLMAnnotator(annotator, seed=seed, progress=progress_enabled(quiet), **options)
        result = polarization(
            frame,
            topic=topic,
            stances=[s for s in (part.strip() for part in stances.split(",")) if s],
            annotator=chosen,  # type: ignore[arg-type]
            id_column=id_column,
            text_column=text_column or "text",
            parent_column=parent_column,
            time_column=time_column,
            stance_column=stance_column,
            affect_column=affect_column,
            agreement_column=agreement_column,
            events=read_table(events) if events else None,
            window_days=window_days,
            unit=unit,
            unclear=unclear,
            rules=rules,
            engine=model if emotion else None,
            on_error=on_error,
            seed=seed,
            progress=progress_enabled(quiet),
        )
        if output:
            with TableWriter(output, fmt, force=force) as writer:
                writer.write(result.rows())
        if report:
            from affectlab.surfaces.plots.polarization import write_report

            written = write_report(result, report, force=force)
            if not quiet:
                stderr.print(f"report: {', '.join(map(str, written))}", markup=False, highlight=False)
        if as_json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        elif not output:
            _print(result)
        if not quiet:
            for note in result.notes:
                stderr.print(f"note: {note}", markup=False, highlight=False)


def _print(result: PolarizationResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"{result.rows_scored} replies scored ({result.annotator}): mean score {num(result.mean_score, signed=False)}, "
        f"extreme (> 7) {num(result.extreme_rate, signed=False)}",
        highlight=False,
    )
    if len(result.windows):
        units = {"conversation": "conversations", "day": "days"}.get(result.unit)
        table = Table("event", "window", "dates", "mean", "SEM", *([units] if units else []), "replies", "extreme")
        for w in result.windows.itertuples():
            count = {"conversation": [str(w.conversations)], "day": [str(w.days)]}.get(result.unit, [])
            table.add_row(
                str(w.event),
                str(w.window),
                f"{w.start}..{w.end}",
                num(w.mean, signed=False),
                num(w.sem, signed=False),
                *count,
                str(w.n),
                num(w.extreme_rate, signed=False),
            )
        console.print(table)
