"""The LLM test servers work: the real llama.cpp server answers structured requests, the scripted one misbehaves."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from http_misbehaving import (
    NON_FINITE_NUMBER,
    MisbehavingServer,
    disconnect,
    fenced,
    hang,
    malformed,
    ok,
    status,
)
from llm_server import LlamaEndpoint

httpx = pytest.importorskip("httpx")

SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["joy", "sadness", "anger", "fear", "neutral"]},
        "valence": {"type": "number", "minimum": -1, "maximum": 1},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "explanation": {"type": "string", "maxLength": 40},
    },
    "required": ["label", "valence", "rating", "explanation"],
}
MESSAGES = [
    {"role": "system", "content": "Answer in JSON."},
    {"role": "user", "content": 'Which emotion is in "I finally got the job!"?'},
]

Factory = Callable[..., MisbehavingServer]


def chat(base_url: str, *, timeout: float = 30.0, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    payload = {"model": "m", "messages": MESSAGES, **body}
    return httpx.post(f"{base_url}/chat/completions", json=payload, timeout=timeout, headers=headers)


def content_of(reply: httpx.Response) -> str:
    return reply.json()["choices"][0]["message"]["content"]


def test_llama_server_lists_its_model(llama_server: LlamaEndpoint) -> None:
    reply = httpx.get(f"{llama_server.base_url}/models", timeout=10)
    assert reply.status_code == 200
    assert llama_server.model in [m["id"] for m in reply.json()["data"]]


def test_llama_server_answers_schema_constrained_json(llama_server: LlamaEndpoint) -> None:
    fmt = {"type": "json_object", "schema": SCHEMA}
    reply = chat(llama_server.base_url, model=llama_server.model, response_format=fmt, max_tokens=200, temperature=0)
    assert reply.status_code == 200, reply.text
    answer = json.loads(content_of(reply))  # a random model, but the grammar makes it JSON of this shape
    assert set(answer) == set(SCHEMA["properties"])
    assert answer["label"] in SCHEMA["properties"]["label"]["enum"]
    assert isinstance(answer["explanation"], str) and len(answer["explanation"]) <= 40


def test_llama_server_answers_500_to_the_openai_dialect(llama_server: LlamaEndpoint) -> None:
    # llama-cpp-python knows only {"type": "json_object", "schema": ...}; a client must fall back to it.
    fmt = {"type": "json_schema", "json_schema": {"name": "affect", "schema": SCHEMA}}
    reply = chat(llama_server.base_url, response_format=fmt, max_tokens=50)
    assert reply.status_code == 500
    assert "Input should be 'text' or 'json_object'" in reply.json()["error"]["message"]


def test_llama_server_is_deterministic_at_temperature_zero(llama_server: LlamaEndpoint) -> None:
    fmt = {"type": "json_object", "schema": SCHEMA}
    answers = {
        content_of(chat(llama_server.base_url, response_format=fmt, max_tokens=200, temperature=0, seed=7))
        for _ in range(2)
    }
    assert len(answers) == 1


def test_scripted_statuses_then_default(misbehaving_server: Factory) -> None:
    server = misbehaving_server(status(429, retry_after=2), status(500), status(503), content='{"label": "joy"}')
    replies = [chat(server.base_url) for _ in range(4)]
    assert [r.status_code for r in replies] == [429, 500, 503, 200]
    assert replies[0].headers["retry-after"] == "2"
    assert json.loads(content_of(replies[3])) == {"label": "joy"}
    assert len(server.chat_requests) == 4


def test_hang_outlasts_the_client_timeout(misbehaving_server: Factory) -> None:
    server = misbehaving_server(hang(5))
    with pytest.raises(httpx.ReadTimeout):
        chat(server.base_url, timeout=0.2)
    assert chat(server.base_url, timeout=2).status_code == 200


def test_malformed_body_and_disconnect(misbehaving_server: Factory) -> None:
    server = misbehaving_server(malformed(), disconnect())
    reply = chat(server.base_url)
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        reply.json()
    with pytest.raises(httpx.RemoteProtocolError):
        chat(server.base_url)


def test_adversarial_contents(misbehaving_server: Factory) -> None:
    server = misbehaving_server(
        ok(fenced('{"label": "joy"}')),
        ok(f'{{"valence": {NON_FINITE_NUMBER}}}'),
        ok('{"valence": 3.5, "rating": 9}'),
        ok('{"label": "joy",'),
    )
    fenced_reply, non_finite, out_of_range, invalid = (content_of(chat(server.base_url)) for _ in range(4))
    assert "```json\n" in fenced_reply
    assert math.isinf(json.loads(non_finite)["valence"])
    assert json.loads(out_of_range)["rating"] == 9
    with pytest.raises(json.JSONDecodeError):
        json.loads(invalid)


def test_content_callable_records_and_n_choices(misbehaving_server: Factory) -> None:
    server = misbehaving_server(content=lambda body: json.dumps({"echo": body["messages"][-1]["content"]}))
    reply = chat(server.base_url, n=3, headers={"Authorization": "Bearer sk-test"})
    assert [json.loads(c["message"]["content"])["echo"] for c in reply.json()["choices"]] == [
        MESSAGES[-1]["content"]
    ] * 3
    assert reply.json()["usage"]["total_tokens"] > 0
    (request,) = server.chat_requests
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["n"] == 3


def test_api_key_and_models(misbehaving_server: Factory) -> None:
    server = misbehaving_server(api_key="sk-test", model="judge-1")
    assert httpx.get(f"{server.base_url}/models").json()["data"][0]["id"] == "judge-1"
    assert chat(server.base_url).status_code == 401
    assert chat(server.base_url, headers={"Authorization": "Bearer sk-test"}).status_code == 200


def test_dialect_gate_acts_like_llama_cpp_python(misbehaving_server: Factory) -> None:
    server = misbehaving_server(dialects={"json_object"}, content='{"label": "joy"}')
    openai = {"type": "json_schema", "json_schema": {"name": "affect", "schema": SCHEMA}}
    llama = {"type": "json_object", "schema": SCHEMA}
    assert chat(server.base_url, response_format=openai).status_code == 500
    assert chat(server.base_url, response_format=llama).status_code == 200
    assert [r.dialect for r in server.chat_requests] == ["json_schema", "json_object"]
