"""Build a tiny embedded-model artifact (word-level tokenizer, mean-of-embeddings ONNX encoder).

It exercises the real EmbeddedEngine code path in milliseconds; its scores are
random but deterministic.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, pre_tokenizers, processors

from affectlab.core.taxonomy import load_taxonomy

WORDS = [
    "i",
    "love",
    "this",
    "so",
    "much",
    "happy",
    "great",
    "awful",
    "hate",
    "sad",
    "angry",
    "scared",
    "not",
    "good",
    "bad",
    "the",
    "a",
    "it",
    "is",
    "was",
    "day",
    "movie",
    "flight",
    "again",
    "cancelled",
    "wonderful",
    "terrible",
    "thanks",
    "wow",
    "why",
    "what",
]


def build_tiny_artifact(folder: Path, dim: int = 8, max_tokens: int = 16, seed: int = 0) -> Path:
    """Write a complete artifact to ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tokenizer.save(str(folder / "tokenizer.json"))

    embedding = rng.normal(size=(len(vocab), dim)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["tokens"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["tokens", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "axis1"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["features"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "s"]),
        ],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["b", dim])],
        [
            numpy_helper.from_array(embedding, "embedding"),
            numpy_helper.from_array(np.array([2], np.int64), "axis2"),
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(folder / "encoder.onnx"))

    goemotions = load_taxonomy("goemotions").labels
    plutchik = load_taxonomy("plutchik").labels
    semeval = ("anger", "fear", "joy", "sadness", "surprise")
    sizes = {"goemotions": len(goemotions), "plutchik": len(plutchik), "semeval": 5, "vad": 3, "intensity": 5}
    arrays = {}
    for head, size in sizes.items():
        arrays[f"{head}.weight"] = rng.normal(size=(dim, size)).astype(np.float32)
        arrays[f"{head}.bias"] = rng.normal(size=size).astype(np.float32) - 1.0
    np.savez(folder / "heads.npz", **arrays)
    calibrated = lambda n: {"scale": [1.0] * n, "shift": [0.0] * n}  # noqa: E731
    config = {
        "name": "tiny-test",
        "version": "0.0.1",
        "native_taxonomy": "goemotions",
        "max_tokens": max_tokens,
        "heads": {
            "goemotions": {"labels": list(goemotions), **calibrated(len(goemotions))},
            "plutchik": {"labels": list(plutchik), **calibrated(len(plutchik))},
            "semeval": {"labels": list(semeval), **calibrated(5)},
            "vad": {"labels": ["valence", "arousal", "dominance"], "mean": [0.0] * 3, "std": [0.3] * 3},
            "intensity": {"labels": list(semeval), "mean": [0.2] * 5, "std": [0.2] * 5},
        },
        "intensity": {"labels": list(semeval)},
        "thresholds": {"goemotions": [0.4] * len(goemotions)},
    }
    config["sha256"] = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("encoder.onnx", "heads.npz", "tokenizer.json")
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return folder
