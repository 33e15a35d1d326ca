"""Liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from affectlab.surfaces.service.models import Health
from affectlab.surfaces.service.routes._deps import ServiceDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Alive")
def healthz(service: ServiceDep) -> Health:
    """The process answers (also while draining)."""
    return Health(status="draining" if service.lifecycle.draining else "ok", models=list(service.engines))


@router.get(
    "/readyz",
    response_model=Health,
    summary="Ready for traffic",
    responses={503: {"model": Health, "description": "Draining or still loading: send traffic elsewhere."}},
)
def readyz(service: ServiceDep) -> JSONResponse:
    """200 when every model is loaded and the server is not draining, else 503."""
    if service.lifecycle.draining:
        status = "draining"
    elif len(service.engines) < len(service.settings.models):
        status = "loading"
    else:
        status = "ok"
    body = Health(status=status, models=list(service.engines))  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(), status_code=200 if status == "ok" else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Text format 0.0.4."}},
)
def metrics(service: ServiceDep) -> Response:
    """Requests, latency, texts scored, batch sizes and errors of all workers, in Prometheus' text format."""
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
