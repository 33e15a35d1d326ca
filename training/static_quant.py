"""Make an int8 encoder batch-invariant and faster: fixed (calibrated) activation scales, fused products.

onnxruntime's dynamic quantization (``DynamicQuantizeLinear``) computes one uint8 scale and zero
point over the whole activation tensor of each batch, so a text's features depend on the texts it
is batched with (the most extreme one sets the scale), and every call pays for a min/max pass over
every activation. This script measures each quantized activation's range once, over calibration
texts from the training splits, and replaces each ``DynamicQuantizeLinear`` by a ``QuantizeLinear``
with that fixed scale and zero point, then fuses each integer product with its rescaling and bias
into one ``MatMulIntegerToFloat`` (onnxruntime does that by itself only for dynamic scales). Weights,
heads and everything else stay as they are. Values outside the calibrated range saturate at 0 or 255.

    python training/static_quant.py src/affectlab/models/default /tmp/static --n-texts 4000

writes a complete artifact folder (encoder.onnx replaced, config.json's checksums and quantization
note updated). Calibration texts: GoEmotions, EmoBank, XED and BRIGHTER (English) train splits,
never dev or test; seeded.

Measured on 1.2.0 (2026-12-01, this 2-core machine): a sentence alone and inside a batch of 40 long
ones gives features equal to 2e-7 (before: up to 0.23 apart, surprise 0.505 vs 0.581); dev EmoBank
valence r .7505 -> .7494, GoEmotions macro-F1 .527 -> .528. Without the fusion the encoder ran about
8% slower than the dynamic one; with it, GoEmotions test through ``EmbeddedEngine.features`` (best
of 6, alternating, 2 cores) gave 1,088 texts/s against 1,049 for the dynamic encoder, with outputs
identical to the unfused static graph. 1.3.1 is 1.3.0 through this script::

    python training/static_quant.py <1.3.0 artifact> src/affectlab/models/default --version 1.3.1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from affectlab import datasets
from affectlab.core.text import spell_out
from affectlab.engines.embedded import EmbeddedEngine
from unsigned_weights import unsigned_weights


def calibration_texts(n_texts: int, seed: int = 0) -> list[str]:
    """``n_texts`` texts drawn (seeded) from the English training splits, never dev or test."""
    pools = [
        datasets.load_dataset("goemotions", "train").texts,
        datasets.load_dataset("emobank", "train").texts,
        datasets.load_dataset("xed-en", "train").texts,
        datasets.load_dataset("brighter-a:eng", "train").texts,
    ]
    rng = np.random.default_rng(seed)
    share = n_texts // len(pools)
    picked = [pool[i] for pool in pools for i in rng.choice(len(pool), min(share, len(pool)), replace=False)]
    return [spell_out(t) for t in picked]


def id_feeds(encoded: list[list[int]], batch: int = 64) -> Iterator[dict[str, np.ndarray]]:
    """Encoder inputs (``input_ids``, ``attention_mask``, padded with 0) for token ids, ``batch`` texts a call."""
    for start in range(0, len(encoded), batch):
        chunk = encoded[start : start + batch]
        width = max(len(e) for e in chunk)
        ids = np.zeros((len(chunk), width), np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(chunk):
            ids[row, : len(e)], mask[row, : len(e)] = e, 1
        yield {"input_ids": ids, "attention_mask": mask}


def activation_ranges(model: onnx.ModelProto, feeds: Iterable[dict[str, np.ndarray]]) -> dict[str, tuple[float, float]]:
    """Min and max (0 included) of every DynamicQuantizeLinear input over calibration inputs (``feeds``)."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    names = [n.input[0] for n in probe.graph.node if n.op_type == "DynamicQuantizeLinear"]
    probe.graph.output.extend(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in names)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    ranges = {name: (0.0, 0.0) for name in names}
    for feed in feeds:
        for name, value in zip(names, session.run(names, feed)):
            lo, hi = ranges[name]
            ranges[name] = (min(lo, float(value.min())), max(hi, float(value.max())))
    return ranges


