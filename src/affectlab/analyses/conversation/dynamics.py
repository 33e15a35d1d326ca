"""Dynamics of conversations: per-conversation measures and the :func:`conversation_dynamics` entry point."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.conversation.records import (
    EPS,
    ContagionEstimate,
    ConversationDynamics,
    ConversationResult,
    Episode,
    InertiaEstimate,
    Outcome,
    Shift,
    SpeakerSummary,
    TurnRecord,
)
from affectlab.analyses.conversation.scoring import score_from_columns, score_with_engine
from affectlab.analyses.conversation.statistics import contagion_ols, directional_runs, pearson_r, transition_matrix
from affectlab.analyses.conversation.turns import check_choice, check_number, load_turns
from affectlab.core import taxonomy as tx
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd


# ---------------------------------------------------------------------------------------------
# dynamics of one conversation
# ---------------------------------------------------------------------------------------------
def _dynamics(
    records: list[TurnRecord],
    *,
    labels_order: Sequence[str] | None,
    shift_threshold: float,
    episode_threshold: float,
    episode_prob_threshold: float,
    min_episode_steps: int,
    outcome_threshold: float,
) -> ConversationDynamics:
    cid = records[0].conversation_id
    position = {r.turn_id: i for i, r in enumerate(records)}
    scored = [r.scored for r in records]
    speakers = list(dict.fromkeys(r.speaker for r in records))

    # nearest scored ancestor, and the most recent scored ancestor turn of every speaker
    nearest: list[int | None] = []
    last_by: list[dict[str, int]] = []
    for r in records:
        p = position[r.parent] if r.parent is not None else None
        if p is None:
            nearest.append(None)
            last_by.append({})
            continue
        nearest.append(p if scored[p] else nearest[p])
        known = dict(last_by[p])
        if scored[p]:
            known[records[p].speaker] = p
        last_by.append(known)

    seen = {r.top for r, s in zip(records, scored) if s and r.top is not None}
    order = [k for k in labels_order if k in seen] if labels_order else []
    order += sorted(seen - set(order))

    def labelled(i: int | None) -> bool:
        return i is not None and records[i].top is not None

    all_pairs: list[tuple[str, str]] = []
    self_pairs: dict[str, list[tuple[str, str]]] = {s: [] for s in speakers}
    cross_pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    own_lag: dict[str, tuple[list[float], list[float]]] = {s: ([], []) for s in speakers}
    ols_rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    shifts: list[Shift] = []
    for i, r in enumerate(records):
        if not scored[i]:
            continue
        k = nearest[i]
        if k is not None and labelled(k) and labelled(i):
            pair = (records[k].top, r.top)
            all_pairs.append(pair)  # type: ignore[arg-type]
            if records[k].speaker != r.speaker:
                cross_pairs.setdefault((records[k].speaker, r.speaker), []).append(pair)  # type: ignore[arg-type]
        j = last_by[i].get(r.speaker)
        if j is None:
            continue
        prev = records[j]
        assert prev.valence is not None and r.valence is not None
        own_lag[r.speaker][0].append(prev.valence)
        own_lag[r.speaker][1].append(r.valence)
        if labelled(j) and labelled(i):
            self_pairs[r.speaker].append((prev.top, r.top))  # type: ignore[arg-type]
        delta = r.valence - prev.valence
        if abs(delta) >= shift_threshold - EPS:
            shifts.append(
                Shift(
                    r.speaker,
                    r.turn_id,
                    prev.turn_id,
                    prev.valence,
                    r.valence,
                    delta,
                    "rise" if delta > 0 else "fall",
                    prev.top,
                    r.top,
                )
            )
        for other, m in last_by[i].items():
            if other != r.speaker:
                v_other = records[m].valence
                assert v_other is not None
                ols_rows.setdefault((r.speaker, other), []).append((r.valence, prev.valence, v_other))

    inertia = {}
    for s in speakers:
        x, y = own_lag[s]
        rho, why = pearson_r(x, y)
        pairs = self_pairs[s]
        undefined = {} if why is None else {"autocorrelation": why}
        rate = None
        if pairs:
            rate = sum(a == b for a, b in pairs) / len(pairs)
        else:
            undefined["self_transition_rate"] = "no pair of consecutive own turns with a top label"
        inertia[s] = InertiaEstimate(s, rho, len(x), rate, len(pairs), undefined)

    contagion: dict[str, dict[str, ContagionEstimate]] = {}
    for target in speakers:
        for source in speakers:
            if source == target:
                continue
            rows = ols_rows.get((target, source), [])
            columns = [list(c) for c in zip(*rows)] if rows else [[], [], []]
            contagion.setdefault(target, {})[source] = contagion_ols(*columns, target=target, source=source)

    episodes = _episodes(
        records, scored, speakers, last_by, episode_threshold, episode_prob_threshold, min_episode_steps
    )
    outcomes = {s: _outcome(records, scored, s, outcome_threshold) for s in speakers}
    summaries = {}
    for s in speakers:
        mine = [r for r, ok in zip(records, scored) if r.speaker == s and ok]
        arousal = [r.arousal for r in mine if r.arousal is not None]
        summaries[s] = SpeakerSummary(
            s,
            sum(r.speaker == s for r in records),
            len(mine),
            float(np.mean([r.valence for r in mine])) if mine else None,
            float(np.mean(arousal)) if arousal else None,
            dict(Counter(r.top for r in mine if r.top is not None).most_common()),
        )
    n_scored = sum(scored)
    undefined = {}
    if n_scored < 2:
        undefined["dynamics"] = (
            f"{n_scored} scored turn(s); transitions, inertia, contagion, shifts and episodes need at least 2"
        )
    elif len(speakers) < 2:
        undefined["contagion"] = "only one speaker, so there is no other speaker to catch a mood from"
    threaded = any(r.reply_to is not None for r in records)
    return ConversationDynamics(
        conversation_id=cid,
        n_turns=len(records),
        n_scored=n_scored,
        threaded=threaded,
        speakers=summaries,
        transitions=transition_matrix(all_pairs, order),
        self_transitions={s: transition_matrix(self_pairs[s], order) for s in speakers},
        cross_transitions={
            a: {b: transition_matrix(cross_pairs.get((a, b), []), order) for b in speakers if b != a}
            for a in speakers
            if len(speakers) > 1
        },
        inertia=inertia,
        contagion=contagion,
        shifts=shifts,
        episodes=episodes,
        outcomes=outcomes,
        undefined=undefined,
    )


def _episodes(
    records: list[TurnRecord],
    scored: list[bool],
    speakers: list[str],
    last_by: list[dict[str, int]],
    threshold: float,
    prob_threshold: float,
    min_steps: int,
) -> list[Episode]:
    out: list[Episode] = []
    for signal, limit, escalating in (("valence", threshold, -1), ("negative_prob", prob_threshold, 1)):
        series: dict[str, tuple[list[str], list[float]]] = {}
        for i, r in enumerate(records):
            value = getattr(r, signal)
            if not scored[i] or value is None:
                continue
            ids, values = series.setdefault(r.speaker, ([], []))
            ids.append(r.turn_id)
            values.append(value)
            # room state: mean of the latest reading of every speaker who has spoken on this turn's path
            latest = {s: getattr(records[m], signal) for s, m in last_by[i].items()}
            latest[r.speaker] = value
            known = [v for v in latest.values() if v is not None]
            room_ids, room = series.setdefault("\0conversation", ([], []))
            room_ids.append(r.turn_id)
            room.append(float(np.mean(known)))
        for scope_key, (ids, values) in series.items():
            scope = "conversation" if scope_key == "\0conversation" else scope_key
            for sign, kind in ((escalating, "escalation"), (-escalating, "de-escalation")):
                for a, b in directional_runs(values, sign, limit, min_steps):
                    out.append(
                        Episode(scope, kind, signal, tuple(ids[a : b + 1]), values[a], values[b], values[b] - values[a])
                    )
    rank = {s: i for i, s in enumerate(["conversation", *speakers])}
    return sorted(out, key=lambda e: (e.signal != "valence", rank.get(e.scope, 0), e.turn_ids[0] if e.turn_ids else ""))


def _outcome(records: list[TurnRecord], scored: list[bool], speaker: str, threshold: float) -> Outcome:
    mine = [r for r, ok in zip(records, scored) if ok and r.speaker == speaker]
    if len(mine) < 2:
        return Outcome(
            speaker, None, None, None, None, None, None, {"change": f"{len(mine)} scored turn(s); needs at least 2"}
        )
    first, last = mine[0], mine[-1]
    assert first.valence is not None and last.valence is not None
    change = last.valence - first.valence
    verdict = "better" if change >= threshold - EPS else "worse" if change <= -threshold + EPS else "unchanged"
    return Outcome(speaker, first.turn_id, last.turn_id, first.valence, last.valence, change, verdict, {})


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------
def conversation_dynamics(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    engine: str | Engine | None = "embedded",
    *,
    taxonomy: str | None = None,
    context: int = 0,
    context_weight: float = 0.5,
    context_separator: str = "\n",
    speaker_col: str = "speaker",
    text_col: str = "text",
    time_col: str | None = None,
    reply_to_col: str | None = None,
    turn_id_col: str | None = None,
    conversation_col: str | None = None,
    on_unsorted: str = "sort",
    shift_threshold: float = 0.3,
    episode_threshold: float = 0.3,
    episode_prob_threshold: float = 0.2,
    min_episode_steps: int = 2,
    outcome_threshold: float = 0.1,
    batch_size: int = 256,
) -> ConversationResult:
    """Read the affect of every turn and the dynamics of every conversation.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        One row per turn; columns as in :func:`load_turns`.
    engine : str, Engine or None, default="embedded"
        Engine name for :func:`affectlab.engines.registry.load_engine`, or an engine. None uses
        precomputed scores from the rows: ``valence`` in [-1, 1] (required), and optionally
        ``arousal``, ``top`` and ``negative_prob`` in [0, 1].
    taxonomy : str, optional
        Taxonomy of the emotions (default the engine's native one).
    context : int, default=0
        Condition each turn on up to this many earlier turns of its thread (its ancestors,
        nearest first, as many as fit the engine's window). The turn's scores become
        ``(1 - context_weight) * own + context_weight * in_context``, where ``in_context`` reads the
        ancestors' texts and then the turn's text joined by ``context_separator``.
    context_weight : float, default=0.5
        Weight in [0, 1] of the in-context reading.
    context_separator : str, default="\\n"
        Text placed between context turns.
    speaker_col, text_col, time_col, reply_to_col, turn_id_col, conversation_col : str
        Column names, see :func:`load_turns`.
    on_unsorted : {"sort", "error"}, default="sort"
        Timestamps going backwards: sort with a warning, or raise InputError.
    shift_threshold : float, default=0.3
        Minimum absolute own-turn valence change (valence units, scale [-1, 1]) that counts as a shift.
    episode_threshold : float, default=0.3
        Minimum total valence change of an escalation / de-escalation run.
    episode_prob_threshold : float, default=0.2
        Minimum total change of negative-emotion probability of a run.
    min_episode_steps : int, default=2
        Minimum steps (turns - 1) of a run.
    outcome_threshold : float, default=0.1
        Last-minus-first valence change below which a speaker's outcome is ``unchanged``.
    batch_size : int, default=256
        Texts per engine call.

    Returns
    -------
    ConversationResult
        ``turns`` (one record per input row) and ``dynamics`` per conversation.

    Raises
    ------
    InputError
        Bad rows or columns (see :func:`load_turns`).
    ParameterError
        An option out of range.

    Examples
    --------
    >>> rows = [{"speaker": "a", "valence": 0.2, "text": "fine"}, {"speaker": "b", "valence": -0.4, "text": "no"}]
    >>> result = conversation_dynamics(rows, engine=None)
    >>> result.dynamics["0"].outcomes["a"].undefined
    {'change': '1 scored turn(s); needs at least 2'}
    """
    check_number("context", context, 0, None, integer=True)
    check_number("context_weight", context_weight, 0.0, 1.0)
    check_number("shift_threshold", shift_threshold, 0.0, 2.0)
    check_number("episode_threshold", episode_threshold, 0.0, 2.0)
    check_number("episode_prob_threshold", episode_prob_threshold, 0.0, 1.0)
    check_number("min_episode_steps", min_episode_steps, 1, None, integer=True)
    check_number("outcome_threshold", outcome_threshold, 0.0, 2.0)
    check_number("batch_size", batch_size, 1, None, integer=True)
    if not isinstance(context_separator, str):
        raise ParameterError(
            "The 'context_separator' parameter of conversation_dynamics must be a str. "
            f"Got {type(context_separator).__name__} instead."
        )
    check_choice("on_unsorted", on_unsorted, ("sort", "error"))
    if engine is None and (context or taxonomy is not None):
        raise ParameterError(
            "The 'context' and 'taxonomy' parameters of conversation_dynamics need an engine; with engine=None "
            f"the scores are read from the rows. Got context={context!r}, taxonomy={taxonomy!r}."
        )
    turns = load_turns(
        data,
        speaker_col=speaker_col,
        text_col=text_col,
        time_col=time_col,
        reply_to_col=reply_to_col,
        turn_id_col=turn_id_col,
        conversation_col=conversation_col,
        on_unsorted=on_unsorted,
    )
    engine_name: str | None = None
    labels_order: Sequence[str] | None = None
    if engine is None:
        records = score_from_columns(turns)
    else:
        loaded = engine if isinstance(engine, Engine) else load_engine(engine)
        engine_name = f"{loaded.name}@{loaded.version}"
        taxonomy = tx.load_taxonomy(taxonomy or loaded.native_taxonomy).name
        labels_order = tx.load_taxonomy(taxonomy).labels
        records = score_with_engine(turns, loaded, taxonomy, context, context_weight, context_separator, batch_size)
    groups: dict[str, list[TurnRecord]] = {}
    for r in records:
        groups.setdefault(r.conversation_id, []).append(r)
    dynamics = {
        cid: _dynamics(
            group,
            labels_order=labels_order,
            shift_threshold=shift_threshold,
            episode_threshold=episode_threshold,
            episode_prob_threshold=episode_prob_threshold,
            min_episode_steps=min_episode_steps,
            outcome_threshold=outcome_threshold,
        )
        for cid, group in groups.items()
    }
    parameters = {
        "engine": engine_name,
        "taxonomy": taxonomy if engine is not None else None,
        "context": context,
        "context_weight": context_weight,
        "shift_threshold": shift_threshold,
        "episode_threshold": episode_threshold,
        "episode_prob_threshold": episode_prob_threshold,
        "min_episode_steps": min_episode_steps,
        "outcome_threshold": outcome_threshold,
        "scales": {"valence": "[-1, 1], 0 neutral", "arousal": "[-1, 1]", "negative_prob": "[0, 1]"},
    }
    return ConversationResult(records, dynamics, parameters)
