"""EmoITA (Gafa, Cutugno & Venuti, EVALITA 2023): EmoBank's sentences in Italian, re-rated by Italian readers."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from affectlab.core import scales
from affectlab.datasets._base import Dataset, _check_split, _file, data_dir
from affectlab.datasets._emobank import emobank

__all__ = ["emoita"]


def emoita(split: str = "test", *, root: Path | None = None) -> Dataset:
    """EmoITA valence/arousal/dominance, converted from 1-5 to [-1, 1], split as EmoBank splits each sentence.

    Each row's ``id`` is the EmoBank id of the sentence it translates, and the split is EmoBank's for that id
    (train 8,062 / dev 1,000 / test 1,000), so no test sentence has an English twin in EmoBank train. The
    EVALITA shared-task split is not used: most of its test sentences translate EmoBank training sentences.
    A few means lie above the scale's 5 (valence 20 rows, arousal 76, up to 5.5); they are clipped to 5 (1.0).
    """
    _check_split(split)
    folder = data_dir(root)
    in_split = set(emobank(split, root=folder).ids)  # EmoBank's reader decides the split
    with _file(folder, "emoita", "EmoITA.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["id"] in in_split]
    values = np.array([[float(r["V"]), float(r["A"]), float(r["D"])] for r in rows])
    return Dataset(
        "emoita",
        split,
        [r["id"] for r in rows],
        [r["text"].strip() for r in rows],
        "regression",
        ("valence", "arousal", "dominance"),
        np.clip(scales.from_emobank(values), -1.0, 1.0),
        None,
        "[-1, 1] (EmoITA 1-5 mapped linearly, 3 -> 0, as EmoBank; means above 5 clipped)",
        "EmoITA (Gafa, Cutugno & Venuti, EVALITA 2023), CC BY-SA 4.0; Italian translations of EmoBank",
    )