def rewrite(model: onnx.ModelProto, ranges: dict[str, tuple[float, float]]) -> onnx.ModelProto:
    """``model`` with each DynamicQuantizeLinear replaced by a QuantizeLinear of fixed scale and zero point."""
    graph = model.graph
    nodes = []
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        lo, hi = ranges[node.input[0]]
        scale = max(hi - lo, 1e-12) / 255.0
        zero_point = int(np.clip(round(-lo / scale), 0, 255))
        quantized, scale_name, zp_name = node.output
        graph.initializer.extend(
            [
                numpy_helper.from_array(np.array(scale, np.float32), scale_name),
                numpy_helper.from_array(np.array(zero_point, np.uint8), zp_name),
            ]
        )
        nodes.append(
            helper.make_node("QuantizeLinear", [node.input[0], scale_name, zp_name], [quantized], name=node.name)
        )
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def fuse_matmuls(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with each ``MatMulInteger -> Cast -> Mul(scales) [-> Add(bias)]`` as one ``MatMulIntegerToFloat``.

    onnxruntime fuses that chain by itself only when the activation scale comes from a
    ``DynamicQuantizeLinear``; with fixed scales it would run four kernels per product. The
    fused operator (``com.microsoft`` domain) computes the same numbers in one pass.
    """
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    constants = {init.name for init in graph.initializer}
    replaced: dict[str, onnx.NodeProto] = {}
    dropped: set[str] = set()
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        (cast,) = consumers[node.output[0]]
        (mul,) = consumers[cast.output[0]]
        scales = producer[next(i for i in mul.input if i != cast.output[0])]
        a_scale, b_scale = scales.input
        if a_scale not in constants or b_scale not in constants:
            raise ValueError(f"{node.name}: activation scale is not fixed; run rewrite() first")
        inputs, output = [node.input[0], node.input[1], a_scale, b_scale, node.input[2], node.input[3]], mul.output[0]
        users = consumers.get(output, [])
        if len(users) == 1 and users[0].op_type == "Add" and any(i in constants for i in users[0].input):
            inputs.append(next(i for i in users[0].input if i in constants))
            output = users[0].output[0]
            dropped.add(users[0].name)
        replaced[node.name] = helper.make_node(
            "MatMulIntegerToFloat", inputs, [output], name=f"{node.name}_fused", domain="com.microsoft"
        )
        dropped.update({cast.name, mul.name} | ({scales.name} if len(consumers[scales.output[0]]) == 1 else set()))
    nodes = [replaced.get(n.name, n) for n in graph.node if n.name not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="artifact folder with a dynamically quantized encoder.onnx")
    parser.add_argument("target", type=Path, help="new artifact folder")
    parser.add_argument("--n-texts", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--version", help="version of the new artifact (default: the source's)")
    args = parser.parse_args()
    if args.target.exists():
        raise SystemExit(f"{args.target} exists; remove it first")
    shutil.copytree(args.source, args.target)
    engine = EmbeddedEngine(args.source, threads=2)
    model = onnx.load(str(args.source / "encoder.onnx"))
    encoded = engine._encode(calibration_texts(args.n_texts, args.seed))  # the engine's tokenization and truncation
    ranges = activation_ranges(model, id_feeds(encoded))
    onnx.save(unsigned_weights(fuse_matmuls(rewrite(model, ranges))), str(args.target / "encoder.onnx"))
    config = json.loads((args.target / "config.json").read_text(encoding="utf-8"))
    config["version"] = args.version or config["version"]
    config["sha256"]["encoder.onnx"] = hashlib.sha256((args.target / "encoder.onnx").read_bytes()).hexdigest()
    config["encoder"] = (
        f"{config['encoder']}; activations static uint8 per tensor, ranges calibrated on {args.n_texts} train "
        f"texts (seed {args.seed}) by training/static_quant.py, so a text's scores do not depend on its batch"
    )
    (args.target / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.target}: {len(ranges)} activations calibrated")


if __name__ == "__main__":
    main()
