"""The installed affectlab version, from package metadata (the one source of it)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

__all__ = ["affectlab_version"]


@cache
def affectlab_version() -> str:
    """The version in the installed package's metadata, or ``"unknown"`` when running from an uninstalled tree."""
    try:
        return version("affectlab")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "unknown"
