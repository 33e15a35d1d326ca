"""The one progress bar of affectlab: rich, on stderr, shown only on a terminal.

Every long job (``analyze`` over a file, arcs, evaluation, agreement with a model)
reports through :class:`Progress`; it is a no-op when disabled, so callers never
branch on whether a bar is shown.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

__all__ = ["Progress", "progress_enabled"]


def progress_enabled(quiet: bool = False) -> bool:
    """Whether to show a bar: not ``quiet`` and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


class Progress:
    """A transient bar with a count, a rate and an ETA; a no-op unless ``enabled``.

    Parameters
    ----------
    description : str
        What is being done (e.g. ``"analyzing"``).
    total : float or None
        Amount of work in the bar's unit (rows, bytes, characters); None for an open-ended job.
    enabled : bool, default=True
        False makes every call a no-op (see :func:`progress_enabled`).
    unit : str, default="rows"
        Name of the counted items shown next to the count.

    Examples
    --------
    >>> with Progress("scoring", total=10, enabled=False) as bar:
    ...     bar.update(completed=10, count=10)
    """

    def __init__(self, description: str, total: float | None, *, enabled: bool = True, unit: str = "rows") -> None:
        self.description = description
        self.total = total
        self.enabled = enabled
        self.unit = unit
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[count]:,} " + self.unit),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, count=0, rate="")
        return self

    def update(self, *, completed: float | None = None, advance: float | None = None, count: int | None = None) -> None:
        """Move the bar: to ``completed`` or by ``advance`` (in the total's unit); ``count`` items done so far."""
        if self._bar is None:
            return
        task = self._bar.tasks[0]
        fields: dict[str, Any] = {}
        if count is not None:
            elapsed = task.elapsed or 1e-9
            fields = {"count": count, "rate": f"{count / elapsed:,.0f} {self.unit}/s"}
        if completed is not None and self.total is not None:
            completed = min(completed, self.total)
        self._bar.update(self._task, completed=completed, advance=advance, **fields)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
