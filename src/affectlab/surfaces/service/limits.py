"""Limits and safety: body size (413), texts per request and characters per text (422), API keys (401).

The body limit is an ASGI middleware: a ``Content-Length`` above the limit is refused before any byte
is read, and a body that grows past it while streaming is cut off. Keys are compared in constant time
and never logged or echoed; the header that carried one is not kept anywhere.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from affectlab.surfaces.service.problems import MEDIA_TYPE, ServiceError, problem_body
from affectlab.surfaces.service.settings import ServiceSettings

__all__ = ["BodyLimit", "check_texts", "clean_text", "require_key"]

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <key> (when the server has API keys).")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <key> (same keys).")


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies larger than ``max_bytes`` with a 413 problem."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send, f"a Content-Length of {int(length)} bytes")
            return
        seen = 0
        over = started = False

        async def limited() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app made of the cut-off body, the answer is 413
                if not started:
                    started = True
                    await self._refuse(send, f"more than {self.max_bytes} bytes")
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if not started:
                await self._refuse(send, f"more than {self.max_bytes} bytes")

    async def _refuse(self, send: Send, got: str) -> None:
        detail = (
            f"The request body is larger than the server's limit of {self.max_bytes} bytes (max_body_bytes); "
            f"got {got}. Send a smaller file or split it."
        )
        body = json.dumps(problem_body("body-too-large", detail, "body")).encode()
        headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def check_texts(texts: Sequence[str], settings: ServiceSettings, field: str = "texts") -> None:
    """Refuse more than ``max_texts`` texts or a text longer than ``max_chars`` characters (422)."""
    if len(texts) > settings.max_texts:
        raise ServiceError(
            "too-many-texts",
            f"The request has {len(texts)} texts; the server takes at most {settings.max_texts} per request "
            "(max_texts). Split them over several requests, or upload a file to /v1/analyze/file.",
            field=field,
        )
    for i, text in enumerate(texts):
        if len(text) > settings.max_chars:
            where = field if field == "text" else f"{field}.{i}"
            raise ServiceError(
                "text-too-long",
                f"Text {where} has {len(text)} characters; the server takes at most {settings.max_chars} "
                "per text (max_chars). Use /v1/arc for long documents.",
                field=where,
            )


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (valid in JSON, not in UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


async def require_key(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> None:
    """Dependency of every ``/v1`` route: a valid key when the server has keys (401 otherwise)."""
    keys: frozenset[str] = request.app.state.service.settings.api_keys
    if not keys:
        return
    given = bearer.credentials if bearer is not None else header
    if given is None or not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        raise ServiceError(
            "unauthorized",
            "This server needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
            if given is None
            else "The API key is not valid for this server.",
            headers={"WWW-Authenticate": "Bearer"},
        )
