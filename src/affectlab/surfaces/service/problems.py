"""Errors as JSON problem details (RFC 9457): ``type``, ``title``, ``status``, ``detail``, ``field``.

Every error a client can meet leaves through here: affectlab's own errors (bad input or parameters:
422; engine failures: 500), request validation, unknown paths and methods, limits, missing keys,
timeouts and draining. A client never sees a traceback; unexpected errors are logged on the server
(without the request's headers) and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from affectlab.errors import EngineError, EngineNotFound, InputError, ParameterError, TaxonomyError

__all__ = ["MEDIA_TYPE", "PROBLEMS", "ServiceError", "install_handlers", "problem_response"]

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("affectlab.service")

#: slug -> (status, title): every kind of problem the service answers with.
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid-input": (422, "Invalid input"),
    "invalid-parameter": (422, "Invalid parameter"),
    "unknown-taxonomy": (422, "Unknown taxonomy or label"),
    "unknown-model": (422, "Unknown model"),
    "too-many-texts": (422, "Too many texts"),
    "text-too-long": (422, "Text too long"),
    "body-too-large": (413, "Request body too large"),
    "unauthorized": (401, "Missing or invalid API key"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "bad-request": (400, "Bad request"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "timeout": (504, "The result took too long"),
    "draining": (503, "The server is shutting down"),
    "engine-failure": (500, "The engine failed"),
    "internal-error": (500, "Internal error"),
}


class ServiceError(Exception):
    """An error answered as a problem: ``slug`` is a key of :data:`PROBLEMS`."""

    def __init__(self, slug: str, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.slug, self.detail, self.field, self.headers = slug, detail, field, headers


def problem_body(slug: str, detail: str, field: str | None = None) -> dict[str, Any]:
    """The problem document for ``slug``."""
    status, title = PROBLEMS[slug]
    return {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail, "field": field}


def problem_response(
    slug: str, detail: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A problem as a response with its status and ``application/problem+json``."""
    body = problem_body(slug, detail, field)
    return JSONResponse(body, status_code=body["status"], media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or None


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = _field(first.get("loc", ()))
    received = first.get("input")
    shown = "" if first.get("type") == "missing" else f" Got {_short(received)}."
    more = f" ({len(errors) - 1} more problem(s) in the request.)" if len(errors) > 1 else ""
    detail = f"{where or 'The request'}: {first.get('msg', 'invalid')}.{shown}{more}"
    return problem_response("invalid-input", detail, where)


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized", 415: "unsupported-media-type"}.get(
        exc.status_code, "bad-request"
    )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if slug == "not-found" and detail == "Not Found":
        detail = f"No endpoint at {request.url.path!r}; /docs lists them."
    elif slug == "method-not-allowed":
        detail = f"{request.method} is not allowed at {request.url.path!r}; /docs lists the methods."
    return problem_response(slug, detail, headers=getattr(exc, "headers", None))


def _service(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return problem_response(exc.slug, exc.detail, exc.field, exc.headers)


def _affectlab(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, EngineNotFound):
        return problem_response("unknown-model", str(exc), "model")
    if isinstance(exc, TaxonomyError):
        return problem_response("unknown-taxonomy", str(exc), "taxonomy")
    if isinstance(exc, ParameterError):
        return problem_response("invalid-parameter", str(exc), _parameter(str(exc)))
    if isinstance(exc, InputError):
        return problem_response("invalid-input", str(exc))
    if isinstance(exc, EngineError):
        log.error("engine failure on %s: %s", request.url.path, exc)
        return problem_response("engine-failure", str(exc))
    return _unexpected(request, exc)


def _parameter(message: str) -> str | None:
    """The parameter a scikit-learn-style message names (``The 'x' parameter of ...``), if any."""
    if message.startswith("The '") and "' parameter" in message:
        return message[5 : message.index("' parameter")]
    return None


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response("internal-error", "An unexpected error occurred; the server log has the details.")


def install_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""
    from affectlab.errors import AffectlabError

    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ServiceError, _service)
    app.add_exception_handler(AffectlabError, _affectlab)
    app.add_exception_handler(Exception, _unexpected)
