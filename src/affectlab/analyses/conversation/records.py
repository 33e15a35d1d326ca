"""Records of turns: the per-turn flags, the column names of a turn table, turns, scored turns and the result.

Valence and arousal are in [-1, 1] (0 neutral); probabilities in [0, 1]. ``to_dict`` goes through the one
serializer, :func:`affectlab.core.serialize.jsonable` (numbers rounded to :data:`DIGITS` decimals, non-finite
numbers as null).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from affectlab.core.serialize import jsonable
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

    from affectlab.analyses.conversation.estimates import ConversationDynamics

__all__ = ["TURN_FLAGS", "ConversationResult", "JsonRecord", "Turn", "TurnColumns", "TurnRecord"]

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
DIGITS = 6  # decimals of the numbers in to_dict
MIN_AUTOCORR_PAIRS = 3
MIN_OLS_ROWS = 5
EPS = 1e-9  # tolerance of threshold comparisons (valence and probabilities are rounded inputs)

#: Keyword names of the first release (``speaker_col=`` ...) -> the :class:`TurnColumns` field they set.
DEPRECATED_COLUMN_KEYWORDS = {
    "text_col": "text",
    "speaker_col": "speaker",
    "time_col": "time",
    "reply_to_col": "reply_to",
    "turn_id_col": "id",
    "conversation_col": "conversation",
}


class JsonRecord:
    """Mixin: ``to_dict`` is the record's fields through :func:`~affectlab.core.serialize.jsonable`."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready nested form (numbers rounded to 6 decimals, NaN and inf as null)."""
        data: dict[str, Any] = jsonable(self, digits=DIGITS)
        return data


@dataclass(frozen=True)
class TurnColumns:
    """Column names of a turn table (the ``--*-column`` options of ``affectlab conversation``).

    Attributes
    ----------
    text, speaker : str, default="text", "speaker"
        Required columns.
    time : str, optional
        Timestamps, numbers (any unit) or dates; default ``timestamp`` if present.
    reply_to : str, optional
        Id of the turn replied to (threads); default ``reply_to`` if present.
    id : str, optional
        Turn ids, unique within a conversation; default ``turn_id`` or ``id`` if present, else the input row.
    conversation : str, optional
        Conversation ids (several conversations per table); default ``conversation_id`` if present.

    Examples
    --------
    >>> TurnColumns(time="seconds").time
    'seconds'
    """

    text: str = "text"
    speaker: str = "speaker"
    time: str | None = None
    reply_to: str | None = None
    id: str | None = None
    conversation: str | None = None


def turn_columns(columns: TurnColumns | None, deprecated: Mapping[str, Any], owner: str) -> TurnColumns:
    """``columns``, with the first release's keywords (``speaker_col=`` ...) folded in under a DeprecationWarning.

    Raises
    ------
    TypeError
        An unknown keyword, as Python raises for any function.
    ParameterError
        ``columns`` is not a :class:`TurnColumns`, or it is given together with a deprecated keyword.
    """
    unknown = sorted(set(deprecated) - set(DEPRECATED_COLUMN_KEYWORDS))
    if unknown:
        raise TypeError(f"{owner}() got an unexpected keyword argument {unknown[0]!r}")
    if columns is not None and not isinstance(columns, TurnColumns):
        raise ParameterError(
            f"The 'columns' parameter of {owner} must be a TurnColumns. Got {type(columns).__name__} instead."
        )
    if not deprecated:
        return columns or TurnColumns()
    if columns is not None:
        raise ParameterError(f"Pass the column names of {owner} either as columns=TurnColumns(...) or, deprecated, "
                             f"as {', '.join(deprecated)}; not both.")  # fmt: skip
    changes = {DEPRECATED_COLUMN_KEYWORDS[k]: v for k, v in deprecated.items()}
    spelled = ", ".join(f"{k}={v!r}" for k, v in changes.items())
    warnings.warn(
        f"{', '.join(deprecated)} of {owner} are deprecated and will be removed; pass columns=TurnColumns({spelled}).",
        DeprecationWarning,
        stacklevel=3,
    )
    return TurnColumns(**changes)


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
    top : str or None
        Most probable label (None for empty text).
    labels : tuple of str
        Labels at or above their decision threshold.
    valence, arousal, dominance : float or None
        In [-1, 1], 0 neutral.
    sentiment_label : str or None
        positive, negative or neutral.
    sentiment_score : float or None
        In [-1, 1].
    negative_prob : float or None
        Probability in [0, 1] of the negative class when the emotions are projected to the sentiment taxonomy.
    emotions : dict of str to float or None
        Probability in [0, 1] per label of ``taxonomy`` (None for precomputed scores).
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
    top: str | None
    labels: tuple[str, ...]
    valence: float | None
    arousal: float | None
    dominance: float | None
    sentiment_label: str | None
    sentiment_score: float | None
    negative_prob: float | None
    emotions: dict[str, float] | None
    context_ids: tuple[str, ...] = ()
    taxonomy: str | None = None

    @property
    def scored(self) -> bool:
        """True when the turn takes part in the dynamics (it has a valence and non-empty text)."""
        return self.valence is not None and "empty" not in self.flags and "error" not in self.flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready nested form (``sentiment`` as ``{label, score}``; scores rounded to 6 decimals)."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("text", "timestamp"):
                data[f.name] = _text(value) if f.name == "text" else value  # as given, not rounded
            elif f.name == "sentiment_label":
                sentiment = {"label": value, "score": jsonable(self.sentiment_score, digits=DIGITS)}
                data["sentiment"] = None if value is None and self.sentiment_score is None else sentiment
            elif f.name != "sentiment_score":
                data[f.name] = jsonable(value, digits=DIGITS)
        return data

    def flat(self) -> dict[str, Any]:
        """One flat row: lists ``;``-joined, ``sentiment.label``/``sentiment.score``, ``emotions.<label>`` columns."""
        row: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("flags", "labels", "context_ids"):
                value = ";".join(value)
            elif f.name == "text":
                value = _text(value)
            elif f.name == "timestamp" and value is not None:
                value = str(value)
            if f.name != "emotions":
                row[f.name.replace("sentiment_", "sentiment.")] = value
        row.update({f"emotions.{k}": v for k, v in (self.emotions or {}).items()})
        return row


@dataclass
class ConversationResult:
    """What :func:`~affectlab.analyses.conversation.conversation_dynamics` returns.

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
            "parameters": jsonable(self.parameters),
            "turns": [t.to_dict() for t in self.turns],
            "dynamics": jsonable(self.dynamics, digits=DIGITS),
        }


def _text(value: object) -> object:
    """The text as JSON, unrounded: bytes decoded (UTF-8, errors replaced), NaN as None, other objects as ``str``."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return jsonable(value)
    return str(value)
