"""Fluency of generated text: distinct-n, repetition, and perplexity under the unsteered model.

Perplexity alone does not catch degenerate loops ("loss loss loss" is likely once it has started); distinct-2
does, so the strength rule of :mod:`.evaluate` keeps distinct-2 above a floor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.model import LanguageModel

__all__ = ["distinct_n", "perplexity", "repetition_rate", "words"]

_WORD = re.compile(r"[\w']+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, apostrophes)."""
    return _WORD.findall(text.lower())


def distinct_n(text: str, n: int = 2) -> float:
    """Distinct word n-grams / all word n-grams of one text, in [0, 1]; NaN when it has no n-gram.

    Examples
    --------
    >>> distinct_n("loss loss loss loss", 2)
    0.3333333333333333
    >>> distinct_n("the cat sat on the mat", 2)
    1.0
    """
    tokens = words(text)
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def repetition_rate(text: str, n: int = 3) -> float:
    """Share of word n-grams that already occurred earlier in the same text, in [0, 1]; NaN without n-grams.

    Examples
    --------
    >>> repetition_rate("a b c a b c", 3)
    0.25
    """
    tokens = words(text)
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return float("nan")
    seen: set[tuple[str, ...]] = set()
    repeated = 0
    for gram in grams:
        repeated += gram in seen
        seen.add(gram)
    return repeated / len(grams)


def perplexity(
    lm: LanguageModel, prompts: Sequence[str], continuations: Sequence[str], *, batch_size: int = 16
) -> NDArray[np.float64]:
    """Perplexity of each continuation given its prompt under ``lm`` unedited, shape (n,), >= 1; NaN if empty.

    The continuation's tokens are those of ``prompt + continuation`` past the prompt's tokens.
    """
    import torch

    tokenizer = lm.tokenizer
    out = np.full(len(prompts), np.nan)
    for start in range(0, len(prompts), batch_size):
        p = list(prompts[start : start + batch_size])
        c = list(continuations[start : start + batch_size])
        n_prompt = [len(tokenizer(x)["input_ids"]) for x in p]
        batch = tokenizer([a + b for a, b in zip(p, c)], return_tensors="pt", padding=True)
        with torch.no_grad():
            logits = lm.model(**batch, use_cache=False).logits.double()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        ids = batch["input_ids"][:, 1:]
        token_logp = logp.gather(-1, ids[..., None])[..., 0]
        mask = batch["attention_mask"]
        for row in range(len(p)):
            length = int(mask[row].sum())
            pad = mask.shape[1] - length  # left padding
            first = pad + n_prompt[row]  # index of the first continuation token
            if first >= mask.shape[1]:
                continue
            nll = -token_logp[row, first - 1 :].numpy()
            out[start + row] = float(np.exp(nll.mean()))
    return out
