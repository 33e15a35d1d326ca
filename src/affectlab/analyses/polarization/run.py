"""``polarization``: affective polarization of reply pairs (Jawad et al., 2025), from labels to event windows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from affectlab.analyses.polarization.aggregate import UNITS, daily_series, event_windows, read_events, units_of
from affectlab.analyses.polarization.annotate import Annotator, ColumnsAnnotator, annotate, check_labels, check_stances
from affectlab.analyses.polarization.records import FLAGS, OUTPUT_COLUMNS, PolarizationResult
from affectlab.analyses.polarization.rules import RuleTable, load_rules
from affectlab.analyses.polarization.scoring import EXTREME_ABOVE, UNCLEAR, score_replies
from affectlab.analyses.polarization.signal import affect_agreement, negative_probability
from affectlab.analyses.polarization.threads import resolve_posts
from affectlab.core.validation import check_choice, check_int
from affectlab.engines.pipeline import EngineSpec
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["as_annotator", "polarization"]

OWNER = "polarization"


def as_annotator(spec: str | Annotator, *, stance_column: str, affect_column: str, agreement_column: str) -> Annotator:
    """The annotator behind ``annotator=``: ``"columns"``, ``"llm:<model>@<url>"`` or an :class:`Annotator`."""
    if isinstance(spec, str) and spec == "columns":
        return ColumnsAnnotator(stance_column, affect_column, agreement_column)
    if isinstance(spec, str) and spec.startswith("llm:"):
        from affectlab.analyses.polarization.llm import LLMAnnotator

        return LLMAnnotator(spec)
    if isinstance(spec, Annotator):
        return spec
    raise ParameterError(
        f"The 'annotator' parameter of {OWNER} must be 'columns', 'llm:<model>@<base_url>' or an Annotator. "
        f"Got {spec!r} instead."
    )


def polarization(
    frame: pd.DataFrame,
    *,
    topic: str,
    stances: Sequence[str],
    annotator: str | Annotator = "columns",
    id_column: str = "id",
    text_column: str = "text",
    parent_column: str = "parent_id",
    time_column: str = "time",
    stance_column: str = "stance",
    affect_column: str = "affect",
    agreement_column: str = "agreement",
    events: pd.DataFrame | None = None,
    window_days: int = 3,
    unit: str = "day",
    unclear: str = "published",
    rules: str | Path | RuleTable | None = None,
    engine: EngineSpec | None = "embedded",
    on_error: str = "fail",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = False,
) -> PolarizationResult:
    """Score every reply with the rule table and aggregate the scores per day and around events.

    Parameters
    ----------
    frame : DataFrame
        One row per post: id, text, the id of the post it replies to (empty for a root) and time.
    topic : str
        What the stances are about (e.g. "gun control"); the LLM annotator's prompts name it.
    stances : sequence of str
        The topic's stance categories, the last one for an unclear stance, e.g. ``["pro", "anti", "don't know"]``.
    annotator : str or Annotator, default="columns"
        ``"columns"`` reads the labels from ``stance_column``, ``affect_column`` and ``agreement_column``;
        ``"llm:<model>@<base_url>"`` asks an OpenAI-compatible server (extra ``[llm]``); or an
        :class:`~affectlab.analyses.polarization.LLMAnnotator` with its options, or any :class:`Annotator`.
    id_column, text_column, parent_column, time_column : str
        Input columns. Times are read as UTC (naive times taken as UTC, others converted).
    stance_column, affect_column, agreement_column : str
        Label columns for ``annotator="columns"``.
    events : DataFrame, optional
        Columns ``name``, ``start``, ``end`` (dates, end included): before/during/after windows per event.
    window_days : int, default=3
        Days of the before and after windows, >= 1.
    unit : {"day", "conversation", "reply"}, default="day"
        What a window averages: days (as the paper describes it), the published notebooks' conversations
        (dated by their root), or replies.
    unclear : {"published", "missing"}, default="published"
        ``published`` keeps the published code's reading of unclear labels (two unclear stances are the same
        stance; a "don't know" agreement is not agreeing); ``missing`` leaves such pairs unscored.
    rules : str, Path or RuleTable, optional
        A rule table file (see :func:`load_rules`); default the published table.
    engine : str, Engine, Analyzer or None, default="embedded"
        Engine of the ``negative_prob`` signal; None skips it.
    on_error : {"fail", "skip"}, default="fail"
        ``fail`` raises at a bad row (missing/duplicate id, reply cycle, bad time, bad label); ``skip`` flags it.
    n_boot : int, default=1000
        Bootstrap replicates of the window intervals and the signal's kappa, >= 0 (0 skips them).
    seed : int, default=0
    progress : bool, default=False
        A progress bar on stderr (only on a terminal).

    Returns
    -------
    PolarizationResult

    Raises
    ------
    ParameterError
        A parameter outside its range or set.
    InputError
        A missing column, a bad events table, or (``on_error="fail"``) a bad row, named in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> posts = pd.DataFrame({"id": ["a", "b"], "text": ["Guns save lives.", "Nonsense, idiot."],
    ...     "parent_id": [None, "a"], "time": ["2026-03-01", "2026-03-01"], "stance": ["anti", "pro"],
    ...     "affect": ["no", "yes"], "agreement": [None, "no"]})
    >>> result = polarization(posts, topic="gun control", stances=["pro", "anti", "don't know"], engine=None)
    >>> result.scored["score"].tolist()
    [nan, 8.0]
    """
    if not isinstance(topic, str) or not topic.strip():
        raise ParameterError(f"The 'topic' parameter of {OWNER} must be a non-empty str. Got {topic!r} instead.")
    categories = check_stances(stances)
    check_choice(unit, "unit", OWNER, UNITS)
    check_choice(unclear, "unclear", OWNER, UNCLEAR)
    check_int(window_days, "window_days", OWNER, minimum=1)
    check_int(n_boot, "n_boot", OWNER, minimum=0)
    table_rules = rules if isinstance(rules, RuleTable) else load_rules(rules)
    chosen = as_annotator(
        annotator, stance_column=stance_column, affect_column=affect_column, agreement_column=agreement_column
    )
    event_list = read_events(events) if events is not None else []

    posts = resolve_posts(
        frame,
        id_column=id_column,
        text_column=text_column,
        parent_column=parent_column,
        time_column=time_column,
        on_error=on_error,
    )
    table = posts.table
    labels, label_flags = check_labels(
        annotate(posts, chosen, topic=topic, stances=categories), posts, categories, on_error=on_error
    )
    flags = [(*a, *b) for a, b in zip(table["flags"], label_flags)]
    flags = [(("orphan",) if role == "orphan" else ()) + f for role, f in zip(table["role"], flags)]
    cells, flags = score_replies(table, labels, flags, table_rules, unclear_stance=categories[-1], unclear=unclear)

    if engine is not None:
        prob, model = negative_probability(table["text"].tolist(), engine, progress=progress)
    else:
        prob, model = np.full(len(table), np.nan), ""
    scored = _scored_table(table, labels, cells, prob, flags)

    replies = table.assign(score=cells["score"])[cells["score"].notna()]
    keep = (table["role"].isin(["root", "orphan"]) & table["id"].notna()).to_numpy(dtype=bool, copy=True)
    keep &= np.array([not {"duplicate_id", "cycle"} & set(f) for f in table["flags"]], dtype=bool)
    roots = table.loc[keep].set_index("id")["time"]  # conversation id -> its root's time
    units = units_of(replies[["conversation", "time", "score"]], roots, unit)
    windows = event_windows(units, event_list, unit=unit, window_days=window_days, n_boot=n_boot, seed=seed)

    counts = _counts(table, flags)
    notes = (*_notes(counts, units, windows, replies, roots, unit, unclear), *getattr(chosen, "notes_", ()))
    scores = replies["score"].to_numpy(dtype=np.float64)
    return PolarizationResult(
        scored=scored,
        daily=daily_series(replies[["time", "score"]]),
        windows=windows,
        rows_scored=len(scores),
        mean_score=float(scores.mean()) if len(scores) else None,
        extreme_rate=float((scores > EXTREME_ABOVE).mean()) if len(scores) else None,
        unit=unit,
        topic=topic.strip(),
        stances=categories,
        annotator=chosen.name,
        rules=table_rules,
        unclear=unclear,
        window_days=window_days,
        counts=counts,
        affect_signal=affect_agreement(prob, labels["affect"].tolist(), model, n_boot=n_boot, seed=seed)
        if engine is not None
        else None,
        notes=notes,
    )


def _scored_table(
    table: pd.DataFrame, labels: pd.DataFrame, cells: pd.DataFrame, prob: np.ndarray, flags: list[tuple[str, ...]]
) -> pd.DataFrame:
    import pandas as pd

    times = table["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = pd.concat([table[["id", "text", "parent_id", "role", "conversation"]], labels, cells], axis=1)
    out = out.assign(time=times, negative_prob=prob, flags=[";".join(dict.fromkeys(f)) for f in flags])
    return out[list(OUTPUT_COLUMNS)]


def _counts(table: pd.DataFrame, flags: list[tuple[str, ...]]) -> dict[str, int]:
    roles = Counter(table["role"])
    seen = Counter(flag for f in flags for flag in set(f))
    return {
        "posts": len(table),
        "roots": roles["root"],
        "replies": roles["reply"],
        "orphans": roles["orphan"],
        **{flag: seen[flag] for flag in FLAGS if flag != "orphan"},
    }


def _notes(
    counts: dict[str, int],
    units: pd.DataFrame,
    windows: pd.DataFrame,
    replies: pd.DataFrame,
    roots: pd.Series,
    unit: str,
    unclear: str,
) -> tuple[str, ...]:
    notes = ["Times are read as UTC (naive times taken as UTC); days are UTC days."]
    if counts["orphans"]:
        notes.append(
            f"{counts['orphans']} replies name a parent that is not in the table: labelled as roots, not scored."
        )
    flagged = {flag: counts[flag] for flag in FLAGS if flag != "orphan" and counts.get(flag)}
    if flagged:
        notes.append("Rows not scored: " + ", ".join(f"{n} {flag}" for flag, n in flagged.items()) + ".")
    if unit == "conversation":
        undated = set(replies["conversation"]) - set(roots[roots.notna()].index)
        if undated:
            notes.append(
                f"{len(undated)} conversations with scored replies have a root without a readable time: "
                "left out of the event windows."
            )
    if unclear == "missing":
        notes.append("Unclear labels are treated as missing (unclear='missing'), not as the published code does.")
    if len(units) and len(windows):
        first, last = units["date"].min(), units["date"].max()
        for name, part in windows.groupby("event", sort=False):
            if int(part["n"].sum()) == 0:
                notes.append(f"Event {name!r} has no scored replies in its windows (the data runs {first}..{last}).")
    return tuple(notes)
