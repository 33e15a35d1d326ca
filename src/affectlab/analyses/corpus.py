"""How a corpus feels over time and across groups: ``summarize_corpus`` and its :class:`CorpusSummary`.

Every text is scored once through the pipeline, or its scores are read from a table that
``affectlab analyze`` wrote (flat or nested), so a corpus is scored once and aggregated many
times. The records are then aggregated per period (``freq``: day, week or month) and group: the
number of texts, the share of texts with each emotion among their labels, mean valence and arousal
with 95% t intervals, optionally smoothed over ``rolling`` periods; groups are compared with
Cohen's d and its 95% interval; change points are searched in each group's valence series;
event windows compare the days before, during and after each event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.changepoints import mean_change_points
from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_choice, check_int
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FREQUENCIES", "CorpusSummary", "is_scored_table", "summarize_corpus"]

#: ``freq`` values: pandas period aliases for day, week and month.
FREQUENCIES = {"D": "D", "W": "W", "M": "M"}
_DIMS = ("valence", "arousal")
_Z = 1.959963984540054  # the normal 97.5% quantile


@dataclass(frozen=True)
class CorpusSummary:
    """What :func:`summarize_corpus` found.

    Attributes
    ----------
    series : DataFrame
        One row per period (and group): ``period`` (start date), ``group``, ``n``,
        ``share.<label>`` in [0, 1] (texts with the label among their labels), ``valence`` and
        ``arousal`` means in [-1, 1] with ``*_lo``/``*_hi`` 95% t-interval bounds, clipped to [-1, 1]
        (NaN for a single text). With ``rolling``: ``n_rolling``, ``valence_rolling`` and
        ``arousal_rolling``, the count and means of the texts of the last ``rolling`` periods.
    groups : DataFrame
        One row per group: ``n``, mean ``valence`` and ``arousal``, and ``cohens_d`` of its valence
        against all other texts (positive: the group is more positive) with its 95% interval
        ``d_lo``/``d_hi``. Empty without ``group_column``.
    comparisons : DataFrame
        One row per pair of groups and dimension (``valence``, ``arousal``): ``n_a``, ``n_b``,
        ``mean_a``, ``mean_b``, ``difference`` (a - b), ``cohens_d`` (pooled SD) and ``d_lo``/``d_hi``.
    change_points : DataFrame
        One row per shift found in a group's series of period mean valence: ``period`` (first period
        after the shift), ``before`` and ``after`` (mean of the period means of the segments either
        side) and ``shift``. See :func:`affectlab.analyses.changepoints.mean_change_points`.
    events : DataFrame
        One row per event and window (``before``, ``during``, ``after``): ``n``, mean ``valence`` and
        ``arousal``, their SEMs ``valence_sem``/``arousal_sem`` and the window's ``start``/``end``
        dates. Empty without ``events``.
    freq, taxonomy, model : str
    n_texts, n_undated : int
        Texts aggregated; texts whose time could not be read (left out of the series).
    rolling : int or None
    notes : tuple of str
    """

    series: pd.DataFrame
    groups: pd.DataFrame
    comparisons: pd.DataFrame
    change_points: pd.DataFrame
    events: pd.DataFrame
    freq: str
    taxonomy: str
    model: str
    n_texts: int
    n_undated: int
    rolling: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (tables as lists of row objects; NaN becomes null)."""
        tables = {
            name: getattr(self, name).astype({c: str for c in ("period", "start", "end") if c in getattr(self, name)})
            for name in ("series", "groups", "comparisons", "change_points", "events")
        }
        return jsonable(
            {
                "freq": self.freq,
                "rolling": self.rolling,
                "taxonomy": self.taxonomy,
                "model": self.model,
                "n_texts": self.n_texts,
                "n_undated": self.n_undated,
                **{name: table.to_dict("records") for name, table in tables.items()},
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
    rolling: int | None = None,
    progress: bool = False,
) -> CorpusSummary:
    """Score every text of ``frame`` (or read its scores) and aggregate them over time, groups and events.

    Parameters
    ----------
    frame : DataFrame
        One row per text; or the output of ``affectlab analyze`` (flat columns such as
        ``vad.valence``, ``labels`` and ``emotions.<label>``, or nested records), whose scores are
        used as they are (no text is scored; rows flagged ``error`` are left out).
    text_column, time_column : str
        Columns of texts and of timestamps (anything ``pandas.to_datetime`` reads; times with a
        zone are converted to UTC, times without one are taken as they are).
    group_column : str, optional
        Column of groups (communities, parties, ...): series per group and comparisons.
    freq : {"D", "W", "M"}, default="D"
        Period of the series: day, week (starting Monday) or month.
    engine : str, Engine or Analyzer, default="embedded"
    taxonomy : str, optional
        Taxonomy of the ``share.<label>`` columns (default the engine's native one, or the table's).
    events : DataFrame, optional
        Columns ``name``, ``start``, ``end`` (dates): before/during/after windows per event.
    window_days : int, default=3
        Days of the before and after windows (>= 1).
    rolling : int, optional
        Also smooth the series over this many periods (>= 1), trailing: each period's value is the
        mean of the texts of it and the ``rolling - 1`` periods before it.
    progress : bool, default=False

    Raises
    ------
    InputError
        A missing column, no text with a readable time, or a scored table in another taxonomy.
    """
    import pandas as pd

    check_choice(freq, "freq", "summarize_corpus", FREQUENCIES)
    check_int(window_days, "window_days", "summarize_corpus", minimum=1)
    if rolling is not None:
        check_int(rolling, "rolling", "summarize_corpus", minimum=1)
    scored_table = is_scored_table(frame)
    if scored_table:
        frame = _flat_scores(frame)
    needed = [c for c in (None if scored_table else text_column, time_column, group_column) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"Column(s) {', '.join(map(repr, missing))} not found. Available: {', '.join(map(str, frame.columns))}."
        )
    notes: list[str] = []
    if scored_table:
        frame, scores, tax, model = _read_scores(frame, taxonomy, notes)
    else:
        scores, tax, model = _score(frame[text_column].tolist(), engine, taxonomy, progress)
    labels = [c.removeprefix("share.") for c in scores.columns if c.startswith("share.")]
    times = pd.to_datetime(frame[time_column], errors="coerce", utc=True, format="mixed").dt.tz_localize(None)
    scored = scores.assign(
        time=times.to_numpy(), group=frame[group_column].astype(str).to_numpy() if group_column else "all"
    )
    undated = int(scored["time"].isna().sum())
    dated = scored.dropna(subset=["time"])
    if dated.empty:
        raise InputError(f"No value of column {time_column!r} could be read as a date or time.")
    if undated:
        notes.append(f"{undated} texts without a readable {time_column!r} were left out of the series.")
    series = _series(dated, freq, labels, rolling)
    return CorpusSummary(
        series=series,
        groups=_groups(dated) if group_column else pd.DataFrame(columns=["group", "n", *_DIMS, "cohens_d"]),
        comparisons=_comparisons(dated),
        change_points=_change_points(series),
        events=_events(dated, events, window_days) if events is not None else pd.DataFrame(),
        freq=freq,
        taxonomy=tax,
        model=model,
        n_texts=len(scored),
        n_undated=undated,
        rolling=rolling,
        notes=tuple(notes),
    )


def is_scored_table(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is ``affectlab analyze`` output: flat (``vad.valence``, ``labels``) or nested."""
    columns = set(frame.columns)
    return {"labels", "taxonomy"} <= columns and ("vad.valence" in columns or "vad" in columns)


def _score(texts: list[object], engine: EngineSpec, taxonomy: str | None, progress: bool) -> tuple[Any, str, str]:
    import pandas as pd

    analyzer = as_analyzer(engine, owner="summarize_corpus", taxonomy=taxonomy)
    records = analyzer.analyze(texts, progress=progress, description="scoring the corpus")
    labels = [label for label in (records[0].emotions if records else {}) if label != "neutral"]
    scores = pd.DataFrame(
        {
            "valence": [r.vad.valence if r.vad else np.nan for r in records],
            "arousal": [r.vad.arousal if r.vad else np.nan for r in records],
            **{f"share.{label}": [float(label in r.labels) for r in records] for label in labels},
        }
    )
    return scores, analyzer.taxonomy_, analyzer.model_


def _flat_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Nested analyze records (json, jsonl) as the flat columns; the ``input`` fields become columns."""
    import pandas as pd

    if "vad.valence" in frame.columns:
        return frame
    flat = pd.json_normalize(frame.to_dict("records"), max_level=1)
    inputs = {c: c.removeprefix("input.") for c in flat.columns if c.startswith("input.")}
    flat = flat.rename(columns={c: bare for c, bare in inputs.items() if bare not in flat.columns})
    if "model.engine" in flat.columns:
        flat["model"] = flat["model.engine"].astype(str) + "@" + flat["model.version"].astype(str)
    for column in ("labels", "flags"):
        if column in flat.columns:
            flat[column] = [";".join(v) if isinstance(v, list) else v for v in flat[column]]
    return flat


def _read_scores(
    frame: pd.DataFrame, taxonomy: str | None, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """The scores of an analyze table: valence, arousal and one 0/1 share column per label."""
    import pandas as pd

    flags = frame["flags"] if "flags" in frame.columns else pd.Series("", index=frame.index)
    flagged = flags.fillna("").astype(str).str.split(";").map(lambda f: "error" in f).astype(bool)
    if flagged.any():
        notes.append(f"{int(flagged.sum())} rows flagged 'error' in the table were left out.")
        frame = frame.loc[~flagged].reset_index(drop=True)
    names = frame["taxonomy"].dropna().unique().tolist()
    table_taxonomy = str(names[0]) if names else ""
    if taxonomy is not None and table_taxonomy and taxonomy not in (table_taxonomy, table_taxonomy.split(":")[0]):
        raise InputError(
            f"The table was scored in taxonomy {table_taxonomy!r}, not {taxonomy!r}; "
            f"run affectlab analyze --taxonomy {taxonomy} on the texts, or leave out --taxonomy."
        )
    labels = [c.removeprefix("emotions.") for c in frame.columns if c.startswith("emotions.")]
    label_sets = frame["labels"].fillna("").astype(str).str.split(";").map(set)
    scores = pd.DataFrame(
        {
            "valence": pd.to_numeric(frame["vad.valence"], errors="coerce"),
            "arousal": pd.to_numeric(frame.get("vad.arousal", np.nan), errors="coerce"),
            **{f"share.{x}": label_sets.map(lambda s, x=x: float(x in s)) for x in labels if x != "neutral"},
        }
    )
    models = frame["model"].dropna().unique().tolist() if "model" in frame.columns else []
    notes.append("Scores read from the table (affectlab analyze output); no text was scored.")
    return frame, scores, table_taxonomy, ", ".join(map(str, models)) or "unknown"


def _interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t interval of ``values``, clipped to [-1, 1] (NaN bounds for fewer than two values)."""
    from scipy import stats

    clean = values.dropna().to_numpy()
    mean = float(clean.mean()) if len(clean) else np.nan
    if len(clean) < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.975, len(clean) - 1) * clean.std(ddof=1) / np.sqrt(len(clean)))
    return mean, max(mean - half, -1.0), min(mean + half, 1.0)  # the scale's own bounds


def _series(dated: pd.DataFrame, freq: str, labels: Sequence[str], rolling: int | None) -> pd.DataFrame:
    import pandas as pd

    periods = dated["time"].dt.to_period(FREQUENCIES[freq])
    rows = []
    for (period, group), part in dated.groupby([periods, "group"], sort=True):
        row: dict[str, Any] = {"period": period.start_time.date(), "group": group, "n": len(part)}
        row.update({f"share.{label}": float(part[f"share.{label}"].mean()) for label in labels})
        for dim in _DIMS:
            row[dim], row[f"{dim}_lo"], row[f"{dim}_hi"] = _interval(part[dim])
        rows.append(row)
    series = pd.DataFrame(rows)
    if rolling is None:
        return series
    smoothed = []
    for group, part in dated.assign(period=periods).groupby("group", sort=True):
        sums = part.groupby("period").agg(
            n_rolling=("group", "size"),
            **{f"{d}_sum": (d, "sum") for d in _DIMS},
            **{f"{d}_count": (d, "count") for d in _DIMS},
        )
        full = pd.period_range(sums.index.min(), sums.index.max(), freq=FREQUENCIES[freq])
        window = sums.reindex(full, fill_value=0).rolling(rolling, min_periods=1).sum()
        for dim in _DIMS:
            window[f"{dim}_rolling"] = window[f"{dim}_sum"] / window[f"{dim}_count"].replace(0, np.nan)
        window = window.loc[sums.index, ["n_rolling", *(f"{d}_rolling" for d in _DIMS)]]
        smoothed.append(window.assign(group=group, period=[p.start_time.date() for p in window.index]))
    return series.merge(pd.concat(smoothed).astype({"n_rolling": int}), on=["period", "group"], how="left")


def _cohens_d(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Cohen's d of ``a`` against ``b`` (pooled SD) and its analytic 95% interval (Hedges & Olkin, 1985).

    The interval is d ± 1.96·SE with SE = sqrt((n_a + n_b) / (n_a n_b) + d² / (2 (n_a + n_b))),
    the large-sample normal approximation; NaN when a side has fewer than two values or no spread.
    """
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return np.nan, np.nan, np.nan
    pooled = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if not pooled > 0:
        return np.nan, np.nan, np.nan
    d = float((a.mean() - b.mean()) / pooled)
    se = float(np.sqrt((na + nb) / (na * nb) + d**2 / (2 * (na + nb))))
    return d, d - _Z * se, d + _Z * se


def _groups(dated: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for group, part in dated.groupby("group", sort=True):
        rest = dated.loc[dated["group"] != group, "valence"].dropna().to_numpy()
        d, lo, hi = _cohens_d(part["valence"].dropna().to_numpy(), rest)
        means = {dim: float(part[dim].mean()) for dim in _DIMS}
        rows.append({"group": group, "n": len(part), **means, "cohens_d": d, "d_lo": lo, "d_hi": hi})
    return pd.DataFrame(rows)


def _comparisons(dated: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    values = {g: part for g, part in dated.groupby("group", sort=True)}
    rows = []
    for (ga, a), (gb, b) in combinations(values.items(), 2):
        for dim in _DIMS:
            x, y = a[dim].dropna().to_numpy(), b[dim].dropna().to_numpy()
            d, lo, hi = _cohens_d(x, y)
            mean_a, mean_b = (float(v.mean()) if len(v) else np.nan for v in (x, y))
            rows.append(
                {"group_a": ga, "group_b": gb, "measure": dim, "n_a": len(x), "n_b": len(y), "mean_a": mean_a,
                 "mean_b": mean_b, "difference": mean_a - mean_b, "cohens_d": d, "d_lo": lo, "d_hi": hi}
            )  # fmt: skip
    columns = ["group_a", "group_b", "measure", "n_a", "n_b", "mean_a", "mean_b", "difference", "cohens_d", "d_lo"]
    return pd.DataFrame(rows, columns=[*columns, "d_hi"])


def _change_points(series: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for group, part in series.groupby("group", sort=True):
        part = part.dropna(subset=["valence"])
        values = part["valence"].to_numpy()
        cuts = mean_change_points(values)
        bounds = [0, *cuts, len(values)]
        for k, cut in enumerate(cuts):
            before, after = float(values[bounds[k] : cut].mean()), float(values[cut : bounds[k + 2]].mean())
            rows.append(
                {"group": group, "period": part["period"].iloc[cut], "before": before, "after": after,
                 "shift": after - before}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "period", "before", "after", "shift"])


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
            inside = dated.loc[(dated["time"] >= lo) & (dated["time"] < hi)]
            row: dict[str, Any] = {"event": event.name, "window": window, "start": lo.date()}
            row.update({"end": (hi - day).date(), "n": len(inside)})
            for dim in _DIMS:
                values = inside[dim].dropna()
                row[dim] = float(values.mean()) if len(values) else np.nan
                row[f"{dim}_sem"] = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan
            rows.append(row)
    return pd.DataFrame(rows)
