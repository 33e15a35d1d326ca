"""Store an int8 encoder's weights as uint8 (zero point 128) so that it computes the same numbers on every x86 CPU.

The exported encoders multiply uint8 activations by int8 weights (``MatMulIntegerToFloat``). On x86 CPUs
without VNNI (AVX2 only, e.g. AMD Zen 2/3), onnxruntime's uint8 x int8 kernel adds pairs of products in
16 bits (``vpmaddubsw``), which saturates when both activations are near 255 and both weights large
(255 x 127 x 2 > 32,767); with AVX512-VNNI or AVX-VNNI the sums are exact. The same model therefore gave
other numbers on other machines: measured on an AVX2-only AMD EPYC (2026-12-04), affectlab-e5 0.2.0's pooled
vectors had cosine 0.931 (min) / 0.989 (mean) to the exact ones on 200 EmoITA dev texts, and the fused
dev macro-F1 it was fitted with (on a VNNI machine) fell by 0.003-0.023 (Algerian Arabic 0.620 -> 0.597,
German 0.646 -> 0.623). onnxruntime's uint8 x uint8 kernel widens to 16 bits before multiplying and never
saturates, so weights ``w + 128`` with zero point 128 give exactly the int8 model's exact result: the dev
figures above are reproduced to 1e-6 on the AVX2 machine, and nothing fitted on the exact outputs
(thresholds, heads) changes. The uint8 x uint8 kernel is slower, though (here 15 %, and it has no VNNI
speed-up where VNNI exists); weights within +-64 cannot saturate, so this script leaves them signed and
``training/export_default.py --weights 7bit`` quantizes to 7 bits to keep the faster kernel.

    python training/unsigned_weights.py packages/affectlab-e5/src/affectlab_e5 --version 0.2.1
    python training/unsigned_weights.py src/affectlab/models/default --version 1.3.2

rewrites ``encoder.onnx`` in place and updates ``config.json`` (version, checksum, quantization note).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

#: The largest int8 weight magnitude the uint8 x int8 kernel multiplies without saturating (255 x 64 x 2 < 32,768).
SAFE = 64
NOTE = "weights stored as uint8 with zero point 128 (training/unsigned_weights.py): exact on every x86 CPU"


def cannot_saturate(weights: np.ndarray) -> bool:
    """Whether int8 ``weights`` are 7-bit (within +-``SAFE``), exact on the uint8 x int8 kernel without VNNI."""
    return weights.dtype == np.int8 and int(np.abs(weights.astype(np.int16)).max()) <= SAFE


def unsigned_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with every ``MatMulIntegerToFloat``'s constant int8 weights and zero points shifted to uint8,
    except weights within +-64 (7-bit, ``reduce_range``), which cannot saturate and keep the faster kernel."""
    index = {init.name: k for k, init in enumerate(model.graph.initializer)}
    shifted: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulIntegerToFloat":
            continue
        names = (node.input[1], node.input[5])  # B and B's zero point
        missing = [name for name in names if name not in index]
        if missing:
            raise ValueError(f"{node.name}: {missing[0]} is not a constant; only constant weights can be shifted")
        weights = numpy_helper.to_array(model.graph.initializer[index[names[0]]])
        if cannot_saturate(weights):
            continue
        for name in names:
            values = numpy_helper.to_array(model.graph.initializer[index[name]])
            if name in shifted or values.dtype == np.uint8:
                continue
            if values.dtype != np.int8:
                raise ValueError(f"{node.name}: {name} is {values.dtype}, expected int8")
            unsigned = (values.astype(np.int16) + 128).astype(np.uint8)
            model.graph.initializer[index[name]].CopyFrom(numpy_helper.from_array(unsigned, name))
            shifted.add(name)
    onnx.checker.check_model(model)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact", type=Path, help="folder with encoder.onnx and config.json, rewritten in place")
    parser.add_argument("--version", required=True, help="the artifact's new version")
    args = parser.parse_args()
    path = args.artifact / "encoder.onnx"
    onnx.save(unsigned_weights(onnx.load(str(path))), str(path))
    config_path = args.artifact / "config.json"
    text = config_path.read_text(encoding="utf-8")
    config, second = json.loads(text), text.splitlines()[1]
    config["version"] = args.version
    config["sha256"]["encoder.onnx"] = hashlib.sha256(path.read_bytes()).hexdigest()
    key = "quantization" if "quantization" in config else "encoder"
    if NOTE not in config[key]:
        config[key] = f"{config[key]}; {NOTE}"
    indent = len(second) - len(second.lstrip())  # keep the file's own layout
    config_path.write_text(json.dumps(config, indent=indent) + "\n", encoding="utf-8")
    print(f"wrote {path} ({config['name']} {args.version})")


if __name__ == "__main__":
    main()
