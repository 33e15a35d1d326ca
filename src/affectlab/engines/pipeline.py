"""The one batching pipeline every analysis uses: an engine, a taxonomy, batches in input order.

:class:`Analyzer` resolves an engine from a name, an :class:`~affectlab.engines.base.Engine`
or another analyzer, checks the taxonomy, streams texts through the engine
``batch_size`` at a time (the engine sorts each batch by length and restores
the order) and reports progress through :class:`affectlab.io.Progress`.
:func:`as_analyzer` is how analyses accept ``engine=``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from affectlab.core.records import Affect, flatten
from affectlab.core.taxonomy import load_taxonomy
from affectlab.core.validation import check_int
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError
from affectlab.io.progress import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analyzer", "EngineSpec", "as_analyzer"]


class Analyzer:
    """Analyse texts with one engine and taxonomy.

    Parameters
    ----------
    engine : str or Engine, default="embedded"
        Engine name (see :func:`affectlab.available_engines`) or an engine object.
    taxonomy : str, optional
        Taxonomy of the reported emotions (default: the engine's native one).
    explain : bool, default=False
        Attach evidence spans (slower; one extra model pass per word).
    batch_size : int, default=256
        Texts handed to the engine at once when streaming (>= 1).
    engine_options : dict, optional
        Keyword arguments for the engine factory (e.g. ``{"threads": 2}``).

    Examples
    --------
    >>> analyzer = Analyzer(taxonomy="ekman")
    >>> [a.top for a in analyzer.analyze(["What a lovely surprise!", ""])]  # doctest: +SKIP
    ['joy', None]
    """

    def __init__(
        self,
        engine: str | Engine = "embedded",
        *,
        taxonomy: str | None = None,
        explain: bool = False,
        batch_size: int = 256,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.taxonomy = taxonomy
        self.explain = explain
        self.batch_size = batch_size
        self.engine_options = engine_options

    def __repr__(self) -> str:
        engine = self.engine if isinstance(self.engine, str) else type(self.engine).__name__
        return f"Analyzer(engine={engine!r}, taxonomy={self.taxonomy!r}, explain={self.explain})"

    @property
    def engine_(self) -> Engine:
        """The loaded engine (built and checked on first use)."""
        if not hasattr(self, "_engine"):
            check_int(self.batch_size, "batch_size", "Analyzer", minimum=1)
            if self.taxonomy is not None:
                load_taxonomy(self.taxonomy)
            if isinstance(self.engine, Engine):
                self._engine = self.engine
            elif isinstance(self.engine, str):
                self._engine = load_engine(self.engine, **(self.engine_options or {}))
            else:
                raise ParameterError(
                    "The 'engine' parameter of Analyzer must be an engine name (e.g. 'embedded') or an Engine. "
                    f"Got {type(self.engine).__name__} instead."
                )
        return self._engine

    @property
    def taxonomy_(self) -> str:
        """The taxonomy records are reported in (the engine's native one unless ``taxonomy`` is set)."""
        return load_taxonomy(self.taxonomy or self.engine_.native_taxonomy).name

    @property
    def model_(self) -> str:
        """``engine@version`` of the loaded engine, as written in reports."""
        return f"{self.engine_.name}@{self.engine_.version}"

    def iter_analyze(
        self, texts: Iterable[object], ids: Iterable[str | None] | None = None, *, progress: Progress | None = None
    ) -> Iterator[Affect]:
        """Stream records for an iterable of texts, one per input, in order, ``batch_size`` at a time.

        ``progress``, when given, is advanced by one per record (its unit is texts).
        """
        if isinstance(texts, str | bytes):
            raise InputError(
                "Analyzer.analyze takes an iterable of texts, not a single string; "
                "use affectlab.analyze(text) or wrap it in a list."
            )
        engine = self.engine_  # validates parameters before any text is read
        text_iter = iter(texts)
        id_iter = iter(ids) if ids is not None else None
        done = 0
        while batch := list(islice(text_iter, self.batch_size)):
            batch_ids = list(islice(id_iter, len(batch))) if id_iter is not None else None
            if batch_ids is not None and len(batch_ids) != len(batch):
                raise InputError("Fewer ids than texts were given; pass one id per text.")
            yield from engine.predict(batch, ids=batch_ids, taxonomy=self.taxonomy, explain=self.explain)
            done += len(batch)
            if progress is not None:
                progress.update(completed=done, count=done)

    def analyze(
        self,
        texts: Iterable[object],
        ids: Iterable[str | None] | None = None,
        *,
        progress: bool = False,
        description: str = "analyzing",
    ) -> list[Affect]:
        """Analyse texts; returns one :class:`Affect` per input, in order, ids kept.

        Parameters
        ----------
        texts : iterable of str
            The texts (a bare string is an error: wrap it in a list).
        ids : iterable of str, optional
            One id per text.
        progress : bool, default=False
            Show a progress bar on stderr (only on a terminal).
        description : str, default="analyzing"
            The bar's label.
        """
        if not progress:
            return list(self.iter_analyze(texts, ids))
        if isinstance(texts, str | bytes):
            return list(self.iter_analyze(texts, ids))  # raises the bare-string error
        materialized: Sequence[object] = texts if isinstance(texts, Sequence) else list(texts)
        with Progress(description, len(materialized), unit="texts") as bar:
            return list(self.iter_analyze(materialized, ids, progress=bar))

    def analyze_frame(self, frame: pd.DataFrame, text_column: str, *, id_column: str | None = None) -> pd.DataFrame:
        """Analyse a DataFrame column; returns one flat row per input row (see :func:`flatten`).

        The result has the input's index; column names are documented in ``docs/record.md``.

        Raises
        ------
        InputError
            If ``text_column`` (or ``id_column``) is not a column; the message lists the columns.
        """
        import pandas as pd

        for column in (text_column, id_column):
            if column is not None and column not in frame.columns:
                raise InputError(
                    f"Column {column!r} not found. Available columns: {', '.join(map(str, frame.columns))}."
                )
        ids = frame[id_column].astype(str).tolist() if id_column else [str(i) for i in frame.index]
        records = self.analyze(frame[text_column].tolist(), ids)
        return pd.DataFrame([flatten(r) for r in records], index=frame.index)

    def predict_probs(self, texts: Sequence[object]) -> NDArray[np.float64]:
        """Probabilities only, shape (n_texts, n_labels of ``taxonomy_``), ``batch_size`` texts per call."""
        engine = self.engine_
        blocks = [
            engine.predict_probs(texts[start : start + self.batch_size], self.taxonomy)
            for start in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(blocks) if blocks else np.empty((0, len(load_taxonomy(self.taxonomy_))))


#: What ``engine=`` accepts everywhere: a registered name, an engine object, or an :class:`Analyzer`.
EngineSpec: TypeAlias = str | Engine | Analyzer


def as_analyzer(
    engine: EngineSpec, *, owner: str, taxonomy: str | None = None, batch_size: int | None = None
) -> Analyzer:
    """The :class:`Analyzer` behind an ``engine=`` argument of ``owner``.

    A name or engine gets a new analyzer with ``taxonomy`` and ``batch_size``; an
    analyzer keeps its engine and takes ``taxonomy``/``batch_size`` only when they
    are given (its own otherwise).

    Raises
    ------
    ParameterError
        If ``engine`` is none of the three.
    """
    if isinstance(engine, Analyzer):
        if taxonomy is None and batch_size is None:
            return engine
        return Analyzer(
            engine.engine_,
            taxonomy=taxonomy if taxonomy is not None else engine.taxonomy,
            explain=engine.explain,
            batch_size=batch_size if batch_size is not None else engine.batch_size,
        )
    if isinstance(engine, str | Engine):
        kwargs: dict[str, Any] = {"taxonomy": taxonomy}
        if batch_size is not None:
            kwargs["batch_size"] = batch_size
        return Analyzer(engine, **kwargs)
    raise ParameterError(
        f"The 'engine' parameter of {owner} must be an engine name (e.g. 'embedded'), an Engine or an Analyzer. "
        f"Got {type(engine).__name__} instead."
    )
