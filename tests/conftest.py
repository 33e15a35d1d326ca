"""Shared fixtures: the tiny model artifact and the data-dependent test switch."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from affectlab.datasets import data_dir
from affectlab.engines.embedded import EmbeddedEngine
from affectlab.errors import DataNotFound
from http_misbehaving import Behaviour, MisbehavingServer
from llm_server import LlamaEndpoint, LlamaServer, write_tiny_gguf
from tiny_model import build_tiny_artifact

REQUIRE_DATA = os.environ.get("AFFECTLAB_REQUIRE_DATA") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        data_dir()
        return
    except DataNotFound as exc:
        reason = str(exc)
    if REQUIRE_DATA:
        raise pytest.UsageError(f"AFFECTLAB_REQUIRE_DATA=1 makes data-dependent tests mandatory, but {reason}")
    for item in items:
        if "data" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"benchmark data absent: {reason}"))


@pytest.fixture(autouse=True, scope="session")
def _private_llm_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """LLM answer caches of the tests go to a temporary folder, never to the user's ~/.cache."""
    previous = os.environ.get("AFFECTLAB_CACHE_DIR")
    os.environ["AFFECTLAB_CACHE_DIR"] = str(tmp_path_factory.mktemp("affectlab-cache"))
    yield
    if previous is None:
        os.environ.pop("AFFECTLAB_CACHE_DIR", None)
    else:
        os.environ["AFFECTLAB_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir: Path) -> EmbeddedEngine:
    return EmbeddedEngine(tiny_model_dir, threads=1)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaEndpoint]:
    """A real llama-cpp-python OpenAI-compatible server on loopback serving a tiny random GGUF.

    Yields ``LlamaEndpoint(base_url, model)``, e.g. ``("http://127.0.0.1:PORT/v1", "tiny-random")``.
    Skips when llama-cpp-python[server] or gguf is missing, unless AFFECTLAB_REQUIRE_DATA=1.
    """
    try:
        import gguf  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError as exc:
        reason = f"llama-cpp-python[server] and gguf are needed for the real LLM server ({exc})"
        if REQUIRE_DATA:
            pytest.fail(f"AFFECTLAB_REQUIRE_DATA=1 makes the real LLM server mandatory, but {reason}")
        pytest.skip(reason)
    model_path = write_tiny_gguf(tmp_path_factory.mktemp("llm") / "tiny-random.gguf")
    with LlamaServer(model_path) as server:
        yield LlamaEndpoint(server.base_url, server.model)


@pytest.fixture
def misbehaving_server() -> Iterator[Callable[..., MisbehavingServer]]:
    """Factory: ``misbehaving_server(*behaviours, **options)`` starts a MisbehavingServer, closed after the test."""
    servers: list[MisbehavingServer] = []

    def start(*script: Behaviour, **options: Any) -> MisbehavingServer:
        server = MisbehavingServer(script, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
