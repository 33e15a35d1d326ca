"""``affectlab analyze --resume``: a run killed with SIGKILL at random points ends with the uninterrupted file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

runner = CliRunner()
WORDS = ["i", "love", "this", "so", "much", "awful", "hate", "sad", "angry", "scared", "not", "good", "bad", "the"]


def corpus(path: Path, n_rows: int) -> Path:
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 40)))) for _ in range(n_rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def command(source: Path, out: Path, model: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "affectlab",
        "analyze",
        str(source),
        "-o",
        str(out),
        "-m",
        f"embedded:{model}",
        "-q",
        *extra,
    ]


def _chunk_finished(process: subprocess.Popen[bytes], manifest: Path, timeout_s: float = 120) -> bool:
    """Wait until ``process`` records one more finished chunk in ``manifest``; False if it exits first."""
    before = manifest.stat().st_mtime_ns if manifest.exists() else None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if manifest.exists() and manifest.stat().st_mtime_ns != before:
            return True
        time.sleep(0.005)
    raise AssertionError(f"no chunk finished within {timeout_s:g} s")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_killed_runs_resume_to_the_uninterrupted_file(tmp_path: Path, tiny_model_dir: Path, suffix: str) -> None:
    source = corpus(tmp_path / "posts.txt", 60_000)
    reference = tmp_path / f"reference{suffix}"
    subprocess.run(command(source, reference, tiny_model_dir), check=True, timeout=300)
    out = tmp_path / f"resumed{suffix}"
    manifest = Path(f"{out}.resume.json")
    rng = np.random.default_rng(1)
    kills = 0
    for _ in range(6):  # kill at random moments; each rerun continues from the last finished chunk
        process = subprocess.Popen(command(source, out, tiny_model_dir, "--resume"), stderr=subprocess.PIPE)
        if not _chunk_finished(process, manifest):  # killed only once it is mid-way, however fast the machine
            break
        time.sleep(float(rng.uniform(0.0, 0.3)))
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        kills += 1
        assert (not out.exists() and manifest.exists()) or not Path(f"{out}.part").exists()
    if not out.exists():  # the last run was killed: one more finishes it
        finished = subprocess.run(command(source, out, tiny_model_dir, "--resume"), capture_output=True, timeout=300)
        assert finished.returncode == 0, finished.stderr.decode()
    assert kills >= 1, "no run was killed mid-way: the corpus is too small for this machine"
    assert out.read_bytes() == reference.read_bytes()
    assert not Path(f"{out}.part").exists() and not Path(f"{out}.resume.json").exists()


def test_resume_refuses_another_run_and_unappendable_formats(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = corpus(tmp_path / "posts.txt", 10)
    out = tmp_path / "out.jsonl"
    Path(f"{out}.part").write_text("")
    Path(f"{out}.resume.json").write_text(json.dumps({"key": {"input": "elsewhere"}, "rows": 0, "bytes": 0}))
    model = f"embedded:{tiny_model_dir}"
    other = runner.invoke(app, ["analyze", str(source), "-o", str(out), "-m", model, "--resume"])
    assert other.exit_code == 2 and "belongs to another run" in other.stderr
    parquet = runner.invoke(app, ["analyze", str(source), "-o", str(tmp_path / "o.parquet"), "-m", model, "--resume"])
    assert parquet.exit_code == 2 and "--resume writes csv, tsv, jsonl" in parquet.stderr
    stdin = runner.invoke(app, ["analyze", "-", "-o", str(tmp_path / "o.csv"), "-m", model, "--resume"], input="hi\n")
    assert stdin.exit_code == 2 and "standard input cannot be read again" in stdin.stderr
