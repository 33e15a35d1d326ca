"""Which layers, attention heads and MLP neurons carry an emotion, each against a random-direction control.

Layers (causal, judged by the classifier): for every emotional test scenario (neutral left out), the emotion's
direction at layer ``L`` is projected out of the residual stream at ``L`` (every position) while the model
continues the prompt; the drop of the classifier's probability of that emotion in the continuation, paired with
the unablated continuation, is the layer's effect. The control projects out a random direction instead (one per
prompt, seeded). The causal influence of a layer is effect - control, with a paired bootstrap CI over prompts.
``all`` ablates the emotion's direction at every layer at once.

Components (linear attribution, not causal): at ``directions.best_layer`` the projection of the last token's
residual stream on the prompt's own emotion direction is attributed to each attention head (input of ``o_proj``)
and MLP neuron (input of ``down_proj``) of the blocks below by activation x gradient, the first-order estimate of
what zeroing the component would remove. The same attribution to a random direction is the control. Only
Llama/Gemma-style blocks (``self_attn.o_proj``, ``mlp.down_proj``) are supported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.data import Scenarios, load_scenarios
from affectlab.analyses.directions.evaluate import score_texts
from affectlab.analyses.directions.extract import EmotionDirections
from affectlab.analyses.directions.hooks import ablator
from affectlab.analyses.directions.model import LanguageModel, blocks, load_language_model
from affectlab.analyses.directions.steer import generate
from affectlab.analyses.stats import bootstrap_ci
from affectlab.core.serialize import jsonable
from affectlab.errors import InputError
from affectlab.io import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LocalizationReport", "component_attribution", "localize"]


@dataclass(frozen=True)
class LocalizationReport:
    """What :func:`localize` measured.

    Attributes
    ----------
    model : str
        The decoder spec.
    layers : pandas.DataFrame
        One row per ablated layer (and ``all``): layer, n, target_prob (unablated, [0, 1]), drop, drop_lo,
        drop_hi (target-probability drop when the emotion direction is projected out), control_drop (+ CI, a
        random direction), influence (drop - control_drop, + CI); 95% paired bootstrap CIs over prompts.
    components : pandas.DataFrame
        The ``top_k`` heads and ``top_k`` neurons by attribution: kind ("head" or "neuron"), layer (the block's
        output layer), index, score (mean projection removed by zeroing it, residual units), control_score.
    control_max : dict
        Largest absolute control attribution of any head and of any neuron, for scale.
    settings : dict
        Prompts, tokens, seed, engine, timings (seconds).
    """

    model: str
    layers: pd.DataFrame
    components: pd.DataFrame
    control_max: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tables as lists of records)."""
        return jsonable(
            {
                "model": self.model,
                "layers": self.layers.to_dict("records"),
                "components": self.components.to_dict("records"),
                "control_max": self.control_max,
                "settings": self.settings,
            },
            digits=6,
        )


def _units(directions: EmotionDirections, emotions: Sequence[str], layer: int) -> NDArray[np.float64]:
    """(n_rows, width) unit directions of each row's emotion at ``layer``."""
    v = np.stack([directions.vector(e, layer) for e in emotions])
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _random_units(n: int, width: int, seed: int) -> NDArray[np.float64]:
    r = np.random.default_rng(seed).standard_normal((n, width))
    return r / np.linalg.norm(r, axis=1, keepdims=True)


def _ablations(units: dict[int, NDArray[np.float64]]) -> Any:
    """Per-batch edits projecting each row's own direction out at each layer of ``units``."""
    return lambda rows: {layer: ablator(v[rows]) for layer, v in units.items()}


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
    chosen = (
        list(range(1, directions.n_layers + 1))
        if layers is None
        else [directions.check_layer(x, "localize") for x in layers]
    )
    gen = {"max_new_tokens": max_new_tokens, "batch_size": batch_size, "seed": seed}
    started = time.perf_counter()

    def judged(edits: Any, what: str) -> NDArray[np.float64]:
        texts = generate(lm, prompts, edits=edits, description=what, **gen)
        return score_texts(texts, emotions, engine=engine)["target_prob"]

    base = judged(None, "unablated")
    table = []
    every = list(range(1, directions.n_layers + 1))
    with Progress("ablating layers", len(chosen) + 1, enabled=progress, unit="layers") as bar:
        for layer in [*chosen, None]:
            units = {x: _units(directions, emotions, x) for x in (every if layer is None else [layer])}
            noise = {x: _random_units(len(prompts), lm.width, seed + x) for x in units}
            ablated = judged(_ablations(units), f"ablate {layer or 'all'}")
            control = judged(_ablations(noise), f"control {layer or 'all'}")
            row = _paired(base, ablated, control, n_boot=n_boot, seed=seed)
            table.append({"layer": "all" if layer is None else str(layer), **row})
            bar.update(advance=1)
    timings = {"layers_s": time.perf_counter() - started}
    started = time.perf_counter()
    comp = pd.DataFrame(columns=["kind", "layer", "index", "score", "control_score"])
    control_max: dict[str, float] = {}
    if components and directions.best_layer >= 1:
        comp, control_max = component_attribution(lm, directions, prompts, emotions, top_k=top_k, seed=seed)
    timings["components_s"] = time.perf_counter() - started
    settings = {
        "n_prompts": len(prompts),
        "emotions": sorted(set(emotions)),
        "max_new_tokens": max_new_tokens,
        "decoding": "greedy",
        "seed": seed,
        "n_boot": n_boot,
        "best_layer": directions.best_layer,
        "engine": score_engine_name(engine),
        **timings,
    }
    return LocalizationReport(lm.spec, pd.DataFrame(table), comp, control_max, settings)


