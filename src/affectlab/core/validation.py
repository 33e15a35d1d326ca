"""Parameter checks with scikit-learn-style messages: the parameter, its owner, what is allowed, what was given.

>>> check_int(0, "window", "document_arc", minimum=1)
Traceback (most recent call last):
...
affectlab.errors.ParameterError: The 'window' parameter of document_arc must be an int >= 1. Got 0 instead.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from affectlab.errors import ParameterError

__all__ = ["check_choice", "check_int", "check_number"]


def check_int(value: object, name: str, owner: str, *, minimum: int | None = None) -> int:
    """``value`` if it is an int (not a bool) >= ``minimum``, else a :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ParameterError(f"The {name!r} parameter of {owner} must be an int{bound}. Got {value!r} instead.")
    return value


def check_number(
    value: object, name: str, owner: str, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    """``value`` as a float if it is a finite real number in [``minimum``, ``maximum``]."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and minimum is not None and value < minimum:  # type: ignore[operator]
        ok = False
    if ok and maximum is not None and value > maximum:  # type: ignore[operator]
        ok = False
    if not ok:
        lo = "-inf" if minimum is None else f"{minimum:g}"
        hi = "inf" if maximum is None else f"{maximum:g}"
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be a number in [{lo}, {hi}]. Got {value!r} instead."
        )
    return float(value)  # type: ignore[arg-type]


def check_choice(value: object, name: str, owner: str, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``, else a :class:`ParameterError` listing them."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in sorted(allowed))
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be a str among {{{choices}}}. Got {value!r} instead."
        )
    return value
