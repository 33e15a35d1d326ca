"""Which layers, attention heads and MLP neurons carry an emotion, each against a random-direction control.

Layers, by ablation (causal, judged by the classifier): for every emotional test scenario (neutral left out),
the component of the residual stream along the emotion's direction at layer ``L`` is set to its mean over the
tokens of the training scenarios (mean ablation, at every position; see :func:`token_means`) while the model
continues the prompt; the drop of the classifier's probability of that emotion in the continuation, paired with
the unablated continuation, is the layer's effect. The control does the same with a random direction (one per
prompt, seeded). The causal influence of a layer is effect - control, with a paired bootstrap CI over prompts.
``all`` ablates the emotion's direction at every layer at once. Mean ablation rather than projecting the
direction out (setting it to 0): in a residual stream dominated by a few large dimensions, zeroing even a random
direction moves the activations far from anything the model has seen, and the control then destroys as much as
the direction does.

Layers, by activation patching: see :mod:`.patching`. Heads and neurons: see :mod:`.components`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.components import COMPONENT_COLUMNS, component_attribution
from affectlab.analyses.directions.data import Scenarios, load_scenarios
from affectlab.analyses.directions.evaluate import score_texts
from affectlab.analyses.directions.extract import EmotionDirections
from affectlab.analyses.directions.hooks import ablator, read_residual
from affectlab.analyses.directions.model import LanguageModel, load_language_model
from affectlab.analyses.directions.patching import patch_layers
from affectlab.analyses.directions.steer import generate
from affectlab.analyses.stats import bootstrap_ci
from affectlab.core.serialize import jsonable
from affectlab.errors import InputError
from affectlab.io import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LocalizationReport", "localize"]


@dataclass(frozen=True)
class LocalizationReport:
    """What :func:`localize` measured.

    Attributes
    ----------
    model : str
        The decoder spec.
    layers : pandas.DataFrame
        One row per ablated layer (and ``all``): layer, n, target_prob (unablated, [0, 1]), drop, drop_lo,
        drop_hi (target-probability drop under mean ablation of the emotion direction), control_drop (+ CI, a
        random direction), influence (drop - control_drop, + CI); 95% paired bootstrap CIs over prompts.
    patching : pandas.DataFrame
        One row per patched layer, as returned by :func:`~affectlab.analyses.directions.patching.patch_layers`
        (empty when not asked for).
    components : pandas.DataFrame
        The ``top_k`` heads and ``top_k`` neurons by attribution, each also zeroed (see :mod:`.components`).
    component_control : dict
        The components' controls: largest random-direction attribution and mean zeroed drop of random
        components, per kind.
    settings : dict
        Prompts, tokens, seed, engine, timings (seconds).
    """

    model: str
    layers: pd.DataFrame
    patching: pd.DataFrame
    components: pd.DataFrame
    component_control: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tables as lists of records)."""
        return jsonable(
            {
                "model": self.model,
                "layers": self.layers.to_dict("records"),
                "patching": self.patching.to_dict("records"),
                "components": self.components.to_dict("records"),
                "component_control": self.component_control,
                "settings": self.settings,
            },
            digits=6,
        )


def token_means(lm: LanguageModel, texts: list[str], *, batch_size: int = 16) -> NDArray[np.float64]:
    """Mean residual stream over every token of ``texts`` but each one's first, per layer: (n_layers + 1, width).

    The first token is left out: it is the attention sink, whose activations are orders of magnitude larger than
    any other token's and would dominate the mean.
    """
    import torch

    total, count = None, 0
    for start in range(0, len(texts), batch_size):
        batch = lm.tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True)
        store: dict[int, Any] = {}
        with read_residual(lm, store), torch.no_grad():
            lm.model(**batch, use_cache=False)
        mask = batch["attention_mask"].clone()
        mask[torch.arange(len(mask)), mask.argmax(dim=1)] = 0  # each text's first real token (left padding)
        stack = torch.stack([store[layer] for layer in sorted(store)]).double()
        part = (stack * mask[None, :, :, None]).sum(dim=(1, 2)).numpy()
        total, count = (part if total is None else total + part), count + int(mask.sum())
    return total / max(count, 1)


def _random_units(n: int, width: int, seed: int) -> NDArray[np.float64]:
    r = np.random.default_rng(seed).standard_normal((n, width))
    return r / np.linalg.norm(r, axis=1, keepdims=True)


def _ablations(units: dict[int, NDArray[np.float64]], centers: NDArray[np.float64]) -> Any:
    """Per-batch edits mean-ablating each row's own direction at each layer of ``units``.

    ``centers`` (n_layers + 1, width) is the mean residual stream of the reference text at each layer.
    """
    return lambda rows: {layer: ablator(v[rows], v[rows] @ centers[layer]) for layer, v in units.items()}


