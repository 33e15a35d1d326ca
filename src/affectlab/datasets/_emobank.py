"""EmoBank (Buechel & Hahn, EACL 2017): valence, arousal, dominance of English sentences."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from affectlab.core import scales
from affectlab.datasets._base import Dataset, _check_split, _file, data_dir

__all__ = ["emobank"]


def emobank(split: str = "test", *, root: Path | None = None) -> Dataset:
    """EmoBank valence/arousal/dominance, converted from 1-5 to [-1, 1]."""
    _check_split(split)
    path = _file(data_dir(root), "emobank", "corpus_emobank.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["split"] == split]
    values = np.array([[float(r["V"]), float(r["A"]), float(r["D"])] for r in rows])
    return Dataset(
        "emobank",
        split,
        [r["id"] for r in rows],
        [r["text"] for r in rows],
        "regression",
        ("valence", "arousal", "dominance"),
        scales.from_emobank(values),
        None,
        "[-1, 1] (EmoBank 1-5 mapped linearly, 3 -> 0)",
        "EmoBank (Buechel & Hahn, EACL 2017), CC BY-SA 4.0",
    )
