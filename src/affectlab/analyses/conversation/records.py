"""Records of conversation dynamics: the per-turn flags, thresholds and result dataclasses.

Valence and arousal are in [-1, 1] (0 neutral); probabilities in [0, 1]. Every record has a
JSON-ready ``to_dict`` (numbers rounded to 6 decimals, non-finite numbers as null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

TURN_FLAGS: dict[str, str] = {
    "unknown_reply_to": "the reply-to value names no turn of the conversation; the turn starts a thread",
    "reply_to_not_earlier": "the reply-to target is the turn itself or a later turn; the turn starts a thread",
    "missing_timestamp": "the turn has no timestamp; it keeps its place after the turn before it in the input",
    "reordered": "the turn was moved when the conversation was sorted by timestamp",
    "context_truncated": "fewer context turns than asked fitted in the engine's window",
    "valence_from_sentiment": "the engine gives no valence; the sentiment score in [-1, 1] is used instead",
    "missing_score": "no valence was given for the turn (engine=None); it is left out of the dynamics",
}
DEFAULT_CONVERSATION = "0"
MIN_AUTOCORR_PAIRS = 3
MIN_OLS_ROWS = 5
EPS = 1e-9  # tolerance of threshold comparisons (valence and probabilities are rounded inputs)


@dataclass(frozen=True)
class Turn:
    """One validated input turn, in conversation order.

    Attributes
    ----------
    conversation_id, turn_id : str
        Ids as given (turn ids default to the 0-based input row position).
    row : int
        0-based position of the turn in the input.
    speaker : str
        Who wrote the turn.
    text : object
        The text as given (the engine normalises it).
    timestamp : object or None
        The timestamp as given (numbers or date strings), JSON-ready.
    reply_to : str or None
        The reply-to value as given.
    parent : str or None
        Id of the predecessor turn (see :mod:`affectlab.analyses.conversation`), None for a thread start.
    flags : tuple of str
        Input conditions, see :data:`TURN_FLAGS`.
    columns : dict
        The input row, kept for precomputed scores.
    """

    conversation_id: str
    turn_id: str
    row: int
    speaker: str
    text: object
    timestamp: object = None
    reply_to: str | None = None
    parent: str | None = None
    flags: tuple[str, ...] = ()
    columns: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class TurnRecord:
    """A turn with its affect.

    Attributes
    ----------
    conversation_id, turn_id, row, speaker, text, timestamp, reply_to, parent
        As in :class:`Turn`.
    flags : tuple of str
        Input flags (:data:`TURN_FLAGS`) followed by the engine's flags (``empty``, ...).
    emotions : dict of str to float or None
        Probability in [0, 1] per label of ``taxonomy`` (None for precomputed scores).
    labels : tuple of str
        Labels at or above their decision threshold.
    top : str or None
        Most probable label (None for empty text).
    valence, arousal, dominance : float or None
        In [-1, 1], 0 neutral.
    sentiment_label : str or None
        positive, negative or neutral.
    sentiment_score : float or None
        In [-1, 1].
    negative_prob : float or None
        Probability in [0, 1] of the negative class when the emotions are projected to the sentiment taxonomy.
    context_ids : tuple of str
        Turns whose text conditioned this reading, nearest first (empty without ``context``).
    taxonomy : str or None
        Taxonomy of ``emotions``.
    """

    conversation_id: str
    turn_id: str
    row: int
    speaker: str
    text: object
    timestamp: object
    reply_to: str | None
    parent: str | None
    flags: tuple[str, ...]
    emotions: dict[str, float] | None
    labels: tuple[str, ...]
    top: str | None
    valence: float | None
    arousal: float | None
    dominance: float | None
    sentiment_label: str | None
    sentiment_score: float | None
    negative_prob: float | None
    context_ids: tuple[str, ...] = ()
    taxonomy: str | None = None

    @property
    def scored(self) -> bool:
        """True when the turn takes part in the dynamics (it has a valence and non-empty text)."""
        return self.valence is not None and "empty" not in self.flags and "error" not in self.flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready nested form (numbers rounded to 6 decimals)."""
        return {
            "conversation_id": self.conversation_id,
            "turn_id": self.turn_id,
            "row": self.row,
            "speaker": self.speaker,
            "text": _jsonable(self.text),
            "timestamp": self.timestamp,
            "reply_to": self.reply_to,
            "parent": self.parent,
            "flags": list(self.flags),
            "top": self.top,
            "labels": list(self.labels),
            "valence": _round(self.valence),
            "arousal": _round(self.arousal),
            "dominance": _round(self.dominance),
            "sentiment": None
            if self.sentiment_label is None and self.sentiment_score is None
            else {"label": self.sentiment_label, "score": _round(self.sentiment_score)},
            "negative_prob": _round(self.negative_prob),
            "emotions": None if self.emotions is None else {k: round(v, 6) for k, v in self.emotions.items()},
            "context_ids": list(self.context_ids),
            "taxonomy": self.taxonomy,
        }

    def flat(self) -> dict[str, Any]:
        """One flat row: lists ``;``-joined, ``emotions.<label>`` columns."""
        row: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "turn_id": self.turn_id,
            "row": self.row,
            "speaker": self.speaker,
            "text": _jsonable(self.text),
            "timestamp": None if self.timestamp is None else str(self.timestamp),
            "reply_to": self.reply_to,
            "parent": self.parent,
            "flags": ";".join(self.flags),
            "top": self.top,
            "labels": ";".join(self.labels),
            "valence": self.valence,
            "arousal": self.arousal,
            "dominance": self.dominance,
            "sentiment.label": self.sentiment_label,
            "sentiment.score": self.sentiment_score,
            "negative_prob": self.negative_prob,
            "context_ids": ";".join(self.context_ids),
            "taxonomy": self.taxonomy,
        }
        if self.emotions is not None:
            row.update({f"emotions.{k}": v for k, v in self.emotions.items()})
        return row


