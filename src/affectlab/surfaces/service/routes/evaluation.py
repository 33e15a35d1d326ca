"""Scores against people: evaluation of a model on an uploaded labelled table, and inter-rater agreement.

The same functions as ``affectlab eval FILE`` and ``affectlab agree FILE`` (``evaluate`` with
``load_table_dataset``; ``agreement`` and ``compare_with_engine``), with the server's models; the
results are what those commands print with ``--json``. Built-in benchmark names are not served:
they would read the server's data folder.
"""

from __future__ import annotations

from typing import IO, Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from affectlab.analyses.agreement import (
    MODEL_SCALES,
    agreement_results,
    item_texts,
    rater_from_order,
)
from affectlab.analyses.evaluation import evaluate
from affectlab.analyses.tables import load_table_dataset
from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_choice
from affectlab.engines.base import Engine
from affectlab.errors import ParameterError
from affectlab.io import read_table
from affectlab.surfaces.cli.agree import CLI_METRICS
from affectlab.surfaces.service.models import AgreementReport, EvalResult
from affectlab.surfaces.service.problems import ServiceError
from affectlab.surfaces.service.routes._deps import ServiceDep
from affectlab.surfaces.service.routes._uploads import upload_format, upload_path
from affectlab.surfaces.service.settings import ServiceSettings

router = APIRouter(prefix="/v1", tags=["evaluation"])

_TABLES = ("csv", "tsv", "jsonl", "json", "parquet")


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [c.strip() for c in value.split(",") if c.strip()]


def _check_boot(n_boot: int, settings: ServiceSettings) -> None:
    if n_boot > settings.max_boot:
        raise ServiceError(
            "invalid-parameter",
            f"The 'n_boot' field must be at most {settings.max_boot} on this server (max_boot). Got {n_boot}.",
            field="n_boot",
        )


def _evaluate(
    data: IO[bytes],
    dev: IO[bytes] | None,
    fmt: str,
    name: str,
    served: tuple[str, Engine],
    table: dict[str, Any],
    **options: Any,
) -> dict[str, Any]:
    with upload_path(data, fmt) as path:
        dataset = load_table_dataset(path, fmt=fmt, name=name, split="test", **table)
    dev_set = None
    if dev is not None:
        with upload_path(dev, fmt) as path:
            dev_set = load_table_dataset(path, fmt=fmt, name=name, split="dev", **table)
    elif options["thresholds"] == "dev":
        raise ParameterError("thresholds=dev needs a dev_file: a dev table with the same columns.")
    report: dict[str, Any] = evaluate(dataset, engine=served[1], dev=dev_set, **options).to_dict()
    report["model"]["spec"] = served[0]  # the name the request used, as the CLI records --model
    return report


