"""A small OpenAI-compatible chat-completions client that returns validated JSON objects.

:class:`LLMClient` sends :class:`JSONRequest` objects (chat messages and a JSON schema)
to ``<base_url>/chat/completions`` over httpx, a bounded number at a time, and returns
one :class:`JSONReply` per request in order. It retries 429/5xx answers, timeouts and
invalid answers with exponential backoff (honouring ``Retry-After``), flags what still
fails instead of dropping it, caches every validated answer in SQLite, and counts
requests and tokens in :attr:`LLMClient.usage`.

Structured output has two dialects: ``openai`` sends ``response_format = {"type":
"json_schema", "json_schema": {"name", "schema", "strict"}}`` (OpenAI, vLLM, Ollama);
``llamacpp`` sends ``{"type": "json_object", "schema": ...}`` (llama.cpp's and
llama-cpp-python's servers). ``auto`` starts with ``openai`` and switches for good when
the server refuses that form but accepts the other.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from affectlab.core.validation import check_int
from affectlab.engines.llm.cache import AnswerCache, cache_key, default_cache_path
from affectlab.engines.llm.endpoint import Endpoint
from affectlab.engines.llm.replies import ReplyError, read_reply
from affectlab.errors import EndpointError, MissingExtra, ParameterError
from affectlab.io.progress import Progress

__all__ = ["DIALECTS", "JSONReply", "JSONRequest", "LLMClient", "Usage"]

Dialect = Literal["auto", "openai", "llamacpp"]
DIALECTS = ("auto", "openai", "llamacpp")
#: Statuses worth retrying as they are: rate limits and server trouble.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
#: Statuses with which a server may refuse the openai structured-output form it does not speak.
DIALECT_STATUSES = frozenset({400, 404, 415, 422, 500, 501})
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class JSONRequest:
    """One question: chat ``messages``, the ``schema`` the answer must satisfy, and a sample index.

    ``sample`` numbers self-consistency draws of the same question; it shifts the seed and is
    part of the cache key, so k samples are k distinct cached answers.
    """

    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    sample: int = 0


@dataclass(frozen=True)
class JSONReply:
    """The answer to one request: a validated object, or None with the reason of the last failure."""

    value: dict[str, Any] | None
    error: str | None = None
    attempts: int = 0
    cached: bool = False


@dataclass
class Usage:
    """What a client has spent: HTTP requests, answers served from the cache, tokens, retries, failures."""

    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def summary(self) -> str:
        """One line for a run summary."""
        return (
            f"{self.requests:,} requests ({self.cache_hits:,} answers from the cache, {self.retries:,} retries, "
            f"{self.failed:,} failed), {self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens"
        )


class _Retry(Exception):
    """A failed attempt worth repeating."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class _GiveUp(Exception):
    """A failed attempt that repeating will not mend (e.g. HTTP 400)."""


