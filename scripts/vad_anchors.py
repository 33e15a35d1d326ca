"""Compute per-category valence/arousal/dominance anchors from human ratings.

    python scripts/vad_anchors.py > src/affectlab/core/taxonomies/anchors/vad.json

For every label of a taxonomy, the anchor is the mean of EmoBank's human VAD ratings (train split,
mapped to [-1, 1]) over EmoBank's sentences, each weighted by the default model's probability of that
label for the sentence (GoEmotions head, projected to the other taxonomies). Engines without a VAD head
(e.g. a Hugging Face emotion classifier) estimate VAD as the probability-weighted mean of these anchors.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import numpy as np

import affectlab
from affectlab import datasets
from affectlab.core import taxonomy as tx

TAXONOMIES = (
    "goemotions",
    "ekman",
    "plutchik",
    "semeval",
    "parrott-1",
    "parrott-2",
    "sentiment",
    "goemotions-sentiment",
)


def main() -> None:
    engine = affectlab.load_engine("embedded")
    train = datasets.emobank("train")
    probs = engine.predict_probs(train.texts, "goemotions")
    anchors: dict[str, dict[str, list[float]]] = {}
    for name in TAXONOMIES:
        weights = tx.project(probs, "goemotions", name)
        totals = weights.sum(axis=0)
        means = (weights.T @ train.targets) / np.clip(totals[:, None], 1e-9, None)
        anchors[name] = {
            label: [round(float(v), 4) for v in means[j]]
            for j, label in enumerate(tx.load_taxonomy(name).labels)
            if totals[j] >= 5.0  # at least five sentences' worth of probability mass
        }
    out = {
        "version": "1",
        "dimensions": ["valence", "arousal", "dominance"],
        "scale": "[-1, 1], 0 neutral (EmoBank 1-5 mapped linearly, 3 -> 0)",
        "source": "EmoBank train split human ratings (Buechel & Hahn, EACL 2017; CC BY-SA 4.0), averaged per label "
        f"with weights = P(label | sentence) from {engine.name} {engine.version}; computed by "
        f"scripts/vad_anchors.py on {datetime.now(UTC):%Y-%m-%d}",
        "anchors": anchors,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
