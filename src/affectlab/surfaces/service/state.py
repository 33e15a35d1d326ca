"""What one service process holds: its settings, the engines (loaded once), the batcher, metrics, jobs.

Texts of JSON requests go through the :class:`~affectlab.surfaces.service.batcher.MicroBatcher`;
whole-table jobs (files, arcs, conversations, evaluation, agreement) run the analyses' own
functions in worker threads, at most ``max_jobs`` at once, each bounded by ``timeout_s``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import anyio
import anyio.to_thread

from affectlab.core.records import Affect
from affectlab.core.taxonomy import load_taxonomy
from affectlab.engines.base import Engine
from affectlab.engines.pipeline import Analyzer
from affectlab.engines.registry import load_engine
from affectlab.surfaces.service.batcher import MicroBatcher
from affectlab.surfaces.service.lifecycle import Lifecycle
from affectlab.surfaces.service.metrics import Metrics
from affectlab.surfaces.service.problems import ServiceError
from affectlab.surfaces.service.settings import ServiceSettings

__all__ = ["Service"]

T = TypeVar("T")


class Service:
    """The state of one service process (``app.state.service``)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.lifecycle = Lifecycle(settings.drain_s)
        self.engines: dict[str, Engine] = {}
        self._analyzers: dict[Hashable, Analyzer] = {}
        self.batcher = MicroBatcher(
            self._score,
            max_batch=settings.max_batch,
            max_wait_s=settings.max_wait_ms / 1000,
            on_batch=self.metrics.observe_batch,
        )
        self._jobs = anyio.CapacityLimiter(settings.max_jobs)

    def load(self) -> None:
        """Load every configured engine (once per process); texts longer than ``max_chars`` are capped."""
        options = {} if self.settings.threads is None else {"threads": self.settings.threads}
        for name in self.settings.models:
            if name in self.engines:
                continue
            engine = load_engine(name, **(options if name.split(":")[0] == "embedded" else {}))
            engine.max_chars = self.settings.max_chars
            self.engines[name] = engine

    def engine(self, model: str | None) -> tuple[str, Engine]:
        """The served model named ``model`` (the default for None) and its engine; 422 for any other name."""
        name = model or self.settings.default_model
        if name not in self.engines:
            served = ", ".join(self.settings.models)
            raise ServiceError(
                "unknown-model",
                f"The 'model' field must be one of the models this server loaded: {served}. Got {name!r} instead.",
                field="model",
            )
        return name, self.engines[name]

    def analyzer(self, model: str | None, taxonomy: str | None, explain: bool) -> tuple[Hashable, Analyzer]:
        """The batcher key and :class:`~affectlab.Analyzer` of these options (the taxonomy checked here)."""
        name, engine = self.engine(model)
        if taxonomy is not None:
            load_taxonomy(taxonomy)
        key = (name, taxonomy, explain)
        if key not in self._analyzers:
            self._analyzers[key] = Analyzer(engine, taxonomy=taxonomy, explain=explain)
        return key, self._analyzers[key]

    def _score(self, key: Hashable, texts: list[str], ids: list[str | None]) -> list[Affect]:
        return self._analyzers[key].analyze(texts, ids)

    async def analyze(
        self, texts: Sequence[str], ids: Sequence[str | None], *, model: str | None, taxonomy: str | None, explain: bool
    ) -> list[Affect]:
        """Records of ``texts`` through the micro-batcher (504 after ``timeout_s``)."""
        key, _ = self.analyzer(model, taxonomy, explain)
        if not texts:
            return []
        with anyio.move_on_after(self.settings.timeout_s) as scope:
            return await self.batcher.submit(key, texts, ids)
        assert scope.cancelled_caught
        raise _timeout(self.settings.timeout_s)

    async def run_job(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``function(*args, **kwargs)`` in a worker thread, at most ``max_jobs`` at once (504 after ``timeout_s``)."""
        call = functools.partial(function, *args, **kwargs)
        with anyio.move_on_after(self.settings.timeout_s):
            return await anyio.to_thread.run_sync(call, limiter=self._jobs, abandon_on_cancel=True)
        raise _timeout(self.settings.timeout_s)


def _timeout(seconds: float) -> ServiceError:
    return ServiceError(
        "timeout",
        f"The result was not ready within the server's limit of {seconds:g} s (timeout_s); send less at once.",
    )
