"""Intensity conditioned on presence for the English model (issue 14): measured on dev, not shipped.

The shipped intensity head (affectlab-minilm 1.3.1) is a linear regression on the encoder's features
over every BRIGHTER track B train row, zeros (0 = not present) included, clipped to [0, 1]. For a
plainly angry sentence it reports fear 0.35 and surprise 0.23 while the record's fear probability
(GoEmotions, projected) is 0.004. This asks whether intensity = P(present) x E[intensity | present]
fixes that without costing BRIGHTER's figure. E[intensity | present] is a ridge fitted on the train
rows where the emotion is present (alpha chosen on dev); P(present) comes from one of two heads:

- ``semeval``: the calibrated BRIGHTER track A head (the annotators who rated the intensities);
- ``record``: the record's own probability, GoEmotions projected to the semeval labels.

Rows: BRIGHTER eng dev plus the 300 train rows ``train_default.py --seed 13`` held out (the rows
``export_default.py`` chooses regression heads on); the test split is never read. Reported per
emotion: Pearson r with the gold intensity and the mean predicted intensity where the emotion is
absent (0 is right).

    python training/probe_presence_intensity.py

Measured 2026-12-03 on 1.3.1 (r / mean where absent):

| emotion | shipped | semeval gate | record gate |
|---|---|---|---|
| anger | .690 / .034 | .682 / .022 | .627 / .014 |
| fear | .678 / .149 | .677 / .117 | .489 / .006 |
| joy | .748 / .045 | .753 / .034 | .695 / .027 |
| sadness | .745 / .075 | .734 / .051 | .652 / .014 |
| surprise | .673 / .078 | .670 / .050 | .431 / .010 |

Neither is shipped. The semeval gate keeps r (mean .707 -> .703, record gate .579) but hardly lowers the absent
intensities the issue is about: BRIGHTER's English annotators mark fear in most texts, anger ones
included, and their head gives "I am so furious at them, this is outrageous" P(fear) 0.67, so the
behaviour suite's absent_intensity class moves from 8 to 9 of 24 only. The record gate brings absent
intensities to about 0.01 but costs up to 0.24 r (fear, surprise): BRIGHTER's fear is not GoEmotions'
fear. Closing the gap needs a presence model that agrees with the record and an intensity target
that is not BRIGHTER's co-labelling, i.e. a decision on whose perception the record reports (issue 14).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import Ridge

from affectlab import datasets
from affectlab.core import taxonomy as tx
from affectlab.core.text import spell_out
from affectlab.engines.embedded import EmbeddedEngine

HOLDOUT, SEED = 300, 13  # train_default.py's BRIGHTER hold-out: rows drawn with its --seed
ALPHAS = (1.0, 10.0, 100.0, 1000.0)


def pearson(a: NDArray, b: NDArray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("src/affectlab/models/default"))
    args = parser.parse_args()
    engine = EmbeddedEngine(args.model)
    train, dev = datasets.brighter("b", "eng", "train"), datasets.brighter("b", "eng", "dev")
    keep = np.ones(len(train), bool)
    keep[np.random.default_rng(SEED).permutation(len(train))[:HOLDOUT]] = False
    fit_texts, fit_y = [t for t, k in zip(train.texts, keep) if k], train.targets[keep]
    dev_texts = dev.texts + [t for t, k in zip(train.texts, keep) if not k]
    dev_y = np.concatenate([dev.targets, train.targets[~keep]])
    labels = list(train.columns)
    columns = [tx.load_taxonomy("semeval").labels.index(label) for label in labels]

    scores = engine.score(dev_texts)
    gates = {
        "semeval": scores.heads["semeval"][:, columns],
        "record": tx.project(scores.probs, engine.native_taxonomy, "semeval")[:, columns],
    }
    fit_x = engine.features([spell_out(t) for t in fit_texts]).astype(np.float64)
    dev_x = engine.features([spell_out(t) for t in dev_texts]).astype(np.float64)
    report: dict[str, dict[str, float]] = {}
    for j, label in enumerate(labels):
        present, absent = fit_y[:, j] > 0, dev_y[:, j] == 0
        expected = {
            a: np.clip(Ridge(alpha=a).fit(fit_x[present], fit_y[present, j]).predict(dev_x), 0, 1) for a in ALPHAS
        }
        forms = {"shipped": scores.intensity[:, j]}
        for gate, presence in gates.items():
            alpha = max(ALPHAS, key=lambda a: pearson(presence[:, j] * expected[a], dev_y[:, j]))
            forms[f"{gate}_gate"] = presence[:, j] * expected[alpha]
        report[label] = {f"r_{k}": pearson(v, dev_y[:, j]) for k, v in forms.items()}
        report[label] |= {f"absent_mean_{k}": float(v[absent].mean()) for k, v in forms.items()}
    report["mean"] = {k: float(np.mean([report[label][k] for label in labels])) for k in report[labels[0]]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
