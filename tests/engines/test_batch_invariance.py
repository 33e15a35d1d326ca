"""A text's record does not depend on the texts scored with it (issue 14): the shipped model, mixed lengths."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab import Analyzer, analyze
from affectlab.engines.embedded import EmbeddedEngine
from affectlab.errors import ParameterError

TOLERANCE = 1e-4

SHORT = [
    "I am so furious at them, this is outrageous",
    "thanks!",
    "The results came back and the tumour has spread.",
    "Could you send me the invoice by Friday?",
    "Nobody was happy about the new schedule.",
    "wow",
    "My hands were shaking as the footsteps came closer in the dark.",
    "We finally got the keys to our first home today!!!",
]
LONG = [
    (
        "After three years of waiting, countless letters and a hearing that was postponed twice, the court "
        "finally ruled in our favour, and the whole family cried and laughed in the corridor for an hour. "
    )
    * 3,
    (
        "The report lists, in dry language, every failure of the inspection regime: missed visits, lost files, "
        "warnings that were filed and never read, and a bridge that was allowed to carry traffic for a decade. "
    )
    * 4,
]


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()


def _scores(engine: EmbeddedEngine, texts: list[str]) -> np.ndarray:
    native = engine.score(texts)
    parts = [native.probs, native.vad, native.intensity, *native.heads.values()]
    return np.hstack([p for p in parts if p is not None])


@pytest.mark.parametrize(
    ("batch_size", "batch_tokens", "threads"),
    [(1, 400, 1), (2, 400, 2), (32, 400, 1), (64, 400, 2), (32, 10_000, 2), (256, 100_000, 2)],
    ids=lambda v: str(v),
)
def test_scores_alone_equal_scores_in_any_batch(
    engine: EmbeddedEngine, batch_size: int, batch_tokens: int, threads: int
) -> None:
    alone = np.vstack([_scores(engine, [t]) for t in SHORT])
    other = EmbeddedEngine(engine.path, batch_size=batch_size, batch_tokens=batch_tokens, threads=threads, verify=False)
    rng = np.random.default_rng(batch_size * 10 + threads)
    for _ in range(3):
        crowd = LONG + SHORT * 3 + [t.upper() for t in SHORT]
        order = rng.permutation(len(crowd))
        scored = _scores(other, [crowd[i] for i in order])
        for j, i in enumerate(order):
            if len(LONG) <= i < len(LONG) + len(SHORT):
                gap = float(np.abs(scored[j] - alone[i - len(LONG)]).max())
                assert gap <= TOLERANCE, f"{SHORT[i - len(LONG)]!r}: {gap:.2e} apart in a batch of {len(crowd)}"


def test_the_public_record_does_not_move_with_its_neighbours() -> None:
    alone = analyze(SHORT[0])
    crowd = Analyzer().analyze(LONG * 20 + [SHORT[0]] + SHORT[1:] * 5)[len(LONG) * 20]
    assert alone.vad is not None and crowd.vad is not None
    for label, p in alone.emotions.items():
        assert abs(p - crowd.emotions[label]) <= TOLERANCE, label
    assert abs(alone.vad.valence - crowd.vad.valence) <= TOLERANCE


@pytest.mark.parametrize(("batch_size", "batch_tokens"), [(64, 400), (3, 10_000), (64, 1), (1, 1)])
def test_the_plan_covers_every_text_once_within_both_limits(batch_size: int, batch_tokens: int) -> None:
    engine = EmbeddedEngine(batch_size=batch_size, batch_tokens=batch_tokens, verify=False)
    lengths = [int(n) for n in np.random.default_rng(0).integers(3, 129, size=500)]
    plan = engine._plan(lengths)
    assert sorted(int(i) for batch in plan for i in batch) == list(range(len(lengths)))
    for batch in plan:
        width = max(lengths[i] for i in batch)
        assert len(batch) == 1 or (len(batch) <= batch_size and len(batch) * width <= batch_tokens)
    assert engine._plan([]) == []


def test_batch_limits_below_one_are_refused() -> None:
    with pytest.raises(ParameterError, match=r"'batch_tokens' parameter of EmbeddedEngine must be >= 1\. Got 0"):
        EmbeddedEngine(batch_tokens=0, verify=False)
