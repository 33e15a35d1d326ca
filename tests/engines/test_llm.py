"""The LLM client and engine against real HTTP servers on loopback: a scripted misbehaving one and llama.cpp's."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from affectlab.engines.llm import Endpoint, JSONRequest, LLMClient, LLMEngine, emotion_schema, read_reply
from affectlab.engines.llm.replies import ReplyError
from affectlab.engines.registry import load_engine
from affectlab.errors import EndpointError, EngineNotFound, ParameterError
from http_misbehaving import NON_FINITE_NUMBER, fenced, hang, malformed, ok, status

SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["joy", "anger"]},
        "x": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["label", "x"],
    "additionalProperties": False,
}
REQUEST = JSONRequest(({"role": "user", "content": "hi"},), SCHEMA)
VALID = '{"label": "joy", "x": 0.5}'


def client(server: Any, **options: Any) -> LLMClient:
    options = {"cache": False, "backoff": 0.01, **options}
    return LLMClient(f"llm:m@{server.base_url}", **options)


def answer(labels: list[str], sentiment: str = "positive", valence: float = 0.5) -> str:
    return json.dumps({"labels": labels, "sentiment": sentiment, "valence": valence, "arousal": 0.1, "dominance": 0.0})


# --- reading answers ---------------------------------------------------------------------------------------------


def test_read_reply_accepts_fences_and_prose_and_checks_the_schema() -> None:
    assert read_reply(fenced(VALID), SCHEMA) == {"label": "joy", "x": 0.5}
    assert read_reply("Sure! " + VALID + " Anything else?", SCHEMA)["label"] == "joy"
    with pytest.raises(ReplyError, match="not finite"):
        read_reply('{"label": "joy", "x": ' + NON_FINITE_NUMBER + "}", SCHEMA)
    with pytest.raises(ReplyError, match="not a number"):
        read_reply('{"label": "joy", "x": NaN}', SCHEMA)
    with pytest.raises(ReplyError, match="x: 3 is greater than the maximum"):
        read_reply('{"label": "joy", "x": 3}', SCHEMA)
    with pytest.raises(ReplyError, match="label"):
        read_reply('{"label": "sad", "x": 0.1}', SCHEMA)
    with pytest.raises(ReplyError, match="empty"):
        read_reply("   ", SCHEMA)


def test_endpoint_spec_keeps_colons_and_at_signs_in_the_model_name() -> None:
    endpoint = Endpoint.parse("llm:llama3.1:8b@q4@http://user:pw@127.0.0.1:11434/v1/")
    assert endpoint.model == "llama3.1:8b@q4"
    assert endpoint.base_url == "http://user:pw@127.0.0.1:11434/v1"
    assert endpoint.host == "127.0.0.1:11434"  # credentials never reach reports
    with pytest.raises(ParameterError, match=r"llm:<model>@<base_url>"):
        Endpoint.parse("llm:gpt-4o")
    with pytest.raises(EngineNotFound, match="llm:<model>@<base_url>"):
        load_engine("llm")


# --- the client against a misbehaving server -----------------------------------------------------------------------


def test_retries_rate_limits_server_errors_and_malformed_bodies(misbehaving_server: Callable[..., Any]) -> None:
    server = misbehaving_server(status(429, retry_after=0), status(503), malformed(), ok(fenced(VALID)))
    llm = client(server, retries=3)
    [reply] = llm.complete_json([REQUEST])
    assert reply.value == {"label": "joy", "x": 0.5} and reply.attempts == 4 and reply.error is None
    assert llm.usage.retries == 3 and llm.usage.failed == 0 and llm.usage.requests == 4
    assert llm.usage.to_dict() == {
        "requests": 4, "cache_hits": 0, "prompt_tokens": 10, "completion_tokens": 16, "retries": 3, "failed": 0
    }  # fmt: skip
    assert llm.usage.summary().startswith("4 requests (0 answers from the cache, 3 retries, 0 failed)")


def test_invalid_answers_are_retried_then_flagged_never_dropped(misbehaving_server: Callable[..., Any]) -> None:
    bad = ['{"label": "joy", "x": ' + NON_FINITE_NUMBER + "}", '{"label": "sad", "x": 0.1}', "not json at all"]
    server = misbehaving_server(*(ok(c) for c in bad), default=ok('{"label": "joy", "x": 7}'))
    replies = client(server, retries=2, concurrency=1).complete_json([REQUEST, REQUEST])
    assert len(replies) == 2
    assert all(r.value is None for r in replies)
    assert "after 3 attempts" in replies[0].error
    assert "greater than the maximum" in replies[1].error


def test_a_hang_beyond_the_timeout_is_a_flagged_reply(misbehaving_server: Callable[..., Any]) -> None:
    server = misbehaving_server(hang(3))
    [reply] = client(server, retries=0, timeout=0.3).complete_json([REQUEST])
    assert reply.value is None and "no answer within 0.3 s" in reply.error


def test_unreachable_server_names_the_url() -> None:
    llm = LLMClient("llm:m@http://127.0.0.1:9/v1", cache=False)
    with pytest.raises(EndpointError, match=r"http://127\.0\.0\.1:9/v1"):
        llm.check()
    with pytest.raises(EndpointError, match="Cannot reach"):
        llm.complete_json([REQUEST])


def test_auto_dialect_switches_to_llamacpp_when_the_openai_form_is_refused(
    misbehaving_server: Callable[..., Any],
) -> None:
    server = misbehaving_server(content=VALID, dialects={"json_object"})
    llm = client(server, concurrency=1)
    assert [r.value["label"] for r in llm.complete_json([REQUEST, REQUEST])] == ["joy", "joy"]
    assert llm.dialect_ == "llamacpp"
    assert [r.dialect for r in server.chat_requests] == ["json_schema", "json_object", "json_object"]
    assert server.chat_requests[-1].body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    openai = misbehaving_server(content=VALID)
    llm = client(openai)
    llm.complete_json([REQUEST])
    assert llm.dialect_ == "openai"
    assert openai.chat_requests[0].body["response_format"]["json_schema"]["schema"] == SCHEMA


def test_api_key_is_sent_but_never_cached_or_shown(
    misbehaving_server: Callable[..., Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-very-secret")
    server = misbehaving_server(content=VALID, api_key="sk-very-secret")
    llm = client(server, api_key_env="TEST_LLM_KEY", cache=tmp_path / "cache.sqlite")
    llm.check()
    assert llm.complete_json([REQUEST])[0].value is not None
    assert server.chat_requests[0].headers["authorization"] == "Bearer sk-very-secret"
    assert "secret" not in repr(llm)
    llm.close()
    assert b"secret" not in (tmp_path / "cache.sqlite").read_bytes()
    with pytest.raises(ParameterError, match="'TEST_MISSING_KEY' is not set"):
        client(server, api_key_env="TEST_MISSING_KEY")
    with pytest.raises(EndpointError, match="refused the credentials"):
        client(server).complete_json([REQUEST])


def test_cache_makes_a_rerun_free_and_keys_on_the_sample(misbehaving_server: Callable[..., Any], tmp_path: Any) -> None:
    server = misbehaving_server(content=VALID)
    path = tmp_path / "cache.sqlite"
    requests = [REQUEST, JSONRequest(REQUEST.messages, SCHEMA, sample=1)]
    first = client(server, cache=path)
    assert not any(r.cached for r in first.complete_json(requests))
    first.close()
    again = client(server, cache=path)
    replies = again.complete_json(requests)
    assert all(r.cached for r in replies) and again.usage.requests == 0 and again.usage.cache_hits == 2
    assert len(server.chat_requests) == 2
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 2


def test_concurrency_is_bounded_and_order_kept(misbehaving_server: Callable[..., Any]) -> None:
    def echo(body: dict[str, Any]) -> str:
        return json.dumps({"label": "joy", "x": float(body["messages"][0]["content"]) / 100})

    server = misbehaving_server(default=ok(delay_s=0.05), content=echo)
    requests = [JSONRequest(({"role": "user", "content": str(i)},), SCHEMA) for i in range(12)]
    replies = client(server, concurrency=3).complete_json(requests)
    assert [r.value["x"] for r in replies] == [i / 100 for i in range(12)]
    assert 1 < server.max_in_flight <= 3


# --- the engine ----------------------------------------------------------------------------------------------------


def test_engine_records_in_the_requested_taxonomy_with_vote_shares(misbehaving_server: Callable[..., Any]) -> None:
    def vote(body: dict[str, Any]) -> str:
        return answer(
            ["fear"] if body["seed"] % 3 else ["fear", "sadness"], "negative", valence=-0.2 * (body["seed"] % 3)
        )

    server = misbehaving_server(content=vote)
    engine = load_engine(f"llm:m@{server.base_url}", samples=3, cache=False, taxonomy="ekman")
    records = engine.predict(["The lump is growing.", "", "They followed me home."], ids=["a", "b", "c"])
    assert [r.id for r in records] == ["a", "b", "c"]
    assert records[0].emotions["fear"] == pytest.approx(1.0)
    assert records[0].emotions["sadness"] == pytest.approx(1 / 3)
    assert records[0].labels == ("fear",) and records[0].sentiment.label == "negative"
    assert records[0].vad.valence == pytest.approx(-0.2)  # median of 0, -0.2, -0.4
    assert records[1].flags == ("empty",)
    settings = dict(records[0].model.settings)
    assert settings["samples"] == "3" and settings["temperature"] == "0.7" and len(settings["template_hash"]) == 12
    schema = server.chat_requests[0].body["response_format"]["json_schema"]["schema"]
    assert schema == emotion_schema("ekman")
    assert "disgust" in schema["properties"]["labels"]["items"]["enum"]
    sentiment = engine.predict(["fine"], taxonomy="sentiment")[0]
    assert sentiment.flags == ("llm_failed",) and "labels" in sentiment.error  # 'fear' is no sentiment label


def test_engine_flags_failed_and_partial_rows(misbehaving_server: Callable[..., Any]) -> None:
    def half(body: dict[str, Any]) -> str:
        text = body["messages"][-1]["content"]
        if "broken" in text:
            return "{"
        return answer(["joy"]) if body["seed"] % 2 == 0 else '{"labels": ["nope"]}'

    server = misbehaving_server(content=half)
    engine = LLMEngine(f"llm:m@{server.base_url}", samples=2, retries=0, cache=False, taxonomy="ekman")
    good, broken = engine.predict(["so glad", "broken"])
    assert good.flags == ("llm_partial",) and good.top == "joy" and good.error is None
    assert broken.flags == ("llm_failed",) and broken.top is None and broken.labels == () and broken.error


# --- the real llama.cpp server --------------------------------------------------------------------------------------


def test_real_llama_server_gives_one_valid_or_flagged_record_per_text(llama_server: Any, tmp_path: Any) -> None:
    engine = load_engine(
        f"llm:{llama_server.model}@{llama_server.base_url}", cache=tmp_path / "c.sqlite", max_tokens=120, retries=1
    )
    texts = ["I can't believe they did this to me again.", "", "The results come tomorrow."]
    records = engine.predict(texts, ids=["1", "2", "3"])
    assert [r.id for r in records] == ["1", "2", "3"]
    assert engine.client.dialect_ in ("openai", "llamacpp")
    for record in (records[0], records[2]):
        assert ("llm_failed" in record.flags) == (record.error is not None)
        if record.error is None:
            assert record.top in record.emotions and set(record.labels) <= set(record.emotions)
            assert -1 <= record.vad.valence <= 1
    again = engine.predict(texts, ids=["1", "2", "3"])
    assert [r.to_dict() for r in again] == [r.to_dict() for r in records]  # cache: same answers, no new requests
