"""A multinomial logistic-regression probe on hidden states, evaluated on frames it has not seen.

Features are standardised on the training rows (one hidden dimension can hold most of the squared norm), the
weights fit by L-BFGS (scipy) with an L2 penalty, in the span of the training rows (exact for an L2 penalty).
:func:`grouped_cv_accuracy` holds whole frames out within the training split; it is what chooses the best layer,
so the test frames never choose anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Probe", "grouped_cv_accuracy"]


class Probe:
    """Softmax regression ``p(class | x)`` on standardised features.

    Parameters
    ----------
    l2 : float, default=1.0
        L2 penalty on the weights (per training row: the loss is mean cross-entropy + l2 * |W|^2 / (2 n)).
    max_iter : int, default=500
        L-BFGS iterations.
    """

    def __init__(self, l2: float = 1.0, max_iter: int = 500) -> None:
        self.l2 = l2
        self.max_iter = max_iter

    def fit(self, x: NDArray[np.float64], y: Sequence[str]) -> Probe:
        """Fit on ``x`` of shape (n_rows, width) and labels ``y`` (n_rows,)."""
        from scipy.optimize import minimize

        self.classes_ = sorted(set(y))
        index = {c: i for i, c in enumerate(self.classes_)}
        target = np.array([index[c] for c in y])
        self.mean_ = x.mean(axis=0)
        self.scale_ = x.std(axis=0) + 1e-6
        # An L2-penalised linear model's weights lie in the span of the training rows: fit in that basis (exact,
        # and n_rows << width dimensions).
        _, _, vt = np.linalg.svd((x - self.mean_) / self.scale_, full_matrices=False)
        basis = vt.T
        z = (x - self.mean_) / self.scale_ @ basis
        n, d = z.shape
        k = len(self.classes_)
        onehot = np.eye(k)[target]

        def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            w, b = theta[: d * k].reshape(d, k), theta[d * k :]
            logits = z @ w + b
            logits -= logits.max(axis=1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            p = np.exp(logp)
            value = -(onehot * logp).sum() / n + self.l2 * (w**2).sum() / (2 * n)
            grad_logits = (p - onehot) / n
            grad_w = z.T @ grad_logits + self.l2 * w / n
            return value, np.concatenate([grad_w.ravel(), grad_logits.sum(axis=0)])

        result = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter})
        self.coef_ = basis @ result.x[: d * k].reshape(d, k)
        self.intercept_ = result.x[d * k :]
        return self

    def predict(self, x: NDArray[np.float64]) -> list[str]:
        """The most probable class of each row of ``x`` (n_rows, width)."""
        logits = ((x - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return [self.classes_[i] for i in logits.argmax(axis=1)]

    def accuracy_score(self, x: NDArray[np.float64], y: Sequence[str]) -> float:
        """Share of rows whose predicted class is ``y``, in [0, 1]."""
        return float(np.mean([p == t for p, t in zip(self.predict(x), y)]))


def grouped_cv_accuracy(
    x: NDArray[np.float64], y: Sequence[str], groups: Sequence[str], *, folds: int = 3, l2: float = 1.0
) -> float:
    """Mean accuracy over ``folds`` folds of whole groups (frames), each held out once; NaN with < 2 groups."""
    names = sorted(set(groups))
    if len(names) < 2:
        return float("nan")
    labels = np.asarray(y)
    member = np.asarray(groups)
    scores = []
    for fold in range(min(folds, len(names))):
        held = set(names[fold :: min(folds, len(names))])
        test = np.isin(member, list(held))
        if len(set(labels[~test])) < 2:
            continue
        probe = Probe(l2=l2).fit(x[~test], labels[~test].tolist())
        scores.append(probe.accuracy_score(x[test], labels[test].tolist()))
    return float(np.mean(scores)) if scores else float("nan")
