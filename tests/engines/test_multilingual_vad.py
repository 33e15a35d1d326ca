"""The multilingual engine's V-A-D head: kernel ridge on quantised unit vectors (affectlab.engines.multilingual.vad)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.kernel_ridge import KernelRidge

from affectlab.engines.multilingual.vad import CHUNK, KernelVAD, normalise, quantise


def test_the_head_predicts_what_scikit_learn_fitted_on_its_vectors() -> None:
    rng = np.random.default_rng(0)
    codes, scale = quantise(normalise(rng.normal(0, 1, (60, 16))))
    support = codes * scale
    y = rng.uniform(-1, 1, (60, 3))
    fitted = KernelRidge(kernel="rbf", gamma=1.5, alpha=0.5).fit(support, y - y.mean(axis=0))
    head = KernelVAD.from_arrays(KernelVAD(codes, scale, fitted.dual_coef_, y.mean(axis=0), 1.5).arrays())
    x = rng.normal(0, 3, (7, 16))  # any length: the head normalises
    np.testing.assert_allclose(head.predict(x), fitted.predict(normalise(x)) + y.mean(axis=0), atol=1e-9)
    assert head.predict(x[:1]) == pytest.approx(head.predict(x)[:1])  # a text's V-A-D does not depend on its batch


def test_quantised_vectors_stay_within_half_a_step() -> None:
    x = normalise(np.random.default_rng(1).normal(0, 1, (50, 8)))
    codes, scale = quantise(x)
    assert codes.dtype == np.int8
    assert np.all(np.abs(codes * scale - x) <= scale / 2 + 1e-12)


def test_a_zero_vector_is_scored_not_nan() -> None:
    codes, scale = quantise(normalise(np.eye(4)))
    head = KernelVAD(codes, scale, np.ones((4, 3)), np.zeros(3), gamma=1.0)
    assert np.isfinite(head.predict(np.zeros((1, 4)))).all()
    assert normalise(np.zeros((2, 4))).tolist() == np.zeros((2, 4)).tolist()


def test_blocks_of_texts_give_the_whole_batch_kernel() -> None:
    rng = np.random.default_rng(2)
    codes, scale = quantise(normalise(rng.normal(0, 1, (40, 8))))
    head = KernelVAD(codes, scale, rng.normal(0, 1, (40, 3)), np.zeros(3), gamma=2.0)
    x = rng.normal(0, 1, (2 * CHUNK + 3, 8))  # three blocks, the last one short
    np.testing.assert_allclose(head.predict(x), head.kernel(x) @ head.dual_coef, atol=1e-12)
    assert head.predict(x[:0]).shape == (0, 3)
