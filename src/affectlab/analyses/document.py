"""Emotion arcs of long documents: how feelings move through a novel, a diary or a transcript.

:func:`document_arc` cuts a text into segments (sentences, paragraphs or word
windows; :mod:`affectlab.core.segment`), streams them through an engine in
batches, and returns an :class:`Arc`: the per-segment scores, smoothed curves
on a 0-1 narrative-time axis, the peaks and troughs of valence with their text,
turning points, the dominant emotion of each section, and the nearest of six
basic story shapes (Reagan et al. 2016, "The emotional arcs of stories are
dominated by six basic shapes", EPJ Data Science 5:31).

Narrative time
--------------
Segment ``i`` of ``n`` sits at ``(i + 0.5) / n``; curves are sampled at the
``n_points`` cell centres ``(m + 0.5) / n_points``. Time counts segments, not
words or characters (as in syuzhet).

Smoothing (``smooth=``)
-----------------------
- ``"dct:K"`` (default ``dct:10``): low-pass discrete cosine transform as in
  syuzhet's ``get_dct_transform``: DCT-II of the segment values, keep the first
  K coefficients, zero-pad to ``n_points`` and inverse-transform (which also
  resamples). syuzhet's output is that curve times ``n / n_points``; here it is
  rescaled to the input's scale (see :func:`dct_transform`, ``syuzhet_scale=True``
  gives syuzhet's numbers). Small K gives the overall shape, larger K more detail.
- ``"rolling:K"``: centred moving average over K segments (fewer at the ends),
  then linear interpolation onto the grid.
- ``"loess"`` or ``"loess:F"``: local linear regression with tricube weights over
  the nearest fraction F of the segments (default 0.2), evaluated at each grid
  point; no robustness iterations (as ``statsmodels`` ``lowess(..., it=0, xvals=grid)``).
- ``None``: no smoothing; each grid cell holds the mean of the segments that fall
  in it (empty cells are interpolated).

A window or K larger than the number of segments is reduced to it (flag
``smoothing_clamped``).
"""

from __future__ import annotations

import codecs
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.core import taxonomy as tx
from affectlab.core.segment import SegmentStream, parse_unit
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ARC_FLAGS",
    "STORY_SHAPES",
    "Arc",
    "Moment",
    "TurningPoint",
    "classify_shape",
    "dct_transform",
    "document_arc",
    "local_maxima",
    "loess_smooth",
    "parse_smooth",
    "read_blocks",
    "rolling_mean",
    "shape_templates",
    "smooth_curves",
]

#: The six basic shapes of Reagan et al. (2016): name -> direction of the valence arc.
STORY_SHAPES: dict[str, str] = {
    "rags_to_riches": "rise",
    "tragedy": "fall",
    "man_in_a_hole": "fall-rise",
    "icarus": "rise-fall",
    "cinderella": "rise-fall-rise",
    "oedipus": "fall-rise-fall",
}

ARC_FLAGS: dict[str, str] = {
    "window_fallback": "some sentences/paragraphs exceeded max_words (e.g. no punctuation) and were cut into windows",
    "gutenberg_stripped": "a Project Gutenberg header and/or footer was removed",
    "gutenberg_markers_missing": "the text mentions Project Gutenberg but has no START marker; nothing was stripped",
    "undecodable_bytes": "some bytes were not UTF-8 and were replaced by U+FFFD",
    "smoothing_clamped": "the smoothing window/K exceeded the number of segments and was reduced to it",
    "valence_from_sentiment": "the engine has no valence head; valence is the sentiment score",
}

DEFAULT_SMOOTH = "dct:10"
DEFAULT_LOESS_FRAC = 0.2
BLOCK_CHARS = 1 << 20
_HEAD_BYTES = 1 << 16
_MAX_UNDECODABLE = 0.1
_PATH_SUFFIXES = (".txt", ".text", ".md")


# -- smoothing ---------------------------------------------------------------------------------


