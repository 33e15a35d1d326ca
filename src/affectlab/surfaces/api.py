"""Python API: ``analyze`` one text, or batch many with an :class:`Analyzer`.

:class:`Analyzer` is the engine layer's pipeline (:mod:`affectlab.engines.pipeline`),
re-exported here; this module adds the one-text shortcut and the flat-row view.
"""

from __future__ import annotations

from affectlab.core.records import Affect, flatten
from affectlab.engines.base import Engine
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import InputError

__all__ = ["Analyzer", "analyze", "flatten"]


def analyze(
    text: object, *, engine: str | Engine = "embedded", taxonomy: str | None = None, explain: bool = False
) -> Affect:
    """Analyse one text.

    A list, tuple or other collection is an error (use :meth:`Analyzer.analyze` for many
    texts); any other non-string value gives a record flagged ``non_text``.

    Examples
    --------
    >>> affect = analyze("I can't believe they cancelled my flight again")  # doctest: +SKIP
    >>> affect.sentiment.label  # doctest: +SKIP
    'negative'
    """
    if isinstance(text, list | tuple | set | frozenset | dict):
        raise InputError(
            f"analyze takes one text, not a {type(text).__name__}; "
            "use affectlab.Analyzer().analyze(texts) for many texts."
        )
    return _cached(engine, taxonomy, explain).analyze([text])[0]


_ANALYZERS: dict[tuple[object, str | None, bool], Analyzer] = {}


def _cached(engine: str | Engine, taxonomy: str | None, explain: bool) -> Analyzer:
    key = (engine if isinstance(engine, str) else id(engine), taxonomy, explain)
    if key not in _ANALYZERS:
        _ANALYZERS[key] = Analyzer(engine, taxonomy=taxonomy, explain=explain)
    return _ANALYZERS[key]
