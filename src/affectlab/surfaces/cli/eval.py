"""``affectlab eval``: score a model against a benchmark or any labelled table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from affectlab.analyses.evaluation import CLASSIFICATION_METRICS, EvalReport, evaluate
from affectlab.analyses.tables import load_table_dataset
from affectlab.datasets import Dataset
from affectlab.errors import ParameterError
from affectlab.io import SUFFIXES, progress_enabled
from affectlab.surfaces.cli._common import (
    ApiKeyEnvOption,
    ConcurrencyOption,
    DebugOption,
    DialectOption,
    ForceOption,
    IdColumnOption,
    InputFormatOption,
    JsonOption,
    LLMCacheOption,
    ModelOption,
    QuietOption,
    SamplesOption,
    TaxonomyOption,
    TemperatureOption,
    TextColumnOption,
    engine_for,
    handle_errors,
    llm_options,
    stderr,
)
from affectlab.surfaces.plots.evaluation import format_metric, write_report


def _columns(value: str | None) -> list[str] | None:
    return None if value is None else [c.strip() for c in value.split(",") if c.strip()]


def _is_file(dataset: str) -> bool:
    return dataset == "-" or Path(dataset).is_file() or Path(dataset).suffix.lower() in SUFFIXES


def _table(
    path: str,
    split: str,
    text_column: str,
    id_column: str | None,
    label_columns: str | None,
    labels_column: str | None,
    value_columns: str | None,
    taxonomy: str | None,
    fmt: str | None,
) -> Dataset:
    return load_table_dataset(
        path,
        fmt=fmt,
        text_column=text_column,
        label_columns=_columns(label_columns),
        labels_column=labels_column,
        value_columns=_columns(value_columns),
        taxonomy=taxonomy,
        id_column=id_column,
        split=split,
    )


def eval_(
    dataset: Annotated[
        str,
        typer.Argument(
            help="A built-in dataset (goemotions, goemotions-ekman, goemotions-sentiment, emobank, xed-en, "
            "brighter-a:<lang>, brighter-b:<lang>, enisear-ekman, goodnewseveryone-ekman), a .csv/.tsv/.jsonl/.json/"
            ".parquet file, or - for a table on stdin (with --input-format)."
        ),
    ],
    split: Annotated[str, typer.Option("--split", help="Split to score: test, dev or train.")] = "test",
    model: ModelOption = "embedded",
    taxonomy: TaxonomyOption = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Benchmark data folder (default $AFFECTLAB_DATA).")
    ] = None,
    thresholds: Annotated[
        str,
        typer.Option("--thresholds", help="model: the engine's own labels; dev: F1-optimal thresholds fitted on dev."),
    ] = "model",
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Bootstrap resamples for the 95% intervals (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write report.md, report.json and PNG plots to this folder.")
    ] = None,
    force: ForceOption = False,
    text_column: TextColumnOption = None,
    id_column: IdColumnOption = None,
    label_columns: Annotated[
        str | None, typer.Option("--label-columns", help="File datasets: 0/1 label columns, comma-separated.")
    ] = None,
    labels_column: Annotated[
        str | None, typer.Option("--labels-column", help="File datasets: one column of comma-separated labels.")
    ] = None,
    value_columns: Annotated[
        str | None,
        typer.Option("--value-columns", help="File datasets: numeric columns (valence/arousal/dominance or emotions)."),
    ] = None,
    dataset_taxonomy: Annotated[
        str | None, typer.Option("--dataset-taxonomy", help="File datasets: taxonomy of the label columns.")
    ] = None,
    dev_file: Annotated[
        str | None, typer.Option("--dev-file", help="File datasets: dev table for --thresholds dev (same columns).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Score only the first N items: smoke tests only, never a benchmark.")
    ] = None,
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
) -> None:
    """Score a model against human labels: F1, Jaccard, correlations, calibration, 95% bootstrap intervals."""
    with handle_errors(debug):
        engine = engine_for(
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
        file_options = {
            "--label-columns": label_columns,
            "--labels-column": labels_column,
            "--value-columns": value_columns,
            "--dataset-taxonomy": dataset_taxonomy,
            "--dev-file": dev_file,
            "--id-column": id_column,
        }
        dev: Dataset | None = None
        if _is_file(dataset):
            table = (
                text_column or "text",
                id_column,
                label_columns,
                labels_column,
                value_columns,
                dataset_taxonomy,
                input_format,
            )
            data: Dataset | str = _table(dataset, split, *table)
            if dev_file is not None:
                dev = _table(dev_file, "dev", *table)
            elif thresholds == "dev":
                raise ParameterError("--thresholds dev with a file dataset needs --dev-file DEV_TABLE.")
        else:
            given = [name for name, value in file_options.items() if value is not None]
            if given:
                raise ParameterError(f"{', '.join(given)} apply to file datasets only; {dataset!r} is a built-in name.")
            data = dataset
        result = evaluate(
            data,
            engine=engine,
            split=split,
            taxonomy=taxonomy,
            n_boot=n_boot,
            seed=seed,
            data_dir=data_dir,
            thresholds=thresholds,  # type: ignore[arg-type]
            progress=progress_enabled(quiet),
            limit=limit,
            dev=dev,
        )
        if report is not None:
            written = write_report(result, report, force=force)
            if not quiet:
                stderr.print(f"report: {', '.join(str(p) for p in written)}", highlight=False)
        if as_json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        else:
            _print(result)


def _interval(result: EvalReport, key: str) -> str:
    interval = result.ci95.get(key)
    return "" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _print(result: EvalReport) -> None:
    console = Console()
    console.print(
        f"{result.dataset} ({result.split}, n={result.n}) | {result.model['engine']} {result.model['version']} | "
        f"taxonomy {result.taxonomy or '-'} | predictions: {result.prediction_source}",
        highlight=False,
    )
    if result.threshold_source:
        console.print(f"thresholds: {result.threshold_source}", highlight=False)
    table = Table(show_header=True, header_style="bold")
    if result.kind == "multilabel":
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_column("95% CI")
        for key in CLASSIFICATION_METRICS:
            table.add_row(key, format_metric(getattr(result, key)), _interval(result, key))
        console.print(table)
        labels = Table(show_header=True, header_style="bold")
        for name in ("label", "F1", "precision", "recall", "support"):
            labels.add_column(name, justify="left" if name == "label" else "right")
        for label, row in (result.per_label or {}).items():
            labels.add_row(
                label,
                format_metric(row["f1"]),
                format_metric(row["precision"]),
                format_metric(row["recall"]),
                str(row["support"]),
            )
        console.print(labels)
    else:
        table.add_column("dimension")
        for metric in ("pearson", "spearman", "ccc", "mae"):
            table.add_column(metric, justify="right")
        for dim in [*result.columns, "mean"]:
            cells = [
                f"{format_metric((getattr(result, m) or {}).get(dim))} {_interval(result, f'{m}.{dim}')}"
                for m in ("pearson", "spearman", "ccc", "mae")
            ]
            table.add_row(dim, *cells)
        console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
