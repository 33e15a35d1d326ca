"""Generation with the residual stream edited: a direction added (steering) or projected out (ablation).

Steering adds ``strength x v`` to the residual stream at a layer, at every position (prompt and generated), where
``v`` is the raw mean-difference direction: the strength is a multiple of the direction's own norm, since the
hidden-state norm can be dominated by a single dimension. A random direction of the same norm is the control.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.extract import EmotionDirections
from affectlab.analyses.directions.hooks import Edit, adder, edit_residual
from affectlab.analyses.directions.model import LanguageModel, load_language_model
from affectlab.core.validation import check_int, check_number
from affectlab.errors import InputError
from affectlab.io import Progress

__all__ = ["Steered", "generate", "random_like", "steer", "steering_edits"]

#: Per-batch edits: ``edits_for(rows)`` gives the layer -> edit mapping for the prompts ``rows`` of a batch.
EditsFor = Callable[[slice], Mapping[int, Edit]]


def generate(
    lm: LanguageModel,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 30,
    edits: Mapping[int, Edit] | EditsFor | None = None,
    batch_size: int = 16,
    seed: int = 0,
    sample: bool = False,
    progress: bool = False,
    description: str = "generating",
) -> list[str]:
    """Continuations of ``prompts`` (the new text only), greedy unless ``sample``, with optional edits.

    Parameters
    ----------
    lm : LanguageModel
        The decoder.
    prompts : sequence of str
        One continuation per prompt, in order.
    max_new_tokens : int, default=30
        Tokens generated per prompt (>= 1).
    edits : mapping or callable, optional
        Layer -> edit of the residual stream (see :mod:`.hooks`), or a callable giving it per batch of rows.
    batch_size : int, default=16
        Prompts per generation batch (left-padded).
    seed : int, default=0
        Torch seed (only matters with ``sample``).
    sample : bool, default=False
        Sample (temperature 1) instead of greedy decoding.
    progress : bool, default=False
        Bar on stderr.
    description : str, default="generating"
        The bar's label.
    """
    import torch

    check_int(max_new_tokens, "max_new_tokens", "generate", minimum=1)
    check_int(batch_size, "batch_size", "generate", minimum=1)
    if isinstance(prompts, str):
        raise InputError("generate takes a list of prompts, not a single string; wrap it in a list.")
    torch.manual_seed(seed)
    tokenizer = lm.tokenizer
    out: list[str] = []
    with Progress(description, len(prompts), enabled=progress, unit="texts") as bar:
        for start in range(0, len(prompts), batch_size):
            rows = slice(start, min(start + batch_size, len(prompts)))
            batch = tokenizer(list(prompts[rows]), return_tensors="pt", padding=True)
            active = edits(rows) if callable(edits) else (edits or {})
            with edit_residual(lm, active), torch.no_grad():
                tokens = lm.model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    min_new_tokens=max_new_tokens,
                    do_sample=sample,
                    temperature=None if not sample else 1.0,
                    top_p=None,
                    top_k=None,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new = tokens[:, batch["input_ids"].shape[1] :]
            out += tokenizer.batch_decode(new, skip_special_tokens=True)
            bar.update(completed=rows.stop, count=rows.stop)
    return out


def random_like(vector: NDArray[np.float64], seed: int) -> NDArray[np.float64]:
    """A random direction (Gaussian, seeded) with the norm of ``vector``."""
    r = np.random.default_rng(seed).standard_normal(vector.shape[-1])
    return r / np.linalg.norm(r) * np.linalg.norm(vector)


def steering_edits(
    directions: EmotionDirections,
    emotion: str,
    *,
    strength: float,
    layers: Sequence[int] | None = None,
    control: bool = False,
    seed: int = 0,
) -> dict[int, Edit]:
    """Layer -> edit adding ``strength`` x the emotion's direction (or a random one of its norm, ``control``)."""
    check_number(strength, "strength", "steer")
    chosen = [directions.best_layer] if layers is None else [directions.check_layer(x, "steer") for x in layers]
    edits: dict[int, Edit] = {}
    for layer in chosen:
        v = directions.vector(emotion, layer)
        edits[layer] = adder(strength * (random_like(v, seed + layer) if control else v))
    return edits


@dataclass(frozen=True)
class Steered:
    """Steered continuations and their settings.

    Attributes
    ----------
    prompts, texts : list of str
        The prompts and their continuations (the new text only), in order.
    emotion : str
        The direction added.
    strength : float
        Multiple of the direction's norm added at each layer.
    layers : tuple of int
        Where it was added.
    control : bool
        True when a random direction of the same norm was added instead.
    model : str
        The decoder spec.
    """

    prompts: list[str]
    texts: list[str]
    emotion: str
    strength: float
    layers: tuple[int, ...]
    control: bool
    model: str


def steer(
    directions: EmotionDirections,
    prompts: Sequence[str],
    emotion: str,
    *,
    strength: float = 4.0,
    layers: Sequence[int] | None = None,
    control: bool = False,
    model: str | LanguageModel | None = None,
    max_new_tokens: int = 30,
    batch_size: int = 16,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> Steered:
    """Generate from ``prompts`` with ``strength`` x the direction of ``emotion`` added at ``layers``.

    Parameters
    ----------
    directions : EmotionDirections
        From :func:`~affectlab.analyses.directions.extract.extract` (or ``EmotionDirections.load``).
    prompts : sequence of str
        Prompts to continue.
    emotion : str
        One of ``directions.emotions``.
    strength : float, default=4.0
        Multiple of the direction's norm (0 = unsteered; negative steers away).
    layers : sequence of int, optional
        Layers to add it at (default: ``directions.best_layer``).
    control : bool, default=False
        Add a random direction of the same norm instead (the control).
    model : str or LanguageModel, optional
        The decoder (default: the spec the directions were extracted from).
    max_new_tokens, batch_size, seed, threads, progress
        As in :func:`generate` and :func:`~affectlab.analyses.directions.model.load_language_model`.

    Returns
    -------
    Steered
    """
    lm = load_language_model(model if model is not None else directions.model, threads=threads)
    edits = steering_edits(directions, emotion, strength=strength, layers=layers, control=control, seed=seed)
    texts = generate(
        lm, prompts, max_new_tokens=max_new_tokens, edits=edits, batch_size=batch_size, seed=seed, progress=progress
    )
    return Steered(list(prompts), texts, emotion, float(strength), tuple(edits), control, lm.spec)
