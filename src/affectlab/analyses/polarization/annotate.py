"""The annotation step: three labels per post, from columns already in the table or from an LLM.

:func:`annotate` asks an :class:`Annotator` for one row of labels per post and checks them;
scoring and aggregation read only that labels frame, never which annotator made it.

- ``stance``: the post's stance on the topic, one of the declared categories (the last one is the
  "unclear" category, e.g. ``don't know``);
- ``agreement`` (replies only): whether post and parent agree on the topic, ``yes`` / ``no`` / ``don't know``;
- ``affect``: whether the post carries affective polarization (deeply negative emotion or attitude towards
  people holding the opposite view, beyond the stance itself), ``yes`` / ``no`` / ``don't know``;
- ``*_explanation``: the annotator's short reasons (None from columns); ``annotation_error``: why an
  annotator could not label the post (None when it could).

:class:`ColumnsAnnotator` reads the labels from columns (human labels or an earlier run); the LLM
annotator lives in :mod:`.llm`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from affectlab.analyses.polarization.threads import Posts
from affectlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ANSWERS", "LABEL_COLUMNS", "Annotator", "ColumnsAnnotator", "annotate", "check_labels", "check_stances"]

#: Values of the agreement and affect labels; the last one is "unclear".
ANSWERS = ("yes", "no", "don't know")
LABEL_COLUMNS = (
    "stance",
    "agreement",
    "affect",
    "stance_explanation",
    "agreement_explanation",
    "affect_explanation",
    "annotation_error",
)


@runtime_checkable
class Annotator(Protocol):
    """Anything that labels posts: ``annotate(posts, topic=, stances=)`` returns a labels frame.

    The frame has one row per row of ``posts.table`` (same index) and the columns of
    :data:`LABEL_COLUMNS` (missing ones are taken as None). ``name`` is what reports call it; an
    annotator may leave lines for the result's notes in ``notes_`` (a tuple of str) after annotating.
    """

    name: str

    def annotate(self, posts: Posts, *, topic: str, stances: tuple[str, ...]) -> pd.DataFrame: ...


@dataclass(frozen=True)
class ColumnsAnnotator:
    """Labels taken from columns of the input table (human labels, or an earlier run's output).

    Parameters
    ----------
    stance_column, affect_column, agreement_column : str
        Columns holding each post's stance, affect and (for replies; ignored on roots) agreement label.
        A parent's stance and affect are read from the parent's own row, as the published code does.
    """

    stance_column: str = "stance"
    affect_column: str = "affect"
    agreement_column: str = "agreement"
    name: str = "columns"

    def annotate(self, posts: Posts, *, topic: str, stances: tuple[str, ...]) -> pd.DataFrame:
        """The three label columns of ``posts.source``; explanations are None."""
        import pandas as pd

        wanted = {"stance": self.stance_column, "affect": self.affect_column, "agreement": self.agreement_column}
        if self.agreement_column not in posts.source.columns and not (posts.table["role"] == "reply").any():
            del wanted["agreement"]  # no reply, no agreement needed
        missing = [c for c in dict.fromkeys(wanted.values()) if c not in posts.source.columns]
        if missing:
            raise InputError(
                f"The columns annotator needs the label column(s) {', '.join(map(repr, missing))}; available: "
                f"{', '.join(map(str, posts.source.columns))}. Name them with --stance-column, --affect-column "
                "and --agreement-column."
            )
        labels = pd.DataFrame({key: posts.source[column].tolist() for key, column in wanted.items()})
        return labels.set_axis(posts.table.index)


def check_stances(stances: Sequence[str]) -> tuple[str, ...]:
    """The stance categories, stripped; at least three, distinct, the last one being "unclear"."""
    cleaned = tuple(" ".join(str(s).split()) for s in stances) if not isinstance(stances, str) else ()
    keys = [_key(s) for s in cleaned]
    if len(cleaned) < 3 or not all(cleaned) or len(set(keys)) != len(keys):
        raise ParameterError(
            "The 'stances' parameter of polarization must list at least three distinct categories, the last one "
            f"for an unclear stance (e.g. pro, anti, don't know). Got {stances!r} instead."
        )
    return cleaned


def annotate(posts: Posts, annotator: Annotator, *, topic: str, stances: Sequence[str]) -> pd.DataFrame:
    """Labels for every post from ``annotator``, as a frame with the columns of :data:`LABEL_COLUMNS`.

    Raises
    ------
    ParameterError
        If ``annotator`` is not an :class:`Annotator`.
    InputError
        If the annotator returns a frame that does not have one row per post.
    """
    if not isinstance(annotator, Annotator):
        raise ParameterError(
            "The 'annotator' parameter of polarization must be 'columns', 'llm:<model>@<url>' or an object with "
            f"annotate(posts, topic=, stances=). Got {type(annotator).__name__} instead."
        )
    labels = annotator.annotate(posts, topic=topic, stances=check_stances(stances))
    if len(labels) != len(posts.table) or not labels.index.equals(posts.table.index):
        raise InputError(
            f"Annotator {annotator.name!r} returned {len(labels)} label rows for {len(posts.table)} posts."
        )
    for column in LABEL_COLUMNS:
        if column not in labels:
            labels[column] = None
    return labels[list(LABEL_COLUMNS)]


def _key(value: str) -> str:
    """How labels are compared: case, spacing and typographic apostrophes ignored."""
    return " ".join(value.replace("\u2019", "'").replace("\u2018", "'").split()).casefold()


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    return text or None


def check_labels(
    labels: pd.DataFrame, posts: Posts, stances: tuple[str, ...], *, on_error: str
) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """Labels in their declared spelling, and a ``bad_label`` / ``annotation_error`` flag per row.

    Stance and affect are needed on every post, agreement on replies (it is dropped on roots and
    orphans). A missing label or one outside its categories raises :class:`InputError` naming the
    row, or with ``on_error="skip"`` flags the row. An annotator's own failure (``annotation_error``)
    is always flagged, never raised.
    """
    import numpy as np

    answers = {_key(a): a for a in ANSWERS} | {"dont know": "don't know", "true": "yes", "false": "no"}
    known = {"stance": {_key(s): s for s in stances}, "affect": answers, "agreement": answers}
    failed = np.array([_text(e) is not None for e in labels["annotation_error"]], dtype=bool)
    is_reply = (posts.table["role"] == "reply").to_numpy()
    out = labels.copy()
    bad = np.zeros(len(labels), dtype=bool)
    for name in ("stance", "affect", "agreement"):
        raw = labels[name].astype(object).to_numpy()
        texts = {value: _text(value) for value in dict.fromkeys(raw.tolist())}
        spelled = {value: (None if text is None else known[name].get(_key(text))) for value, text in texts.items()}
        values = np.array([spelled[v] for v in raw.tolist()], dtype=object)
        needed = ~failed & (is_reply if name == "agreement" else True)
        values[~needed] = None
        wrong = needed & (values == None)  # noqa: E711 (elementwise on an object array)
        if on_error == "fail" and wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            text = texts[raw[row]]
            allowed = ", ".join(map(repr, stances if name == "stance" else ANSWERS))
            what = f"has no {name} label" if text is None else f"has {name} {text!r}, not one of {allowed}"
            fix = " (declare every stance in stances, --stances)" if name == "stance" else ""
            raise InputError(
                f"Row {row + 1} of the table (id {posts.table['id'].iloc[row]!r}) {what}{fix}. "
                "Pass on_error='skip' (--on-error skip) to flag such rows and go on."
            )
        bad |= wrong
        out[name] = values
    flags = [("annotation_error",) if f else ("bad_label",) if b else () for f, b in zip(failed, bad)]
    return out, flags
