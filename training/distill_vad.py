"""Distil the VAD teacher into the default model (continuation of a trained run).

EmoBank has 8,062 training sentences, too few for MiniLM to learn valence and
arousal as well as a larger encoder does. This stage labels unlabelled texts with
the teacher of ``training/teacher_vad.py``: samples of the other tasks' training
splits (GoEmotions, XED English, BRIGHTER English without its threshold rows),
sentences of the two Gutenberg novels in the data folder (fiction, one of
EmoBank's genres) and the negation minimal pairs. It then continues training
``<run>/model.pt``: half of the steps fit the VAD head to the teacher's z-scored
predictions, a sixth repeat the negation pairs, the rest replay every original
task (EmoBank gold included) so that nothing else is forgotten. Run from the
project root::

    python training/distill_vad.py --run runs/default-neg --teacher runs/teacher-vad --out runs/default-distill

``--perturbed N`` adds N perturbed EmoBank train sentences (word deletion, span crops,
half-and-half crossovers of two sentences) for the teacher to label: new texts close to
EmoBank's own genres, whose labels come from the teacher rather than from copies of the gold.

The teacher's labels are cached per text in ``<teacher>/transfer.npz`` (about 50 texts/s on
2 cores: 15 minutes for the default texts, 22 with ``--perturbed 24000``); the continuation
itself takes about 0.4 s per step (20 minutes for 3,000 steps).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

from affectlab import datasets
from affectlab.core.segment import split_sentences, strip_gutenberg
from common import encoder_dir, load_tokenizer, save_run
from negation import negation_pairs
from teacher_vad import Teacher, load_teacher, teacher_predict
from train_default import MultiTaskModel, Task, continue_training, epoch_batches, evaluate_dev, load_tasks


def book_sentences(limit: int, seed: int) -> list[str]:
    """A seeded sample of 5-60-word sentences of the two Gutenberg novels in the data folder (fiction)."""
    sentences = []
    for name in ("frankenstein.txt", "dracula.txt"):
        text = strip_gutenberg((datasets.data_dir() / "books" / name).read_text(encoding="utf-8"))
        for start, end in split_sentences(text):
            sentence = " ".join(text[start:end].split())
            if 5 <= len(sentence.split()) <= 60:
                sentences.append(sentence)
    rng = np.random.default_rng(seed)
    return [sentences[i] for i in rng.permutation(len(sentences))[:limit]]


def perturbed_sentences(texts: list[str], count: int, seed: int) -> list[str]:
    """``count`` seeded perturbations of ``texts``, each new text to be labelled by the teacher.

    One of three edits per new text: delete each word with probability 0.2, keep a contiguous
    50-90% span of the words, or join the first half of one text to the second half of another.
    The teacher relabels every result, so an edit that changes the feeling is a lesson, not noise.
    """
    rng = np.random.default_rng(seed)
    words = [t.split() for t in texts]
    out = []
    for _ in range(count):
        first = words[rng.integers(len(words))]
        edit = rng.integers(3)
        if edit == 0:
            new = [w for w in first if rng.random() >= 0.2]
        elif edit == 1:
            width = max(1, round(len(first) * rng.uniform(0.5, 0.9)))
            start = rng.integers(len(first) - width + 1)
            new = first[start : start + width]
        else:
            second = words[rng.integers(len(words))]
            new = first[: len(first) // 2] + second[len(second) // 2 :]
        if len(new) >= 3:
            out.append(" ".join(new))
    return out


def transfer_texts(
    seed: int, goemotions: int, xed: int, books: int, brighter: list[str], perturbed: int = 0
) -> list[str]:
    """Unlabelled texts for the teacher: seeded samples of the train splits and novels, ``brighter``, negation pairs.

    ``brighter`` is BRIGHTER English train without the rows held out for thresholds; ``perturbed``
    is the number of perturbed EmoBank train sentences (:func:`perturbed_sentences`) to add.
    """
    rng = np.random.default_rng(seed)
    ge = datasets.goemotions("train").texts
    xe = datasets.xed_en("train", include_neutral=True).texts
    texts = [ge[i] for i in rng.permutation(len(ge))[:goemotions]]
    texts += [xe[i] for i in rng.permutation(len(xe))[:xed]]
    texts += brighter
    texts += book_sentences(books, seed)
    texts += negation_pairs(seed)[0]
    texts += perturbed_sentences(datasets.emobank("train").texts, perturbed, seed)
    return list(dict.fromkeys(texts))


def teacher_labels(cache: Path, texts: list[str], model: Teacher, tokenizer: Tokenizer) -> np.ndarray:
    """The teacher's z-scored VAD for ``texts``; labels are cached per text in ``cache`` (an .npz file)."""
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        saved = np.load(cache, allow_pickle=False)
        known = dict(zip(saved["texts"].tolist(), saved["vad"]))
    missing = [t for t in texts if t not in known]
    if missing:
        started = time.time()
        for start in range(0, len(missing), 2048):
            part = missing[start : start + 2048]
            known.update(zip(part, teacher_predict(model, tokenizer, part)))
            done = start + len(part)
            print(f"teacher labels {done}/{len(missing)} {done / (time.time() - started):.0f} texts/s", flush=True)
        np.savez(cache, texts=np.array(list(known)), vad=np.stack(list(known.values())))
    return np.stack([known[t] for t in texts])


