"""Build the lexicon baseline's word list from GoEmotions train (nothing else is read).

    python scripts/build_lexicon.py > src/affectlab/engines/lexicon_goemotions.json

For every GoEmotions label, each word's association is its weighted log-odds z-score for texts with
the label against texts without it, with an informative Dirichlet prior (Monroe, Colaresi & Quinn,
2008, "Fightin' Words"); the 150 most associated words with z > 2 are kept (prior: 1,000 pseudo-counts spread by corpus
frequency). A text's raw score for a
label is the sum of its words' z-scores divided by sqrt(number of words) (words in a negation scope
are skipped); a per-label logistic calibration (slope, intercept) fitted on the train split turns it
into a probability. Decision thresholds are F1-optimal on the dev split.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from affectlab import datasets
from affectlab.engines.lexicon import lexicon_scores, tokens

TOP = 150
MIN_Z = 2.0
PRIOR_SIZE = 1000.0  # total pseudo-count of the informative prior, spread by corpus frequency


def main() -> None:
    train, dev = datasets.goemotions("train"), datasets.goemotions("dev")
    docs = [tokens(t) for t in train.texts]
    total = Counter(w for d in docs for w in set(d))
    vocab = [w for w, c in total.items() if c >= 5]
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, doc in enumerate(docs):
        for w in doc:
            if w in index:
                counts[row, index[w]] += 1
    prior = PRIOR_SIZE * counts.sum(axis=0) / counts.sum() + 0.01
    a0 = prior.sum()
    words: dict[str, dict[str, float]] = {}
    for j, label in enumerate(train.columns):
        pos = counts[train.targets[:, j] == 1].sum(axis=0)
        neg = counts[train.targets[:, j] == 0].sum(axis=0)
        n_pos, n_neg = pos.sum(), neg.sum()
        delta = np.log((pos + prior) / (n_pos + a0 - pos - prior)) - np.log((neg + prior) / (n_neg + a0 - neg - prior))
        z = delta / np.sqrt(1.0 / (pos + prior) + 1.0 / (neg + prior))
        best = [k for k in np.argsort(-z)[:TOP] if z[k] > MIN_Z]
        words[label] = {vocab[k]: round(float(z[k]), 3) for k in best}
    labels = list(train.columns)
    raw_train = lexicon_scores(train.texts, words, labels)
    calibration = {}
    for j, label in enumerate(labels):
        lr = LogisticRegression(C=10.0).fit(raw_train[:, j : j + 1], train.targets[:, j])
        calibration[label] = [round(float(lr.coef_[0, 0]), 5), round(float(lr.intercept_[0]), 5)]
    raw_dev = lexicon_scores(dev.texts, words, labels)
    slope = np.array([calibration[k][0] for k in labels])
    shift = np.array([calibration[k][1] for k in labels])
    prob_dev = 1.0 / (1.0 + np.exp(-(raw_dev * slope + shift)))
    grid = np.round(np.arange(0.02, 0.96, 0.02), 2)
    thresholds = [
        float(grid[int(np.argmax([f1_score(dev.targets[:, j], prob_dev[:, j] >= t, zero_division=0) for t in grid]))])
        for j in range(len(labels))
    ]
    out = {
        "name": "affectlab-lexicon",
        "version": "1.0.0",
        "native_taxonomy": "goemotions",
        "source": "GoEmotions train split (Demszky et al., 2020; Apache-2.0); weighted log-odds with an informative "
        f"Dirichlet prior (Monroe et al., 2008); built by scripts/build_lexicon.py on {datetime.now(UTC):%Y-%m-%d}",
        "calibration": calibration,
        "thresholds": thresholds,
        "words": words,
    }
    json.dump(out, sys.stdout, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
