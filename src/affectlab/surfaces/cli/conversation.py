"""``affectlab conversation``: per-turn affect and speaker dynamics of the conversations in a file."""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from affectlab.analyses.conversation import ConversationDynamics, ConversationResult, conversation_dynamics
from affectlab.errors import AffectlabWarning, InputError, ParameterError
from affectlab.io import TableWriter, detect_format
from affectlab.surfaces.cli._common import (
    DebugOption,
    JsonOption,
    ModelOption,
    QuietOption,
    TaxonomyOption,
    handle_errors,
    stderr,
)

INPUT_FORMATS = ("jsonl", "csv", "tsv", "json", "parquet")
MAX_PRINTED = 20


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return Path(source).read_text(encoding="utf-8-sig", errors="replace")


def read_turn_rows(source: str, fmt: str | None = None) -> list[dict[str, Any]]:
    """Rows of a turns file (jsonl, csv, tsv, json array, parquet); ``-`` reads jsonl from stdin."""
    fmt = fmt or ("jsonl" if source == "-" else detect_format(source))
    if fmt not in INPUT_FORMATS:
        raise ParameterError(f"The '--format' option must be one of {', '.join(INPUT_FORMATS)}. Got {fmt!r} instead.")
    if source != "-" and not Path(source).is_file():
        raise InputError(f"Input file {source!r} does not exist.")
    if fmt == "parquet":
        if source == "-":
            raise InputError("Parquet cannot be read from standard input; pass a file.")
        import pandas as pd

        return pd.read_parquet(source).to_dict("records")
    text = _read_text(source)
    where = "standard input" if source == "-" else repr(source)
    if fmt in ("csv", "tsv"):
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t")
        rows = []
        for row in reader:
            if None in row or None in row.values():
                raise InputError(f"Line {reader.line_num} of {where} has a different number of fields than the header.")
            rows.append(dict(row))
        return rows
    if fmt == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{where} is not valid JSON: {exc}. For one object per line use .jsonl.") from exc
        if isinstance(data, dict):
            data = data.get("turns", next((v for v in data.values() if isinstance(v, list)), None))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(f"{where} must hold a JSON array of turn objects (or an object with a 'turns' array).")
        return data
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"Line {number} of {where} is not valid JSON: {exc}.") from exc
        if not isinstance(row, dict):
            raise InputError(f"Line {number} of {where} is not a JSON object.")
        rows.append(row)
    return rows


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


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
        rate = inertia.self_transition_rate
        table.add_row(
            s,
            str(summary.n_turns),
            _num(summary.mean_valence),
            _num(inertia.autocorrelation),
            "—" if rate is None else f"{rate:.2f}",
            f"{_num(outcome.first_valence)} → {_num(outcome.last_valence)}",
            outcome.verdict or "—",
        )
    console.print(table)
    caught = [
        f"{target} from {source} {_num(e.b)} [{_num(e.b_ci95[0])}, {_num(e.b_ci95[1])}] (n={e.n})"
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


def conversation(
    source: Annotated[
        str, typer.Argument(help="Turns file (.jsonl .csv .tsv .json .parquet), or - for jsonl on stdin.")
    ],
    input_format: Annotated[
        str | None, typer.Option("--format", help="Input format when the suffix does not tell: jsonl, csv, tsv, json.")
    ] = None,
    speaker_col: Annotated[str, typer.Option("--speaker-col", help="Column naming the speaker.")] = "speaker",
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the turn's text.")] = "text",
    time_col: Annotated[
        str | None, typer.Option("--time-col", help="Timestamps, numbers or dates (default: 'timestamp' if present).")
    ] = None,
    reply_to_col: Annotated[
        str | None, typer.Option("--reply-to-col", help="Id of the turn replied to (default: 'reply_to' if present).")
    ] = None,
    turn_id_col: Annotated[
        str | None, typer.Option("--turn-id-col", help="Turn ids (default: 'turn_id' or 'id' if present, else row).")
    ] = None,
    conversation_col: Annotated[
        str | None,
        typer.Option("--conversation-col", help="Conversation ids (default: 'conversation_id' if present)."),
    ] = None,
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
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Per-turn records: .jsonl, .json, .csv, .tsv or .parquet (- for stdout)."),
    ] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="Folder for figures, summary.md and a self-contained report.html.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Read the affect of every turn, then inertia, contagion, transitions, shifts and episodes per conversation."""
    with handle_errors(debug):
        if output == "-" and as_json:
            raise ParameterError("--json and -o - both write to stdout; write the turns to a file or drop --json.")
        if output and output != "-" and Path(output).exists() and not force:
            raise InputError(f"Output file {output!r} exists; pass --force to overwrite it.")
        if report and (Path(report) / "summary.md").exists() and not force:
            raise InputError(f"Report folder {report!r} already holds a report; pass --force to overwrite it.")
        rows = read_turn_rows(source, input_format)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AffectlabWarning)
            result = conversation_dynamics(
                rows,
                model,
                taxonomy=taxonomy,
                context=context,
                context_weight=context_weight,
                speaker_col=speaker_col,
                text_col=text_col,
                time_col=time_col,
                reply_to_col=reply_to_col,
                turn_id_col=turn_id_col,
                conversation_col=conversation_col,
                on_unsorted=on_unsorted,
                shift_threshold=shift_threshold,
                episode_threshold=episode_threshold,
            )
        if not quiet:
            for warning in caught:
                if issubclass(warning.category, AffectlabWarning):
                    stderr.print(f"warning: {warning.message}", highlight=False)
        if output:
            with TableWriter(output, force=force) as writer:
                writer.write([t.to_dict() if writer.nested else t.flat() for t in result.turns])
        if report:
            from affectlab.surfaces.plots.conversation import write_report

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
        if not quiet:
            where = ", ".join(x for x in (output and f"turns -> {output}", report and f"report -> {report}") if x)
            stderr.print(
                f"{len(result.turns)} turns in {len(result.dynamics)} conversation(s)"
                + (f"; {where}" if where else ""),
                highlight=False,
            )
