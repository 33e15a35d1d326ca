"""``affectlab agree``: agreement among raters in a ratings file, optionally with a model as one more rater."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from affectlab.analyses.agreement import agreement, compare_with_model, rater_from_order
from affectlab.core import scales
from affectlab.errors import InputError, ParameterError
from affectlab.io import detect_format
from affectlab.surfaces.api import Analyzer, flatten
from affectlab.surfaces.cli._common import (
    DebugOption,
    InputFormatOption,
    ItemOption,
    JsonOption,
    QuietOption,
    TaxonomyOption,
    handle_errors,
    stderr,
)

CLI_METRICS = ("krippendorff", "fleiss", "cohen", "icc", "icc_c1", "icc_a1")
MODEL_SCALES = ("raw", "unit", "emobank")
RATER_FROM_ORDER = "rater"
_SIGNED_FIELDS = ("vad.valence", "vad.arousal", "vad.dominance", "sentiment.score")


def agree(
    source: Annotated[str, typer.Argument(help="Ratings file, one row per rating: .csv .tsv .jsonl .json .parquet.")],
    item: ItemOption,
    value: Annotated[str, typer.Option("--value", help="Column of ratings (labels or numbers).")],
    rater: Annotated[str | None, typer.Option("--rater", help="Column of rater ids.")] = None,
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
        typer.Option("--level", help="nominal, ordinal or interval (default: interval for icc, else nominal)."),
    ] = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="cohen only: linear or quadratic (default from --level).")
    ] = None,
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Bootstrap replicates for the 95% interval (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Score this engine as one more rater: 'embedded' or 'embedded:<dir>'."),
    ] = None,
    model_field: Annotated[
        str | None,
        typer.Option("--model-field", help="Model output to compare: vad.valence, emotions.joy, top, ..."),
    ] = None,
    model_scale: Annotated[
        str,
        typer.Option("--model-scale", help="raw: as the model gives it; unit: [-1,1] to [0,1]; emobank: to 1-5."),
    ] = "raw",
    text_column: Annotated[str, typer.Option("--text-column", help="Column holding each item's text.")] = "text",
    text_file: Annotated[
        str | None,
        typer.Option("--text-file", help="File with the texts (the --item and --text-column columns); default FILE."),
    ] = None,
    taxonomy: TaxonomyOption = None,
    input_format: InputFormatOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Agreement among raters, with a 95% bootstrap interval; with --model, the model as one more rater."""
    with handle_errors(debug):
        if metric not in CLI_METRICS:
            raise ParameterError(f"The '--metric' option must be one of {', '.join(CLI_METRICS)}. Got {metric!r}.")
        if model_scale not in MODEL_SCALES:
            raise ParameterError(
                f"The '--model-scale' option must be one of {', '.join(MODEL_SCALES)}. Got {model_scale!r}."
            )
        if (rater is None) == (not from_order):
            raise ParameterError(
                "Name the rater column with --rater COL, or pass --rater-from-order when the file has no rater ids "
                "(not both)."
            )
        metrics = ["icc_c1", "icc_a1"] if metric == "icc" else [metric]
        frame = read_table(source, input_format, ids=[item, rater])
        if from_order:
            frame = rater_from_order(frame, item, column=_free_name(frame, RATER_FROM_ORDER))
            rater = frame.columns[-1]
        assert rater is not None
        keep = [r.strip() for r in raters.split(",") if r.strip()] if raters else None
        options: dict[str, Any] = {
            "item": item,
            "rater": rater,
            "value": value,
            "level": level,
            "weights": weights,
            "raters": keep,
            "n_boot": n_boot,
            "seed": seed,
        }
        report: dict[str, Any] = {
            "file": source,
            "item": item,
            "rater": rater,
            "rater_from_order": from_order,
            "value": value,
        }
        if model is None:
            rows = [{"comparison": "humans", **agreement(frame, metric=m, **options).to_dict()} for m in metrics]
        else:
            if model_field is None:
                raise ParameterError("--model needs --model-field, e.g. vad.valence, emotions.joy or top.")
            for m in metrics:  # check columns, levels and values before the slower model run
                agreement(frame, metric=m, **{**options, "n_boot": 0})
            texts = _texts(frame, item, text_column, text_file)
            values = _model_values(texts, model, model_field, model_scale, taxonomy, quiet)
            table = compare_with_model(frame, values, metrics=metrics, **options)
            rows = [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]
            for row in rows:
                row["ci95"] = [row.pop("ci95_lo"), row.pop("ci95_hi")] if row["ci95_lo"] is not None else None
            report["model"] = {
                "engine": model,
                "field": model_field,
                "scale": model_scale,
                "n_items": int(values.notna().sum()),
            }
        report["results"] = rows
        if as_json:
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        else:
            _print_rows(report)


