"""Scoring replies with the rule table, as the published ``classify_interaction`` does.

A reply is scored from its own stance, affect and agreement labels and its parent's stance and
affect, read from the parent's own row. Roots and orphans are labelled but not scored.

``unclear="published"`` (default) keeps the published code's reading: stances are compared as
labels, so two unclear stances (``don't know``) count as the *same* stance and an unclear stance
against a clear one as *opposite*; affect counts only when a label is ``yes``; an agreement of
``don't know`` counts as *not yes*. ``unclear="missing"`` treats unclear labels as missing
instead: a pair with an unclear stance or agreement, or with no affect ``yes`` and an unclear
affect, gets no score (flag ``unclear``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from affectlab.analyses.polarization.rules import RuleTable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONVERSATION_EXTREME_AT", "EXTREME_ABOVE", "UNCLEAR", "score_replies"]

UNCLEAR = ("published", "missing")
#: A reply is extreme when its score is above this ("score > 7", as the paper and issue 16 put it).
EXTREME_ABOVE = 7.0
#: A conversation's mean score is extreme at or above this: the published notebooks' ``7.5 <= x`` bucket
#: (the same as ``> 7`` for single replies under the shipped table, whose scores are even).
CONVERSATION_EXTREME_AT = 7.5
#: Row flags that keep a reply from being scored.
UNSCORED = frozenset({"cycle", "duplicate_id", "bad_time", "bad_label", "annotation_error"})


def score_replies(
    table: pd.DataFrame,
    labels: pd.DataFrame,
    flags: list[tuple[str, ...]],
    rules: RuleTable,
    *,
    unclear_stance: str,
    unclear: str = "published",
) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """The rule-table cells and scores of every row (NaN for rows that are not scored replies).

    Parameters
    ----------
    table : DataFrame
        :attr:`Posts.table` (``role``, ``parent_row``).
    labels : DataFrame
        Checked labels (:func:`~.annotate.check_labels`), one row per post.
    flags : list of tuple of str
        Row flags so far; rows carrying one of ``cycle``, ``duplicate_id``, ``bad_time``, ``bad_label``,
        ``annotation_error`` are not scored.
    rules : RuleTable
    unclear_stance : str
        The unclear stance category (the last declared one).
    unclear : {"published", "missing"}, default="published"

    Returns
    -------
    cells : DataFrame
        ``parent_stance``, ``parent_affect``, ``stance_relation`` (same/opposite), ``affect_either``
        (yes/no), ``agreement_cell`` (yes / not yes), ``score`` (a table score, NaN when not scored) and
        ``extreme`` (score > 7; None when not scored).
    flags : list of tuple of str
        ``flags`` plus ``parent_unlabelled`` (the parent has no valid labels) and ``unclear``.
    """
    import pandas as pd

    n = len(table)
    parent = table["parent_row"].to_numpy()
    is_reply = (table["role"] == "reply").to_numpy()
    stance, affect, agreement = (labels[c].to_numpy(dtype=object) for c in ("stance", "affect", "agreement"))
    safe = np.where(parent >= 0, parent, 0)
    parent_stance = np.where(is_reply, stance[safe], None)
    parent_affect = np.where(is_reply, affect[safe], None)
    blocked = np.array([bool(UNSCORED.intersection(f)) for f in flags], dtype=bool)
    labelled = pd.notna(stance) & pd.notna(affect)
    parent_ok = np.where(is_reply, labelled[safe], False)
    candidate = is_reply & ~blocked

    same = stance == parent_stance
    affect_yes = (affect == "yes") | (parent_affect == "yes")
    agree_yes = agreement == "yes"
    defined = candidate & parent_ok
    if unclear == "missing":
        vague = (stance == unclear_stance) | (parent_stance == unclear_stance) | (agreement == "don't know")
        vague |= ~affect_yes & ((affect == "don't know") | (parent_affect == "don't know"))
        unclear_rows = defined & vague
        defined &= ~vague
    else:
        unclear_rows = np.zeros(n, dtype=bool)
    scores = np.where(defined, rules.score(same, affect_yes, agree_yes), np.nan)
    new_flags = [
        (*f, *(("parent_unlabelled",) if c and not ok else ()), *(("unclear",) if u else ()))
        for f, c, ok, u in zip(flags, candidate, parent_ok, unclear_rows)
    ]
    cells = pd.DataFrame(
        {
            "parent_stance": parent_stance,
            "parent_affect": parent_affect,
            "stance_relation": np.where(defined, np.where(same, "same", "opposite"), None),
            "affect_either": np.where(defined, np.where(affect_yes, "yes", "no"), None),
            "agreement_cell": np.where(defined, np.where(agree_yes, "yes", "not yes"), None),
            "score": scores,
            "extreme": np.where(defined, scores > EXTREME_ABOVE, None),
        },
        index=table.index,
    )
    return cells, new_flags
