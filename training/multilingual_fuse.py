"""Fuse the fine-tuned e5 with each language's frozen-feature head; weights and thresholds on dev (issue 19).

For each BRIGHTER language: ``z = (1 - w) x z_frozen + w x z_e5`` (the frozen head of
``training/multilingual.py`` and the ``affectlab-e5`` artifact that ships, int8, as exported by
``training/multilingual_export_e5.py``), ``w`` in ``WEIGHTS`` chosen by dev macro-F1 with per-label
thresholds fitted on the same dev (``multilingual.dev_score``, as the frozen heads were chosen; on a
tie the smaller ``w``, which costs less at run time); the thresholds of the chosen ``w`` are stored.
Dev is each language's BRIGHTER dev split (Romanian: the 15 % of train that training held out); no
test split is read. Writes the artifact's ``config.json`` (version, the e5 artifact it was fitted on,
per language ``e5_weight``, ``threshold_logits``, ``thresholds`` and the three dev figures) and
``card.md``. The frozen heads are read from ``--frozen`` whatever weights it already holds.

``--without-use DIR`` (an artifact of ``multilingual.py --features tfidf``) adds, for every language whose
frozen head reads USE, the same language's TF-IDF-only head as a second candidate: the fused dev figure
of both is measured at every ``w``, and the USE-free head is kept unless USE buys at least ``USE_MARGIN``
dev macro-F1 (USE is a second encoder: about 3 s to load and a pass per text). The margin was set before
measuring; with affectlab-e5 0.2.0 (0.4.1), of the 16 languages whose head read USE, USE added -0.009 to
+0.010 fused dev macro-F1 in 13 (German +0.0098) and 0.018-0.051 in Moroccan Arabic, Afrikaans and
Portuguese (Brazil), the three that keep it; the mean over the 28 languages went from 0.6302 to 0.6300.
The fused figures print per language (``USE adds ...``) and the card has them.

Valence, arousal and dominance: an RBF kernel ridge regression from the L2-normalised e5 vectors to V, A, D
(-1..1; :mod:`affectlab.engines.multilingual.vad`), fitted on EmoITA's train split alone or with EmoBank's (the
same sentences in English), the training sets, gamma and alpha chosen by the mean EmoITA dev Pearson (English
texts keep the English model's VAD, so the head is chosen for the other languages; Italian and English readers
agree poorly on arousal); stored in ``heads.npz`` under ``vad.*``. It scores every language's texts. On EmoITA
dev it is about 0.02-0.03 r above the ridge of 0.4.1 in each dimension (the card's V-A-D section). ``--vad-only``
refits only this head on an artifact that is already fused.

    python training/multilingual_fuse.py --frozen src/affectlab/models/multilingual --without-use runs/ml-tfidf \
        --version 0.4.1
    python training/multilingual_fuse.py --frozen src/affectlab/models/multilingual --vad-only --version 0.5.0
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.datasets import load_dataset
from affectlab.engines.multilingual import MultilingualEngine
from affectlab.engines.multilingual.e5 import E5Encoder, e5_model_dir
from affectlab.engines.multilingual.vad import KernelVAD, normalise, quantise
from multilingual import dev_score, sigmoid, write_card
from multilingual_data import load_splits

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
USE_MARGIN = 0.01  # dev macro-F1 that USE must add to the fused head to be kept
TRAIN_SETS = (("emoita",), ("emobank", "emoita"))  # candidate VAD training sets
GAMMAS = (1.0, 2.0, 4.0)  # RBF widths on unit vectors
ALPHAS = (0.3, 1.0, 3.0)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r, 0 when either side is constant."""
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0


