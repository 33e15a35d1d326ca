"""Options and error handling shared by every command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from affectlab.errors import AffectlabError, EngineError, EngineNotFound, InputError, ModelLoadError, ParameterError

stderr = Console(stderr=True, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or log lines on stderr.")]
ModelOption = Annotated[str, typer.Option("--model", "-m", help="Engine: 'embedded' (default) or 'hf:<path>'.")]
TaxonomyOption = Annotated[
    str | None,
    typer.Option("--taxonomy", "-t", help="goemotions, ekman, plutchik, parrott[:1|2|3], sentiment, semeval, ..."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
OutputOption = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Output file; format from its suffix. Default: JSON lines on stdout."),
]
OutputFormatOption = Annotated[
    str | None, typer.Option("--format", help="Output format: csv, tsv, jsonl, json, parquet.")
]
InputFormatOption = Annotated[
    str | None, typer.Option("--input-format", help="Input format when the suffix does not tell.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
ItemOption = Annotated[str, typer.Option("--item", help="Column of item ids.")]


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and when not quiet."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def handle_errors(debug: bool = False) -> Iterator[None]:
    """Turn library errors into one line on stderr and the documented exit codes.

    0 ok, 1 runtime/engine failure, 2 usage or bad input, 130 interrupted.
    """
    try:
        yield
    except KeyboardInterrupt:
        stderr.print("[red]interrupted[/red]")
        raise typer.Exit(130) from None
    except (InputError, ParameterError) as exc:
        if debug:
            raise
        stderr.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except (EngineError, AffectlabError, OSError) as exc:
        if debug:
            raise
        stderr.print(f"[red]error:[/red] {exc}", highlight=False)
        if isinstance(exc, ModelLoadError | EngineNotFound):
            stderr.print("hint: 'affectlab models list' shows the installed models.", highlight=False)
        raise typer.Exit(1) from None
