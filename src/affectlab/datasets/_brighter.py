"""BRIGHTER / SemEval-2025 Task 11: track a (binary labels) and b (intensity), many languages."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from affectlab.core import scales
from affectlab.datasets._base import Dataset, _check_split, _file, data_dir
from affectlab.errors import ParameterError

__all__ = ["brighter", "brighter_languages"]


BRIGHTER_SOURCE = "BRIGHTER / SemEval-2025 Task 11 (Muhammad et al., 2025), CC BY 4.0"


def brighter_languages(track: str = "a", *, root: Path | None = None) -> list[str]:
    """Language codes with a test file in BRIGHTER track ``a`` or ``b``."""
    folder = data_dir(root) / "brighter" / f"track_{track}" / "test"
    return sorted(p.stem for p in folder.glob("*.csv"))


def brighter(track: str, lang: str = "eng", split: str = "test", *, root: Path | None = None) -> Dataset:
    """BRIGHTER track ``a`` (binary labels) or ``b`` (intensity 0-3 mapped to [0, 1])."""
    if track not in ("a", "b"):
        raise ParameterError(f"The 'track' parameter must be 'a' or 'b'. Got {track!r} instead.")
    _check_split(split)
    root = data_dir(root)
    langs = brighter_languages(track, root=root)
    if lang not in langs:
        raise ParameterError(f"BRIGHTER track {track} has no language {lang!r}; available: {', '.join(langs)}.")
    path = _file(root, "brighter", f"track_{track}", split, f"{lang}.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = tuple(c for c in reader.fieldnames or () if c not in ("id", "text", "emotion"))
        rows = list(reader)
    raw = np.array([[float(r[c]) if r[c] not in ("", None) else np.nan for c in columns] for r in rows])
    raw = raw.reshape(len(rows), len(columns))
    name = f"brighter-{track}:{lang}"
    ids, texts = [r["id"] for r in rows], [r["text"] for r in rows]
    if track == "a":
        return Dataset(
            name, split, ids, texts, "multilabel", columns, raw, "semeval", "0/1 multi-label", BRIGHTER_SOURCE
        )
    return Dataset(
        name,
        split,
        ids,
        texts,
        "regression",
        columns,
        scales.from_semeval_intensity(raw),
        None,
        "[0, 1] (intensity 0-3 divided by 3)",
        BRIGHTER_SOURCE,
    )
