"""The app factory: :func:`create_app` builds the FastAPI app of one service process.

Layers, outermost first: the lifecycle (in-flight count, 503 while draining), metrics, the body
limit, CORS (only when origins are configured), then the routes: ``/healthz``, ``/readyz``,
``/metrics``, the ``/v1`` API (API keys checked when configured) and the dashboard at ``/``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from affectlab.core.version import affectlab_version
from affectlab.surfaces.service.limits import BodyLimit, require_key
from affectlab.surfaces.service.openapi import install_openapi
from affectlab.surfaces.service.problems import install_handlers
from affectlab.surfaces.service.routes import catalog, documents, evaluation, files, health, texts
from affectlab.surfaces.service.settings import ServiceSettings
from affectlab.surfaces.service.state import Service

__all__ = ["create_app", "create_app_from_env"]

DESCRIPTION = """Read affect in text over HTTP: the records of the Python API and the CLI, field for field.

Every error is a JSON problem (`application/problem+json`: type, title, status, detail, field).
When the server has API keys, send `Authorization: Bearer <key>` or `X-API-Key: <key>` to `/v1/...`."""


def _static_dir() -> Path:
    return Path(str(resources.files("affectlab.surfaces.service") / "static"))


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service app: models loaded at start-up (once), the micro-batcher, limits, keys, metrics.

    Parameters
    ----------
    settings : ServiceSettings, optional
        Models, limits, keys and CORS (default: ``ServiceSettings()``, the embedded model on
        no key, CORS off).

    Examples
    --------
    >>> import uvicorn  # doctest: +SKIP
    >>> uvicorn.run(create_app(ServiceSettings(models=("lexicon",))), port=8000)  # doctest: +SKIP
    """
    settings = settings or ServiceSettings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(service.load)
        gc.freeze()  # the models and modules loaded so far are never garbage: keep them out of every collection
        service.batcher.start()
        service.lifecycle.catch_signals()
        try:
            yield
        finally:
            service.lifecycle.restore_signals()
            await service.batcher.stop()
            service.metrics.close()

    app = FastAPI(
        title="affectlab",
        version=affectlab_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.service = service
    install_handlers(app)
    install_openapi(app, keys_required=bool(settings.api_keys))
    v1 = [Depends(require_key)]
    app.include_router(health.router)
    for module in (catalog, texts, files, documents, evaluation):
        app.include_router(module.router, dependencies=v1)
    static = _static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(static / "index.html", media_type="text/html")

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(service.metrics.middleware)
    app.add_middleware(service.lifecycle.middleware)
    return app


def create_app_from_env() -> FastAPI:
    """The app of a worker started by ``affectlab serve`` (settings from ``AFFECTLAB_SERVICE_SETTINGS``)."""
    return create_app(ServiceSettings.from_env())
