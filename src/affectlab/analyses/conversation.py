"""Conversation dynamics: who carries a mood, and who catches it.

A conversation is a list of turns (speaker, text, optional timestamp, optional
reply-to). Every turn gets an affect reading from an engine, optionally
conditioned on the turns before it in its thread; the dynamics are then read
from the per-turn valence and top emotion.

Predecessors
------------
All measures walk the conversation along *predecessor* links: in a linear chat a
turn's predecessor is the turn before it; in a threaded conversation (one with
any reply-to value) it is the turn it replies to, and a turn without a known,
earlier reply-to target starts a thread. The *ancestors* of a turn are its
predecessor, that turn's predecessor, and so on. Turns without a score (empty
text, missing precomputed valence) are skipped over: links jump to the nearest
scored ancestor.

Measures (definitions and formulas in ``docs/conversations.md``)
----------------------------------------------------------------
- transitions: top label -> next top label counts and row probabilities, over
  all predecessor links, over each speaker's own consecutive turns, and per
  ordered speaker pair;
- inertia: lag-1 autocorrelation of a speaker's valence over their own turns, and
  the rate at which their top emotion repeats;
- contagion: OLS fit of ``v_self[t] = a * v_self[t-1] + b * v_other[t-1] + c`` per
  (self, other) pair, with the standard error and 95% confidence interval of ``b``;
- shifts: own-turn valence changes of at least ``shift_threshold``;
- episodes: runs of monotonic valence fall (escalation) or rise (de-escalation),
  or of rising / falling negative-emotion probability, beyond a threshold;
- outcomes: last minus first valence of each speaker.

Scales: valence and arousal in [-1, 1] (0 neutral); probabilities in [0, 1].
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect
from affectlab.core.text import normalize
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import AffectlabWarning, InputError, ParameterError, TaxonomyError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TURN_FLAGS",
    "ContagionEstimate",
    "ConversationDynamics",
    "ConversationResult",
    "Episode",
    "InertiaEstimate",
    "Outcome",
    "Shift",
    "SpeakerSummary",
    "TransitionMatrix",
    "Turn",
    "TurnRecord",
    "contagion_ols",
    "conversation_dynamics",
    "lag1_autocorrelation",
    "load_turns",
    "transition_matrix",
]

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


# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------
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
        Id of the predecessor turn (see the module docstring), None for a thread start.
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
    """What :func:`conversation_dynamics` returns.

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


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def _as_id(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.integer | np.floating):
        return _as_id(value.item())
    return str(value).strip()


