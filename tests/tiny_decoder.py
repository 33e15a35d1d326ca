"""Build a tiny random-weight decoder (Llama architecture, 2 layers, width 32) and a word-level tokenizer.

The vocabulary covers the shipped scenario and neutral-prompt words, so every emotion-direction command runs end to
end on it in seconds, with no hub access.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from affectlab.analyses.directions import scenarios_path

SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]


def _words() -> list[str]:
    words: set[str] = set()
    for name in ("scenarios.csv", "neutral_prompts.csv"):
        with open(scenarios_path(name), encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                words.update(re.findall(r"\w+|[^\w\s]", row["text"]))
    words.update(["sad", "happy", "angry", "afraid", "joy", "story", "Write", "full", "of", "a", "\n"])
    return sorted(words)


def build_tiny_decoder(folder: Path, *, n_layers: int = 2, width: int = 32, seed: int = 0) -> Path:
    """Write a transformers folder (config, weights, tokenizer) to ``folder`` and return it."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate([*SPECIALS, *_words()])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=width,
        intermediate_size=2 * width,
        num_hidden_layers=n_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=vocab["<bos>"],
        eos_token_id=vocab["<eos>"],
        pad_token_id=vocab["<pad>"],
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
