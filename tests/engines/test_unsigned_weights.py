"""Shipped int8 encoders compute the same numbers on every x86 CPU: onnxruntime's uint8 x int8 kernel
saturates without VNNI for weights beyond +-64, so their weights are stored as uint8
(training/unsigned_weights.py) or quantized to 7 bits (training/export_default.py --weights 7bit)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from unsigned_weights import SAFE, cannot_saturate, unsigned_weights  # noqa: E402


def _int8_product(weights: np.ndarray) -> onnx.ModelProto:
    """y = (a - 0) x 0.5 x weights x 0.01 + 1 with uint8 ``a`` and int8 ``weights`` (zero point 0)."""
    inits = [
        numpy_helper.from_array(weights, "w"),
        numpy_helper.from_array(np.array(0.5, np.float32), "a_scale"),
        numpy_helper.from_array(np.full(weights.shape[1], 0.01, np.float32), "w_scale"),
        numpy_helper.from_array(np.array(0, np.uint8), "a_zero"),
        numpy_helper.from_array(np.zeros(weights.shape[1], np.int8), "w_zero"),
        numpy_helper.from_array(np.ones(weights.shape[1], np.float32), "bias"),
    ]
    inputs = ["a", "w", "a_scale", "w_scale", "a_zero", "w_zero", "bias"]
    node = helper.make_node("MatMulIntegerToFloat", inputs, ["y"], domain="com.microsoft")
    graph = helper.make_graph(
        [node],
        "product",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, weights.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, weights.shape[1]])],
        inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets)


def _run(model: onnx.ModelProto, a: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"a": a})[0]


def test_unsigned_weights_give_the_exact_integer_product() -> None:
    rng = np.random.default_rng(0)
    weights = rng.integers(-127, 128, (64, 16)).astype(np.int8)
    weights[:2] = 127  # with activations of 255, pairs of products exceed int16 (where a CPU has no VNNI)
    a = rng.integers(0, 256, (5, 64)).astype(np.uint8)
    a[:, :2] = 255
    exact = (a.astype(np.int64) @ weights.astype(np.int64)) * 0.5 * 0.01 + 1
    shifted = unsigned_weights(_int8_product(weights))
    stored = {i.name: numpy_helper.to_array(i) for i in shifted.graph.initializer}
    assert stored["w"].dtype == np.uint8 and stored["w_zero"].tolist() == [128] * 16
    np.testing.assert_allclose(_run(shifted, a), exact, rtol=1e-6)


def test_seven_bit_weights_give_the_exact_integer_product_on_the_signed_kernel() -> None:
    rng = np.random.default_rng(1)
    weights = rng.integers(-SAFE, SAFE + 1, (64, 16)).astype(np.int8)
    weights[:2] = SAFE  # the largest 7-bit weight next to the largest activation: 255 x 64 x 2 fits in int16
    weights[2:4] = -SAFE
    a = rng.integers(0, 256, (5, 64)).astype(np.uint8)
    a[:, :4] = 255
    exact = (a.astype(np.int64) @ weights.astype(np.int64)) * 0.5 * 0.01 + 1
    np.testing.assert_allclose(_run(_int8_product(weights), a), exact, rtol=1e-6)


def test_seven_bit_weights_are_left_signed() -> None:
    weights = np.arange(-64, 64, dtype=np.int8).reshape(8, 16)
    model = _int8_product(weights)
    assert unsigned_weights(onnx.ModelProto.FromString(model.SerializeToString())) == model


def test_an_already_unsigned_model_is_left_as_it_is() -> None:
    weights = np.arange(-8, 8, dtype=np.int8).reshape(4, 4)
    once = unsigned_weights(_int8_product(weights))
    twice = unsigned_weights(onnx.ModelProto.FromString(once.SerializeToString()))
    assert twice.SerializeToString() == once.SerializeToString()


@pytest.mark.parametrize("folder", ["src/affectlab/models/default", "packages/affectlab-e5/src/affectlab_e5"])
def test_the_shipped_encoders_weights_cannot_saturate(folder: str) -> None:
    path = ROOT / folder / "encoder.onnx"
    if not path.is_file():
        pytest.skip(f"{path} is not in this checkout")
    model = onnx.load(str(path))
    arrays = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    products = [n for n in model.graph.node if n.op_type == "MatMulIntegerToFloat"]
    assert products, "no integer products: the encoder is not the int8 export"
    for node in products:
        weights = arrays[node.input[1]]
        if weights.dtype == np.uint8:  # zero point 128: the uint8 x uint8 kernel, exact
            assert arrays[node.input[5]].tolist() == [128] * len(arrays[node.input[5]]), node.name
        else:
            assert cannot_saturate(weights), node.name
