"""The analysis: :func:`document_arc` streams a document's segments through an engine and builds its :class:`Arc`."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.document.records import Arc
from affectlab.analyses.document.shape import build_sections, classify_shape, extrema, find_turning_points, make_moment
from affectlab.analyses.document.smoothing import DEFAULT_SMOOTH, parse_smooth, smooth_curves
from affectlab.analyses.document.source import BLOCK_CHARS, source_blocks
from affectlab.core import taxonomy as tx
from affectlab.core.segment import SegmentStream, parse_unit
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError


def _resolve_engine(engine: object, taxonomy: str | None) -> tuple[Engine, str | None]:
    if isinstance(engine, Engine):
        return engine, taxonomy
    inner = getattr(engine, "engine_", None)  # an affectlab Analyzer, without importing the surfaces layer
    if isinstance(inner, Engine):
        return inner, taxonomy if taxonomy is not None else getattr(engine, "taxonomy", None)
    if isinstance(engine, str):
        return load_engine(engine), taxonomy
    raise ParameterError(
        "The 'engine' parameter of document_arc must be an engine name (e.g. 'embedded'), an Engine or an "
        f"Analyzer. Got {type(engine).__name__} instead."
    )


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(
            f"The {name!r} parameter of document_arc must be an int >= {minimum}. Got {value!r} instead."
        )
    return value


class _Progress:
    """A transient rich bar on stderr over characters read; a no-op when disabled."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("arc"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[segments]} segments"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("arc", total=max(self.total, 1), segments=0)
        return self

    def update(self, done: int, segments: int) -> None:
        if self.enabled:
            self.bar.update(self.task, completed=min(done, self.total), segments=segments)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


def document_arc(
    text_or_path: str | bytes | os.PathLike[str],
    *,
    unit: str = "sentence",
    smooth: str | None = DEFAULT_SMOOTH,
    taxonomy: str | None = None,
    engine: Any = "embedded",
    batch_size: int = 256,
    progress: bool = False,
    strip_gutenberg: bool = True,
    n_points: int = 100,
    n_sections: int = 10,
    n_peaks: int = 3,
    max_words: int | None = None,
    block_chars: int = BLOCK_CHARS,
) -> Arc:
    """The emotion arc of a long text: per-segment affect, smoothed curves, peaks, sections, story shape.

    Segments stream from the text (a file is read ``block_chars`` at a time)
    through the engine ``batch_size`` at a time; only their scores and text are kept.

    Parameters
    ----------
    text_or_path : str, bytes or path
        The text itself, or a UTF-8 text file (a ``pathlib.Path``, or a one-line
        string naming an existing file).
    unit : str, default="sentence"
        ``"sentence"``, ``"paragraph"`` or ``"window:N"`` (N words per segment).
    smooth : str or None, default="dct:10"
        ``"dct:K"``, ``"rolling:K"``, ``"loess[:F]"`` or None (see :mod:`affectlab.analyses.document`).
    taxonomy : str, optional
        Taxonomy of the emotion columns (default: the engine's native one).
    engine : str, Engine or Analyzer, default="embedded"
        Engine name for :func:`affectlab.load_engine`, an engine, or an Analyzer
        (whose taxonomy is used when ``taxonomy`` is not given).
    batch_size : int, default=256
        Segments per engine call.
    progress : bool, default=False
        Show a progress bar on stderr.
    strip_gutenberg : bool, default=True
        Drop a Project Gutenberg header and licence footer when present.
    n_points : int, default=100
        Points of the smoothed curves on the 0-1 axis (>= 10).
    n_sections : int, default=10
        Equal slices of narrative time for the dominant-emotion table.
    n_peaks : int, default=3
        Peaks and troughs to report.
    max_words : int, optional
        Sentences/paragraphs longer than this are cut into word windows (flag
        ``window_fallback``); default 200 for sentences, 2000 for paragraphs.
    block_chars : int, default=1048576
        Characters read from a file at a time.

    Returns
    -------
    Arc

    Raises
    ------
    InputError
        Empty text or file, a binary or non-UTF-8 file, a missing file.
    ParameterError
        A malformed ``unit``, ``smooth`` or count (``TaxonomyError`` for an unknown taxonomy).

    Examples
    --------
    >>> arc = document_arc(Path("frankenstein.txt"), smooth="dct:5")  # doctest: +SKIP
    >>> arc.shape, [p.text for p in arc.peaks]  # doctest: +SKIP
    """
    parse_unit(unit)
    smooth_method, smooth_parameter = parse_smooth(smooth)
    for name, value, minimum in (
        ("batch_size", batch_size, 1),
        ("n_points", n_points, 10),
        ("n_sections", n_sections, 1),
        ("n_peaks", n_peaks, 0),
        ("block_chars", block_chars, 1),
    ):
        _check_int(name, value, minimum)
    blocks, source, total = source_blocks(text_or_path, block_chars)
    model, taxonomy = _resolve_engine(engine, taxonomy)
    target = tx.load_taxonomy(taxonomy or model.native_taxonomy)
    labels = tuple(target.labels)

    undecodable = [False]

    def watched(items: Iterable[str]) -> Iterator[str]:
        for item in items:
            undecodable[0] = undecodable[0] or "\ufffd" in item
            yield item

    stream = SegmentStream(watched(blocks), unit, max_words=max_words, strip_gutenberg=strip_gutenberg)
    iterator = iter(stream)
    meta: list[tuple[int, int, int, str, str]] = []
    scores: list[NDArray[np.float64]] = []
    with _Progress(progress, total) as bar:
        while batch := list(islice(iterator, batch_size)):
            records = model.predict([s.text for s in batch], taxonomy=target.name)
            block = np.empty((len(batch), len(labels) + 3))
            for row, (seg, record) in enumerate(zip(batch, records)):
                block[row, : len(labels)] = [record.emotions[label] for label in labels]
                block[row, len(labels)] = record.vad.valence if record.vad else math.nan
                block[row, len(labels) + 1] = record.vad.arousal if record.vad else math.nan
                block[row, len(labels) + 2] = record.sentiment.score if record.sentiment else math.nan
                meta.append((seg.start, seg.end, seg.n_words, seg.text, ";".join((*seg.flags, *record.flags))))
            scores.append(block)
            bar.update(stream.chars_read_, len(meta))
    if not meta:
        where = f"Input file {source!r}" if source else "The text given to document_arc"
        if "gutenberg_stripped" in stream.flags_:
            raise InputError(f"{where} has no text between its Project Gutenberg markers; try strip_gutenberg=False.")
        raise InputError(f"{where} contains no text (only whitespace).")
    values = np.vstack(scores)
    flags = set(stream.flags_)
    if undecodable[0]:
        flags.add("undecodable_bytes")
    valence_column = len(labels)
    if np.all(np.isnan(values[:, valence_column])):
        values[:, valence_column] = values[:, len(labels) + 2]
        flags.add("valence_from_sentiment")
    return _build_arc(
        values,
        meta,
        labels=labels,
        unit=unit,
        smooth=None if smooth_method is None else f"{smooth_method}:{smooth_parameter:g}",
        taxonomy=target.name,
        n_points=n_points,
        n_sections=n_sections,
        n_peaks=n_peaks,
        flags=flags,
        n_words=stream.n_words_,
        model=f"{model.name}@{model.version}",
        source=source,
    )


