"""The embedded model's negative-emotion probability as a continuous affect signal beside the yes/no label.

Every post is scored once through the pipeline in the ``goemotions-sentiment`` taxonomy (the
GoEmotions authors' grouping; its ``negative`` label is the noisy-OR of anger, annoyance,
disappointment, disapproval, disgust, embarrassment, fear, grief, nervousness, remorse and sadness),
giving ``negative_prob`` in [0, 1]. :func:`affect_agreement` then asks how often that signal, cut at
0.5, agrees with the annotator's affect label (``yes``/``no``; ``don't know`` left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.agreement import AgreementResult, agreement
from affectlab.analyses.stats import pearson
from affectlab.core.taxonomy import load_taxonomy
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.io import Progress

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["NEGATIVE_AT", "AffectSignal", "affect_agreement", "negative_probability"]

#: ``negative_prob`` at or above this reads as "affect yes" when comparing with the labels.
NEGATIVE_AT = 0.5
TAXONOMY, LABEL = "goemotions-sentiment", "negative"


@dataclass(frozen=True)
class AffectSignal:
    """How the model's negative-emotion probability relates to the affect labels.

    Attributes
    ----------
    model : str
        ``engine@version`` that gave ``negative_prob``.
    n : int
        Posts with an affect label of yes or no and a probability.
    agreement : float or None
        Share of those posts where ``negative_prob >= 0.5`` matches affect ``yes``, in [0, 1].
    kappa : AgreementResult or None
        Cohen's kappa of the two yes/no readings, with its bootstrap 95% interval.
    r : float or None
        Point-biserial correlation of ``negative_prob`` with affect yes (1) / no (0), in [-1, 1].
    mean_yes, mean_no : float or None
        Mean ``negative_prob`` of the posts labelled yes and no.
    """

    model: str
    n: int
    agreement: float | None
    kappa: AgreementResult | None
    r: float | None
    mean_yes: float | None
    mean_no: float | None


def negative_probability(
    texts: Sequence[str], engine: EngineSpec, *, progress: bool = False
) -> tuple[NDArray[np.float64], str]:
    """``negative_prob`` in [0, 1] of every text, and the ``engine@version`` that gave it."""
    analyzer = as_analyzer(engine, owner="polarization", taxonomy=TAXONOMY)
    index = list(load_taxonomy(TAXONOMY).labels).index(LABEL)
    step = analyzer.batch_size
    out = np.empty(len(texts), dtype=np.float64)
    with Progress("negative emotion", len(texts), unit="texts", enabled=progress) as bar:
        for start in range(0, len(texts), step):
            block = list(texts[start : start + step])
            out[start : start + len(block)] = analyzer.predict_probs(block)[:, index]
            bar.update(completed=start + len(block), count=start + len(block))
    return out, analyzer.model_


def affect_agreement(
    prob: NDArray[np.float64], affect: Sequence[object], model: str, *, n_boot: int = 1000, seed: int = 0
) -> AffectSignal:
    """Compare ``negative_prob >= 0.5`` with the affect labels ``yes``/``no`` of the same posts."""
    import pandas as pd

    labels = np.asarray(affect, dtype=object)
    used = np.isin(labels, ["yes", "no"]) & np.isfinite(prob)
    yes = labels[used] == "yes"
    p = prob[used]
    n = int(used.sum())
    if n == 0:
        return AffectSignal(model, 0, None, None, None, None, None)
    reading = p >= NEGATIVE_AT
    ratings = pd.DataFrame(
        {
            "item": np.r_[np.arange(n), np.arange(n)],
            "rater": ["label"] * n + ["model"] * n,
            "value": np.r_[np.where(yes, "yes", "no"), np.where(reading, "yes", "no")],
        }
    )
    kappa = agreement(ratings, item="item", rater="rater", value="value", metric="cohen", n_boot=n_boot, seed=seed)
    r = float(pearson(p, yes.astype(np.float64))) if n > 1 else float("nan")
    return AffectSignal(
        model=model,
        n=n,
        agreement=float((reading == yes).mean()),
        kappa=kappa,
        r=None if np.isnan(r) else r,
        mean_yes=float(p[yes].mean()) if yes.any() else None,
        mean_no=float(p[~yes].mean()) if (~yes).any() else None,
    )