def score_engine_name(engine: Any) -> str:
    """``engine@version`` of the judge."""
    from affectlab.engines.pipeline import as_analyzer

    return as_analyzer(engine, owner="localize", taxonomy="ekman").model_


def _component_modules(block: Any) -> tuple[Any, Any] | None:
    attn = getattr(getattr(block, "self_attn", None), "o_proj", None)
    mlp = getattr(getattr(block, "mlp", None), "down_proj", None)
    return (attn, mlp) if attn is not None and mlp is not None else None


def component_attribution(
    lm: LanguageModel,
    directions: EmotionDirections,
    prompts: Sequence[str],
    emotions: Sequence[str],
    *,
    top_k: int = 10,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Activation x gradient attribution of the best layer's emotion projection to heads and neurons below it.

    Returns the ``top_k`` heads and neurons (by absolute score) and the largest absolute control score of each
    kind; see the module docstring. Empty when the blocks are not Llama/Gemma-style.
    """
    import pandas as pd
    import torch

    layer = directions.best_layer
    below = list(blocks(lm.model))[:layer]
    modules = [_component_modules(b) for b in below]
    empty = pd.DataFrame(columns=["kind", "layer", "index", "score", "control_score"])
    if any(m is None for m in modules):
        return empty, {}
    n_heads = int(lm.model.config.num_attention_heads)
    target = torch.as_tensor(_units(directions, emotions, layer), dtype=torch.float32)
    noise = torch.as_tensor(_random_units(len(prompts), lm.width, seed + 7), dtype=torch.float32)
    scores = {"head": [], "neuron": []}
    batch = lm.tokenizer(list(prompts), return_tensors="pt", padding=True)
    for unit_set in (target, noise):
        acts: dict[tuple[str, int], Any] = {}
        handles = []
        for index, (attn, mlp) in enumerate(modules):
            for kind, module in (("head", attn), ("neuron", mlp)):

                def pre(
                    _m: Any, args: tuple[Any, ...], key: tuple[str, int] = (kind, index), into: dict = acts
                ) -> None:
                    args[0].retain_grad()
                    into[key] = args[0]

                handles.append(module.register_forward_pre_hook(pre))
        captured: dict[str, Any] = {}

        def post(_m: Any, _a: Any, out: Any, into: dict = captured) -> None:
            into["h"] = out[0] if isinstance(out, tuple) else out

        handles.append(below[-1].register_forward_hook(post))
        try:
            with torch.enable_grad():
                lm.model(**batch, use_cache=False)
                metric = (captured["h"][:, -1, :] * unit_set).sum(dim=-1).mean()
                metric.backward()
        finally:
            for handle in handles:
                handle.remove()
        mask = batch["attention_mask"][:, :, None].float()
        for index in range(len(modules)):
            a = acts[("head", index)]
            contrib = -(a * a.grad * mask).sum(dim=1).mean(dim=0)  # (n_heads * head_dim,)
            scores["head"].append(contrib.reshape(n_heads, -1).sum(dim=-1).detach().numpy())
            a = acts[("neuron", index)]
            scores["neuron"].append((-(a * a.grad * mask).sum(dim=1).mean(dim=0)).detach().numpy())
    lm.model.zero_grad(set_to_none=True)
    out, control_max = [], {}
    for kind in ("head", "neuron"):
        n_layers = len(modules)
        real, ctrl = np.stack(scores[kind][:n_layers]), np.stack(scores[kind][n_layers:])
        control_max[kind] = float(np.abs(ctrl).max())
        flat = np.argsort(-np.abs(real).ravel())[:top_k]
        for position in flat:
            li, ci = np.unravel_index(position, real.shape)
            out.append(
                {
                    "kind": kind,
                    "layer": int(li) + 1,
                    "index": int(ci),
                    "score": float(real[li, ci]),
                    "control_score": float(ctrl[li, ci]),
                }
            )
    return pd.DataFrame(out), control_max
