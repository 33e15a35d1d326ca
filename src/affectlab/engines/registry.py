"""Engine registry: a name (or ``prefix:argument``) to a factory.

Built in: ``embedded`` (the default, optionally ``embedded:<folder>`` for another
artifact), ``lexicon`` (the word-list baseline) and ``hf:<local path or hub id>``
(needs the ``[hf]`` extra) and ``llm:<model>@<base_url>`` (any OpenAI-compatible server;
the ``[llm]`` extra). Other
packages add engines through the ``affectlab.engines`` entry-point group, whose
entries point at a factory ``f(argument: str | None, **options) -> Engine``;
a plugin is imported only when its name is loaded, so one broken plugin fails
for itself (an :class:`~affectlab.errors.EngineError` naming it), never for the others.
Code can also call :func:`register_engine` at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from affectlab.engines.base import Engine
from affectlab.errors import EngineError, EngineNotFound, ParameterError

__all__ = ["available_engines", "load_engine", "register_engine"]

Factory = Callable[..., Engine]
_FACTORIES: dict[str, Factory] = {}


def register_engine(name: str, factory: Factory) -> None:
    """Register ``factory(argument, **options) -> Engine`` under ``name`` for this process.

    ``load_engine("name")`` then calls ``factory(None)``, and ``load_engine("name:arg", k=v)``
    calls ``factory("arg", k=v)``. A name registered again replaces the earlier factory.

    Raises
    ------
    ParameterError
        If ``name`` is empty or holds ``:``, or ``factory`` is not callable.
    """
    if not isinstance(name, str) or not name or ":" in name:
        raise ParameterError(f"The 'name' parameter of register_engine must be a str without ':'. Got {name!r}.")
    if not callable(factory):
        raise ParameterError(f"The 'factory' parameter of register_engine must be callable. Got {factory!r}.")
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


def _llm(argument: str | None, **options: Any) -> Engine:
    from affectlab.engines.llm import LLMEngine

    if not argument:
        raise EngineNotFound("The llm engine needs a model and a server: use 'llm:<model>@<base_url>'.")
    return LLMEngine(f"llm:{argument}", **options)


def _multilingual(argument: str | None, **options: Any) -> Engine:
    from affectlab.engines.multilingual import MultilingualEngine

    return MultilingualEngine.from_spec(argument, **options)


register_engine("embedded", _embedded)
register_engine("llm", _llm)
register_engine("hf", _hf)
register_engine("lexicon", _lexicon)
register_engine("multilingual", _multilingual)


def _entry_points() -> dict[str, EntryPoint]:
    """Plugin entry points by name, not yet loaded (a plugin is imported only when asked for)."""
    return {ep.name: ep for ep in entry_points(group="affectlab.engines")}


def _plugin(name: str) -> Factory | None:
    """The factory of plugin ``name``, loaded once; a broken plugin raises for itself only."""
    if name in _FACTORIES:
        return _FACTORIES[name]
    entry = _entry_points().get(name)
    if entry is None:
        return None
    try:
        factory = entry.load()
    except Exception as exc:  # a plugin's import can fail in any way; report it, do not hide it
        raise EngineError(
            f"The engine plugin {name!r} ({entry.value}) failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    if not callable(factory):
        raise EngineError(f"The engine plugin {name!r} ({entry.value}) is not a factory; it must be callable.")
    _FACTORIES[name] = factory
    return factory


def available_engines() -> list[str]:
    """Registered engine names, plugins included (``hf`` takes ``hf:<model>``); plugins are not imported."""
    return sorted({*_FACTORIES, *_entry_points()})


def load_engine(name: str = "embedded", **options: Any) -> Engine:
    """Build an engine from its name, e.g. ``"embedded"`` or ``"hf:./my-model"``.

    Raises
    ------
    EngineNotFound
        If no engine is registered under the name; the message lists them.
    """
    key, _, argument = name.partition(":")
    factory = _plugin(key)
    if factory is None:
        raise EngineNotFound(
            f"Unknown engine {name!r}. Available: {', '.join(available_engines())} "
            "(use 'hf:<path>' for a Hugging Face model, 'llm:<model>@<base_url>' for an LLM server)."
        )
    return factory(argument or None, **options)
