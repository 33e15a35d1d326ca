"""Which attention heads and MLP neurons write an emotion direction: attribution, then zeroing to check it.

At ``directions.best_layer`` the projection of the last token's residual stream on the prompt's own emotion
direction (a unit vector) is the metric. Every attention head (its slice of the input of ``o_proj``) and MLP
neuron (its input of ``down_proj``) of the blocks below is scored by activation x gradient, the first-order
estimate of what zeroing it would remove; the same attribution to a random direction is the control. The
``top_k`` heads and neurons are then zeroed one at a time (one forward pass each) and the measured drop of the
metric is reported next to the estimate, with the drop of ``top_k`` random components of each kind as the causal
control. Only Llama/Gemma-style blocks (``self_attn.o_proj``, ``mlp.down_proj``) are supported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from affectlab.analyses.directions.extract import EmotionDirections
from affectlab.analyses.directions.model import LanguageModel, blocks

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMPONENT_COLUMNS", "component_attribution"]

COMPONENT_COLUMNS = ["kind", "layer", "index", "score", "control_score", "zeroed_drop"]
KINDS = ("head", "neuron")


def _modules(lm: LanguageModel, layer: int) -> list[dict[str, Any]] | None:
    """Per block below ``layer``: its ``o_proj`` (heads) and ``down_proj`` (neurons); None if not Llama/Gemma."""
    out = []
    for block in list(blocks(lm.model))[:layer]:
        attn = getattr(getattr(block, "self_attn", None), "o_proj", None)
        mlp = getattr(getattr(block, "mlp", None), "down_proj", None)
        if attn is None or mlp is None:
            return None
        out.append({"head": attn, "neuron": mlp})
    return out


@contextmanager
def _last_state(lm: LanguageModel, layer: int, into: dict[str, Any]) -> Iterator[None]:
    """While active, ``into["h"]`` is the residual stream at ``layer`` (batch, seq, width) of each pass."""

    def post(_m: Any, _a: Any, out: Any) -> None:
        into["h"] = out[0] if isinstance(out, tuple) else out

    handle = list(blocks(lm.model))[layer - 1].register_forward_hook(post)
    try:
        yield
    finally:
        handle.remove()


def _attribution(lm: LanguageModel, batch: Any, modules: list[dict[str, Any]], layer: int, units: Any) -> Any:
    """Activation x gradient of the mean projection on ``units`` per component: kind -> (n_blocks, n_units)."""
    import torch

    acts: dict[tuple[str, int], Any] = {}
    handles = []
    for index, pair in enumerate(modules):
        for kind, module in pair.items():

            def pre(_m: Any, args: tuple[Any, ...], key: tuple[str, int] = (kind, index)) -> None:
                args[0].retain_grad()
                acts[key] = args[0]

            handles.append(module.register_forward_pre_hook(pre))
    captured: dict[str, Any] = {}
    try:
        with _last_state(lm, layer, captured), torch.enable_grad():
            lm.model(**batch, use_cache=False)
            (captured["h"][:, -1, :] * units).sum(dim=-1).mean().backward()
    finally:
        for handle in handles:
            handle.remove()
    mask = batch["attention_mask"][:, :, None].float()
    n_heads = int(lm.model.config.num_attention_heads)
    scores: dict[str, Any] = {kind: [] for kind in KINDS}
    for index in range(len(modules)):
        for kind in KINDS:
            a = acts[(kind, index)]
            contrib = (-(a * a.grad * mask).sum(dim=1).mean(dim=0)).detach().numpy()
            scores[kind].append(contrib.reshape(n_heads, -1).sum(axis=-1) if kind == "head" else contrib)
    lm.model.zero_grad(set_to_none=True)
    return {kind: np.stack(v) for kind, v in scores.items()}


def _projection(lm: LanguageModel, batch: Any, layer: int, units: Any, zero: tuple | None = None) -> float:
    """Mean projection of the last token's residual at ``layer`` on ``units``, with one component zeroed.

    ``zero`` = (module, first column, columns): that slice of the module's input is set to 0 at every position.
    """
    import torch

    def pre(_m: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        x = args[0].clone()
        x[..., zero[1] : zero[1] + zero[2]] = 0
        return (x, *args[1:])

    captured: dict[str, Any] = {}
    handle = zero[0].register_forward_pre_hook(pre) if zero is not None else None
    try:
        with _last_state(lm, layer, captured), torch.no_grad():
            lm.model(**batch, use_cache=False)
    finally:
        if handle is not None:
            handle.remove()
    return float((captured["h"][:, -1, :] * units).sum(dim=-1).mean())


def component_attribution(
    lm: LanguageModel,
    directions: EmotionDirections,
    prompts: Sequence[str],
    emotions: Sequence[str],
    *,
    top_k: int = 10,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Top heads and neurons writing the best layer's emotion direction, each zeroed to check the estimate.

    Returns
    -------
    components : pandas.DataFrame
        The ``top_k`` heads and ``top_k`` neurons by absolute attribution: kind, layer (the block's output
        layer), index, score (estimated projection removed by zeroing it, residual units), control_score (the
        same component's attribution to a random direction), zeroed_drop (the projection removed when it is
        actually zeroed).
    control : dict
        ``{kind}_attribution_max``: largest absolute control attribution of any component of that kind;
        ``{kind}_zeroed_random``: mean absolute zeroed drop of ``top_k`` random components of that kind (seeded).
        Empty when the blocks are not Llama/Gemma-style.
    """
    import pandas as pd
    import torch

    layer = directions.best_layer
    modules = _modules(lm, layer) if layer >= 1 else None
    if modules is None:
        return pd.DataFrame(columns=COMPONENT_COLUMNS), {}
    batch = lm.tokenizer(list(prompts), return_tensors="pt", padding=True)
    target = torch.as_tensor(directions.units(emotions, layer), dtype=torch.float32)
    rng = np.random.default_rng(seed + 7)
    noise = rng.standard_normal(tuple(target.shape))
    noise = torch.as_tensor(noise / np.linalg.norm(noise, axis=1, keepdims=True), dtype=torch.float32)
    real = _attribution(lm, batch, modules, layer, target)
    ctrl = _attribution(lm, batch, modules, layer, noise)
    base = _projection(lm, batch, layer, target)
    head_width = modules[0]["head"].in_features // int(lm.model.config.num_attention_heads)

    def zeroed_drop(kind: str, block: int, unit: int) -> float:
        width = head_width if kind == "head" else 1
        return base - _projection(lm, batch, layer, target, (modules[block][kind], unit * width, width))

    rows, control = [], {}
    for kind in KINDS:
        control[f"{kind}_attribution_max"] = float(np.abs(ctrl[kind]).max())
        for position in np.argsort(-np.abs(real[kind]).ravel())[:top_k]:
            block, unit = (int(x) for x in np.unravel_index(position, real[kind].shape))
            rows.append(
                {
                    "kind": kind,
                    "layer": block + 1,
                    "index": unit,
                    "score": float(real[kind][block, unit]),
                    "control_score": float(ctrl[kind][block, unit]),
                    "zeroed_drop": zeroed_drop(kind, block, unit),
                }
            )
        picks = rng.choice(real[kind].size, size=min(top_k, real[kind].size), replace=False)
        drops = [abs(zeroed_drop(kind, *(int(x) for x in np.unravel_index(p, real[kind].shape)))) for p in picks]
        control[f"{kind}_zeroed_random"] = float(np.mean(drops))
    return pd.DataFrame(rows, columns=COMPONENT_COLUMNS), control
