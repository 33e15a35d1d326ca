"""A real HTTP server on loopback that speaks enough OpenAI chat-completions to misbehave on purpose.

A real llama.cpp server cannot produce a 429, a hang or a malformed body on demand; this one does,
following a script: the n-th request to ``/v1/chat/completions`` gets the n-th behaviour, and
``default`` once the script is used up. Every request is recorded (path, headers, parsed body).

Examples
--------
>>> with MisbehavingServer([status(429, retry_after=0), hang(5)], content='{"label": "joy"}') as server:
...     url = server.base_url  # http://127.0.0.1:PORT/v1; third and later requests answer 200
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Content = str | Callable[[dict[str, Any]], str]

NON_FINITE_NUMBER = "7222222222222222.89e2598125981259812"  # valid JSON grammar; Python reads it as inf
MALFORMED_BODY = "<html><body>502 Bad Gateway</body></html>"
LLAMA_CPP_500 = {  # what llama-cpp-python 0.3.36 answers to OpenAI's json_schema form (traceback cut)
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
        "'ctx': {'expected': \"'text' or 'json_object'\"}}",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


@dataclass(frozen=True)
class Behaviour:
    """How to answer one chat request; build it with ``ok``, ``status``, ``hang``, ``malformed``, ``disconnect``."""

    kind: str
    code: int = 200
    content: Content | None = None
    body: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def ok(content: Content | None = None, *, delay_s: float = 0.0) -> Behaviour:
    """200 with a well-formed completion whose message content is ``content`` (else the server's)."""
    return Behaviour("ok", content=content, delay_s=delay_s)


def status(code: int, *, retry_after: float | None = None, body: str | None = None) -> Behaviour:
    """An error status (429, 500, 503, ...) with an OpenAI-style error body and optional Retry-After (s)."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    if body is None:
        body = json.dumps({"error": {"message": f"scripted HTTP {code}", "type": "server_error", "code": code}})
    return Behaviour("status", code=code, body=body, headers=headers)


def hang(seconds: float) -> Behaviour:
    """Answer nothing for ``seconds`` (longer than the client's timeout), then a normal 200."""
    return Behaviour("ok", delay_s=seconds)


def malformed(body: str = MALFORMED_BODY, *, code: int = 200) -> Behaviour:
    """A body that is not JSON, served as application/json."""
    return Behaviour("raw", code=code, body=body)


def disconnect() -> Behaviour:
    """Close the connection without an answer."""
    return Behaviour("disconnect")


def fenced(text: str) -> str:
    """``text`` inside a Markdown ```json code fence, with chatter around it, as chatty models answer."""
    return f"Here is the JSON you asked for:\n```json\n{text}\n```\nHope this helps."


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received: method, path, headers (keys lower-cased), raw and parsed body."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any

    @property
    def is_chat(self) -> bool:
        """Whether this is a POST to ``.../chat/completions``."""
        return self.method == "POST" and self.path.split("?")[0].rstrip("/").endswith("/chat/completions")

    @property
    def dialect(self) -> str | None:
        """``response_format.type`` of a chat request (``json_schema``, ``json_object``), or None."""
        fmt = self.body.get("response_format") if isinstance(self.body, dict) else None
        return fmt.get("type") if isinstance(fmt, dict) else None


class MisbehavingServer:
    """A ThreadingHTTPServer on 127.0.0.1 and a free port answering chat requests by script.

    Parameters
    ----------
    script : iterable of Behaviour, default=()
        Behaviour of the 1st, 2nd, ... chat request.
    default : Behaviour, default=ok()
        Behaviour once the script is used up.
    content : str or callable, default='{}'
        Message content of ``ok`` answers that set none: a string, or a function of the request body
        (a dict) returning the string. Called once per choice (``n`` in the request, default 1).
    model : str, default="scripted"
        Model name listed by ``/v1/models`` and echoed in answers.
    dialects : iterable of str or None, default=None
        If given, chat requests whose ``response_format.type`` is not in it get ``reject`` before the
        script is consulted, e.g. ``{"json_object", "text"}`` to act like llama-cpp-python, which
        answers 500 to OpenAI's ``json_schema`` form. Requests without response_format always pass.
    reject : Behaviour, default=status 500 with llama-cpp-python's body
        The answer to a rejected dialect.
    api_key : str or None, default=None
        If given, requests without ``Authorization: Bearer <api_key>`` get 401.

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:PORT/v1`` once started.
    requests : list of RecordedRequest
        Every request received, in arrival order (chat, models, anything).
    max_in_flight : int
        Most chat requests being answered at the same time so far.
    """

    def __init__(
        self,
        script: Iterable[Behaviour] = (),
        *,
        default: Behaviour | None = None,
        content: Content = "{}",
        model: str = "scripted",
        dialects: Iterable[str] | None = None,
        reject: Behaviour | None = None,
        api_key: str | None = None,
    ):
        self.script = list(script)
        self.default = default or ok()
        self.content = content
        self.model = model
        self.dialects = None if dialects is None else frozenset(dialects)
        self.reject = reject or status(500, body=json.dumps(LLAMA_CPP_500))
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.max_in_flight = 0
        self.base_url = ""
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._n_chat = 0
        self._in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded requests to ``/v1/chat/completions``."""
        return [r for r in self.requests if r.is_chat]

    def start(self) -> MisbehavingServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="misbehaving-http", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; hanging answers wake up and are dropped."""
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> MisbehavingServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _record(self, request: RecordedRequest) -> Behaviour | None:
        """Record a request and pick the behaviour of a chat request (None for other paths)."""
        with self._lock:
            self.requests.append(request)
            if not request.is_chat:
                return None
            if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return status(401, body=json.dumps({"error": {"message": "Incorrect API key provided"}}))
            if self.dialects is not None and request.dialect is not None and request.dialect not in self.dialects:
                return self.reject
            index, self._n_chat = self._n_chat, self._n_chat + 1
            return self.script[index] if index < len(self.script) else self.default

    def _completion(self, body: dict[str, Any], content: Content | None) -> dict[str, Any]:
        content = self.content if content is None else content
        n = body.get("n") if isinstance(body.get("n"), int) and body.get("n", 0) > 0 else 1
        texts = [content(body) if callable(content) else content for _ in range(n)]
        choices = [
            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop", "logprobs": None}
            for i, t in enumerate(texts)
        ]
        completion_tokens = sum(len(t.split()) for t in texts)
        return {
            "id": f"chatcmpl-{self._n_chat}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": choices,
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": completion_tokens,
                "total_tokens": 10 + completion_tokens,
            },
        }


class _Handler(BaseHTTPRequestHandler):
    owner: MisbehavingServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one answer is two writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, raw, body)
        behaviour = self.owner._record(request)
        if behaviour is None:
            if self.path.rstrip("/").endswith("/models"):
                models = {"object": "list", "data": [{"id": self.owner.model, "object": "model", "owned_by": "test"}]}
                self._send(200, json.dumps(models))
            else:
                self._send(404, json.dumps({"error": {"message": f"no route {self.path}"}}))
            return
        with self.owner._lock:
            self.owner._in_flight += 1
            self.owner.max_in_flight = max(self.owner.max_in_flight, self.owner._in_flight)
        try:
            self._answer(behaviour, body if isinstance(body, dict) else {})
        finally:
            with self.owner._lock:
                self.owner._in_flight -= 1

    def _answer(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
        if behaviour.delay_s and self.owner._closing.wait(behaviour.delay_s):
            return
        if behaviour.kind == "disconnect":
            self.close_connection = True
            self.connection.close()
        elif behaviour.kind == "ok":
            self._send(200, json.dumps(self.owner._completion(body, behaviour.content)))
        else:
            self._send(behaviour.code, behaviour.body or "", behaviour.headers)

    def _send(self, code: int, text: str, headers: Mapping[str, str] | None = None) -> None:
        data = text.encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout) first
            self.close_connection = True
