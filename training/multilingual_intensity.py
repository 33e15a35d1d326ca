"""Intensity heads per BRIGHTER language, from BRIGHTER track B (issue 19): run after ``multilingual_fuse.py``.

For each language with a head and track B data, one linear map per emotion from the fused artifact's
outputs to the gold intensity (track B's 0-3 divided by 3, 0 = not present) is fitted on track B train:
inputs the e5 vector (384) and the language head's six probabilities. Candidates: ``probability`` (each
emotion's own probability, rescaled by least squares: its Pearson is the probability's, the figure the
docs reported before this head existed) and ridge regressions on all 390 inputs, standardised, with
``ALPHAS``; one candidate per language, chosen by the mean Pearson over the emotions on track B dev
(Romanian, without a dev file: 15 % of the track B train rows whose text is not in track A's train, so
the e5 model never saw them, drawn by ``seeded_split``). No test split is read. The chosen map is stored
unstandardised in ``heads.npz`` as ``<lang>.intensity.weight`` (390, 6) and ``<lang>.intensity.bias`` (6,)
and described under ``config["languages"][lang]["intensity"]``; the engine clips it to [0, 1], and so does
the dev comparison. A language without track B data gets no intensity (records say ``intensity: null``);
English texts keep the English model's.

    python training/multilingual_intensity.py --artifact src/affectlab/models/multilingual --version 0.3.0  # 4 min
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core import taxonomy as tx
from affectlab.datasets import brighter_languages, load_dataset
from affectlab.datasets._split import seeded_split
from affectlab.engines.multilingual import MultilingualEngine
from affectlab.errors import DataNotFound
from multilingual import RON_SEED, write_card
from multilingual_fuse import pearson

ALPHAS = (10.0, 100.0, 1000.0, 10000.0)
LABELS = tx.load_taxonomy("semeval").labels  # the heads' six emotions


def splits(lang: str) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]] | None:
    """Track B train and dev of ``lang``: texts, gold (n, 6) with NaN where the language has no column, mask."""
    if lang not in brighter_languages("b"):
        return None
    train = load_dataset(f"brighter-b:{lang}", split="train")

    def gold(data: Any, rows: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        y = np.full((int(rows.sum()), len(LABELS)), np.nan)
        for j, column in enumerate(data.columns):
            y[:, LABELS.index(column)] = np.asarray(data.targets, dtype=np.float64)[rows, j]
        return [t for t, keep in zip(data.texts, rows) if keep], y, ~np.isnan(y[0])

    try:
        dev = load_dataset(f"brighter-b:{lang}", split="dev")
        return {"train": gold(train, np.ones(len(train), bool)), "dev": gold(dev, np.ones(len(dev), bool))}
    except DataNotFound:  # 15 % of the track B train rows whose text the e5 model never trained on
        seen = set(load_dataset(f"brighter-a:{lang}", split="train").texts)
        unseen = [i for i, text in enumerate(train.texts) if text not in seen]
        part = seeded_split([train.ids[i] for i in unseen], seed=RON_SEED, percent=(85, 15, 0))
        is_dev = np.zeros(len(train), bool)
        is_dev[[i for i, p in zip(unseen, part) if p == "dev"]] = True
        return {"train": gold(train, ~is_dev), "dev": gold(train, is_dev)}


def inputs(engine: MultilingualEngine, lang: str, texts: list[str]) -> np.ndarray:
    """The head's inputs: e5 vector (384) and the language head's six emotion probabilities."""
    pooled = engine.e5.pooled(texts)
    probs = engine._head_probs(lang, texts, pooled)
    return np.hstack([pooled.astype(np.float64), probs])


def fit_language(engine: MultilingualEngine, lang: str, data: dict) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The chosen map of one language (weight (390, 6), bias (6,)) and its dev report."""
    from sklearn.linear_model import Ridge

    (train_texts, y_train, mask), (dev_texts, y_dev, _) = data["train"], data["dev"]
    x_train, x_dev = inputs(engine, lang, train_texts), inputs(engine, lang, dev_texts)
    columns = [j for j in range(len(LABELS)) if mask[j]]
    probability = x_train.shape[1] - (len(LABELS))  # column of the first probability
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    maps: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    weight, bias = np.zeros((x_train.shape[1], len(LABELS))), np.zeros(len(LABELS))
    for j in columns:  # probability, rescaled: intensity = a * p + b (the mean where the head lacks the label)
        p = x_train[:, probability + j]
        a = np.cov(p, y_train[:, j])[0, 1] / p.var(ddof=1) if p.std() > 0 else 0.0
        weight[probability + j, j], bias[j] = a, y_train[:, j].mean() - a * p.mean()
    maps["probability"] = (weight, bias)
    for alpha in ALPHAS:
        model = Ridge(alpha=alpha).fit((x_train - mean) / std, y_train[:, columns])
        weight, bias = np.zeros_like(weight), np.zeros_like(bias)
        weight[:, columns] = model.coef_.T / std[:, None]
        bias[columns] = model.intercept_ - (mean / std) @ model.coef_.T
        maps[f"ridge alpha={alpha:g}"] = (weight, bias)
    report = {
        name: {LABELS[j]: pearson(np.clip(x_dev @ w[:, j] + b[j], 0.0, 1.0), y_dev[:, j]) for j in columns}
        for name, (w, b) in maps.items()
    }
    best = max(report, key=lambda name: (round(float(np.mean(list(report[name].values()))), 6), name == "probability"))
    weight, bias = maps[best]
    arrays = {f"{lang}.intensity.weight": weight.astype(np.float32), f"{lang}.intensity.bias": bias.astype(np.float32)}
    spec = {
        "labels": [LABELS[j] for j in columns],
        "inputs": "e5 vector (384) and the head's probabilities of anger, disgust, fear, joy, sadness, surprise",
        "chosen": best,
        "n_train": len(train_texts),
        "n_dev": len(dev_texts),
        "dev_pearson": report[best],
        "dev_mean_pearson": float(np.mean(list(report[best].values()))),
        "candidates": {name: float(np.mean(list(r.values()))) for name, r in report.items()},
    }
    return arrays, spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifact", type=Path, default=Path("src/affectlab/models/multilingual"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--version", required=True, help="The artifact's new version (its records change).")
    args = parser.parse_args()
    engine = MultilingualEngine(args.artifact, english=None, threads=args.threads)
    config = json.loads((args.artifact / "config.json").read_text(encoding="utf-8"))
    with np.load(args.artifact / "heads.npz", allow_pickle=False) as heads:
        arrays = {k: heads[k] for k in heads.files if ".intensity." not in k}
    for lang in config["languages"]:
        spec = config["languages"][lang]
        spec.pop("intensity", None)
        data = splits(lang) if lang != "eng" else None  # English texts keep the English model's intensity
        if data is None:
            continue
        head, spec["intensity"] = fit_language(engine, lang, data)
        arrays |= head
        candidates = ", ".join(f"{k} {v:.3f}" for k, v in spec["intensity"]["candidates"].items())
        print(f"{lang}: {spec['intensity']['chosen']} (dev mean r: {candidates})", flush=True)
    config["version"] = args.version
    np.savez_compressed(args.artifact / "heads.tmp.npz", **arrays)
    (args.artifact / "heads.tmp.npz").replace(args.artifact / "heads.npz")
    config["sha256"]["heads.npz"] = hashlib.sha256((args.artifact / "heads.npz").read_bytes()).hexdigest()
    with tempfile.NamedTemporaryFile("w", dir=args.artifact, delete=False, suffix=".json", encoding="utf-8") as out:
        out.write(json.dumps(config, indent=1, ensure_ascii=False) + "\n")
    Path(out.name).replace(args.artifact / "config.json")
    write_card(args.artifact)


if __name__ == "__main__":
    main()
