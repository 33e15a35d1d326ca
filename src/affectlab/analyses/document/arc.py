"""The analysis: :func:`document_arc` streams a document's segments through the pipeline and builds its :class:`Arc`."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.document.records import Arc
from affectlab.analyses.document.shape import build_sections, classify_shape, find_moments, find_turning_points
from affectlab.analyses.document.smoothing import DEFAULT_SMOOTH, parse_smooth, smooth_curves
from affectlab.analyses.document.source import BLOCK_CHARS, count_chars, source_blocks
from affectlab.core.records import Affect
from affectlab.core.segment import Segment, SegmentStream, parse_unit
from affectlab.core.taxonomy import load_taxonomy
from affectlab.core.validation import check_int
from affectlab.engines.pipeline import Analyzer, EngineSpec, as_analyzer
from affectlab.errors import InputError
from affectlab.io import Progress

_OWNER = "document_arc"
_EXTRA_COLUMNS = ("vad.valence", "vad.arousal", "sentiment.score")


def document_arc(
    text_or_path: str | bytes | os.PathLike[str],
    *,
    unit: str = "sentence",
    smooth: str | None = DEFAULT_SMOOTH,
    taxonomy: str | None = None,
    engine: EngineSpec = "embedded",
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

    Segments stream from the text (a file is read ``block_chars`` characters at a
    time) through the engine ``batch_size`` at a time; only their scores and text are kept.

    Parameters
    ----------
    text_or_path : str, bytes or path
        The text itself, or a UTF-8 text file (a ``pathlib.Path``, or a one-line string naming an existing file).
    unit : str, default="sentence"
        ``"sentence"``, ``"paragraph"`` or ``"window:N"`` (N words per segment).
    smooth : str or None, default="dct:10"
        ``"dct:K"``, ``"rolling:K"``, ``"loess[:F]"`` or None (see :mod:`affectlab.analyses.document`).
    taxonomy : str, optional
        Taxonomy of the emotion columns (default: the analyzer's, else the engine's native one).
    engine : str, Engine or Analyzer, default="embedded"
        Engine name for :func:`affectlab.load_engine`, an engine, or an :class:`~affectlab.Analyzer`.
    batch_size : int, default=256
        Segments per engine call (>= 1).
    progress : bool, default=False
        Show a progress bar on stderr: characters of the segments scored so far, the segment count and an ETA.
    strip_gutenberg : bool, default=True
        Drop a Project Gutenberg header and licence footer when present.
    n_points : int, default=100
        Points of the smoothed curves on the 0-1 narrative-time axis (>= 10).
    n_sections : int, default=10
        Equal slices of narrative time for the dominant-emotion table (>= 1).
    n_peaks : int, default=3
        Peaks and troughs to report (>= 0).
    max_words : int, optional
        Sentences/paragraphs longer than this many words are cut into word windows (flag ``window_fallback``);
        default 200 for sentences, 2000 for paragraphs.
    block_chars : int, default=1048576
        Characters read from a file at a time (>= 1).

    Returns
    -------
    Arc

    Raises
    ------
    InputError
        Empty text or file, a binary or non-UTF-8 file, a missing file.
    ParameterError
        A malformed ``unit``, ``smooth``, ``engine`` or count (``TaxonomyError`` for an unknown taxonomy).

    Examples
    --------
    >>> arc = document_arc(Path("frankenstein.txt"), smooth="dct:5")  # doctest: +SKIP
    >>> arc.shape, [p.text for p in arc.peaks]  # doctest: +SKIP
    """
    smooth_label = _check_parameters(
        unit,
        smooth,
        batch_size=batch_size,
        n_points=n_points,
        n_sections=n_sections,
        n_peaks=n_peaks,
        block_chars=block_chars,
    )
    blocks, source = source_blocks(text_or_path, block_chars)
    analyzer = as_analyzer(engine, owner=_OWNER, taxonomy=taxonomy, batch_size=batch_size)
    labels = tuple(load_taxonomy(analyzer.taxonomy_).labels)
    watched = _BlockWatch(blocks)
    stream = SegmentStream(watched, unit, max_words=max_words, strip_gutenberg=strip_gutenberg)
    total = count_chars(text_or_path, block_chars) if progress else None
    with Progress("arc", total, enabled=progress, unit="segments") as bar:
        values, meta = _score_segments(stream, analyzer, labels, bar)
    if not meta:
        raise _no_text_error(source, stream.flags_)
    flags = set(stream.flags_) | ({"undecodable_bytes"} if watched.undecodable else set())
    if np.all(np.isnan(values[:, len(labels)])):
        values[:, len(labels)] = values[:, len(labels) + 2]
        flags.add("valence_from_sentiment")
    grid, curves, clamped = smooth_curves(values, smooth, n_points)
    if clamped:
        flags.add("smoothing_clamped")
    return _build_arc(
        values,
        meta,
        grid,
        curves,
        labels=labels,
        unit=unit,
        smooth=smooth_label,
        n_sections=n_sections,
        n_peaks=n_peaks,
        n_words=stream.n_words_,
        flags=flags,
        analyzer=analyzer,
        source=source,
    )


