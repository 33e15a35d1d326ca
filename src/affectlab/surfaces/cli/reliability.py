"""``affectlab reliability``: can I trust this judge? Each rater against a reference, per attribute."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from affectlab.errors import ParameterError
from affectlab.io import read_table
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    ItemColumnOption,
    JsonOption,
    QuietOption,
    RaterColumnOption,
    ValueColumnOption,
    handle_errors,
    stderr,
)
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    from affectlab.analyses.reliability import ReliabilityReport

OWNER = "affectlab reliability"


def reliability(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Ratings file(s) in long form, one row per rating (.csv .tsv .jsonl .json .parquet), or - for "
            "stdin; several files (say the judge's and the humans') are read as one table."
        ),
    ],
    item: ItemColumnOption = None,  # type: ignore[assignment]
    rater: RaterColumnOption = None,  # type: ignore[assignment]
    value: ValueColumnOption = None,  # type: ignore[assignment]
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="Reference rater (e.g. human), or comma-separated raters whose per-item mean (or median, see "
            "--reference-aggregate) is the reference.",
        ),
    ] = None,
    attribute: Annotated[
        str | None, typer.Option("--attribute-column", help="Column of attributes (empathy, safety, ...).")
    ] = None,
    system: Annotated[
        str | None,
        typer.Option("--system-column", help="Column of the systems rated: adds the system level, --exclude-self."),
    ] = None,
    exclude_self: Annotated[
        list[str] | None,
        typer.Option("--exclude-self", help="RATER=SYSTEM: leave out the rater's ratings of its own system (repeat)."),
    ] = None,
    raters: Annotated[
        str | None, typer.Option("--raters", help="Comma-separated raters to judge (default: all but the reference).")
    ] = None,
    aggregate: Annotated[
        str, typer.Option("--reference-aggregate", help="mean or median of several reference raters per item.")
    ] = "mean",
    reference_name: Annotated[
        str | None, typer.Option("--reference-name", help="Name of an aggregate reference (default reference).")
    ] = None,
    pairs: Annotated[
        str | None,
        typer.Option("--pairs", help="Kappa and alpha between pairs: all, or A:B,C:D (the reference by its name)."),
    ] = None,
    kappa_weights: Annotated[str, typer.Option("--kappa-weights", help="linear or quadratic.")] = "quadratic",
    thresholds: Annotated[
        str,
        typer.Option("--thresholds", help="GOOD,MODERATE upper bounds of the ICC(A,1) interval width."),
    ] = "0.355,0.56",  # MENTALALIGN_THRESHOLDS, written out: the analysis loads only when the command runs
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    report: Annotated[
        str | None, typer.Option("--report", help="Folder for reliability.md and PNG heatmaps and bias chart.")
    ] = None,
    force: ForceOption = False,
    input_format: InputFormatOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Each rater (LLM judge, crowd) against a reference: bias, MSE, ICC(C,1), ICC(A,1), 95% CIs, class."""
    import pandas as pd  # here, with the analysis: 0.4 s that the other commands need not pay at start-up

    from affectlab.analyses.reliability import reliability as measure
    from affectlab.surfaces.plots.reliability import write_report

    with handle_errors(debug):
        for option, given in (("--item-column", item), ("--rater-column", rater), ("--value-column", value)):
            if given is None:
                raise ParameterError(f"Missing option {option}: name the column.")
        if reference is None:
            raise ParameterError("Missing option --reference: name the reference rater(s), e.g. --reference human.")
        text_columns = [c for c in (item, rater, attribute, system) if c is not None]
        frame = pd.concat([read_table(s, input_format, as_text=text_columns) for s in sources], ignore_index=True)
        result = measure(
            frame,
            item=item,
            rater=rater,
            value=value,
            reference=_names(reference, "--reference"),
            attribute=attribute,
            system=system,
            raters=_names(raters, "--raters") if raters else None,
            reference_aggregate=aggregate,
            reference_name=reference_name,
            exclude_self=[_pair(p, "=", "--exclude-self") for p in exclude_self or []],
            pairs=pairs if pairs in (None, "all") else [_pair(p, ":", "--pairs") for p in _names(pairs, "--pairs")],
            kappa_weights=kappa_weights,
            thresholds=_thresholds(thresholds),
            n_boot=n_boot,
            seed=seed,
        )
        if report:
            written = write_report(result, report, force=force)
            if not quiet:
                stderr.print(f"report: {', '.join(map(str, written))}", markup=False, highlight=False)
        if as_json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        else:
            _print(result)


def _names(text: str, option: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ParameterError(f"The {option} option needs one or more comma-separated names. Got {text!r} instead.")
    return names


def _pair(text: str, sep: str, option: str) -> tuple[str, str]:
    a, found, b = text.partition(sep)
    if not found or not a.strip() or not b.strip():
        shape = "RATER=SYSTEM" if sep == "=" else "A:B"
        raise ParameterError(f"The {option} option takes {shape}. Got {text!r} instead.")
    return a.strip(), b.strip()


def _thresholds(text: str) -> tuple[float, float]:
    try:
        good, moderate = (float(part) for part in text.split(","))
    except ValueError:
        raise ParameterError(
            f"The --thresholds option takes GOOD,MODERATE, two numbers such as 0.355,0.56. Got {text!r} instead."
        ) from None
    return good, moderate


def _print(result: ReliabilityReport) -> None:
    from rich.console import Console
    from rich.table import Table

    from affectlab.surfaces.plots.reliability import with_ci

    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    table = Table("level", "attribute", "rater", "n", "bias [95% CI]", "MSE", "ICC(C,1) [95% CI]", "ICC(A,1) [95% CI]")
    table.add_column("width")
    table.add_column("class")
    for row in result.results.itertuples():
        table.add_row(
            row.level,
            row.attribute,
            row.rater,
            str(row.n),
            with_ci(row.bias, row.bias_ci95),
            num(row.mse, signed=False),
            with_ci(row.icc_c1, row.icc_c1_ci95),
            with_ci(row.icc_a1, row.icc_a1_ci95),
            num(row.ci_width, signed=False),
            row.reliability if isinstance(row.reliability, str) else "-",
        )
    console.print(f"reference: {result.reference}", markup=False, highlight=False)
    console.print(table)
    if len(result.pairs):
        pairs = Table("attribute", "rater a", "rater b", "n", f"kappa ({result.pairs['weights'].iloc[0]})", "alpha")
        for p in result.pairs.itertuples():
            kappa, alpha = with_ci(p.kappa, p.kappa_ci95), with_ci(p.alpha, p.alpha_ci95)
            pairs.add_row(p.attribute, p.rater_a, p.rater_b, str(p.n), kappa, alpha)
        console.print(pairs)
    for note in result.notes:
        stderr.print(f"note: {note}", markup=False, highlight=False)
