"""docs/service.md: its Python example runs against a real server, and it lists every endpoint."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def test_the_python_example_runs(base_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE, flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    for code in blocks:
        exec(compile(code.replace("http://127.0.0.1:8000", base_url), "docs/service.md", "exec"), {})
    assert "r01" in capsys.readouterr().out


def test_every_endpoint_is_documented(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method in operations:
            shown = re.sub(r"\{[^}]+\}", "{", path)
            assert any(
                re.sub(r"\{[^}]+\}", "{", row) == shown for row in re.findall(rf"`{method.upper()} ([^`?]+)", PAGE)
            ), f"{method.upper()} {path} is not in docs/service.md"
