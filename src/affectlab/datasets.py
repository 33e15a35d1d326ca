"""Readers for the benchmark data sets affectlab trains and evaluates on.

The data live outside the package, in a folder named by the ``AFFECTLAB_DATA``
environment variable, or by default ``../shared/data`` beside the project
checkout. Every reader returns a :class:`Dataset` whose targets are on
affectlab's canonical scales (see :mod:`affectlab.core.scales`).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from affectlab.core import scales
from affectlab.errors import DataNotFound, ParameterError

__all__ = ["Dataset", "available_datasets", "data_dir", "load_dataset"]

DATA_ENV = "AFFECTLAB_DATA"
SPLITS = ("train", "dev", "test")
XED_SPLIT_SEED = 20201208  # XED has no official split; see xed_en().
PLUTCHIK = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")


@dataclass(frozen=True)
class Dataset:
    """A labelled benchmark split.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"goemotions"`` or ``"brighter-b:eng"``.
    split : str
        ``"train"``, ``"dev"`` or ``"test"``.
    ids : list of str
        One id per text, unique within the split.
    texts : list of str
        The texts, in file order.
    kind : {"multilabel", "regression"}
        ``multilabel``: ``targets`` is 0/1 of shape (n_texts, n_columns).
        ``regression``: ``targets`` is float on the canonical scale.
    columns : tuple of str
        Label names (multilabel) or dimension names (regression).
    targets : ndarray of shape (n_texts, n_columns)
    taxonomy : str or None
        Taxonomy whose labels the columns are (multilabel), else None.
    scale : str
        Human-readable statement of the target scale.
    source : str
        Citation of the data set.
    """

    name: str
    split: str
    ids: list[str]
    texts: list[str]
    kind: Literal["multilabel", "regression"]
    columns: tuple[str, ...]
    targets: NDArray[np.float64]
    taxonomy: str | None
    scale: str
    source: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the benchmark data folder.

    Resolution order: ``path``, then ``$AFFECTLAB_DATA``, then ``../shared/data``
    beside the project checkout, then ``../shared/data`` from the working folder.

    Raises
    ------
    DataNotFound
        If none of these folders exists.
    """
    candidates: list[Path] = []
    if path is not None:
        candidates.append(Path(path))
    elif os.environ.get(DATA_ENV):
        candidates.append(Path(os.environ[DATA_ENV]))
    else:
        project_root = Path(__file__).resolve().parents[2]
        candidates += [project_root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise DataNotFound(
        f"No benchmark data folder found (tried {tried}). Set {DATA_ENV}=/path/to/data or pass data_dir=."
    )


def _check_split(split: str, allowed: tuple[str, ...] = SPLITS) -> None:
    if split not in allowed:
        raise ParameterError(f"The 'split' parameter must be one of {list(allowed)}. Got {split!r} instead.")


def _file(root: Path, *parts: str) -> Path:
    path = root.joinpath(*parts)
    if not path.is_file():
        raise DataNotFound(f"Expected data file {path} is missing; check {DATA_ENV}.")
    return path


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


def _multi_hot(labels: list[list[str]], columns: tuple[str, ...]) -> NDArray[np.float64]:
    index = {name: i for i, name in enumerate(columns)}
    out = np.zeros((len(labels), len(columns)))
    for row, names in enumerate(labels):
        for name in names:
            out[row, index[name]] = 1.0
    return out


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


def _xed_split_of(n: int) -> NDArray[np.str_]:
    """Seeded 80/10/10 split of XED's rows (no official split exists)."""
    order = np.random.default_rng(XED_SPLIT_SEED).permutation(n)
    split = np.empty(n, dtype="<U5")
    n_train, n_dev = int(0.8 * n), int(0.1 * n)
    split[order[:n_train]] = "train"
    split[order[n_train : n_train + n_dev]] = "dev"
    split[order[n_train + n_dev :]] = "test"
    return split


def xed_en(split: str = "test", *, include_neutral: bool = False, root: Path | None = None) -> Dataset:
    """XED English subtitles, Plutchik 8, multi-label.

    The split is a seeded 80/10/10 permutation (seed ``XED_SPLIT_SEED``) of the
    annotated lines, and separately of the neutral lines when
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
    keep = _xed_split_of(len(texts)) == split
    ids = [f"xed-en-{i}" for i in np.flatnonzero(keep)]
    texts = [t for t, k in zip(texts, keep) if k]
    labels = [lab for lab, k in zip(labels, keep) if k]
    if include_neutral:
        lines = _file(folder, "neu_en.txt").read_text(encoding="utf-8").splitlines()
        neutral = [line.partition("\t")[2] for line in lines if line.strip()]
        keep_n = _xed_split_of(len(neutral)) == split
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


_FIXED: dict[str, Callable[..., Dataset]] = {
    "goemotions": lambda split, root: goemotions(split, root=root),
    "goemotions-ekman": lambda split, root: goemotions(split, "ekman", root=root),
    "goemotions-sentiment": lambda split, root: goemotions(split, "sentiment", root=root),
    "emobank": lambda split, root: emobank(split, root=root),
    "xed-en": lambda split, root: xed_en(split, root=root),
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
