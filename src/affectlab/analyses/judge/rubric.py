"""Rubrics as data: attributes, their scale and anchor descriptions, in YAML or JSON files.

A rubric file holds ``id``, ``version``, ``description``, an optional default ``scale``
(``{min, max}``, integers) and ``attributes``: each with a ``name``, a ``question``, optional
``anchors`` (score -> description) and an optional ``scale`` of its own. Built-in rubrics:
``support-quality`` (the seven MentalAlign attributes, 1-5), ``empathy-epitome`` (EPITOME's
three dimensions, 0-2) and ``empathy-dialogue`` (empathy, relevance, fluency, 1-5).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from affectlab.engines.llm import load_data_file
from affectlab.errors import ParameterError

__all__ = ["Attribute", "Rubric", "available_rubrics", "load_rubric"]

EXPLANATION_CHARS = 240


@dataclass(frozen=True)
class Attribute:
    """One rated attribute: its name, the question the judge answers, its integer scale and anchors."""

    name: str
    question: str
    minimum: int
    maximum: int
    anchors: tuple[tuple[int, str], ...] = ()

    def describe(self) -> str:
        """The attribute as the judge reads it: name, question, scale and anchors."""
        anchors = "; ".join(f"{score} = {text}" for score, text in self.anchors)
        line = f"- {self.name} ({self.minimum}-{self.maximum}): {self.question}"
        return line + (f" Anchors: {anchors}." if anchors else "")


@dataclass(frozen=True)
class Rubric:
    """A named, versioned set of attributes."""

    id: str
    version: str
    description: str
    attributes: tuple[Attribute, ...]

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.attributes]

    @property
    def hash(self) -> str:
        """The first 12 hex digits of the SHA-256 of the rubric's content."""
        blob = json.dumps([self.id, self.version, self.description, [a.describe() for a in self.attributes]])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

    def schema(self) -> dict[str, Any]:
        """The JSON schema of one answer: per attribute an integer score on its scale and a short explanation."""
        rating = lambda a: {  # noqa: E731
            "type": "object",
            "properties": {
                "score": {"type": "integer", "minimum": a.minimum, "maximum": a.maximum},
                "explanation": {"type": "string", "maxLength": EXPLANATION_CHARS},
            },
            "required": ["score", "explanation"],
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "properties": {a.name: rating(a) for a in self.attributes},
            "required": self.names,
            "additionalProperties": False,
        }


def _builtin_dir() -> Path:
    return Path(str(resources.files("affectlab.analyses.judge") / "rubrics"))


def available_rubrics() -> list[str]:
    """Names of the built-in rubrics."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def _scale(data: object, where: str) -> tuple[int, int]:
    if not (isinstance(data, dict) and isinstance(data.get("min"), int) and isinstance(data.get("max"), int)):
        raise ParameterError(f"{where} needs a scale {{min: <int>, max: <int>}}. Got {data!r}.")
    if data["min"] >= data["max"]:
        raise ParameterError(f"{where}: the scale's min must be below its max. Got {data!r}.")
    return data["min"], data["max"]


def load_rubric(name_or_path: str | Path) -> Rubric:
    """A built-in rubric by name (see :func:`available_rubrics`) or a rubric file by path.

    Raises
    ------
    ParameterError
        If there is no such rubric, or the file lacks attributes, names, questions or scales.
    """
    path = Path(name_or_path)
    if not path.is_file():
        path = _builtin_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"No rubric {str(name_or_path)!r}: give a file path or one of {', '.join(available_rubrics())}."
        )
    data = load_data_file(path, "rubric")
    items = data.get("attributes")
    if not isinstance(items, list) or not items:
        raise ParameterError(f"The rubric {path} has no attributes: give a list under 'attributes'.")
    attributes = []
    for k, item in enumerate(items, start=1):
        where = f"Attribute {k} of the rubric {path}"
        if not isinstance(item, dict) or not item.get("name") or not item.get("question"):
            raise ParameterError(f"{where} needs a 'name' and a 'question'. Got {item!r}.")
        low, high = _scale(item.get("scale", data.get("scale")), where)
        anchors = item.get("anchors") or {}
        if not isinstance(anchors, dict):
            raise ParameterError(f"{where}: 'anchors' must map scores to descriptions.")
        attributes.append(
            Attribute(
                str(item["name"]),
                str(item["question"]).strip(),
                low,
                high,
                tuple(sorted((int(s), str(t)) for s, t in anchors.items())),
            )
        )
    names = [a.name for a in attributes]
    if len(set(names)) != len(names):
        raise ParameterError(f"The rubric {path} names an attribute twice: {', '.join(names)}.")
    return Rubric(
        str(data.get("id") or path.stem),
        str(data.get("version") or "1"),
        str(data.get("description") or ""),
        tuple(attributes),
    )
