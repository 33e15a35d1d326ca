"""Empathy judges (Kumar et al. 2025): experts, a crowd and three LLMs rating 200 support conversations.

The raw rating files of ``empathy-judges/annotations/<set>/<rater>_ratings.csv`` become one long table with
columns ``dataset``, ``item``, ``rater``, ``attribute`` and ``value``, ready for
:func:`affectlab.analyses.reliability.reliability` and :func:`affectlab.analyses.agreement.agreement`.

The files' quirks are handled here: columns are found by name (their order differs between raters), leading
unnamed index columns (``""``, ``Unnamed: 0``) and gemini's extra columns (conversation text, rationales) are
ignored, and numbers written as floats (``"3.0"``) are read as numbers. Only ratings are returned: the
conversation texts never leave the data folder.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from affectlab.datasets._base import _file, data_dir
from affectlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EMPATHY_RATERS", "EMPATHY_SETS", "EMPATHY_SOURCE", "empathy_judges"]

EMPATHY_SOURCE = (
    "Kumar et al. (2025), 'When LLMs are reliable for judging empathic communication', replication data "
    "(github.com/aakriti1kumar/replication-data-and-code-when-LLMs-reliable-empathic-communication, MIT)"
)
#: Set -> (id column, attributes, scale). 50 conversations per set; ``crowd`` values are means of crowd workers.
EMPATHY_SETS: dict[str, tuple[str, tuple[str, ...], tuple[int, int]]] = {
    "empatheticdialogues": ("conv_id", ("empathy", "relevance", "fluency"), (1, 5)),
    "epitome": ("sp_id", ("level_emotional_reactions", "level_interpretations", "level_explorations"), (0, 2)),
    "perceived_empathy": (
        "id",
        tuple(
            f"m_{name}"
            for name in (
                "understood",
                "validated",
                "affirmed",
                "seen",
                "accepted",
                "caredfor",
                "emotional",
                "practical",
                "motivation",
            )
        ),
        (1, 7),
    ),
    "lend_an_ear": (
        "conversation_id",
        (
            "validating_emotions",
            "encouraging_elaboration",
            "demonstrating_understanding",
            "advice_giving",
            "self_oriented",
            "dismissing_emotions",
        ),
        (1, 5),
    ),
}
#: Raters in file-name order: three experts, the crowd (mean of its workers), GPT-4o, Claude and Gemini.
EMPATHY_RATERS = ("expert1", "expert2", "expert3", "crowd", "gpt", "claude", "gemini")
FOLDER = "empathy-judges"


def empathy_judges(
    sets: Sequence[str] | None = None,
    raters: Sequence[str] | None = None,
    *,
    root: str | Path | None = None,
) -> pd.DataFrame:
    """Every rating of the empathy-judges data as one long table.

    Parameters
    ----------
    sets : sequence of str, optional
        Keys of :data:`EMPATHY_SETS` (default all four, in that order).
    raters : sequence of str, optional
        Names from :data:`EMPATHY_RATERS` (default all seven, in that order).
    root : str or Path, optional
        Benchmark data folder holding ``empathy-judges/`` (default :func:`~affectlab.datasets.data_dir`).

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``item`` (the set's id, text), ``rater``, ``attribute``, ``value`` (float on the
        set's scale: 1-5, 0-2 for EPITOME, 1-7 for Perceived Empathy; the crowd's values are means and need not
        be whole). Rows in set, rater, file-row, attribute order; missing ratings are missing (NaN) values.

    Raises
    ------
    ParameterError
        An unknown set or rater name.
    DataNotFound
        The data folder or a rating file is missing.
    InputError
        A file without its id or attribute columns, a repeated id, or a value that is not a number.
    """
    import pandas as pd

    sets = _names(sets, tuple(EMPATHY_SETS), "sets")
    raters = _names(raters, EMPATHY_RATERS, "raters")
    folder = data_dir(root)
    records: list[tuple[str, str, str, str, float]] = []
    for name in sets:
        id_column, attributes, _ = EMPATHY_SETS[name]
        for rater in raters:
            path = _file(folder, FOLDER, "annotations", name, f"{rater}_ratings.csv")
            records += [(name, item, rater, a, v) for item, a, v in _read(path, id_column, attributes)]
    return pd.DataFrame.from_records(records, columns=["dataset", "item", "rater", "attribute", "value"])


def _names(given: Sequence[str] | None, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    if given is None:
        return known
    if isinstance(given, str):
        given = [given]
    unknown = [g for g in given if g not in known]
    if unknown:
        raise ParameterError(
            f"The {what!r} parameter of empathy_judges must hold names among {{{', '.join(map(repr, known))}}}. "
            f"Got {unknown[0]!r} instead."
        )
    return tuple(given)


def _read(path: Path, id_column: str, attributes: tuple[str, ...]) -> list[tuple[str, str, float]]:
    """(item, attribute, value) of one file, columns found by name, other columns ignored."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (id_column, *attributes) if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(f"{path} has no column {missing[0]!r}; its columns are {reader.fieldnames}.")
        out: list[tuple[str, str, float]] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num  # the row's last physical line (quoted texts may span lines)
            item = row[id_column].strip()
            if item in seen:
                raise InputError(f"{path}, line {line}: id {item!r} appears twice.")
            seen.add(item)
            out += [(item, a, _number(row[a], path, line)) for a in attributes]
    return out


def _number(text: str | None, path: Path, line: int) -> float:
    """A rating as a float: ``"3"`` and ``"3.0"`` alike; empty is missing (NaN)."""
    text = (text or "").strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}, line {line}: rating {text!r} is not a number.") from None
    if not math.isfinite(value):
        raise InputError(f"{path}, line {line}: rating {text!r} is not a finite number.")
    return value
