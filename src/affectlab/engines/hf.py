"""Hugging Face engine: any local (or cached) sequence-classification model through transformers.

Needs the ``[hf]`` extra (torch, transformers). The model's ``id2label`` names
are matched to a known taxonomy when they are all labels of it (e.g. a
GoEmotions or an Ekman model); otherwise they become a custom taxonomy named
``hf-<folder name>``, registered for this process. Multi-label models
(``problem_type == "multi_label_classification"``) are read with a sigmoid,
others with a softmax. Texts longer than the model's window are split into
chunks of whole tokens and the chunk probabilities averaged (never truncated).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from affectlab.core import taxonomy as tx
from affectlab.engines.base import Engine, NativeScores
from affectlab.errors import MissingExtra, ModelLoadError

__all__ = ["HFEngine", "match_taxonomy"]


def _clean(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def match_taxonomy(labels: list[str]) -> str | None:
    """The smallest shipped taxonomy whose labels include all of ``labels`` (cleaned), else None."""
    wanted = {_clean(label) for label in labels}
    fits = [name for name in tx.available_taxonomies() if wanted <= set(tx.load_taxonomy(name).labels)]
    return min(fits, key=lambda name: len(tx.load_taxonomy(name)), default=None)


class HFEngine(Engine):
    """Run a transformers sequence-classification model.

    Parameters
    ----------
    model : str
        A local folder written by ``save_pretrained`` (or a hub id already in the local cache;
        no download is attempted unless ``AFFECTLAB_ALLOW_DOWNLOADS=1``).
    batch_size : int, default=32
        Texts per forward pass.
    threads : int, optional
        torch intra-op threads.
    max_tokens : int, optional
        Window in tokens; default the model's maximum (at most 512).
    """

    def __init__(
        self, model: str, *, batch_size: int = 32, threads: int | None = None, max_tokens: int | None = None
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.threads = threads
        self.max_tokens = max_tokens
        self._load()

    def _load(self) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise MissingExtra(
                "The hf engine needs torch and transformers: pip install torch==2.13.0 'affectlab[hf]'."
            ) from exc
        local_only = os.environ.get("AFFECTLAB_ALLOW_DOWNLOADS") != "1"
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model, local_files_only=local_only)
            self._model = AutoModelForSequenceClassification.from_pretrained(self.model, local_files_only=local_only)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"Could not load Hugging Face model {self.model!r} offline: {exc}. Pass a local folder saved with "
                "save_pretrained(), or set AFFECTLAB_ALLOW_DOWNLOADS=1 where a hub is reachable."
            ) from exc
        self._model.eval()
        if self.threads:
            torch.set_num_threads(self.threads)
        config = self._model.config
        self._labels = [config.id2label[i] for i in range(config.num_labels)]
        self._multilabel = config.problem_type == "multi_label_classification"
        limit = min(getattr(self._tokenizer, "model_max_length", 512) or 512, 512)
        self._window = self.max_tokens or limit
        matched = match_taxonomy(self._labels)
        if matched is None:
            name = "hf-" + _clean(Path(self.model).name or self.model)
            matched = tx.register_taxonomy(
                tx.Taxonomy(
                    name=name,
                    labels=tuple(_clean(label) for label in self._labels),
                    kind="multilabel" if self._multilabel else "exclusive",
                    description=f"Labels of the Hugging Face model {self.model}.",
                    source=str(self.model),
                    version="1",
                )
            ).name
        native = tx.load_taxonomy(matched)
        self._columns = [native.index(_clean(label)) for label in self._labels]
        self.native_taxonomy = native.name
        self.name = f"hf:{self.model}"
        self.version = str(getattr(config, "_name_or_path", "") or "local")

    def chunks(self, text: str) -> list[str]:
        """Windows of whole tokens that fit the model (special tokens included)."""
        body = self._window - self._tokenizer.num_special_tokens_to_add()
        encoding = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoding["offset_mapping"]
        if len(offsets) <= body:
            return [text]
        return [text[offsets[i][0] : offsets[min(i + body, len(offsets)) - 1][1]] for i in range(0, len(offsets), body)]

    def score(self, texts: list[str]) -> NativeScores:
        import torch

        out = np.zeros((len(texts), len(tx.load_taxonomy(self.native_taxonomy))))
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tokenizer(
                    texts[start : start + self.batch_size],
                    padding=True,
                    truncation=True,
                    max_length=self._window,
                    return_tensors="pt",
                )
                logits = self._model(**batch).logits.float()
                probs = torch.sigmoid(logits) if self._multilabel else torch.softmax(logits, dim=-1)
                out[start : start + len(probs), self._columns] = probs.numpy()
        return NativeScores(out)