def parse_smooth(smooth: str | None) -> tuple[str | None, float | None]:
    """Validate a smoothing spec: ``"rolling:K"``, ``"dct:K"``, ``"loess"``, ``"loess:F"`` or None.

    Returns
    -------
    (method, parameter) : tuple
        ``("dct", 10.0)``, ``("rolling", 5.0)``, ``("loess", 0.2)`` or ``(None, None)``.

    Raises
    ------
    ParameterError
        If the spec is malformed; K must be an int >= 1 and F a fraction in (0, 1].

    Examples
    --------
    >>> parse_smooth("loess")
    ('loess', 0.2)
    """
    if smooth is None or smooth == "none":
        return None, None
    method, _, argument = str(smooth).partition(":")
    if method in ("rolling", "dct") and argument.isdigit() and int(argument) >= 1:
        return method, float(int(argument))
    if method == "loess":
        try:
            frac = float(argument) if argument else DEFAULT_LOESS_FRAC
        except ValueError:
            frac = math.nan
        if 0.0 < frac <= 1.0:
            return method, frac
    raise ParameterError(
        "The 'smooth' parameter of document_arc must be 'rolling:K', 'dct:K' (K an int >= 1), 'loess', "
        f"'loess:F' (F in (0, 1]) or None. Got {smooth!r} instead."
    )


def dct_transform(
    values: NDArray[np.float64], low_pass_size: int = 5, x_reverse_len: int = 100, *, syuzhet_scale: bool = False
) -> NDArray[np.float64]:
    """Low-pass DCT smoothing resampled to ``x_reverse_len`` points (syuzhet's ``get_dct_transform``).

    DCT-II of ``values`` (along axis 0), keep the first ``low_pass_size``
    coefficients, zero-pad to ``x_reverse_len`` and apply the inverse DCT.

    Parameters
    ----------
    values : ndarray of shape (n,) or (n, k)
        Values in narrative order (e.g. valence in [-1, 1]).
    low_pass_size : int, default=5
        Coefficients kept, 1 <= low_pass_size <= n (1 keeps only the mean).
    x_reverse_len : int, default=100
        Length of the output.
    syuzhet_scale : bool, default=False
        If True, return syuzhet's numbers, which are the smoothed curve times
        ``n / x_reverse_len``; by default the curve keeps the input's scale
        (a constant input gives the same constant).

    Returns
    -------
    ndarray of shape (x_reverse_len,) or (x_reverse_len, k)
        Samples at ``(m + 0.5) / x_reverse_len`` of narrative time.

    Examples
    --------
    >>> dct_transform(np.full(40, 0.3), 3, 5).round(6).tolist()
    [0.3, 0.3, 0.3, 0.3, 0.3]
    """
    from scipy import fft

    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    if not 1 <= low_pass_size <= n:
        raise ParameterError(
            f"The 'low_pass_size' parameter of dct_transform must be an int in [1, {n}] (the number of values). "
            f"Got {low_pass_size!r} instead."
        )
    if x_reverse_len < low_pass_size:
        raise ParameterError(
            f"The 'x_reverse_len' parameter of dct_transform must be >= low_pass_size ({low_pass_size}). "
            f"Got {x_reverse_len!r} instead."
        )
    coefficients = fft.dct(array, type=2, axis=0)
    kept = np.zeros((x_reverse_len, *array.shape[1:]))
    kept[:low_pass_size] = coefficients[:low_pass_size]
    out = fft.idct(kept, type=2, axis=0)
    return out if syuzhet_scale else out * (x_reverse_len / n)


