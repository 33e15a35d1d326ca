"""Lexicon baseline: word associations learnt from GoEmotions train, counted with negation scope.

A transparent, dependency-free comparison point in the spirit of NRCLex or LIWC. Each GoEmotions
label has a list of associated words with a weight (a log-odds z-score; see
``scripts/build_lexicon.py``). A text's score for a label is the sum of its words' weights divided by
the square root of its length, skipping words within a negation scope ("not", "never", "no", "n't" up
to the next punctuation mark); a per-label logistic calibration turns the score into a probability.
Use it as ``load_engine("lexicon")`` or ``--model lexicon``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.engines.base import Engine, NativeScores, sigmoid

__all__ = ["LexiconEngine", "lexicon_scores", "tokens"]

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")
_NEGATORS = {"not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without"}
_PUNCTUATION = set(".,;:!?")


def tokens(text: str) -> list[str]:
    """Lower-cased words, with words inside a negation scope prefixed by ``NOT_``."""
    out, negated = [], False
    for token in _TOKEN.findall(text.lower()):
        if token in _PUNCTUATION:
            negated = False
            continue
        if token in _NEGATORS or token.endswith("n't"):
            negated = True
            continue
        out.append(f"NOT_{token}" if negated else token)
    return out


def lexicon_scores(texts: list[str], words: dict[str, dict[str, float]], labels: list[str]) -> NDArray[np.float64]:
    """Raw association scores, shape (n_texts, n_labels): weight sum over sqrt(length)."""
    out = np.zeros((len(texts), len(labels)))
    for row, text in enumerate(texts):
        toks = tokens(text)
        if not toks:
            continue
        for j, label in enumerate(labels):
            table = words[label]
            out[row, j] = sum(table.get(t, 0.0) for t in toks) / np.sqrt(len(toks))
    return out


class LexiconEngine(Engine):
    """The lexicon baseline (no model file, no onnxruntime)."""

    def __init__(self) -> None:
        data: dict[str, Any] = json.loads(
            (resources.files("affectlab.engines") / "lexicon_goemotions.json").read_text(encoding="utf-8")
        )
        self.name, self.version = data["name"], data["version"]
        self.native_taxonomy = data["native_taxonomy"]
        self._words = data["words"]
        self._labels = list(data["calibration"])
        self._slope = np.array([data["calibration"][k][0] for k in self._labels])
        self._shift = np.array([data["calibration"][k][1] for k in self._labels])
        self._thresholds = np.array(data["thresholds"])

    def score(self, texts: list[str]) -> NativeScores:
        raw = lexicon_scores(texts, self._words, self._labels)
        return NativeScores(sigmoid(raw * self._slope + self._shift))

    def thresholds(self, taxonomy: str) -> NDArray[np.float64]:
        """Dev-fitted thresholds for GoEmotions labels, 0.5 elsewhere."""
        return self._thresholds if taxonomy == self.native_taxonomy else super().thresholds(taxonomy)
