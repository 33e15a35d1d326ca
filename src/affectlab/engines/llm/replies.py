"""Never trust the server: read a model's answer tolerantly, then check it strictly.

:func:`read_reply` accepts JSON wrapped in code fences or prose, rejects non-finite
numbers (``NaN``, ``Infinity``, and literals such as ``7e2598125981259812`` that Python
reads as ``inf``), and validates the object against the request's JSON schema.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["ReplyError", "read_reply"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


class ReplyError(ValueError):
    """The model's answer is not a valid object for the schema (the message says why)."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ReplyError(f"the number {text[:40]!r} is not finite")
    return value


def _no_constant(name: str) -> float:
    raise ReplyError(f"{name} is not a number")


def _candidates(content: str) -> list[str]:
    """The text itself, the insides of code fences, and the outermost braces."""
    out = [content.strip()]
    out += [m.strip() for m in _FENCE.findall(content)]
    first, last = content.find("{"), content.rfind("}")
    if 0 <= first < last:
        out.append(content[first : last + 1])
    return out


def read_reply(content: object, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON object in ``content``, validated against ``schema``.

    Raises
    ------
    ReplyError
        If no candidate parses as a JSON object with finite numbers, or the object breaks the schema.
    """
    from jsonschema import Draft202012Validator

    if not isinstance(content, str) or not content.strip():
        raise ReplyError("the answer is empty")
    problem = "the answer holds no JSON object"
    for candidate in _candidates(content):
        try:
            value = json.loads(candidate, parse_float=_finite, parse_constant=_no_constant)
        except ReplyError as exc:
            problem = str(exc)
            continue
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        error = next(iter(sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))), None)
        if error is None:
            return value
        where = "/".join(map(str, error.absolute_path)) or "the object"
        raise ReplyError(f"{where}: {error.message[:200]}")
    raise ReplyError(problem)