@dataclass(frozen=True, eq=False)
class TransitionMatrix:
    """Counts of top label -> next top label.

    Attributes
    ----------
    labels : tuple of str
        Row (from) and column (to) labels.
    counts : ndarray of shape (n_labels, n_labels)
        ``counts[i, j]``: links from ``labels[i]`` to ``labels[j]``.
    undefined : dict of str to str
        ``{"probabilities": reason}`` when there is no link at all.
    """

    labels: tuple[str, ...]
    counts: NDArray[np.int64]
    undefined: dict[str, str] = field(default_factory=dict)

    @property
    def n_pairs(self) -> int:
        """Number of links counted."""
        return int(self.counts.sum())

    @property
    def probabilities(self) -> NDArray[np.float64]:
        """Row-normalised counts in [0, 1]; rows of labels never followed by anything are NaN."""
        totals = self.counts.sum(axis=1, keepdims=True).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, self.counts / np.where(totals > 0, totals, 1.0), np.nan)

    def to_frame(self) -> pd.DataFrame:
        """Probabilities as a DataFrame (index: from, columns: to)."""
        import pandas as pd

        return pd.DataFrame(self.probabilities, index=list(self.labels), columns=list(self.labels))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; undefined probability rows are null."""
        return {
            "labels": list(self.labels),
            "counts": self.counts.tolist(),
            "probabilities": [[_round(v) for v in row] for row in self.probabilities],
            "n_pairs": self.n_pairs,
            "undefined": dict(self.undefined),
        }


@dataclass(frozen=True)
class InertiaEstimate:
    """How much a speaker's state carries over between their own turns.

    Attributes
    ----------
    speaker : str
    autocorrelation : float or None
        Pearson correlation in [-1, 1] of (previous own valence, valence) over ``n_pairs`` pairs.
    n_pairs : int
    self_transition_rate : float or None
        Share in [0, 1] of own-turn pairs whose top emotion repeats, over ``n_label_pairs`` pairs.
    n_label_pairs : int
    undefined : dict of str to str
        Why a None field could not be estimated.
    """

    speaker: str
    autocorrelation: float | None
    n_pairs: int
    self_transition_rate: float | None
    n_label_pairs: int
    undefined: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "speaker": self.speaker,
            "autocorrelation": _round(self.autocorrelation),
            "n_pairs": self.n_pairs,
            "self_transition_rate": _round(self.self_transition_rate),
            "n_label_pairs": self.n_label_pairs,
            "undefined": dict(self.undefined),
        }


@dataclass(frozen=True)
class ContagionEstimate:
    """OLS fit of ``v_self[t] = a * v_self[t-1] + b * v_other[t-1] + c``.

    Attributes
    ----------
    target : str
        The speaker whose turns are predicted ("self").
    source : str
        The speaker whose previous turn is the predictor ("other").
    b, b_se : float or None
        Contagion coefficient and its standard error.
    b_ci95 : tuple of float or None
        95% confidence interval of ``b`` (Student t with ``n - 3`` degrees of freedom).
    a, a_se : float or None
        Inertia coefficient (own previous turn) and its standard error.
    c : float or None
        Intercept, valence units.
    n : int
        Rows used.
    r2 : float or None
        Coefficient of determination in [0, 1].
    undefined : dict of str to str
        Why the estimate is None.
    """

    target: str
    source: str
    b: float | None
    b_se: float | None
    b_ci95: tuple[float, float] | None
    a: float | None
    a_se: float | None
    c: float | None
    n: int
    r2: float | None
    undefined: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "target": self.target,
            "source": self.source,
            "b": _round(self.b),
            "b_se": _round(self.b_se),
            "b_ci95": None if self.b_ci95 is None else [_round(self.b_ci95[0]), _round(self.b_ci95[1])],
            "a": _round(self.a),
            "a_se": _round(self.a_se),
            "c": _round(self.c),
            "n": self.n,
            "r2": _round(self.r2),
            "undefined": dict(self.undefined),
        }


@dataclass(frozen=True)
class Shift:
    """A turn whose valence moved by at least the shift threshold since the speaker's previous own turn."""

    speaker: str
    turn_id: str
    previous_turn_id: str
    previous_valence: float
    valence: float
    delta: float
    direction: str
    previous_top: str | None
    top: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "speaker": self.speaker,
            "turn_id": self.turn_id,
            "previous_turn_id": self.previous_turn_id,
            "previous_valence": _round(self.previous_valence),
            "valence": _round(self.valence),
            "delta": _round(self.delta),
            "direction": self.direction,
            "previous_top": self.previous_top,
            "top": self.top,
        }


