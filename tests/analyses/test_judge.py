"""LLM judges: rubrics as data, one rating row per response x attribute, against real loopback servers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.judge import RATING_COLUMNS, available_rubrics, judge, load_rubric
from affectlab.engines.llm import LLMClient
from affectlab.errors import InputError, ParameterError
from http_misbehaving import ok

RESPONSES = pd.DataFrame(
    {
        "conv": ["c1", "c2", "c3"],
        "seeker": ["I lost my job and I can't sleep.", "My cat died.", "Everyone ignores me."],
        "reply": ["That sounds exhausting. What has helped before?", "", "Just get over it."],
    }
)


def rating_content(scores: Callable[[str, int], int]) -> Callable[[dict[str, Any]], str]:
    """Server content: every attribute named in the schema scored by ``scores(reply text, seed)``."""

    def content(body: dict[str, Any]) -> str:
        schema = body["response_format"]["json_schema"]["schema"]
        reply = re.search(r'Reply to rate:\n"""(.*?)"""', body["messages"][-1]["content"], re.DOTALL).group(1)
        return json.dumps(
            {
                name: {"score": scores(reply, body["seed"]), "explanation": f"about {name}"}
                for name in schema["required"]
            }
        )

    return content


def test_built_in_rubrics_load_with_their_scales() -> None:
    assert {"support-quality", "empathy-epitome", "empathy-dialogue"} <= set(available_rubrics())
    support = load_rubric("support-quality")
    assert support.names == [
        "guidance", "informativeness", "relevance", "safety", "empathy", "helpfulness", "understanding"
    ]  # fmt: skip
    assert {(a.minimum, a.maximum) for a in support.attributes} == {(1, 5)}
    epitome = load_rubric("empathy-epitome")
    assert {(a.minimum, a.maximum) for a in epitome.attributes} == {(0, 2)}
    score = epitome.schema()["properties"]["explorations"]["properties"]
    assert score["score"] == {"type": "integer", "minimum": 0, "maximum": 2}
    assert score["explanation"]["maxLength"] > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\n", "has no attributes"),
        ("attributes:\n  - {name: a, question: q?}\n", "is not valid YAML: while parsing a flow mapping"),
        ("attributes:\n  - name: a\n", "needs a 'name' and a 'question'"),
        ("attributes:\n  - {name: a, question: q}\n", r"needs a scale \{min: <int>, max: <int>\}"),
        ("scale: {min: 5, max: 1}\nattributes:\n  - {name: a, question: q}\n", "min must be below its max"),
        ("scale: {min: 1, max: 5}\nattributes:\n  - {name: a, question: q}\n  - {name: a, question: r}\n", "twice"),
    ],
)
def test_bad_rubric_files_say_what_is_missing(tmp_path: Any, text: str, message: str) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_rubric(path)
    with pytest.raises(ParameterError, match="support-quality"):
        load_rubric("no-such-rubric")


def test_judge_writes_one_row_per_response_and_attribute_in_order(misbehaving_server: Callable[..., Any]) -> None:
    server = misbehaving_server(content=rating_content(lambda reply, seed: 1 if "over it" in reply else 2 + seed % 3))
    ratings = judge(
        RESPONSES,
        rubric="empathy-epitome",
        model=f"llm:judge-model@{server.base_url}",
        response_column="reply",
        context_column="seeker",
        id_column="conv",
        samples=3,
        cache=False,
        retries=0,
    )
    assert list(ratings.columns) == RATING_COLUMNS
    assert len(ratings) == 3 * 3
    assert ratings["id"].tolist() == ["c1"] * 3 + ["c2"] * 3 + ["c3"] * 3
    assert ratings["attribute"].tolist()[:3] == ["emotional_reactions", "interpretations", "explorations"]
    first = ratings[ratings["id"] == "c1"]
    # seeds 0, 1, 2 -> scores 2, 3, 4 (out of range 3 and 4 are invalid on 0-2, so only seed 0 counts)
    assert first["samples"].tolist() == [1, 1, 1] and first["score"].tolist() == [2.0] * 3
    assert first["error"].str.contains("2 of 3 samples failed").all()
    empty = ratings[ratings["id"] == "c2"]
    assert empty["score"].isna().all() and (empty["error"] == "empty response: not rated").all()
    harsh = ratings[ratings["id"] == "c3"]
    assert harsh["score"].tolist() == [1.0] * 3 and harsh["spread"].tolist() == [0.0] * 3
    assert (ratings["rater"] == "judge-model").all() and ratings["rubric"].eq("empathy-epitome@1").all()
    assert len(server.chat_requests) == 2 * 3  # the empty response is never sent
    assert "I lost my job" in server.chat_requests[0].body["messages"][-1]["content"]


def test_judge_median_and_spread_over_samples(misbehaving_server: Callable[..., Any]) -> None:
    server = misbehaving_server(content=rating_content(lambda reply, seed: 1 + seed % 5))
    client = LLMClient(f"llm:m@{server.base_url}", cache=False, temperature=0.7)
    ratings = judge(RESPONSES.iloc[[0]], rubric="support-quality", model=client, response_column="reply", samples=4)
    assert ratings["score"].tolist() == [2.5] * 7  # seeds 0..3 -> 1, 2, 3, 4
    assert ratings["spread"].tolist() == [3.0] * 7 and (ratings["error"] == "").all()
    assert ratings["id"].tolist() == ["0"] * 7


def test_judge_flags_responses_without_a_valid_answer(misbehaving_server: Callable[..., Any]) -> None:
    server = misbehaving_server(default=ok("I would rate it highly."))
    ratings = judge(
        RESPONSES.iloc[[0]], rubric="empathy-epitome", model=f"llm:m@{server.base_url}", response_column="reply",
        cache=False, retries=1, backoff=0.0,
    )  # fmt: skip
    assert len(ratings) == 3 and ratings["score"].isna().all()
    assert ratings["error"].str.contains("after 2 attempts").all()


def test_judge_names_a_missing_column() -> None:
    with pytest.raises(InputError, match=r"Column 'answer' not found\. Available columns: conv, seeker, reply"):
        judge(RESPONSES, rubric="empathy-epitome", model="llm:m@http://127.0.0.1:9/v1", response_column="answer")


def test_judge_on_the_real_llama_server(llama_server: Any, tmp_path: Any) -> None:
    ratings = judge(
        RESPONSES,
        rubric="empathy-epitome",
        model=f"llm:{llama_server.model}@{llama_server.base_url}",
        response_column="reply",
        context_column="seeker",
        cache=tmp_path / "cache.sqlite",
        retries=1,
        max_tokens=200,
    )
    assert len(ratings) == 9 and ratings["id"].tolist() == [str(i) for i in range(3) for _ in range(3)]
    valid = ratings["error"] == ""
    assert ratings.loc[valid, "score"].between(0, 2).all()
    assert ratings.loc[~valid, "error"].str.len().gt(0).all()
    assert np.isnan(ratings.loc[ratings["id"] == "1", "score"]).all()  # the empty reply
