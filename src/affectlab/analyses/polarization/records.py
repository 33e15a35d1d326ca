"""What :func:`~affectlab.analyses.polarization.polarization` returns: :class:`PolarizationResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from affectlab.analyses.polarization.aggregate import WINDOWS
from affectlab.analyses.polarization.rules import RuleTable
from affectlab.analyses.polarization.signal import AffectSignal
from affectlab.core.serialize import jsonable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FLAGS", "OUTPUT_COLUMNS", "PolarizationResult"]

#: Columns of :attr:`PolarizationResult.scored`, in order (the ``-o`` table).
OUTPUT_COLUMNS = (
    "id",
    "text",
    "parent_id",
    "time",
    "role",
    "conversation",
    "stance",
    "agreement",
    "affect",
    "parent_stance",
    "parent_affect",
    "stance_relation",
    "affect_either",
    "agreement_cell",
    "score",
    "extreme",
    "negative_prob",
    "flags",
    "stance_explanation",
    "agreement_explanation",
    "affect_explanation",
    "annotation_error",
)

#: Row flags and what they mean (every flag but ``orphan`` keeps the row from being scored).
FLAGS = {
    "orphan": "a reply whose parent is not in the table: labelled as a root (stance and affect), not scored",
    "missing_id": "the row has no id (it can still be scored as a reply; nothing can reply to it)",
    "duplicate_id": "the id was used by an earlier row; this row is not scored and is no post's parent",
    "cycle": "the reply chain loops, or leads into a loop: no conversation, not scored",
    "bad_time": "the time is missing or unreadable: not scored (its labels still serve its replies)",
    "bad_label": "a label is missing or outside its categories: not scored, and its replies are not scored",
    "annotation_error": "the annotator (the LLM) gave no valid answer: as bad_label",
    "parent_unlabelled": "the parent has no valid labels (bad_label or annotation_error): not scored",
    "unclear": "with unclear='missing', an unclear stance, agreement or affect: not scored",
}


@dataclass(frozen=True)
class PolarizationResult:
    """Scores of every reply and their aggregation over days and around events.

    Attributes
    ----------
    scored : DataFrame
        One row per input row, in order, with the columns of :data:`OUTPUT_COLUMNS`: the post (``id``,
        ``text``, ``parent_id``, ``time`` in UTC ISO 8601), its ``role`` (root, reply, orphan) and
        ``conversation`` (root id), its labels, the parent's stance and affect, the rule-table cell
        (``stance_relation``, ``affect_either``, ``agreement_cell``), ``score`` (NaN unless a scored
        reply), ``extreme`` (score > 7), ``negative_prob`` in [0, 1] (NaN without an engine), ``flags``
        (``;``-joined, see :data:`FLAGS`) and the annotator's explanations.
    daily : DataFrame
        Per UTC day of the replies' times: ``date``, ``n`` scored replies, mean ``score``, ``extreme_rate``.
    windows : DataFrame
        One row per event and window (before, during, after): ``event``, ``window``, ``start``, ``end``,
        ``mean``, ``sem``, ``days``, ``n`` (scored replies), ``conversations``, ``extreme_rate`` in [0, 1],
        ``ci`` (bootstrap 95% interval of the mean, or None).
    rows_scored : int
        Replies with a score.
    mean_score, extreme_rate : float or None
        Mean score (in the rule table's range, 0-10 for the shipped one) and share of scores > 7 over
        every scored reply.
    unit : str
        What a window averages: conversation, day or reply.
    topic : str
    stances : tuple of str
    annotator : str
        ``columns`` or ``llm:<model>@<host>``.
    rules : RuleTable
    unclear : str
        ``published`` or ``missing``.
    window_days : int
    counts : dict of str to int
        ``posts``, ``roots``, ``replies`` and ``orphans``, and the rows carrying each flag.
    affect_signal : AffectSignal or None
        The model's negative-emotion probability against the affect labels (None without an engine).
    notes : tuple of str
    """

    scored: pd.DataFrame
    daily: pd.DataFrame
    windows: pd.DataFrame
    rows_scored: int
    mean_score: float | None
    extreme_rate: float | None
    unit: str
    topic: str
    stances: tuple[str, ...]
    annotator: str
    rules: RuleTable
    unclear: str
    window_days: int
    counts: dict[str, int]
    affect_signal: AffectSignal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def events(self) -> list[dict[str, Any]]:
        """``[{"name", "windows": {"before"|"during"|"after": {...}}}]`` in event order."""
        out: list[dict[str, Any]] = []
        for name, part in self.windows.groupby("event", sort=False):
            windows = {}
            for row in part.to_dict("records"):
                windows[row["window"]] = {
                    k: row[k] for k in ("mean", "sem", "days", "n", "extreme_rate", "conversations", "ci")
                } | {"start": str(row["start"]), "end": str(row["end"])}
            out.append({"name": name, "windows": {w: windows[w] for w in WINDOWS}})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``rows_scored``, ``mean_score``, ``extreme_rate``, ``events``, then the context."""
        signal = self.affect_signal
        return jsonable(
            {
                "rows_scored": self.rows_scored,
                "mean_score": self.mean_score,
                "extreme_rate": self.extreme_rate,
                "events": self.events(),
                "unit": self.unit,
                "topic": self.topic,
                "stances": list(self.stances),
                "annotator": self.annotator,
                "unclear": self.unclear,
                "window_days": self.window_days,
                "rules": self.rules.source,
                "counts": self.counts,
                "affect_signal": None
                if signal is None
                else {
                    "model": signal.model,
                    "n": signal.n,
                    "agreement": signal.agreement,
                    "kappa": None if signal.kappa is None else signal.kappa.value,
                    "kappa_ci95": None if signal.kappa is None else signal.kappa.ci95,
                    "r": signal.r,
                    "mean_yes": signal.mean_yes,
                    "mean_no": signal.mean_no,
                },
                "notes": list(self.notes),
            },
            digits=6,
        )

    def rows(self) -> list[dict[str, Any]]:
        """The ``scored`` table as JSON-ready flat rows (for :class:`affectlab.io.TableWriter`)."""
        return jsonable(self.scored.to_dict("records"), digits=6)
