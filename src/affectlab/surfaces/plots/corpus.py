"""Pictures and a report of a corpus summary: valence over time per group, and event windows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from affectlab.analyses.corpus import CorpusSummary
from affectlab.errors import InputError
from affectlab.surfaces.plots._figure import figure_class
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["REPORT_FILES", "event_file", "plot_event", "plot_events", "plot_series", "write_report"]

REPORT_FILES = ("summary.md", "series.png", "events.png")
_WINDOWS = ("before", "during", "after")
_PERIOD = {"D": "day", "W": "week", "M": "month"}


def event_file(index: int, name: str) -> str:
    """File name of the plot of event ``index`` (1-based): ``event-<index>-<name as a slug>.png``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:40] or "event"
    return f"event-{index}-{slug}.png"


def plot_series(summary: CorpusSummary) -> Figure:
    """Mean valence per period (95% interval as a band), one line per group.

    With ``rolling``, the period means are dots and the line is the rolling mean; change points
    are dashed vertical lines in the group's colour.
    """
    fig = figure_class()(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    rolling = summary.rolling is not None
    for group, part in summary.series.groupby("group", sort=True):
        style = {"linestyle": "none", "alpha": 0.6} if rolling else {}
        line = ax.plot(part["period"], part["valence"], marker="o", markersize=3, label=str(group), **style)[0]
        ax.fill_between(part["period"], part["valence_lo"], part["valence_hi"], color=line.get_color(), alpha=0.12)
        if rolling:
            ax.plot(part["period"], part["valence_rolling"], color=line.get_color(), linewidth=2)
        for cut in summary.change_points.loc[summary.change_points["group"] == group, "period"]:
            ax.axvline(cut, color=line.get_color(), linestyle="--", linewidth=1)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylim(-1, 1)
    smoothing = f"; line: mean of the last {summary.rolling} {_PERIOD[summary.freq]}s" if rolling else ""
    ax.set_ylabel("mean valence (-1..1), 95% CI")
    ax.set_title(f"Valence per {_PERIOD[summary.freq]} ({summary.model}){smoothing}", fontsize=10)
    if len(summary.change_points):
        ax.plot([], [], color="0.3", linestyle="--", linewidth=1, label="change point")
    if summary.series["group"].nunique() > 1 or len(summary.change_points):
        ax.legend(fontsize=8)
    return fig


def plot_events(summary: CorpusSummary) -> Figure:
    """Mean valence ± SEM before, during and after each event, all events side by side."""
    events = summary.events
    names = list(dict.fromkeys(events["event"]))
    fig = figure_class()(figsize=(max(4, 2.2 * len(names)), 3.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.25
    for k, window in enumerate(_WINDOWS):
        part = events[events["window"] == window].set_index("event").reindex(names)
        x = [i + (k - 1) * width for i in range(len(names))]
        ax.bar(x, part["valence"], width, yerr=part["valence_sem"], capsize=3, label=window)
    ax.set_xticks(range(len(names)), names)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylabel("mean valence ± SEM")
    ax.set_title("Valence around events")
    ax.legend(fontsize=8)
    return fig


def plot_event(summary: CorpusSummary, name: str) -> Figure:
    """One event: mean valence and arousal ± SEM in its before, during and after windows, with n."""
    part = summary.events[summary.events["event"] == name].set_index("window").reindex(list(_WINDOWS))
    fig = figure_class()(figsize=(7, 3.4), layout="constrained")
    ticks = [f"{w}\n{part.loc[w, 'start']:%m-%d}..{part.loc[w, 'end']:%m-%d}" for w in _WINDOWS]
    for k, dim in enumerate(("valence", "arousal")):
        ax = fig.add_subplot(1, 2, k + 1)
        bars = ax.bar(range(3), part[dim].fillna(0), yerr=part[f"{dim}_sem"], capsize=4, color=["0.65", "C3", "0.45"])
        for bar, n in zip(bars, part["n"]):
            ax.annotate(f"n={n}", (bar.get_x() + bar.get_width() / 2, -0.95), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(3), ticks, fontsize=8)
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.set_ylim(-1, 1)
        ax.set_ylabel(f"mean {dim} ± SEM")
    fig.suptitle(f"{name}: texts before, during and after (bars: mean ± SEM)", fontsize=10)
    return fig


def write_report(summary: CorpusSummary, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``summary.md``, ``series.png`` and, with events, ``events.png`` and one PNG per event.

    Returns the paths written. Per-event files are named by :func:`event_file`.
    """
    out = Path(folder)
    names = list(dict.fromkeys(summary.events["event"])) if len(summary.events) else []
    files = [*REPORT_FILES, *(event_file(i, n) for i, n in enumerate(names, start=1))]
    existing = [name for name in files if (out / name).exists()]
    if existing and not force:
        raise InputError(f"{out} already holds {', '.join(existing)}; pass --force (force=True) to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.md", out / "series.png"]
    plot_series(summary).savefig(written[1], dpi=110)
    if names:
        written.append(out / "events.png")
        plot_events(summary).savefig(written[-1], dpi=110)
        for i, name in enumerate(names, start=1):
            written.append(out / event_file(i, name))
            plot_event(summary, name).savefig(written[-1], dpi=110)
    written[0].write_text("\n".join(_summary_lines(summary, names)) + "\n", encoding="utf-8")
    return written


def _summary_lines(summary: CorpusSummary, names: list[str]) -> list[str]:
    lines = [
        "# Corpus summary",
        "",
        f"{summary.n_texts} texts, model {summary.model}, taxonomy {summary.taxonomy}, period {summary.freq}"
        + (f", rolling mean over {summary.rolling} periods." if summary.rolling else "."),
        *[f"- {note}" for note in summary.notes],
        "",
        "![valence over time](series.png)",
    ]
    if len(summary.groups):
        lines += ["", "| group | texts | mean valence | mean arousal | Cohen's d vs the rest [95% CI] |"]
        lines += ["|---|---:|---:|---:|---:|"]
        lines += [
            f"| {g.group} | {g.n} | {num(g.valence)} | {num(g.arousal)} | {num(g.cohens_d)} "
            f"[{num(g.d_lo)}, {num(g.d_hi)}] |"
            for g in summary.groups.itertuples()
        ]
    if len(summary.comparisons):
        lines += ["", "| group a | group b | measure | mean a | mean b | a - b | Cohen's d [95% CI] |"]
        lines += ["|---|---|---|---:|---:|---:|---:|"]
        lines += [
            f"| {c.group_a} | {c.group_b} | {c.measure} | {num(c.mean_a)} | {num(c.mean_b)} | {num(c.difference)} "
            f"| {num(c.cohens_d)} [{num(c.d_lo)}, {num(c.d_hi)}] |"
            for c in summary.comparisons.itertuples()
        ]
    lines += ["", "Change points in mean valence (binary segmentation of the period means):", ""]
    if len(summary.change_points):
        lines += ["| group | from period | before | after | shift |", "|---|---|---:|---:|---:|"]
        lines += [
            f"| {c.group} | {c.period} | {num(c.before)} | {num(c.after)} | {num(c.shift)} |"
            for c in summary.change_points.itertuples()
        ]
    else:
        lines.append("none found.")
    if names:
        lines += ["", "![events](events.png)", ""]
        lines += ["| event | window | dates | texts | mean valence | SEM | mean arousal | SEM |"]
        lines += ["|---|---|---|---:|---:|---:|---:|---:|"]
        lines += [
            f"| {e.event} | {e.window} | {e.start} .. {e.end} | {e.n} | {num(e.valence)} | "
            f"{num(e.valence_sem, signed=False)} | {num(e.arousal)} | {num(e.arousal_sem, signed=False)} |"
            for e in summary.events.itertuples()
        ]
        lines += ["", *(f"![{name}]({event_file(i, name)})" for i, name in enumerate(names, start=1))]
    return lines
