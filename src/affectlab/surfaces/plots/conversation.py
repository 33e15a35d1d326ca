"""Figures and a report for :func:`~affectlab.analyses.conversation.conversation_dynamics` results.

- :func:`plot_timeline`: one lane per speaker; a bar per turn whose height is the valence
  (scale [-1, 1]) and whose colour is the top emotion; shifts have a black edge, conversation
  escalation / de-escalation episodes are shaded, reply-to links are drawn in threads.
- :func:`plot_transitions`: heatmaps of top label -> next top label probabilities.
- :func:`write_report`: PNG figures, ``summary.md``, a self-contained ``report.html`` (images
  inlined, no scripts, no external URLs) and ``dynamics.json`` in a folder.

matplotlib is imported only inside these functions (``pip install 'affectlab[plot]'``).
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.conversation import ConversationDynamics, ConversationResult, TransitionMatrix
from affectlab.errors import InputError, MissingExtra, ParameterError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["label_colors", "plot_timeline", "plot_transitions", "write_report"]

UNSCORED = "#9e9e9e"
ESCALATION_SHADE = "#f4c7c3"
DEESCALATION_SHADE = "#c8e6c9"
MAX_ANNOTATED_LABELS = 10
MAX_SELF_PANELS = 4


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtra("Plots need matplotlib: pip install 'affectlab[plot]'.") from exc
    return Figure


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
    """A stable colour (hex) per label, from matplotlib's tab20, tab20b and tab20c palettes."""
    import matplotlib

    palette = [
        matplotlib.colors.to_hex(c)
        for name in ("tab20", "tab20b", "tab20c")
        for c in matplotlib.colormaps[name].colors  # type: ignore[attr-defined]
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
        Speakers as lanes; bar height = valence in [-1, 1] (scaled to half a lane), colour = top
        emotion; grey crosses mark turns without a score.
    """
    figure_class = _figure_class()
    cid, dyn = _pick(result, conversation_id)
    turns = [t for t in result.turns if t.conversation_id == cid]
    speakers = list(dyn.speakers)
    lane = {s: -k for k, s in enumerate(speakers)}
    x_of = {t.turn_id: x for x, t in enumerate(turns)}
    colors = label_colors(_result_labels(result))
    shift_ids = {s.turn_id for s in dyn.shifts}
    fig = figure_class(
        figsize=(max(6.0, min(18.0, 0.45 * len(turns) + 2.5)), 1.4 + 1.1 * len(speakers)), layout="constrained"
    )
    ax = fig.add_subplot(1, 1, 1)
    for episode in dyn.episodes:
        if episode.scope == "conversation" and episode.signal == "valence":
            xs = [x_of[i] for i in episode.turn_ids]
            shade = ESCALATION_SHADE if episode.kind == "escalation" else DEESCALATION_SHADE
            ax.axvspan(min(xs) - 0.45, max(xs) + 0.45, color=shade, alpha=0.6, lw=0, zorder=0)
    for s in speakers:
        ax.axhline(lane[s], color="#555555", lw=0.6, zorder=1)
    if dyn.threaded:
        for t in turns:
            if t.parent is not None:
                p = turns[x_of[t.parent]]
                ax.plot([x_of[p.turn_id], x_of[t.turn_id]], [lane[p.speaker], lane[t.speaker]], color="#bbbbbb", lw=0.6)
    for x, t in enumerate(turns):
        if not t.scored:
            ax.plot([x], [lane[t.speaker]], marker="x", color=UNSCORED, zorder=3)
            continue
        assert t.valence is not None
        ax.bar(
            x,
            0.45 * t.valence,
            bottom=lane[t.speaker],
            width=0.8,
            color=colors.get(t.top or "", UNSCORED),
            edgecolor="black" if t.turn_id in shift_ids else "none",
            linewidth=1.4,
            zorder=2,
        )
    ax.set_yticks([lane[s] for s in speakers], speakers)
    ax.set_ylim(-len(speakers) + 0.45, 0.55)
    ax.set_xlim(-0.6, len(turns) - 0.4)
    if len(turns) <= 40:
        ax.set_xticks(range(len(turns)), [t.turn_id for t in turns], rotation=90 if len(turns) > 15 else 0, fontsize=7)
    ax.set_xlabel("turn")
    ax.set_title(f"Conversation {cid}: valence per turn (bar height, -1..1), colour = top emotion", fontsize=10)
    from matplotlib.patches import Patch

    used = list(dict.fromkeys(t.top for t in turns if t.scored and t.top is not None))
    handles = [Patch(color=colors[k], label=k) for k in used]
    if shift_ids:
        handles.append(Patch(facecolor="white", edgecolor="black", label="shift"))
    if any(e.scope == "conversation" and e.signal == "valence" for e in dyn.episodes):
        handles += [
            Patch(color=ESCALATION_SHADE, label="escalation"),
            Patch(color=DEESCALATION_SHADE, label="de-escalation"),
        ]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return fig


def _heatmap(ax: Any, matrix: TransitionMatrix, title: str) -> None:
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
                    ax.text(
                        j, i, str(matrix.counts[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 else "black",
                    )  # fmt: skip
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="probability")


def plot_transitions(result: ConversationResult, conversation_id: str | None = None) -> Figure:
    """Transition heatmaps of one conversation: all links, then each speaker's own turns.

    Cells show P(next top emotion | top emotion), in [0, 1], with link counts written in;
    grey rows are labels never followed by another turn. At most 4 speaker panels are drawn.
    """
    figure_class = _figure_class()
    cid, dyn = _pick(result, conversation_id)
    panels = [("all links", dyn.transitions)]
    panels += [(f"{s}: own turns", m) for s, m in list(dyn.self_transitions.items())[:MAX_SELF_PANELS]]
    size = 2.4 + 0.22 * len(dyn.transitions.labels)
    fig = figure_class(figsize=(size * len(panels) + 0.5, size + 0.6), layout="constrained")
    for k, (title, matrix) in enumerate(panels):
        _heatmap(fig.add_subplot(1, len(panels), k + 1), matrix, title)
    fig.suptitle(f"Conversation {cid}: top emotion -> next top emotion", fontsize=10)
    return fig


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def _num(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _slug(cid: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", cid).strip("-.") or "conversation"
    slug, k = base, 2
    while slug in used:
        slug, k = f"{base}-{k}", k + 1
    used.add(slug)
    return slug


Block = tuple[Any, ...]


def _blocks(result: ConversationResult, title: str, images: dict[str, tuple[str, str]], limit: int) -> list[Block]:
    p = result.parameters
    n_turns = len(result.turns)
    blocks: list[Block] = [
        ("h1", title),
        (
            "p",
            f"{len(result.dynamics)} conversation(s), {n_turns} turns. "
            f"Engine: {p.get('engine') or 'precomputed scores'}; "
            f"taxonomy: {p.get('taxonomy') or '—'}; context turns: {p.get('context')} "
            f"(weight {p.get('context_weight')}). Valence and arousal are on [-1, 1] (0 neutral), "
            "probabilities on [0, 1].",
        ),
    ]
    for cid, dyn in list(result.dynamics.items())[:limit]:
        kind = "threaded" if dyn.threaded else "linear"
        blocks.append(("h2", f"Conversation {cid}"))
        blocks.append(("p", f"{dyn.n_turns} turns ({dyn.n_scored} scored), {len(dyn.speakers)} speaker(s), {kind}."))
        if dyn.undefined:
            blocks.append(("p", "Undefined: " + "; ".join(f"{k}: {v}" for k, v in dyn.undefined.items()) + "."))
        if cid in images:
            blocks.append(("img", images[cid][0], f"timeline of {cid}"))
        rows = []
        for s, summary in dyn.speakers.items():
            inertia, outcome = dyn.inertia[s], dyn.outcomes[s]
            rows.append(
                [
                    s,
                    str(summary.n_turns),
                    _num(summary.mean_valence),
                    f"{_num(inertia.autocorrelation)} ({inertia.n_pairs})",
                    _num(inertia.self_transition_rate, signed=False),
                    f"{_num(outcome.first_valence)} → {_num(outcome.last_valence)}"
                    + (f" ({outcome.first_turn_id} → {outcome.last_turn_id})" if outcome.first_turn_id else ""),
                    outcome.verdict or "—",
                ]
            )
        headers = ["speaker", "turns", "mean valence", "inertia r (pairs)", "top repeats", "first → last", "verdict"]
        blocks += [("h3", "Speakers"), ("table", headers, rows)]
        rows = [
            [
                target,
                source,
                _num(e.b),
                "—" if e.b_ci95 is None else f"[{e.b_ci95[0]:+.2f}, {e.b_ci95[1]:+.2f}]",
                _num(e.a),
                str(e.n),
                "; ".join(e.undefined.values()) or "",
            ]
            for target, row in dyn.contagion.items()
            for source, e in row.items()
        ]
        if rows:
            blocks.append(("h3", "Contagion: v_self[t] = a·v_self[t-1] + b·v_other[t-1] + c"))
            blocks.append(("table", ["self", "other", "b", "95% CI of b", "a", "n", "note"], rows))
        threshold = p.get("shift_threshold")
        blocks.append(("h3", f"Shifts (own-turn valence change of at least {threshold})"))
        if dyn.shifts:
            rows = [
                [s.speaker, f"{s.previous_turn_id} → {s.turn_id}", _num(s.delta), f"{s.previous_top} → {s.top}"]
                for s in dyn.shifts
            ]
            blocks.append(("table", ["speaker", "turns", "Δ valence", "top emotion"], rows))
        else:
            blocks.append(("p", "None."))
        blocks.append(("h3", "Escalation and de-escalation episodes"))
        if dyn.episodes:
            rows = [
                [
                    e.scope,
                    e.kind,
                    e.signal,
                    f"{e.turn_ids[0]} … {e.turn_ids[-1]} ({len(e.turn_ids)} turns)",
                    _num(e.change),
                ]
                for e in dyn.episodes
            ]
            blocks.append(("table", ["scope", "kind", "signal", "turns", "change"], rows))
        else:
            blocks.append(("p", "None."))
        if cid in images:
            blocks.append(("img", images[cid][1], f"transitions of {cid}"))
    if len(result.dynamics) > limit:
        blocks.append(("p", f"{len(result.dynamics) - limit} more conversation(s) are in dynamics.json."))
    return blocks


def _markdown(blocks: list[Block]) -> str:
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + block[1])
        elif kind == "p":
            out.append(block[1])
        elif kind == "img":
            out.append(f"![{block[2]}]({block[1]})")
        else:
            headers, rows = block[1], block[2]
            cell = lambda v: str(v).replace("|", "\\|")  # noqa: E731
            lines = ["| " + " | ".join(map(cell, headers)) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(map(cell, r)) + " |" for r in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


STYLE = (
    "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0 1.2em}th,td{border:1px solid #ccc;padding:.25em .6em;"
    "font-size:.9em;text-align:left}th{background:#f3f3f3}img{max-width:100%;height:auto;display:block;"
    "margin:.5em 0}h2{border-top:1px solid #ddd;padding-top:1em}"
)


def _html(blocks: list[Block], folder: Path) -> str:
    title = next((b[1] for b in blocks if b[0] == "h1"), "Conversation dynamics")
    body = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{html.escape(block[1])}</p>")
        elif kind == "img":
            data = base64.b64encode((folder / block[1]).read_bytes()).decode("ascii")
            body.append(f'<img src="data:image/png;base64,{data}" alt="{html.escape(block[2])}">')
        else:
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in block[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_report(
    result: ConversationResult,
    folder: str | Path,
    *,
    force: bool = False,
    title: str = "Conversation dynamics",
    max_conversations: int = 20,
) -> list[Path]:
    """Write figures, ``summary.md``, ``report.html`` and ``dynamics.json`` into ``folder``.

    Parameters
    ----------
    result : ConversationResult
    folder : str or Path
        Created if missing.
    force : bool, default=False
        Overwrite existing report files (otherwise :class:`~affectlab.errors.InputError`).
    title : str, default="Conversation dynamics"
    max_conversations : int, default=20
        Conversations drawn and tabulated; all of them are in ``dynamics.json``.

    Returns
    -------
    list of Path
        The files written.
    """
    if not isinstance(max_conversations, int) or max_conversations < 1:
        raise ParameterError(
            f"The 'max_conversations' parameter of write_report must be an int >= 1. Got {max_conversations!r} instead."
        )
    _figure_class()
    out = Path(folder)
    used: set[str] = set()
    images = {}
    for cid in list(result.dynamics)[:max_conversations]:
        slug = _slug(cid, used)
        images[cid] = (f"timeline_{slug}.png", f"transitions_{slug}.png")
    names = ["summary.md", "report.html", "dynamics.json", *(n for pair in images.values() for n in pair)]
    existing = [n for n in names if (out / n).exists()]
    if existing and not force:
        raise InputError(
            f"Report folder {str(out)!r} already holds {', '.join(existing[:5])}"
            + (" ..." if len(existing) > 5 else "")
            + "; pass force=True (--force) to overwrite."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for cid, (timeline, transitions) in images.items():
        for name, draw in ((timeline, plot_timeline), (transitions, plot_transitions)):
            fig = draw(result, cid)
            fig.savefig(out / name, dpi=110)
            written.append(out / name)
    blocks = _blocks(result, title, images, max_conversations)
    (out / "summary.md").write_text(_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(_html(blocks, out), encoding="utf-8")
    payload = {"parameters": result.parameters, "dynamics": {k: v.to_dict() for k, v in result.dynamics.items()}}
    (out / "dynamics.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return [*written, out / "summary.md", out / "report.html", out / "dynamics.json"]
