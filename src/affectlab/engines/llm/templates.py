"""Prompt templates as data: versioned YAML (or JSON) files with a system and a user message.

A template holds ``id``, ``version``, ``system`` and ``user``; ``{name}`` fields in the
messages are filled by :meth:`Template.render`. Built-in templates live in
``affectlab/engines/llm/templates/``; a user's file is loaded by path and works the same
way. Records and rating tables carry the template's ``id`` and ``hash``, so a changed
prompt is never mistaken for the old one.
"""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from affectlab.errors import MissingExtra, ParameterError

__all__ = ["Template", "available_templates", "load_data_file", "load_template"]

Message = dict[str, str]


@dataclass(frozen=True)
class Template:
    """A prompt: ``system`` and ``user`` message texts with ``{field}`` placeholders."""

    id: str
    version: str
    system: str
    user: str

    @property
    def fields(self) -> set[str]:
        """Placeholder names the messages use."""
        parse = string.Formatter().parse
        return {name for text in (self.system, self.user) for _, name, _, _ in parse(text) if name}

    @property
    def hash(self) -> str:
        """The first 12 hex digits of the SHA-256 of id, version and both messages."""
        blob = json.dumps([self.id, self.version, self.system, self.user], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

    def render(self, **fields: object) -> tuple[Message, ...]:
        """The chat messages with every placeholder filled.

        Raises
        ------
        ParameterError
            If a placeholder has no value.
        """
        missing = sorted(self.fields - set(fields))
        if missing:
            raise ParameterError(f"The prompt template {self.id!r} needs the field(s) {', '.join(missing)}.")
        values = {k: str(v) for k, v in fields.items()}
        messages = [{"role": "system", "content": self.system.format_map(values)}] if self.system.strip() else []
        return (*messages, {"role": "user", "content": self.user.format_map(values)})


def load_data_file(path: Path, what: str) -> dict[str, Any]:
    """A YAML or JSON mapping from ``path`` (``what`` names it in errors)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ParameterError(f"The {what} file {path} is not valid JSON: {exc}.") from exc
    else:
        try:
            import yaml
        except ImportError as exc:
            raise MissingExtra(f"Reading YAML {what}s needs PyYAML: pip install 'affectlab[llm]'.") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParameterError(f"The {what} file {path} is not valid YAML: {' '.join(str(exc).split())}.") from exc
    if not isinstance(data, dict):
        raise ParameterError(f"The {what} file {path} must hold a mapping at its top level.")
    return data


def _builtin_dir() -> Path:
    return Path(str(resources.files("affectlab.engines.llm") / "templates"))


def available_templates() -> list[str]:
    """Names of the built-in templates."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def load_template(name_or_path: str | Path) -> Template:
    """A built-in template by name (see :func:`available_templates`) or a template file by path.

    Raises
    ------
    ParameterError
        If there is no such template or the file lacks ``id``, ``version`` or ``user``.
    """
    path = Path(name_or_path)
    if not path.is_file():
        path = _builtin_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ParameterError(
            f"No prompt template {str(name_or_path)!r}: give a file path or one of {', '.join(available_templates())}."
        )
    data = load_data_file(path, "prompt template")
    missing = [key for key in ("id", "version", "user") if not data.get(key)]
    if missing:
        raise ParameterError(f"The prompt template {path} lacks {', '.join(missing)}.")
    return Template(str(data["id"]), str(data["version"]), str(data.get("system") or ""), str(data["user"]))