def fit_vad(encoder: E5Encoder) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The VAD kernel ridge on e5 vectors: train sets (TRAIN_SETS), gamma and alpha by the mean EmoITA dev Pearson."""
    from sklearn.kernel_ridge import KernelRidge

    names = ("emobank", "emoita")
    data = {(name, split): load_dataset(name, split=split) for name in names for split in ("train", "dev")}
    x = {key: normalise(encoder.pooled(d.texts)) for key, d in data.items()}
    report: dict[str, Any] = {}
    heads: dict[str, KernelVAD] = {}
    for sets in TRAIN_SETS:
        codes, scale = quantise(np.concatenate([x[(n, "train")] for n in sets]))
        support = codes.astype(np.float64) * scale  # fitted on the vectors the head keeps
        y_train = np.concatenate([data[(n, "train")].targets for n in sets])
        bias = y_train.mean(axis=0)
        for gamma, alpha in itertools.product(GAMMAS, ALPHAS):
            fitted = KernelRidge(kernel="rbf", gamma=gamma, alpha=alpha).fit(support, y_train - bias)
            head = KernelVAD(codes, scale, fitted.dual_coef_, bias, gamma)
            predicted = {name: head.predict(x[(name, "dev")]) for name in names}
            key = f"{'+'.join(sets)} gamma={gamma:g} alpha={alpha:g}"
            heads[key] = head
            report[key] = {
                name: [pearson(predicted[name][:, k], data[(name, "dev")].targets[:, k]) for k in range(3)]
                for name in names
            }
            print(key, {name: np.round(r, 3).tolist() for name, r in report[key].items()}, flush=True)
    best = max(report, key=lambda key: float(np.mean(report[key]["emoita"])))
    return heads[best].arrays(), {"chosen": best, "dev_pearson": report[best], "candidates": report}


def fuse_languages(
    args: argparse.Namespace, encoder: E5Encoder, config: dict[str, Any], arrays: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Choose each language's e5 weight and thresholds on dev (updating ``config``); the heads' arrays."""
    engine = MultilingualEngine(args.frozen, english=None, threads=args.threads)
    plain = MultilingualEngine(args.without_use, english=None, threads=args.threads) if args.without_use else None
    languages = list(config["languages"])
    dev = load_splits(languages, None)["dev"]
    for index, lang in enumerate(languages):
        rows = dev["lang"] == index
        texts, y = [t for t, keep in zip(dev["texts"], rows) if keep], dev["y"][rows]
        frozen, e5 = engine._frozen_logits(lang, texts), encoder.logits(texts, lang)
        scores = {w: dev_score(sigmoid((1 - w) * frozen + w * e5), y) for w in WEIGHTS}
        best = max(WEIGHTS, key=lambda w: (round(scores[w][0], 6), -w))
        if plain is not None and "use" in config["languages"][lang]["features"]:
            tfidf = plain._frozen_logits(lang, texts)
            without = {w: dev_score(sigmoid((1 - w) * tfidf + w * e5), y) for w in WEIGHTS}
            best_without = max(WEIGHTS, key=lambda w: (round(without[w][0], 6), -w))
            use_gain = round(scores[best][0] - without[best_without][0], 4)
            print(f"{lang}: USE adds {use_gain:+.3f} fused dev macro-F1 (kept from {USE_MARGIN})", flush=True)
            if use_gain < USE_MARGIN:
                config["languages"][lang] = json.loads(json.dumps(plain.languages[lang]))
                arrays = {k: v for k, v in arrays.items() if not k.startswith(f"{lang}.")}
                arrays |= {k: plain._arrays[k] for k in plain._arrays._names if k.startswith(f"{lang}.")}
                scores, best = without, best_without
            config["languages"][lang]["dev"]["use_gain"] = use_gain
        spec = config["languages"][lang]
        thresholds = scores[best][1]
        spec["e5_weight"] = best
        spec["thresholds"] = thresholds.round(2).tolist()
        spec["threshold_logits"] = np.log(thresholds / (1 - thresholds)).tolist()
        spec["dev"] |= {
            "macro_f1": scores[best][0],
            "frozen_macro_f1": scores[0.0][0],
            "e5_macro_f1": scores[1.0][0],
            "by_e5_weight": {str(w): round(s[0], 4) for w, s in scores.items()},
        }
        print(
            f"{lang}: frozen {scores[0.0][0]:.3f} e5 {scores[1.0][0]:.3f} -> w={best} {scores[best][0]:.3f}", flush=True
        )
    config["thresholds_source"]["semeval"] += "; for the fused logit (1 - e5_weight) x frozen + e5_weight x e5"
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frozen", type=Path, default=Path("src/affectlab/models/multilingual"))
    parser.add_argument("--out", type=Path, default=None, help="artifact folder to write (default: --frozen)")
    parser.add_argument("--e5", type=Path, default=None, help="e5 artifact folder (default: the installed one)")
    parser.add_argument("--without-use", type=Path, default=None, help="TF-IDF-only frozen heads to weigh against")
    parser.add_argument("--vad-only", action="store_true", help="refit only the VAD head of --frozen's fused artifact")
    parser.add_argument("--version", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    out = args.out or args.frozen
    arrays = dict(np.load(args.frozen / "heads.npz", allow_pickle=False))
    encoder = E5Encoder(args.e5 or e5_model_dir(), threads=args.threads)
    config = json.loads((args.frozen / "config.json").read_text(encoding="utf-8"))
    if not args.vad_only:
        arrays = fuse_languages(args, encoder, config, arrays)
    vad_arrays, vad_report = fit_vad(encoder)
    print(
        f"VAD kernel ridge {vad_report['chosen']}: dev r (V, A, D)",
        {k: np.round(v, 3) for k, v in vad_report["dev_pearson"].items()},
    )
    config["vad"] = {
        "head": "RBF kernel ridge on the L2-normalised e5 vectors to valence, arousal, dominance (-1..1); "
        "train sets, gamma and alpha by EmoITA dev",
        **vad_report,
    }
    config["version"] = args.version
    config["e5"] = {"name": encoder.name, "version": encoder.version, "sha256": encoder.config["sha256"]}
    config["features"]["e5"] = (
        f"{encoder.name} {encoder.version}: multilingual-e5-small fine-tuned on every language's track A train "
        "(training/multilingual_finetune.py), int8; fused with the frozen head by a per-language weight on dev"
    )
    if out != args.frozen:
        shutil.copytree(args.frozen, out, dirs_exist_ok=True)
    arrays = {k: v for k, v in arrays.items() if not k.startswith("vad.")}  # the previous head, ridge or kernel
    np.savez_compressed(out / "heads.tmp.npz", **arrays, **vad_arrays)
    (out / "heads.tmp.npz").replace(out / "heads.npz")
    config["sha256"]["heads.npz"] = hashlib.sha256((out / "heads.npz").read_bytes()).hexdigest()
    with tempfile.NamedTemporaryFile("w", dir=out, delete=False, suffix=".json", encoding="utf-8") as handle:
        handle.write(json.dumps(config, indent=1, ensure_ascii=False) + "\n")
    Path(handle.name).chmod(0o644)  # readable like the other files (a temporary file is private)
    Path(handle.name).replace(out / "config.json")
    write_card(out)
    mean = {k: np.mean([s["dev"][k] for s in config["languages"].values()]) for k in ("frozen_macro_f1", "macro_f1")}
    print(f"wrote {out}: mean dev macro-F1 {mean['frozen_macro_f1']:.3f} frozen -> {mean['macro_f1']:.3f} fused")


if __name__ == "__main__":
    main()
