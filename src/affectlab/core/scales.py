"""Rating-scale conversions.

affectlab's canonical scales: ``valence``, ``arousal`` and ``dominance`` lie in
[-1, 1] with 0 neutral; probabilities and ``intensity`` lie in [0, 1]. Source
scales are converted here, by name, and nowhere else.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def from_emobank(values: ArrayLike) -> NDArray[np.float64]:
    """Convert EmoBank's 1-5 SAM ratings to [-1, 1] (3 maps to 0)."""
    return (np.asarray(values, dtype=np.float64) - 3.0) / 2.0


def to_emobank(values: ArrayLike) -> NDArray[np.float64]:
    """Convert [-1, 1] dimensions back to EmoBank's 1-5 scale."""
    return np.asarray(values, dtype=np.float64) * 2.0 + 3.0


def from_semeval_intensity(values: ArrayLike) -> NDArray[np.float64]:
    """Convert SemEval-2025 Task 11 track B intensities (0-3) to [0, 1]."""
    return np.asarray(values, dtype=np.float64) / 3.0


def to_semeval_intensity(values: ArrayLike) -> NDArray[np.float64]:
    """Convert [0, 1] intensities to SemEval-2025 track B's 0-3 scale."""
    return np.asarray(values, dtype=np.float64) * 3.0


def signed_to_unit(values: ArrayLike) -> NDArray[np.float64]:
    """Convert a [-1, 1] dimension (valence, sentiment score) to [0, 1] (0 maps to 0.5)."""
    return (np.asarray(values, dtype=np.float64) + 1.0) / 2.0
