"""How a corpus feels over time and across groups: ``summarize_corpus`` and its :class:`CorpusSummary`.

Every text is scored once through the pipeline; the records are then aggregated per period
(``freq``: day, week or month) and group: the number of texts, the share of texts with each
emotion among their labels, and mean valence and arousal with 95% intervals (mean ± t·SEM).
Groups are compared on valence with Cohen's d; event windows (``events``) compare the days
before, during and after each event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_choice, check_int
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FREQUENCIES", "CorpusSummary", "summarize_corpus"]

#: ``freq`` values: pandas period aliases for day, week and month.
FREQUENCIES = {"D": "D", "W": "W", "M": "M"}


@dataclass(frozen=True)
class CorpusSummary:
    """What :func:`summarize_corpus` found.

    Attributes
    ----------
    series : DataFrame
        One row per period (and group): ``period`` (start date), ``group``, ``n``,
        ``share.<label>`` in [0, 1] (texts with the label among their labels), ``valence`` and
        ``arousal`` means in [-1, 1] with ``*_lo``/``*_hi`` 95% t-interval bounds, clipped to [-1, 1]
        (NaN for a single text).
    groups : DataFrame
        One row per group: ``n``, mean ``valence``, and ``cohens_d`` of its valence against all
        other texts (positive: the group is more positive). Empty without ``group_column``.
    events : DataFrame
        One row per event and window (``before``, ``during``, ``after``): ``n``, mean ``valence``,
        ``sem`` and the window's ``start``/``end`` dates. Empty without ``events``.
    freq, taxonomy, model : str
    n_texts, n_undated : int
        Texts scored; texts whose time could not be read (left out of the series).
    """

    series: pd.DataFrame
    groups: pd.DataFrame
    events: pd.DataFrame
    freq: str
    taxonomy: str
    model: str
    n_texts: int
    n_undated: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (tables as lists of row objects; NaN becomes null)."""
        return jsonable(
            {
                "freq": self.freq,
                "taxonomy": self.taxonomy,
                "model": self.model,
                "n_texts": self.n_texts,
                "n_undated": self.n_undated,
                "series": self.series.astype({"period": str}).to_dict("records"),
                "groups": self.groups.to_dict("records"),
                "events": self.events.astype({"start": str, "end": str}).to_dict("records") if len(self.events) else [],
                "notes": list(self.notes),
            },
            digits=6,
        )


def summarize_corpus(
    frame: pd.DataFrame,
    *,
    text_column: str = "text",
    time_column: str = "time",
    group_column: str | None = None,
    freq: str = "D",
    engine: EngineSpec = "embedded",
    taxonomy: str | None = None,
    events: pd.DataFrame | None = None,
    window_days: int = 3,
    progress: bool = False,
) -> CorpusSummary:
    """Score every text of ``frame`` and aggregate the records over time, groups and events.

    Parameters
    ----------
    frame : DataFrame
        One row per text.
    text_column, time_column : str
        Columns of texts and of timestamps (anything ``pandas.to_datetime`` reads).
    group_column : str, optional
        Column of groups (communities, parties, ...): series per group and a comparison.
    freq : {"D", "W", "M"}, default="D"
        Period of the series: day, week (starting Monday) or month.
    engine : str, Engine or Analyzer, default="embedded"
    taxonomy : str, optional
        Taxonomy of the ``share.<label>`` columns (default the engine's native one).
    events : DataFrame, optional
        Columns ``name``, ``start``, ``end`` (dates): before/during/after windows per event.
    window_days : int, default=3
        Days of the before and after windows (>= 1).
    progress : bool, default=False

    Raises
    ------
    InputError
        A missing column, or no text with a readable time.
    """
    import pandas as pd

    check_choice(freq, "freq", "summarize_corpus", FREQUENCIES)
    check_int(window_days, "window_days", "summarize_corpus", minimum=1)
    needed = [c for c in (text_column, time_column, group_column) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"Column(s) {', '.join(map(repr, missing))} not found. Available: {', '.join(map(str, frame.columns))}."
        )
    analyzer = as_analyzer(engine, owner="summarize_corpus", taxonomy=taxonomy)
    records = analyzer.analyze(frame[text_column].tolist(), progress=progress, description="scoring the corpus")
    labels = [label for label in (records[0].emotions if records else {}) if label != "neutral"]
    scored = pd.DataFrame(
        {
            "time": pd.to_datetime(frame[time_column], errors="coerce", utc=True, format="mixed").dt.tz_localize(None),
            "group": frame[group_column].astype(str) if group_column else "all",
            "valence": [r.vad.valence if r.vad else np.nan for r in records],
            "arousal": [r.vad.arousal if r.vad else np.nan for r in records],
            **{f"share.{label}": [float(label in r.labels) for r in records] for label in labels},
        }
    )
    undated = int(scored["time"].isna().sum())
    dated = scored.dropna(subset=["time"])
    if dated.empty:
        raise InputError(f"No value of column {time_column!r} could be read as a date or time.")
    notes = (f"{undated} texts without a readable {time_column!r} were left out of the series.",) if undated else ()
    return CorpusSummary(
        series=_series(dated, freq, labels),
        groups=_groups(dated) if group_column else pd.DataFrame(columns=["group", "n", "valence", "cohens_d"]),
        events=_events(dated, events, window_days) if events is not None else pd.DataFrame(),
        freq=freq,
        taxonomy=analyzer.taxonomy_,
        model=analyzer.model_,
        n_texts=len(records),
        n_undated=undated,
        notes=notes,
    )


