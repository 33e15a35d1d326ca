"""What event data adds, measured on dev with a linear probe on the shipped encoder's features.

Before spending a training run on enISEAR and GoodNewsEveryone (emotion described by events,
without emotion words), this asks the cheap question: with the encoder frozen, does adding their
train splits to GoEmotions' Ekman labels help on their dev splits, and what does it cost on
GoEmotions? One-vs-rest logistic regressions over the Ekman labels, fitted on train splits only,
thresholds 0.5, macro-F1 over each dev set's own label columns; the shipped model's projected
Ekman labels are the reference row. No test split is read.

    python training/probe_events.py --model src/affectlab/models/default

Measured with affectlab-minilm 1.2.0 (2026-12-01, event weight 5, about 8 minutes on 2 cores):

| dev macro-F1 | goemotions-ekman | enisear-ekman | goodnewseveryone-ekman |
|---|---|---|---|
| shipped model (projected) | 0.636 | 0.480 | 0.215 |
| probe: GoEmotions | 0.598 | 0.360 | 0.162 |
| probe: + events | 0.566 | 0.625 | 0.335 |

The frozen features already separate event emotions once a head sees such data (enISEAR dev
+0.27 over the GoEmotions-only probe), at a cost on GoEmotions of 0.03: fine-tuning on the
event train splits, with GoEmotions kept in the mix, is the lever for model 2.0.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from affectlab import datasets
from affectlab.core.taxonomy import load_taxonomy
from affectlab.core.text import spell_out
from affectlab.engines.embedded import EmbeddedEngine

LABELS = list(load_taxonomy("ekman").labels)
EVENTS = ("enisear-ekman", "goodnewseveryone-ekman")


def gold(data: datasets.Dataset) -> np.ndarray:
    """Targets on the Ekman label order (columns a dataset lacks are 0)."""
    out = np.zeros((len(data), len(LABELS)))
    for j, column in enumerate(data.columns):
        out[:, LABELS.index(column)] = np.asarray(data.targets)[:, j]
    return out


def macro_f1(data: datasets.Dataset, predicted: np.ndarray) -> float:
    columns = [LABELS.index(c) for c in data.columns]
    return float(f1_score(gold(data)[:, columns], predicted[:, columns], average="macro", zero_division=0))


def fit(features: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> list[LogisticRegression]:
    return [
        LogisticRegression(C=1.0, max_iter=2000).fit(features, targets[:, j], sample_weight=weights)
        for j in range(len(LABELS))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("src/affectlab/models/default"))
    parser.add_argument("--event-weight", type=float, default=5.0, help="sample weight of an event text")
    args = parser.parse_args()
    engine = EmbeddedEngine(args.model, threads=2)
    feats = lambda d: engine.features([spell_out(t) for t in d.texts])  # noqa: E731
    train = {n: datasets.load_dataset(n, "train") for n in ("goemotions-ekman", *EVENTS)}
    dev = {n: datasets.load_dataset(n, "dev") for n in ("goemotions-ekman", *EVENTS)}
    train_x = {n: feats(d) for n, d in train.items()}
    dev_x = {n: feats(d) for n, d in dev.items()}
    rows = [("shipped model (projected)", {n: macro_f1(d, _shipped(engine, d)) for n, d in dev.items()})]
    for name, parts in (("probe: GoEmotions", ["goemotions-ekman"]), ("probe: + events", list(train))):
        x = np.vstack([train_x[p] for p in parts])
        y = np.vstack([gold(train[p]) for p in parts])
        w = np.concatenate(
            [np.full(len(train[p]), 1.0 if p == "goemotions-ekman" else args.event_weight) for p in parts]
        )
        heads = fit(x, y, w)
        scores = {n: macro_f1(d, _predict(heads, dev_x[n])) for n, d in dev.items()}
        rows.append((name, scores))
    print("| dev macro-F1 | " + " | ".join(dev) + " |")
    print("|---|" + "---|" * len(dev))
    for name, scores in rows:
        print(f"| {name} | " + " | ".join(f"{scores[n]:.3f}" for n in dev) + " |")


def _predict(heads: list[LogisticRegression], features: np.ndarray) -> np.ndarray:
    return np.column_stack([h.predict_proba(features)[:, 1] >= 0.5 for h in heads]).astype(float)


def _shipped(engine: EmbeddedEngine, data: datasets.Dataset) -> np.ndarray:
    records = engine.predict(data.texts, taxonomy="ekman")
    return np.array([[float(label in r.labels) for label in LABELS] for r in records])


if __name__ == "__main__":
    main()
