"""affectlab's fine-tuned multilingual-e5-small emotion model, as data: see ``card.md`` next to this file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["model_dir"]


def model_dir() -> Path:
    """The folder holding ``config.json``, ``encoder.onnx``, ``head.npz`` and ``card.md``."""
    return Path(str(resources.files(__name__)))