def _check_parameters(unit: str, smooth: str | None, **counts: int) -> str | None:
    """Check the settings before any text is read; returns the canonical smoothing label (e.g. ``"dct:10"``)."""
    parse_unit(unit, _OWNER)
    method, parameter = parse_smooth(smooth)
    minimum = {"batch_size": 1, "n_points": 10, "n_sections": 1, "n_peaks": 0, "block_chars": 1}
    for name, value in counts.items():
        check_int(value, name, _OWNER, minimum=minimum[name])
    return None if method is None else f"{method}:{parameter:g}"


class _BlockWatch:
    """The blocks of a text, passed through unchanged, noting whether any holds U+FFFD (undecodable bytes)."""

    def __init__(self, blocks: Iterable[str]) -> None:
        self.blocks = blocks
        self.undecodable = False

    def __iter__(self) -> Iterator[str]:
        for block in self.blocks:
            self.undecodable = self.undecodable or "\ufffd" in block
            yield block


def _score_segments(
    stream: Iterable[Segment], analyzer: Analyzer, labels: tuple[str, ...], bar: Progress
) -> tuple[NDArray[np.float64], list[tuple[int, int, int, str, str]]]:
    """Score every segment through ``analyzer`` (batched, in order); ``bar`` advances to each segment's end offset.

    Returns one value row (label probabilities, valence, arousal, sentiment) and
    one ``(start, end, n_words, text, flags)`` tuple per segment.
    """
    pending: deque[Segment] = deque()

    def texts() -> Iterator[str]:
        for seg in stream:
            pending.append(seg)
            yield seg.text

    rows: list[list[float]] = []
    meta: list[tuple[int, int, int, str, str]] = []
    for record in analyzer.iter_analyze(texts()):
        seg = pending.popleft()
        rows.append(_row(record, labels))
        meta.append((seg.start, seg.end, seg.n_words, seg.text, ";".join((*seg.flags, *record.flags))))
        bar.update(completed=seg.end, count=len(meta))
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(labels) + len(_EXTRA_COLUMNS)), meta


def _row(record: Affect, labels: tuple[str, ...]) -> list[float]:
    """One segment's values: the label probabilities, then valence, arousal and sentiment (NaN when absent)."""
    vad, sentiment = record.vad, record.sentiment
    return [
        *(record.emotions[label] for label in labels),
        vad.valence if vad else math.nan,
        vad.arousal if vad else math.nan,
        sentiment.score if sentiment else math.nan,
    ]


def _no_text_error(source: str | None, flags: tuple[str, ...]) -> InputError:
    where = f"Input file {source!r}" if source else "The text given to document_arc"
    if "gutenberg_stripped" in flags:
        return InputError(f"{where} has no text between its Project Gutenberg markers; try strip_gutenberg=False.")
    return InputError(f"{where} contains no text (only whitespace).")


def _build_arc(
    values: NDArray[np.float64],
    meta: list[tuple[int, int, int, str, str]],
    grid: NDArray[np.float64],
    smoothed: NDArray[np.float64],
    *,
    labels: tuple[str, ...],
    unit: str,
    smooth: str | None,
    n_sections: int,
    n_peaks: int,
    n_words: int,
    flags: set[str],
    analyzer: Analyzer,
    source: str | None,
) -> Arc:
    """Assemble the :class:`Arc` from the scored segments and their curves on the grid (``smooth`` is the label)."""
    import pandas as pd

    n = len(meta)
    columns = [f"emotions.{label}" for label in labels] + list(_EXTRA_COLUMNS)
    times = (np.arange(n) + 0.5) / n
    table = pd.DataFrame(
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
        [table, pd.DataFrame(values, columns=columns), pd.Series([m[4] for m in meta], name="flags")], axis=1
    )
    valence_curve = smoothed[:, len(labels)]
    shape, shape_score, shape_scores = classify_shape(valence_curve)
    peaks, troughs = find_moments(grid, valence_curve, segments, n_peaks)
    return Arc(
        segments=segments,
        curves=pd.DataFrame(smoothed, columns=columns, index=pd.Index(grid, name="time")),
        peaks=peaks,
        troughs=troughs,
        turning_points=find_turning_points(grid, valence_curve),
        sections=build_sections(values, times, labels, n_sections),
        shape=shape,
        shape_score=shape_score,
        shape_scores=shape_scores,
        unit=unit,
        smooth=smooth,
        taxonomy=analyzer.taxonomy_,
        labels=labels,
        n_words=n_words,
        flags=tuple(sorted(flags)),
        model=analyzer.model_,
        source=source,
    )
