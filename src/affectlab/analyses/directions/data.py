"""The controlled scenario set (frames x emotions, split by frame) and the neutral prompts for steering.

The shipped set is ``affectlab/datasets/scenarios/scenarios.csv`` (written by ``scripts/build_scenarios.py``;
documented in ``docs/datasets.md``): 24 frames x (six Ekman emotions + neutral, surprise in a pleasant and an
unpleasant variant) = 192 prompts ending in a cue such as "I felt". Users can give their own table with the
columns ``text``, ``emotion`` and ``frame`` (and optionally ``id``, ``split``, ``valence``, ``variant``,
``expressed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from affectlab.core.validation import check_choice, check_number
from affectlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EMOTIONS", "Scenarios", "load_scenarios", "neutral_prompts", "scenarios_path"]

#: The six Ekman emotions and neutral, in the order of the ``ekman`` taxonomy.
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
REQUIRED = ("text", "emotion", "frame")
SPLIT_SEED = 18


@dataclass(frozen=True)
class Scenarios:
    """Prompts labelled with the emotion their event evokes, and the frame they share with other rows.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per prompt: ``id``, ``text``, ``emotion``, ``frame``, ``split`` ("train" or "test"), ``valence``
        (-1, 0 or 1; NaN when unknown), ``variant``, and ``expressed`` when the table has it (the prompt with the
        feeling named, e.g. "... I felt furious."; the shipped set has it).
    source : str
        ``"affectlab-sev"`` for the shipped set, else the path read.
    """

    frame: pd.DataFrame
    source: str

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def emotions(self) -> list[str]:
        """The classes present, Ekman order first, then any others sorted."""
        present = set(self.frame["emotion"])
        return [e for e in EMOTIONS if e in present] + sorted(present - set(EMOTIONS))

    def split(self, name: str) -> pd.DataFrame:
        """The rows of split ``name`` ("train" or "test"), in file order."""
        check_choice(name, "split", "Scenarios.split", ("train", "test"))
        return self.frame[self.frame["split"] == name].reset_index(drop=True)


def scenarios_path(name: str = "scenarios.csv") -> str:
    """Path of a file shipped in ``affectlab/datasets/scenarios/``."""
    return str(resources.files("affectlab").joinpath("datasets", "scenarios", name))


def load_scenarios(source: str | None = None, *, test_fraction: float = 0.25, seed: int = SPLIT_SEED) -> Scenarios:
    """The shipped scenario set, or a user table with the same columns.

    Parameters
    ----------
    source : str, optional
        A table (.csv .tsv .jsonl .json .parquet, or ``-``); default: the shipped set.
    test_fraction : float, default=0.25
        Share of frames held out when the table has no ``split`` column, in (0, 1).
    seed : int, default=18
        Seed of that frame-level split.

    Returns
    -------
    Scenarios

    Raises
    ------
    InputError
        If a required column is missing, a text is empty, a split is not train/test, or a split has fewer than
        two classes.
    """
    from affectlab.io import read_table

    frame = read_table(
        source or scenarios_path(), as_text=("text", "emotion", "frame", "id", "split", "variant", "expressed")
    )
    where = source or "the shipped scenarios"
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"The scenario table {where} lacks the column(s) {', '.join(missing)}; it needs text, emotion and frame "
            f"(columns found: {', '.join(map(str, frame.columns))})."
        )
    frame = frame.copy()
    frame["emotion"] = frame["emotion"].astype(str).str.strip().str.lower()
    if "id" not in frame.columns:
        frame["id"] = [str(i) for i in range(len(frame))]
    empty = frame.index[frame["text"].astype(str).str.strip() == ""]
    if len(empty):
        raise InputError(f"Scenario {frame.loc[empty[0], 'id']!r} of {where} has an empty text.")
    if "split" not in frame.columns:
        check_number(test_fraction, "test_fraction", "load_scenarios", minimum=0.01, maximum=0.99)
        frame["split"] = _frame_split(frame["frame"], test_fraction, seed)
    bad = sorted(set(frame["split"]) - {"train", "test"})
    if bad:
        raise InputError(f"The split column of {where} must hold train or test. Got {bad[0]!r}.")
    for name in ("train", "test"):
        if frame.loc[frame["split"] == name, "emotion"].nunique() < 2:
            raise InputError(f"The {name} split of {where} needs at least two emotions (frames x emotions).")
    if "valence" not in frame.columns:
        frame["valence"] = np.nan
    if "variant" not in frame.columns:
        frame["variant"] = frame["emotion"]
    columns = ["id", "text", "emotion", "frame", "split", "valence", "variant"]
    columns += ["expressed"] if "expressed" in frame.columns else []
    return Scenarios(frame[columns].reset_index(drop=True), "affectlab-sev" if source is None else source)


def _frame_split(frames: pd.Series, test_fraction: float, seed: int) -> list[str]:
    """``test`` for a seeded share of the frames (at least one, at most all but one), ``train`` for the rest."""
    names = sorted(set(frames))
    if len(names) < 2:
        raise InputError("A frame-level split needs at least two frames; add a split column or more frames.")
    n_test = min(len(names) - 1, max(1, round(test_fraction * len(names))))
    held = set(np.random.default_rng(seed).permutation(names)[:n_test].tolist())
    return ["test" if f in held else "train" for f in frames]


def neutral_prompts(split: str = "test", source: str | None = None) -> list[str]:
    """Open prompts without an emotion of their own, for steering.

    Parameters
    ----------
    split : {"dev", "test"}, default="test"
        ``dev`` prompts choose the steering strength; ``test`` prompts measure it (never tune on them).
    source : str, optional
        A table with a ``text`` column (all rows are used); default: the shipped prompts.
    """
    from affectlab.io import read_table

    if source is not None:
        table = read_table(source, as_text=("text",))
        if "text" not in table.columns:
            raise InputError(f"The prompt table {source} needs a text column.")
        return table["text"].astype(str).tolist()
    check_choice(split, "split", "neutral_prompts", ("dev", "test"))
    table = read_table(scenarios_path("neutral_prompts.csv"), as_text=("text", "split", "id"))
    return table.loc[table["split"] == split, "text"].tolist()
