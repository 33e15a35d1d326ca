"""Records of the dynamics measures: transitions, inertia, contagion, shifts, episodes, outcomes, summaries.

Valence and arousal are in [-1, 1] (0 neutral); probabilities and rates in [0, 1]. A value that cannot be
estimated is None and its reason is in the record's ``undefined`` dict. ``to_dict`` is
:meth:`~affectlab.analyses.conversation.records.JsonRecord.to_dict` (6 decimals, NaN as null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.conversation.records import JsonRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ContagionEstimate",
    "ConversationDynamics",
    "Episode",
    "InertiaEstimate",
    "Outcome",
    "Shift",
    "SpeakerSummary",
    "TransitionMatrix",
]


@dataclass(frozen=True, eq=False)
class TransitionMatrix(JsonRecord):
    """Counts of top label -> next top label.

    Attributes
    ----------
    labels : tuple of str
        Row (from) and column (to) labels.
    counts : ndarray of shape (n_labels, n_labels)
        ``counts[i, j]``: links from ``labels[i]`` to ``labels[j]``.
    undefined : dict of str to str
        ``{"probabilities": reason}`` when there is no link at all.
    probabilities : ndarray of shape (n_labels, n_labels)
        Row-normalised counts in [0, 1]; rows of labels never followed by anything are NaN (null in JSON).
    n_pairs : int
        Number of links counted.
    """

    labels: tuple[str, ...]
    counts: NDArray[np.int64]
    undefined: dict[str, str] = field(default_factory=dict)
    probabilities: NDArray[np.float64] = field(init=False, repr=False)
    n_pairs: int = field(init=False)

    def __post_init__(self) -> None:
        totals = self.counts.sum(axis=1, keepdims=True).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            probabilities = np.where(totals > 0, self.counts / np.where(totals > 0, totals, 1.0), np.nan)
        object.__setattr__(self, "probabilities", probabilities)
        object.__setattr__(self, "n_pairs", int(self.counts.sum()))

    def to_frame(self) -> pd.DataFrame:
        """Probabilities as a DataFrame (index: from, columns: to)."""
        import pandas as pd

        return pd.DataFrame(self.probabilities, index=list(self.labels), columns=list(self.labels))


@dataclass(frozen=True)
class InertiaEstimate(JsonRecord):
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


@dataclass(frozen=True)
class ContagionEstimate(JsonRecord):
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


@dataclass(frozen=True)
class Shift(JsonRecord):
    """A turn whose valence moved by at least the shift threshold since the speaker's previous own turn.

    Attributes
    ----------
    speaker, turn_id, previous_turn_id : str
    previous_valence, valence, delta : float
        Valence in [-1, 1] before and at the turn, and ``valence - previous_valence``.
    direction : str
        ``"rise"`` or ``"fall"``.
    previous_top, top : str or None
        Top emotions of both turns.
    """

    speaker: str
    turn_id: str
    previous_turn_id: str
    previous_valence: float
    valence: float
    delta: float
    direction: str
    previous_top: str | None
    top: str | None


@dataclass(frozen=True)
class Episode(JsonRecord):
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
    n_turns : int
        ``len(turn_ids)``.
    """

    scope: str
    kind: str
    signal: str
    turn_ids: tuple[str, ...]
    start_value: float
    end_value: float
    change: float
    n_turns: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_turns", len(self.turn_ids))


@dataclass(frozen=True)
class Outcome(JsonRecord):
    """Whether a speaker ends better or worse off than they started (last minus first valence).

    Attributes
    ----------
    speaker : str
    first_turn_id, last_turn_id : str or None
        The speaker's first and last scored turns.
    first_valence, last_valence, change : float or None
        Valence in [-1, 1] at both turns and ``last_valence - first_valence``.
    verdict : str or None
        ``"better"``, ``"worse"`` or ``"unchanged"``.
    undefined : dict of str to str
        Why the fields are None (fewer than 2 scored turns).
    """

    speaker: str
    first_turn_id: str | None
    last_turn_id: str | None
    first_valence: float | None
    last_valence: float | None
    change: float | None
    verdict: str | None
    undefined: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerSummary(JsonRecord):
    """Per-speaker counts and means (valence, arousal in [-1, 1]) over scored turns.

    Attributes
    ----------
    speaker : str
    n_turns, n_scored : int
        The speaker's turns, and those that take part in the dynamics.
    mean_valence, mean_arousal : float or None
        Means over the scored turns, in [-1, 1].
    top_counts : dict of str to int
        Scored turns per top emotion, most common first.
    """

    speaker: str
    n_turns: int
    n_scored: int
    mean_valence: float | None
    mean_arousal: float | None
    top_counts: dict[str, int]


@dataclass(frozen=True)
class ConversationDynamics(JsonRecord):
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
