"""Exception tree and warnings of affectlab.

Every error says what happened, the value received, and what to do. Catch
:class:`AffectlabError` for anything raised by the library.
"""

from __future__ import annotations

__all__ = [
    "AffectlabError",
    "AffectlabWarning",
    "DataNotFound",
    "EndpointError",
    "EngineError",
    "EngineNotFound",
    "InputError",
    "MissingExtra",
    "ModelLoadError",
    "ParameterError",
    "TaxonomyError",
]


class AffectlabError(Exception):
    """Base class of every error raised by affectlab."""


class InputError(AffectlabError, ValueError):
    """Bad text, file, row or column supplied by the caller."""


class ParameterError(AffectlabError, ValueError):
    """A parameter has a value outside its allowed set or range."""


class TaxonomyError(ParameterError):
    """Unknown taxonomy or label; the message lists the known ones."""


class EngineError(AffectlabError, RuntimeError):
    """An engine failed to load or to predict."""


class EngineNotFound(EngineError, LookupError):
    """No engine is registered under the requested name."""


class MissingExtra(EngineError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


class ModelLoadError(EngineError):
    """A model artifact could not be read or failed its integrity check."""


class EndpointError(EngineError, ConnectionError):
    """An LLM server cannot be reached or refuses the credentials; the message names the URL."""


class DataNotFound(AffectlabError, FileNotFoundError):
    """A benchmark data set is missing; set ``AFFECTLAB_DATA`` to its folder."""


class AffectlabWarning(UserWarning):
    """Warning category for recoverable problems (flagged rows, fallbacks)."""
