"""Aggregating scores over days and around events, as the paper describes it, and two alternatives.

``unit`` says what a window averages:

- ``day`` (default, the method as the paper and issue 16 describe it): each UTC day counts once with the
  mean score of the replies posted that day; a window reports the mean of its daily means, their SEM
  (population standard deviation / sqrt(days)), and the share of its replies scoring above 7.
- ``conversation`` (the published notebooks' ``calculate_means_by_date``): each conversation (a root and
  every reply below it) is dated by its root's UTC day and counts once, with the mean score of its scored
  replies; a window reports the mean of its conversations' means, their SEM (population standard
  deviation / sqrt(conversations)), and as extreme rate the share of conversations whose mean is >= 7.5.
- ``reply``: each scored reply counts once (dated by its own time): the mean score, its SEM (population
  standard deviation / sqrt(replies)), the share of replies scoring above 7.

Every window also has a percentile 95% bootstrap interval of its mean over its units
(:func:`affectlab.analyses.stats.bootstrap_ci`). Windows: ``before`` is the ``window_days`` days before
``start``, ``during`` is ``start`` to ``end`` (both included), ``after`` the ``window_days`` days after
``end``; dates are UTC days.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.polarization.scoring import CONVERSATION_EXTREME_AT, EXTREME_ABOVE
from affectlab.analyses.stats import bootstrap_ci
from affectlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["UNITS", "WINDOWS", "daily_series", "event_windows", "read_events", "units_of"]

UNITS = ("conversation", "day", "reply")
WINDOWS = ("before", "during", "after")
#: Columns of the windows table.
WINDOW_COLUMNS = ["event", "window", "start", "end", "mean", "sem", "days", "n", "conversations", "extreme_rate", "ci"]


def _days(times: pd.Series) -> pd.Series:
    """The UTC calendar day of each timestamp (None for NaT)."""
    return times.dt.date.where(times.notna(), None)


def units_of(replies: pd.DataFrame, roots: pd.Series, unit: str) -> pd.DataFrame:
    """One row per aggregation unit: ``date``, ``value`` (mean score), ``n`` replies, ``n_extreme``, ``conversation``.

    ``replies`` holds the scored replies (``conversation``, ``time``, ``score``); ``roots`` maps a
    conversation id to its root's UTC time (conversations whose root has no time are left out).
    """
    import pandas as pd

    frame = replies.assign(extreme=replies["score"] > EXTREME_ABOVE)
    if unit == "reply":
        return pd.DataFrame(
            {
                "date": _days(frame["time"]),
                "value": frame["score"],
                "n": 1,
                "n_extreme": frame["extreme"].astype(int),
                "conversation": frame["conversation"],
            }
        ).reset_index(drop=True)
    if unit == "conversation":
        frame = frame.assign(date=frame["conversation"].map(_days(roots)))
        frame = frame[frame["date"].notna()]
        out = frame.groupby("conversation", sort=True).agg(
            date=("date", "first"), value=("score", "mean"), n=("score", "size"), n_extreme=("extreme", "sum")
        )
        return out.reset_index()
    frame = frame.assign(date=_days(frame["time"]))
    out = frame.groupby("date", sort=True).agg(
        value=("score", "mean"),
        n=("score", "size"),
        n_extreme=("extreme", "sum"),
        conversation=("conversation", "unique"),
    )
    return out.reset_index()


def read_events(events: pd.DataFrame) -> list[tuple[str, dt.date, dt.date]]:
    """``(name, start, end)`` of each event row; dates as UTC days.

    Raises
    ------
    InputError
        A missing column, a date that cannot be read, or an end before its start.
    """
    import pandas as pd

    missing = [c for c in ("name", "start", "end") if c not in events.columns]
    if missing:
        raise InputError(f"The events table needs columns name, start and end; missing: {', '.join(missing)}.")
    out = []
    for number, (name, start, end) in enumerate(events[["name", "start", "end"]].itertuples(index=False), start=1):
        stamps = pd.to_datetime(pd.Series([start, end], dtype=object), utc=True, errors="coerce", format="mixed")
        if stamps.isna().any():
            bad = start if pd.isna(stamps[0]) else end
            raise InputError(f"Row {number} of the events table ({name!r}): {bad!r} is not a date.")
        first, last = stamps[0].date(), stamps[1].date()
        if last < first:
            raise InputError(f"Row {number} of the events table ({name!r}) ends ({last}) before it starts ({first}).")
        out.append((str(name), first, last))
    return out


def _window(units: pd.DataFrame, unit: str, lo: dt.date, hi: dt.date, n_boot: int, seed: int) -> dict[str, Any]:
    inside = units[(units["date"] >= lo) & (units["date"] <= hi)] if len(units) else units
    values = inside["value"].to_numpy(dtype=np.float64)
    k = len(values)
    n = int(inside["n"].sum()) if k else 0
    if unit == "conversation":
        extreme = float((values >= CONVERSATION_EXTREME_AT).mean()) if k else None
        conversations = k
    else:
        extreme = float(inside["n_extreme"].sum() / n) if n else None
        groups = inside["conversation"] if unit == "reply" else inside["conversation"].explode()
        conversations = int(groups.nunique())
    ci = None
    if k >= 2 and n_boot > 0:
        ci = bootstrap_ci(lambda w: {"mean": w @ values / w.sum(axis=1)}, k, n_boot=n_boot, seed=seed)["mean"]
    return {
        "start": lo,
        "end": hi,
        "mean": float(values.mean()) if k else None,
        "sem": float(values.std() / np.sqrt(k)) if k else None,  # numpy's default std is the population one
        "days": int(inside["date"].nunique()) if k else 0,
        "n": n,
        "conversations": conversations,
        "extreme_rate": extreme,
        "ci": list(ci) if ci else None,
    }


def event_windows(
    units: pd.DataFrame,
    events: list[tuple[str, dt.date, dt.date]],
    *,
    unit: str,
    window_days: int,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per event and window: ``event``, ``window``, ``start``/``end`` dates and the window's statistics.

    The statistics are ``mean``, ``sem``, ``days``, ``n`` (scored replies), ``conversations``,
    ``extreme_rate`` and ``ci`` (None where a window is empty; ``ci`` needs two units).
    """
    import pandas as pd

    day = dt.timedelta(days=1)
    rows = []
    for name, start, end in events:
        spans = {
            "before": (start - window_days * day, start - day),
            "during": (start, end),
            "after": (end + day, end + window_days * day),
        }
        for window, (lo, hi) in spans.items():
            rows.append({"event": name, "window": window, **_window(units, unit, lo, hi, n_boot, seed)})
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)


def daily_series(replies: pd.DataFrame) -> pd.DataFrame:
    """Per UTC day of the replies' own times: ``date``, ``n`` scored replies, mean ``score``, ``extreme_rate``."""
    import pandas as pd

    if replies.empty:
        return pd.DataFrame(columns=["date", "n", "score", "extreme_rate"])
    frame = replies.assign(date=_days(replies["time"]), extreme=replies["score"] > EXTREME_ABOVE)
    out = frame.groupby("date", sort=True).agg(
        n=("score", "size"), score=("score", "mean"), extreme_rate=("extreme", "mean")
    )
    return out.reset_index()