class LLMClient:
    """Ask an OpenAI-compatible server for JSON objects that satisfy a schema.

    Parameters
    ----------
    endpoint : str or Endpoint
        ``llm:<model>@<base_url>`` or an :class:`Endpoint`.
    api_key_env : str, optional
        Name of the environment variable holding the API key (sent as a bearer token; never
        logged, cached or written anywhere). None sends no key.
    temperature : float, default=0.0
        Sampling temperature, >= 0.
    seed : int or None, default=0
        Sent as ``seed`` (plus the sample index, plus 7919 per retry) where servers honour it.
    max_tokens : int, default=512
        Upper bound on each answer's length in tokens.
    dialect : {"auto", "openai", "llamacpp"}, default="auto"
        Structured-output form (see the module docstring).
    cache : bool or path, default=True
        True: the default SQLite file (:func:`~affectlab.engines.llm.cache.default_cache_path`);
        a path: that file; False: no cache.
    concurrency : int, default=4
        Requests in flight at once.
    retries : int, default=3
        Further attempts after a failed one (HTTP 429/5xx, timeout, malformed or invalid answer).
    timeout : float, default=60.0
        Seconds to wait for one answer.
    backoff : float, default=0.5
        Seconds before the first retry; doubles each time (``Retry-After`` wins when given).
    """

    def __init__(
        self,
        endpoint: str | Endpoint,
        *,
        api_key_env: str | None = None,
        temperature: float = 0.0,
        seed: int | None = 0,
        max_tokens: int = 512,
        dialect: Dialect = "auto",
        cache: bool | str | Path = True,
        concurrency: int = 4,
        retries: int = 3,
        timeout: float = 60.0,
        backoff: float = 0.5,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise MissingExtra("LLM engines need httpx and jsonschema: pip install 'affectlab[llm]'.") from exc
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
        if dialect not in DIALECTS:
            raise ParameterError(
                f"The 'dialect' parameter of LLMClient must be a str among {{{', '.join(DIALECTS)}}}. Got {dialect!r}."
            )
        if not (isinstance(temperature, int | float) and temperature >= 0):
            raise ParameterError(
                f"The 'temperature' parameter of LLMClient must be a number >= 0. Got {temperature!r}."
            )
        for name, value, minimum in (
            ("max_tokens", max_tokens, 1),
            ("concurrency", concurrency, 1),
            ("retries", retries, 0),
        ):
            check_int(value, name, "LLMClient", minimum=minimum)
        self.temperature, self.seed, self.max_tokens = float(temperature), seed, max_tokens
        self.dialect, self.concurrency, self.retries = dialect, concurrency, retries
        self.timeout, self.backoff = float(timeout), float(backoff)
        self.api_key_env = api_key_env
        headers = {"Accept": "application/json"}
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise ParameterError(f"The API key variable {api_key_env!r} is not set (or empty) in the environment.")
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(
            base_url=self.endpoint.base_url + "/",
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self.cache: AnswerCache | None = None
        if cache is not False:
            self.cache = AnswerCache(default_cache_path() if cache is True else Path(cache))
        self.usage = Usage()
        self._resolved: str | None = None if dialect == "auto" else dialect

    def __repr__(self) -> str:
        return f"LLMClient({str(self.endpoint)!r}, dialect={self.dialect!r}, temperature={self.temperature})"

    @property
    def dialect_(self) -> str | None:
        """The structured-output dialect in use (None until ``auto`` has seen an answer)."""
        return self._resolved

    def check(self) -> None:
        """Fail early and clearly when the server is unreachable or refuses the key.

        Raises
        ------
        EndpointError
            Naming the URL; a server without ``/models`` passes.
        """
        import httpx

        try:
            response = self._http.get("models", timeout=min(self.timeout, 10.0))
        except httpx.HTTPError as exc:
            raise EndpointError(f"Cannot reach the LLM server at {self.endpoint.base_url}: {exc}.") from exc
        if response.status_code in (401, 403):
            raise EndpointError(
                f"The LLM server at {self.endpoint.base_url} refused the credentials (HTTP {response.status_code}); "
                "check the variable named by --api-key-env."
            )

    def complete_json(self, requests: Sequence[JSONRequest], *, progress: Progress | None = None) -> list[JSONReply]:
        """One reply per request, in order: cached answers first, the rest asked ``concurrency`` at a time.

        ``progress``, when given, advances by one per request answered.

        Raises
        ------
        EndpointError
            If the server cannot be reached at all (answers already validated stay cached).
        """
        keys = [self._key(r) for r in requests]
        replies: list[JSONReply | None] = [None] * len(requests)
        for i, key in enumerate(keys):
            hit = self.cache.get(key) if self.cache is not None else None
            if hit is not None:
                replies[i] = JSONReply(hit, attempts=0, cached=True)
        self.usage.add(cache_hits=sum(r is not None for r in replies))
        if progress is not None:
            progress.update(advance=sum(r is not None for r in replies))
        todo = [i for i, r in enumerate(replies) if r is None]

        def ask(i: int) -> None:
            reply = self._ask(requests[i])
            if reply.value is not None and self.cache is not None:
                self.cache.put(keys[i], reply.value)
            replies[i] = reply
            if progress is not None:
                progress.update(advance=1)

        if todo:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(todo))) as pool:
                for future in [pool.submit(ask, i) for i in todo]:
                    future.result()  # re-raises EndpointError
        return replies  # type: ignore[return-value]

    def close(self) -> None:
        """Close the HTTP connections and the cache."""
        self._http.close()
        if self.cache is not None:
            self.cache.close()

    def _key(self, request: JSONRequest) -> str:
        return cache_key(
            {
                "base_url": self.endpoint.base_url,
                "model": self.endpoint.model,
                "messages": request.messages,
                "schema": request.schema,
                "temperature": self.temperature,
                "seed": self.seed,
                "sample": request.sample,
                "max_tokens": self.max_tokens,
            }
        )

    def _ask(self, request: JSONRequest) -> JSONReply:
        reason = "no attempt made"
        for attempt in range(self.retries + 1):
            try:
                content = self._post(request, attempt)
                return JSONReply(read_reply(content, request.schema), attempts=attempt + 1)
            except _GiveUp as exc:
                self.usage.add(failed=1)
                return JSONReply(None, str(exc), attempts=attempt + 1)
            except ReplyError as exc:
                reason, wait = f"invalid answer: {exc}", None
            except _Retry as exc:
                reason, wait = str(exc), exc.wait
            if attempt < self.retries:
                self.usage.add(retries=1)
                time.sleep(wait if wait is not None else self.backoff * 2**attempt)
        self.usage.add(failed=1)
        return JSONReply(None, f"{reason} (after {self.retries + 1} attempts)", attempts=self.retries + 1)

    def _body(self, request: JSONRequest, attempt: int, dialect: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": list(request.messages),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if self.seed is not None:
            body["seed"] = self.seed + request.sample + 7919 * attempt
        if dialect == "openai":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.schema, "strict": True},
            }
        else:
            body["response_format"] = {"type": "json_object", "schema": request.schema}
        return body

    def _send(self, body: dict[str, Any]) -> Any:
        import httpx

        try:
            response = self._http.post("chat/completions", json=body)
        except httpx.ConnectError as exc:
            raise EndpointError(f"Cannot reach the LLM server at {self.endpoint.base_url}: {exc}.") from exc
        except httpx.TimeoutException as exc:
            raise _Retry(f"no answer within {self.timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed: {type(exc).__name__}") from exc
        finally:
            self.usage.add(requests=1)
        return response

    def _post(self, request: JSONRequest, attempt: int) -> str:
        dialect = self._resolved or "openai"
        response = self._send(self._body(request, attempt, dialect))
        if self._resolved is None and response.status_code in DIALECT_STATUSES:
            fallback = self._send(self._body(request, attempt, "llamacpp"))
            if fallback.is_success:
                self._resolved, dialect, response = "llamacpp", "llamacpp", fallback
        status = response.status_code
        if status in (401, 403):
            raise EndpointError(f"The LLM server at {self.endpoint.base_url} refused the credentials (HTTP {status}).")
        if status in RETRY_STATUSES or status >= 500:
            raise _Retry(f"HTTP {status} from the server", _retry_after(response.headers.get("retry-after")))
        if not response.is_success:
            raise _GiveUp(f"HTTP {status} from the server: {response.text[:200]}")
        if self._resolved is None:
            self._resolved = dialect
        try:
            payload = response.json()
            content = payload["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _Retry("malformed response body (not a chat completion)") from exc
        usage = payload.get("usage") if isinstance(payload, dict) else None
        if isinstance(usage, dict):
            self.usage.add(
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
            )
        return content


def _retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in seconds (dates are ignored), capped at a minute."""
    try:
        return min(max(float(header), 0.0), MAX_RETRY_AFTER) if header else None
    except ValueError:
        return None