def teacher_dev_r(model: Teacher, tokenizer: Tokenizer) -> str:
    """The teacher's Pearson r on EmoBank dev, for the model card."""
    dev = datasets.emobank("dev")
    pred = teacher_predict(model, tokenizer, dev.texts)
    r = [np.corrcoef(pred[:, i], dev.targets[:, i])[0, 1] for i in range(3)]
    return f"valence {r[0]:.3f}, arousal {r[1]:.3f}, dominance {r[2]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=Path("runs/default-neg"))
    parser.add_argument("--teacher", type=Path, default=Path("runs/teacher-vad"))
    parser.add_argument("--out", type=Path, default=Path("runs/default-distill"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--head-lr", type=float, default=2e-4)
    parser.add_argument("--distill-share", type=float, default=0.5, help="share of steps on the teacher's labels")
    parser.add_argument("--vad-weights", type=float, nargs=3, default=(1.0, 1.0, 1.0), help="MSE weights of V, A, D")
    parser.add_argument("--goemotions", type=int, default=20000, help="GoEmotions train texts to label")
    parser.add_argument("--xed", type=int, default=8000, help="XED English train texts to label")
    parser.add_argument("--books", type=int, default=12000, help="novel sentences to label")
    parser.add_argument("--perturbed", type=int, default=0, help="perturbed EmoBank train sentences to label")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    tasks, _ = load_tasks(args.seed)
    texts = transfer_texts(args.seed, args.goemotions, args.xed, args.books, tasks["semeval"].texts, args.perturbed)
    teacher, teacher_tokenizer = load_teacher(args.teacher)
    vad = teacher_labels(args.teacher / "transfer.npz", texts, teacher, teacher_tokenizer)
    teacher_dev = teacher_dev_r(teacher, teacher_tokenizer)
    del teacher
    state = torch.load(args.run / "model.pt", weights_only=False)
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), state["heads"])
    model.load_state_dict(state["model"])
    tokenizer = load_tokenizer()
    tasks["negation"] = Task("goemotions", "bce", *negation_pairs(args.seed), 1.0)
    tasks["distill"] = Task("vad", "mse", texts, vad.astype(np.float32), 1.0, tuple(args.vad_weights))
    encoded = {name: [e.ids for e in tokenizer.encode_batch(t.texts)] for name, t in tasks.items()}
    lengths = {name: np.array([len(e) for e in enc]) for name, enc in encoded.items()}
    batches = epoch_batches(tasks, lengths, 32, np.random.default_rng(args.seed))
    streams = {
        "distill": itertools.cycle([b for b in batches if b[0] == "distill"]),
        "negation": itertools.cycle([b for b in batches if b[0] == "negation"]),
        "others": itertools.cycle([b for b in batches if b[0] not in ("distill", "negation")]),
    }
    # distill on a --distill-share of the steps, spread evenly; the negation pairs on a sixth of all steps
    plan, rest, negation_every = [], 0, max(1, round((1 - args.distill_share) * 6))
    for i in range(args.steps):
        if int((i + 1) * args.distill_share) > int(i * args.distill_share):
            plan.append(next(streams["distill"]))
        else:
            plan.append(next(streams["negation" if rest % negation_every == 0 else "others"]))
            rest += 1
    pos_weight = torch.tensor(state["meta"]["goemotions_pos_weight"], dtype=torch.float32)
    continue_training(model, plan, tasks, encoded, pos_weight, args.lr, args.head_lr)
    metrics = {"stage": "distill_vad", "step": args.steps, **evaluate_dev(model, tokenizer.encode_batch)}
    print("dev", json.dumps(metrics), flush=True)
    earlier = state["args"].get("earlier_distill_vad_stages", [])
    if "distill_vad_stage" in state["args"]:  # a continuation of a distilled run keeps the earlier recipe
        earlier = [*earlier, state["args"]["distill_vad_stage"]]
    run_args = {
        **state["args"],
        "earlier_distill_vad_stages": earlier,
        "distill_vad_stage": {k: str(v) for k, v in vars(args).items()},
        "distill_vad_texts": len(texts),
        "distill_vad_teacher_dev": teacher_dev,
    }
    save_run(args.out, model, state["heads"], state["meta"], [*state["history"], metrics], run_args)


if __name__ == "__main__":
    main()
