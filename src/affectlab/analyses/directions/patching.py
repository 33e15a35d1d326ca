"""Activation patching per layer: where the emotion of an event reaches the token that says how it felt.

Every test frame has a neutral scenario and emotional ones that differ from it only in the event. For each
emotional scenario (the clean run) and layer ``L``, the neutral scenario of its frame (the corrupted run) is
continued with its residual stream at ``L``, at the last prompt position only (the cue "... I felt"), replaced
by the clean run's. The gain of the classifier's probability of the clean emotion in the continuation, over the
unpatched neutral continuation, says how much of the emotion the last position carries at ``L``: little where
the event has not yet been read into it, most where it has. The control adds, instead, a random vector of the
same norm as the clean - corrupted difference (one per row, seeded). Influence = gain - control gain, with
paired bootstrap CIs over scenarios. Only the prompt pass is patched; generated tokens are left alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.data import Scenarios, load_scenarios
from affectlab.analyses.directions.evaluate import score_texts
from affectlab.analyses.directions.extract import EmotionDirections, hidden_states
from affectlab.analyses.directions.hooks import patcher
from affectlab.analyses.directions.model import LanguageModel, load_language_model
from affectlab.analyses.directions.steer import generate
from affectlab.analyses.stats import bootstrap_ci
from affectlab.errors import InputError
from affectlab.io import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["patch_layers"]


def _pairs(data: Scenarios, emotions: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """(clean prompts, their emotions, the neutral prompt of each one's frame) from the test split."""
    test = data.split("test")
    neutral = test[test["emotion"] == "neutral"].drop_duplicates("frame").set_index("frame")["text"]
    rows = test[(test["emotion"] != "neutral") & test["emotion"].isin(emotions) & test["frame"].isin(neutral.index)]
    if rows.empty:
        raise InputError(
            "Activation patching needs test frames with a neutral scenario and emotional ones of the directions' "
            "emotions."
        )
    return rows["text"].tolist(), rows["emotion"].tolist(), [neutral[f] for f in rows["frame"]]


def patch_layers(
    directions: EmotionDirections,
    *,
    model: str | LanguageModel | None = None,
    scenarios: Scenarios | str | None = None,
    layers: Sequence[int] | None = None,
    max_new_tokens: int = 16,
    engine: Any = "embedded",
    batch_size: int = 16,
    n_boot: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Patch the last prompt position of neutral scenarios with their emotional counterparts', layer by layer.

    Parameters
    ----------
    directions : EmotionDirections
        Gives the decoder spec and the emotions (its vectors are not used: patching needs no direction).
    model : str or LanguageModel, optional
        The decoder (default: the one the directions came from).
    scenarios : Scenarios or str, optional
        The scenario set; its test frames are used (default: the shipped set).
    layers : sequence of int, optional
        Layers to patch one at a time (default: 1..n_layers).
    max_new_tokens : int, default=16
        Greedy tokens per continuation.
    engine : str, Engine or Analyzer, default="embedded"
        The affectlab engine that judges the continuations.
    batch_size, n_boot, seed, threads, progress
        Generation batch; bootstrap resamples; seed of the control and the bootstrap; torch threads; bars.

    Returns
    -------
    pandas.DataFrame
        One row per layer: layer, n, clean_prob (the emotional prompt's own continuation), corrupted_prob (the
        neutral prompt's), patched_prob, gain = patched - corrupted (+ ``_lo``/``_hi``), control_gain (+ CI),
        influence = gain - control_gain (+ CI), restored = gain / (clean - corrupted) (NaN when that is <= 0);
        probabilities in [0, 1], 95% paired bootstrap CIs over scenarios.
    """
    import pandas as pd

    lm = load_language_model(model if model is not None else directions.model, threads=threads)
    data = scenarios if isinstance(scenarios, Scenarios) else load_scenarios(scenarios)
    clean, emotions, corrupted = _pairs(data, directions.emotions)
    chosen = directions.check_layers(layers, "patch_layers")
    gen = {"max_new_tokens": max_new_tokens, "batch_size": batch_size, "seed": seed}
    started = time.perf_counter()

    def judged(prompts: list[str], edits: Any, what: str) -> NDArray[np.float64]:
        texts = generate(lm, prompts, edits=edits, description=what, **gen)
        return score_texts(texts, emotions, engine=engine)["target_prob"]

    clean_states = hidden_states(lm, clean, batch_size=batch_size)["last"]
    corrupted_states = hidden_states(lm, corrupted, batch_size=batch_size)["last"]
    clean_prob = judged(clean, None, "clean")
    base = judged(corrupted, None, "corrupted")
    rng = np.random.default_rng(seed)
    table = []
    with Progress("patching layers", len(chosen), enabled=progress, unit="layers") as bar:
        for layer in chosen:
            source = clean_states[layer]
            gap = np.linalg.norm(source - corrupted_states[layer], axis=1, keepdims=True)
            noise = rng.standard_normal(source.shape)
            noise = corrupted_states[layer] + noise / np.linalg.norm(noise, axis=1, keepdims=True) * gap
            patched = judged(corrupted, lambda rows, v=source, at=layer: {at: patcher(v[rows])}, f"patch {layer}")
            control = judged(corrupted, lambda rows, v=noise, at=layer: {at: patcher(v[rows])}, f"control {layer}")
            table.append({"layer": layer, **_gains(clean_prob, base, patched, control, n_boot=n_boot, seed=seed)})
            bar.update(advance=1)
    frame = pd.DataFrame(table)
    frame.attrs["seconds"] = time.perf_counter() - started
    return frame


def _gains(
    clean: NDArray[np.float64],
    base: NDArray[np.float64],
    patched: NDArray[np.float64],
    control: NDArray[np.float64],
    **kw: Any,
) -> dict[str, Any]:
    """Mean gains over the corrupted run and their paired bootstrap CIs."""
    gain, control_gain = patched - base, control - base

    def stat(w: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        n = w.sum(axis=1)
        return {"gain": w @ gain / n, "control_gain": w @ control_gain / n, "influence": w @ (gain - control_gain) / n}

    ci = bootstrap_ci(stat, len(base), **kw)
    gap = float(clean.mean() - base.mean())
    row: dict[str, Any] = {
        "n": len(base),
        "clean_prob": float(clean.mean()),
        "corrupted_prob": float(base.mean()),
        "patched_prob": float(patched.mean()),
    }
    for name, values in (("gain", gain), ("control_gain", control_gain), ("influence", gain - control_gain)):
        lo, hi = ci[name] or (np.nan, np.nan)
        row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(values.mean()), lo, hi
    row["restored"] = float(gain.mean()) / gap if gap > 0 else float("nan")
    return row
