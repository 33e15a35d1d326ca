"""The entry point :func:`conversation_dynamics`: read, score and measure every conversation of a turn table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from affectlab.analyses.conversation.measures import measure_conversation
from affectlab.analyses.conversation.records import ConversationResult, TurnColumns, TurnRecord, turn_columns
from affectlab.analyses.conversation.scoring import score_from_columns, score_with_engine
from affectlab.analyses.conversation.turns import load_turns
from affectlab.core import taxonomy as tx
from affectlab.core.validation import check_choice, check_int, check_number
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["conversation_dynamics"]

OWNER = "conversation_dynamics"
SCALES = {"valence": "[-1, 1], 0 neutral", "arousal": "[-1, 1]", "negative_prob": "[0, 1]"}


def conversation_dynamics(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    engine: EngineSpec | None = "embedded",
    taxonomy: str | None = None,
    columns: TurnColumns | None = None,
    context: int = 0,
    context_weight: float = 0.5,
    context_separator: str = "\n",
    on_unsorted: str = "sort",
    shift_threshold: float = 0.3,
    episode_threshold: float = 0.3,
    episode_prob_threshold: float = 0.2,
    min_episode_steps: int = 2,
    outcome_threshold: float = 0.1,
    batch_size: int | None = None,
    progress: bool = False,
    **deprecated: str | None,
) -> ConversationResult:
    """Read the affect of every turn and the dynamics of every conversation.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        One row per turn; columns as in :func:`~affectlab.analyses.conversation.load_turns`.
    engine : str, Engine, Analyzer or None, default="embedded"
        Engine name (see :func:`affectlab.available_engines`), an engine, or an :class:`~affectlab.Analyzer`.
        None uses precomputed scores from the rows: ``valence`` in [-1, 1] (required), and optionally
        ``arousal`` in [-1, 1], ``top`` and ``negative_prob`` in [0, 1].
    taxonomy : str, optional
        Taxonomy of the emotions (default the engine's native one, or the analyzer's).
    columns : TurnColumns, optional
        Column names of the table (default ``TurnColumns()``: ``speaker``, ``text``, and ``timestamp``,
        ``reply_to``, ``turn_id``/``id``, ``conversation_id`` when present).
    context : int, default=0
        Condition each turn on up to this many earlier turns of its thread (its ancestors,
        nearest first, as many as fit the engine's window). The turn's scores become
        ``(1 - context_weight) * own + context_weight * in_context``, where ``in_context`` reads the
        ancestors' texts and then the turn's text joined by ``context_separator``.
    context_weight : float, default=0.5
        Weight in [0, 1] of the in-context reading.
    context_separator : str, default="\\n"
        Text placed between context turns.
    on_unsorted : {"sort", "error"}, default="sort"
        Timestamps going backwards: sort with a warning, or raise InputError.
    shift_threshold : float, default=0.3
        Minimum absolute own-turn valence change (valence units, in [0, 2]) that counts as a shift.
    episode_threshold : float, default=0.3
        Minimum total valence change (in [0, 2]) of an escalation / de-escalation run.
    episode_prob_threshold : float, default=0.2
        Minimum total change of negative-emotion probability (in [0, 1]) of a run.
    min_episode_steps : int, default=2
        Minimum steps (turns - 1, >= 1) of a run.
    outcome_threshold : float, default=0.1
        Last-minus-first valence change (in [0, 2]) below which a speaker's outcome is ``unchanged``.
    batch_size : int, optional
        Texts per engine call (>= 1); default the analyzer's own (256 for a name or an engine).
    progress : bool, default=False
        Progress bars on stderr (only on a terminal).
    **deprecated : str
        The first release's ``speaker_col=``, ``text_col=``, ``time_col=``, ``reply_to_col=``,
        ``turn_id_col=``, ``conversation_col=`` (DeprecationWarning; use ``columns``).

    Returns
    -------
    ConversationResult
        ``turns`` (one record per input row) and ``dynamics`` per conversation.

    Raises
    ------
    InputError
        Bad rows or columns (see :func:`~affectlab.analyses.conversation.load_turns`).
    ParameterError
        An option out of range, or ``context``/``taxonomy`` with ``engine=None``.

    Examples
    --------
    >>> rows = [{"speaker": "a", "valence": 0.2, "text": "fine"}, {"speaker": "b", "valence": -0.4, "text": "no"}]
    >>> result = conversation_dynamics(rows, engine=None)
    >>> result.dynamics["0"].outcomes["a"].undefined
    {'change': '1 scored turn(s); needs at least 2'}
    """
    columns = turn_columns(columns, deprecated, OWNER)
    thresholds = _check_parameters(
        context=context, context_weight=context_weight, context_separator=context_separator,
        on_unsorted=on_unsorted, shift_threshold=shift_threshold, episode_threshold=episode_threshold,
        episode_prob_threshold=episode_prob_threshold, min_episode_steps=min_episode_steps,
        outcome_threshold=outcome_threshold, batch_size=batch_size,
    )  # fmt: skip
    if engine is None and (context or taxonomy is not None):
        raise ParameterError(
            f"The 'context' and 'taxonomy' parameters of {OWNER} need an engine; with engine=None "
            f"the scores are read from the rows. Got context={context!r}, taxonomy={taxonomy!r}."
        )
    analyzer = None if engine is None else as_analyzer(engine, owner=OWNER, taxonomy=taxonomy, batch_size=batch_size)
    turns = load_turns(data, columns=columns, on_unsorted=on_unsorted)
    if analyzer is None:
        records = score_from_columns(turns)
    else:
        records = score_with_engine(
            turns, analyzer, context=context, weight=context_weight, separator=context_separator, progress=progress
        )
    labels_order = tx.load_taxonomy(analyzer.taxonomy_).labels if analyzer is not None else None
    groups: dict[str, list[TurnRecord]] = {}
    for r in records:
        groups.setdefault(r.conversation_id, []).append(r)
    dynamics = {
        cid: measure_conversation(group, labels_order=labels_order, **thresholds) for cid, group in groups.items()
    }
    parameters = {
        "engine": None if analyzer is None else analyzer.model_,
        "taxonomy": None if analyzer is None else analyzer.taxonomy_,
        "context": context,
        "context_weight": context_weight,
        **thresholds,
        "scales": dict(SCALES),
    }
    return ConversationResult(records, dynamics, parameters)


def _check_parameters(
    *,
    context: int,
    context_weight: float,
    context_separator: str,
    on_unsorted: str,
    batch_size: int | None,
    **thresholds: float,
) -> dict[str, float]:
    """Check the options of :func:`conversation_dynamics`; returns the thresholds, in their documented order."""
    check_int(context, "context", OWNER, minimum=0)
    check_number(context_weight, "context_weight", OWNER, minimum=0.0, maximum=1.0)
    ranges = {"shift_threshold": 2.0, "episode_threshold": 2.0, "episode_prob_threshold": 1.0}
    for name, maximum in ranges.items():
        check_number(thresholds[name], name, OWNER, minimum=0.0, maximum=maximum)
    check_int(thresholds["min_episode_steps"], "min_episode_steps", OWNER, minimum=1)
    check_number(thresholds["outcome_threshold"], "outcome_threshold", OWNER, minimum=0.0, maximum=2.0)
    if batch_size is not None:
        check_int(batch_size, "batch_size", OWNER, minimum=1)
    if not isinstance(context_separator, str):
        raise ParameterError(
            f"The 'context_separator' parameter of {OWNER} must be a str. "
            f"Got {type(context_separator).__name__} instead."
        )
    check_choice(on_unsorted, "on_unsorted", OWNER, ("sort", "error"))
    order = ("shift_threshold", "episode_threshold", "episode_prob_threshold", "min_episode_steps")
    return {name: thresholds[name] for name in (*order, "outcome_threshold")}
