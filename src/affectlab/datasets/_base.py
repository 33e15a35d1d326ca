"""The :class:`Dataset` record and the helpers every reader shares: data folder, file and split checks."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from affectlab.errors import DataNotFound, ParameterError

DATA_ENV = "AFFECTLAB_DATA"
SPLITS = ("train", "dev", "test")


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
    notes : list of str
        What the reader did to the source (split, dropped rows, stripped text).
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
        project_root = Path(__file__).resolve().parents[3]
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


def _multi_hot(labels: list[list[str]], columns: tuple[str, ...]) -> NDArray[np.float64]:
    index = {name: i for i, name in enumerate(columns)}
    out = np.zeros((len(labels), len(columns)))
    for row, names in enumerate(labels):
        for name in names:
            out[row, index[name]] = 1.0
    return out
