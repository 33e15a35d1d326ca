"""A table uploaded whole (csv, tsv, jsonl, json, txt, parquet), scored and streamed back as NDJSON.

One line per input row, in input order: what ``affectlab analyze FILE -o out.jsonl`` writes (the
record, with the row's other columns under ``input`` unless ``id_column`` is given). Rows are scored
``CHUNK_ROWS`` at a time as the CLI does. A malformed row fails the request (422, before any line is
sent) unless ``on_error`` is ``skip``, which flags it ``error`` and goes on, as ``--on-error`` does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import IO, Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import StreamingResponse

from affectlab.analyses.rows import CHUNK_ROWS, score_rows
from affectlab.core.validation import check_choice
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import InputError
from affectlab.io import Row, read_rows
from affectlab.surfaces.service.problems import ServiceError, problem_body
from affectlab.surfaces.service.routes._deps import ServiceDep
from affectlab.surfaces.service.routes._uploads import upload_format, upload_path
from affectlab.surfaces.service.state import Service

router = APIRouter(prefix="/v1", tags=["files"])

NDJSON = "application/x-ndjson"
_RECORD_LINE = {
    "description": "One JSON record per input row, in input order (the record of /v1/analyze, with `input`).",
    "content": {NDJSON: {"schema": {"type": "string"}}},
}


def _read(data: IO[bytes], fmt: str, text_column: str | None, id_column: str | None) -> list[Row]:
    with upload_path(data, fmt) as path:
        return list(read_rows(path, fmt=fmt, text_column=text_column, id_column=id_column))


@router.post(
    "/analyze/file",
    response_class=StreamingResponse,
    responses={200: _RECORD_LINE},
    summary="Analyse an uploaded table",
)
async def analyze_file(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="The table: .csv .tsv .jsonl .json .txt or .parquet.")],
    input_format: Annotated[str | None, Form(description="Format when the file name does not tell.")] = None,
    text_column: Annotated[str | None, Form(description="Column holding the text (default 'text').")] = None,
    id_column: Annotated[
        str | None, Form(description="Column of ids; then only the id is kept (default: 'id' if present).")
    ] = None,
    taxonomy: Annotated[str | None, Form(description="Taxonomy of the emotions.")] = None,
    explain: Annotated[bool, Form(description="Evidence words (slower).")] = False,
    on_error: Annotated[str, Form(description="fail: refuse a file with a malformed row; skip: flag it.")] = "fail",
    model: Annotated[str | None, Form(description="One of the server's models.")] = None,
) -> StreamingResponse:
    """Score every row of an uploaded table; NDJSON back, one line per row, in order."""
    check_choice(on_error, "on_error", "/v1/analyze/file", ("fail", "skip"))
    fmt = upload_format(file.filename, input_format)
    _, engine = service.engine(model)
    service.analyzer(model, taxonomy, explain)  # checks the taxonomy before the file is read
    analyzer = Analyzer(engine, taxonomy=taxonomy, explain=explain, batch_size=CHUNK_ROWS)
    rows = await service.run_job(_read, file.file, fmt, text_column, id_column)
    bad = next((r for r in rows if r.error), None)
    if bad is not None and on_error == "fail":
        raise InputError(f"{bad.error}. Use on_error=skip to flag such rows and continue.")
    return StreamingResponse(_lines(service, analyzer, rows, keep_columns=id_column is None), media_type=NDJSON)


async def _lines(service: Service, analyzer: Analyzer, rows: list[Row], *, keep_columns: bool) -> AsyncIterator[bytes]:
    for start in range(0, len(rows), CHUNK_ROWS):
        batch = rows[start : start + CHUNK_ROWS]
        try:
            out = await service.run_job(
                score_rows, batch, analyzer, on_error="skip", keep_columns=keep_columns, nested=True
            )
        except ServiceError as exc:  # the status is sent: end with the problem instead of a record
            yield (json.dumps({"problem": problem_body(exc.slug, exc.detail, exc.field)}) + "\n").encode()
            return
        service.metrics.texts.inc(sum(1 for r in batch if not r.error))
        yield "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in out).encode()
