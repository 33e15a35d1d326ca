"""Graceful shutdown: requests in flight finish, new ones get 503 while the server drains.

:class:`Lifecycle` counts the requests in flight (an ASGI middleware, outermost). On SIGTERM or
SIGINT in a process run by ``affectlab serve``, :meth:`Lifecycle.catch_signals` starts draining
instead of stopping at once: the server keeps listening and answers every new request with a 503
problem (``/healthz`` excepted, and ``/readyz`` says ``draining``), and once the requests in flight
are done (or ``drain_s`` has passed) hands the signal to uvicorn, which then stops. A second signal
stops at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from affectlab.surfaces.service.problems import MEDIA_TYPE, problem_body

__all__ = ["Lifecycle"]

log = logging.getLogger("affectlab.service")
_ALWAYS_OPEN = ("/healthz", "/readyz")
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Lifecycle:
    """In-flight count and draining state of one service process."""

    def __init__(self, drain_s: float) -> None:
        self.drain_s = drain_s
        self.in_flight = 0
        self.draining = False
        self._previous: dict[int, Any] = {}

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """``app`` wrapped so that requests are counted, and refused with 503 while draining."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if self.draining and scope["path"] not in _ALWAYS_OPEN:
                await _refuse(send)
                return
            self.in_flight += 1
            try:
                await app(scope, receive, send)
            finally:
                self.in_flight -= 1

        return counted

    def catch_signals(self) -> None:
        """Drain on SIGTERM/SIGINT before the handlers in place (uvicorn's) run; main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            self._previous[sig] = signal.getsignal(sig)
            signal.signal(sig, lambda s, f: loop.call_soon_threadsafe(self._on_signal, s, f))

    def restore_signals(self) -> None:
        """Put back the handlers replaced by :meth:`catch_signals`."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.draining:
            self._pass_on(sig, frame)
            return
        self.draining = True
        log.info("draining: %d request(s) in flight; new requests get 503", self.in_flight)
        asyncio.get_running_loop().create_task(self._drain(sig, frame))

    async def _drain(self, sig: int, frame: FrameType | None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_s
        while self.in_flight and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if self.in_flight:
            log.warning("drain time of %.0f s over with %d request(s) in flight", self.drain_s, self.in_flight)
        self._pass_on(sig, frame)

    def _pass_on(self, sig: int, frame: FrameType | None) -> None:
        handler: Callable[[int, FrameType | None], Any] | int | None = self._previous.get(sig)
        if callable(handler):
            handler(sig, frame)
        else:  # the default action: put it back and let it act
            self.restore_signals()
            signal.raise_signal(sig)


async def _refuse(send: Send) -> None:
    detail = "The server is shutting down and takes no new requests; retry on another instance or in a moment."
    body = json.dumps(problem_body("draining", detail)).encode()
    headers = [
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"5"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
