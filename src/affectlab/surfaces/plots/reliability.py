"""Pictures and a report of a reliability run: ICC and CI-width heatmaps (rater x attribute), and a bias chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from affectlab.analyses.reliability import ReliabilityReport
from affectlab.errors import InputError
from affectlab.surfaces.plots._figure import figure_class
from affectlab.surfaces.plots._format import num

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["REPORT_FILES", "markdown", "plot_bias", "plot_ci_width", "plot_icc", "with_ci", "write_report"]

REPORT_FILES = ("reliability.md", "icc.png", "ci_width.png", "bias.png")
CLASS_COLOURS = {"good": "#1a9850", "moderate": "#fee08b", "poor": "#d73027"}


def _grid(report: ReliabilityReport, level: str, column: str) -> pd.DataFrame:
    """Raters (rows, in report order) by attributes (columns) of one result column at one level."""
    part = report.results[report.results["level"] == level]
    grid = part.pivot(index="rater", columns="attribute", values=column)
    return grid.reindex(index=list(dict.fromkeys(part["rater"])), columns=list(dict.fromkeys(part["attribute"])))


def _panels(report: ReliabilityReport, title: str) -> tuple[Figure, list[str], list[Axes]]:
    levels = list(dict.fromkeys(report.results["level"]))
    attributes, raters = report.results["attribute"].nunique(), report.results["rater"].nunique()
    width, height = max(6.0, 0.55 * attributes + 2.5), max(2.2, 0.45 * raters + 1.8)
    fig = figure_class()(figsize=(width, height * len(levels)), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(len(levels), 1, squeeze=False)[:, 0]))
    fig.suptitle(title, fontsize=11)
    return fig, levels, axes


def _label_axes(ax: Axes, grid: pd.DataFrame, level: str) -> None:
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index], fontsize=8)
    ax.set_title(f"{level} level", fontsize=9)


def plot_icc(report: ReliabilityReport, metric: str = "icc_a1") -> Figure:
    """ICC per rater (rows) and attribute (columns), one panel per level; values written in the cells."""
    label = "ICC(A,1)" if metric == "icc_a1" else "ICC(C,1)"
    fig, levels, axes = _panels(report, f"{label} against {report.reference}")
    image = None
    for ax, level in zip(axes, levels):
        grid = _grid(report, level, metric).astype(float)
        image = ax.imshow(grid.to_numpy(), cmap="RdYlGn", vmin=-0.2, vmax=1.0, aspect="auto")
        for (i, j), v in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, num(v, signed=False) if np.isfinite(v) else "—", ha="center", va="center", fontsize=7)
        _label_axes(ax, grid, level)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="ICC")
    return fig


def plot_ci_width(report: ReliabilityReport) -> Figure:
    """Width of the ICC(A,1) interval per rater and attribute, coloured by reliability class."""
    from matplotlib.colors import ListedColormap

    good, moderate = report.thresholds
    title = f"ICC(A,1) 95% CI width against {report.reference}\n(good <= {good:g} < moderate <= {moderate:g} < poor)"
    fig, levels, axes = _panels(report, title)
    colours = ListedColormap([CLASS_COLOURS[c] for c in ("good", "moderate", "poor")])
    for ax, level in zip(axes, levels):
        width = _grid(report, level, "ci_width").astype(float)
        classes = _grid(report, level, "reliability").map({"good": 0, "moderate": 1, "poor": 2}.get).astype(float)
        ax.imshow(classes.to_numpy(), cmap=colours, vmin=-0.5, vmax=2.5, aspect="auto")
        for (i, j), v in np.ndenumerate(width.to_numpy()):
            ax.text(j, i, num(v, signed=False) if np.isfinite(v) else "—", ha="center", va="center", fontsize=7)
        _label_axes(ax, width, level)
    return fig


def plot_bias(report: ReliabilityReport) -> Figure:
    """Bias (rater minus reference mean) with its 95% interval, per attribute, one marker per rater."""
    fig, levels, axes = _panels(report, f"Bias against {report.reference} (rater mean minus reference mean)")
    for ax, level in zip(axes, levels):
        part = report.results[report.results["level"] == level]
        attributes, raters = list(dict.fromkeys(part["attribute"])), list(dict.fromkeys(part["rater"]))
        step = 0.8 / max(len(raters), 1)
        for k, judge in enumerate(raters):
            mine = part[part["rater"] == judge].set_index("attribute").reindex(attributes)
            x = np.arange(len(attributes)) + (k - (len(raters) - 1) / 2) * step
            bias = mine["bias"].astype(float).to_numpy()
            ci = [c if isinstance(c, tuple) else (np.nan, np.nan) for c in mine["bias_ci95"]]
            lo, hi = np.array([c[0] for c in ci]), np.array([c[1] for c in ci])
            yerr = np.vstack([bias - lo, hi - bias])
            ax.errorbar(x, bias, yerr=np.nan_to_num(yerr), fmt="o", markersize=4, capsize=2, label=judge)
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.set_xticks(range(len(attributes)), attributes, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("bias (rating units)")
        ax.set_title(f"{level} level", fontsize=9)
        ax.legend(fontsize=7, ncols=min(len(raters), 6))
    return fig


def write_report(report: ReliabilityReport, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write :data:`REPORT_FILES` into ``folder`` (refuses to overwrite without ``force``); returns the paths."""
    out = Path(folder)
    existing = [name for name in REPORT_FILES if (out / name).exists()]
    if existing and not force:
        raise InputError(f"{out} already holds {', '.join(existing)}; pass --force (force=True) to overwrite.")
    if report.results.empty:
        raise InputError("The report has no result rows (no rater was compared with the reference); nothing to draw.")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / name for name in REPORT_FILES]
    for figure, path in zip((plot_icc(report), plot_ci_width(report), plot_bias(report)), written[1:]):
        figure.savefig(path, dpi=110)
    written[0].write_text(markdown(report), encoding="utf-8")
    return written


