"""The conversation report folder: PNG figures, ``summary.md``, a self-contained ``report.html`` and ``dynamics.json``.

``report.html`` inlines its images and has no scripts and no external URLs. The figures are
:func:`~affectlab.surfaces.plots.conversation.plot_timeline` and
:func:`~affectlab.surfaces.plots.conversation.plot_transitions`; matplotlib is needed
(``pip install 'affectlab[plot]'``).
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

from affectlab.analyses.conversation import ConversationDynamics, ConversationResult
from affectlab.errors import InputError, ParameterError
from affectlab.surfaces.plots._format import MISSING, num
from affectlab.surfaces.plots.conversation import figure_class, plot_timeline, plot_transitions

__all__ = ["write_report"]


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
        blocks += _conversation_blocks(cid, dyn, images.get(cid), p.get("shift_threshold"))
    if len(result.dynamics) > limit:
        blocks.append(("p", f"{len(result.dynamics) - limit} more conversation(s) are in dynamics.json."))
    return blocks


def _conversation_blocks(
    cid: str, dyn: ConversationDynamics, images: tuple[str, str] | None, threshold: Any
) -> list[Block]:
    """Heading, figures and tables of one conversation."""
    kind = "threaded" if dyn.threaded else "linear"
    blocks: list[Block] = [
        ("h2", f"Conversation {cid}"),
        ("p", f"{dyn.n_turns} turns ({dyn.n_scored} scored), {len(dyn.speakers)} speaker(s), {kind}."),
    ]
    if dyn.undefined:
        blocks.append(("p", "Undefined: " + "; ".join(f"{k}: {v}" for k, v in dyn.undefined.items()) + "."))
    if images:
        blocks.append(("img", images[0], f"timeline of {cid}"))
    blocks += [("h3", "Speakers"), _speaker_table(dyn)]
    contagion = _contagion_table(dyn)
    if contagion[2]:
        blocks += [("h3", "Contagion: v_self[t] = a·v_self[t-1] + b·v_other[t-1] + c"), contagion]
    blocks.append(("h3", f"Shifts (own-turn valence change of at least {threshold})"))
    rows = [
        [s.speaker, f"{s.previous_turn_id} → {s.turn_id}", num(s.delta), f"{s.previous_top} → {s.top}"]
        for s in dyn.shifts
    ]
    blocks.append(("table", ["speaker", "turns", "Δ valence", "top emotion"], rows) if rows else ("p", "None."))
    blocks.append(("h3", "Escalation and de-escalation episodes"))
    rows = [
        [e.scope, e.kind, e.signal, f"{e.turn_ids[0]} … {e.turn_ids[-1]} ({len(e.turn_ids)} turns)", num(e.change)]
        for e in dyn.episodes
    ]
    blocks.append(("table", ["scope", "kind", "signal", "turns", "change"], rows) if rows else ("p", "None."))
    if images:
        blocks.append(("img", images[1], f"transitions of {cid}"))
    return blocks


def _speaker_table(dyn: ConversationDynamics) -> Block:
    rows = []
    for s, summary in dyn.speakers.items():
        inertia, outcome = dyn.inertia[s], dyn.outcomes[s]
        turns = f" ({outcome.first_turn_id} → {outcome.last_turn_id})" if outcome.first_turn_id else ""
        rows.append(
            [
                s,
                str(summary.n_turns),
                num(summary.mean_valence),
                f"{num(inertia.autocorrelation)} ({inertia.n_pairs})",
                num(inertia.self_transition_rate, signed=False),
                f"{num(outcome.first_valence)} → {num(outcome.last_valence)}" + turns,
                outcome.verdict or MISSING,
            ]
        )
    headers = ["speaker", "turns", "mean valence", "inertia r (pairs)", "top repeats", "first → last", "verdict"]
    return ("table", headers, rows)


def _contagion_table(dyn: ConversationDynamics) -> Block:
    rows = [
        [
            target,
            source,
            num(e.b),
            MISSING if e.b_ci95 is None else f"[{num(e.b_ci95[0])}, {num(e.b_ci95[1])}]",
            num(e.a),
            str(e.n),
            "; ".join(e.undefined.values()) or "",
        ]
        for target, row in dyn.contagion.items()
        for source, e in row.items()
    ]
    return ("table", ["self", "other", "b", "95% CI of b", "a", "n", "note"], rows)


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
    figure_class()
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
            fig.savefig(out / name, dpi=110, bbox_inches="tight")
            written.append(out / name)
    blocks = _blocks(result, title, images, max_conversations)
    (out / "summary.md").write_text(_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(_html(blocks, out), encoding="utf-8")
    payload = {"parameters": result.parameters, "dynamics": {k: v.to_dict() for k, v in result.dynamics.items()}}
    (out / "dynamics.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return [*written, out / "summary.md", out / "report.html", out / "dynamics.json"]
