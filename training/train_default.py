"""Train affectlab's default model: one MiniLM encoder, several task heads.

Run from the project root (needs ``pip install -e '.[train]'``)::

    python training/train_default.py --out runs/default

The run is deterministic for a given ``--seed``, logs progress to stdout and
checkpoints every ``--checkpoint-every`` steps into ``--out``; run the same
command again to resume from the last checkpoint. The result is
``<out>/model.pt``, which ``training/export_default.py`` turns into the
package's ONNX artifact.

Tasks (all from ``affectlab.datasets``, train splits only):

- ``goemotions``: 28 labels, multi-label, BCE with capped positive weights.
- ``vad``: EmoBank valence/arousal/dominance, MSE on z-scored targets.
- ``plutchik``: XED English Plutchik 8 with its neutral lines, BCE.
- ``semeval_a`` / ``semeval_b``: BRIGHTER English track A labels (BCE) and
  track B intensities (MSE on z-scored targets); 300 seeded training rows are
  held out for threshold fitting.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoModel

from affectlab import datasets
from common import encoder_dir, load_tokenizer, resume_checkpoint, save_checkpoint, save_run

BRIGHTER_HOLDOUT = 300


@dataclass
class Task:
    """Texts and targets of one training task."""

    name: str
    loss: str  # "bce" or "mse" (or "bce+mse" for BRIGHTER's two heads)
    texts: list[str]
    targets: np.ndarray
    repeat: float  # how many passes over this task per epoch
    column_weights: tuple[float, ...] | None = None  # MSE tasks: relative weight of each target column


class MultiTaskModel(nn.Module):
    """Encoder with mean-pooled, concatenated hidden layers and linear heads."""

    def __init__(self, encoder: nn.Module, heads: dict[str, int], dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        config = encoder.config
        self.feature_dim = config.hidden_size * config.num_hidden_layers
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(self.feature_dim, size) for name, size in heads.items()})

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        mask = attention_mask.unsqueeze(-1).to(out.hidden_states[0].dtype)
        count = mask.sum(1).clamp(min=1.0)
        return torch.cat([(h * mask).sum(1) / count for h in out.hidden_states[1:]], dim=-1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, heads: list[str]
    ) -> dict[str, torch.Tensor]:
        feats = self.dropout(self.features(input_ids, attention_mask))
        return {name: self.heads[name](feats) for name in heads}


def load_tasks(seed: int) -> tuple[dict[str, Task], dict[str, object]]:
    ge = datasets.goemotions("train")
    eb = datasets.emobank("train")
    xed = datasets.xed_en("train", include_neutral=True)
    br_a, br_b = datasets.brighter("a", "eng", "train"), datasets.brighter("b", "eng", "train")
    assert br_a.texts == br_b.texts  # the same rows; ids differ only in their track part
    keep = np.ones(len(br_a), bool)
    keep[np.random.default_rng(seed).permutation(len(br_a))[:BRIGHTER_HOLDOUT]] = False

    vad_mean, vad_std = eb.targets.mean(0), eb.targets.std(0)
    b_vals = br_b.targets[keep]
    b_mean, b_std = b_vals.mean(0), b_vals.std(0)
    pos = ge.targets.mean(0)
    pos_weight = np.clip(np.sqrt((1 - pos) / pos), 1.0, 8.0)
    tasks = {
        "goemotions": Task("goemotions", "bce", ge.texts, ge.targets, 1.0),
        "vad": Task("vad", "mse", eb.texts, (eb.targets - vad_mean) / vad_std, 2.0),
        "plutchik": Task("plutchik", "bce", xed.texts, xed.targets, 0.5),
        "semeval": Task(
            "semeval",
            "bce+mse",
            [t for t, k in zip(br_a.texts, keep) if k],
            np.concatenate([br_a.targets[keep], (b_vals - b_mean) / b_std], axis=1),
            3.0,
        ),
    }
    meta = {
        "labels": {
            "goemotions": list(ge.columns),
            "plutchik": list(xed.columns),
            "semeval_a": list(br_a.columns),
            "semeval_b": list(br_b.columns),
            "vad": list(eb.columns),
        },
        "vad_mean": vad_mean.tolist(),
        "vad_std": vad_std.tolist(),
        "semeval_b_mean": b_mean.tolist(),
        "semeval_b_std": b_std.tolist(),
        "goemotions_pos_weight": pos_weight.tolist(),
        "brighter_holdout_ids": [i for i, k in zip(br_a.ids, keep) if not k],
    }
    return tasks, meta


def epoch_batches(
    tasks: dict[str, Task], lengths: dict[str, np.ndarray], batch_size: int, rng: np.random.Generator
) -> list[tuple[str, np.ndarray]]:
    """Length-bucketed batches of every task for one epoch, in shuffled order."""
    batches: list[tuple[str, np.ndarray]] = []
    for name, task in tasks.items():
        n = len(task.texts)
        whole, frac = divmod(task.repeat, 1.0)
        index = np.concatenate([rng.permutation(n) for _ in range(int(whole))] + [rng.permutation(n)[: int(frac * n)]])
        chunk = batch_size * 50
        for start in range(0, len(index), chunk):
            part = index[start : start + chunk]
            part = part[np.argsort(lengths[name][part], kind="stable")]
            batches += [(name, part[i : i + batch_size]) for i in range(0, len(part), batch_size)]
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def pad(encodings: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(e) for e in encodings)
    ids = np.zeros((len(encodings), width), np.int64)
    mask = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        ids[row, : len(e)] = e
        mask[row, : len(e)] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def task_loss(
    task: Task,
    model: MultiTaskModel,
    ids: torch.Tensor,
    mask: torch.Tensor,
    target: torch.Tensor,
    pos_weight: torch.Tensor,
) -> torch.Tensor:
    if task.name == "goemotions":
        out = model(ids, mask, ["goemotions"])["goemotions"]
        return nn.functional.binary_cross_entropy_with_logits(out, target, pos_weight=pos_weight)
    if task.name == "vad":
        out = model(ids, mask, ["vad"])["vad"]
        if task.column_weights is None:
            return nn.functional.mse_loss(out, target)
        weights = torch.tensor(task.column_weights, dtype=out.dtype)
        return ((out - target) ** 2 * weights).mean() / weights.mean()
    if task.name == "plutchik":
        return nn.functional.binary_cross_entropy_with_logits(model(ids, mask, ["plutchik"])["plutchik"], target)
    out = model(ids, mask, ["semeval_a", "semeval_b"])
    k = out["semeval_a"].shape[1]
    return nn.functional.binary_cross_entropy_with_logits(out["semeval_a"], target[:, :k]) + nn.functional.mse_loss(
        out["semeval_b"], target[:, k:]
    )


@torch.no_grad()
def predict(
    model: MultiTaskModel, encode, texts: list[str], heads: list[str], batch_size: int = 64
) -> dict[str, np.ndarray]:
    model.eval()
    enc = [e.ids for e in encode(texts)]
    order = np.argsort([len(e) for e in enc])
    outs: dict[str, list[np.ndarray]] = {h: [] for h in heads}
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        ids, mask = pad([enc[i] for i in idx])
        for h, v in model(ids, mask, heads).items():
            outs[h].append(v.numpy())
    inverse = np.argsort(order)
    model.train()
    return {h: np.concatenate(v)[inverse] for h, v in outs.items()}


def best_threshold_f1(prob: np.ndarray, gold: np.ndarray) -> float:
    """Macro-F1 with per-label thresholds chosen on the same data (monitoring only)."""
    scores = []
    for j in range(gold.shape[1]):
        best = 0.0
        for t in np.arange(0.05, 0.95, 0.05):
            pred = prob[:, j] >= t
            tp = (pred & (gold[:, j] == 1)).sum()
            denom = pred.sum() + gold[:, j].sum()
            best = max(best, 2 * tp / denom if denom else 0.0)
        scores.append(best)
    return float(np.mean(scores))


def evaluate_dev(model: MultiTaskModel, encode) -> dict[str, float]:
    ge, eb = datasets.goemotions("dev"), datasets.emobank("dev")
    xed, br = datasets.xed_en("dev"), datasets.brighter("b", "eng", "dev")
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    p = predict(model, encode, ge.texts, ["goemotions"])["goemotions"]
    f1_05 = np.mean([_f1(sig(p[:, j]) >= 0.5, ge.targets[:, j]) for j in range(28)])
    v = predict(model, encode, eb.texts, ["vad"])["vad"]
    x = predict(model, encode, xed.texts, ["plutchik"])["plutchik"]
    b = predict(model, encode, br.texts, ["semeval_b"])["semeval_b"]
    return {
        "goemotions_macro_f1@0.5": float(f1_05),
        "goemotions_macro_f1@tuned": best_threshold_f1(sig(p), ge.targets),
        **{f"emobank_r_{d}": float(np.corrcoef(v[:, i], eb.targets[:, i])[0, 1]) for i, d in enumerate("vad")},
        "xed_macro_f1@tuned": best_threshold_f1(sig(x), xed.targets),
        "brighter_b_mean_r": float(np.mean([np.corrcoef(b[:, i], br.targets[:, i])[0, 1] for i in range(b.shape[1])])),
    }


def load_run(run: Path) -> tuple[dict[str, Any], MultiTaskModel]:
    """The saved state of ``<run>/model.pt`` and the model rebuilt from it (for a continuation stage)."""
    state = torch.load(run / "model.pt", weights_only=False)
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), state["heads"])
    model.load_state_dict(state["model"])
    return state, model


def mixed_plan(
    tasks: dict[str, Task], extra: str, every: int, steps: int, encode, seed: int
) -> tuple[dict[str, list[list[int]]], list[tuple[str, np.ndarray]]]:
    """Token ids of every task, and ``steps`` batches of 32: every ``every``-th from task ``extra``, the rest
    replaying the other tasks (the later stages' plan)."""
    encoded = {name: [e.ids for e in encode(t.texts)] for name, t in tasks.items()}
    lengths = {name: np.array([len(e) for e in enc]) for name, enc in encoded.items()}
    batches = epoch_batches(tasks, lengths, 32, np.random.default_rng(seed))
    chosen = [b for b in batches if b[0] == extra]
    others = [b for b in batches if b[0] != extra]
    return encoded, [chosen[i % len(chosen)] if i % every == 0 else others[i] for i in range(steps)]


def continue_training(
    model: MultiTaskModel,
    plan: list[tuple[str, np.ndarray]],
    tasks: dict[str, Task],
    encoded: dict[str, list[list[int]]],
    pos_weight: torch.Tensor,
    lr: float,
    head_lr: float,
    extra_losses: dict[str, Callable[..., torch.Tensor]] | None = None,
) -> None:
    """Train ``model`` on the batches of ``plan`` in order at constant learning rates (the later stages).

    ``extra_losses`` maps a task name to ``loss(model, ids, mask, target)`` for tasks that
    :func:`task_loss` does not know (e.g. gold in another taxonomy, projected).
    """
    optimizer = torch.optim.AdamW(
        [{"params": model.encoder.parameters(), "lr": lr}, {"params": model.heads.parameters(), "lr": head_lr}],
        weight_decay=0.01,
    )
    model.train()
    started, running = time.time(), []
    for step, (name, idx) in enumerate(plan, start=1):
        task = tasks[name]
        ids, mask = pad([encoded[name][i] for i in idx])
        target = torch.tensor(task.targets[idx], dtype=torch.float32)
        if extra_losses and name in extra_losses:
            loss = extra_losses[name](model, ids, mask, target)
        else:
            loss = task_loss(task, model, ids, mask, target, pos_weight)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        running.append(loss.item())
        if step % 50 == 0:
            rate = (time.time() - started) / step
            print(
                f"step {step}/{len(plan)} loss {np.mean(running):.4f} {rate:.2f}s/step "
                f"eta {rate * (len(plan) - step) / 60:.0f} min",
                flush=True,
            )
            running = []


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = (pred & (gold == 1)).sum()
    denom = pred.sum() + gold.sum()
    return float(2 * tp / denom) if denom else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("runs/default"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5, help="encoder learning rate")
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=250)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    tokenizer = load_tokenizer(max_tokens=args.max_tokens)
    tasks, meta = load_tasks(args.seed)
    encoded = {name: [e.ids for e in tokenizer.encode_batch(t.texts)] for name, t in tasks.items()}
    lengths = {name: np.array([len(e) for e in enc]) for name, enc in encoded.items()}
    heads = {"goemotions": 28, "vad": 3, "plutchik": 8, "semeval_a": 5, "semeval_b": 5}
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), heads)
    pos_weight = torch.tensor(meta["goemotions_pos_weight"], dtype=torch.float32)

    steps_per_epoch = len(epoch_batches(tasks, lengths, args.batch_size, np.random.default_rng(0)))
    total = steps_per_epoch * args.epochs
    optimizer = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": args.lr},
            {"params": model.heads.parameters(), "lr": args.head_lr},
        ],
        weight_decay=0.01,
    )
    warmup = int(0.05 * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup))
    )

    step, history = 0, []
    ckpt = args.out / "checkpoint.pt"
    if state := resume_checkpoint(ckpt, model, optimizer, scheduler):
        step, history = state["step"], state["history"]
        print(f"resumed from step {step}/{total}", flush=True)

    def save() -> None:
        save_checkpoint(ckpt, model, optimizer, scheduler, step, history=history)

    model.train()
    started, running = time.time(), []
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        batches = epoch_batches(tasks, lengths, args.batch_size, np.random.default_rng(args.seed * 1000 + epoch))
        for name, idx in batches[offset:]:
            task = tasks[name]
            ids, mask = pad([encoded[name][i] for i in idx])
            target = torch.tensor(task.targets[idx], dtype=torch.float32)
            loss = task_loss(task, model, ids, mask, target, pos_weight)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            running.append(loss.item())
            if step % 50 == 0:
                rate = (time.time() - started) / 50
                started = time.time()
                print(
                    f"epoch {epoch + 1} step {step}/{total} loss {np.mean(running):.4f} "
                    f"{rate:.2f}s/step eta {rate * (total - step) / 60:.0f} min",
                    flush=True,
                )
                running = []
            if step % args.checkpoint_every == 0:
                save()
        metrics = {"epoch": epoch + 1, "step": step, **evaluate_dev(model, tokenizer.encode_batch)}
        history.append(metrics)
        print("dev", json.dumps(metrics), flush=True)
        save()

    save_run(args.out, model, heads, meta, history, {k: str(v) for k, v in vars(args).items()})


if __name__ == "__main__":
    main()
