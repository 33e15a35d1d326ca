"""The OpenAPI document: FastAPI's, with every error documented as ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from affectlab.surfaces.service.models import Problem
from affectlab.surfaces.service.problems import MEDIA_TYPE, PROBLEMS

__all__ = ["install_openapi"]

#: Statuses every ``/v1`` operation may answer with a problem, and why.
_V1_STATUSES = {
    400: "A malformed request (e.g. a broken multipart body).",
    401: "Missing or invalid API key (when the server has keys).",
    413: "Request body larger than max_body_bytes.",
    422: "Invalid input or parameter; too many texts; a text too long.",
    500: "The engine failed, or an unexpected error (no traceback is sent).",
    503: "The server is draining before it stops.",
    504: "The result took longer than timeout_s.",
}


def install_openapi(app: FastAPI, *, keys_required: bool) -> None:
    """Make ``app.openapi()`` document problem responses, the ``Problem`` schema, and whether keys are needed."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        problem = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema["paths"].items():
            statuses = _V1_STATUSES if path.startswith("/v1/") else {503: _V1_STATUSES[503]}
            for operation in operations.values():
                if operation.get("security") and not keys_required:
                    operation["security"].append({})  # this server takes requests without a key too
                responses = operation.setdefault("responses", {})
                for status, why in statuses.items():
                    if str(status) in responses and status != 422:
                        continue  # documented by the route itself (readyz's 503)
                    responses[str(status)] = {"description": why, "content": problem}
        schema["info"]["x-problem-types"] = {f"/problems/{k}": v[1] for k, v in PROBLEMS.items()}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
