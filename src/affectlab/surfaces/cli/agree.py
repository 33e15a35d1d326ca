"""``affectlab agree``: agreement among raters in a ratings file, optionally with a model as one more rater."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_choice
from affectlab.errors import ParameterError
from affectlab.io import progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    ApiKeyEnvOption,
    ConcurrencyOption,
    DebugOption,
    DialectOption,
    InputFormatOption,
    ItemColumnOption,
    JsonOption,
    LLMCacheOption,
    ModelOption,
    QuietOption,
    RaterColumnOption,
    SamplesOption,
    TaxonomyOption,
    TemperatureOption,
    TextColumnOption,
    ValueColumnOption,
    deprecated_option,
    engine_for,
    handle_errors,
    llm_options,
    renamed,
)

if TYPE_CHECKING:
    import pandas as pd

CLI_METRICS = ("krippendorff", "fleiss", "cohen", "icc", "icc_c1", "icc_a1")
RATER_FROM_ORDER = "rater"


def agree(
    source: Annotated[
        str, typer.Argument(help="Ratings file, one row per rating (.csv .tsv .jsonl .json .parquet), or - for stdin.")
    ],
    item: ItemColumnOption = None,  # type: ignore[assignment]
    value: ValueColumnOption = None,  # type: ignore[assignment]
    rater: RaterColumnOption = None,  # type: ignore[assignment]
    from_order: Annotated[
        bool,
        typer.Option("--rater-from-order", help="No rater ids (e.g. EmoBank): the k-th rating of an item is rater k."),
    ] = False,
    raters: Annotated[
        str | None, typer.Option("--raters", help="Comma-separated rater ids to keep, e.g. 1,2 for cohen.")
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", help="krippendorff, fleiss, cohen, icc (both ICCs), icc_c1 or icc_a1.")
    ] = "krippendorff",
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            help="nominal, ordinal or interval. Default: fleiss nominal, icc interval; krippendorff and cohen "
            "interval for numeric ratings, else nominal. The table shows the level used.",
        ),
    ] = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="cohen only: linear or quadratic (default from --level).")
    ] = None,
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Bootstrap replicates for the 95% interval (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    model: ModelOption = None,  # type: ignore[assignment]
    model_field: Annotated[
        str | None,
        typer.Option("--model-field", help="Model output to compare: vad.valence, emotions.joy, top, ..."),
    ] = None,
    model_scale: Annotated[
        str,
        typer.Option("--model-scale", help="raw: as the model gives it; unit: [-1,1] to [0,1]; emobank: to 1-5."),
    ] = "raw",
    text_column: TextColumnOption = None,
    text_file: Annotated[
        str | None,
        typer.Option("--text-file", help="Table with the texts (item and text columns); default: the ratings file."),
    ] = None,
    taxonomy: TaxonomyOption = None,
    input_format: InputFormatOption = None,
    samples: SamplesOption = 1,
    api_key_env: ApiKeyEnvOption = None,
    llm_cache: LLMCacheOption = None,
    dialect: DialectOption = "auto",
    concurrency: ConcurrencyOption = 4,
    temperature: TemperatureOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    old_item: Annotated[str | None, deprecated_option("--item", "--item-column")] = None,
    old_value: Annotated[str | None, deprecated_option("--value", "--value-column")] = None,
    old_rater: Annotated[str | None, deprecated_option("--rater", "--rater-column")] = None,
) -> None:
    """Agreement among raters, with a 95% bootstrap interval; with --model, the model as one more rater."""
    from affectlab.analyses.agreement import MODEL_SCALES, agreement_results, rater_from_order  # pandas: 0.4 s

    with handle_errors(debug):
        item = _required(renamed(item, old_item, "--item", "--item-column", None), "--item-column", "item ids")
        value = _required(renamed(value, old_value, "--value", "--value-column", None), "--value-column", "ratings")
        rater = renamed(rater, old_rater, "--rater", "--rater-column", None)
        check_choice(metric, "--metric", "affectlab agree", CLI_METRICS)
        check_choice(model_scale, "--model-scale", "affectlab agree", MODEL_SCALES)
        if (rater is None) == (not from_order):
            raise ParameterError(
                "Name the rater column with --rater-column COL, or pass --rater-from-order when the file has no "
                "rater ids (not both)."
            )
        if model is not None and model_field is None:
            raise ParameterError("--model needs --model-field, e.g. vad.valence, emotions.joy or top.")
        frame = read_table(source, input_format, as_text=[c for c in (item, rater) if c is not None])
        if from_order:
            rater = _free_name(frame, RATER_FROM_ORDER)
            frame = rater_from_order(frame, item, column=rater)
        options: dict[str, Any] = {
            "item": item,
            "rater": rater,
            "value": value,
            "level": level,
            "weights": weights,
            "raters": [r.strip() for r in raters.split(",") if r.strip()] if raters else None,
            "n_boot": n_boot,
            "seed": seed,
        }
        report: dict[str, Any] = {"file": source, "item": item, "rater": rater, "rater_from_order": from_order}
        report["value"] = value
        metrics = ["icc_c1", "icc_a1"] if metric == "icc" else [metric]
        if model is None:
            report["results"], _ = agreement_results(frame, metrics=metrics, **options)
        else:
            texts = _texts(frame, item, text_column or "text", text_file)
            built = engine_for(
                model,
                llm_options(
                    model,
                    samples=samples,
                    api_key_env=api_key_env,
                    llm_cache=llm_cache,
                    dialect=dialect,
                    concurrency=concurrency,
                    temperature=temperature,
                ),
            )
            engine = {"name": model, "engine": built, "field": model_field, "scale": model_scale, "taxonomy": taxonomy}
            report.update(_with_model(frame, texts, engine, metrics, options, quiet))
        if as_json:
            sys.stdout.write(json.dumps(jsonable(report), ensure_ascii=False) + "\n")
        else:
            _print_rows(report)


def _required(value: str | None, option: str, what: str) -> str:
    if value is None:
        raise ParameterError(f"Missing option {option}: name the column of {what}.")
    return value


def _free_name(frame: pd.DataFrame, name: str) -> str:
    while name in frame.columns:
        name = f"_{name}"
    return name


def _texts(frame: pd.DataFrame, item: str, text_column: str, text_file: str | None) -> pd.Series:
    """Each item's text, from the ratings or from --text-file."""
    from affectlab.analyses.agreement import item_texts

    if text_file is None:
        where = "the ratings file (use --text-file for texts kept elsewhere)"
        return item_texts(frame, item=item, text_column=text_column, where=where)
    texts = read_table(text_file, None, as_text=[item])
    return item_texts(texts, item=item, text_column=text_column, where=f"--text-file {text_file!r}")


