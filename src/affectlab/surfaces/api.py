"""Python API: ``analyze`` one text, or batch many with an :class:`Analyzer`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from affectlab.core.records import Affect
from affectlab.core.taxonomy import load_taxonomy
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analyzer", "analyze", "flatten"]


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
        Texts handed to the engine at once when streaming.
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

    @property
    def engine_(self) -> Engine:
        """The loaded engine (built on first use)."""
        if not hasattr(self, "_engine"):
            if self.batch_size < 1:
                raise ParameterError(
                    f"The 'batch_size' parameter of Analyzer must be an int >= 1. Got {self.batch_size}."
                )
            if self.taxonomy is not None:
                load_taxonomy(self.taxonomy)
            self._engine = (
                self.engine
                if isinstance(self.engine, Engine)
                else load_engine(self.engine, **(self.engine_options or {}))
            )
        return self._engine

    def iter_analyze(self, texts: Iterable[object], ids: Iterable[str | None] | None = None) -> Iterator[Affect]:
        """Stream records for an iterable of texts, one per input, in order, ``batch_size`` at a time."""
        if isinstance(texts, str | bytes):
            raise InputError(
                "Analyzer.analyze takes an iterable of texts, not a single string; "
                "use affectlab.analyze(text) or wrap it in a list."
            )
        engine = self.engine_  # validates parameters before any text is read
        text_iter = iter(texts)
        id_iter = iter(ids) if ids is not None else None
        while batch := list(islice(text_iter, self.batch_size)):
            batch_ids = list(islice(id_iter, len(batch))) if id_iter is not None else None
            if batch_ids is not None and len(batch_ids) != len(batch):
                raise InputError("Fewer ids than texts were given; pass one id per text.")
            yield from engine.predict(batch, ids=batch_ids, taxonomy=self.taxonomy, explain=self.explain)

    def analyze(
        self, texts: Iterable[object], ids: Iterable[str | None] | None = None, *, progress: bool = False
    ) -> list[Affect]:
        """Analyse texts; returns one :class:`Affect` per input, in order, ids kept.

        Parameters
        ----------
        texts : iterable of str
            The texts (a bare string is an error: wrap it in a list).
        ids : iterable of str, optional
            One id per text.
        progress : bool, default=False
            Show a progress bar on stderr.
        """
        if not progress:
            return list(self.iter_analyze(texts, ids))
        from rich.progress import track

        materialized: Sequence[object] = texts if isinstance(texts, Sequence) else list(texts)
        stream = self.iter_analyze(materialized, ids)
        return list(track(stream, total=len(materialized), description="analyzing", transient=True))

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


def analyze(
    text: object, *, engine: str | Engine = "embedded", taxonomy: str | None = None, explain: bool = False
) -> Affect:
    """Analyse one text.

    A list, tuple or other collection is an error (use :meth:`Analyzer.analyze` for many
    texts); any other non-string value gives a record flagged ``non_text``.

    Examples
    --------
    >>> affect = analyze("I can't believe they cancelled my flight again")  # doctest: +SKIP
    >>> affect.sentiment.label  # doctest: +SKIP
    'negative'
    """
    if isinstance(text, list | tuple | set | frozenset | dict):
        raise InputError(
            f"analyze takes one text, not a {type(text).__name__}; "
            "use affectlab.Analyzer().analyze(texts) for many texts."
        )
    return _cached(engine, taxonomy, explain).analyze([text])[0]


_ANALYZERS: dict[tuple[object, str | None, bool], Analyzer] = {}


def _cached(engine: str | Engine, taxonomy: str | None, explain: bool) -> Analyzer:
    key = (engine if isinstance(engine, str) else id(engine), taxonomy, explain)
    if key not in _ANALYZERS:
        _ANALYZERS[key] = Analyzer(engine, taxonomy=taxonomy, explain=explain)
    return _ANALYZERS[key]


def flatten(record: Affect) -> dict[str, Any]:
    """One flat row per record: dotted column names mirror the JSON fields.

    Columns: ``id``, ``top``, ``labels`` (``;``-joined), ``emotions.<label>``,
    ``sentiment.label``, ``sentiment.score``, ``vad.valence``, ``vad.arousal``,
    ``vad.dominance``, ``intensity.<label>`` (if any), ``evidence`` (JSON text),
    ``flags`` (``;``-joined), ``error``, ``taxonomy``, ``model``.
    """
    import json

    row: dict[str, Any] = {"id": record.id, "top": record.top, "labels": ";".join(record.labels)}
    row.update({f"emotions.{k}": v for k, v in record.emotions.items()})
    row["sentiment.label"] = record.sentiment.label if record.sentiment else None
    row["sentiment.score"] = record.sentiment.score if record.sentiment else None
    for dim in ("valence", "arousal", "dominance"):
        row[f"vad.{dim}"] = getattr(record.vad, dim) if record.vad else None
    if record.intensity is not None:
        row.update({f"intensity.{k}": v for k, v in record.intensity.items()})
    row["evidence"] = json.dumps(record.to_dict()["evidence"], ensure_ascii=False) if record.evidence else ""
    row["flags"] = ";".join(record.flags)
    row["error"] = record.error or ""
    row["taxonomy"] = record.taxonomy
    row["model"] = f"{record.model.engine}@{record.model.version}" if record.model else ""
    return row
