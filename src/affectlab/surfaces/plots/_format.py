"""The one number formatter of the surfaces: tables, summaries and reports print numbers with it."""

from __future__ import annotations

import math

__all__ = ["MISSING", "num"]

MISSING = "—"  # what a missing (None or NaN) value prints as


def num(value: float | None, digits: int = 2, *, signed: bool = True, missing: str = MISSING) -> str:
    """``value`` to ``digits`` decimals (``+0.50`` when ``signed``), or ``missing`` for None or NaN.

    ``-0.00`` prints as ``0.00`` (``+0.00`` when signed).

    Examples
    --------
    >>> num(0.5), num(0.5, signed=False), num(None), num(-0.0001, 3, signed=False)
    ('+0.50', '0.50', '—', '0.000')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    rounded = round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{digits}f}" if signed else f"{rounded:.{digits}f}"
