"""Pictures and a report of a polarization result: the paper's two figures per event, and the daily series."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from affectlab.analyses.polarization import PolarizationResult
from affectlab.errors import InputError
from affectlab.surfaces.plots._figure import figure_class
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["plot_daily", "plot_extreme", "plot_scores", "write_report"]

WINDOW_COLORS = {"before": "#1f77b4", "during": "#2ca02c", "after": "#ff7f0e"}  # the paper's colours
UNIT_WORDS = {"conversation": "conversations", "day": "days", "reply": "replies"}


def _event(result: PolarizationResult, event: str) -> pd.DataFrame:
    part = result.windows[result.windows["event"] == event]
    if part.empty:
        known = ", ".join(map(repr, result.windows["event"].unique()))
        raise InputError(f"No event {event!r}; the result has {known or 'no events'}.")
    return part.set_index("window").reindex(list(WINDOW_COLORS))


def _units(result: PolarizationResult, row: object) -> int:
    return int({"conversation": row.conversations, "day": row.days, "reply": row.n}[result.unit])  # type: ignore[attr-defined]


def plot_scores(result: PolarizationResult, event: str) -> Figure:
    """Mean score ± SEM before, during and after ``event``, with the number of units on each bar (paper Fig. 1)."""
    part = _event(result, event)
    fig = figure_class()(figsize=(4.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    means = part["mean"].astype(float).fillna(0.0)
    bars = ax.bar(
        [w.capitalize() for w in part.index],
        means,
        yerr=part["sem"].astype(float).fillna(0.0),
        capsize=5,
        color=list(WINDOW_COLORS.values()),
    )
    for bar, row in zip(bars, part.itertuples()):
        label = "no data" if row.mean is None or math.isnan(row.mean) else f"n={_units(result, row)}"
        x = bar.get_x() + bar.get_width() / 2
        ax.text(x, bar.get_height() * 0.5, label, ha="center", fontsize=9, weight="bold")
    top = max(result.rules.scores.values())
    ax.set_ylim(0, top)
    ax.set_ylabel("polarization score ± SEM")
    ax.set_xlabel(f"timeframe (n: {UNIT_WORDS[result.unit]})")
    ax.set_title(event, fontsize=10, weight="bold")
    return fig


def plot_extreme(result: PolarizationResult, event: str) -> Figure:
    """Extreme rate before, during and after ``event`` (paper Fig. 2), in %.

    The share of replies scoring > 7 or, with ``unit="conversation"``, of conversations with a mean >= 7.5.
    """
    part = _event(result, event)
    fig = figure_class()(figsize=(4.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    rates = part["extreme_rate"].astype(float) * 100
    bars = ax.bar([w.capitalize() for w in part.index], rates.fillna(0.0), color=list(WINDOW_COLORS.values()))
    for bar, rate in zip(bars, rates):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, num(rate, 0, signed=False) + "%", ha="center")
    ax.set_ylim(0, 100)
    which = "conversations (mean)" if result.unit == "conversation" else "replies"
    ax.set_ylabel(f"% of {which} " + ("with a mean >= 7.5" if result.unit == "conversation" else "scoring > 7"))
    ax.set_xlabel("timeframe")
    ax.set_title(event, fontsize=10, weight="bold")
    return fig


def plot_daily(result: PolarizationResult) -> Figure:
    """Mean score of each UTC day's replies (line) and their number (bars), event spans shaded."""
    fig = figure_class()(figsize=(9, 3.6), layout="constrained")
    ax = fig.add_subplot()
    daily = result.daily
    counts = ax.twinx()
    counts.bar(daily["date"], daily["n"], color="0.85", width=0.8, label="replies")
    counts.set_ylabel("scored replies per day")
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(daily["date"], daily["score"], marker="o", markersize=3, color="#d62728", label="mean score")
    day = dt.timedelta(days=1)
    for name, part in result.windows.groupby("event", sort=False):
        during = part[part["window"] == "during"].iloc[0]
        ax.axvspan(during["start"] - day / 2, during["end"] + day / 2, color="#2ca02c", alpha=0.15)
        ax.text(during["start"], max(result.rules.scores.values()) * 0.97, str(name), fontsize=8, va="top")
    ax.set_ylim(0, max(result.rules.scores.values()))
    ax.set_ylabel("mean polarization score")
    ax.set_title(f"Polarization per day ({result.rows_scored} scored replies; events shaded)")
    return fig


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "event"


def write_report(result: PolarizationResult, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``summary.md``, ``daily.png`` and per event ``event-<k>-<name>-score.png`` and ``-extreme.png``."""
    out = Path(folder)
    if (out / "summary.md").exists() and not force:
        raise InputError(f"Report folder {str(out)!r} already holds a report; pass --force (force=True) to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.md", out / "daily.png"]
    plot_daily(result).savefig(written[1], dpi=110)
    lines = [
        "# Affective polarization",
        "",
        f"Topic {result.topic!r}, stances {', '.join(result.stances)}; labels from {result.annotator}; "
        f"rule table {result.rules.source}; unclear labels: {result.unclear}; windows average "
        f"{UNIT_WORDS[result.unit]}.",
        "",
        f"{result.rows_scored} replies scored: mean score {num(result.mean_score, signed=False)}, share > 7 "
        f"{num(result.extreme_rate, signed=False)}.",
        "",
        "![daily series](daily.png)",
    ]
    signal = result.affect_signal
    if signal is not None and signal.n:
        kappa = signal.kappa.value if signal.kappa is not None else None
        lines += [
            "",
            f"Negative-emotion probability ({signal.model}) against the affect labels on {signal.n} posts: agreement "
            f"{num(signal.agreement, signed=False)} at 0.5, Cohen's kappa {num(kappa)}, point-biserial r "
            f"{num(signal.r)}; mean probability {num(signal.mean_yes, signed=False)} (yes) vs "
            f"{num(signal.mean_no, signed=False)} (no).",
        ]
    for k, name in enumerate(dict.fromkeys(result.windows["event"]), start=1):
        stem = f"event-{k}-{_slug(str(name))}"
        score_png, extreme_png = out / f"{stem}-score.png", out / f"{stem}-extreme.png"
        plot_scores(result, name).savefig(score_png, dpi=110)
        plot_extreme(result, name).savefig(extreme_png, dpi=110)
        written += [score_png, extreme_png]
        lines += ["", f"## {name}", "", f"![mean score]({score_png.name}) ![extreme rate]({extreme_png.name})", ""]
        lines += ["| window | dates | mean | SEM | 95% CI | days | replies | conversations | extreme |"]
        lines += ["|---|---|---:|---:|---|---:|---:|---:|---:|"]
        for w in _event(result, name).itertuples():
            ci = f"{num(w.ci[0], signed=False)} .. {num(w.ci[1], signed=False)}" if w.ci else "—"
            lines.append(
                f"| {w.Index} | {w.start} .. {w.end} | {num(w.mean, signed=False)} | {num(w.sem, signed=False)} | "
                f"{ci} | {w.days} | {w.n} | {w.conversations} | {num(w.extreme_rate, signed=False)} |"
            )
    if result.notes:
        lines += ["", *[f"- {note}" for note in result.notes]]
    written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