def _build_arc(
    values: NDArray[np.float64],
    meta: list[tuple[int, int, int, str, str]],
    *,
    labels: tuple[str, ...],
    unit: str,
    smooth: str | None,
    taxonomy: str,
    n_points: int,
    n_sections: int,
    n_peaks: int,
    flags: set[str],
    n_words: int,
    model: str,
    source: str | None,
) -> Arc:
    import pandas as pd

    n = len(meta)
    columns = [f"emotions.{label}" for label in labels] + ["vad.valence", "vad.arousal", "sentiment.score"]
    times = (np.arange(n) + 0.5) / n
    segments = pd.DataFrame(
        {
            "position": np.arange(n),
            "time": times,
            "start": [m[0] for m in meta],
            "end": [m[1] for m in meta],
            "n_words": [m[2] for m in meta],
            "text": [m[3] for m in meta],
        }
    )
    segments = pd.concat(
        [segments, pd.DataFrame(values, columns=columns), pd.Series([m[4] for m in meta], name="flags")], axis=1
    )
    grid, smoothed, clamped = smooth_curves(values, smooth, n_points)
    if clamped:
        flags.add("smoothing_clamped")
    curves = pd.DataFrame(smoothed, columns=columns, index=pd.Index(grid, name="time"))
    valence_curve = smoothed[:, columns.index("vad.valence")]
    valence = values[:, columns.index("vad.valence")]
    shape, shape_score, shape_scores = classify_shape(valence_curve)
    peaks = tuple(
        make_moment(grid, valence_curve, i, p, times, valence, segments, +1)
        for i, p in extrema(valence_curve, +1, n_peaks)
    )
    troughs = tuple(
        make_moment(grid, valence_curve, i, p, times, valence, segments, -1)
        for i, p in extrema(valence_curve, -1, n_peaks)
    )
    return Arc(
        segments=segments,
        curves=curves,
        peaks=peaks,
        troughs=troughs,
        turning_points=find_turning_points(grid, valence_curve),
        sections=build_sections(values, times, labels, n_sections),
        shape=shape,
        shape_score=shape_score,
        shape_scores=shape_scores,
        unit=unit,
        smooth=smooth,
        taxonomy=taxonomy,
        labels=labels,
        n_words=n_words,
        flags=tuple(sorted(flags)),
        model=model,
        source=source,
    )