def markdown(report: ReliabilityReport) -> str:
    """The report as markdown: results, pairs, counts, notes, and the three pictures."""
    good, moderate = report.thresholds
    lines = [
        "# Reliability against the reference",
        "",
        f"Reference: {report.reference}"
        + (
            f" (per-item {report.reference_aggregate} of {', '.join(report.reference_raters)})"
            if len(report.reference_raters) > 1
            else ""
        )
        + f". 95% percentile bootstrap intervals, n_boot={report.n_boot}, seed={report.seed}. Class from the "
        f"ICC(A,1) interval width: good <= {good:g} < moderate <= {moderate:g} < poor.",
        "",
        "![ICC(A,1)](icc.png)",
        "",
        "![CI width](ci_width.png)",
        "",
        "![bias](bias.png)",
        "",
        "| level | attribute | rater | n | reference mean | rater mean | bias [95% CI] | MSE | ICC(C,1) [95% CI] "
        "| ICC(A,1) [95% CI] | CI width | class |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in report.results.itertuples():
        lines.append(
            f"| {r.level} | {r.attribute} | {r.rater} | {r.n} | {num(r.reference_mean, signed=False)} | "
            f"{num(r.rater_mean, signed=False)} | {with_ci(r.bias, r.bias_ci95)} | {num(r.mse, signed=False)} | "
            f"{with_ci(r.icc_c1, r.icc_c1_ci95)} | {with_ci(r.icc_a1, r.icc_a1_ci95)} | "
            f"{num(r.ci_width, signed=False)} | {r.reliability if isinstance(r.reliability, str) else '—'} |"
        )
    if len(report.pairs):
        weights = report.pairs["weights"].iloc[0]
        lines += ["", f"| attribute | rater a | rater b | n | kappa ({weights}) [95% CI] | alpha [95% CI] |"]
        lines += ["|---|---|---|---:|---:|---:|"]
        lines += [
            f"| {p.attribute} | {p.rater_a} | {p.rater_b} | {p.n} | {with_ci(p.kappa, p.kappa_ci95)} | "
            f"{with_ci(p.alpha, p.alpha_ci95)} |"
            for p in report.pairs.itertuples()
        ]
    lines += ["", "| rater | attribute | rows | missing | non-numeric | own system | no reference | paired |"]
    lines += ["|---|---|---:|---:|---:|---:|---:|---:|"]
    lines += [
        f"| {c.rater} | {c.attribute} | {c.rows} | {c.missing} | {c.non_numeric} | {c.excluded_self} | "
        f"{c.no_reference} | {c.paired} |"
        for c in report.counts.itertuples()
    ]
    lines += ["", *[f"- {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"


def with_ci(value: float | None, ci: tuple[float, float] | None) -> str:
    """``+0.50 [+0.10, +0.90]``, or the value alone without an interval."""
    return num(value) + (f" [{num(ci[0])}, {num(ci[1])}]" if isinstance(ci, tuple) else "")
