"""Conversation dynamics: estimators recover planted dynamics; bad input is caught; per-turn output and context.

Synthetic model (stated once, used by the recovery tests): two speakers A and B alternate, A first.
On turn t the speaker s (other speaker o) has valence

    v_s[t] = phi_s * v_s[t-1] + beta_s * v_o[t-1] + c_s + e,   e ~ Normal(0, sigma^2),

where v_s[t-1] is s's previous own turn and v_o[t-1] the other's turn just before (0 before anyone spoke).
With sigma = 0.1 the series stay far inside [-1, 1].
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.conversation import (
    TurnColumns,
    contagion_ols,
    conversation_dynamics,
    lag1_autocorrelation,
    load_turns,
    transition_matrix,
)
from affectlab.engines.embedded import EmbeddedEngine, installed_models
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import AffectlabWarning, InputError, ParameterError

SIGMA = 0.1


def simulate(n_turns: int, phi: tuple[float, float], beta: tuple[float, float], seed: int) -> list[dict]:
    """Rows of the stated two-speaker model (valence only; no engine needed)."""
    rng = np.random.default_rng(seed)
    last = [0.0, 0.0]
    rows = []
    for t in range(n_turns):
        s, o = t % 2, 1 - t % 2
        value = phi[s] * last[s] + beta[s] * last[o] + rng.normal(0.0, SIGMA)
        last[s] = value
        rows.append({"speaker": "AB"[s], "text": "", "valence": value})
    return rows


# ---------------------------------------------------------------------------------------------
# recovery of planted dynamics
# ---------------------------------------------------------------------------------------------
def test_contagion_and_inertia_coefficients_are_recovered() -> None:
    # 4,000 turns = 2,000 rows per speaker; the SE of b is about 0.02, tolerance 0.06 (3 SE)
    rows = simulate(4000, phi=(0.5, 0.2), beta=(0.3, -0.2), seed=1)
    dyn = conversation_dynamics(rows, engine=None).dynamics["0"]
    ab, ba = dyn.contagion["A"]["B"], dyn.contagion["B"]["A"]
    assert ab.n == ba.n == 1999
    assert abs(ab.b - 0.3) < 0.06 and abs(ab.a - 0.5) < 0.06
    assert abs(ba.b + 0.2) < 0.06 and abs(ba.a - 0.2) < 0.06
    assert ab.b_ci95[0] < 0.3 < ab.b_ci95[1]
    assert ba.b_ci95[0] < -0.2 < ba.b_ci95[1]
    assert ab.b_se == pytest.approx((ab.b_ci95[1] - ab.b) / 1.96, rel=0.01)


def test_no_contagion_is_not_detected() -> None:
    rows = simulate(4000, phi=(0.6, 0.3), beta=(0.0, 0.0), seed=2)
    est = conversation_dynamics(rows, engine=None).dynamics["0"].contagion["A"]["B"]
    assert abs(est.b) < 0.06
    assert est.b_ci95[0] < 0 < est.b_ci95[1]


def test_inertia_autocorrelation_is_recovered_without_contagion() -> None:
    # with beta = 0 each speaker is an AR(1) over their own turns: lag-1 autocorrelation = phi (tolerance 0.05)
    rows = simulate(4000, phi=(0.7, 0.2), beta=(0.0, 0.0), seed=3)
    inertia = conversation_dynamics(rows, engine=None).dynamics["0"].inertia
    assert abs(inertia["A"].autocorrelation - 0.7) < 0.05
    assert abs(inertia["B"].autocorrelation - 0.2) < 0.05
    assert inertia["A"].n_pairs == 1999


def test_contagion_confidence_interval_covers_at_the_stated_rate() -> None:
    # 300 short conversations (40 rows each): the 95% interval must cover the planted b in 90-99% of them
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(300):
        rows = simulate(82, phi=(0.5, 0.2), beta=(0.3, -0.2), seed=int(rng.integers(1 << 31)))
        v = np.array([r["valence"] for r in rows])
        idx = np.arange(2, len(v), 2)
        est = contagion_ols(v[idx], v[idx - 2], v[idx - 1])
        hits += est.b_ci95[0] <= 0.3 <= est.b_ci95[1]
    assert 0.90 <= hits / 300 <= 0.99


PLANTED = np.array([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.2, 0.3, 0.5]])
LABELS = ("anger", "joy", "neutral")


def test_transition_matrices_are_recovered() -> None:
    # one Markov chain of top labels over 6,000 alternating turns: the all-links matrix is P (tolerance 0.04);
    # each speaker's own-turn matrix is two steps of the chain, P @ P (tolerance 0.05)
    rng = np.random.default_rng(5)
    state, rows = 0, []
    for t in range(6000):
        rows.append({"speaker": "AB"[t % 2], "text": "", "valence": 0.0, "top": LABELS[state]})
        state = int(rng.choice(3, p=PLANTED[state]))
    dyn = conversation_dynamics(rows, engine=None).dynamics["0"]
    assert dyn.transitions.labels == LABELS
    assert np.abs(dyn.transitions.probabilities - PLANTED).max() < 0.04
    assert np.abs(dyn.self_transitions["A"].probabilities - PLANTED @ PLANTED).max() < 0.05
    stationary = np.linalg.matrix_power(PLANTED, 200)[0]
    expected_rate = float(stationary @ np.diag(PLANTED @ PLANTED))
    assert abs(dyn.inertia["A"].self_transition_rate - expected_rate) < 0.03
    cross = dyn.cross_transitions["A"]["B"]
    assert cross.n_pairs == 3000 and np.abs(cross.probabilities - PLANTED).max() < 0.06


def test_transition_matrix_counts_and_undefined_rows() -> None:
    m = transition_matrix([("joy", "joy"), ("joy", "anger")], labels=["anger", "joy", "fear"])
    assert m.counts.tolist() == [[0, 0, 0], [1, 1, 0], [0, 0, 0]]
    assert m.to_dict()["probabilities"] == [[None, None, None], [0.5, 0.5, 0.0], [None, None, None]]
    assert transition_matrix([]).undefined
    with pytest.raises(InputError, match="outside"):
        transition_matrix([("joy", "awe")], labels=["joy"])


def test_lag1_autocorrelation_edge_cases() -> None:
    assert lag1_autocorrelation([0.1, 0.2, 0.3]) is None  # 2 pairs
    assert lag1_autocorrelation([0.5, 0.5, 0.5, 0.5, 0.5]) is None  # constant
    assert lag1_autocorrelation([1.0, -1.0, 1.0, -1.0, 1.0]) == pytest.approx(-1.0)


def test_ols_undefined_for_few_rows_or_collinear_predictors() -> None:
    few = contagion_ols([0.1, 0.2, 0.3], [0.0, 0.1, 0.2], [0.3, 0.1, 0.0])
    assert few.b is None and "needs at least 5" in few.undefined["b"]
    collinear = contagion_ols([0.1, 0.2, 0.3, 0.1, 0.5], [0.0, 0.1, 0.2, 0.3, 0.4], [0.0, 0.2, 0.4, 0.6, 0.8])
    assert collinear.b is None and "collinear" in collinear.undefined["b"]


# ---------------------------------------------------------------------------------------------
# shifts, episodes, outcomes on hand-made series
# ---------------------------------------------------------------------------------------------
def scored_rows(values: list[float], speakers: str, **extra: list) -> list[dict]:
    rows = [{"speaker": s, "text": "", "valence": v} for s, v in zip(speakers, values)]
    for key, column in extra.items():
        for row, value in zip(rows, column):
            row[key] = value
    return rows


def test_shifts_follow_the_threshold_rule() -> None:
    # A: 0.0 -> 0.2 (no) -> -0.3 (fall 0.5) -> 0.0 (rise exactly 0.3, counts)
    rows = scored_rows([0.0, 0.5, 0.2, 0.5, -0.3, 0.5, 0.0], "ABABABA")
    shifts = conversation_dynamics(rows, engine=None, shift_threshold=0.3).dynamics["0"].shifts
    assert [(s.speaker, s.previous_turn_id, s.turn_id, s.direction) for s in shifts] == [
        ("A", "2", "4", "fall"),
        ("A", "4", "6", "rise"),
    ]
    assert shifts[0].delta == pytest.approx(-0.5)
    assert conversation_dynamics(rows, engine=None, shift_threshold=0.6).dynamics["0"].shifts == []


def test_escalation_and_deescalation_episodes() -> None:
    # customer C falls, agent G stays calm; the room state (mean of the latest C and G) falls then rises
    values = [-0.1, 0.3, -0.3, 0.2, -0.6, 0.15, -0.8, 0.4, -0.2, 0.5, 0.4]
    rows = scored_rows(values, "CGCGCGCGCGC", negative_prob=[max(0.0, -v) for v in values])
    dyn = conversation_dynamics(rows, engine=None, episode_threshold=0.3, min_episode_steps=2).dynamics["0"]
    found = {(e.scope, e.kind, e.signal, e.turn_ids) for e in dyn.episodes}
    assert ("C", "escalation", "valence", ("0", "2", "4", "6")) in found
    assert ("C", "de-escalation", "valence", ("6", "8", "10")) in found
    assert ("C", "escalation", "negative_prob", ("0", "2", "4", "6")) in found
    room = [e for e in dyn.episodes if e.scope == "conversation" and e.signal == "valence"]
    assert [e.kind for e in room] == ["escalation", "de-escalation"]
    assert room[0].turn_ids[-1] == "6" and room[1].turn_ids[0] == "6"
    assert room[0].change < -0.3 < 0.3 < room[1].change
    # a higher threshold drops the smaller runs
    strict = conversation_dynamics(rows, engine=None, episode_threshold=1.0).dynamics["0"].episodes
    assert {(e.scope, e.kind) for e in strict if e.signal == "valence"} == {("C", "de-escalation")}


def test_outcomes_name_the_turns_used() -> None:
    rows = scored_rows([-0.5, 0.1, -0.2, 0.1, 0.4, 0.12], "ABABAB")
    outcomes = conversation_dynamics(rows, engine=None, outcome_threshold=0.1).dynamics["0"].outcomes
    a, b = outcomes["A"], outcomes["B"]
    assert (a.first_turn_id, a.last_turn_id, a.verdict) == ("0", "4", "better")
    assert a.change == pytest.approx(0.9)
    assert b.verdict == "unchanged"


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_missing_speaker_and_text_columns_are_named() -> None:
    with pytest.raises(InputError) as info:
        load_turns([{"who": "a", "body": "hi"}])
    message = str(info.value)
    assert "'speaker'" in message and "'text'" in message and "who, body" in message
    with pytest.raises(InputError, match="'speaker'") as info:
        load_turns(pd.DataFrame({"text": ["hi"], "author": ["a"]}))
    assert "'text'" not in str(info.value).split("(")[0]


def test_custom_column_names_and_unknown_explicit_column() -> None:
    frame = pd.DataFrame({"who": ["a", "b"], "body": ["hi", "hello"], "when": [2, 1]})
    with pytest.warns(AffectlabWarning):
        turns = load_turns(frame, columns=TurnColumns(speaker="who", text="body", time="when"))
    assert [t.speaker for t in turns] == ["b", "a"]
    with pytest.raises(InputError, match=r"'stamp'.*Available columns: who, body, when"):
        load_turns(frame, columns=TurnColumns(speaker="who", text="body", time="stamp"))


def test_deprecated_column_keywords_warn_and_still_work() -> None:
    frame = pd.DataFrame({"who": ["a", "b"], "body": ["hi", "hello"], "valence": [0.1, 0.2]})
    with pytest.warns(DeprecationWarning, match=r"speaker_col, text_col .*TurnColumns\(speaker='who', text='body'\)"):
        result = conversation_dynamics(frame, engine=None, speaker_col="who", text_col="body")
    assert [t.speaker for t in result.turns] == ["a", "b"] and result.turns[1].text == "hello"
    with pytest.warns(DeprecationWarning, match="turn_id_col"):
        assert [t.turn_id for t in load_turns(frame, speaker_col="who", text_col="body", turn_id_col="body")] == [
            "hi",
            "hello",
        ]
    with pytest.raises(ParameterError, match="not both"):
        load_turns(frame, columns=TurnColumns(speaker="who"), text_col="body")
    with pytest.raises(TypeError, match="'text_column'"):
        conversation_dynamics(frame, engine=None, text_column="body")


def test_engine_is_keyword_only_and_accepts_an_analyzer(tiny_engine: EmbeddedEngine) -> None:
    rows = [{"speaker": "ab"[i % 2], "text": t} for i, t in enumerate(TEXTS[:4])]
    with pytest.raises(TypeError):
        conversation_dynamics(rows, tiny_engine)  # type: ignore[misc]
    by_engine = conversation_dynamics(rows, engine=tiny_engine, taxonomy="ekman")
    by_analyzer = conversation_dynamics(rows, engine=Analyzer(tiny_engine, taxonomy="ekman", batch_size=1))
    # batch_size=1 vs batched: float32 products may differ in the last bits by CPU (AVX2 vs AVX-512)
    assert [t.valence for t in by_analyzer.turns] == pytest.approx([t.valence for t in by_engine.turns], abs=1e-6)
    assert by_analyzer.parameters["taxonomy"] == "ekman"
    assert by_analyzer.parameters["engine"] == f"{tiny_engine.name}@{tiny_engine.version}"
    with pytest.raises(ParameterError, match="'engine' parameter of conversation_dynamics"):
        conversation_dynamics(rows, engine=3)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'batch_size' parameter of conversation_dynamics"):
        conversation_dynamics(rows, engine=tiny_engine, batch_size=0)


def test_rows_without_speaker_and_duplicate_ids_are_errors() -> None:
    with pytest.raises(InputError, match="Row 1 has no speaker"):
        load_turns([{"speaker": "a", "text": "x"}, {"speaker": "", "text": "y"}])
    with pytest.raises(InputError, match="appears twice"):
        load_turns([{"speaker": "a", "text": "x", "turn_id": 1}, {"speaker": "b", "text": "y", "turn_id": 1}])
    with pytest.raises(InputError, match="not a string"):
        load_turns("speaker,text\na,hi")


def test_unknown_and_forward_reply_to_are_kept_and_flagged() -> None:
    rows = [
        {"turn_id": "p1", "speaker": "a", "text": "root", "reply_to": None},
        {"turn_id": "p2", "speaker": "b", "text": "reply", "reply_to": "p1"},
        {"turn_id": "p3", "speaker": "c", "text": "orphan", "reply_to": "gone"},
        {"turn_id": "p4", "speaker": "a", "text": "ahead", "reply_to": "p5"},
        {"turn_id": "p5", "speaker": "b", "text": "late", "reply_to": "p2"},
    ]
    turns = load_turns(rows)
    by_id = {t.turn_id: t for t in turns}
    assert len(turns) == 5
    assert by_id["p2"].parent == "p1" and by_id["p5"].parent == "p2"
    assert by_id["p3"].parent is None and "unknown_reply_to" in by_id["p3"].flags
    assert by_id["p3"].reply_to == "gone"
    assert by_id["p4"].parent is None and "reply_to_not_earlier" in by_id["p4"].flags


def test_out_of_order_timestamps_sort_with_warning_or_fail() -> None:
    rows = [
        {"speaker": "a", "text": "first", "timestamp": "2024-01-01T10:00:00"},
        {"speaker": "b", "text": "third", "timestamp": "2024-01-01T10:05:00"},
        {"speaker": "a", "text": "second", "timestamp": "2024-01-01T10:01:00+00:00"},
        {"speaker": "b", "text": "fourth", "timestamp": None},
    ]
    with pytest.warns(AffectlabWarning, match="not in time order"):
        turns = load_turns(rows)
    # a turn without a timestamp stays right after its predecessor in the input ("second")
    assert [t.text for t in turns] == ["first", "second", "fourth", "third"]
    assert "reordered" in turns[1].flags and "missing_timestamp" in turns[2].flags
    assert "reordered" not in turns[0].flags
    assert [t.parent for t in turns] == [None, "0", "2", "3"]
    with pytest.raises(InputError, match=r"not in time order.*turn '2'"):
        load_turns(rows, on_unsorted="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_turns(sorted(rows[:3], key=lambda r: r["timestamp"][:19]))  # sorted input: no warning


def test_bad_timestamps_and_mixed_kinds() -> None:
    with pytest.raises(InputError, match="neither a number nor a date"):
        load_turns([{"speaker": "a", "text": "x", "timestamp": "soon"}])
    with pytest.raises(InputError, match="mixes numeric and date"):
        load_turns(
            [{"speaker": "a", "text": "x", "timestamp": 3}, {"speaker": "b", "text": "y", "timestamp": "2024-01-01"}]
        )


def test_single_turn_conversation_is_undefined_not_nan() -> None:
    result = conversation_dynamics([{"speaker": "a", "text": "hi", "valence": 0.4}], engine=None)
    dyn = result.dynamics["0"]
    assert "at least 2" in dyn.undefined["dynamics"]
    assert dyn.inertia["a"].autocorrelation is None and dyn.inertia["a"].undefined
    assert dyn.outcomes["a"].change is None and dyn.outcomes["a"].undefined
    assert dyn.contagion == {} and dyn.shifts == [] and dyn.episodes == []
    assert dyn.transitions.n_pairs == 0 and dyn.transitions.undefined
    json.dumps(result.to_dict(), allow_nan=False)


def test_parameters_are_checked() -> None:
    rows = [{"speaker": "a", "text": "x", "valence": 0.1}]
    for kwargs, name in [
        ({"context": -1}, "context"),
        ({"context": 1.5}, "context"),
        ({"context_weight": 1.5}, "context_weight"),
        ({"on_unsorted": "ignore"}, "on_unsorted"),
        ({"min_episode_steps": 0}, "min_episode_steps"),
        ({"shift_threshold": float("nan")}, "shift_threshold"),
    ]:
        with pytest.raises(ParameterError, match=f"'{name}' parameter of conversation_dynamics"):
            conversation_dynamics(rows, engine=None, **kwargs)
    with pytest.raises(ParameterError, match="need an engine"):
        conversation_dynamics(rows, engine=None, context=1)
    with pytest.raises(ParameterError, match="'on_unsorted' parameter of load_turns"):
        load_turns(rows, on_unsorted="keep")


def test_precomputed_scores_are_validated() -> None:
    with pytest.raises(InputError, match="'valence' column"):
        conversation_dynamics([{"speaker": "a", "text": "x"}], engine=None)
    with pytest.raises(InputError, match=r"outside \[-1, 1\]"):
        conversation_dynamics([{"speaker": "a", "text": "x", "valence": 3}], engine=None)
    rows = scored_rows([0.1, 0.2, None, 0.3], "ABAB", top=["joy", "joy", "anger", "joy"])
    result = conversation_dynamics(rows, engine=None)
    assert "missing_score" in result.turns[2].flags
    # the unscored turn is skipped: A's own-turn pair links turn 0 to nothing else, B's links 1 -> 3
    assert result.dynamics["0"].transitions.n_pairs == 2
    assert result.dynamics["0"].n_scored == 3


# ---------------------------------------------------------------------------------------------
# per-turn output with an engine
# ---------------------------------------------------------------------------------------------
TEXTS = ["i love this", "i hate this so much", "so sad", "wow great day", "", "not good", "thanks"]


def test_per_turn_records_count_order_and_ids(tiny_engine: EmbeddedEngine) -> None:
    rows = []
    for i, text in enumerate(TEXTS):
        rows.append({"conversation_id": "x", "turn_id": f"x{i}", "speaker": "ab"[i % 2], "text": text, "timestamp": i})
        rows.append({"conversation_id": "y", "turn_id": f"y{i}", "speaker": "cd"[i % 2], "text": text, "timestamp": -i})
    with pytest.warns(AffectlabWarning):
        result = conversation_dynamics(rows, engine=tiny_engine)
    assert len(result.turns) == len(rows)
    assert [t.turn_id for t in result.turns] == [f"x{i}" for i in range(7)] + [f"y{i}" for i in reversed(range(7))]
    assert list(result.dynamics) == ["x", "y"]
    empty = next(t for t in result.turns if t.turn_id == "x4")
    assert "empty" in empty.flags and empty.top is None and not empty.scored
    for t in result.turns:
        assert -1 <= t.valence <= 1 and 0 <= t.negative_prob <= 1
        assert set(t.emotions) == set(result.turns[0].emotions)
    frame = result.to_frame()
    assert len(frame) == len(rows)
    assert {"conversation_id", "turn_id", "speaker", "text", "flags", "top", "valence", "arousal"} <= set(frame)
    assert {"sentiment.score", "emotions.joy"} <= set(frame)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["dynamics"]["x"]["n_turns"] == 7 and data["turns"][0]["sentiment"]["label"] in (
        "positive",
        "negative",
        "neutral",
    )
    assert result.dynamics["x"].n_scored == 6


def test_context_blends_the_in_context_reading(tiny_engine: EmbeddedEngine) -> None:
    rows = [{"speaker": "ab"[i % 2], "text": t} for i, t in enumerate(TEXTS[:4])]
    plain = conversation_dynamics(rows, engine=tiny_engine).turns
    ctx = conversation_dynamics(rows, engine=tiny_engine, context=1, context_weight=0.5).turns
    assert ctx[0].valence == pytest.approx(plain[0].valence) and ctx[0].context_ids == ()
    assert [t.context_ids for t in ctx[1:]] == [("0",), ("1",), ("2",)]
    in_context = tiny_engine.predict([f"{TEXTS[1]}\n{TEXTS[2]}"])[0]
    assert ctx[2].valence == pytest.approx(0.5 * plain[2].valence + 0.5 * in_context.vad.valence)
    assert ctx[2].emotions["joy"] == pytest.approx(0.5 * plain[2].emotions["joy"] + 0.5 * in_context.emotions["joy"])
    assert ctx[2].top == max(ctx[2].emotions, key=ctx[2].emotions.get)
    two = conversation_dynamics(rows, engine=tiny_engine, context=2).turns
    assert two[3].context_ids == ("2", "1")
    none = conversation_dynamics(rows, engine=tiny_engine, context=2, context_weight=0.0).turns
    assert [t.valence for t in none] == [t.valence for t in plain]


def test_context_follows_the_thread_and_the_window(tiny_engine: EmbeddedEngine) -> None:
    rows = [
        {"turn_id": "r", "speaker": "a", "text": "i love this", "reply_to": None},
        {"turn_id": "s", "speaker": "b", "text": "awful flight", "reply_to": None},
        {"turn_id": "t", "speaker": "c", "text": "so sad", "reply_to": "r"},
        {"turn_id": "u", "speaker": "a", "text": "the " * 14, "reply_to": "t"},
    ]
    turns = {t.turn_id: t for t in conversation_dynamics(rows, engine=tiny_engine, context=3).turns}
    assert turns["t"].context_ids == ("r",)  # the replied-to turn, not the chronologically previous "s"
    assert turns["s"].context_ids == ()
    # "u" alone fills the tiny model's 14-token window: no context fits
    assert turns["u"].context_ids == () and "context_truncated" in turns["u"].flags


def test_engine_by_name_and_taxonomy(tiny_model_dir: Path) -> None:
    rows = [{"speaker": "ab"[i % 2], "text": t} for i, t in enumerate(TEXTS)]
    result = conversation_dynamics(rows, engine=f"embedded:{tiny_model_dir}", taxonomy="ekman")
    assert result.parameters["taxonomy"] == "ekman"
    assert set(result.turns[0].emotions) == {"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}
    labels = result.dynamics["0"].transitions.labels
    assert all(label in result.turns[0].emotions for label in labels)
    assert not any(isinstance(v, float) and math.isnan(v) for v in result.to_frame()["valence"])


@pytest.mark.model
@pytest.mark.skipif("default" not in installed_models(), reason="the default model artifact is not installed")
def test_support_chat_escalates_then_calms_with_the_default_model() -> None:
    path = Path(__file__).resolve().parents[2] / "examples" / "conversations" / "support_chat.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    result = conversation_dynamics(rows, engine=EmbeddedEngine(threads=1))
    customer = [t for t in result.turns if t.speaker == "customer"]
    assert min(customer, key=lambda t: t.valence).turn_id in ("t07", "t09")  # "... I'm furious."
    assert result.dynamics["0"].outcomes["customer"].verdict == "better"
    room = [e for e in result.dynamics["0"].episodes if e.scope == "conversation" and e.signal == "valence"]
    turning = {e.turn_ids[-1] for e in room if e.kind == "escalation"}
    assert turning & {"t07", "t08", "t09"}
    assert any(e.kind == "de-escalation" and e.turn_ids[0] in turning and e.turn_ids[-1] == "t15" for e in room)