@router.post("/eval", response_model=EvalResult, summary="Evaluate a model on labelled data")
async def eval_(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="A labelled table: .csv .tsv .jsonl .json or .parquet.")],
    dev_file: Annotated[UploadFile | None, File(description="Dev table (same columns) for thresholds=dev.")] = None,
    input_format: Annotated[str | None, Form(description="Format when the file name does not tell.")] = None,
    text_column: Annotated[str, Form(description="Column of the texts.")] = "text",
    id_column: Annotated[str | None, Form(description="Column of ids.")] = None,
    label_columns: Annotated[str | None, Form(description="0/1 label columns, comma-separated.")] = None,
    labels_column: Annotated[str | None, Form(description="One column of comma-separated labels.")] = None,
    value_columns: Annotated[
        str | None, Form(description="Numeric columns: valence/arousal/dominance in [-1, 1] or emotion intensities.")
    ] = None,
    dataset_taxonomy: Annotated[str | None, Form(description="Taxonomy of the label columns.")] = None,
    taxonomy: Annotated[str | None, Form(description="Taxonomy the model predicts in.")] = None,
    thresholds: Annotated[str, Form(description="model: the model's labels; dev: fitted on dev_file.")] = "model",
    n_boot: Annotated[int, Form(ge=0, description="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, Form(description="Bootstrap seed.")] = 0,
    model: Annotated[str | None, Form(description="One of the server's models.")] = None,
) -> dict[str, Any]:
    """F1, Jaccard, correlations, calibration with 95% bootstrap intervals (`affectlab eval FILE --json`)."""
    _check_boot(n_boot, service.settings)
    check_choice(thresholds, "thresholds", "/v1/eval", ("model", "dev"))
    fmt = upload_format(file.filename, input_format, _TABLES)
    served = service.engine(model)
    table = {
        "text_column": text_column,
        "id_column": id_column,
        "label_columns": _names(label_columns),
        "labels_column": labels_column,
        "value_columns": _names(value_columns),
        "taxonomy": dataset_taxonomy,
    }
    return await service.run_job(
        _evaluate,
        file.file,
        dev_file.file if dev_file is not None else None,
        fmt,
        file.filename or "upload",
        served,
        table,
        taxonomy=taxonomy,
        thresholds=thresholds,
        n_boot=n_boot,
        seed=seed,
    )


def _agree(
    data: IO[bytes], fmt: str, name: str, served: tuple[str, Engine] | None, o: dict[str, Any]
) -> dict[str, Any]:
    item, rater, value = o.pop("item"), o.pop("rater"), o.pop("value")
    with upload_path(data, fmt) as path:
        frame = read_table(str(path), fmt, as_text=[c for c in (item, rater) if c is not None])
    from_order = rater is None
    if from_order:
        rater = "rater"
        while rater in frame.columns:
            rater = f"_{rater}"
        frame = rater_from_order(frame, item, column=rater)
    metric, field, scale, text_column, taxonomy = (o.pop(k) for k in ("metric", "field", "scale", "text", "taxonomy"))
    metrics = ["icc_c1", "icc_a1"] if metric == "icc" else [metric]
    options = {"item": item, "rater": rater, "value": value, **o}
    report: dict[str, Any] = {"file": name, "item": item, "rater": rater, "rater_from_order": from_order}
    report["value"] = value
    if served is None:
        report["results"], _ = agreement_results(frame, metrics=metrics, **options)
        return jsonable(report)  # type: ignore[no-any-return]
    texts = item_texts(frame, item=item, text_column=text_column, where="the ratings file")
    rows, n_items = agreement_results(
        frame, metrics=metrics, texts=texts, engine=served[1], field=field, scale=scale, taxonomy=taxonomy, **options
    )
    report["model"] = {"engine": served[0], "field": field, "scale": scale, "n_items": n_items}
    report["results"] = rows
    return jsonable(report)  # type: ignore[no-any-return]


@router.post("/agreement", response_model=AgreementReport, summary="Agreement among raters")
async def agreement_(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="Ratings, one row per rating: .csv .tsv .jsonl .json .parquet.")],
    item_column: Annotated[str, Form(description="Column of item ids.")],
    value_column: Annotated[str, Form(description="Column of the ratings.")],
    rater_column: Annotated[
        str | None, Form(description="Column of rater ids; without it the k-th rating of an item is rater k.")
    ] = None,
    input_format: Annotated[str | None, Form(description="Format when the file name does not tell.")] = None,
    metric: Annotated[str, Form(description=", ".join(CLI_METRICS) + " (icc: both ICCs).")] = "krippendorff",
    level: Annotated[str | None, Form(description="nominal, ordinal or interval (default from the ratings).")] = None,
    weights: Annotated[str | None, Form(description="cohen only: linear or quadratic.")] = None,
    raters: Annotated[str | None, Form(description="Comma-separated rater ids to keep.")] = None,
    n_boot: Annotated[int, Form(ge=0, description="Bootstrap replicates for the 95% interval.")] = 1000,
    seed: Annotated[int, Form(description="Seed of the bootstrap.")] = 0,
    model_field: Annotated[
        str | None, Form(description="Score the texts and add the model as one more rater: vad.valence, top, ...")
    ] = None,
    model_scale: Annotated[str, Form(description="raw, unit ([-1,1] to [0,1]) or emobank (to 1-5).")] = "raw",
    text_column: Annotated[str, Form(description="Column of the item texts (with model_field).")] = "text",
    taxonomy: Annotated[str | None, Form(description="Taxonomy of the model's labels (with model_field).")] = None,
    model: Annotated[str | None, Form(description="One of the server's models (with model_field).")] = None,
) -> dict[str, Any]:
    """Krippendorff's alpha, Fleiss' or Cohen's kappa or ICCs with 95% intervals (`affectlab agree FILE --json`)."""
    _check_boot(n_boot, service.settings)
    check_choice(metric, "metric", "/v1/agreement", CLI_METRICS)
    check_choice(model_scale, "model_scale", "/v1/agreement", MODEL_SCALES)
    fmt = upload_format(file.filename, input_format, _TABLES)
    served = service.engine(model) if model_field is not None else None
    options = {
        "item": item_column,
        "rater": rater_column,
        "value": value_column,
        "metric": metric,
        "level": level,
        "weights": weights,
        "raters": [r.strip() for r in raters.split(",") if r.strip()] if raters else None,
        "n_boot": n_boot,
        "seed": seed,
        "field": model_field,
        "scale": model_scale,
        "text": text_column,
        "taxonomy": taxonomy,
    }
    return await service.run_job(_agree, file.file, fmt, file.filename or "upload", served, options)
