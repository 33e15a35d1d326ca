"""An LLM behind --model in the commands that score texts: eval, agree, and the LLM-only flags elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app
from http_misbehaving import ok

runner = CliRunner()


def keyword_labeller(body: dict[str, Any]) -> str:
    """A scripted 'LLM' that answers joy for texts with 'glad' and anger otherwise."""
    text = body["messages"][-1]["content"].rsplit('"""', 2)[-2]
    label, valence = ("joy", 0.8) if "glad" in text else ("anger", -0.6)
    return json.dumps({"labels": [label], "sentiment": "positive" if valence > 0 else "negative",
                       "valence": valence, "arousal": 0.2, "dominance": 0.1})  # fmt: skip


def test_eval_scores_an_llm_engine_on_a_labelled_table(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    server = misbehaving_server(content=keyword_labeller)
    table = tmp_path / "labelled.csv"
    pd.DataFrame(
        {"text": ["so glad you came", "this is outrageous", "glad it worked", "how dare they"],
         "labels": ["joy", "anger", "joy", "anger"]}
    ).to_csv(table, index=False)  # fmt: skip
    result = runner.invoke(
        app, ["eval", str(table), "--labels-column", "labels", "--dataset-taxonomy", "ekman", "-m",
              f"llm:m@{server.base_url}", "--samples", "2", "--llm-cache", "off", "--n-boot", "0", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 4 and report["model"]["engine"] == "llm"
    assert report["macro_f1"] == 1.0 and report["prediction_source"] == "native"
    assert len(server.chat_requests) == 8  # 4 texts x 2 samples


def test_llm_flags_with_another_engine_are_a_usage_error(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    pd.DataFrame({"text": ["a"], "labels": ["joy"]}).to_csv(table, index=False)
    result = runner.invoke(app, ["eval", str(table), "--labels-column", "labels", "--samples", "3"])
    assert result.exit_code == 2
    assert "--samples apply to LLM engines only" in result.stderr


def test_agree_scores_an_llm_as_one_more_rater(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    server = misbehaving_server(content=keyword_labeller)
    ratings = tmp_path / "ratings.csv"
    texts = ["so glad you came", "this is outrageous", "glad it worked", "how dare they", "glad, so glad", "no way"]
    rows = [
        {"item": i, "rater": r, "valence": (4 if "glad" in t else 2) + (0.5 if r == "b" else 0), "text": t}
        for i, t in enumerate(texts)
        for r in ("a", "b")
    ]
    pd.DataFrame(rows).to_csv(ratings, index=False)
    result = runner.invoke(
        app, ["agree", str(ratings), "--item-column", "item", "--rater-column", "rater", "--value-column", "valence",
              "--metric", "icc", "--model", f"llm:m@{server.base_url}", "--model-field", "vad.valence",
              "--llm-cache", "off", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["engine"] == f"llm:m@{server.base_url}" and report["model"]["n_items"] == 6
    assert len(server.chat_requests) == 6


def test_judge_killed_mid_run_resumes_from_the_cache(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    def content(body: dict[str, Any]) -> str:
        names = body["response_format"]["json_schema"]["schema"]["required"]
        return json.dumps(
            {n: {"score": 1 + len(body["messages"][-1]["content"]) % 2, "explanation": "x"} for n in names}
        )

    server = misbehaving_server(default=ok(delay_s=0.15), content=content)
    source = tmp_path / "replies.csv"
    pd.DataFrame({"id": [f"r{i}" for i in range(24)], "reply": [f"reply number {i}" for i in range(24)]}).to_csv(
        source, index=False
    )
    out, cache = tmp_path / "ratings.csv", tmp_path / "cache.sqlite"
    command = [sys.executable, "-m", "affectlab", "judge", str(source), "--rubric", "empathy-epitome",
               "-m", f"llm:m@{server.base_url}", "--response-column", "reply", "--id-column", "id",
               "--concurrency", "2", "--llm-cache", str(cache), "-o", str(out), "-q"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(server.chat_requests) < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists()  # nothing half-written
    asked_before = len(server.chat_requests)
    assert 8 <= asked_before < 24
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ratings = pd.read_csv(out)
    assert ratings["id"].tolist() == [f"r{i}" for i in range(24) for _ in range(3)]  # none lost, none doubled
    assert ratings["error"].isna().all()  # empty in the CSV: no row has an error
    assert len(server.chat_requests) - asked_before <= 24 - asked_before + 2  # only what was not answered


def test_analyze_a_file_with_an_llm_prints_its_usage(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    server = misbehaving_server(content=keyword_labeller)
    source = tmp_path / "texts.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "text": ["so glad", "", "how dare they"]}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    args = ["analyze", str(source), "-m", f"llm:m@{server.base_url}", "-t", "ekman", "--samples", "2", "-o", str(out)]
    result = runner.invoke(app, [*args, "--llm-cache", str(tmp_path / "c.sqlite")])
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(out)
    assert rows["id"].tolist() == ["a", "b", "c"] and rows["top"].tolist()[0::2] == ["joy", "anger"]
    assert "llm: 4 requests (0 answers from the cache" in result.stderr
    again = runner.invoke(app, [*args, "--llm-cache", str(tmp_path / "c.sqlite"), "--force"])
    assert "llm: 0 requests (4 answers from the cache" in again.stderr
    ray = runner.invoke(app, [*args, "--backend", "ray", "--force"])
    assert ray.exit_code == 2 and "LLM engines run with --backend local" in ray.stderr
