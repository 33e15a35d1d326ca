"""Character n-gram TF-IDF at run time from a stored vocabulary and idf, with numpy and scipy only.

It reproduces scikit-learn's ``TfidfVectorizer(analyzer="char_wb", lowercase=True, sublinear_tf=True,
norm="l2")`` once fitted (``tests/engines/test_multilingual.py`` checks it against scikit-learn to 1e-12),
so the training extra needs scikit-learn and the run time does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

__all__ = ["CharTfidf"]

_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of a lower-cased text: within words, padded with one space."""
    low, high = ngram_range
    out: list[str] = []
    append = out.append
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            append(padded[:n])
            while offset + n < length:
                offset += 1
                append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


class CharTfidf:
    """A fitted ``char_wb`` TF-IDF transform.

    Parameters
    ----------
    vocabulary : sequence of str
        The n-grams, in column order.
    idf : array of shape (n_features,)
        Inverse document frequencies (scikit-learn's ``idf_``), > 0.
    ngram_range : tuple of 2 int
        Smallest and largest n-gram length in characters.
    """

    def __init__(self, vocabulary: Sequence[str], idf: NDArray[np.floating], ngram_range: tuple[int, int]) -> None:
        self.index = {gram: j for j, gram in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        if len(self.index) != len(self.idf):
            raise ValueError(f"The vocabulary has {len(self.index)} n-grams but idf has {len(self.idf)} values.")

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised sublinear TF-IDF rows, shape (n_texts, n_features), float64 (zero rows for no n-gram)."""
        indptr = [0]
        columns: list[int] = []
        lookup = self.index.get
        for text in texts:
            columns.extend(j for j in map(lookup, char_wb_ngrams(text, self.ngram_range)) if j is not None)
            indptr.append(len(columns))
        counts = sparse.csr_matrix(
            (np.ones(len(columns)), np.asarray(columns, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), len(self.idf)),
        )
        counts.sum_duplicates()
        counts.data = (np.log(counts.data) + 1.0) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)