def _with_model(
    frame: pd.DataFrame,
    texts: pd.Series,
    engine: dict[str, Any],
    metrics: list[str],
    options: dict[str, Any],
    quiet: bool,
) -> dict[str, Any]:
    """The ``model`` and ``results`` entries of the report, the model scored as one more rater."""
    from affectlab.analyses.agreement import agreement_results

    rows, n_items = agreement_results(
        frame,
        metrics=metrics,
        texts=texts,
        engine=engine["engine"],
        field=engine["field"],
        scale=engine["scale"],
        taxonomy=engine["taxonomy"],
        progress=progress_enabled(quiet),
        **options,
    )
    model = {"engine": engine["name"], "field": engine["field"], "scale": engine["scale"]}
    return {"model": {**model, "n_items": n_items}, "results": rows}


def _print_rows(report: dict[str, Any]) -> None:
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    with_model = "model" in report
    table = Table(show_header=True, header_style="bold")
    if with_model:
        table.add_column("comparison")
    for name in ("metric", "level", "value", "95% CI", "items", "raters", "ratings"):
        table.add_column(name, justify="right" if name not in ("metric", "level") else "left")
    notes: dict[str, list[str]] = {}
    for row in report["results"]:
        value = "undefined" if row["value"] is None else f"{row['value']:.3f}"
        ci = f"{row['ci95'][0]:.3f} .. {row['ci95'][1]:.3f}" if row["ci95"] else "-"
        metric = row["metric"] + (f" ({row['weights']})" if row.get("weights") else "")
        cells = [metric, row["level"], value, ci, str(row["n_items"]), str(row["n_raters"]), str(row["n_ratings"])]
        table.add_row(*([row["comparison"]] if with_model else []), *cells)
        label = f"{row['comparison']} ({row['metric']})" if with_model else row["metric"]
        for note in ([f"undefined: {row['undefined']}"] if row["undefined"] else []) + row["notes"]:
            notes.setdefault(note, []).append(label)
    rater = "from order (k-th rating of an item = rater k)" if report["rater_from_order"] else report["rater"]
    console.print(f"{report['file']}: {report['value']} by item {report['item']}, rater {rater}", markup=False)
    if with_model:
        m = report["model"]
        console.print(
            f"model {m['engine']} as one more rater: {m['field']} on scale {m['scale']} ({m['n_items']} items)",
            markup=False,
        )
    console.print(table)
    for note, labels in notes.items():
        where = "" if len(labels) == len(report["results"]) > 1 else f"{', '.join(labels)}: "
        console.print(f"note  {where}{note}", markup=False, highlight=False)
