"""Pictures of emotion directions: probe accuracy per layer, cosine map, steering results, ablation per layer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.directions import EmotionDirections, LocalizationReport, SteeringReport
from affectlab.surfaces.plots._figure import figure_class

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_cosine", "plot_localization", "plot_probe_accuracy", "plot_steering", "write_plots"]

CONDITION_COLOURS = {"unsteered": "#999999", "prompted": "#4575b4", "steered": "#d73027", "random": "#fdae61"}


def plot_probe_accuracy(directions: EmotionDirections) -> Figure:
    """Probe accuracy on held-out frames per layer (both pools), the train-frame CV that picks the best layer."""
    fig = figure_class()(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    layers = np.arange(len(directions.probe_accuracy))
    other = "mean" if directions.pool == "last" else "last"
    ax.plot(layers, directions.probe_accuracy, "o-", color="#d73027", label=f"{directions.pool} token, test frames")
    if len(directions.other_pool_accuracy):
        ax.plot(layers, directions.other_pool_accuracy, "s--", color="#4575b4", label=f"{other} of tokens, test frames")
    ax.plot(layers, directions.cv_accuracy, ":", color="#555555", label="train frames held out (chooses the layer)")
    ax.axhline(1 / len(directions.emotions), color="#aaaaaa", lw=0.8, label="chance")
    ax.axvline(directions.best_layer, color="#1a9850", lw=0.8, label=f"best layer {directions.best_layer}")
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel(f"accuracy, {len(directions.emotions)} classes")
    ax.set_ylim(0, 1)
    ax.set_title(f"Emotion probe per layer: {directions.model}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def plot_cosine(directions: EmotionDirections, layer: int | None = None) -> Figure:
    """Cosine similarity between the emotion directions at ``layer`` (default the best layer)."""
    layer = directions.best_layer if layer is None else layer
    cos = directions.cosine(layer)
    fig = figure_class()(figsize=(5, 4.3), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(cos, cmap="RdBu_r", vmin=-1, vmax=1)
    names = list(directions.emotions)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for (i, j), v in np.ndenumerate(cos):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title(f"Cosine between emotion directions, layer {layer}", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def plot_steering(report: SteeringReport) -> Figure:
    """Success rate (affectlab's top label = target) per emotion and condition, with 95% CIs; distinct-2 below."""
    summary = report.summary
    emotions = list(dict.fromkeys(summary["emotion"]))
    conditions = [c for c in CONDITION_COLOURS if c in set(summary["condition"])]
    fig = figure_class()(figsize=(8, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    width = 0.8 / len(conditions)
    for k, condition in enumerate(conditions):
        part = summary[summary["condition"] == condition].set_index("emotion").reindex(emotions)
        x = np.arange(len(emotions)) + (k - (len(conditions) - 1) / 2) * width
        err = np.vstack(
            [part["success_rate"] - part["success_rate_lo"], part["success_rate_hi"] - part["success_rate"]]
        )
        top.bar(x, part["success_rate"], width, yerr=np.abs(err), color=CONDITION_COLOURS[condition], label=condition)
        bottom.bar(x, part["distinct_2"], width, color=CONDITION_COLOURS[condition])
    top.set_ylabel("success rate")
    top.set_ylim(0, 1.3)
    top.legend(fontsize=7, ncol=len(conditions))
    top.set_title(
        f"Steering {report.model} at layer(s) {', '.join(map(str, report.layers))}, judged by affectlab", fontsize=10
    )
    bottom.axhline(report.floor, color="#555555", lw=0.8, ls=":")
    bottom.set_ylabel("distinct-2")
    bottom.set_ylim(0, 1)
    bottom.set_xticks(range(len(emotions)), emotions, fontsize=8)
    return fig


def _paired_bars(ax: Any, table: Any, columns: tuple[str, str], labels: tuple[str, str]) -> None:
    """Two measures per layer as bars with CIs, and their difference (``influence``) as diamonds with its CI."""
    x = np.arange(len(table))
    for column, colour, label, shift in zip(columns, ("#d73027", "#fdae61"), labels, (-0.2, 0.2)):
        err = np.abs(np.vstack([table[column] - table[f"{column}_lo"], table[f"{column}_hi"] - table[column]]))
        ax.bar(x + shift, table[column], 0.4, yerr=err, color=colour, label=label)
    err = np.abs(np.vstack([table["influence"] - table["influence_lo"], table["influence_hi"] - table["influence"]]))
    ax.errorbar(
        x, table["influence"], yerr=err, fmt="D", color="black", ms=4, capsize=3, label="influence (difference)"
    )
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_xticks(x, table["layer"].astype(str), fontsize=8)
    ax.legend(fontsize=7)


def plot_localization(report: LocalizationReport) -> Figure:
    """Per layer, against a random control: the drop of the target probability under mean ablation of the
    emotion direction, and (when measured) its gain when the last prompt position is patched.
    """
    panels = 1 if report.patching.empty else 2
    fig = figure_class()(figsize=(8, 3.4 * panels), layout="constrained")
    axes = np.atleast_1d(fig.subplots(panels, 1))
    _paired_bars(axes[0], report.layers, ("drop", "control_drop"), ("emotion direction", "random direction"))
    axes[0].set_xlabel("mean-ablated layer")
    axes[0].set_ylabel("drop of target probability")
    axes[0].set_title(f"Ablation per layer: {report.model} (emotional prompts, judged by affectlab)", fontsize=10)
    if panels == 2:
        _paired_bars(axes[1], report.patching, ("gain", "control_gain"), ("emotional run's state", "random vector"))
        axes[1].set_xlabel("patched layer (last prompt position of the neutral scenario)")
        axes[1].set_ylabel("gain of target probability")
        axes[1].set_title("Activation patching per layer", fontsize=10)
    return fig


def write_plots(
    folder: str | Path,
    *,
    directions: EmotionDirections | None = None,
    steering: SteeringReport | None = None,
    localization: LocalizationReport | None = None,
    prefix: str = "directions",
) -> list[Path]:
    """Write the pictures of whatever is given to ``folder`` as PNG files; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures: list[tuple[str, Figure]] = []
    if directions is not None:
        figures += [("probe", plot_probe_accuracy(directions)), ("cosine", plot_cosine(directions))]
    if steering is not None:
        figures.append(("steering", plot_steering(steering)))
    if localization is not None:
        figures.append(("ablation", plot_localization(localization)))
    paths = []
    for name, fig in figures:
        path = folder / f"{prefix}-{name}.png"
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
