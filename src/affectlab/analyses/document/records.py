"""The results of an emotion arc: :class:`Arc`, :class:`Moment`, :class:`TurningPoint`, the story shapes and flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from affectlab.core.serialize import jsonable

if TYPE_CHECKING:
    import pandas as pd

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
    "smoothing_clamped": (
        "the smoothing K/window exceeded the number of segments and was reduced to it (dct then keeps every "
        "segment's detail, rolling averages them all); for a real arc use a smaller K or a finer unit "
        "(sentence, window:N)"
    ),
    "valence_from_sentiment": "the engine has no valence head; valence is the sentiment score",
}


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


_DIGITS = 6  # decimals of the floats in Arc.summary() and Arc.to_dict()


def _moment(moment: Moment) -> dict[str, Any]:
    """A :class:`Moment` as a dict, the segment's own valence before its text."""
    fields = ("time", "value", "prominence", "position", "start", "end", "valence", "text")
    return {name: getattr(moment, name) for name in fields}


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
        Most prominent maxima above / minima below the mean of smoothed valence (the ends count), most prominent
        first, so every peak is higher than every trough.
    turning_points : tuple of TurningPoint
        Interior direction changes of smoothed valence (prominence >= 10% of its range), in time order.
    sections : pandas.DataFrame
        One row per equal slice of narrative time: ``section``, ``start_time``,
        ``end_time``, ``n_segments``, ``dominant`` (highest mean probability,
        neutral excluded), ``dominant_prob``, ``valence``, ``arousal`` (means).
    shape : str or None
        The story shape whose direction (see :data:`STORY_SHAPES`) the smoothed valence follows
        (:func:`~affectlab.analyses.document.shape_direction`); None for a flat arc.
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
        """Settings, shape, peaks, troughs, turning points and sections as JSON-ready data (floats to 6 decimals)."""
        data = {
            "source": self.source,
            "unit": self.unit,
            "smooth": self.smooth,
            "taxonomy": self.taxonomy,
            "model": self.model,
            "n_segments": self.n_segments,
            "n_words": self.n_words,
            "flags": self.flags,
            "shape": {
                "name": self.shape,
                "direction": STORY_SHAPES.get(self.shape or ""),
                "score": self.shape_score,
                "scores": self.shape_scores,
            },
            "peaks": [_moment(m) for m in self.peaks],
            "troughs": [_moment(m) for m in self.troughs],
            "turning_points": self.turning_points,
            "sections": self.sections.to_dict("records"),
        }
        return jsonable(data, digits=_DIGITS)

    def to_dict(self, *, segments: bool = True) -> dict[str, Any]:
        """Everything as JSON-ready data: :meth:`summary`, ``curves`` (column -> list) and, if asked, ``segments``."""
        data = self.summary()
        curves = {"time": self.curves.index.to_numpy()} | {column: self.curves[column] for column in self.curves}
        data["curves"] = jsonable({k: list(v) for k, v in curves.items()}, digits=_DIGITS)
        if segments:
            data["segments"] = jsonable(self.segments.to_dict("records"), digits=_DIGITS)
        return data

    def __repr__(self) -> str:
        shape = f"{self.shape} (r={self.shape_score:.2f})" if self.shape else "None"
        return (
            f"Arc(n_segments={self.n_segments}, unit={self.unit!r}, smooth={self.smooth!r}, "
            f"taxonomy={self.taxonomy!r}, shape={shape}, flags={list(self.flags)})"
        )
