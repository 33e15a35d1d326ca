"""``affectlab conversation``: per-turn affect and speaker dynamics of the conversations in a file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from affectlab.analyses.conversation import ConversationDynamics, ConversationResult, TurnColumns, conversation_dynamics
from affectlab.errors import InputError, ParameterError
from affectlab.io import TableWriter, progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    IdColumnOption,
    InputFormatOption,
    JsonOption,
    LangOption,
    ModelOption,
    QuietOption,
    ReplyToColumnOption,
    SpeakerColumnOption,
    TaxonomyOption,
    TextColumnOption,
    TimeColumnOption,
    check_output,
    deprecated_option,
    handle_errors,
    model_for_lang,
    renamed,
    stderr,
)
from affectlab.surfaces.plots._format import num

MAX_PRINTED = 20

ConversationColumnOption = Annotated[
    str | None, typer.Option("--conversation-column", help="Column of conversation ids (several per file).")
]


def _print_summary(result: ConversationResult) -> None:
    console = Console()
    items = list(result.dynamics.items())
    for cid, dyn in items[:MAX_PRINTED]:
        _print_one(console, cid, dyn)
    if len(items) > MAX_PRINTED:
        console.print(f"... {len(items) - MAX_PRINTED} more conversation(s); use --json or --report for all.")


def _print_one(console: Console, cid: str, dyn: ConversationDynamics) -> None:
    kind = "threaded" if dyn.threaded else "linear"
    table = Table(title=f"conversation {cid}: {dyn.n_turns} turns, {kind}; valence -1..1", header_style="bold")
    table.add_column("speaker", no_wrap=True)
    for column in ("turns", "mean v", "inertia r", "top repeats", "first → last"):
        table.add_column(column)
    table.add_column("verdict", no_wrap=True)
    for s, summary in dyn.speakers.items():
        inertia, outcome = dyn.inertia[s], dyn.outcomes[s]
        table.add_row(
            s,
            str(summary.n_turns),
            num(summary.mean_valence),
            num(inertia.autocorrelation),
            num(inertia.self_transition_rate, signed=False),
            f"{num(outcome.first_valence)} → {num(outcome.last_valence)}",
            outcome.verdict or "—",
        )
    console.print(table)
    caught = [
        f"{target} from {source} {num(e.b)} [{num(e.b_ci95[0])}, {num(e.b_ci95[1])}] (n={e.n})"
        for target, row in dyn.contagion.items()
        for source, e in row.items()
        if e.b is not None and e.b_ci95 is not None
    ]
    if caught:
        console.print("contagion b [95% CI]: " + "; ".join(caught), highlight=False)
    escalations = sum(e.kind == "escalation" and e.signal == "valence" for e in dyn.episodes)
    calming = sum(e.kind == "de-escalation" and e.signal == "valence" for e in dyn.episodes)
    line = f"shifts: {len(dyn.shifts)}   valence episodes: {escalations} escalation, {calming} de-escalation"
    console.print(line, highlight=False)
    if dyn.undefined:
        console.print("undefined: " + "; ".join(dyn.undefined.values()), highlight=False)


def _check_targets(output: str | None, report: str | None, as_json: bool, force: bool) -> None:
    """Refuse two writers of stdout, and existing files without ``--force``, before any text is read."""
    if output == "-" and as_json:
        raise ParameterError("--json and -o - both write to stdout; write the turns to a file or drop --json.")
    check_output(output, force)
    if report and (Path(report) / "summary.md").exists() and not force:
        raise InputError(f"Report folder {report!r} already holds a report; pass --force to overwrite it.")


def _columns(**given: tuple[str | None, str | None, str]) -> TurnColumns:
    """The column names from each field's (option value, deprecated option value, deprecated spelling)."""
    names = {}
    for field, (value, old_value, old) in given.items():
        name = renamed(value, old_value, old, f"--{field.replace('_', '-')}-column", None)
        if name is not None:
            names[field] = name
    return TurnColumns(**names)


