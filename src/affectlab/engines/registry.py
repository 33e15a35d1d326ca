"""Engine registry: a name (or ``prefix:argument``) to a factory.

Built in: ``embedded`` (the default, optionally ``embedded:<folder>`` for another
artifact), ``lexicon`` (the word-list baseline) and ``hf:<local path or hub id>``
(needs the ``[hf]`` extra). Other
packages add engines through the ``affectlab.engines`` entry-point group, whose
entries point at a factory ``f(argument: str | None, **options) -> Engine``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from affectlab.engines.base import Engine
from affectlab.errors import EngineNotFound

__all__ = ["available_engines", "load_engine", "register_engine"]

Factory = Callable[..., Engine]
_FACTORIES: dict[str, Factory] = {}


def register_engine(name: str, factory: Factory) -> None:
    """Register ``factory(argument, **options)`` under ``name``."""
    _FACTORIES[name] = factory


def _embedded(argument: str | None, **options: Any) -> Engine:
    from affectlab.engines.embedded import EmbeddedEngine

    return EmbeddedEngine(argument, **options)


def _lexicon(argument: str | None, **options: Any) -> Engine:
    from affectlab.engines.lexicon import LexiconEngine

    return LexiconEngine()


def _hf(argument: str | None, **options: Any) -> Engine:
    from affectlab.engines.hf import HFEngine

    if not argument:
        raise EngineNotFound("The hf engine needs a model: use 'hf:<local folder or hub id>'.")
    return HFEngine(argument, **options)


register_engine("embedded", _embedded)
register_engine("hf", _hf)
register_engine("lexicon", _lexicon)


@cache
def _plugins() -> dict[str, Factory]:
    return {ep.name: ep.load() for ep in entry_points(group="affectlab.engines")}


def available_engines() -> list[str]:
    """Registered engine names (``hf`` takes ``hf:<model>``)."""
    return sorted({*_FACTORIES, *_plugins()})


def load_engine(name: str = "embedded", **options: Any) -> Engine:
    """Build an engine from its name, e.g. ``"embedded"`` or ``"hf:./my-model"``.

    Raises
    ------
    EngineNotFound
        If no engine is registered under the name; the message lists them.
    """
    key, _, argument = name.partition(":")
    factory = _FACTORIES.get(key) or _plugins().get(key)
    if factory is None:
        raise EngineNotFound(
            f"Unknown engine {name!r}. Available: {', '.join(available_engines())} "
            "(use 'hf:<path>' for a Hugging Face model)."
        )
    return factory(argument or None, **options)
