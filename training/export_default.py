"""Export a trained checkpoint as the package's embedded artifact (ONNX encoder + numpy heads).

Run from the project root after ``training/train_default.py``::

    python training/export_default.py --run runs/default --out src/affectlab/models/default

Steps, all on train/dev data only (test splits are never read here):

1. Export the encoder with mean-pooled, concatenated hidden layers to ONNX and
   quantize its MatMul weights to int8 per channel (embeddings int8 via Gather) and
   its activations with fixed scales calibrated on train texts (``static_quant.py``:
   a text's features do not depend on its batch); report the cosine of quantized to
   float features on dev texts.
   On x86 CPUs without VNNI (AVX2 only) onnxruntime's uint8 x int8 kernel adds pairs of
   products in 16 bits, which saturates for weights beyond +-64 (255 x 127 x 2 > 32,767;
   microsoft/onnxruntime#6004), so plain int8 weights give other numbers there. Both
   ``--weights`` choices are exact on every x86 CPU: ``uint8`` (the default, 1.3.2's
   recipe) stores the 8-bit weights as uint8 (``unsigned_weights.py``), on a kernel
   measured 15 % slower on an AVX2 machine; ``7bit`` quantizes to +-64 and keeps the
   faster int8 kernel, at half the weight resolution (1.3.2's heads on a 7-bit encoder:
   GoEmotions dev macro-F1 0.542 -> 0.532).
2. Compute features of the dev sets with the quantized encoder, so calibration and
   thresholds fit the model that ships.
3. Calibrate every classification head per label (Platt scaling on the logit,
   fitted on dev), then choose per-label F1-optimal thresholds on dev for every
   taxonomy that has dev data (native heads and projections); others use 0.5.
   For each dimension of the regression heads (VAD, intensity), keep the jointly
   trained head or a ridge regression refitted on the train split's quantized
   features, whichever correlates better on dev.
4. Write ``config.json`` with labels, calibration, thresholds, scales and sha256
   of every file, plus ``export_report.json`` with the dev figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score
from transformers import AutoModel

from affectlab import datasets
from affectlab.core import taxonomy as tx
from common import encoder_dir
from static_quant import activation_ranges, calibration_texts, fuse_matmuls, id_feeds, rewrite
from train_default import MultiTaskModel
from unsigned_weights import unsigned_weights

GRID = np.round(np.arange(0.02, 0.96, 0.01), 2)


class FeatureEncoder(torch.nn.Module):
    def __init__(self, model: MultiTaskModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.features(input_ids, attention_mask)


def export_onnx(model: MultiTaskModel, path: Path) -> None:
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids > 0).long()
    torch.onnx.export(
        FeatureEncoder(model).eval(),
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["features"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "features": {0: "batch"},
        },
    )


def token_ids(tokenizer_path: Path, texts: list[str], max_tokens: int) -> list[list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.no_padding()
    tok.enable_truncation(max_tokens)
    return [e.ids for e in tok.encode_batch(texts)]


def fix_activation_scales(path: Path, tokenizer_path: Path, max_tokens: int) -> None:
    """Rewrite the dynamically quantized encoder at ``path`` with calibrated fixed scales, fused (static_quant.py);
    weights that could saturate the uint8 x int8 kernel are stored as uint8 (unsigned_weights.py)."""
    model = onnx.load(str(path))
    ranges = activation_ranges(model, id_feeds(token_ids(tokenizer_path, calibration_texts(4000, seed=0), max_tokens)))
    onnx.save(unsigned_weights(fuse_matmuls(rewrite(model, ranges))), str(path))


def onnx_features(path: Path, tokenizer_path: Path, texts: list[str], max_tokens: int) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    enc = token_ids(tokenizer_path, texts, max_tokens)
    order = np.argsort([len(e) for e in enc])
    chunks = []
    for start in range(0, len(order), 64):
        idx = order[start : start + 64]
        width = max(len(enc[i]) for i in idx)
        ids = np.zeros((len(idx), width), np.int64)
        for row, i in enumerate(idx):
            ids[row, : len(enc[i])] = enc[i]
        chunks.append(session.run(None, {"input_ids": ids, "attention_mask": (ids > 0).astype(np.int64)})[0])
    return np.concatenate(chunks)[np.argsort(order)]


def platt(logits: np.ndarray, gold: np.ndarray) -> tuple[list[float], list[float]]:
    scale, shift = [], []
    for j in range(logits.shape[1]):
        if gold[:, j].min() == gold[:, j].max():
            scale.append(1.0)
            shift.append(0.0)
            continue
        lr = LogisticRegression(C=10.0).fit(logits[:, j : j + 1], gold[:, j])
        scale.append(float(lr.coef_[0, 0]))
        shift.append(float(lr.intercept_[0]))
    return scale, shift


def best_thresholds(prob: np.ndarray, gold: np.ndarray) -> list[float]:
    out = []
    for j in range(gold.shape[1]):
        if gold[:, j].sum() == 0:
            out.append(0.5)
            continue
        scores = [f1_score(gold[:, j], prob[:, j] >= t, zero_division=0) for t in GRID]
        out.append(float(GRID[int(np.argmax(scores))]))
    return out


def held_out_events(ids: set[str]) -> tuple[list[str], np.ndarray]:
    """Texts and Ekman gold (7 columns; neutral 0) of the event train rows that ``training/events.py`` held out."""
    labels = list(tx.load_taxonomy("ekman").labels)
    texts, gold = [], []
    for name in ("enisear-ekman", "goodnewseveryone-ekman"):
        data = datasets.load_dataset(name, "train")
        for i, id_ in enumerate(data.ids):
            if id_ in ids:
                row = np.zeros(len(labels))
                for j, column in enumerate(data.columns):
                    row[labels.index(column)] = np.asarray(data.targets)[i, j]
                texts.append(data.texts[i])
                gold.append(row)
    return texts, np.array(gold)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=Path("runs/default"))
    parser.add_argument("--out", type=Path, default=Path("src/affectlab/models/default"))
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--version", default="1.2.0", help="version written into the artifact's config.json")
    parser.add_argument(
        "--weights",
        choices=("uint8", "7bit"),
        default="uint8",
        help="how int8 weights stay exact on CPUs without VNNI (step 1): stored as uint8, or quantized to 7 bits",
    )
    args = parser.parse_args()
    torch.set_num_threads(2)

    state = torch.load(args.run / "model.pt", weights_only=False)
    meta = state["meta"]
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), state["heads"])
    model.load_state_dict(state["model"])
    model.eval()

    work = args.run / "export"
    work.mkdir(exist_ok=True)
    fp32, int8 = work / "encoder_fp32.onnx", work / "encoder.onnx"
    export_onnx(model, fp32)
    quantize_dynamic(  # --weights 7bit: reduce_range keeps every weight within +-64, see step 1
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=args.weights == "7bit",
        op_types_to_quantize=["MatMul", "Gather"],
    )
    tokenizer_path = encoder_dir() / "tokenizer.json"
    fix_activation_scales(int8, tokenizer_path, args.max_tokens)  # from 1.3.1 on: scores independent of the batch

    ge, eb, xed = datasets.goemotions("dev"), datasets.emobank("dev"), datasets.xed_en("dev")
    ekman, senti = datasets.goemotions("dev", "ekman"), datasets.goemotions("dev", "sentiment")
    br_train_a, br_dev_a = datasets.brighter("a", "eng", "train"), datasets.brighter("a", "eng", "dev")
    holdout = set(meta["brighter_holdout_ids"])
    keep = np.array([i in holdout for i in br_train_a.ids])
    br_texts = br_dev_a.texts + [t for t, k in zip(br_train_a.texts, keep) if k]
    br_gold = np.concatenate([br_dev_a.targets, br_train_a.targets[keep]])

    feats = {
        name: onnx_features(int8, tokenizer_path, texts, args.max_tokens)
        for name, texts in (("ge", ge.texts), ("eb", eb.texts), ("xed", xed.texts), ("br", br_texts))
    }
    ref = onnx_features(fp32, tokenizer_path, ge.texts[:500], args.max_tokens)
    cosine = np.sum(ref * feats["ge"][:500], 1) / (
        np.linalg.norm(ref, axis=1) * np.linalg.norm(feats["ge"][:500], axis=1)
    )

    sd = {k: v.numpy() for k, v in model.heads.state_dict().items()}
    heads = {
        "goemotions": ("goemotions", meta["labels"]["goemotions"]),
        "plutchik": ("plutchik", meta["labels"]["plutchik"]),
        "semeval": ("semeval_a", meta["labels"]["semeval_a"]),
        "vad": ("vad", meta["labels"]["vad"]),
        "intensity": ("semeval_b", meta["labels"]["semeval_b"]),
    }
    arrays = {}
    for name, (train_name, _) in heads.items():
        arrays[f"{name}.weight"] = sd[f"{train_name}.weight"].T.astype(np.float32)
        arrays[f"{name}.bias"] = sd[f"{train_name}.bias"].astype(np.float32)

    def logits(f: np.ndarray, name: str) -> np.ndarray:
        return f.astype(np.float64) @ arrays[f"{name}.weight"] + arrays[f"{name}.bias"]

    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    config_heads: dict[str, dict] = {}
    probs: dict[str, np.ndarray] = {}
    for name, feat_key, gold in (
        ("goemotions", "ge", ge.targets),
        ("plutchik", "xed", xed.targets),
        ("semeval", "br", br_gold),
    ):
        z = logits(feats[feat_key], name)
        scale, shift = platt(z, gold)
        config_heads[name] = {
            "labels": heads[name][1],
            "scale": scale,
            "shift": shift,
            "calibration": "per-label Platt scaling fitted on dev",
        }
        probs[name] = sig(z * np.array(scale) + np.array(shift))
    eb_train, br_train_b = datasets.emobank("train"), datasets.brighter("b", "eng", "train")
    br_dev_b = datasets.brighter("b", "eng", "dev")
    fit_rows = ~keep
    regression_choice = {}
    for name, mean_key, train_texts, train_y, dev_feats, dev_y in (
        ("vad", "vad", eb_train.texts, eb_train.targets, feats["eb"], eb.targets),
        (
            "intensity",
            "semeval_b",
            [t for t, k in zip(br_train_b.texts, fit_rows) if k],
            br_train_b.targets[fit_rows],
            feats["br"],
            np.concatenate([br_dev_b.targets, br_train_b.targets[keep]]),
        ),
    ):
        mean, std = np.array(meta[f"{mean_key}_mean"]), np.array(meta[f"{mean_key}_std"])
        train_feats = onnx_features(int8, tokenizer_path, train_texts, args.max_tokens).astype(np.float64)
        trained = logits(dev_feats, name) * std + mean
        choice = []
        for d in range(train_y.shape[1]):
            best = ("trained", np.corrcoef(trained[:, d], dev_y[:, d])[0, 1], None)
            for alpha in (1.0, 10.0, 100.0, 1000.0):
                ridge = Ridge(alpha=alpha).fit(train_feats, train_y[:, d])
                r = np.corrcoef(ridge.predict(dev_feats.astype(np.float64)), dev_y[:, d])[0, 1]
                if r > best[1]:
                    best = (f"ridge alpha={alpha:g}", r, ridge)
            if best[2] is not None:  # store the ridge in the head's standardised form
                arrays[f"{name}.weight"][:, d] = (best[2].coef_ / std[d]).astype(np.float32)
                arrays[f"{name}.bias"][d] = np.float32((best[2].intercept_ - mean[d]) / std[d])
            choice.append({"dimension": d, "chosen": best[0], "dev_pearson": float(best[1])})
        regression_choice[name] = choice
    config_heads["vad"] = {
        "labels": heads["vad"][1],
        "mean": meta["vad_mean"],
        "std": meta["vad_std"],
        "scale": "[-1, 1]",
        "fit": regression_choice["vad"],
    }
    config_heads["intensity"] = {
        "labels": heads["intensity"][1],
        "mean": meta["semeval_b_mean"],
        "std": meta["semeval_b_std"],
        "scale": "[0, 1]",
        "fit": regression_choice["intensity"],
    }

    ge_on_br = sig(
        logits(feats["br"], "goemotions") * np.array(config_heads["goemotions"]["scale"])
        + np.array(config_heads["goemotions"]["shift"])
    )
    semeval_full = tx.project(ge_on_br, "goemotions", "semeval")
    semeval_labels = tx.load_taxonomy("semeval").labels
    for j, label in enumerate(heads["semeval"][1]):
        semeval_full[:, semeval_labels.index(label)] = probs["semeval"][:, j]
    semeval_gold = np.zeros_like(semeval_full)
    for j, label in enumerate(br_dev_a.columns):
        semeval_gold[:, semeval_labels.index(label)] = br_gold[:, j]

    ekman_probs, ekman_gold = tx.project(probs["goemotions"], "goemotions", "ekman"), ekman.targets
    if meta.get("event_holdout_ids"):  # events.py kept these train rows out of training for this
        event_texts, event_gold = held_out_events(set(meta["event_holdout_ids"]))
        event_z = logits(onnx_features(int8, tokenizer_path, event_texts, args.max_tokens), "goemotions")
        event_probs = sig(
            event_z * np.array(config_heads["goemotions"]["scale"]) + np.array(config_heads["goemotions"]["shift"])
        )
        ekman_probs = np.concatenate([ekman_probs, tx.project(event_probs, "goemotions", "ekman")])
        ekman_gold = np.concatenate([ekman_gold, event_gold])
    thresholds = {
        "goemotions": best_thresholds(probs["goemotions"], ge.targets),
        "ekman": best_thresholds(ekman_probs, ekman_gold),
        "goemotions-sentiment": best_thresholds(
            tx.project(probs["goemotions"], "goemotions", "goemotions-sentiment"), senti.targets
        ),
        "plutchik": best_thresholds(probs["plutchik"], xed.targets),
        "semeval": best_thresholds(semeval_full, semeval_gold),
    }
    thresholds["semeval"][semeval_labels.index("disgust")] = 0.5  # no English dev labels for disgust

    def macro(prob: np.ndarray, gold: np.ndarray, thr: list[float], cols: list[int] | None = None) -> float:
        pred = prob >= np.array(thr)
        cols = cols if cols is not None else list(range(gold.shape[1]))
        return float(f1_score(gold[:, cols], pred[:, cols], average="macro", zero_division=0))

    vad = logits(feats["eb"], "vad") * np.array(meta["vad_std"]) + np.array(meta["vad_mean"])
    report = {
        "cosine_int8_vs_fp32_dev_goemotions_500": {"mean": float(cosine.mean()), "min": float(cosine.min())},
        "dev_goemotions_macro_f1": macro(probs["goemotions"], ge.targets, thresholds["goemotions"]),
        "dev_ekman_macro_f1": macro(
            tx.project(probs["goemotions"], "goemotions", "ekman"), ekman.targets, thresholds["ekman"]
        ),
        "dev_plutchik_macro_f1": macro(probs["plutchik"], xed.targets, thresholds["plutchik"]),
        "dev_semeval_macro_f1_5": macro(
            semeval_full, semeval_gold, thresholds["semeval"], [semeval_labels.index(c) for c in br_dev_a.columns]
        ),
        "dev_emobank_pearson": [float(np.corrcoef(vad[:, i], eb.targets[:, i])[0, 1]) for i in range(3)],
        "regression_heads": regression_choice,
        "note": "dev figures: thresholds and calibration were fitted on these same dev sets (optimistic)",
    }
    print(json.dumps(report, indent=2))

    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(int8, args.out / "encoder.onnx")
    tokenizer = json.loads(tokenizer_path.read_text(encoding="utf-8"))
    tokenizer["padding"] = None
    tokenizer["truncation"] = None
    (args.out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    np.savez(args.out / "heads.npz", **arrays)
    config = {
        "name": "affectlab-minilm",
        "version": args.version,
        "native_taxonomy": "goemotions",
        "max_tokens": args.max_tokens,
        "encoder": "all-MiniLM-L6-v2 (fine-tuned), int8 per-channel ONNX"
        + (", 7-bit weights" if args.weights == "7bit" else ", weights stored as uint8"),
        "features": "mean-pooled hidden states of all 6 layers, concatenated (2304)",
        "heads": config_heads,
        "intensity": {"labels": heads["intensity"][1]},
        "thresholds": thresholds,
        "thresholds_source": "per-label F1-optimal on dev splits (GoEmotions dev, XED seeded dev, BRIGHTER eng dev "
        "+ 300 held-out train rows"
        + ("; Ekman also on held-out enISEAR/GoodNewsEveryone train rows" if meta.get("event_holdout_ids") else "")
        + "); 0.5 elsewhere",
        "training": {"history": state["history"], "args": state["args"]},
    }
    files = ("encoder.onnx", "heads.npz", "tokenizer.json")
    config["sha256"] = {f: sha256(args.out / f) for f in files}
    (args.out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (args.run / "export_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    size = sum((args.out / f).stat().st_size for f in files)
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