def _write(result: ConversationResult, output: str | None, report: str | None, as_json: bool, force: bool) -> None:
    if output:
        with TableWriter(output, force=force) as writer:
            writer.write([t.to_dict() if writer.nested else t.flat() for t in result.turns])
    if report:
        from affectlab.surfaces.plots.conversation_report import write_report

        write_report(result, report, force=force)
    if as_json:
        payload = {
            "n_conversations": len(result.dynamics),
            "n_turns": len(result.turns),
            "output": output,
            "report": report,
            "parameters": result.parameters,
            "dynamics": {k: v.to_dict() for k, v in result.dynamics.items()},
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    elif output != "-":
        _print_summary(result)


def conversation(
    source: Annotated[
        str, typer.Argument(help="Turns file (.jsonl .csv .tsv .json .parquet), or - for jsonl on stdin.")
    ],
    input_format: InputFormatOption = None,
    text_column: TextColumnOption = None,
    speaker_column: SpeakerColumnOption = None,
    time_column: TimeColumnOption = None,
    reply_to_column: ReplyToColumnOption = None,
    id_column: IdColumnOption = None,
    conversation_column: ConversationColumnOption = None,
    context: Annotated[
        int, typer.Option("--context", help="Condition each turn on up to K earlier turns of its thread.")
    ] = 0,
    context_weight: Annotated[
        float, typer.Option("--context-weight", help="Weight in [0, 1] of the in-context reading.")
    ] = 0.5,
    on_unsorted: Annotated[
        str, typer.Option("--on-unsorted", help="Timestamps going backwards: sort (with a warning) or error.")
    ] = "sort",
    shift_threshold: Annotated[
        float, typer.Option("--shift-threshold", help="Own-turn valence change that counts as a shift.")
    ] = 0.3,
    episode_threshold: Annotated[
        float, typer.Option("--episode-threshold", help="Total valence change of an escalation episode.")
    ] = 0.3,
    taxonomy: TaxonomyOption = None,
    model: ModelOption = "embedded",
    lang: LangOption = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Per-turn records: .jsonl, .json, .csv, .tsv or .parquet (- for stdout)."),
    ] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="Folder for figures, summary.md and a self-contained report.html.")
    ] = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    old_format: Annotated[str | None, deprecated_option("--format", "--input-format")] = None,
    old_text: Annotated[str | None, deprecated_option("--text-col", "--text-column")] = None,
    old_speaker: Annotated[str | None, deprecated_option("--speaker-col", "--speaker-column")] = None,
    old_time: Annotated[str | None, deprecated_option("--time-col", "--time-column")] = None,
    old_reply_to: Annotated[str | None, deprecated_option("--reply-to-col", "--reply-to-column")] = None,
    old_id: Annotated[str | None, deprecated_option("--turn-id-col", "--id-column")] = None,
    old_conversation: Annotated[str | None, deprecated_option("--conversation-col", "--conversation-column")] = None,
) -> None:
    """Read the affect of every turn, then inertia, contagion, transitions, shifts and episodes per conversation."""
    with handle_errors(debug):
        model = model_for_lang(model, lang)
        columns = _columns(
            text=(text_column, old_text, "--text-col"), speaker=(speaker_column, old_speaker, "--speaker-col"),
            time=(time_column, old_time, "--time-col"), reply_to=(reply_to_column, old_reply_to, "--reply-to-col"),
            id=(id_column, old_id, "--turn-id-col"),
            conversation=(conversation_column, old_conversation, "--conversation-col"),
        )  # fmt: skip
        input_format = renamed(input_format, old_format, "--format", "--input-format", None)
        _check_targets(output, report, as_json, force)
        table = read_table(source, input_format, as_text="all")
        result = conversation_dynamics(
            table,
            engine=model,
            taxonomy=taxonomy,
            columns=columns,
            context=context,
            context_weight=context_weight,
            on_unsorted=on_unsorted,
            shift_threshold=shift_threshold,
            episode_threshold=episode_threshold,
            progress=progress_enabled(quiet),
        )
        _write(result, output, report, as_json, force)
        if not quiet:
            where = ", ".join(x for x in (output and f"turns -> {output}", report and f"report -> {report}") if x)
            stderr.print(
                f"{len(result.turns)} turns in {len(result.dynamics)} conversation(s)"
                + (f"; {where}" if where else ""),
                highlight=False,
            )
