"""Prometheus metrics of one service process: requests, latency, texts scored, batch sizes, errors, process.

One worker keeps its figures in its own registry, with the process' own ``process_*`` figures.
Several workers (``affectlab serve --workers N``) share them through prometheus_client's
multiprocess mode: ``serve`` gives the workers a fresh folder in ``PROMETHEUS_MULTIPROC_DIR``,
each writes its values there, and ``/metrics`` from any worker sums them over all workers
(``process_*`` figures are per process and left out then). Routes are labelled by their template
(``/v1/taxonomies/{name}``), never by the raw path, so label values stay few.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MULTIPROC_ENV", "Metrics"]

#: The folder where the workers of one server write their metrics (prometheus_client's variable).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)


class Metrics:
    """The collectors and the ASGI middleware that feeds the request ones."""

    def __init__(self) -> None:
        self.shared = bool(os.environ.get(MULTIPROC_ENV))
        self.registry = CollectorRegistry()
        if not self.shared:
            ProcessCollector(registry=self.registry)  # process_*: CPU seconds, memory, start time of this worker
        self.requests = Counter(
            "affectlab_requests", "HTTP requests answered.", ("method", "route", "status"), registry=self.registry
        )
        self.latency = Histogram(
            "affectlab_request_duration_seconds",
            "Time from request to the end of the response, in seconds.",
            ("route",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "affectlab_errors", "Responses with status >= 400, by status.", ("route", "status"), registry=self.registry
        )
        self.texts = Counter("affectlab_texts_scored", "Texts scored by the engines.", registry=self.registry)
        self.batch_size = Histogram(
            "affectlab_batch_size",
            "Texts per engine call of the micro-batcher.",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "affectlab_requests_in_flight",
            "Requests being answered.",
            registry=self.registry,
            multiprocess_mode="livesum",  # summed over the workers alive
        )

    def exposition(self) -> bytes:
        """The figures in Prometheus' text format: this worker's, or every worker's when they share them."""
        if not self.shared:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)

    def close(self) -> None:
        """Tell the other workers this one is gone (its live gauges stop counting)."""
        if self.shared:
            multiprocess.mark_process_dead(os.getpid())

    def observe_batch(self, n_texts: int) -> None:
        """Record one engine call of ``n_texts`` texts."""
        self.batch_size.observe(n_texts)
        self.texts.inc(n_texts)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """``app`` wrapped so that every HTTP request is counted and timed."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 500
            start = time.perf_counter()

            async def watch(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            self.in_flight.inc()
            try:
                await app(scope, receive, watch)
            finally:
                self.in_flight.dec()
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                self.requests.labels(scope["method"], route, str(status)).inc()
                self.latency.labels(route).observe(time.perf_counter() - start)
                if status >= 400:
                    self.errors.labels(route, str(status)).inc()

        return measured
