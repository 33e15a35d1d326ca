"""Pictures and a report of a corpus summary: valence over time per group, and event windows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from affectlab.analyses.corpus import CorpusSummary
from affectlab.errors import InputError
from affectlab.surfaces.plots._figure import figure_class
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["REPORT_FILES", "plot_events", "plot_series", "write_report"]

REPORT_FILES = ("summary.md", "series.png", "events.png")


def plot_series(summary: CorpusSummary) -> Figure:
    """Mean valence per period (with its 95% interval as a band), one line per group."""
    fig = figure_class()(figsize=(9, 4), layout="constrained")
    ax = fig.add_subplot()
    for group, part in summary.series.groupby("group", sort=True):
        line = ax.plot(part["period"], part["valence"], marker="o", markersize=3, label=str(group))[0]
        ax.fill_between(part["period"], part["valence_lo"], part["valence_hi"], color=line.get_color(), alpha=0.15)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("mean valence (-1..1), 95% CI")
    ax.set_title(f"Valence per {dict(D='day', W='week', M='month')[summary.freq]} ({summary.model})")
    if summary.series["group"].nunique() > 1:
        ax.legend(title="group", fontsize=8)
    return fig


def plot_events(summary: CorpusSummary) -> Figure:
    """Mean valence ± SEM before, during and after each event."""
    events = summary.events
    names = list(dict.fromkeys(events["event"]))
    fig = figure_class()(figsize=(max(4, 2.2 * len(names)), 3.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.25
    for k, window in enumerate(("before", "during", "after")):
        part = events[events["window"] == window].set_index("event").reindex(names)
        x = [i + (k - 1) * width for i in range(len(names))]
        ax.bar(x, part["valence"], width, yerr=part["sem"], capsize=3, label=window)
    ax.set_xticks(range(len(names)), names)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylabel("mean valence ± SEM")
    ax.set_title("Valence around events")
    ax.legend(fontsize=8)
    return fig


def write_report(summary: CorpusSummary, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``summary.md``, ``series.png`` and (with events) ``events.png`` into ``folder``; returns the paths."""
    out = Path(folder)
    existing = [name for name in REPORT_FILES if (out / name).exists()]
    if existing and not force:
        raise InputError(f"{out} already holds {', '.join(existing)}; pass --force (force=True) to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.md", out / "series.png"]
    plot_series(summary).savefig(written[1], dpi=110)
    if len(summary.events):
        written.append(out / "events.png")
        plot_events(summary).savefig(written[2], dpi=110)
    lines = [
        "# Corpus summary",
        "",
        f"{summary.n_texts} texts, model {summary.model}, taxonomy {summary.taxonomy}, period {summary.freq}.",
        *[f"- {note}" for note in summary.notes],
        "",
        "![valence over time](series.png)",
    ]
    if len(summary.groups):
        lines += ["", "| group | texts | mean valence | Cohen's d vs the rest |", "|---|---:|---:|---:|"]
        lines += [f"| {g.group} | {g.n} | {num(g.valence)} | {num(g.cohens_d)} |" for g in summary.groups.itertuples()]
    if len(summary.events):
        lines += ["", "![events](events.png)", "", "| event | window | dates | texts | mean valence | SEM |"]
        lines += ["|---|---|---|---:|---:|---:|"]
        lines += [
            f"| {e.event} | {e.window} | {e.start} .. {e.end} | {e.n} | {num(e.valence)} | {num(e.sem, signed=False)} |"
            for e in summary.events.itertuples()
        ]
    written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
