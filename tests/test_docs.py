"""The README's Python examples run as written (against the shipped model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affectlab.engines.embedded import installed_models

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)```", text, flags=re.S)[:2]
    assert "pip install -e ." in commands[0] and "affectlab analyze" in commands[0]
    assert ".[dev]" in commands[1] and "pytest" in commands[1]
    assert commands[1].strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_cli_page_is_generated_from_the_command() -> None:
    import subprocess
    import sys

    before = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    subprocess.run([sys.executable, "scripts/cli_doc.py"], cwd=ROOT, check=True)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == before, "run python scripts/cli_doc.py"
