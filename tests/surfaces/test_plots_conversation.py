"""Conversation figures and the report folder: files produced, PNGs decode, HTML self-contained."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from affectlab.analyses.conversation import ConversationResult, conversation_dynamics
from affectlab.engines.embedded import EmbeddedEngine
from affectlab.errors import InputError, ParameterError
from affectlab.surfaces.plots.conversation import label_colors, plot_timeline, plot_transitions
from affectlab.surfaces.plots.conversation_report import write_report

pytest.importorskip("matplotlib", reason="the plot extra is not installed")
Image = pytest.importorskip("PIL.Image")  # pillow comes with matplotlib

VALUES = [-0.1, 0.3, -0.3, 0.2, -0.6, 0.15, -0.8, 0.4, -0.2, 0.5, 0.4]
TOPS = ["neutral", "caring", "annoyance", "neutral", "anger", "remorse", "anger", "caring", "surprise", "joy", "joy"]


@pytest.fixture(scope="module")
def scored() -> ConversationResult:
    rows = [
        {"conversation_id": "support", "speaker": "CG"[i % 2], "text": f"turn {i}", "valence": v, "top": t}
        for i, (v, t) in enumerate(zip(VALUES, TOPS))
    ]
    rows.insert(5, {"conversation_id": "support", "speaker": "G", "text": "", "valence": None, "top": None})
    rows.append({"conversation_id": "single / one", "speaker": "X", "text": "alone", "valence": 0.2, "top": "joy"})
    return conversation_dynamics(rows, engine=None)


def decodes(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.size


def test_timeline_draws_one_bar_per_scored_turn(scored: ConversationResult) -> None:
    fig = plot_timeline(scored, "support")
    ax = fig.axes[0]
    bars = [patch for container in ax.containers for patch in container]
    assert len(bars) == 11  # 12 turns, one without a score
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "G", "escalation", "de-escalation"]
    assert "valence" in ax.get_title()
    heights = sorted(round(p.get_height(), 3) for p in bars)
    assert heights[0] == round(0.45 * -0.8, 3)


def test_timeline_has_a_valence_scale(scored: ConversationResult) -> None:
    fig = plot_timeline(scored, "support")
    scale = fig.axes[1]
    assert "valence" in scale.get_ylabel()
    ticks = dict(zip(scale.get_yticks(), (t.get_text() for t in scale.get_yticklabels())))
    assert ticks[0.45] == "+1" and ticks[0.0] == "0" and ticks[-0.45] == "-1"  # lane C at 0, half a lane is 1
    assert scale.get_ylim() == fig.axes[0].get_ylim()


def test_near_zero_valence_gets_a_visible_marker() -> None:
    rows = [{"speaker": s, "text": "", "valence": v, "top": "joy"} for s, v in zip("ABAB", [0.5, 0.01, -0.3, 0.0])]
    ax = plot_timeline(conversation_dynamics(rows, engine=None)).axes[0]
    from matplotlib.collections import PathCollection

    offsets = [tuple(o) for c in ax.collections if isinstance(c, PathCollection) for o in c.get_offsets()]
    assert sorted(x for x, _ in offsets) == [1, 3]  # the turns of valence 0.01 and 0.0, not 0.5 or -0.3


def test_episode_bands_do_not_overlap(scored: ConversationResult) -> None:
    ax = plot_timeline(scored, "support").axes[0]
    room = [e for e in scored.dynamics["support"].episodes if e.scope == "conversation" and e.signal == "valence"]
    assert {e.kind for e in room} == {"escalation", "de-escalation"}
    assert room[0].turn_ids[-1] == room[1].turn_ids[0]  # they share a turn, so full-height shades overlapped
    from matplotlib.collections import PolyCollection

    bands = [c for c in ax.collections if type(c) is PolyCollection]
    extents = sorted((p.get_extents().y0, p.get_extents().y1) for c in bands for p in c.get_paths())
    assert len(extents) == 2 and extents[0][1] <= extents[1][0]
    assert [b.get_hatch() for b in bands].count("////") == 1


def test_label_colours_never_look_like_episode_or_unscored_marks() -> None:
    from matplotlib.colors import rgb_to_hsv, to_rgb

    from affectlab.surfaces.plots.conversation import EPISODE_STYLE, UNSCORED

    colors = label_colors([f"label{i}" for i in range(60)])
    marks = [UNSCORED, *(face for _, face, _ in EPISODE_STYLE.values())]
    for mark in marks:
        assert rgb_to_hsv(to_rgb(mark))[1] < 0.05  # achromatic
    assert all(rgb_to_hsv(to_rgb(c))[1] >= 0.15 for c in colors.values())


def test_transitions_has_a_panel_per_speaker(scored: ConversationResult) -> None:
    fig = plot_transitions(scored, "support")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0].startswith("all links") and any(t.startswith("C: own turns") for t in titles)
    assert "probability (link count)" in fig.get_suptitle()
    matrix = scored.dynamics["support"].transitions
    cells = {t.get_text() for t in fig.axes[0].texts}
    i, j = np.argwhere(matrix.counts > 0)[0]
    assert f"{matrix.probabilities[i, j]:.2f}\n({matrix.counts[i, j]})" in cells  # same quantity as the colour
    assert any("P(next" in ax.get_ylabel() for ax in fig.axes)
    empty = plot_transitions(scored, "single / one")
    assert any("no transitions" in text.get_text() for ax in empty.axes for text in ax.texts)


def test_unknown_conversation_is_a_parameter_error(scored: ConversationResult) -> None:
    with pytest.raises(ParameterError, match="Known: 'support'"):
        plot_timeline(scored, "nope")


def test_report_files(tmp_path: Path, scored: ConversationResult) -> None:
    written = write_report(scored, tmp_path / "report")
    names = {p.name for p in written}
    assert names == {
        "summary.md",
        "report.html",
        "dynamics.json",
        "timeline_support.png",
        "transitions_support.png",
        "timeline_single-one.png",
        "transitions_single-one.png",
    }
    for path in written:
        assert path.stat().st_size > 0
        if path.suffix == ".png":
            width, height = decodes(path)
            assert width > 100 and height > 100
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page and "<h2>Conversation support</h2>" in page
    assert page.count('<img src="data:image/png;base64,') == 4
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "http://" not in page and "https://" not in page
    summary = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
    assert "![timeline of support](timeline_support.png)" in summary and "| C |" in summary
    assert "at least 2" in summary  # the single-turn conversation is reported as undefined
    dynamics = json.loads((tmp_path / "report" / "dynamics.json").read_text(encoding="utf-8"))
    assert set(dynamics["dynamics"]) == {"support", "single / one"}


def test_report_refuses_to_overwrite(tmp_path: Path) -> None:
    rows = [{"conversation_id": c, "speaker": "ab"[i % 2], "text": "", "valence": 0.1 * i, "top": "joy"}
            for c in ("one", "two") for i in range(3)]  # fmt: skip
    small = conversation_dynamics(rows, engine=None)
    write_report(small, tmp_path, max_conversations=1)
    assert (tmp_path / "timeline_one.png").exists() and not (tmp_path / "timeline_two.png").exists()
    with pytest.raises(InputError, match="force"):
        write_report(small, tmp_path, max_conversations=1)
    assert write_report(small, tmp_path, force=True, max_conversations=1)
    assert "1 more conversation(s) are in dynamics.json" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    with pytest.raises(ParameterError, match="max_conversations"):
        write_report(small, tmp_path, force=True, max_conversations=0)


def test_threaded_timeline_with_engine(tmp_path: Path, tiny_engine: EmbeddedEngine) -> None:
    rows = [
        {"turn_id": "a", "speaker": "rosa", "text": "i love this day", "reply_to": None},
        {"turn_id": "b", "speaker": "ken", "text": "i hate this", "reply_to": "a"},
        {"turn_id": "c", "speaker": "li", "text": "so sad", "reply_to": "a"},
        {"turn_id": "d", "speaker": "rosa", "text": "wow great", "reply_to": "b"},
    ]
    result = conversation_dynamics(rows, engine=tiny_engine)
    fig = plot_timeline(result)
    assert len(fig.axes[0].lines) >= 3 + 3  # three lane baselines and three reply links
    fig.savefig(tmp_path / "t.png")
    assert decodes(tmp_path / "t.png")[0] > 100
