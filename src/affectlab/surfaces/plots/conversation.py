"""Figures of :func:`~affectlab.analyses.conversation.conversation_dynamics` results.

- :func:`plot_timeline`: one lane per speaker; a bar per turn whose height is the valence (scale [-1, 1],
  read on the right-hand axis) and whose colour is the top emotion; near-zero valences get a diamond so no turn
  is invisible; shifts have a black edge; conversation escalation / de-escalation episodes are drawn in their
  own rows above the lanes (never overlapping); reply-to links are drawn in threads.
- :func:`plot_transitions`: heatmaps of top label -> next top label; colour and cell text both show the
  probability, the link count follows in brackets.

Label colours are chromatic and the episode, unscored and shift marks achromatic, so they cannot be confused.
The report folder (:func:`~affectlab.surfaces.plots.conversation_report.write_report`) draws both figures.
matplotlib is imported only inside these functions (``pip install 'affectlab[plot]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.conversation import ConversationDynamics, ConversationResult, TransitionMatrix, TurnRecord
from affectlab.errors import InputError, ParameterError
from affectlab.surfaces.plots._figure import figure_class

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["label_colors", "plot_timeline", "plot_transitions"]

UNSCORED = "#9e9e9e"
#: Episode rows: y position above the first lane, face colour and hatch (achromatic, unlike any label colour).
EPISODE_STYLE = {
    "escalation": (1.0, "#404040", ""),
    "de-escalation": (0.75, "white", "////"),
}
EPISODE_EDGE = "#404040"
EPISODE_ROW_HEIGHT = 0.18
LANE_HALF = 0.45  # a lane half is valence 1
MIN_VISIBLE_VALENCE = 0.05  # bars of smaller |valence| also get a diamond at their tip
MIN_SATURATION = 0.15  # label colours below this are greys and are left out of the palette
MAX_ANNOTATED_LABELS = 10
MAX_SELF_PANELS = 4


def _pick(result: ConversationResult, conversation_id: str | None) -> tuple[str, ConversationDynamics]:
    if not result.dynamics:
        raise InputError("The result holds no conversation.")
    cid = conversation_id if conversation_id is not None else next(iter(result.dynamics))
    if cid not in result.dynamics:
        known = list(result.dynamics)
        shown = ", ".join(map(repr, known[:10])) + (" ..." if len(known) > 10 else "")
        raise ParameterError(f"Unknown conversation_id {cid!r}. Known: {shown}.")
    return cid, result.dynamics[cid]


def label_colors(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour (hex) per label, from matplotlib's tab20, tab20b and tab20c palettes without their greys."""
    import matplotlib

    palette = [
        matplotlib.colors.to_hex(c)
        for name in ("tab20", "tab20b", "tab20c")
        for c in matplotlib.colormaps[name].colors  # type: ignore[attr-defined]
        if matplotlib.colors.rgb_to_hsv(c[:3])[1] >= MIN_SATURATION
    ]
    return {label: palette[i % len(palette)] for i, label in enumerate(labels)}


def _result_labels(result: ConversationResult) -> list[str]:
    first = next((t for t in result.turns if t.emotions), None)
    labels = list(first.emotions) if first is not None and first.emotions else []
    extra = sorted({t.top for t in result.turns if t.top is not None} - set(labels))
    return labels + extra


def plot_timeline(result: ConversationResult, conversation_id: str | None = None) -> Figure:
    """Turn-by-turn timeline of one conversation.

    Parameters
    ----------
    result : ConversationResult
    conversation_id : str, optional
        Default: the first conversation.

    Returns
    -------
    matplotlib.figure.Figure
        Speakers as lanes; bar height = valence in [-1, 1] (half a lane is 1; scale on the right-hand axis),
        colour = top emotion; a diamond marks |valence| < 0.05, a grey cross a turn without a score.
        Conversation-level escalation and de-escalation episodes are rows above the lanes.
    """
    cid, dyn = _pick(result, conversation_id)
    turns = [t for t in result.turns if t.conversation_id == cid]
    speakers = list(dyn.speakers)
    lane = {s: -k for k, s in enumerate(speakers)}
    episodes = [e for e in dyn.episodes if e.scope == "conversation" and e.signal == "valence"]
    fig = figure_class()(
        figsize=(max(6.0, min(18.0, 0.45 * len(turns) + 3.0)), 1.6 + 1.1 * len(speakers) + 0.4 * bool(episodes)),
        layout="constrained",
    )
    ax = fig.add_subplot(1, 1, 1)
    x_of = {t.turn_id: x for x, t in enumerate(turns)}
    for episode in episodes:
        y, face, hatch = EPISODE_STYLE[episode.kind]
        xs = [x_of[i] for i in episode.turn_ids]
        span = [(min(xs) - 0.4, max(xs) - min(xs) + 0.8)]
        ax.broken_barh(span, (y - EPISODE_ROW_HEIGHT / 2, EPISODE_ROW_HEIGHT), facecolors=face,
                       edgecolors=EPISODE_EDGE, hatch=hatch, linewidth=0.8, zorder=2)  # fmt: skip
    for s in speakers:
        ax.axhline(lane[s], color="#555555", lw=0.6, zorder=1)
        for edge in (-LANE_HALF, LANE_HALF):
            ax.axhline(lane[s] + edge, color="#dddddd", lw=0.5, ls=":", zorder=0)
    if dyn.threaded:
        for t in turns:
            if t.parent is not None:
                p = turns[x_of[t.parent]]
                ax.plot([x_of[p.turn_id], x_of[t.turn_id]], [lane[p.speaker], lane[t.speaker]], color="#bbbbbb", lw=0.6)
    colors = label_colors(_result_labels(result))
    _draw_turns(ax, turns, lane, colors, {s.turn_id for s in dyn.shifts})
    rows = [k for k in EPISODE_STYLE if any(e.kind == k for e in episodes)]
    ax.set_yticks([lane[s] for s in speakers] + [EPISODE_STYLE[k][0] for k in rows], speakers + rows)
    ax.set_ylim(-len(speakers) + 1 - 0.55, 1.15 if episodes else 0.55)
    ax.set_xlim(-0.6, len(turns) - 0.4)
    if len(turns) <= 40:
        ax.set_xticks(range(len(turns)), [t.turn_id for t in turns], rotation=90 if len(turns) > 15 else 0, fontsize=7)
    ax.set_xlabel("turn")
    ax.set_title(f"Conversation {cid}: valence per turn (bar height, -1..1), colour = top emotion", fontsize=10)
    _valence_scale(ax, [lane[s] for s in speakers])
    _timeline_legend(fig, turns, colors, bool(dyn.shifts))
    return fig


