"""Negation-aware continuation of a trained run (CheckList-style template augmentation).

The multi-task model learns from GoEmotions that "angry" means anger even under
negation, because Reddit rarely says "I'm not angry". This stage continues
training from ``<run>/model.pt`` for a few hundred steps at a low learning rate,
mixing every original task with generated minimal pairs:

- affirmative: "I'm furious." -> anger (the adjective's GoEmotions label);
- negated negative emotion: "I'm not furious at all." -> neutral;
- negated positive emotion: "I'm not happy about it." -> disappointment.

Templates, adjectives and labels are listed below; the held-out behaviour tests in
``tests/engines/test_behaviour.py`` use other sentences. Run from the project root::

    python training/negation.py --run runs/default --out runs/default-neg
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import torch

from affectlab.core.taxonomy import load_taxonomy
from common import load_tokenizer, save_run
from train_default import Task, continue_training, evaluate_dev, load_run, load_tasks, mixed_plan

ADJECTIVES = {
    "anger": ["angry", "mad", "furious", "pissed off", "livid"],
    "annoyance": ["annoyed", "irritated", "bothered"],
    "fear": ["scared", "afraid", "terrified", "frightened"],
    "nervousness": ["nervous", "anxious", "worried"],
    "sadness": ["sad", "depressed", "heartbroken", "miserable"],
    "disgust": ["disgusted", "grossed out", "repulsed"],
    "embarrassment": ["embarrassed", "ashamed"],
    "joy": ["happy", "glad", "delighted"],
    "excitement": ["excited", "thrilled", "pumped"],
    "approval": ["satisfied", "pleased", "impressed"],
    "amusement": ["amused", "entertained"],
    "gratitude": ["grateful", "thankful"],
}
POSITIVE = {"joy", "excitement", "approval", "amusement", "gratitude"}
SUBJECTS = ["I'm", "I am", "Im", "We're", "She's", "He is", "They are", "I was", "Honestly I'm", "I feel"]
AFFIRMED = ["{s} {a}.", "{s} so {a} right now.", "{s} really {a} about it.", "{s} {a} with you."]
NEGATED = [
    "{s} not {a}.",
    "{s} not {a} at all.",
    "{s} not {a} about it.",
    "{s} not even a little {a}.",
    "{s} not {a}, just tired.",
    "{s} no longer {a}.",
    "{s} not {a} with you.",
]


def negation_pairs(seed: int) -> tuple[list[str], np.ndarray]:
    """Generated sentences with GoEmotions targets (multi-hot over the 28 labels)."""
    names = load_taxonomy("goemotions").labels
    texts, labels = [], []
    for (label, adjectives), subject in itertools.product(ADJECTIVES.items(), SUBJECTS):
        for adjective in adjectives:
            for template in AFFIRMED:
                texts.append(template.format(s=subject, a=adjective))
                labels.append(label)
            for template in NEGATED:
                texts.append(template.format(s=subject, a=adjective))
                labels.append("disappointment" if label in POSITIVE else "neutral")
    targets = np.zeros((len(texts), len(names)))
    for row, label in enumerate(labels):
        targets[row, names.index(label)] = 1.0
    order = np.random.default_rng(seed).permutation(len(texts))
    return [texts[i] for i in order], targets[order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=Path("runs/default"))
    parser.add_argument("--out", type=Path, default=Path("runs/default-neg"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--head-lr", type=float, default=2e-4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    state, model = load_run(args.run)
    tokenizer = load_tokenizer()
    tasks, _ = load_tasks(args.seed)
    texts, targets = negation_pairs(args.seed)
    tasks["negation"] = Task("goemotions", "bce", texts, targets, 1.0)
    encoded, plan = mixed_plan(tasks, "negation", 3, args.steps, tokenizer.encode_batch, args.seed)
    pos_weight = torch.tensor(state["meta"]["goemotions_pos_weight"], dtype=torch.float32)
    continue_training(model, plan, tasks, encoded, pos_weight, args.lr, args.head_lr)
    metrics = {"stage": "negation", "step": args.steps, **evaluate_dev(model, tokenizer.encode_batch)}
    print("dev", json.dumps(metrics), flush=True)
    history = [*state["history"], metrics]
    run_args = {
        **state["args"],
        "negation_stage": {k: str(v) for k, v in vars(args).items()},
        "negation_examples": len(texts),
    }
    save_run(args.out, model, state["heads"], state["meta"], history, run_args)


if __name__ == "__main__":
    main()
