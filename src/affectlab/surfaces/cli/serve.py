"""``affectlab serve``: the HTTP API and the dashboard (extra ``[server]``), on localhost by default."""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import signal
import sys
import tempfile
from typing import Annotated

import typer

from affectlab.errors import MissingExtra
from affectlab.surfaces.cli._common import DebugOption, handle_errors, stderr

APP_FACTORY = "affectlab.surfaces.service.app:create_app_from_env"


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; 0.0.0.0 exposes the server to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.")] = 8000,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Engine to serve (repeat for several; the first is the default): embedded, embedded:<folder>, "
            "lexicon, hf:<folder>. Loaded once per worker.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes, each with its own models.")] = 1,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            help="Encoder calls each worker's engine runs at once, one core each (default: cores / workers, "
            "at least 1).",
        ),
    ] = None,
    api_keys_file: Annotated[
        str | None,
        typer.Option(
            "--api-keys-file",
            help="File of accepted API keys, one a line (also $AFFECTLAB_API_KEYS, comma-separated). "
            "Without keys, no key is needed.",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="Origin allowed by CORS (repeat; '*' for any). Default: CORS off."),
    ] = None,
    max_body_bytes: Annotated[int, typer.Option("--max-body-bytes", help="Largest request body.")] = 32 * 1024 * 1024,
    max_texts: Annotated[int, typer.Option("--max-texts", help="Texts per JSON request at most.")] = 1000,
    max_chars: Annotated[
        int, typer.Option("--max-chars", help="Characters per text at most (file rows are cut and flagged 'capped').")
    ] = 20_000,
    max_batch: Annotated[int, typer.Option("--max-batch", help="Texts per engine call of the micro-batcher.")] = 256,
    max_wait_ms: Annotated[
        float, typer.Option("--max-wait-ms", help="Milliseconds the micro-batcher waits for more texts.")
    ] = 5.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds a request may wait for its result.")] = 60.0,
    drain: Annotated[
        float, typer.Option("--drain", help="Seconds in-flight requests get to finish on SIGTERM (new ones: 503).")
    ] = 30.0,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
    debug: DebugOption = False,
) -> None:
    """Serve the HTTP API (/v1, /docs, /metrics) and the dashboard (/) of affectlab."""
    with handle_errors(debug):
        for module in ("fastapi", "uvicorn", "multipart", "prometheus_client"):
            if importlib.util.find_spec(module) is None:
                raise MissingExtra("affectlab serve needs the server extra: pip install 'affectlab[server]'.")
        import uvicorn

        from affectlab.engines.registry import load_engine
        from affectlab.surfaces.service import ServiceSettings, create_app
        from affectlab.surfaces.service.settings import ENV_KEYS_FILE, ENV_SETTINGS, read_api_keys

        settings = ServiceSettings(
            models=tuple(model or ("embedded",)),
            threads=threads or max(1, (os.cpu_count() or 1) // workers),
            max_body_bytes=max_body_bytes,
            max_texts=max_texts,
            max_chars=max_chars,
            max_batch=max_batch,
            max_wait_ms=max_wait_ms,
            timeout_s=timeout,
            drain_s=drain,
            cors_origins=tuple(cors_origin or ()),
            api_keys=read_api_keys(api_keys_file),
        )
        keys = f"{len(settings.api_keys)} API key(s) required" if settings.api_keys else "no API key required"
        log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)  # the service's own lines like uvicorn's
        log_config["loggers"]["affectlab"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
        options = {"host": host, "port": port, "access_log": access_log, "log_level": "info", "log_config": log_config}
        if workers == 1:
            app = create_app(settings)
            app.state.service.load()  # a bad model fails here, with its message, before the port opens
        else:
            for name in settings.models:  # each worker loads its own; check that they load at all
                load_engine(name)
            os.environ[ENV_SETTINGS] = settings.to_env()
            if api_keys_file is not None:
                os.environ[ENV_KEYS_FILE] = api_keys_file
        stderr.print(
            f"affectlab serve: http://{host}:{port}/ (dashboard), /docs (API); models {', '.join(settings.models)}; "
            f"{workers} worker(s); {keys}",
            highlight=False,
            markup=False,
        )
    if workers == 1:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # after the drain, a clean exit
        uvicorn.run(app, **options)
    else:
        from affectlab.surfaces.service.metrics import MULTIPROC_ENV

        given = os.environ.get(MULTIPROC_ENV)
        shared = given or tempfile.mkdtemp(prefix="affectlab-metrics-")
        os.environ[MULTIPROC_ENV] = shared  # the workers sum their metrics there (docs/service.md, Metrics)
        try:
            uvicorn.run(APP_FACTORY, factory=True, workers=workers, **options)
        finally:
            if not given:
                shutil.rmtree(shared, ignore_errors=True)
