"""scripts/build_benchmarks.py end to end with the tiny model on two small subsets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_benchmarks.py"


@pytest.mark.data
def test_build_benchmarks_with_the_tiny_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    args = [sys.executable, str(SCRIPT), "--model", f"embedded:{tiny_model_dir}", "--output", str(output),
            "--datasets", "goemotions-ekman", "brighter-b:eng", "--limit", "40", "--n-boot", "20"]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    page = output.read_text(encoding="utf-8")
    assert "**SMOKE TEST ONLY" in page
    assert "tiny-test 0.0.1" in page and "machine:" in page and "date:" in page
    assert "| goemotions-ekman | 40 | ekman | projected via goemotions -> ekman |" in page
    row = next(line for line in page.splitlines() if line.startswith("| goemotions-ekman | 40 |"))
    assert "| ECE | top-label ECE | Brier |" in page and row.count("|") == 12 and "n/a" not in row
    assert "| brighter-b:eng | joy | record.intensity | 40 |" in page
    command = f"affectlab eval goemotions-ekman --split test --model embedded:{tiny_model_dir} --thresholds model"
    assert command in page
    refused = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert refused.returncode != 0 and "--force" in refused.stderr
