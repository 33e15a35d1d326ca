"""Reading a smoothed valence curve: story shape, peaks and troughs, turning points, and the sections' emotions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.document.records import STORY_SHAPES, Moment, TurningPoint
from affectlab.analyses.document.smoothing import dct_transform

if TYPE_CHECKING:
    import pandas as pd

#: A turn of a curve's broad form counts towards its story shape when its prominence is this share of the range.
SHAPE_TURN_FRACTION = 0.1


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
    """The story shape of a valence curve: the best-correlated template among the shapes that move as it does.

    The curve's moves (see :func:`shape_direction`) pick the shape whose
    direction in :data:`STORY_SHAPES` they spell, so a dip followed by a longer
    rise is ``man_in_a_hole``, not ``rags_to_riches``; the score is the Pearson
    correlation with that shape's template.

    Parameters
    ----------
    curve : ndarray of shape (m,)
        Smoothed valence on an evenly spaced narrative-time grid (m >= 3).

    Returns
    -------
    (shape, score, scores) : tuple
        The shape name (None for a flat or non-finite curve), its correlation in
        [-1, 1], and the correlation with every shape's template.

    Examples
    --------
    >>> t = np.linspace(0, 1, 50)
    >>> classify_shape(np.sin(np.pi * t))[0]
    'icarus'
    >>> classify_shape(np.interp(t, [0, 0.3, 1], [0, -1, 1]))[0]
    'man_in_a_hole'
    """
    values = np.asarray(curve, dtype=np.float64)
    if len(values) < 3 or not np.all(np.isfinite(values)) or values.std() < 1e-12:
        return None, math.nan, {name: math.nan for name in STORY_SHAPES}
    z = (values - values.mean()) / values.std()
    scores = {name: float(np.mean(z * template)) for name, template in shape_templates(len(values)).items()}
    direction = shape_direction(z)
    best = max((name for name in STORY_SHAPES if STORY_SHAPES[name] == direction), key=lambda name: scores[name])
    return best, scores[best], scores


def shape_direction(curve: NDArray[np.float64]) -> str:
    """How a curve moves, in the words of :data:`STORY_SHAPES`: ``"rise"``, ``"fall-rise"``, ``"rise-fall-rise"``, ...

    The moves are read from the curve's broad form, its first four DCT
    coefficients (the mean and the three cosine modes of the templates, which
    can turn at most twice); a turn counts when its prominence is at least
    :data:`SHAPE_TURN_FRACTION` of that form's range.

    Examples
    --------
    >>> shape_direction(np.cos(2 * np.pi * np.linspace(0, 1, 40)))
    'fall-rise'
    """
    values = np.asarray(curve, dtype=np.float64)
    form = dct_transform(values, min(4, len(values)), len(values))
    threshold = SHAPE_TURN_FRACTION * float(np.ptp(form))
    turns = sorted(
        (index, kind)
        for sign, kind in ((+1, "fall"), (-1, "rise"))  # after a peak the curve falls, after a trough it rises
        for index, prominence in local_maxima(sign * form)
        if prominence >= threshold
    )
    first = ("fall" if turns[0][1] == "rise" else "rise") if turns else ("rise" if form[-1] > form[0] else "fall")
    return "-".join([first, *(kind for _, kind in turns)])


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


def extrema(curve: NDArray[np.float64], sign: int, count: int) -> list[tuple[int, float]]:
    """Grid indices and prominences of the ``count`` most prominent maxima (sign=+1) or minima (-1), ends included.

    Only maxima above the curve's mean (minima below it) count, so every peak
    is higher than every trough: an end where the curve merely starts falling
    or stops rising, above the mean, is no trough.
    """
    if count == 0 or not np.all(np.isfinite(curve)) or np.ptp(curve) < 1e-12:
        return []
    y = sign * curve
    padded = np.concatenate([[y.min() - 1.0], y, [y.min() - 1.0]])
    level = float(y.mean())
    found = [(index - 1, prominence) for index, prominence in local_maxima(padded) if y[index - 1] > level]
    found = sorted(found, key=lambda item: -item[1])[:count]
    return [(index, min(prominence, float(np.ptp(curve)))) for index, prominence in found]


def find_moments(
    grid: NDArray[np.float64], curve: NDArray[np.float64], segments: pd.DataFrame, count: int
) -> tuple[tuple[Moment, ...], tuple[Moment, ...]]:
    """The ``count`` most prominent peaks and troughs of the smoothed valence ``curve`` on ``grid``.

    Each :class:`Moment` carries the segment with the most extreme own valence
    (``segments["vad.valence"]``) within ±0.025 of narrative time (or half a grid cell, if larger).
    """
    times = segments["time"].to_numpy()
    valence = segments["vad.valence"].to_numpy()
    moments = []
    for sign in (+1, -1):
        found = []
        for index, prominence in extrema(curve, sign, count):
            time = float(grid[index])
            near = np.flatnonzero(np.abs(times - time) <= max(0.5 / len(grid), 0.025))
            if len(near) == 0:
                near = np.array([int(np.argmin(np.abs(times - time)))])
            position = int(near[np.argmax(sign * np.nan_to_num(valence[near], nan=-np.inf * sign))])
            row = segments.iloc[position]
            found.append(
                Moment(
                    time=time,
                    value=float(curve[index]),
                    prominence=prominence,
                    position=position,
                    start=int(row["start"]),
                    end=int(row["end"]),
                    text=str(row["text"]),
                    valence=float(valence[position]),
                )
            )
        moments.append(tuple(found))
    return moments[0], moments[1]


def find_turning_points(grid: NDArray[np.float64], curve: NDArray[np.float64]) -> tuple[TurningPoint, ...]:
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


def build_sections(
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
