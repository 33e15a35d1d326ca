"""The embedded default engine: an ONNX encoder and numpy heads shipped inside the package.

An artifact is a folder holding ``encoder.onnx`` (token ids -> pooled features),
``tokenizer.json``, ``heads.npz`` (one weight matrix and bias per head) and
``config.json`` (labels, calibration, thresholds, scales, file checksums).
``training/export_default.py`` writes it; nothing here needs torch or a network.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.core import taxonomy as tx
from affectlab.core.text import spell_out
from affectlab.engines.base import Engine, NativeScores, sigmoid
from affectlab.errors import ModelLoadError, ParameterError

__all__ = ["EmbeddedEngine", "default_model_dir", "installed_models"]

REQUIRED_FILES = ("config.json", "encoder.onnx", "heads.npz", "tokenizer.json")


def _models_root() -> Path:
    return Path(str(resources.files("affectlab") / "models"))


def installed_models() -> list[str]:
    """Names of the model artifacts shipped in the package."""
    root = _models_root()
    return sorted(p.name for p in root.iterdir() if (p / "config.json").is_file()) if root.is_dir() else []


def default_model_dir(name: str = "default") -> Path:
    """Folder of a shipped artifact (``default`` unless named)."""
    path = _models_root() / name
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"No model {name!r} is installed in the package (installed: {', '.join(installed_models()) or 'none'})."
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EmbeddedEngine(Engine):
    """Run a shipped (or any compatible) artifact with onnxruntime.

    Parameters
    ----------
    path : str or Path, optional
        Artifact folder; default the package's ``models/default``.
    threads : int, optional
        Encoder calls run at once, each on one core; default all cores (``AFFECTLAB_THREADS``
        overrides). Batches run side by side rather than one batch split over cores: for
        short texts that is faster (no thread synchronisation inside each small matrix
        product) and degrades gracefully when other processes share the cores.
    batch_size : int, default=64
        Texts per encoder call at most.
    batch_tokens : int, default=400
        Padded tokens (texts x longest text) per encoder call at most; a longer text runs alone.
        Texts are sorted by token length and cut into calls under both limits, so short texts
        go many to a call and long ones few, and little padding is computed (measured here:
        calls of 200 GoEmotions texts 15-20% faster than fixed batches of 32, whole files as fast).
    verify : bool, default=True
        Check every file's sha256 against ``config.json`` when loading.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        threads: int | None = None,
        batch_size: int = 64,
        batch_tokens: int = 400,
        verify: bool = True,
    ) -> None:
        self.path = Path(path) if path is not None else default_model_dir()
        self.threads = threads
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.verify = verify
        self._load()

    def _load(self) -> None:
        missing = [f for f in REQUIRED_FILES if not (self.path / f).is_file()]
        if missing:
            raise ModelLoadError(f"Model folder {self.path} lacks {', '.join(missing)}.")
        try:
            self.config: dict[str, Any] = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{self.path / 'config.json'} is not valid JSON: {exc}.") from exc
        if self.verify:
            for name, expected in self.config.get("sha256", {}).items():
                if _sha256(self.path / name) != expected:
                    raise ModelLoadError(f"{self.path / name} does not match its sha256 in config.json; reinstall.")
        for name, value in (("batch_size", self.batch_size), ("batch_tokens", self.batch_tokens)):
            if value < 1:
                raise ParameterError(f"The {name!r} parameter of EmbeddedEngine must be >= 1. Got {value}.")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = self.config["name"]
        self.version = self.config["version"]
        self.native_taxonomy = self.config["native_taxonomy"]
        self.max_tokens = int(self.config["max_tokens"])
        self.intensity_labels = tuple(self.config.get("intensity", {}).get("labels", ()))
        self._tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        options = ort.SessionOptions()
        self._runners = self.threads or int(os.environ.get("AFFECTLAB_THREADS", "0")) or os.cpu_count() or 1
        options.intra_op_num_threads = 1  # parallel across batches instead, see ``threads``
        options.inter_op_num_threads = 1
        self._pool = ThreadPoolExecutor(self._runners, thread_name_prefix="affectlab-encoder")  # threads start lazily
        try:
            self._session = ort.InferenceSession(
                str(self.path / "encoder.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(f"onnxruntime could not load {self.path / 'encoder.onnx'}: {exc}") from exc
        with np.load(self.path / "heads.npz") as heads:
            self._heads = {k: heads[k].astype(np.float32) for k in heads.files}
        self._thresholds = {k: np.asarray(v, dtype=np.float64) for k, v in self.config.get("thresholds", {}).items()}

    # -- text handling -------------------------------------------------------------------------
    def chunks(self, text: str) -> list[str]:
        """Split text longer than the window into consecutive windows of whole tokens.

        Counting happens on the spelled-out text (see :func:`affectlab.core.text.spell_out`),
        which is what the encoder reads, so no window is ever cut short.
        """
        body = self.max_tokens - 2  # [CLS] and [SEP]
        spelled = spell_out(text)
        if len(spelled) <= body:  # a word piece covers at least one character: it fits, no need to tokenize
            return [text]
        encoding = self._tokenizer.encode(spelled, add_special_tokens=False)
        if len(encoding.ids) <= body:
            return [text]
        offsets = encoding.offsets
        return [
            spelled[offsets[i][0] : offsets[min(i + body, len(offsets)) - 1][1]] for i in range(0, len(offsets), body)
        ]

    def _encode(self, texts: list[str]) -> list[list[int]]:
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        limit = self.max_tokens
        return [e if len(e) <= limit else e[: limit - 1] + e[-1:] for e in ids]

    def features(self, texts: list[str]) -> NDArray[np.float32]:
        """Pooled encoder features, shape (n_texts, feature_dim).

        A text's features do not depend on the texts batched with it (the shipped encoders use
        fixed activation scales and the pooling ignores padding).
        """
        encoded = self._encode(texts)
        batches = self._plan([len(e) for e in encoded])
        if len(batches) > 1 and self._runners > 1:
            results = list(self._pool.map(lambda idx: self._run(encoded, idx), batches))
        else:
            results = [self._run(encoded, idx) for idx in batches]
        if not results:
            return np.empty((0, 0), np.float32)
        out = np.empty((len(texts), results[0].shape[1]), np.float32)
        for idx, feats in zip(batches, results, strict=True):
            out[idx] = feats
        return out

    def _plan(self, lengths: list[int]) -> list[NDArray[np.intp]]:
        """Encoder calls: indices sorted by length, cut under ``batch_size`` texts and ``batch_tokens`` padding."""
        batches: list[NDArray[np.intp]] = []
        start, width = 0, 0
        order = np.argsort(lengths, kind="stable")
        for end, i in enumerate(order):
            width = max(width, lengths[i])  # sorted: the text being added is the longest so far
            if end > start and (end - start == self.batch_size or (end - start + 1) * width > self.batch_tokens):
                batches.append(order[start:end])
                start, width = end, lengths[i]
        if len(order):
            batches.append(order[start:])
        return batches

    def _run(self, encoded: list[list[int]], idx: NDArray[np.intp]) -> NDArray[np.float32]:
        """One encoder call on the texts ``idx`` of ``encoded``, padded to the longest."""
        width = max(len(encoded[i]) for i in idx)
        ids = np.zeros((len(idx), width), np.int64)
        mask = np.zeros_like(ids)
        for row, i in enumerate(idx):
            ids[row, : len(encoded[i])] = encoded[i]
            mask[row, : len(encoded[i])] = 1
        feats: NDArray[np.float32] = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return feats

    # -- heads ---------------------------------------------------------------------------------
    def _logits(self, feats: NDArray[np.float32], head: str) -> NDArray[np.float64]:
        return (feats @ self._heads[f"{head}.weight"] + self._heads[f"{head}.bias"]).astype(np.float64)

    def _calibrated(self, feats: NDArray[np.float32], head: str) -> NDArray[np.float64]:
        spec = self.config["heads"][head]
        z = self._logits(feats, head)
        return sigmoid(z * np.asarray(spec["scale"]) + np.asarray(spec["shift"]))

    def _regressed(self, feats: NDArray[np.float32], head: str) -> NDArray[np.float64]:
        spec = self.config["heads"][head]
        return self._logits(feats, head) * np.asarray(spec["std"]) + np.asarray(spec["mean"])

    def score(self, texts: list[str]) -> NativeScores:
        feats = self.features([spell_out(t) for t in texts])
        heads_cfg = self.config["heads"]
        probs = self._calibrated(feats, "goemotions")
        extra: dict[str, NDArray[np.float64]] = {}
        if "plutchik" in heads_cfg:
            extra["plutchik"] = self._calibrated(feats, "plutchik")
        if "semeval" in heads_cfg:
            semeval = tx.project(probs, self.native_taxonomy, "semeval")
            own = self._calibrated(feats, "semeval")
            for j, label in enumerate(heads_cfg["semeval"]["labels"]):
                semeval[:, tx.load_taxonomy("semeval").index(label)] = own[:, j]
            extra["semeval"] = semeval
        vad = np.clip(self._regressed(feats, "vad"), -1.0, 1.0) if "vad" in heads_cfg else None
        intensity = None
        if "intensity" in heads_cfg:
            intensity = np.clip(self._regressed(feats, "intensity"), 0.0, 1.0)
        return NativeScores(probs, vad, intensity, extra)

    def thresholds(self, taxonomy: str) -> NDArray[np.float64]:
        """Thresholds fitted on dev data where the artifact has them, else 0.5."""
        return self._thresholds.get(taxonomy, super().thresholds(taxonomy))
