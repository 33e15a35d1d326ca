"""``affectlab aggregate``: one label set (or label distribution) per item from several raters' labels."""

from __future__ import annotations

import warnings
from typing import Annotated

import typer

from affectlab.core.serialize import jsonable
from affectlab.errors import AffectlabWarning, ParameterError
from affectlab.io import TableWriter, read_table
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    ItemColumnOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    RaterColumnOption,
    ValueColumnOption,
    deprecated_option,
    handle_errors,
    renamed,
    stderr,
)

#: Decimal places of the shares written (as pandas' JSON writer gave them).
DIGITS = 10


def aggregate(
    source: Annotated[
        str, typer.Argument(help="Ratings file, one row per rating (.csv .tsv .jsonl .json .parquet), or - for stdin.")
    ],
    item: ItemColumnOption = None,  # type: ignore[assignment]
    value: ValueColumnOption = None,  # type: ignore[assignment]
    rater: RaterColumnOption = None,  # type: ignore[assignment]
    method: Annotated[
        str,
        typer.Option(
            "--method", help="majority (> half of raters), plurality (most chosen), all, or soft (shares by label)."
        ),
    ] = "majority",
    sep: Annotated[str, typer.Option("--sep", help="Separator of several labels in one value.")] = ",",
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    old_item: Annotated[str | None, deprecated_option("--item", "--item-column")] = None,
    old_value: Annotated[str | None, deprecated_option("--value", "--value-column")] = None,
    old_rater: Annotated[str | None, deprecated_option("--rater", "--rater-column")] = None,
) -> None:
    """Aggregate raters' labels per item (one output row per item, in first-seen order).

    Without --rater-column every row is one rater.
    """
    with handle_errors(debug):
        item = renamed(item, old_item, "--item", "--item-column", None)
        value = renamed(value, old_value, "--value", "--value-column", None)
        rater = renamed(rater, old_rater, "--rater", "--rater-column", None)
        if item is None or value is None:
            raise ParameterError("Name the columns of item ids and labels with --item-column and --value-column.")
        frame = read_table(source, input_format, as_text=[c for c in (item, rater) if c is not None])
        from affectlab.analyses.aggregation import aggregate_labels  # here: pandas costs 0.4 s at start-up

        table = aggregate_labels(frame, item=item, value=value, rater=rater, method=method, sep=sep)
        with TableWriter(output or "-", fmt, force=force) as writer:
            writer.write(jsonable(table.to_dict("records"), digits=DIGITS))
            if table.empty:
                writer.write_header([str(c) for c in table.columns])
                where = "standard input" if source == "-" else repr(source)
                warnings.warn(
                    f"{where} has no ratings; wrote an empty table with its header.", AffectlabWarning, stacklevel=1
                )
        if not quiet:
            stderr.print(f"{len(table)} items ({method}) -> {output or 'stdout'}", highlight=False)