def _draw_turns(
    ax: Axes, turns: list[TurnRecord], lane: dict[str, int], colors: dict[str, str], shift_ids: set[str]
) -> None:
    """One bar per scored turn (a diamond too when it is near zero), a grey cross per unscored turn."""
    tiny: list[tuple[int, float, str]] = []
    for x, t in enumerate(turns):
        if not t.scored:
            ax.plot([x], [lane[t.speaker]], marker="x", color=UNSCORED, zorder=3)
            continue
        assert t.valence is not None
        color = colors.get(t.top or "", UNSCORED)
        ax.bar(x, LANE_HALF * t.valence, bottom=lane[t.speaker], width=0.8, color=color,
               edgecolor="black" if t.turn_id in shift_ids else "none", linewidth=1.4, zorder=2)  # fmt: skip
        if abs(t.valence) < MIN_VISIBLE_VALENCE:
            tiny.append((x, lane[t.speaker] + LANE_HALF * t.valence, color))
    if tiny:
        xs, ys, cs = zip(*tiny)
        ax.scatter(xs, ys, marker="D", s=22, c=list(cs), edgecolors="black", linewidths=0.5, zorder=4)


def _valence_scale(ax: Axes, lanes: list[int]) -> None:
    """A right-hand axis reading bar heights as valence: -1, 0 and +1 at every lane."""
    scale = ax.twinx()
    scale.set_ylim(ax.get_ylim())
    ticks = [(y + v * LANE_HALF, label) for y in lanes for v, label in ((-1, "-1"), (0, "0"), (1, "+1"))]
    scale.set_yticks([y for y, _ in ticks], [label for _, label in ticks], fontsize=7)
    scale.set_ylabel("valence (bar height)", fontsize=8)


def _timeline_legend(fig: Figure, turns: list[TurnRecord], colors: dict[str, str], shifts: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    used = list(dict.fromkeys(t.top for t in turns if t.scored and t.top is not None))
    handles: list[Any] = [Patch(color=colors[k], label=k) for k in used]
    if shifts:
        handles.append(Patch(facecolor="white", edgecolor="black", label="shift"))
    if any(t.scored and t.valence is not None and abs(t.valence) < MIN_VISIBLE_VALENCE for t in turns):
        handles.append(Line2D([], [], marker="D", color="none", markerfacecolor="white", markeredgecolor="black",
                              label=f"|valence| < {MIN_VISIBLE_VALENCE}"))  # fmt: skip
    if handles:
        fig.legend(handles=handles, loc="outside right upper", fontsize=7, frameon=False)


def _heatmap(ax: Axes, matrix: TransitionMatrix, title: str) -> None:
    ax.set_title(f"{title} ({matrix.n_pairs} links)", fontsize=9)
    if not matrix.labels or matrix.n_pairs == 0:
        ax.text(0.5, 0.5, "no transitions", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    import matplotlib

    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#eeeeee")
    probs = np.ma.masked_invalid(matrix.probabilities)
    image = ax.imshow(probs, cmap=cmap, vmin=0.0, vmax=1.0)
    n = len(matrix.labels)
    ax.set_xticks(range(n), matrix.labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), matrix.labels, fontsize=7)
    ax.set_xlabel("next top emotion", fontsize=8)
    ax.set_ylabel("top emotion", fontsize=8)
    if n <= MAX_ANNOTATED_LABELS:
        for i in range(n):
            for j in range(n):
                if matrix.counts[i, j]:
                    value = matrix.probabilities[i, j]
                    ax.text(j, i, f"{value:.2f}\n({matrix.counts[i, j]})", ha="center", va="center", fontsize=6,
                            color="white" if value > 0.6 else "black")  # fmt: skip
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label("P(next | top emotion)", fontsize=8)


def plot_transitions(result: ConversationResult, conversation_id: str | None = None) -> Figure:
    """Transition heatmaps of one conversation: all links, then each speaker's own turns.

    Colour and cell text show P(next top emotion | top emotion), in [0, 1]; the link count follows in
    brackets. Grey rows are labels never followed by another turn. At most 4 speaker panels are drawn.
    """
    cid, dyn = _pick(result, conversation_id)
    panels = [("all links", dyn.transitions)]
    panels += [(f"{s}: own turns", m) for s, m in list(dyn.self_transitions.items())[:MAX_SELF_PANELS]]
    size = 2.4 + 0.22 * len(dyn.transitions.labels)
    fig = figure_class()(figsize=(size * len(panels) + 0.5, size + 0.6), layout="compressed")
    for k, (title, matrix) in enumerate(panels):
        _heatmap(fig.add_subplot(1, len(panels), k + 1), matrix, title)
    fig.suptitle(f"Conversation {cid}: top emotion -> next top emotion; cells: probability (link count)", fontsize=10)
    return fig
