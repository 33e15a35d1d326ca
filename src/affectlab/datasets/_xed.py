"""XED (Öhman et al., COLING 2020): English movie subtitles, Plutchik 8, with a seeded split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectlab.datasets._base import Dataset, _check_split, _file, _multi_hot, data_dir
from affectlab.datasets._split import seeded_split

__all__ = ["PLUTCHIK", "XED_SPLIT_SEED", "xed_en"]

XED_SPLIT_SEED = 20201208  # XED has no official split; see xed_en().
PLUTCHIK = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")


def xed_en(split: str = "test", *, include_neutral: bool = False, root: Path | None = None) -> Dataset:
    """XED English subtitles, Plutchik 8, multi-label.

    The split is a seeded 80/10/10 permutation (:func:`seeded_split`, seed
    ``XED_SPLIT_SEED``, keyed by line number) of the annotated lines, and separately of the neutral lines when
    ``include_neutral`` (their targets are all zero).
    """
    _check_split(split)
    folder = data_dir(root) / "xed"
    texts, labels = [], []
    with _file(folder, "en-annotated.tsv").open(encoding="utf-8", newline="") as handle:
        for line in handle:
            text, _, codes = line.rstrip("\r\n").rpartition("\t")
            texts.append(text)
            labels.append([PLUTCHIK[int(c) - 1] for c in codes.split(",")])
    keep = seeded_split(range(len(texts)), seed=XED_SPLIT_SEED) == split
    ids = [f"xed-en-{i}" for i in np.flatnonzero(keep)]
    texts = [t for t, k in zip(texts, keep) if k]
    labels = [lab for lab, k in zip(labels, keep) if k]
    if include_neutral:
        lines = _file(folder, "neu_en.txt").read_text(encoding="utf-8").splitlines()
        neutral = [line.partition("\t")[2] for line in lines if line.strip()]
        keep_n = seeded_split(range(len(neutral)), seed=XED_SPLIT_SEED) == split
        ids += [f"xed-en-neutral-{i}" for i in np.flatnonzero(keep_n)]
        texts += [t for t, k in zip(neutral, keep_n) if k]
        labels += [[] for k in keep_n if k]
    return Dataset(
        "xed-en",
        split,
        ids,
        texts,
        "multilabel",
        PLUTCHIK,
        _multi_hot(labels, PLUTCHIK),
        "plutchik",
        "0/1 multi-label",
        "XED (Öhman et al., COLING 2020), CC BY 4.0",
        notes=[f"seeded 80/10/10 split, seed {XED_SPLIT_SEED}"],
    )
