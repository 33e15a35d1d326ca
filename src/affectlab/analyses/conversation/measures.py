"""The dynamics of one conversation: walk its predecessor links and estimate every measure.

Definitions and formulas are in ``docs/conversations.md``; the estimators on plain numbers are in
:mod:`affectlab.analyses.conversation.statistics`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from affectlab.analyses.conversation.estimates import (
    ContagionEstimate,
    ConversationDynamics,
    Episode,
    InertiaEstimate,
    Outcome,
    Shift,
    SpeakerSummary,
)
from affectlab.analyses.conversation.records import EPS, TurnRecord
from affectlab.analyses.conversation.statistics import contagion_ols, directional_runs, pearson_r, transition_matrix

__all__ = ["measure_conversation"]

ROOM = "\0conversation"  # series key of the room state, never a speaker name

Pair = tuple[str, str]


@dataclass
class _Links:
    """What one walk over the predecessor links collects (indices are positions in the conversation)."""

    all_pairs: list[Pair] = field(default_factory=list)
    self_pairs: dict[str, list[Pair]] = field(default_factory=dict)
    cross_pairs: dict[Pair, list[Pair]] = field(default_factory=dict)
    own_lag: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    ols_rows: dict[Pair, list[tuple[float, float, float]]] = field(default_factory=dict)
    shifts: list[Shift] = field(default_factory=list)


def measure_conversation(
    records: list[TurnRecord],
    *,
    labels_order: Sequence[str] | None,
    shift_threshold: float,
    episode_threshold: float,
    episode_prob_threshold: float,
    min_episode_steps: int,
    outcome_threshold: float,
) -> ConversationDynamics:
    """All measures of one conversation, its turns in conversation order (see ``conversation_dynamics``)."""
    speakers = list(dict.fromkeys(r.speaker for r in records))
    nearest, last_by = _ancestry(records)
    links = _walk(records, nearest, last_by, speakers, shift_threshold)
    seen = {r.top for r in records if r.scored and r.top is not None}
    order = [k for k in labels_order if k in seen] if labels_order else []
    order += sorted(seen - set(order))
    n_scored = sum(r.scored for r in records)
    undefined = {}
    if n_scored < 2:
        undefined["dynamics"] = (
            f"{n_scored} scored turn(s); transitions, inertia, contagion, shifts and episodes need at least 2"
        )
    elif len(speakers) < 2:
        undefined["contagion"] = "only one speaker, so there is no other speaker to catch a mood from"
    return ConversationDynamics(
        conversation_id=records[0].conversation_id,
        n_turns=len(records),
        n_scored=n_scored,
        threaded=any(r.reply_to is not None for r in records),
        speakers={s: _summary(records, s) for s in speakers},
        transitions=transition_matrix(links.all_pairs, order),
        self_transitions={s: transition_matrix(links.self_pairs[s], order) for s in speakers},
        cross_transitions={
            a: {b: transition_matrix(links.cross_pairs.get((a, b), []), order) for b in speakers if b != a}
            for a in speakers
            if len(speakers) > 1
        },
        inertia={s: _inertia(s, links) for s in speakers},
        contagion=_contagion(speakers, links),
        shifts=links.shifts,
        episodes=_episodes(records, speakers, last_by, episode_threshold, episode_prob_threshold, min_episode_steps),
        outcomes={s: _outcome(records, s, outcome_threshold) for s in speakers},
        undefined=undefined,
    )


def _ancestry(records: list[TurnRecord]) -> tuple[list[int | None], list[dict[str, int]]]:
    """Per turn: its nearest scored ancestor, and the most recent scored ancestor of every speaker."""
    position = {r.turn_id: i for i, r in enumerate(records)}
    nearest: list[int | None] = []
    last_by: list[dict[str, int]] = []
    for r in records:
        p = position[r.parent] if r.parent is not None else None
        if p is None:
            nearest.append(None)
            last_by.append({})
            continue
        nearest.append(p if records[p].scored else nearest[p])
        known = dict(last_by[p])
        if records[p].scored:
            known[records[p].speaker] = p
        last_by.append(known)
    return nearest, last_by


def _walk(
    records: list[TurnRecord],
    nearest: list[int | None],
    last_by: list[dict[str, int]],
    speakers: list[str],
    shift_threshold: float,
) -> _Links:
    links = _Links(self_pairs={s: [] for s in speakers}, own_lag={s: ([], []) for s in speakers})

    def top(i: int | None) -> str | None:
        return None if i is None else records[i].top

    for i, r in enumerate(records):
        if not r.scored:
            continue
        k = nearest[i]
        if k is not None and top(k) is not None and r.top is not None:
            pair = (records[k].top, r.top)
            links.all_pairs.append(pair)  # type: ignore[arg-type]
            if records[k].speaker != r.speaker:
                links.cross_pairs.setdefault((records[k].speaker, r.speaker), []).append(pair)  # type: ignore[arg-type]
        j = last_by[i].get(r.speaker)
        if j is None:
            continue
        prev = records[j]
        assert prev.valence is not None and r.valence is not None
        links.own_lag[r.speaker][0].append(prev.valence)
        links.own_lag[r.speaker][1].append(r.valence)
        if prev.top is not None and r.top is not None:
            links.self_pairs[r.speaker].append((prev.top, r.top))
        delta = r.valence - prev.valence
        if abs(delta) >= shift_threshold - EPS:
            direction = "rise" if delta > 0 else "fall"
            shift = Shift(
                r.speaker, r.turn_id, prev.turn_id, prev.valence, r.valence, delta, direction, prev.top, r.top
            )
            links.shifts.append(shift)
        for other, m in last_by[i].items():
            if other != r.speaker:
                v_other = records[m].valence
                assert v_other is not None
                links.ols_rows.setdefault((r.speaker, other), []).append((r.valence, prev.valence, v_other))
    return links


def _inertia(speaker: str, links: _Links) -> InertiaEstimate:
    x, y = links.own_lag[speaker]
    rho, why = pearson_r(x, y)
    pairs = links.self_pairs[speaker]
    undefined = {} if why is None else {"autocorrelation": why}
    rate = None
    if pairs:
        rate = sum(a == b for a, b in pairs) / len(pairs)
    else:
        undefined["self_transition_rate"] = "no pair of consecutive own turns with a top label"
    return InertiaEstimate(speaker, rho, len(x), rate, len(pairs), undefined)


def _contagion(speakers: list[str], links: _Links) -> dict[str, dict[str, ContagionEstimate]]:
    contagion: dict[str, dict[str, ContagionEstimate]] = {}
    for target in speakers:
        for source in speakers:
            if source == target:
                continue
            rows = links.ols_rows.get((target, source), [])
            columns = [list(c) for c in zip(*rows)] if rows else [[], [], []]
            contagion.setdefault(target, {})[source] = contagion_ols(*columns, target=target, source=source)
    return contagion


def _summary(records: list[TurnRecord], speaker: str) -> SpeakerSummary:
    mine = [r for r in records if r.speaker == speaker and r.scored]
    arousal = [r.arousal for r in mine if r.arousal is not None]
    return SpeakerSummary(
        speaker,
        sum(r.speaker == speaker for r in records),
        len(mine),
        float(np.mean([r.valence for r in mine])) if mine else None,
        float(np.mean(arousal)) if arousal else None,
        dict(Counter(r.top for r in mine if r.top is not None).most_common()),
    )


def _episodes(
    records: list[TurnRecord],
    speakers: list[str],
    last_by: list[dict[str, int]],
    threshold: float,
    prob_threshold: float,
    min_steps: int,
) -> list[Episode]:
    out: list[Episode] = []
    for signal, limit, escalating in (("valence", threshold, -1), ("negative_prob", prob_threshold, 1)):
        for scope_key, (ids, values) in _series(records, last_by, signal).items():
            scope = "conversation" if scope_key == ROOM else scope_key
            for sign, kind in ((escalating, "escalation"), (-escalating, "de-escalation")):
                for a, b in directional_runs(values, sign, limit, min_steps):
                    out.append(
                        Episode(scope, kind, signal, tuple(ids[a : b + 1]), values[a], values[b], values[b] - values[a])
                    )
    rank = {s: i for i, s in enumerate(["conversation", *speakers])}
    return sorted(out, key=lambda e: (e.signal != "valence", rank.get(e.scope, 0), e.turn_ids[0] if e.turn_ids else ""))


def _series(
    records: list[TurnRecord], last_by: list[dict[str, int]], signal: str
) -> dict[str, tuple[list[str], list[float]]]:
    """Turn ids and values of ``signal`` per speaker, and of the room state under :data:`ROOM`."""
    series: dict[str, tuple[list[str], list[float]]] = {}
    for i, r in enumerate(records):
        value = getattr(r, signal)
        if not r.scored or value is None:
            continue
        ids, values = series.setdefault(r.speaker, ([], []))
        ids.append(r.turn_id)
        values.append(value)
        # room state: mean of the latest reading of every speaker who has spoken on this turn's path
        latest = {s: getattr(records[m], signal) for s, m in last_by[i].items()}
        latest[r.speaker] = value
        known = [v for v in latest.values() if v is not None]
        room_ids, room = series.setdefault(ROOM, ([], []))
        room_ids.append(r.turn_id)
        room.append(float(np.mean(known)))
    return series


def _outcome(records: list[TurnRecord], speaker: str, threshold: float) -> Outcome:
    mine = [r for r in records if r.scored and r.speaker == speaker]
    if len(mine) < 2:
        return Outcome(
            speaker, None, None, None, None, None, None, {"change": f"{len(mine)} scored turn(s); needs at least 2"}
        )
    first, last = mine[0], mine[-1]
    assert first.valence is not None and last.valence is not None
    change = last.valence - first.valence
    verdict = "better" if change >= threshold - EPS else "worse" if change <= -threshold + EPS else "unchanged"
    return Outcome(speaker, first.turn_id, last.turn_id, first.valence, last.valence, change, verdict, {})