def _time_key(value: object, where: str) -> tuple[str, float] | None:
    """(kind, sortable seconds) of a timestamp; kind is ``number`` or ``date``."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise InputError(f"{where}: timestamp {value!r} is a boolean; use numbers (seconds) or dates.")
    number: float | None = None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    if number is not None:
        return ("number", number) if math.isfinite(number) else None
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{where}: timestamp {value!r} is neither a number nor a date; use seconds or ISO 8601 dates."
        ) from exc
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return "date", (stamp - pd.Timestamp(0)).total_seconds()


def _json_time(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, str | int | float):
        return value
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


def _check_choice(name: str, value: object, allowed: Sequence[str], owner: str = "conversation_dynamics") -> None:
    if value not in allowed:
        raise ParameterError(
            f"The '{name}' parameter of {owner} must be one of {', '.join(map(repr, allowed))}. Got {value!r} instead."
        )


def _check_number(name: str, value: object, low: float, high: float | None, *, integer: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = isinstance(value, int)
    if ok:
        ok = value >= low and (high is None or value <= high)  # type: ignore[operator]
    if not ok:
        kind = "an int" if integer else "a number"
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ParameterError(
            f"The '{name}' parameter of conversation_dynamics must be {kind} {bound}. Got {value!r} instead."
        )


# ---------------------------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------------------------
def _rows_of(data: object) -> tuple[list[Mapping[str, Any]], list[str]]:
    if isinstance(data, str | bytes):
        raise InputError("Conversation data must be a DataFrame or rows (mappings), not a string; read the file first.")
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        frame: Any = data
        columns = [str(c) for c in frame.columns]
        records = frame.to_dict("records")
        return [{str(k): v for k, v in r.items()} for r in records], columns
    if not isinstance(data, Iterable):
        raise InputError(f"Conversation data must be a DataFrame or an iterable of rows. Got {type(data).__name__}.")
    rows: list[Mapping[str, Any]] = []
    columns: dict[str, None] = {}
    for index, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise InputError(f"Row {index} is a {type(row).__name__}; every row must be a mapping of column -> value.")
        rows.append(row)
        columns.update(dict.fromkeys(map(str, row)))
    return rows, list(columns)


def _resolve_column(given: str | None, defaults: tuple[str, ...], option: str, available: list[str]) -> str | None:
    if given is not None:
        if given not in available:
            raise InputError(
                f"Column {given!r} ({option}) not found. Available columns: {', '.join(available) or 'none'}."
            )
        return given
    return next((d for d in defaults if d in available), None)


def load_turns(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    speaker_col: str = "speaker",
    text_col: str = "text",
    time_col: str | None = None,
    reply_to_col: str | None = None,
    turn_id_col: str | None = None,
    conversation_col: str | None = None,
    on_unsorted: str = "sort",
) -> list[Turn]:
    """Validate conversation rows and put each conversation in order.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        One row per turn.
    speaker_col, text_col : str, default="speaker", "text"
        Required columns.
    time_col, reply_to_col, turn_id_col, conversation_col : str, optional
        Optional columns. When not named, ``timestamp``, ``reply_to``, ``turn_id`` (or ``id``) and
        ``conversation_id`` are used if present. Timestamps are numbers (any unit) or dates.
    on_unsorted : {"sort", "error"}, default="sort"
        What to do when a conversation's timestamps go backwards: sort it (stable, with an
        :class:`~affectlab.errors.AffectlabWarning`) or raise :class:`~affectlab.errors.InputError`.

    Returns
    -------
    list of Turn
        Conversations in order of first appearance, each in conversation order.

    Raises
    ------
    InputError
        Missing columns (the message lists the available ones), a row without a speaker,
        duplicate turn ids within a conversation, unreadable timestamps, or unsorted input
        under ``on_unsorted="error"``.

    Examples
    --------
    >>> turns = load_turns([{"speaker": "a", "text": "hi"}, {"speaker": "b", "text": "hello"}])
    >>> [(t.turn_id, t.parent) for t in turns]
    [('0', None), ('1', '0')]
    """
    _check_choice("on_unsorted", on_unsorted, ("sort", "error"), "load_turns")
    rows, available = _rows_of(data)
    if not rows:
        raise InputError("The conversation data has no rows; pass at least one turn.")
    missing = [c for c in (speaker_col, text_col) if c not in available]
    if missing:
        raise InputError(
            f"Missing column(s) {', '.join(map(repr, missing))} (speaker_col={speaker_col!r}, "
            f"text_col={text_col!r}). Available columns: {', '.join(available)}. Name the right ones "
            "(--speaker-col / --text-col on the command line)."
        )
    time_col = _resolve_column(time_col, ("timestamp",), "time_col", available)
    reply_to_col = _resolve_column(reply_to_col, ("reply_to",), "reply_to_col", available)
    turn_id_col = _resolve_column(turn_id_col, ("turn_id", "id"), "turn_id_col", available)
    conversation_col = _resolve_column(conversation_col, ("conversation_id",), "conversation_col", available)

    groups: dict[str, list[Turn]] = {}
    keys: dict[str, list[tuple[str, float] | None]] = {}
    for index, row in enumerate(rows):
        speaker = _as_id(row.get(speaker_col))
        if speaker is None:
            raise InputError(f"Row {index} has no speaker (column {speaker_col!r}); fill it in or drop the row.")
        conversation = DEFAULT_CONVERSATION
        if conversation_col is not None:
            conversation = _as_id(row.get(conversation_col)) or ""
            if not conversation:
                raise InputError(
                    f"Row {index} has no conversation id (column {conversation_col!r}); fill it in or drop the row."
                )
        turn_id = str(index)
        if turn_id_col is not None:
            turn_id = _as_id(row.get(turn_id_col)) or ""
            if not turn_id:
                raise InputError(f"Row {index} has no turn id (column {turn_id_col!r}); every turn needs one.")
        raw_time = row.get(time_col) if time_col else None
        groups.setdefault(conversation, []).append(
            Turn(
                conversation_id=conversation,
                turn_id=turn_id,
                row=index,
                speaker=speaker,
                text=row.get(text_col),
                timestamp=_json_time(raw_time),
                reply_to=_as_id(row.get(reply_to_col)) if reply_to_col else None,
                flags=("missing_timestamp",) if time_col and _missing(raw_time) else (),
                columns=dict(row),
            )
        )
        keys.setdefault(conversation, []).append(_time_key(raw_time, f"Row {index}") if time_col else None)

    out: list[Turn] = []
    for conversation, turns in groups.items():
        seen: set[str] = set()
        for t in turns:
            if t.turn_id in seen:
                raise InputError(
                    f"Turn id {t.turn_id!r} appears twice in conversation {conversation!r} (row {t.row}); "
                    "turn ids must be unique within a conversation."
                )
            seen.add(t.turn_id)
        if time_col:
            turns = _sort_by_time(conversation, turns, keys[conversation], on_unsorted)
        out += _link(turns, threaded=any(t.reply_to is not None for t in turns))
    return out


def _sort_by_time(
    conversation: str, turns: list[Turn], keys: list[tuple[str, float] | None], on_unsorted: str
) -> list[Turn]:
    kinds = {k[0] for k in keys if k is not None}
    if len(kinds) > 1:
        raise InputError(
            f"Conversation {conversation!r} mixes numeric and date timestamps; use one kind for all its turns."
        )
    filled: list[float] = []
    for key in keys:
        filled.append(key[1] if key is not None else (filled[-1] if filled else -math.inf))
    backwards = [i for i in range(1, len(filled)) if filled[i] < filled[i - 1]]
    if not backwards:
        return turns
    first = backwards[0]
    where = (
        f"conversation {conversation!r}: turn {turns[first].turn_id!r} (timestamp {turns[first].timestamp!r}) "
        f"comes after turn {turns[first - 1].turn_id!r} (timestamp {turns[first - 1].timestamp!r})"
    )
    if on_unsorted == "error":
        raise InputError(f"Turns are not in time order in {where}. Sort the input or pass on_unsorted='sort'.")
    warnings.warn(
        f"Turns are not in time order in {where}; sorted by timestamp ({len(backwards)} out-of-order turn(s)).",
        AffectlabWarning,
        stacklevel=4,
    )
    order = sorted(range(len(turns)), key=lambda i: filled[i])
    return [
        Turn(**{**turns[i].__dict__, "flags": (*turns[i].flags, "reordered")}) if i != pos else turns[i]
        for pos, i in enumerate(order)
    ]


def _link(turns: list[Turn], *, threaded: bool) -> list[Turn]:
    position = {t.turn_id: i for i, t in enumerate(turns)}
    out = []
    for i, t in enumerate(turns):
        flags = t.flags
        parent: str | None
        if not threaded:
            parent = turns[i - 1].turn_id if i else None
        elif t.reply_to is None:
            parent = None
        elif t.reply_to not in position:
            parent, flags = None, (*flags, "unknown_reply_to")
        elif position[t.reply_to] >= i:
            parent, flags = None, (*flags, "reply_to_not_earlier")
        else:
            parent = t.reply_to
        out.append(Turn(**{**t.__dict__, "parent": parent, "flags": flags}))
    return out


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------
def _negative_prob(emotions: dict[str, float], taxonomy: str) -> float | None:
    try:
        labels = tx.load_taxonomy(taxonomy).labels
        polarity = tx.project(np.array([emotions[k] for k in labels]), taxonomy, "sentiment")
    except TaxonomyError:
        return None
    return float(polarity[tx.load_taxonomy("sentiment").index("negative")])


def _ancestors(turns: list[Turn], position: dict[str, int], index: int) -> Iterable[int]:
    parent = turns[index].parent
    while parent is not None:
        j = position[parent]
        yield j
        parent = turns[j].parent


def _context(
    engine: Engine, turns: list[Turn], position: dict[str, int], index: int, k: int, separator: str
) -> tuple[str, list[str], bool]:
    """The turn's text prefixed by up to ``k`` ancestors' texts that fit the engine's window."""
    parts = [normalize(turns[index].text).text]
    ids: list[str] = []
    for j in _ancestors(turns, position, index):
        if len(ids) == k:
            break
        text = normalize(turns[j].text).text
        if not text.strip():
            continue
        candidate = separator.join([text, *parts])
        if len(engine.chunks(candidate)) > 1:
            return separator.join(parts), ids, True
        parts.insert(0, text)
        ids.append(turns[j].turn_id)
    return separator.join(parts), ids, False


