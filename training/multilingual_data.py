"""The data of the multilingual fine-tune (``multilingual_finetune.py``): splits, batches, masked losses.

Rows are BRIGHTER track A texts (six semeval labels, NaN where a language lacks one) and, with
``with_vad``, the V-A-D sentences of EmoITA (Italian) and EmoBank (English), whose emotion targets are
all NaN. Every row has ``vad`` (3,): NaN for BRIGHTER rows; for the V-A-D sets each dimension is
z-scored with its own train split's mean and standard deviation (EmoITA spreads about twice as wide as
EmoBank on the same [-1, 1] scale), so one shared linear layer serves both and the squared error of
every dimension starts near 1. ``source`` names each row's data set. Test splits are never read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from affectlab.datasets import load_dataset, seeded_split
from affectlab.errors import DataNotFound
from multilingual import RON_SEED, to_labels  # the frozen heads' label mapping and Romanian dev split

VAD_SETS = ("emoita", "emobank")
DIMENSIONS = ("valence", "arousal", "dominance")


def load_splits(languages: list[str], limit: int | None) -> dict[str, dict[str, Any]]:
    """Per split: texts, targets (n, 6) with NaN, language index, and each language's dev source."""
    parts: dict[str, dict[str, Any]] = {s: {"texts": [], "y": [], "lang": []} for s in ("train", "dev")}
    sources = {}
    for index, lang in enumerate(languages):
        train = load_dataset(f"brighter-a:{lang}", split="train")
        y = to_labels(train.columns, train.targets)
        try:
            dev = load_dataset(f"brighter-a:{lang}", split="dev")
            picked = {"train": (train.texts, y), "dev": (dev.texts, to_labels(dev.columns, dev.targets))}
            sources[lang] = f"BRIGHTER dev ({len(dev)} texts)"
        except DataNotFound:
            part = seeded_split(train.ids, seed=RON_SEED, percent=(85, 15, 0))
            picked = {s: ([t for t, m in zip(train.texts, part == s) if m], y[part == s]) for s in ("train", "dev")}
            sources[lang] = f"no dev file: 15% of train held out by seeded_split(seed={RON_SEED})"
        for split, (texts, targets) in picked.items():
            parts[split]["texts"] += texts[:limit]
            parts[split]["y"].append(targets[:limit])
            parts[split]["lang"] += [index] * len(texts[:limit])
    for split in parts.values():
        split["y"], split["lang"] = np.concatenate(split["y"]), np.array(split["lang"])
        split["vad"] = np.full((len(split["texts"]), len(DIMENSIONS)), np.nan)
        split["source"] = np.array(["brighter"] * len(split["texts"]))
    parts["dev"]["sources"] = sources
    return parts


def with_vad(parts: dict[str, dict[str, Any]], limit: int | None) -> dict[str, Any]:
    """Append the train and dev rows of VAD_SETS to ``parts`` (in place); return each set's z-score scale.

    Their emotion targets are NaN and their language index is 0: the emotion loss masks them out, so
    the language bias never sees them.
    """
    scales = {}
    for name in VAD_SETS:
        splits = {s: load_dataset(name, split=s) for s in ("train", "dev")}
        train = np.asarray(splits["train"].targets, np.float64)
        mean, std = train.mean(axis=0), train.std(axis=0)
        scales[name] = {"mean": mean.tolist(), "std": std.tolist(), "columns": list(splits["train"].columns)}
        if tuple(splits["train"].columns) != DIMENSIONS:
            raise SystemExit(f"{name}: expected columns {DIMENSIONS}, got {splits['train'].columns}")
        for split, data in splits.items():
            texts, vad = data.texts[:limit], (np.asarray(data.targets, np.float64)[:limit] - mean) / std
            part = parts[split]
            part["texts"] = part["texts"] + list(texts)
            part["y"] = np.concatenate([part["y"], np.full((len(texts), part["y"].shape[1]), np.nan)])
            part["vad"] = np.concatenate([part["vad"], vad])
            part["lang"] = np.concatenate([part["lang"], np.zeros(len(texts), dtype=part["lang"].dtype)])
            part["source"] = np.concatenate([part["source"], [name] * len(texts)])
    return scales


def batch_order(lengths: NDArray[np.int64], batch: int, chunk_batches: int, seed: int, epoch: int) -> list:
    """The epoch's batches (arrays of row indices): shuffled, length-sorted within chunks, batches shuffled."""
    rng = np.random.default_rng([seed, epoch])
    order, batches = rng.permutation(len(lengths)), []
    for a in range(0, len(order), batch * chunk_batches):
        chunk = order[a : a + batch * chunk_batches]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[b : b + batch] for b in range(0, len(chunk), batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(ids: list[list[int]], rows: NDArray[np.int64], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ids and attention mask (batch, longest) of the given rows."""
    width = max(len(ids[r]) for r in rows)
    padded = torch.tensor([ids[r] + [pad] * (width - len(ids[r])) for r in rows])
    mask = torch.tensor([[1] * len(ids[r]) + [0] * (width - len(ids[r])) for r in rows])
    return padded, mask


def masked_bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over the (text, label) cells whose label the text's language has."""
    known = ~torch.isnan(y)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.nan_to_num(y), reduction="none")
    return (loss * known).sum() / known.sum().clamp(min=1)


def masked_mse(predicted: torch.Tensor, vad: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the (text, dimension) cells that have a z-scored target; 0 if none has."""
    known = ~torch.isnan(vad)
    return (((predicted - torch.nan_to_num(vad)) ** 2) * known).sum() / known.sum().clamp(min=1)
