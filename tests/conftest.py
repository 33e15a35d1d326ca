"""Shared fixtures: the tiny model artifact and the data-dependent test switch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from affectlab.datasets import data_dir
from affectlab.engines.embedded import EmbeddedEngine
from affectlab.errors import DataNotFound
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


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir: Path) -> EmbeddedEngine:
    return EmbeddedEngine(tiny_model_dir, threads=1)