def _predict(engine: Engine, texts: list[object], taxonomy: str, batch_size: int) -> list[Affect]:
    out: list[Affect] = []
    for start in range(0, len(texts), batch_size):
        out += engine.predict(texts[start : start + batch_size], taxonomy=taxonomy)
    return out


def _record(turn: Turn, **scores: Any) -> TurnRecord:
    base = {k: v for k, v in turn.__dict__.items() if k not in ("columns", "flags")}
    return TurnRecord(**base, **scores)


def _blend(own: Affect, ctx: Affect, weight: float, engine: Engine) -> dict[str, Any]:
    """Mix the turn's own reading with its in-context reading: ``(1 - weight) * own + weight * ctx``."""
    emotions = {k: (1 - weight) * p + weight * ctx.emotions[k] for k, p in own.emotions.items()}
    taxonomy = tx.load_taxonomy(own.taxonomy)
    top = max(emotions, key=lambda k: emotions[k])
    if taxonomy.kind == "exclusive":
        labels: tuple[str, ...] = (top,)
    else:
        thresholds = engine.thresholds(own.taxonomy)
        above = [k for j, k in enumerate(taxonomy.labels) if emotions[k] >= thresholds[j]]
        labels = tuple(sorted(above, key=lambda k: -emotions[k]))

    def mix(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else (1 - weight) * a + weight * b

    vad = (None, None, None)
    if own.vad is not None and ctx.vad is not None:
        vad = tuple(mix(getattr(own.vad, d), getattr(ctx.vad, d)) for d in ("valence", "arousal", "dominance"))
    sentiment_label = sentiment_score = None
    if own.sentiment is not None and ctx.sentiment is not None:
        sentiment_score = mix(own.sentiment.score, ctx.sentiment.score)
        sentiment_label = ctx.sentiment.label if weight > 0.5 else own.sentiment.label
    return {
        "emotions": emotions,
        "labels": labels,
        "top": top,
        "vad": vad,
        "sentiment_label": sentiment_label,
        "sentiment_score": sentiment_score,
    }


def _from_affect(turn: Turn, parts: dict[str, Any], flags: tuple[str, ...], context_ids: list[str]) -> TurnRecord:
    valence, arousal, dominance = parts["vad"]
    if valence is None and parts["sentiment_score"] is not None:
        valence = parts["sentiment_score"]
        flags = (*flags, "valence_from_sentiment")
    return _record(
        turn,
        flags=flags,
        emotions=parts["emotions"],
        labels=parts["labels"],
        top=parts["top"],
        valence=valence,
        arousal=arousal,
        dominance=dominance,
        sentiment_label=parts["sentiment_label"],
        sentiment_score=parts["sentiment_score"],
        negative_prob=_negative_prob(parts["emotions"], parts["taxonomy"]),
        context_ids=tuple(context_ids),
        taxonomy=parts["taxonomy"],
    )


def _parts(affect: Affect) -> dict[str, Any]:
    vad = (None, None, None) if affect.vad is None else (affect.vad.valence, affect.vad.arousal, affect.vad.dominance)
    return {
        "emotions": dict(affect.emotions),
        "labels": affect.labels,
        "top": affect.top,
        "vad": vad,
        "sentiment_label": affect.sentiment.label if affect.sentiment else None,
        "sentiment_score": affect.sentiment.score if affect.sentiment else None,
        "taxonomy": affect.taxonomy,
    }


def _score_with_engine(
    turns: list[Turn],
    engine: Engine,
    taxonomy: str | None,
    context: int,
    weight: float,
    separator: str,
    batch_size: int,
) -> list[TurnRecord]:
    target = tx.load_taxonomy(taxonomy or engine.native_taxonomy).name
    own = _predict(engine, [t.text for t in turns], target, batch_size)
    by_conversation: dict[str, list[int]] = {}
    for i, t in enumerate(turns):
        by_conversation.setdefault(t.conversation_id, []).append(i)
    contexts: dict[int, tuple[str, list[str], bool]] = {}
    if context > 0 and weight > 0:
        for indices in by_conversation.values():
            conv = [turns[i] for i in indices]
            position = {t.turn_id: local for local, t in enumerate(conv)}
            for local, i in enumerate(indices):
                if "empty" not in own[i].flags:
                    contexts[i] = _context(engine, conv, position, local, context, separator)
    with_context = [i for i, c in contexts.items() if c[1]]
    in_context = _predict(engine, [contexts[i][0] for i in with_context], target, batch_size)
    blended = dict(zip(with_context, in_context))
    records = []
    for i, turn in enumerate(turns):
        parts = _parts(own[i])
        flags = (*turn.flags, *own[i].flags)
        ids: list[str] = []
        if i in contexts:
            _, ids, truncated = contexts[i]
            if truncated:
                flags = (*flags, "context_truncated")
        if i in blended:
            parts = {**_blend(own[i], blended[i], weight, engine), "taxonomy": target}
        records.append(_from_affect(turn, parts, flags, ids))
    return records


def _given_score(turn: Turn, column: str, low: float, high: float) -> float | None:
    value = turn.columns.get(column)
    if _missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InputError(f"Row {turn.row}: {column} {value!r} is not a number.") from exc
    if not (low <= number <= high):
        raise InputError(f"Row {turn.row}: {column} {number} is outside [{low:g}, {high:g}]; rescale it first.")
    return number


def _score_from_columns(turns: list[Turn]) -> list[TurnRecord]:
    if not any("valence" in t.columns for t in turns):
        raise InputError(
            "With engine=None the rows must carry precomputed scores: a 'valence' column in [-1, 1] "
            "(optional: 'arousal', 'top', 'negative_prob'). Pass an engine to score the texts instead."
        )
    records = []
    for turn in turns:
        valence = _given_score(turn, "valence", -1.0, 1.0)
        top = _as_id(turn.columns.get("top"))
        records.append(
            _record(
                turn,
                flags=turn.flags if valence is not None else (*turn.flags, "missing_score"),
                emotions=None,
                labels=(top,) if top else (),
                top=top,
                valence=valence,
                arousal=_given_score(turn, "arousal", -1.0, 1.0),
                dominance=None,
                sentiment_label=None,
                sentiment_score=None,
                negative_prob=_given_score(turn, "negative_prob", 0.0, 1.0),
            )
        )
    return records


# ---------------------------------------------------------------------------------------------
# estimators (plain numbers in, no engine)
# ---------------------------------------------------------------------------------------------
def _pearson(x: Sequence[float], y: Sequence[float]) -> tuple[float | None, str | None]:
    if len(x) < MIN_AUTOCORR_PAIRS:
        return None, f"{len(x)} lag-1 pair(s); needs at least {MIN_AUTOCORR_PAIRS}"
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    if denominator <= 1e-12:
        return None, "valence does not vary over the pairs, so the correlation is undefined"
    return float((a * b).sum() / denominator), None


def lag1_autocorrelation(values: Sequence[float]) -> float | None:
    """Lag-1 autocorrelation of a series: Pearson r of ``(values[t-1], values[t])``.

    Parameters
    ----------
    values : sequence of float
        A speaker's valence over their own turns, in order, in [-1, 1].

    Returns
    -------
    float or None
        In [-1, 1]; None with fewer than 3 pairs (4 values) or a constant series.

    Examples
    --------
    >>> round(lag1_autocorrelation([0.1, 0.2, 0.3, 0.5, 0.4]), 3)
    0.68
    """
    return _pearson(values[:-1], values[1:])[0]


def contagion_ols(
    current: Sequence[float],
    own_previous: Sequence[float],
    other_previous: Sequence[float],
    *,
    target: str = "self",
    source: str = "other",
) -> ContagionEstimate:
    """Fit ``v_self[t] = a * v_self[t-1] + b * v_other[t-1] + c`` by ordinary least squares.

    Parameters
    ----------
    current, own_previous, other_previous : sequence of float, shape (n,)
        ``v_self[t]``, ``v_self[t-1]`` and ``v_other[t-1]`` per row, valence in [-1, 1].
    target, source : str
        Names copied to the result.

    Returns
    -------
    ContagionEstimate
        ``b`` with its standard error and 95% confidence interval (t with ``n - 3`` degrees of
        freedom); all None, with the reason in ``undefined``, for fewer than 5 rows or collinear
        predictors.

    Examples
    --------
    >>> est = contagion_ols([0.5, 0.1, 0.4, 0.0, 0.3, 0.2], [0.4, 0.2, 0.3, 0.1, 0.3, 0.1],
    ...                     [0.2, -0.1, 0.3, -0.2, 0.1, 0.2])
    >>> est.n, est.b is not None
    (6, True)
    """
    y = np.asarray(current, dtype=np.float64)
    x1 = np.asarray(own_previous, dtype=np.float64)
    x2 = np.asarray(other_previous, dtype=np.float64)
    n = len(y)
    if not (len(x1) == len(x2) == n):
        raise InputError(f"contagion_ols needs equal lengths; got {n}, {len(x1)} and {len(x2)}.")

    def undefined(reason: str) -> ContagionEstimate:
        return ContagionEstimate(target, source, None, None, None, None, None, None, n, None, {"b": reason})

    if n < MIN_OLS_ROWS:
        return undefined(
            f"{n} row(s) (turns of {target} preceded by an own turn and a turn of {source}); "
            f"needs at least {MIN_OLS_ROWS}"
        )
    design = np.column_stack([x1, x2, np.ones(n)])
    if np.linalg.matrix_rank(design) < 3:
        return undefined("a predictor is constant or the two predictors are collinear")
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    df = n - 3
    rss = float(resid @ resid)
    cov = rss / df * np.linalg.inv(design.T @ design)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    from scipy.special import stdtrit

    half = float(stdtrit(df, 0.975)) * se[1]
    tss = float(((y - y.mean()) ** 2).sum())
    return ContagionEstimate(
        target=target,
        source=source,
        b=float(coef[1]),
        b_se=float(se[1]),
        b_ci95=(float(coef[1] - half), float(coef[1] + half)),
        a=float(coef[0]),
        a_se=float(se[0]),
        c=float(coef[2]),
        n=n,
        r2=None if tss <= 0 else 1.0 - rss / tss,
        undefined={},
    )


def transition_matrix(pairs: Iterable[tuple[str, str]], labels: Sequence[str] | None = None) -> TransitionMatrix:
    """Count label -> next label links.

    Parameters
    ----------
    pairs : iterable of (str, str)
        (from label, to label) links.
    labels : sequence of str, optional
        Row/column order; default the labels seen, sorted.

    Returns
    -------
    TransitionMatrix

    Raises
    ------
    InputError
        If a pair uses a label missing from ``labels``.

    Examples
    --------
    >>> m = transition_matrix([("joy", "joy"), ("joy", "anger"), ("anger", "joy")])
    >>> m.labels, m.probabilities.tolist()
    (('anger', 'joy'), [[0.0, 1.0], [0.5, 0.5]])
    """
    links = list(pairs)
    order = tuple(labels) if labels is not None else tuple(sorted({x for p in links for x in p}))
    index = {k: i for i, k in enumerate(order)}
    counts = np.zeros((len(order), len(order)), dtype=np.int64)
    for a, b in links:
        if a not in index or b not in index:
            raise InputError(f"Transition ({a!r} -> {b!r}) uses a label outside {list(order)}.")
        counts[index[a], index[b]] += 1
    undefined = {} if links else {"probabilities": "no pair of consecutive labelled turns"}
    return TransitionMatrix(order, counts, undefined)


def _runs(values: Sequence[float], sign: int, threshold: float, min_steps: int) -> list[tuple[int, int]]:
    """Maximal runs [start, end] where every step moves strictly in ``sign`` and the total move reaches threshold."""
    out = []
    start = 0
    for i in range(1, len(values) + 1):
        moving = i < len(values) and (values[i] - values[i - 1]) * sign > 0
        if not moving:
            if i - 1 - start >= min_steps and (values[i - 1] - values[start]) * sign >= threshold - EPS:
                out.append((start, i - 1))
            start = i
    return out


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
        rho, why = _pearson(x, y)
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
                for a, b in _runs(values, sign, limit, min_steps):
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
    _check_number("context", context, 0, None, integer=True)
    _check_number("context_weight", context_weight, 0.0, 1.0)
    _check_number("shift_threshold", shift_threshold, 0.0, 2.0)
    _check_number("episode_threshold", episode_threshold, 0.0, 2.0)
    _check_number("episode_prob_threshold", episode_prob_threshold, 0.0, 1.0)
    _check_number("min_episode_steps", min_episode_steps, 1, None, integer=True)
    _check_number("outcome_threshold", outcome_threshold, 0.0, 2.0)
    _check_number("batch_size", batch_size, 1, None, integer=True)
    if not isinstance(context_separator, str):
        raise ParameterError(
            "The 'context_separator' parameter of conversation_dynamics must be a str. "
            f"Got {type(context_separator).__name__} instead."
        )
    _check_choice("on_unsorted", on_unsorted, ("sort", "error"))
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
        records = _score_from_columns(turns)
    else:
        loaded = engine if isinstance(engine, Engine) else load_engine(engine)
        engine_name = f"{loaded.name}@{loaded.version}"
        taxonomy = tx.load_taxonomy(taxonomy or loaded.native_taxonomy).name
        labels_order = tx.load_taxonomy(taxonomy).labels
        records = _score_with_engine(turns, loaded, taxonomy, context, context_weight, context_separator, batch_size)
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