def _interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t interval of ``values``, clipped to [-1, 1] (NaN bounds for fewer than two values)."""
    from scipy import stats

    clean = values.dropna().to_numpy()
    mean = float(clean.mean()) if len(clean) else np.nan
    if len(clean) < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.975, len(clean) - 1) * clean.std(ddof=1) / np.sqrt(len(clean)))
    return mean, max(mean - half, -1.0), min(mean + half, 1.0)  # the scale's own bounds


def _series(dated: pd.DataFrame, freq: str, labels: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    periods = dated["time"].dt.to_period(FREQUENCIES[freq]).dt.start_time
    rows = []
    for (period, group), part in dated.groupby([periods, "group"], sort=True):
        row: dict[str, Any] = {"period": period.date(), "group": group, "n": len(part)}
        row.update({f"share.{label}": float(part[f"share.{label}"].mean()) for label in labels})
        for dim in ("valence", "arousal"):
            row[dim], row[f"{dim}_lo"], row[f"{dim}_hi"] = _interval(part[dim])
        rows.append(row)
    return pd.DataFrame(rows)


def _groups(dated: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for group, part in dated.groupby("group", sort=True):
        rest = dated.loc[dated["group"] != group, "valence"].dropna()
        own = part["valence"].dropna()
        pooled = np.sqrt(((len(own) - 1) * own.var() + (len(rest) - 1) * rest.var()) / max(len(own) + len(rest) - 2, 1))
        d = float((own.mean() - rest.mean()) / pooled) if len(rest) > 1 and len(own) > 1 and pooled > 0 else np.nan
        rows.append({"group": group, "n": len(part), "valence": float(own.mean()), "cohens_d": d})
    return pd.DataFrame(rows)


def _events(dated: pd.DataFrame, events: pd.DataFrame, window_days: int) -> pd.DataFrame:
    import pandas as pd

    missing = [c for c in ("name", "start", "end") if c not in events.columns]
    if missing:
        raise InputError(f"The events table needs columns name, start and end; missing: {', '.join(missing)}.")
    day = pd.Timedelta(days=1)
    rows = []
    for event in events.itertuples(index=False):
        start, end = pd.Timestamp(event.start), pd.Timestamp(event.end) + day  # end date inclusive
        windows = {
            "before": (start - window_days * day, start),
            "during": (start, end),
            "after": (end, end + window_days * day),
        }
        for window, (lo, hi) in windows.items():
            values = dated.loc[(dated["time"] >= lo) & (dated["time"] < hi), "valence"].dropna()
            sem = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan
            rows.append(
                {
                    "event": event.name,
                    "window": window,
                    "start": lo.date(),
                    "end": (hi - day).date(),
                    "n": len(values),
                    "valence": float(values.mean()) if len(values) else np.nan,
                    "sem": sem,
                }
            )
    return pd.DataFrame(rows)
