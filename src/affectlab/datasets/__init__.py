"""Readers for the benchmark data sets affectlab trains and evaluates on.

The data live outside the package, in a folder named by the ``AFFECTLAB_DATA``
environment variable, or by default ``../shared/data`` beside the project
checkout. Every reader returns a :class:`Dataset` whose targets are on
affectlab's canonical scales (see :mod:`affectlab.core.scales`). One module per
family; data sets without an official split share :func:`seeded_split`.
:func:`empathy_judges` is the one exception: a long table of ratings (for
reliability and agreement), not labelled texts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from affectlab.datasets._base import DATA_ENV, SPLITS, Dataset, data_dir
from affectlab.datasets._brighter import BRIGHTER_SOURCE, brighter, brighter_languages
from affectlab.datasets._emobank import emobank
from affectlab.datasets._emoita import emoita
from affectlab.datasets._empathy import EMPATHY_RATERS, EMPATHY_SETS, EMPATHY_SOURCE, empathy_judges
from affectlab.datasets._events import (
    ENISEAR_EKMAN,
    ENISEAR_SPLIT_SEED,
    GNE_EKMAN,
    GNE_SPLIT_SEED,
    enisear,
    goodnewseveryone,
    strip_enisear_template,
)
from affectlab.datasets._goemotions import GOEMOTIONS_SOURCE, goemotions
from affectlab.datasets._split import seeded_split
from affectlab.datasets._xed import PLUTCHIK, XED_SPLIT_SEED, xed_en
from affectlab.errors import DataNotFound, ParameterError

__all__ = [
    "BRIGHTER_SOURCE",
    "DATA_ENV",
    "EMPATHY_RATERS",
    "EMPATHY_SETS",
    "EMPATHY_SOURCE",
    "ENISEAR_EKMAN",
    "ENISEAR_SPLIT_SEED",
    "GNE_EKMAN",
    "GNE_SPLIT_SEED",
    "GOEMOTIONS_SOURCE",
    "PLUTCHIK",
    "SPLITS",
    "XED_SPLIT_SEED",
    "Dataset",
    "available_datasets",
    "brighter",
    "brighter_languages",
    "data_dir",
    "emobank",
    "emoita",
    "empathy_judges",
    "enisear",
    "goemotions",
    "goodnewseveryone",
    "load_dataset",
    "seeded_split",
    "strip_enisear_template",
    "xed_en",
]

_FIXED: dict[str, Callable[..., Dataset]] = {
    "goemotions": lambda split, root: goemotions(split, root=root),
    "goemotions-ekman": lambda split, root: goemotions(split, "ekman", root=root),
    "goemotions-sentiment": lambda split, root: goemotions(split, "sentiment", root=root),
    "emobank": lambda split, root: emobank(split, root=root),
    "emoita": lambda split, root: emoita(split, root=root),
    "xed-en": lambda split, root: xed_en(split, root=root),
    "enisear-ekman": lambda split, root: enisear(split, "ekman", root=root),
    "goodnewseveryone-ekman": lambda split, root: goodnewseveryone(split, "ekman", root=root),
}


def available_datasets(root: str | os.PathLike[str] | None = None) -> list[str]:
    """Names accepted by :func:`load_dataset` (BRIGHTER languages found on disk)."""
    names = list(_FIXED)
    try:
        folder = data_dir(root)
    except DataNotFound:
        return [*names, "brighter-a:<lang>", "brighter-b:<lang>"]
    for track in ("a", "b"):
        names += [f"brighter-{track}:{lang}" for lang in brighter_languages(track, root=folder)]
    return names


def load_dataset(name: str, split: str = "test", *, root: str | os.PathLike[str] | None = None) -> Dataset:
    """Load a built-in benchmark by name, e.g. ``load_dataset("brighter-b:eng", "dev")``.

    Raises
    ------
    ParameterError
        For an unknown name; the message lists the available ones.
    DataNotFound
        If the data folder or a file in it is missing.
    """
    folder = Path(root) if root is not None else None
    if name in _FIXED:
        return _FIXED[name](split, folder)
    if name.startswith(("brighter-a:", "brighter-b:")):
        track, _, lang = name.removeprefix("brighter-").partition(":")
        return brighter(track, lang, split, root=folder)
    raise ParameterError(f"Unknown dataset {name!r}. Available: {', '.join(available_datasets(root))}.")