@dataclass(frozen=True)
class Episode:
    """A run of turns along which a signal moves the same way at every step.

    Attributes
    ----------
    scope : str
        ``"conversation"`` (the room state) or a speaker (their own turns).
    kind : str
        ``"escalation"`` (valence falls / negative probability rises) or ``"de-escalation"``.
    signal : str
        ``"valence"`` or ``"negative_prob"``.
    turn_ids : tuple of str
        The turns of the run, first to last.
    start_value, end_value, change : float
        Signal at the first and last turn, and their difference.
    """

    scope: str
    kind: str
    signal: str
    turn_ids: tuple[str, ...]
    start_value: float
    end_value: float
    change: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "scope": self.scope,
            "kind": self.kind,
            "signal": self.signal,
            "turn_ids": list(self.turn_ids),
            "n_turns": len(self.turn_ids),
            "start_value": _round(self.start_value),
            "end_value": _round(self.end_value),
            "change": _round(self.change),
        }


@dataclass(frozen=True)
class Outcome:
    """Whether a speaker ends better or worse off than they started (last minus first valence)."""

    speaker: str
    first_turn_id: str | None
    last_turn_id: str | None
    first_valence: float | None
    last_valence: float | None
    change: float | None
    verdict: str | None
    undefined: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "speaker": self.speaker,
            "first_turn_id": self.first_turn_id,
            "last_turn_id": self.last_turn_id,
            "first_valence": _round(self.first_valence),
            "last_valence": _round(self.last_valence),
            "change": _round(self.change),
            "verdict": self.verdict,
            "undefined": dict(self.undefined),
        }


