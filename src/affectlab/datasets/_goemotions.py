"""GoEmotions (Demszky et al., ACL 2020): Reddit comments, 27 emotions + neutral, and the authors' groupings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from affectlab.datasets._base import Dataset, _check_split, _file, _multi_hot, data_dir
from affectlab.errors import ParameterError

__all__ = ["goemotions"]

GOEMOTIONS_SOURCE = "GoEmotions (Demszky et al., ACL 2020), Apache-2.0"


def _goemotions_raw(root: Path, split: str) -> tuple[list[str], list[str], list[list[str]], list[str]]:
    folder = root / "goemotions"
    names = _file(folder, "emotions.txt").read_text(encoding="utf-8").split()
    ids, texts, labels = [], [], []
    with _file(folder, f"{split}.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quotechar='"'):
            texts.append(row[0])
            labels.append([names[int(i)] for i in row[1].split(",")])
            ids.append(row[2])
    return ids, texts, labels, names


def goemotions(split: str = "test", grouping: str | None = None, *, root: Path | None = None) -> Dataset:
    """GoEmotions, 27 emotions + neutral, or the authors' ``ekman``/``sentiment`` groupings."""
    _check_split(split)
    root = data_dir(root)
    ids, texts, labels, names = _goemotions_raw(root, split)
    name, taxonomy = "goemotions", "goemotions"
    if grouping is not None:
        file = {"ekman": "ekman_mapping.json", "sentiment": "sentiment_dict.json"}.get(grouping)
        if file is None:
            raise ParameterError(f"The 'grouping' parameter must be 'ekman' or 'sentiment'. Got {grouping!r} instead.")
        groups: dict[str, list[str]] = json.loads(_file(root, "goemotions", file).read_text(encoding="utf-8"))
        parent = {child: group for group, children in groups.items() for child in children}
        parent["neutral"] = "neutral"
        names = [*groups, "neutral"]
        labels = [sorted({parent[label] for label in row}) for row in labels]
        name, taxonomy = f"goemotions-{grouping}", f"goemotions-{grouping}"
    columns = tuple(names)
    return Dataset(
        name,
        split,
        ids,
        texts,
        "multilabel",
        columns,
        _multi_hot(labels, columns),
        taxonomy,
        "0/1 multi-label",
        GOEMOTIONS_SOURCE,
    )
