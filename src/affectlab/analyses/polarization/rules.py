"""The heuristic rule table of Jawad et al. (2025): a score for every (stance, affect, agreement) cell.

A scored reply falls in one of eight cells: its stance and its parent's are the ``same`` or
``opposite``; ``affect`` is ``yes`` when the reply's or the parent's affective-polarization label
is yes; ``agreement`` is ``yes`` or ``not yes``. The shipped table (``rules.csv``, the published
``classify_interaction``) scores them 0 to 10; a user table with the same eight cells replaces it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from affectlab.errors import InputError

__all__ = ["CELLS", "RuleTable", "load_rules"]

#: The eight cells in table order: (stance relation, either affect, agreement).
CELLS: tuple[tuple[str, str, str], ...] = tuple(
    (stance, affect, agreement)
    for stance in ("same", "opposite")
    for affect in ("yes", "no")
    for agreement in ("yes", "not yes")
)
_COLUMNS = ("stance", "affect", "agreement", "score")


@dataclass(frozen=True)
class RuleTable:
    """Scores of the eight cells.

    Attributes
    ----------
    scores : dict of (str, str, str) to float
        ``(stance, affect, agreement) -> score`` with stance in {same, opposite}, affect in {yes, no}
        and agreement in {yes, not yes}; every cell present, scores finite.
    source : str
        ``builtin`` or the path the table was read from.
    """

    scores: dict[tuple[str, str, str], float]
    source: str = "builtin"

    def score(self, same: NDArray[np.bool_], affect: NDArray[np.bool_], agree: NDArray[np.bool_]) -> NDArray:
        """Scores of many pairs at once; the three arrays have one entry per pair.

        Examples
        --------
        >>> table = load_rules()
        >>> table.score(np.array([True, False]), np.array([True, False]), np.array([True, False])).tolist()
        [10.0, 4.0]
        """
        lookup = np.array([self.scores[cell] for cell in CELLS], dtype=np.float64)
        index = (~np.asarray(same, bool)) * 4 + (~np.asarray(affect, bool)) * 2 + (~np.asarray(agree, bool))
        return lookup[index]

    def rows(self) -> list[dict[str, object]]:
        """The table as rows (stance, affect, agreement, score), in the published order."""
        return [{"stance": s, "affect": a, "agreement": g, "score": self.scores[(s, a, g)]} for s, a, g in CELLS]


def load_rules(path: str | Path | None = None) -> RuleTable:
    """The shipped rule table, or a user's table (csv, tsv, jsonl, json or parquet).

    Parameters
    ----------
    path : str or Path, optional
        A table with columns ``stance`` (same/opposite), ``affect`` (yes/no), ``agreement``
        (yes / not yes) and ``score`` (a finite number), one row per cell, all eight cells.
        Default: the published table.

    Raises
    ------
    InputError
        A missing column, an unknown value, a cell missing or given twice, a score that is not a number.

    Examples
    --------
    >>> load_rules().scores[("opposite", "no", "yes")]
    0.0
    """
    from affectlab.io import read_table

    where = "the shipped rule table" if path is None else f"rule table {str(path)!r}"
    source = str(resources.files("affectlab.analyses.polarization") / "rules.csv") if path is None else str(path)
    frame = read_table(source, as_text=("stance", "affect", "agreement"))
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"The {where} needs columns stance, affect, agreement and score; missing: {', '.join(missing)}."
        )
    scores: dict[tuple[str, str, str], float] = {}
    for number, row in enumerate(frame[list(_COLUMNS)].itertuples(index=False), start=1):
        cell = tuple(" ".join(str(v).split()).lower() for v in row[:3])
        if cell not in CELLS:
            raise InputError(
                f"Row {number} of the {where}: {cell!r} is not a cell; stance is same or opposite, affect yes or no, "
                "agreement yes or 'not yes'."
            )
        if cell in scores:
            raise InputError(f"Row {number} of the {where}: cell {cell!r} is given twice.")
        try:
            value = float(row[3])
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            raise InputError(f"Row {number} of the {where}: score {row[3]!r} is not a finite number.")
        scores[cell] = value  # type: ignore[index]
    absent = [c for c in CELLS if c not in scores]
    if absent:
        raise InputError(f"The {where} lacks the cell(s) {', '.join(map(repr, absent))}; give all eight.")
    return RuleTable(scores, "builtin" if path is None else str(path))
