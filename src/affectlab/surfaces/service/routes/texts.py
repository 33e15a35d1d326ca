"""Texts sent as JSON: one (``/v1/analyze``) or many (``/v1/analyze/batch``), through the micro-batcher.

The records are ``Affect.to_dict()``, the same JSON as the Python API's and ``affectlab analyze --json``.
Responses are written straight from the records (the models document them; a test checks they match).
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import Response

from affectlab.surfaces.service.limits import check_texts, clean_text
from affectlab.surfaces.service.models import AffectRecord, AnalyzeBatchRequest, AnalyzeBatchResponse, AnalyzeRequest
from affectlab.surfaces.service.problems import ServiceError
from affectlab.surfaces.service.routes._deps import ServiceDep

router = APIRouter(prefix="/v1", tags=["texts"])


def _json(data: object) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode(), media_type="application/json")


@router.post("/analyze", response_model=AffectRecord, summary="Analyse one text")
async def analyze(request: AnalyzeRequest, service: ServiceDep) -> Response:
    """Emotions in the chosen taxonomy, sentiment, valence/arousal/dominance and (with `explain`) evidence."""
    check_texts([request.text], service.settings, field="text")
    records = await service.analyze(
        [clean_text(request.text)],
        [request.id],
        model=request.model,
        taxonomy=request.taxonomy,
        explain=request.explain,
    )
    return _json(records[0].to_dict())


@router.post("/analyze/batch", response_model=AnalyzeBatchResponse, summary="Analyse many texts")
async def analyze_batch(request: AnalyzeBatchRequest, service: ServiceDep) -> Response:
    """One record per text, in order, ids kept."""
    check_texts(request.texts, service.settings)
    if request.ids is not None and len(request.ids) != len(request.texts):
        raise ServiceError(
            "invalid-input",
            f"Got {len(request.ids)} ids for {len(request.texts)} texts; pass one id per text or none.",
            field="ids",
        )
    ids = request.ids if request.ids is not None else [None] * len(request.texts)
    records = await service.analyze(
        [clean_text(t) for t in request.texts],
        ids,
        model=request.model,
        taxonomy=request.taxonomy,
        explain=request.explain,
    )
    return _json({"records": [r.to_dict() for r in records]})
