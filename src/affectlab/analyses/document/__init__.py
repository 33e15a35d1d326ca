"""Emotion arcs of long documents: how feelings move through a novel, a diary or a transcript.

:func:`document_arc` cuts a text into segments (sentences, paragraphs or word
windows; :mod:`affectlab.core.segment`), streams them through an engine in
batches, and returns an :class:`Arc`: the per-segment scores, smoothed curves
on a 0-1 narrative-time axis, the peaks and troughs of valence with their text,
turning points, the dominant emotion of each section, and which of six basic
story shapes (Reagan et al. 2016, "The emotional arcs of stories are dominated
by six basic shapes", EPJ Data Science 5:31) the valence curve moves like.

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
``smoothing_clamped``): the curve is then smoother than asked, and for a
handful of segments the shape and peaks say little.

Story shape
-----------
The moves of the smoothed valence curve (rise, fall-rise, ...; :func:`shape_direction`)
pick the shape; ``shape_score`` is the correlation with its template.

Peaks and troughs
-----------------
Maxima above the mean of the smoothed valence curve and minima below it (the
ends count), most prominent first; ``Moment.value`` is the smoothed valence.

Modules
-------
- :mod:`~affectlab.analyses.document.arc`: :func:`document_arc`, the analysis.
- :mod:`~affectlab.analyses.document.source`: checking and reading the text (:func:`read_blocks`).
- :mod:`~affectlab.analyses.document.smoothing`: the smoothers (:func:`smooth_curves`, :func:`parse_smooth`,
  :func:`dct_transform`, :func:`rolling_mean`, :func:`loess_smooth`).
- :mod:`~affectlab.analyses.document.shape`: story shapes (:func:`classify_shape`, :func:`shape_direction`,
  :func:`shape_templates`), peaks and troughs (:func:`local_maxima`), turning points and sections.
- :mod:`~affectlab.analyses.document.records`: :class:`Arc`, :class:`Moment`, :class:`TurningPoint`,
  :data:`STORY_SHAPES` and :data:`ARC_FLAGS`.
"""

from affectlab.analyses.document.arc import document_arc
from affectlab.analyses.document.records import ARC_FLAGS, STORY_SHAPES, Arc, Moment, TurningPoint
from affectlab.analyses.document.shape import classify_shape, local_maxima, shape_direction, shape_templates
from affectlab.analyses.document.smoothing import dct_transform, loess_smooth, parse_smooth, rolling_mean, smooth_curves
from affectlab.analyses.document.source import read_blocks

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
    "shape_direction",
    "shape_templates",
    "smooth_curves",
]
