"""Valence, arousal and dominance from e5 vectors: kernel ridge regression with an RBF kernel.

The head is ``vad(x) = K(x, S) @ c + b`` with ``K(x, s) = exp(-gamma * |x/|x| - s|^2)``: ``S`` are the
training texts' L2-normalised e5 vectors (stored as int8 with one scale per dimension, about 3 MB for
EmoITA's 8,062 training texts), ``c`` the dual coefficients and ``b`` the training targets' mean.
``training/multilingual_fuse.py`` fits it with scikit-learn's ``KernelRidge`` on the same dequantised
vectors that run here, so the shipped head is exactly the fitted one. Outputs are on the record's scale,
valence, arousal and dominance in [-1, 1] (clipped by the record).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

__all__ = ["KernelVAD", "normalise", "quantise"]

#: Texts per kernel block in :meth:`KernelVAD.predict` (256 x 8,062 float64 is 16 MB).
CHUNK = 256
KEYS = ("vad.support", "vad.support_scale", "vad.dual_coef", "vad.bias", "vad.gamma")


def normalise(x: NDArray[np.floating]) -> NDArray[np.float64]:
    """Rows scaled to unit L2 norm (a zero row stays zero), float64."""
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def quantise(x: NDArray[np.floating]) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """int8 codes and one scale per column with ``codes * scale`` close to ``x`` (max |error| = scale / 2)."""
    scale = np.abs(x).max(axis=0) / 127.0
    scale = np.where(scale > 0, scale, 1.0)
    return np.round(x / scale).astype(np.int8), scale


class KernelVAD:
    """An RBF kernel ridge head from e5 vectors to (valence, arousal, dominance).

    Parameters
    ----------
    support : int8 array of shape (n_support, dimension)
        Quantised L2-normalised training vectors; ``support * support_scale`` are the vectors.
    support_scale : array of shape (dimension,)
    dual_coef : array of shape (n_support, 3)
    bias : array of shape (3,)
        Added to every prediction (the training targets' mean).
    gamma : float
        RBF width, > 0, on unit vectors (squared distances are in [0, 4]).
    """

    def __init__(
        self,
        support: NDArray[np.int8],
        support_scale: NDArray[np.floating],
        dual_coef: NDArray[np.floating],
        bias: NDArray[np.floating],
        gamma: float,
    ) -> None:
        self.codes, self.scale = np.asarray(support, dtype=np.int8), np.asarray(support_scale, dtype=np.float64)
        self.support = self.codes.astype(np.float64) * self.scale
        self.support_norms = np.einsum("ij,ij->i", self.support, self.support)
        self.dual_coef = np.asarray(dual_coef, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.gamma = float(gamma)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[np.generic]]) -> KernelVAD:
        """The head stored under :data:`KEYS` in an artifact's ``heads.npz``."""
        support, scale, coef, bias, gamma = (arrays[k] for k in KEYS)
        return cls(support, scale, coef, bias, float(gamma))

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The arrays :meth:`from_arrays` reads."""
        return dict(zip(KEYS, (self.codes, self.scale, self.dual_coef, self.bias, np.asarray(self.gamma))))

    def kernel(self, pooled: NDArray[np.floating]) -> NDArray[np.float64]:
        """``K(x, S)`` of shape (n_texts, n_support), each in (0, 1]."""
        x = normalise(pooled)
        distances = np.einsum("ij,ij->i", x, x)[:, None] + self.support_norms[None, :] - 2.0 * (x @ self.support.T)
        return np.exp(-self.gamma * np.maximum(distances, 0.0))

    def predict(self, pooled: NDArray[np.floating]) -> NDArray[np.float64]:
        """Valence, arousal and dominance per text, shape (n_texts, 3), about -1..1 (not clipped).

        The kernel is computed :data:`CHUNK` texts at a time, so memory stays bounded whatever the batch
        (a whole-batch kernel of 2,600 texts against 8,062 support vectors is 170 MB per temporary).
        """
        out = np.empty((len(pooled), self.dual_coef.shape[1]))
        for start in range(0, len(pooled), CHUNK):
            out[start : start + CHUNK] = self.kernel(pooled[start : start + CHUNK]) @ self.dual_coef + self.bias
        return out
