"""``affectlab judge`` from the command line, against the real llama.cpp server and a scripted one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

runner = CliRunner()


def responses(tmp_path: Path) -> Path:
    path = tmp_path / "responses.csv"
    pd.DataFrame(
        {
            "id": ["a", "b"],
            "seeker": ["I feel so alone.", "Exams next week."],
            "reply": ["I'm here for you.", "Good luck!"],
        }
    ).to_csv(path, index=False)
    return path


def test_judge_writes_the_rating_table_that_agree_reads(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    def content(body: dict[str, Any]) -> str:
        names = body["response_format"]["json_schema"]["schema"]["required"]
        score = 2 if "here for you" in body["messages"][-1]["content"] else 1
        return json.dumps({n: {"score": score, "explanation": "ok"} for n in names})

    server = misbehaving_server(content=content)
    out = tmp_path / "ratings.csv"
    args = ["judge", str(responses(tmp_path)), "--rubric", "empathy-epitome", "-m", f"llm:j@{server.base_url}"]
    result = runner.invoke(app, [*args, "--response-column", "reply", "--context-column", "seeker", "--id-column", "id",
                                 "--llm-cache", "off", "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert re.search(r"2 responses x 3 attributes = 6 ratings, 0 with an error; 2 requests", result.stderr)
    ratings = pd.read_csv(out)
    assert ratings["id"].tolist() == ["a"] * 3 + ["b"] * 3 and ratings["score"].tolist() == [2] * 3 + [1] * 3
    agree = runner.invoke(
        app,
        ["agree", str(out), "--item-column", "id", "--rater-column", "attribute", "--value-column", "score", "--json"],
    )
    assert agree.exit_code == 0, agree.stderr


def test_unreachable_server_exits_1_naming_the_url_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "ratings.csv"
    result = runner.invoke(
        app, ["judge", str(responses(tmp_path)), "--rubric", "support-quality", "-m", "llm:x@http://127.0.0.1:9/v1",
              "--response-column", "reply", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Cannot reach the LLM server at http://127.0.0.1:9/v1" in result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "responses.csv"]


def test_judge_refuses_a_non_llm_model_and_a_bad_rubric(tmp_path: Path) -> None:
    source = str(responses(tmp_path))
    result = runner.invoke(app, ["judge", source, "--rubric", "support-quality", "-m", "embedded"])
    assert result.exit_code == 2 and "The judge must be an LLM engine" in result.stderr
    bad = tmp_path / "rubric.yaml"
    bad.write_text("id: mine\nscale: {min: 1, max: 5}\n", encoding="utf-8")
    result = runner.invoke(app, ["judge", source, "--rubric", str(bad), "-m", "llm:x@http://127.0.0.1:9/v1"])
    assert result.exit_code == 2 and "has no attributes" in result.stderr


def test_judge_end_to_end_on_the_real_llama_server(llama_server: Any, tmp_path: Path) -> None:
    out = tmp_path / "ratings.jsonl"
    model = f"llm:{llama_server.model}@{llama_server.base_url}"
    args = ["judge", str(responses(tmp_path)), "--rubric", "empathy-epitome", "-m", model, "--response-column", "reply",
            "--llm-cache", str(tmp_path / "cache.sqlite"), "-o", str(out)]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6 and {r["attribute"] for r in rows} == {
        "emotional_reactions",
        "interpretations",
        "explorations",
    }
    again = runner.invoke(app, [*args, "--force"])
    assert again.exit_code == 0
    assert "answers from the cache" in again.stderr
    assert [json.loads(line) for line in out.read_text().splitlines()] == rows
