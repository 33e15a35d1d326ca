"""An LLM behind --model in the commands that score texts: eval, agree, and the LLM-only flags elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

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
