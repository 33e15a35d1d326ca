"""Real servers on loopback: uvicorn in a thread (the app with the tiny model) and helpers for tests."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi", reason="the service needs the [server] extra")

import uvicorn

from affectlab.surfaces.service import ServiceSettings, create_app


def metric(text: str, name: str) -> float:
    """The value of the unlabelled sample ``name`` in a Prometheus text exposition."""
    return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(settings: ServiceSettings) -> Iterator[str]:
    """An app with ``settings`` served by uvicorn on a free 127.0.0.1 port; yields its base URL."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def tiny_settings(tiny_model_dir: Path) -> ServiceSettings:
    return ServiceSettings(models=(f"embedded:{tiny_model_dir}", "lexicon"), threads=1)


@pytest.fixture(scope="session")
def base_url(tiny_settings: ServiceSettings) -> Iterator[str]:
    with running(tiny_settings) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


@pytest.fixture
def serve_with(tiny_settings: ServiceSettings):  # type: ignore[no-untyped-def]
    """``serve_with(**changes)``: a server whose settings differ from the tiny ones by ``changes``."""

    @contextmanager
    def start(**changes: object) -> Iterator[httpx.Client]:
        with running(replace(tiny_settings, **changes)) as url, httpx.Client(base_url=url, timeout=30) as c:
            yield c

    return start
