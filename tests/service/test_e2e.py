"""``affectlab serve`` as a real process on a free loopback port: serving, then a graceful shutdown."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import free_port


@pytest.fixture
def served(tiny_model_dir: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    keys = tmp_path / "keys.txt"
    keys.write_text("e2e-key\n", encoding="utf-8")
    command = [sys.executable, "-m", "affectlab", "serve", "--port", str(port), "--threads", "1", "--drain", "20"]
    command += ["--model", f"embedded:{tiny_model_dir}", "--api-keys-file", str(keys)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "affectlab serve did not start"
        time.sleep(0.1)
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_serve_answers_then_drains_on_sigterm(served: tuple[subprocess.Popen[str], str]) -> None:
    process, url = served
    key = {"X-API-Key": "e2e-key"}
    first = httpx.post(f"{url}/v1/analyze", json={"text": "I love this"}, headers=key)
    assert first.status_code == 200 and first.json()["model"]["engine"] == "tiny-test"
    assert httpx.post(f"{url}/v1/analyze", json={"text": "no key"}).status_code == 401

    body = json.dumps({"text": "a slow client, still sending", "id": "slow"}).encode()
    slow = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    head = "POST /v1/analyze HTTP/1.1\r\nHost: x\r\nX-API-Key: e2e-key\r\nContent-Type: application/json\r\n"
    slow.sendall((head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:10])  # in flight: body half sent
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)

    deadline = time.monotonic() + 10
    while (refused := httpx.post(f"{url}/v1/analyze", json={"text": "late"}, headers=key)).status_code != 503:
        assert time.monotonic() < deadline, "new requests were not refused while draining"
        time.sleep(0.05)
    problem = refused.json()
    assert problem["type"] == "/problems/draining" and refused.headers["retry-after"] == "5"
    assert httpx.get(f"{url}/readyz").json()["status"] == "draining"
    assert httpx.get(f"{url}/healthz").status_code == 200

    slow.sendall(body[10:])  # the request in flight finishes and gets its record
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        chunk = slow.recv(65536)
        if not chunk:
            break
        reply += chunk
    slow.close()
    status, _, payload = reply.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200") and json.loads(payload)["id"] == "slow"
    assert process.wait(timeout=20) == 0
    log = process.stdout.read()  # type: ignore[union-attr]
    assert "draining" in log and "e2e-key" not in log and "Traceback" not in log


def test_several_workers_share_one_port_and_stop_together(tiny_model_dir: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "affectlab", "serve", "--port", str(port), "--workers", "2", "--threads", "1"]
    process = subprocess.Popen(
        [*command, "--model", f"embedded:{tiny_model_dir}", "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, deadline, answered = f"http://127.0.0.1:{port}", time.monotonic() + 60, 0
        while answered < 20 and time.monotonic() < deadline:
            try:
                with httpx.Client(base_url=url, timeout=5) as c:  # a new connection each time: any worker
                    answered += c.post("/v1/analyze", json={"text": "i love this"}).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert answered == 20
        for _ in range(4):  # whichever worker answers, /metrics counts the requests of both
            with httpx.Client(base_url=url, timeout=5) as c:
                text = c.get("/metrics").text
            assert 'affectlab_requests_total{method="POST",route="/v1/analyze",status="200"} 20.0' in text
            assert "affectlab_texts_scored_total 20.0" in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        log = process.stdout.read()  # type: ignore[union-attr]
        assert log.count("Application startup complete") == 2 and log.count("Finished server process") == 2
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    ("model", "code", "message"), [("no-such-engine", 2, "no-such-engine"), ("embedded:/nonexistent", 1, "lacks")]
)
def test_a_model_that_does_not_load_fails_before_the_port_opens(model: str, code: int, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "affectlab", "serve", "--port", str(free_port()), "--model", model],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code and message in done.stderr and "Traceback" not in done.stderr
