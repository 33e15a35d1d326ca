"""Faithfulness of evidence on GoEmotions test: deleting evidence words vs deleting random words.

    python benchmarks/bench_evidence.py --n 300 --k 2 --out benchmarks/results/evidence.md

For a seeded sample of test texts with at least five words whose top GoEmotions label is not
``neutral``, the engine explains its top label (occlusion: the drop in the label's probability when
one word is deleted). We then delete the ``k`` strongest evidence words together and, separately,
``k`` random words (mean over 5 draws), and report the label's mean probability drop for each,
with a paired bootstrap 95% CI of the difference. Evidence is faithful when its drop is markedly
larger than the random one.
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import affectlab
from affectlab import datasets
from affectlab.core.text import word_spans


def delete(text: str, spans: list[tuple[int, int]]) -> str:
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + text[b:]
    return " ".join(text.split()) or "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/evidence.md"))
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    engine = affectlab.load_engine(args.model)
    test = datasets.goemotions("test")
    candidates = [t for t in test.texts if sum(any(c.isalnum() for c in t[a:b]) for a, b in word_spans(t)) >= 5]
    sample = [candidates[i] for i in rng.permutation(len(candidates))]
    evidence_drops, random_drops, too_few = [], [], 0
    for text in sample:
        if len(evidence_drops) == args.n:
            break
        record = engine.predict([text], explain=True)[0]
        if record.top in (None, "neutral"):
            continue
        label = record.top
        words = [s for s in word_spans(text) if any(c.isalnum() for c in text[s[0] : s[1]])]
        ranked = [(e.start, e.end) for e in record.evidence if e.label == label][: args.k]
        if len(ranked) < args.k:
            too_few += 1
            continue
        base = record.emotions[label]
        variants = [delete(text, ranked)]
        for _ in range(5):
            picks = rng.choice(len(words), size=args.k, replace=False)
            variants.append(delete(text, [words[i] for i in picks]))
        after = [r.emotions[label] for r in engine.predict(variants)]
        evidence_drops.append(base - after[0])
        random_drops.append(base - float(np.mean(after[1:])))
    ev, rd = np.array(evidence_drops), np.array(random_drops)
    diffs = ev - rd
    boots = [diffs[rng.integers(0, len(diffs), len(diffs))].mean() for _ in range(2000)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    lines = [
        "# Evidence faithfulness (GoEmotions test)",
        "",
        f"Command: `python benchmarks/bench_evidence.py --n {args.n} --k {args.k} --seed {args.seed}`. "
        f"Engine: {engine.name} {engine.version}. Machine: {platform.machine()}, {os.cpu_count()} cores. "
        f"Date: {datetime.now(UTC):%Y-%m-%d} UTC.",
        "",
        f"Texts: {len(ev)} (seeded sample, >= 5 words, top label not neutral, >= {args.k} evidence words for it;"
        f" {too_few} sampled texts had fewer and were skipped). Deleted words per text: {args.k}.",
        "",
        "| deletion | mean drop of the top label's probability |",
        "|---|---|",
        f"| the {args.k} strongest evidence words | {ev.mean():.3f} |",
        f"| {args.k} random words (mean of 5 draws) | {rd.mean():.3f} |",
        f"| difference (paired bootstrap 95% CI) | {diffs.mean():.3f} [{lo:.3f}, {hi:.3f}] |",
        f"| texts where evidence beats random | {(diffs > 0).mean():.1%} |",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
