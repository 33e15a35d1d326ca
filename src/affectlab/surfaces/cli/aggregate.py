"""``affectlab aggregate``: one label set (or label distribution) per item from several raters' labels."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from affectlab.analyses.aggregation import METHODS, aggregate_labels
from affectlab.errors import ParameterError
from affectlab.io import TableWriter
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    ItemOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    handle_errors,
    stderr,
)
from affectlab.surfaces.cli.agree import read_table


def aggregate(
    source: Annotated[str, typer.Argument(help="Ratings file, one row per rating: .csv .tsv .jsonl .json .parquet.")],
    item: ItemOption,
    value: Annotated[str, typer.Option("--value", help="Column of labels; several labels joined by --sep.")],
    rater: Annotated[
        str | None, typer.Option("--rater", help="Column of rater ids (default: every row is one rater).")
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="majority (> half of raters), plurality (most chosen), all, or soft.")
    ] = "majority",
    sep: Annotated[str, typer.Option("--sep", help="Separator of several labels in one value.")] = ",",
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Aggregate raters' labels per item (one output row per item, in first-seen order)."""
    with handle_errors(debug):
        if method not in METHODS:
            raise ParameterError(f"The '--method' option must be one of {', '.join(METHODS)}. Got {method!r}.")
        frame = read_table(source, input_format, ids=[item, rater])
        table = aggregate_labels(frame, item=item, value=value, rater=rater, method=method, sep=sep)
        with TableWriter(output or "-", fmt, force=force) as writer:
            writer.write(json.loads(table.to_json(orient="records", force_ascii=False)))
        if not quiet:
            stderr.print(f"{len(table)} items ({method}) -> {output or 'stdout'}", highlight=False)