def rolling_mean(values: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Centred moving average over ``window`` values (segments ``i - (window-1)//2`` to ``i + window//2``).

    Near the ends the window holds fewer values; the output has the input's shape.

    Examples
    --------
    >>> rolling_mean(np.array([0.0, 0, 3, 0, 0]), 3).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    if not isinstance(window, int) or window < 1:
        raise ParameterError(f"The 'window' parameter of rolling_mean must be an int >= 1. Got {window!r} instead.")
    cumulative = np.concatenate([np.zeros((1, *array.shape[1:])), np.cumsum(array, axis=0)])
    index = np.arange(n)
    low = np.clip(index - (window - 1) // 2, 0, n)
    high = np.clip(index + window // 2 + 1, 0, n)
    counts = (high - low).reshape(-1, *([1] * (array.ndim - 1)))
    return (cumulative[high] - cumulative[low]) / counts


def loess_smooth(
    x: NDArray[np.float64], values: NDArray[np.float64], grid: NDArray[np.float64], frac: float = DEFAULT_LOESS_FRAC
) -> NDArray[np.float64]:
    """Local linear regression (LOESS, degree 1, tricube weights, no robustness steps) evaluated at ``grid``.

    Each grid point uses the ``floor(frac * n)`` nearest ``x`` (at least 2),
    weighted by ``(1 - (d / h)**3)**3`` where ``h`` is the distance to the
    farthest of them.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Positions (narrative time).
    values : ndarray of shape (n,) or (n, k)
        Values at ``x``.
    grid : ndarray of shape (m,)
        Where to evaluate.
    frac : float, default=0.2
        Fraction of the points in each local fit, in (0, 1].

    Returns
    -------
    ndarray of shape (m,) or (m, k)
    """
    x = np.asarray(x, dtype=np.float64)
    array = np.asarray(values, dtype=np.float64)
    flat = array.reshape(len(x), -1)
    n = len(x)
    k = min(n, max(2, int(frac * n + 1e-10)))
    out = np.empty((len(grid), flat.shape[1]))
    for row, point in enumerate(grid):
        distance = np.abs(x - point)
        radius = np.partition(distance, k - 1)[k - 1]
        if radius <= 0:
            radius = 1e-12
        weights = np.clip(1 - (distance / radius) ** 3, 0, None) ** 3
        weights[distance > radius] = 0.0
        s0, s1, s2 = weights.sum(), weights @ x, weights @ (x * x)
        t0, t1 = weights @ flat, (weights * x) @ flat
        if s0 <= 0:
            nearest = int(np.argmin(distance))
            out[row] = flat[nearest]
            continue
        denominator = s0 * s2 - s1 * s1
        if abs(denominator) <= 1e-12 * max(s0 * s2, 1e-300):
            out[row] = t0 / s0
        else:
            slope = (s0 * t1 - s1 * t0) / denominator
            out[row] = (t0 - slope * s1) / s0 + slope * point
    return out.reshape(len(grid), *array.shape[1:])


def _bin_means(times: NDArray[np.float64], values: NDArray[np.float64], n_points: int) -> NDArray[np.float64]:
    bins = np.minimum((times * n_points).astype(int), n_points - 1)
    sums = np.zeros((n_points, values.shape[1]))
    np.add.at(sums, bins, values)
    counts = np.bincount(bins, minlength=n_points)
    filled = counts > 0
    means = sums[filled] / counts[filled, None]
    centres = (np.arange(n_points) + 0.5) / n_points
    return np.column_stack([np.interp(centres, centres[filled], means[:, j]) for j in range(values.shape[1])])


def smooth_curves(
    values: NDArray[np.float64], smooth: str | None = DEFAULT_SMOOTH, n_points: int = 100
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """Smooth per-segment values and sample them on the narrative-time grid.

    Parameters
    ----------
    values : ndarray of shape (n, k)
        One row per segment, in order.
    smooth : str or None, default="dct:10"
        See the module docstring.
    n_points : int, default=100
        Grid size.

    Returns
    -------
    (grid, curves, clamped) : tuple
        ``grid`` of shape (n_points,) in (0, 1), ``curves`` of shape (n_points, k),
        and whether the window/K was reduced to the number of segments.
    """
    method, parameter = parse_smooth(smooth)
    array = np.asarray(values, dtype=np.float64)
    n = array.shape[0]
    grid = (np.arange(n_points) + 0.5) / n_points
    times = (np.arange(n) + 0.5) / n
    clamped = method in ("dct", "rolling") and parameter is not None and parameter > n
    size = min(int(parameter or 1), n)
    if method == "dct":
        curves = dct_transform(array, size, n_points)
    elif method == "rolling":
        smoothed = rolling_mean(array, size)
        curves = np.column_stack([np.interp(grid, times, smoothed[:, j]) for j in range(array.shape[1])])
    elif method == "loess":
        curves = loess_smooth(times, array, grid, parameter or DEFAULT_LOESS_FRAC)
    else:
        curves = _bin_means(times, array, n_points)
    return grid, curves.reshape(n_points, array.shape[1]), clamped


# -- story shapes ------------------------------------------------------------------------------


def shape_templates(n_points: int = 100) -> dict[str, NDArray[np.float64]]:
    """Z-scored valence templates of the six story shapes, sampled at ``(m + 0.5) / n_points``.

    Rise and fall are half a cosine period, one turn a full period, two turns
    one and a half (``±cos(j·π·t)`` for j = 1, 2, 3), so the templates of
    different turn counts are uncorrelated and each is its own nearest shape.
    """
    t = (np.arange(n_points) + 0.5) / n_points
    raw = {
        "rags_to_riches": -np.cos(np.pi * t),
        "tragedy": np.cos(np.pi * t),
        "man_in_a_hole": np.cos(2 * np.pi * t),
        "icarus": -np.cos(2 * np.pi * t),
        "cinderella": -np.cos(3 * np.pi * t),
        "oedipus": np.cos(3 * np.pi * t),
    }
    return {name: (v - v.mean()) / v.std() for name, v in raw.items()}


def classify_shape(curve: NDArray[np.float64]) -> tuple[str | None, float, dict[str, float]]:
    """The story shape nearest to a valence curve: highest Pearson correlation with a template.

    Parameters
    ----------
    curve : ndarray of shape (m,)
        Smoothed valence on an evenly spaced narrative-time grid (m >= 3).

    Returns
    -------
    (shape, score, scores) : tuple
        The best shape name (None for a flat or non-finite curve), its
        correlation in [-1, 1], and the correlation with every shape.

    Examples
    --------
    >>> t = np.linspace(0, 1, 50)
    >>> classify_shape(np.sin(np.pi * t))[0]
    'icarus'
    """
    values = np.asarray(curve, dtype=np.float64)
    if len(values) < 3 or not np.all(np.isfinite(values)) or values.std() < 1e-12:
        return None, math.nan, {name: math.nan for name in STORY_SHAPES}
    z = (values - values.mean()) / values.std()
    scores = {name: float(np.mean(z * template)) for name, template in shape_templates(len(values)).items()}
    best = max(scores, key=lambda name: scores[name])
    return best, scores[best], scores


# -- result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """A peak or trough of the valence curve and the segment that best represents it.

    Attributes
    ----------
    time : float
        Narrative time of the extremum of the smoothed curve, in (0, 1).
    value : float
        Smoothed valence there, in [-1, 1].
    prominence : float
        How far the extremum stands out from the curve around it (>= 0).
    position : int
        Index of the segment with the most extreme valence within ±0.025 of ``time``.
    start, end : int
        That segment's character offsets into the source text.
    text : str
        That segment's text.
    valence : float
        That segment's own (unsmoothed) valence, in [-1, 1].
    """

    time: float
    value: float
    prominence: float
    position: int
    start: int
    end: int
    text: str
    valence: float


@dataclass(frozen=True)
class TurningPoint:
    """Where the smoothed valence changes direction: ``kind`` is ``"peak"`` or ``"trough"``."""

    time: float
    value: float
    kind: str
    prominence: float


def _round(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


@dataclass(frozen=True)
class Arc:
    """The emotion arc of a document (returned by :func:`document_arc`).

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per segment: ``position``, ``time`` (narrative time in (0, 1)),
        ``start``, ``end`` (character offsets into the source text), ``n_words``,
        ``text``, ``emotions.<label>`` (probabilities in [0, 1]), ``vad.valence``,
        ``vad.arousal`` (in [-1, 1]), ``sentiment.score`` (in [-1, 1]), ``flags``.
    curves : pandas.DataFrame
        The same value columns smoothed, indexed by ``time`` (``n_points`` rows).
    peaks, troughs : tuple of Moment
        Most prominent maxima/minima of smoothed valence, most prominent first.
    turning_points : tuple of TurningPoint
        Interior direction changes of smoothed valence (prominence >= 10% of its range), in time order.
    sections : pandas.DataFrame
        One row per equal slice of narrative time: ``section``, ``start_time``,
        ``end_time``, ``n_segments``, ``dominant`` (highest mean probability,
        neutral excluded), ``dominant_prob``, ``valence``, ``arousal`` (means).
    shape : str or None
        Nearest story shape (see :data:`STORY_SHAPES`); None for a flat arc.
    shape_score : float
        Correlation of smoothed valence with that shape's template, in [-1, 1].
    shape_scores : dict of str to float
        Correlation with every shape.
    unit, smooth, taxonomy : str
        The settings used (``smooth`` may be None).
    labels : tuple of str
        Emotion labels of ``taxonomy``.
    n_words : int
        Words in the analysed text.
    flags : tuple of str
        Document-level conditions, see :data:`ARC_FLAGS`.
    model : str
        ``engine@version``.
    source : str or None
        The file analysed, if any.
    """

    segments: pd.DataFrame
    curves: pd.DataFrame
    peaks: tuple[Moment, ...]
    troughs: tuple[Moment, ...]
    turning_points: tuple[TurningPoint, ...]
    sections: pd.DataFrame
    shape: str | None
    shape_score: float
    shape_scores: dict[str, float]
    unit: str
    smooth: str | None
    taxonomy: str
    labels: tuple[str, ...]
    n_words: int
    flags: tuple[str, ...] = ()
    model: str = ""
    source: str | None = None

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return len(self.segments)

    def to_frame(self) -> pd.DataFrame:
        """The per-segment table (a copy of :attr:`segments`)."""
        return self.segments.copy()

    def summary(self) -> dict[str, Any]:
        """Settings, shape, peaks, troughs, turning points and sections as JSON-ready data."""

        def moment(m: Moment) -> dict[str, Any]:
            return {
                "time": _round(m.time),
                "value": _round(m.value),
                "prominence": _round(m.prominence),
                "position": m.position,
                "start": m.start,
                "end": m.end,
                "valence": _round(m.valence),
                "text": m.text,
            }

        sections = [
            {k: (_round(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in self.sections.to_dict("records")
        ]
        return {
            "source": self.source,
            "unit": self.unit,
            "smooth": self.smooth,
            "taxonomy": self.taxonomy,
            "model": self.model,
            "n_segments": self.n_segments,
            "n_words": self.n_words,
            "flags": list(self.flags),
            "shape": {
                "name": self.shape,
                "direction": STORY_SHAPES.get(self.shape or ""),
                "score": _round(self.shape_score),
                "scores": {k: _round(v) for k, v in self.shape_scores.items()},
            },
            "peaks": [moment(m) for m in self.peaks],
            "troughs": [moment(m) for m in self.troughs],
            "turning_points": [
                {"time": _round(p.time), "value": _round(p.value), "kind": p.kind, "prominence": _round(p.prominence)}
                for p in self.turning_points
            ],
            "sections": sections,
        }

    def to_dict(self, *, segments: bool = True) -> dict[str, Any]:
        """Everything as JSON-ready data: :meth:`summary`, ``curves`` (column -> list) and, if asked, ``segments``."""
        data = self.summary()
        data["curves"] = {"time": [_round(t) for t in self.curves.index]} | {
            column: [_round(v) for v in self.curves[column]] for column in self.curves.columns
        }
        if segments:
            data["segments"] = [
                {k: (_round(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.segments.to_dict("records")
            ]
        return data

    def __repr__(self) -> str:
        shape = f"{self.shape} (r={self.shape_score:.2f})" if self.shape else "None"
        return (
            f"Arc(n_segments={self.n_segments}, unit={self.unit!r}, smooth={self.smooth!r}, "
            f"taxonomy={self.taxonomy!r}, shape={shape}, flags={list(self.flags)})"
        )


# -- input -------------------------------------------------------------------------------------


def _check_bytes(head: bytes, what: str) -> bool:
    """Raise for binary or non-UTF-8 data; True when some bytes will be replaced."""
    if b"\x00" in head:
        raise InputError(
            f"{what} looks like a binary file (it contains NUL bytes); pass UTF-8 text "
            "(for UTF-16 text, convert it first, e.g. iconv -f UTF-16 -t UTF-8)."
        )
    decoded = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
    bad = decoded.count("\ufffd") - head.count("\ufffd".encode())
    if bad > _MAX_UNDECODABLE * max(len(decoded), 1):
        raise InputError(
            f"{what} is not UTF-8 text: {bad} of its first {len(decoded)} characters cannot be decoded "
            "(binary data, or another encoding: convert it, e.g. iconv -f latin1 -t UTF-8)."
        )
    return bad > 0


def read_blocks(path: str | os.PathLike[str], block_chars: int = BLOCK_CHARS) -> Iterator[str]:
    """Check a text file and return an iterator over its text in blocks of ``block_chars`` characters.

    The file is decoded as UTF-8 (a BOM is dropped, line endings are kept, bad
    bytes become U+FFFD), so segment offsets index that decoded text.

    Raises
    ------
    InputError
        If the file is missing, empty, binary (NUL bytes) or mostly not UTF-8.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    with file.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head:
        raise InputError(f"Input file {str(path)!r} is empty; pass a file with text in it.")
    _check_bytes(head, f"Input file {str(path)!r}")

    def blocks() -> Iterator[str]:
        with file.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            while block := handle.read(block_chars):
                yield block

    return blocks()


def _source_blocks(text_or_path: object, block_chars: int) -> tuple[Iterable[str], str | None, int]:
    """(blocks, file name or None, total size for progress)."""
    if isinstance(text_or_path, os.PathLike):
        return read_blocks(text_or_path, block_chars), str(text_or_path), Path(text_or_path).stat().st_size
    if isinstance(text_or_path, bytes | bytearray):
        data = bytes(text_or_path)
        if not data:
            raise InputError("The text given to document_arc is empty.")
        _check_bytes(data[:_HEAD_BYTES], "The data given to document_arc")
        text = data.decode("utf-8-sig", errors="replace")
        return [text], None, len(text)
    if isinstance(text_or_path, str):
        single_line = "\n" not in text_or_path and len(text_or_path) < 4096
        if single_line and os.path.isfile(text_or_path):
            return read_blocks(text_or_path, block_chars), text_or_path, os.path.getsize(text_or_path)
        looks_like_path = single_line and " " not in text_or_path.strip()
        if looks_like_path and text_or_path.lower().endswith(_PATH_SUFFIXES):
            raise InputError(
                f"File {text_or_path!r} does not exist (to analyse the string itself, pass it as a text with a space "
                "or line break in it)."
            )
        if not text_or_path.strip():
            raise InputError("The text given to document_arc is empty.")
        if "\x00" in text_or_path[:_HEAD_BYTES]:
            raise InputError("The text given to document_arc contains NUL characters; is it binary data?")
        return [text_or_path], None, len(text_or_path)
    raise InputError(
        f"document_arc takes a text (str or bytes) or a file path. Got {type(text_or_path).__name__} instead."
    )


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


# -- the analysis ------------------------------------------------------------------------------


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
        ``"dct:K"``, ``"rolling:K"``, ``"loess[:F]"`` or None (see the module docstring).
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
    blocks, source, total = _source_blocks(text_or_path, block_chars)
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
        _moment(grid, valence_curve, i, p, times, valence, segments, +1)
        for i, p in _extrema(valence_curve, +1, n_peaks)
    )
    troughs = tuple(
        _moment(grid, valence_curve, i, p, times, valence, segments, -1)
        for i, p in _extrema(valence_curve, -1, n_peaks)
    )
    return Arc(
        segments=segments,
        curves=curves,
        peaks=peaks,
        troughs=troughs,
        turning_points=_turning_points(grid, valence_curve),
        sections=_sections(values, times, labels, n_sections),
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


def local_maxima(y: NDArray[np.float64]) -> list[tuple[int, float]]:
    """Interior local maxima of ``y`` and their topographic prominence, in order.

    A flat top counts once, at its middle. The prominence is the peak's height
    above the higher of the two lowest points between it and the nearest
    higher point on each side (or the end of the curve); the same as
    ``scipy.signal.find_peaks(y, prominence=0)``, without importing scipy.signal.
    """
    values = np.asarray(y, dtype=np.float64)
    n = len(values)
    found = []
    i = 1
    while i < n - 1:
        if values[i] <= values[i - 1]:
            i += 1
            continue
        j = i
        while j + 1 < n and values[j + 1] == values[i]:
            j += 1
        if j + 1 < n and values[j + 1] < values[i]:
            peak = (i + j) // 2
            bases = []
            for step, stop in ((-1, -1), (1, n)):
                lowest, k = values[peak], peak + step
                while k != stop and values[k] <= values[peak]:
                    lowest = min(lowest, values[k])
                    k += step
                bases.append(lowest)
            found.append((peak, float(values[peak] - max(bases))))
        i = j + 1
    return found


def _extrema(curve: NDArray[np.float64], sign: int, count: int) -> list[tuple[int, float]]:
    """Grid indices and prominences of the ``count`` most prominent maxima (sign=+1) or minima (-1), ends included."""
    if count == 0 or not np.all(np.isfinite(curve)) or np.ptp(curve) < 1e-12:
        return []
    y = sign * curve
    padded = np.concatenate([[y.min() - 1.0], y, [y.min() - 1.0]])
    found = sorted(local_maxima(padded), key=lambda item: -item[1])[:count]
    return [(index - 1, min(prominence, float(np.ptp(curve)))) for index, prominence in found]


def _moment(
    grid: NDArray[np.float64],
    curve: NDArray[np.float64],
    index: int,
    prominence: float,
    times: NDArray[np.float64],
    valence: NDArray[np.float64],
    segments: pd.DataFrame,
    sign: int,
) -> Moment:
    time = float(grid[index])
    near = np.flatnonzero(np.abs(times - time) <= max(0.5 / len(grid), 0.025))
    if len(near) == 0:
        near = np.array([int(np.argmin(np.abs(times - time)))])
    position = int(near[np.argmax(sign * np.nan_to_num(valence[near], nan=-np.inf * sign))])
    row = segments.iloc[position]
    return Moment(
        time=time,
        value=float(curve[index]),
        prominence=prominence,
        position=position,
        start=int(row["start"]),
        end=int(row["end"]),
        text=str(row["text"]),
        valence=float(valence[position]),
    )


def _turning_points(grid: NDArray[np.float64], curve: NDArray[np.float64]) -> tuple[TurningPoint, ...]:
    if not np.all(np.isfinite(curve)) or np.ptp(curve) < 1e-12:
        return ()
    threshold = 0.1 * float(np.ptp(curve))
    points = [
        TurningPoint(float(grid[i]), float(curve[i]), kind, prominence)
        for sign, kind in ((+1, "peak"), (-1, "trough"))
        for i, prominence in local_maxima(sign * curve)
        if prominence >= threshold
    ]
    return tuple(sorted(points, key=lambda p: p.time))


def _sections(
    values: NDArray[np.float64], times: NDArray[np.float64], labels: tuple[str, ...], n_sections: int
) -> pd.DataFrame:
    import pandas as pd

    section = np.minimum((times * n_sections).astype(int), n_sections - 1)
    candidates = [j for j, label in enumerate(labels) if label != "neutral"] or list(range(len(labels)))
    rows = []
    for k in range(n_sections):
        members = values[section == k]
        row: dict[str, Any] = {
            "section": k,
            "start_time": k / n_sections,
            "end_time": (k + 1) / n_sections,
            "n_segments": len(members),
            "dominant": None,
            "dominant_prob": math.nan,
            "valence": math.nan,
            "arousal": math.nan,
        }
        if len(members):
            means = members.mean(axis=0)
            best = candidates[int(np.argmax(means[candidates]))]
            row.update(
                dominant=labels[best],
                dominant_prob=float(means[best]),
                valence=float(means[len(labels)]),
                arousal=float(means[len(labels) + 1]),
            )
        rows.append(row)
    return pd.DataFrame(rows)