def read_table(path: str, fmt: str | None, *, ids: list[str | None]) -> pd.DataFrame:
    """Read a whole table with pandas; the ``ids`` columns are read as text (missing stays missing)."""
    if not Path(path).is_file():
        raise InputError(f"Input file {path!r} does not exist.")
    fmt = detect_format(path, fmt)
    as_text = {c: str for c in ids if c is not None}
    try:
        if fmt in ("csv", "tsv"):
            frame = pd.read_csv(path, sep="," if fmt == "csv" else "\t", dtype=as_text)
        elif fmt in ("jsonl", "json"):
            frame = pd.read_json(path, lines=fmt == "jsonl", orient="records", dtype=False)
        elif fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            raise ParameterError(f"Ratings cannot be read from {fmt} files; use csv, tsv, jsonl, json or parquet.")
    except (ValueError, OSError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InputError(f"Cannot read {path!r} as {fmt}: {exc}") from exc
    for column in as_text:
        if column in frame.columns:
            frame[column] = frame[column].where(frame[column].isna(), frame[column].astype(str))
    return frame


def _free_name(frame: pd.DataFrame, name: str) -> str:
    while name in frame.columns:
        name = f"_{name}"
    return name


def _texts(frame: pd.DataFrame, item: str, text_column: str, text_file: str | None) -> pd.Series:
    """The first non-empty text of each item, indexed by item id."""
    source = frame if text_file is None else read_table(text_file, None, ids=[item])
    where = "the ratings file" if text_file is None else repr(text_file)
    for column, option in ((item, "--item"), (text_column, "--text-column")):
        if column not in source.columns:
            raise InputError(
                f"Column {column!r} ({option}) not found in {where}; it needs item ids and texts (use --text-file "
                f"for texts kept elsewhere). Available columns: {', '.join(map(str, source.columns))}."
            )
    texts = source[[item, text_column]].dropna()
    texts = texts[texts[text_column].astype(str).str.strip() != ""]
    return texts.drop_duplicates(item).set_index(item)[text_column].astype(str)


def _model_values(
    texts: pd.Series, engine: str, field: str, scale: str, taxonomy: str | None, quiet: bool
) -> pd.Series:
    """The model's ``field`` for each text once, put on the humans' scale; indexed like ``texts``."""
    analyzer = Analyzer(engine, taxonomy=taxonomy)
    values: list[object] = []
    for record in _tracked(analyzer.iter_analyze(texts.tolist(), texts.index.tolist()), len(texts), quiet):
        flat = flatten(record)
        if field not in flat or field in ("id", "evidence", "flags", "error", "taxonomy", "model"):
            usable = [k for k in flat if k not in ("id", "evidence", "flags", "error", "taxonomy", "model")]
            raise ParameterError(
                f"The '--model-field' {field!r} is not a model output. Choose from {', '.join(usable)}."
            )
        values.append(flat[field])
    series = pd.Series(values, index=texts.index, dtype=object)
    if series.isna().all():
        raise ParameterError(f"The model {engine!r} gives no {field!r} for these texts; choose another --model-field.")
    return _on_scale(series, field, scale)


def _on_scale(values: pd.Series, field: str, scale: str) -> pd.Series:
    """Put model values on the humans' scale: raw, unit ([-1, 1] fields to [0, 1]) or emobank (1-5)."""
    if scale == "raw":
        return values
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.isna().all():
        raise ParameterError(
            f"--model-scale {scale} needs a numeric field, but {field!r} holds labels; use --model-scale raw."
        )
    signed = field in _SIGNED_FIELDS
    if scale == "emobank":
        if not signed:
            raise ParameterError(
                f"--model-scale emobank converts fields in [-1, 1] ({', '.join(_SIGNED_FIELDS)}); {field!r} is in "
                "[0, 1]. Use --model-scale unit or raw."
            )
        return pd.Series(scales.to_emobank(numeric.to_numpy()), index=values.index)
    return pd.Series(scales.signed_to_unit(numeric.to_numpy()), index=values.index) if signed else numeric


def _tracked(records: Any, total: int, quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return records
    from rich.progress import track

    return track(records, total=total, description="scoring", console=stderr, transient=True)


def _plain(value: object) -> object:
    """numpy and NaN values as plain JSON values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


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
