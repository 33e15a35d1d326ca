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

Modules
-------
- ``records``: :data:`TURN_FLAGS`, the thresholds, :class:`TurnColumns`, :class:`Turn`, :class:`TurnRecord` and
  :class:`ConversationResult`;
- ``estimates``: the records of the measures (:class:`ConversationDynamics` and its parts);
- ``turns``: reading and validating the rows, time order and predecessor links (:func:`load_turns`);
- ``scoring``: the affect of every turn, through the one pipeline (optionally in context) or from precomputed
  columns;
- ``statistics``: the estimators on plain numbers (:func:`lag1_autocorrelation`, :func:`contagion_ols`,
  :func:`transition_matrix`);
- ``measures``: the measures of one conversation;
- ``dynamics``: the entry point :func:`conversation_dynamics`.
"""

from affectlab.analyses.conversation.dynamics import conversation_dynamics
from affectlab.analyses.conversation.estimates import (
    ContagionEstimate,
    ConversationDynamics,
    Episode,
    InertiaEstimate,
    Outcome,
    Shift,
    SpeakerSummary,
    TransitionMatrix,
)
from affectlab.analyses.conversation.records import TURN_FLAGS, ConversationResult, Turn, TurnColumns, TurnRecord
from affectlab.analyses.conversation.statistics import contagion_ols, lag1_autocorrelation, transition_matrix
from affectlab.analyses.conversation.turns import load_turns

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
    "TurnColumns",
    "TurnRecord",
    "contagion_ols",
    "conversation_dynamics",
    "lag1_autocorrelation",
    "load_turns",
    "transition_matrix",
]
