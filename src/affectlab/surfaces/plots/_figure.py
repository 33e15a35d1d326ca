"""matplotlib without pyplot state, imported only when a picture is drawn (extra ``[plot]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from affectlab.errors import MissingExtra

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_class"]


def figure_class() -> type[Figure]:
    """matplotlib's ``Figure`` (no pyplot state), or :class:`~affectlab.errors.MissingExtra`."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtra("Plots need matplotlib: pip install 'affectlab[plot]'.") from exc
    return Figure