def _paired(base: NDArray[np.float64], ablated: NDArray[np.float64], control: NDArray[np.float64], **kw: Any):
    """Mean drops and their paired bootstrap CIs over prompts."""
    drop, control_drop = base - ablated, base - control

    def stat(w: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        n = w.sum(axis=1)
        return {"drop": w @ drop / n, "control_drop": w @ control_drop / n, "influence": w @ (drop - control_drop) / n}

    ci = bootstrap_ci(stat, len(base), **kw)
    row: dict[str, Any] = {"n": len(base), "target_prob": float(base.mean())}
    for name, values in (("drop", drop), ("control_drop", control_drop), ("influence", drop - control_drop)):
        lo, hi = ci[name] or (np.nan, np.nan)
        row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(values.mean()), lo, hi
    return row


def localize(
    directions: EmotionDirections,
    *,
    model: str | LanguageModel | None = None,
    scenarios: Scenarios | str | None = None,
    layers: Sequence[int] | None = None,
    max_new_tokens: int = 20,
    engine: Any = "embedded",
    patching: bool = True,
    components: bool = True,
    top_k: int = 10,
    batch_size: int = 16,
    n_boot: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> LocalizationReport:
    """Ablate each emotion's direction layer by layer on emotional prompts, and attribute it to components.

    Parameters
    ----------
    directions : EmotionDirections
        From :func:`~affectlab.analyses.directions.extract.extract`.
    model : str or LanguageModel, optional
        The decoder (default: the one the directions came from).
    scenarios : Scenarios or str, optional
        Emotional prompts: the test split's non-neutral rows (default: the shipped set).
    layers : sequence of int, optional
        Layers to ablate one at a time (default: 1..n_layers); ``all`` is always measured too.
    max_new_tokens : int, default=20
        Greedy tokens per continuation.
    engine : str, Engine or Analyzer, default="embedded"
        The affectlab engine that judges the continuations.
    patching : bool, default=True
        Also patch the last prompt position layer by layer (see :mod:`.patching`).
    components : bool, default=True
        Also attribute the best layer's direction to heads and neurons.
    top_k : int, default=10
        Heads and neurons reported.
    batch_size, n_boot, seed, threads, progress
        Generation batch; bootstrap resamples; seed; torch threads; progress bars.

    Returns
    -------
    LocalizationReport
    """
    import pandas as pd

    lm = load_language_model(model if model is not None else directions.model, threads=threads)
    data = scenarios if isinstance(scenarios, Scenarios) else load_scenarios(scenarios)
    rows = data.split("test")
    rows = rows[(rows["emotion"] != "neutral") & rows["emotion"].isin(directions.emotions)].reset_index(drop=True)
    if rows.empty:
        raise InputError("localize needs emotional (non-neutral) test scenarios of the directions' emotions.")
    prompts, emotions = rows["text"].tolist(), rows["emotion"].tolist()
    chosen = directions.check_layers(layers, "localize")
    gen = {"max_new_tokens": max_new_tokens, "batch_size": batch_size, "seed": seed}
    started = time.perf_counter()

    def judged(edits: Any, what: str) -> NDArray[np.float64]:
        texts = generate(lm, prompts, edits=edits, description=what, **gen)
        return score_texts(texts, emotions, engine=engine)["target_prob"]

    centers = token_means(lm, data.split("train")["text"].tolist(), batch_size=batch_size)
    base = judged(None, "unablated")
    table = []
    every = list(range(1, directions.n_layers + 1))
    with Progress("ablating layers", len(chosen) + 1, enabled=progress, unit="layers") as bar:
        for layer in [*chosen, None]:
            units = {x: directions.units(emotions, x) for x in (every if layer is None else [layer])}
            noise = {x: _random_units(len(prompts), lm.width, seed + x) for x in units}
            ablated = judged(_ablations(units, centers), f"ablate {layer or 'all'}")
            control = judged(_ablations(noise, centers), f"control {layer or 'all'}")
            row = _paired(base, ablated, control, n_boot=n_boot, seed=seed)
            table.append({"layer": "all" if layer is None else str(layer), **row})
            bar.update(advance=1)
    timings = {"layers_s": time.perf_counter() - started}
    started = time.perf_counter()
    patched = pd.DataFrame()
    if patching:
        patched = patch_layers(
            directions, model=lm, scenarios=data, layers=chosen, engine=engine, n_boot=n_boot, progress=progress, **gen
        )
    timings["patching_s"] = time.perf_counter() - started
    started = time.perf_counter()
    comp = pd.DataFrame(columns=COMPONENT_COLUMNS)
    control: dict[str, float] = {}
    if components and directions.best_layer >= 1:
        comp, control = component_attribution(lm, directions, prompts, emotions, top_k=top_k, seed=seed)
    timings["components_s"] = time.perf_counter() - started
    settings = {
        "n_prompts": len(prompts),
        "emotions": sorted(set(emotions)),
        "max_new_tokens": max_new_tokens,
        "decoding": "greedy",
        "ablation": "mean: the component along the direction set to its mean over the train scenarios' tokens "
        "(each text's first token left out)",
        "seed": seed,
        "n_boot": n_boot,
        "best_layer": directions.best_layer,
        "engine": score_engine_name(engine),
        **timings,
    }
    return LocalizationReport(lm.spec, pd.DataFrame(table), patched, comp, control, settings)


def score_engine_name(engine: Any) -> str:
    """``engine@version`` of the judge."""
    from affectlab.engines.pipeline import as_analyzer

    return as_analyzer(engine, owner="localize", taxonomy="ekman").model_
