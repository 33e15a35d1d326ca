"""Write an :class:`~affectlab.analyses.evaluation.EvalReport` as markdown, JSON and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.analyses.evaluation import CLASSIFICATION_METRICS, EvalReport, affectlab_version
from affectlab.analyses.metrics import ECE_BINS, safe_div
from affectlab.analyses.tables import VAD_DIMENSIONS
from affectlab.errors import InputError
from affectlab.surfaces.plots._figure import figure_class
from affectlab.surfaces.plots._format import num

__all__ = ["REPORT_FILES", "format_metric", "write_report"]


# -- markdown and plots ------------------------------------------------------------------------------

REPORT_FILES = {
    "multilabel": ("report.md", "report.json", "per_label_f1.png", "cooccurrence.png", "reliability.png"),
    "regression": ("report.md", "report.json", "scatter.png"),
}


def format_metric(value: float | None, digits: int = 3) -> str:
    """A metric for tables and reports: ``digits`` decimals, ``n/a`` when undefined."""
    return num(value, digits, signed=False, missing="n/a")


def _ci(report: EvalReport, key: str) -> str:
    interval = report.ci95.get(key)
    return "n/a" if interval is None else f"[{format_metric(interval[0])}, {format_metric(interval[1])}]"


def write_report(report: EvalReport, folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``report.md`` (the JSON figures as markdown), ``report.json`` and PNG plots to a folder.

    Plots: per-label F1 bars, label co-occurrence (gold label x predicted label,
    row-normalised) and the reliability diagram for multi-label data; predicted
    versus gold scatter per dimension for regression. Needs matplotlib
    (``pip install 'affectlab[plot]'``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        A file would be overwritten and ``force`` is False.
    MissingExtra
        matplotlib is not installed.
    """
    Figure = figure_class()
    out = Path(folder)
    names = REPORT_FILES[report.kind]
    existing = [name for name in names if (out / name).exists()]
    if existing and not force:
        raise InputError(f"{out} already holds {', '.join(existing)}; pass --force (force=True) to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    if report.kind == "multilabel":
        _plot_per_label(report, Figure).savefig(out / "per_label_f1.png", dpi=110)
        _plot_cooccurrence(report, Figure).savefig(out / "cooccurrence.png", dpi=110)
        _plot_reliability(report, Figure).savefig(out / "reliability.png", dpi=110)
    else:
        _plot_scatter(report, Figure).savefig(out / "scatter.png", dpi=110)
    (out / "report.md").write_text(_markdown(report), encoding="utf-8")
    return [out / name for name in names]


def _markdown(report: EvalReport) -> str:
    model = report.model
    lines = [
        f"# Evaluation: {report.dataset} ({report.split})",
        "",
        "| | |",
        "|---|---|",
        f"| dataset | {report.dataset}, split {report.split}, n = {report.n} |",
        f"| model | {model['engine']} {model['version']} (native taxonomy {model['native_taxonomy']}"
        + (f"; `{model['spec']}`" if model.get("spec") else "")
        + ") |",
        f"| taxonomy | {report.taxonomy or 'n/a'} |",
        f"| predictions | {report.prediction_source} |",
        f"| thresholds | {report.threshold_source or 'n/a'} |",
        f"| intervals | 95% percentile bootstrap over items, {report.n_boot} resamples, seed {report.seed} |",
        f"| affectlab | {affectlab_version()} |",
    ]
    if report.subset:
        lines.append(f"| **subset** | **{report.subset}** |")
    lines.append("")
    if report.kind == "multilabel":
        lines += ["## Headline metrics", "", "| metric | value | 95% CI |", "|---|---:|---|"]
        for key in CLASSIFICATION_METRICS:
            value = getattr(report, key)
            lines.append(f"| {key} | {format_metric(value)} | {_ci(report, key) if key in report.ci95 else ''} |")
        lines += [
            "",
            "## Per label",
            "",
            "| label | F1 | precision | recall | support | threshold |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, row in (report.per_label or {}).items():
            threshold = (report.thresholds or {}).get(label)
            lines.append(
                f"| {label} | {format_metric(row['f1'])} | {format_metric(row['precision'])} | "
                f"{format_metric(row['recall'])} | {row['support']} | {format_metric(threshold, 2)} |"
            )
        lines += [
            "",
            "![per-label F1](per_label_f1.png)",
            "",
            "## Label co-occurrence",
            "",
            "Rows: gold label; columns: predicted label; cell: share of the row label's items predicted with "
            "the column label (the diagonal is recall).",
            "",
            "![co-occurrence](cooccurrence.png)",
            "",
            "## Calibration",
            "",
            f"ECE over all per-label probabilities, {ECE_BINS} equal-width bins: {format_metric(report.ece)} "
            f"{_ci(report, 'ece')}; Brier score {format_metric(report.brier)}.",
            "",
            "![reliability diagram](reliability.png)",
            "",
            "| bin | count | confidence | accuracy |",
            "|---|---:|---:|---:|",
        ]
        for b in report.reliability or []:
            lines.append(
                f"| {b['lo']:.3f}-{b['hi']:.3f} | {b['count']} | {format_metric(b['confidence'])} | "
                f"{format_metric(b['accuracy'])} |"
            )
    else:
        lines += [
            "## Regression",
            "",
            "| dimension | source | Pearson | Spearman | CCC | MAE |",
            "|---|---|---|---|---|---|",
        ]
        metrics = ("pearson", "spearman", "ccc", "mae")
        for dim in [*report.columns, "mean"]:
            source = (report.dimension_source or {}).get(dim, "")
            cells = [
                f"{format_metric((getattr(report, m) or {}).get(dim))} {_ci(report, f'{m}.{dim}')}" for m in metrics
            ]
            lines.append(f"| {dim} | {source} | " + " | ".join(cells) + " |")
        lines += ["", "![predicted vs gold](scatter.png)"]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    lines += ["", "Definitions: docs/evaluation.md.", ""]
    return "\n".join(lines)


def _plot_per_label(report: EvalReport, figure: Any) -> Any:
    per = report.per_label or {}
    order = sorted(per, key=lambda k: per[k]["f1"])
    fig = figure(figsize=(6, 0.25 * len(order) + 1.2))
    ax = fig.add_subplot()
    ax.barh(order, [per[k]["f1"] for k in order], color="#4c72b0")
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    ax.set_title(f"Per-label F1: {report.dataset} ({report.split}), macro {format_metric(report.macro_f1)}")
    fig.tight_layout()
    return fig


def _plot_cooccurrence(report: EvalReport, figure: Any) -> Any:
    gold, pred = report.gold, report.predicted
    matrix = safe_div(gold.T @ pred, gold.sum(axis=0)[:, None])
    size = 0.3 * len(report.columns) + 2.5
    fig = figure(figsize=(size + 1, size))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, vmin=0, vmax=1, cmap="Blues")
    ticks = range(len(report.columns))
    ax.set_xticks(ticks, report.columns, rotation=90)
    ax.set_yticks(ticks, report.columns)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("gold label")
    ax.set_title(f"Label co-occurrence: {report.dataset} ({report.split})")
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of gold items")
    fig.tight_layout()
    return fig


def _plot_reliability(report: EvalReport, figure: Any) -> Any:
    bins = [b for b in report.reliability or [] if b["count"]]
    fig = figure(figsize=(5, 5.5))
    ax, counts = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label="model")
    ax.set_ylabel("fraction of gold positives")
    ax.set_title(f"Reliability: ECE {format_metric(report.ece)}")
    ax.legend(loc="upper left")
    counts.bar([(b["lo"] + b["hi"]) / 2 for b in bins], [b["count"] for b in bins], width=1 / ECE_BINS)
    counts.set_yscale("log")
    counts.set_xlabel("predicted probability")
    counts.set_ylabel("count")
    fig.tight_layout()
    return fig


def _plot_scatter(report: EvalReport, figure: Any) -> Any:
    dims = report.columns
    fig = figure(figsize=(3.2 * len(dims), 3.4))
    axes = np.atleast_1d(fig.subplots(1, len(dims)))
    for j, (ax, dim) in enumerate(zip(axes, dims)):
        ax.scatter(report.gold[:, j], report.predicted[:, j], s=4, alpha=0.3)
        lo = -1.0 if dim in VAD_DIMENSIONS else 0.0
        ax.plot([lo, 1], [lo, 1], linestyle="--", color="grey")
        ax.set_title(f"{dim}: r {format_metric((report.pearson or {}).get(dim), 2)}")
        ax.set_xlabel("gold")
        ax.set_ylabel("predicted")
    fig.tight_layout()
    return fig
