"""Number formatting shared by the conversation report and the ``affectlab conversation`` summary table."""

from __future__ import annotations

__all__ = ["MISSING", "num"]

MISSING = "—"  # what a None value prints as


def num(value: float | None, signed: bool = True) -> str:
    """``value`` to 2 decimals (``+0.50`` when ``signed``, ``0.50`` otherwise), or an em dash for None.

    Examples
    --------
    >>> num(0.5), num(0.5, signed=False), num(None)
    ('+0.50', '0.50', '—')
    """
    if value is None:
        return MISSING
    return f"{value:+.2f}" if signed else f"{value:.2f}"
