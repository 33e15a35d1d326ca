"""Forward hooks on the residual stream: read it per layer, add a vector to it, or project a direction out.

Layer ``L`` (1..n) is the output of decoder block ``L - 1``; layer 0 is the input of the first block (the scaled
embeddings). Reading, steering and ablation all use these hooks, so the direction read at layer ``L`` is the one
added or removed at layer ``L`` (before the final norm, also at the last layer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.model import LanguageModel, blocks

__all__ = ["ablator", "adder", "edit_residual", "patcher", "read_residual"]

Edit = Callable[[Any], Any]


def _hidden(output: Any) -> Any:
    """The hidden-state tensor of a block's output (a tensor, or a tuple whose first item it is)."""
    return output[0] if isinstance(output, tuple) else output


def _replace(output: Any, hidden: Any) -> Any:
    return (hidden, *output[1:]) if isinstance(output, tuple) else hidden


@contextmanager
def read_residual(lm: LanguageModel, store: dict[int, Any]) -> Iterator[None]:
    """While active, each forward pass writes ``store[L]`` = residual stream at layer L, (batch, seq, width)."""
    handles = []
    layers = blocks(lm.model)

    def pre(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        store[0] = (args[0] if args else kwargs["hidden_states"]).detach()

    handles.append(layers[0].register_forward_pre_hook(pre, with_kwargs=True))
    for index, block in enumerate(layers):

        def post(_module: Any, _args: Any, output: Any, layer: int = index + 1) -> None:
            store[layer] = _hidden(output).detach()

        handles.append(block.register_forward_hook(post))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def edit_residual(lm: LanguageModel, edits: Mapping[int, Edit]) -> Iterator[None]:
    """While active, the residual stream at each layer ``L`` in ``edits`` is replaced by ``edits[L](hidden)``.

    ``hidden`` has shape (batch, seq, width) and covers every position of the pass (the prompt, then one new token
    per generation step).
    """
    handles = []
    layers = blocks(lm.model)
    for layer, edit in edits.items():
        if layer == 0:

            def pre(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], fn: Edit = edit) -> Any:
                if args:
                    return (fn(args[0]), *args[1:]), kwargs
                return args, {**kwargs, "hidden_states": fn(kwargs["hidden_states"])}

            handles.append(layers[0].register_forward_pre_hook(pre, with_kwargs=True))
        else:

            def post(_module: Any, _args: Any, output: Any, fn: Edit = edit) -> Any:
                return _replace(output, fn(_hidden(output)))

            handles.append(layers[layer - 1].register_forward_hook(post))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def adder(vector: NDArray[np.float64]) -> Edit:
    """An edit adding ``vector`` (width,) or one vector per row (batch, width) at every position."""
    import torch

    v = torch.as_tensor(np.asarray(vector), dtype=torch.float32)

    def add(hidden: Any) -> Any:
        row = v if v.ndim == 1 else v[: hidden.shape[0], None, :]
        return hidden + row.to(hidden.dtype)

    return add


def ablator(direction: NDArray[np.float64], means: NDArray[np.float64] | None = None) -> Edit:
    """An edit setting the component along a direction to a fixed value, at every position.

    ``direction`` is (width,) or one direction per row (batch, width); ``means`` (scalar or one per row) is the
    value the component is set to: 0 (the default) projects the direction out; the mean projection over reference
    text (mean ablation) removes what varies along it and keeps the model on its usual activations.
    """
    import torch

    u = torch.as_tensor(np.asarray(direction), dtype=torch.float32)
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    m = torch.as_tensor(np.zeros(u.shape[:-1]) if means is None else np.asarray(means), dtype=torch.float32)

    def ablate(hidden: Any) -> Any:
        unit = (u if u.ndim == 1 else u[: hidden.shape[0], None, :]).to(hidden.dtype)
        keep = (m if m.ndim == 0 else m[: hidden.shape[0], None, None]).to(hidden.dtype)
        return hidden - ((hidden * unit).sum(dim=-1, keepdim=True) - keep) * unit

    return ablate


def patcher(vectors: NDArray[np.float64]) -> Edit:
    """An edit replacing the last position of the first pass (the prompt) by one vector per row (batch, width).

    Later passes (one generated token each, with the cache) are left alone, so only the prompt's last token is
    patched. Make one per generation batch: it remembers that its first pass has happened.
    """
    import torch

    v = torch.as_tensor(np.asarray(vectors), dtype=torch.float32)
    done = False

    def patch(hidden: Any) -> Any:
        nonlocal done
        if done:
            return hidden
        done = True
        out = hidden.clone()
        out[:, -1, :] = v[: hidden.shape[0]].to(hidden.dtype)
        return out

    return patch
