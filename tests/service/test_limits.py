"""Limits, API keys, CORS, problem details, and that no request names a server path."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from affectlab.surfaces.service.settings import read_api_keys

PROBLEM = {"type", "title", "status", "detail", "field"}


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM and body["status"] == status and "Traceback" not in response.text
    return body


def test_texts_per_request_and_characters_per_text_are_limited(serve_with) -> None:  # type: ignore[no-untyped-def]
    with serve_with(max_texts=3, max_chars=10) as c:
        many = _problem(c.post("/v1/analyze/batch", json={"texts": ["a"] * 4}), 422)
        assert "4 texts" in many["detail"] and "at most 3" in many["detail"] and many["field"] == "texts"
        long = _problem(c.post("/v1/analyze/batch", json={"texts": ["a", "x" * 11]}), 422)
        assert "11 characters" in long["detail"] and "at most 10" in long["detail"] and long["field"] == "texts.1"
        one = _problem(c.post("/v1/analyze", json={"text": "x" * 11}), 422)
        assert one["field"] == "text" and one["type"] == "/problems/text-too-long"
        assert c.post("/v1/analyze/batch", json={"texts": ["a"] * 3}).status_code == 200


def test_a_body_over_the_limit_gets_413_named_with_limit_and_size(serve_with) -> None:  # type: ignore[no-untyped-def]
    with serve_with(max_body_bytes=1000) as c:
        declared = _problem(c.post("/v1/analyze/file", files={"file": ("a.txt", b"x" * 2000)}), 413)
        assert "1000 bytes" in declared["detail"] and "max_body_bytes" in declared["detail"]

        def chunks():  # no Content-Length: the body is counted as it streams
            for _ in range(10):
                yield b"x" * 300

        streamed = c.post("/v1/analyze", content=chunks(), headers={"content-type": "application/json"})
        assert "more than 1000 bytes" in _problem(streamed, 413)["detail"]
        assert c.post("/v1/analyze", json={"text": "fine"}).status_code == 200


def test_api_keys_are_required_when_configured_and_never_logged(  # type: ignore[no-untyped-def]
    serve_with, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "k-7f3a9c-secret"
    with caplog.at_level(logging.DEBUG), serve_with(api_keys=frozenset({secret, "other"})) as c:
        missing = _problem(c.post("/v1/analyze", json={"text": "hi"}), 401)
        assert (
            "X-API-Key" in missing["detail"]
            and c.post("/v1/analyze", json={"text": "hi"}).headers["www-authenticate"] == "Bearer"
        )
        wrong = _problem(c.post("/v1/analyze", json={"text": "hi"}, headers={"X-API-Key": secret + "x"}), 401)
        assert secret not in wrong["detail"]
        assert c.post("/v1/analyze", json={"text": "hi"}, headers={"X-API-Key": secret}).status_code == 200
        assert c.get("/v1/models", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200  # open: no data in them
    assert secret not in caplog.text


def test_keys_come_from_the_environment_and_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "keys"
    file.write_text("# team keys\nalpha\n\n  beta \n", encoding="utf-8")
    monkeypatch.setenv("AFFECTLAB_API_KEYS", "gamma, delta")
    assert read_api_keys(file) == {"alpha", "beta", "gamma", "delta"}
    with pytest.raises(ValueError, match="API key file"):
        read_api_keys(tmp_path / "missing")


def test_cors_is_off_by_default_and_on_for_the_configured_origins(client: httpx.Client, serve_with) -> None:  # type: ignore[no-untyped-def]
    origin = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/analyze", headers=origin).headers
    assert "access-control-allow-origin" not in client.get("/v1/models", headers=origin).headers
    with serve_with(cors_origins=("https://app.example",)) as c:
        allowed = c.options("/v1/analyze", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"


def test_the_server_binds_to_localhost_by_default() -> None:
    from affectlab.surfaces.cli.serve import serve

    assert serve.__defaults__[0] == "127.0.0.1"  # type: ignore[index]


def test_no_request_reads_a_server_path(client: httpx.Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("The password is swordfish and I love it.", encoding="utf-8")
    model = _problem(client.post("/v1/analyze", json={"text": "hi", "model": f"embedded:{tmp_path}"}), 422)
    assert model["field"] == "model"
    as_text = client.post("/v1/analyze", json={"text": str(secret)}).json()  # a path is only a text
    assert "swordfish" not in str(as_text)
    arc = client.post("/v1/arc", files={"file": ("x.txt", str(secret).encode())}, data={"segments": "true"}).json()
    assert arc["segments"][0]["text"] == str(secret) and arc["source"] is None
    named = client.post("/v1/analyze/file", files={"file": (str(secret) + ".csv", b"text\nhello\n")})
    assert named.status_code == 200 and "swordfish" not in named.text


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "slug"),
    [
        ("get", "/v1/nowhere", {}, 404, "not-found"),
        ("get", "/v1/analyze", {}, 405, "method-not-allowed"),
        (
            "post",
            "/v1/analyze",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
            "invalid-input",
        ),
        ("post", "/v1/analyze", {"json": {"text": "hi", "extra": 1}}, 422, "invalid-input"),
        ("post", "/v1/analyze", {"json": {"text": "hi", "taxonomy": "klingon"}}, 422, "unknown-taxonomy"),
        ("post", "/v1/analyze/batch", {"json": {"texts": ["a", "b"], "ids": ["1"]}}, 422, "invalid-input"),
        ("post", "/v1/arc", {"files": {"file": ("a.txt", b"")}}, 422, "invalid-input"),
        (
            "post",
            "/v1/arc",
            {"files": {"file": ("a.txt", b"text")}, "data": {"unit": "chapter"}},
            422,
            "invalid-parameter",
        ),
        (
            "post",
            "/v1/eval",
            {"files": {"file": ("a.csv", b"text\nhi\n")}, "data": {"n_boot": "99999"}},
            422,
            "invalid-parameter",
        ),
        ("get", "/v1/taxonomies/klingon", {}, 422, "unknown-taxonomy"),
    ],
)
def test_errors_are_problem_details(client: httpx.Client, method, path, kwargs, status, slug) -> None:  # type: ignore[no-untyped-def]
    body = _problem(getattr(client, method)(path, **kwargs), status)
    assert body["type"] == f"/problems/{slug}" and body["detail"]


def test_a_lone_surrogate_is_read_as_a_replacement_character(client: httpx.Client) -> None:
    response = client.post(
        "/v1/analyze", content=b'{"text": "bad \\ud800 text"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and "non_text" in response.json()["flags"]


def test_a_client_gone_mid_request_leaves_the_server_serving(client: httpx.Client, base_url: str) -> None:
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(
            b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
    assert client.post("/v1/analyze", json={"text": "still here"}).status_code == 200


def test_a_result_later_than_the_timeout_is_a_504_problem(serve_with) -> None:  # type: ignore[no-untyped-def]
    with serve_with(timeout_s=0.001) as c:
        late = _problem(
            c.post("/v1/analyze/batch", json={"texts": ["i love this great day"] * 1000, "explain": True}), 504
        )
        assert "0.001 s" in late["detail"] and "timeout_s" in late["detail"]
        assert c.get("/healthz").status_code == 200  # the server goes on
