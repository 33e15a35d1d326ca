"""Rebuild a training run from a shipped model artifact, so that training can continue from it.

The package ships the default model as an int8 ONNX encoder plus numpy heads, not as a
PyTorch checkpoint. This script turns such an artifact back into a ``<out>/model.pt`` of the
kind ``training/train_default.py`` writes: every int8 weight is dequantized
(``(q - zero_point) * scale``, per output channel for the MatMuls, per tensor for the
embedding tables), the float weights are copied, and the heads come from ``heads.npz`` in
their standardised form. Training history, arguments and label metadata come from the
artifact's ``config.json`` and from the training data (the seed it names), as do the event
train rows that ``training/events.py`` held out (its seed and share), so that an export of the
rebuilt run fits the Ekman thresholds on them again. Run from the
project root::

    python training/from_artifact.py --model src/affectlab/models/default --out runs/from-1.1.0

It prints how closely the rebuilt PyTorch encoder reproduces the artifact's own features
(cosine over GoEmotions dev texts); dequantized weights are exact, so the gap is only the
ONNX runtime's int8 activations (dynamic to 1.3.0, fixed scales from 1.3.1 on). The rebuilt
model's dev figures join the history (stage "rebuilt from <version>"), so that what later stages
gain is measured from there.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from transformers import AutoModel

from affectlab import datasets
from affectlab.engines.embedded import EmbeddedEngine
from common import encoder_dir, load_tokenizer, save_run
from events import event_task
from train_default import MultiTaskModel, evaluate_dev, load_tasks, pad

# artifact head name -> training head name
HEAD_NAMES = {
    "goemotions": "goemotions",
    "vad": "vad",
    "plutchik": "plutchik",
    "semeval": "semeval_a",
    "intensity": "semeval_b",
}


def dequantized_encoder(path: Path) -> dict[str, torch.Tensor]:
    """Encoder weights of an exported ONNX file, keyed as in ``MultiTaskModel.state_dict()``."""
    graph = onnx.load(str(path)).graph
    arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    state: dict[str, torch.Tensor] = {}
    for name, value in arrays.items():
        if name.startswith("model.") and name.endswith((".weight", ".bias")) and value.dtype == np.float32:
            state[name.removeprefix("model.")] = torch.from_numpy(value.copy())
    for node in graph.node:
        if node.op_type == "Gather" and node.input[0].endswith(".weight_quantized"):
            stem = node.input[0].removesuffix("_quantized")  # model.encoder.embeddings.<table>.weight
            q, scale, zero = arrays[node.input[0]], arrays[f"{stem}_scale"], arrays[f"{stem}_zero_point"]
            table = (q.astype(np.float32) - zero.astype(np.float32)) * scale
            state[stem.removeprefix("model.")] = torch.from_numpy(table)
        elif node.op_type in ("MatMulInteger", "MatMulIntegerToFloat"):  # dynamic (to 1.3.0), static (1.3.1 on)
            # node names follow the module path: /encoder/encoder/layer.0/attention/self/query/MatMul_quant[_fused]
            module = ".".join(node.name.strip("/").split("/")[:-1])
            weight = node.input[1]
            stem = weight.removesuffix("_quantized")
            q, scale, zero = arrays[weight], arrays[f"{stem}_scale"], arrays[f"{stem}_zero_point"]
            matrix = (q.astype(np.float32) - zero.astype(np.float32)[None, :]) * scale[None, :]
            state[f"{module}.weight"] = torch.from_numpy(np.ascontiguousarray(matrix.T))  # Linear is (out, in)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("src/affectlab/models/default"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--check-texts", type=int, default=300, help="GoEmotions dev texts for the feature check")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = json.loads((args.model / "config.json").read_text())
    training = config["training"]
    seed = int(training["args"]["seed"])
    _, meta = load_tasks(seed)
    stage = training["args"].get("events_stage")
    if stage:  # events.py held these train rows out for export's Ekman thresholds: keep them out again
        meta["event_holdout_ids"] = event_task(int(stage["seed"]), float(stage["holdout"]))[1]
    for key, mean in (("vad", "vad_mean"), ("intensity", "semeval_b_mean")):
        if not np.allclose(meta[mean], config["heads"][key]["mean"]):
            raise SystemExit(f"the data's {mean} differs from the artifact's: not the data it was trained on")

    heads_npz = np.load(args.model / "heads.npz")
    heads = {HEAD_NAMES[name]: int(heads_npz[f"{name}.bias"].shape[0]) for name in HEAD_NAMES}
    model = MultiTaskModel(AutoModel.from_pretrained(encoder_dir()), heads)
    state = model.state_dict()
    encoder = dequantized_encoder(args.model / "encoder.onnx")
    unknown = set(encoder) - set(state)
    if unknown:
        raise SystemExit(f"artifact weights with no place in the model: {sorted(unknown)[:5]}")
    state.update(encoder)
    for name, target in HEAD_NAMES.items():
        state[f"heads.{target}.weight"] = torch.from_numpy(heads_npz[f"{name}.weight"].T.copy())
        state[f"heads.{target}.bias"] = torch.from_numpy(heads_npz[f"{name}.bias"].copy())
    model.load_state_dict(state)
    kept = sorted(k for k in state if k.startswith("encoder.") and k not in encoder)
    print(f"rebuilt {len(encoder)} encoder tensors; kept from MiniLM (unused by the features): {kept}", flush=True)

    texts = datasets.goemotions("dev").texts[: args.check_texts]
    reference = EmbeddedEngine(args.model).features(texts)
    model.eval()
    tokenizer = load_tokenizer(config["max_tokens"])
    encoded = [e.ids for e in tokenizer.encode_batch(texts)]
    with torch.no_grad():
        rebuilt = np.concatenate(
            [model.features(*pad(encoded[i : i + 32])).numpy() for i in range(0, len(encoded), 32)]
        )
    cosine = np.sum(rebuilt * reference, 1) / (np.linalg.norm(rebuilt, axis=1) * np.linalg.norm(reference, axis=1))
    print(f"feature cosine to the artifact: mean {cosine.mean():.4f}, min {cosine.min():.4f}", flush=True)

    metrics = {"stage": f"rebuilt from {config['version']}", "step": 0, **evaluate_dev(model, tokenizer.encode_batch)}
    print("dev", json.dumps(metrics), flush=True)

    run_args = {**training["args"], "from_artifact": {"name": config["name"], "version": config["version"]}}
    save_run(args.out, model, heads, meta, [*training["history"], metrics], run_args)


if __name__ == "__main__":
    main()