@dataclass(frozen=True)
class SpeakerSummary:
    """Per-speaker counts and means (valence, arousal in [-1, 1]) over scored turns."""

    speaker: str
    n_turns: int
    n_scored: int
    mean_valence: float | None
    mean_arousal: float | None
    top_counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "speaker": self.speaker,
            "n_turns": self.n_turns,
            "n_scored": self.n_scored,
            "mean_valence": _round(self.mean_valence),
            "mean_arousal": _round(self.mean_arousal),
            "top_counts": dict(self.top_counts),
        }


@dataclass(frozen=True)
class ConversationDynamics:
    """All dynamics measures of one conversation.

    Attributes
    ----------
    conversation_id : str
    n_turns, n_scored : int
        Turns, and turns that take part in the dynamics.
    threaded : bool
        True when predecessors follow reply-to links.
    speakers : dict of str to SpeakerSummary
        In order of first appearance.
    transitions : TransitionMatrix
        Over every predecessor link.
    self_transitions : dict of str to TransitionMatrix
        Per speaker, over their own consecutive turns.
    cross_transitions : dict of str to dict of str to TransitionMatrix
        ``cross_transitions[a][b]``: links from a turn of ``a`` to a reply by ``b``.
    inertia : dict of str to InertiaEstimate
    contagion : dict of str to dict of str to ContagionEstimate
        ``contagion[self][other]``.
    shifts : list of Shift
    episodes : list of Episode
    outcomes : dict of str to Outcome
    undefined : dict of str to str
        Conversation-level reasons (e.g. a single turn).
    """

    conversation_id: str
    n_turns: int
    n_scored: int
    threaded: bool
    speakers: dict[str, SpeakerSummary]
    transitions: TransitionMatrix
    self_transitions: dict[str, TransitionMatrix]
    cross_transitions: dict[str, dict[str, TransitionMatrix]]
    inertia: dict[str, InertiaEstimate]
    contagion: dict[str, dict[str, ContagionEstimate]]
    shifts: list[Shift]
    episodes: list[Episode]
    outcomes: dict[str, Outcome]
    undefined: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "conversation_id": self.conversation_id,
            "n_turns": self.n_turns,
            "n_scored": self.n_scored,
            "threaded": self.threaded,
            "speakers": {k: v.to_dict() for k, v in self.speakers.items()},
            "transitions": self.transitions.to_dict(),
            "self_transitions": {k: v.to_dict() for k, v in self.self_transitions.items()},
            "cross_transitions": {
                a: {b: m.to_dict() for b, m in row.items()} for a, row in self.cross_transitions.items()
            },
            "inertia": {k: v.to_dict() for k, v in self.inertia.items()},
            "contagion": {t: {s: e.to_dict() for s, e in row.items()} for t, row in self.contagion.items()},
            "shifts": [s.to_dict() for s in self.shifts],
            "episodes": [e.to_dict() for e in self.episodes],
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "undefined": dict(self.undefined),
        }


@dataclass
class ConversationResult:
    """What :func:`~affectlab.analyses.conversation.dynamics.conversation_dynamics` returns.

    Attributes
    ----------
    turns : list of TurnRecord
        Every input turn, grouped by conversation (first-appearance order) and in conversation order.
    dynamics : dict of str to ConversationDynamics
        Per conversation id.
    parameters : dict
        The options used (engine, taxonomy, context, thresholds).
    """

    turns: list[TurnRecord]
    dynamics: dict[str, ConversationDynamics]
    parameters: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """One flat row per turn (see :meth:`TurnRecord.flat`)."""
        import pandas as pd

        return pd.DataFrame([t.flat() for t in self.turns])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``parameters``, ``turns`` and ``dynamics``."""
        return {
            "parameters": dict(self.parameters),
            "turns": [t.to_dict() for t in self.turns],
            "dynamics": {k: v.to_dict() for k, v in self.dynamics.items()},
        }


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _round(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 6)


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)
