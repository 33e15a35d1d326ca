"""Average the weights of runs that continued from the same checkpoint (a "model soup").

Runs that start from one checkpoint and take different paths (other data, steps or seeds)
stay in one basin of the loss, so the mean of their weights is itself a good model and often
a better one than each ingredient (Wortsman et al., 2022, "Model soups"). The soup costs
nothing at inference: it is one model of the same size. Run from the project root::

    python training/soup.py runs/default-distill runs/default-distill-perturbed --out runs/default-soup

Every ``<run>/model.pt`` must have the same heads; the first run's metadata (labels, scales,
held-out ids) is kept, its history gains the soup's dev figures, and its arguments record
the ingredients. Use ``--weights`` for a weighted mean (uniform by default).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from transformers import AutoModel

from common import encoder_dir, load_tokenizer, save_run
from train_default import MultiTaskModel, evaluate_dev


def average_states(states: list[dict[str, torch.Tensor]], weights: list[float]) -> dict[str, torch.Tensor]:
    """The weighted mean of model state dicts with equal keys; integer buffers are taken from the first."""
    if {frozenset(s) for s in states} != {frozenset(states[0])}:
        raise ValueError("the runs' models have different parameters; a soup needs runs of one architecture")
    total = sum(weights)
    return {
        key: sum(s[key].double() * w for s, w in zip(states, weights)).div(total).to(tensor.dtype)
        if tensor.is_floating_point()
        else tensor
        for key, tensor in states[0].items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+", help="run folders with a model.pt each")
    parser.add_argument("--weights", type=float, nargs="+", help="one weight per run (default: uniform)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    weights = args.weights or [1.0] * len(args.runs)
    if len(weights) != len(args.runs):
        parser.error(f"--weights has {len(weights)} values for {len(args.runs)} runs")
    torch.set_num_threads(args.threads)

    loaded = [torch.load(run / "model.pt", weights_only=False) for run in args.runs]
    first = loaded[0]
    if any(s["heads"] != first["heads"] for s in loaded):
        parser.error("the runs have different heads")
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), first["heads"])
    model.load_state_dict(average_states([s["model"] for s in loaded], weights))
    metrics = {"stage": "soup", **evaluate_dev(model, load_tokenizer().encode_batch)}
    print("dev", json.dumps(metrics), flush=True)
    soup = {
        "runs": [str(r) for r in args.runs],
        "weights": weights,
        # what each run's recipe changed from the first's
        "ingredients": [{k: v for k, v in s["args"].items() if first["args"].get(k) != v} for s in loaded],
    }
    history = [*first["history"], metrics]
    save_run(args.out, model, first["heads"], first["meta"], history, {**first["args"], "soup": soup})


if __name__ == "__main__":
    main()
