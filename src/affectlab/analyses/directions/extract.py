"""Hidden states per layer, mean-difference emotion directions, and a probe per layer on held-out frames.

The direction of emotion ``e`` at layer ``L`` is the mean, over the training frames, of ``h(frame, e)`` minus
the mean of ``h(frame, .)`` over that frame's classes: what the event adds when only the event differs
(context-agnostic, since each frame's own mean is removed). Its norm is kept: steering strengths are multiples
of it (see :mod:`.steer`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.data import Scenarios, load_scenarios
from affectlab.analyses.directions.hooks import read_residual
from affectlab.analyses.directions.model import LanguageModel, load_language_model
from affectlab.analyses.directions.probe import Probe, grouped_cv_accuracy
from affectlab.core.validation import check_choice, check_int
from affectlab.core.version import affectlab_version
from affectlab.errors import InputError, ParameterError
from affectlab.io import Progress

__all__ = ["POOLS", "READINGS", "EmotionDirections", "extract", "hidden_states"]

POOLS = ("last", "mean")
#: Where directions are read: after the cue, before the feeling is named ("event"), or once it is ("expressed").
READINGS = ("event", "expressed")


def hidden_states(
    lm: LanguageModel, texts: list[str], *, batch_size: int = 16, progress: bool = False
) -> dict[str, NDArray[np.float64]]:
    """The residual stream of every text at every layer, at the last token and averaged over tokens.

    Parameters
    ----------
    lm : LanguageModel
        The decoder (see :func:`~affectlab.analyses.directions.model.load_language_model`).
    texts : list of str
        Prompts; batched with left padding, so the last position is each text's last token.
    batch_size : int, default=16
        Texts per forward pass.
    progress : bool, default=False
        Show a bar on stderr (on a terminal).

    Returns
    -------
    dict with "last" and "mean": ndarray of shape (n_layers + 1, n_texts, width)
        Layer 0 is the embeddings, layer L the output of block L.
    """
    import torch

    check_int(batch_size, "batch_size", "hidden_states", minimum=1)
    last: list[NDArray[np.float64]] = []
    mean: list[NDArray[np.float64]] = []
    with Progress("hidden states", len(texts), enabled=progress, unit="texts") as bar, torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = lm.tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True)
            store: dict[int, Any] = {}
            with read_residual(lm, store):
                lm.model(**batch, use_cache=False)
            stack = torch.stack([store[layer] for layer in sorted(store)])  # (layers, batch, seq, width)
            mask = batch["attention_mask"][None, :, :, None].to(stack.dtype)
            last.append(stack[:, :, -1, :].double().numpy())
            mean.append(((stack * mask).sum(dim=2) / mask.sum(dim=2)).double().numpy())
            bar.update(completed=min(start + batch_size, len(texts)), count=min(start + batch_size, len(texts)))
    return {"last": np.concatenate(last, axis=1), "mean": np.concatenate(mean, axis=1)}


@dataclass(frozen=True)
class EmotionDirections:
    """Emotion directions per layer, the probe accuracy that locates them, and where they came from.

    Attributes
    ----------
    model : str
        The decoder spec (``gemma-3-270m``, ``hf:PATH``, ``gguf:PATH``).
    emotions : tuple of str
        Classes, in the order of ``vectors``' second axis.
    vectors : ndarray of shape (n_layers + 1, n_emotions, width)
        Mean-difference directions (units of the residual stream; not normalised).
    probe_accuracy : ndarray of shape (n_layers + 1,)
        Accuracy on the held-out (test) frames at each layer, in [0, 1]; chance is 1 / n_emotions.
    cv_accuracy : ndarray of shape (n_layers + 1,)
        Accuracy with whole training frames held out (3 folds), in [0, 1]; it chooses ``best_layer``.
    best_layer : int
        The layer of highest ``cv_accuracy`` (the earliest on ties), never chosen on test frames.
    pool : {"last", "mean"}
        Hidden state used: the last token's, or the mean over tokens.
    other_pool_accuracy : ndarray of shape (n_layers + 1,)
        Test-frame probe accuracy of the other pool, for comparison.
    provenance : dict
        Model source, scenario source and sizes, pool, seed, affectlab version, UTC time.
    """

    model: str
    emotions: tuple[str, ...]
    vectors: NDArray[np.float64]
    probe_accuracy: NDArray[np.float64]
    cv_accuracy: NDArray[np.float64]
    best_layer: int
    pool: str = "last"
    other_pool_accuracy: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        """Decoder blocks (layers 0..n_layers exist)."""
        return self.vectors.shape[0] - 1

    @property
    def reading(self) -> str:
        """Where the directions were read: ``event`` or ``expressed`` (see :func:`extract`)."""
        return str(self.provenance.get("reading", "event"))

    def vector(self, emotion: str, layer: int | None = None) -> NDArray[np.float64]:
        """The direction of ``emotion`` at ``layer`` (default ``best_layer``), shape (width,)."""
        check_choice(emotion, "emotion", "EmotionDirections.vector", self.emotions)
        layer = self.best_layer if layer is None else self.check_layer(layer, "EmotionDirections.vector")
        return self.vectors[layer, self.emotions.index(emotion)]

    def units(self, emotions: Sequence[str], layer: int) -> NDArray[np.float64]:
        """Unit directions at ``layer``, one row per item of ``emotions``: shape (len(emotions), width)."""
        v = np.stack([self.vector(e, layer) for e in emotions])
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def check_layer(self, layer: object, owner: str) -> int:
        """``layer`` if it is an int in [0, n_layers], else a :class:`ParameterError`."""
        if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or not 0 <= layer <= self.n_layers:
            raise ParameterError(
                f"The 'layer' parameter of {owner} must be an int in [0, {self.n_layers}]. Got {layer!r} instead."
            )
        return int(layer)

    def check_layers(self, layers: Sequence[int] | None, owner: str) -> list[int]:
        """``layers`` checked by :meth:`check_layer`; default every block's output, 1..n_layers."""
        if layers is None:
            return list(range(1, self.n_layers + 1))
        return [self.check_layer(x, owner) for x in layers]

    def cosine(self, layer: int | None = None) -> NDArray[np.float64]:
        """Cosine similarity between the emotion directions at ``layer``, shape (n_emotions, n_emotions)."""
        layer = self.best_layer if layer is None else self.check_layer(layer, "EmotionDirections.cosine")
        v = self.vectors[layer]
        unit = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        return unit @ unit.T

    def summary(self) -> dict[str, Any]:
        """``{"model", "layers": [{"layer", "probe_accuracy"}, ...], "best_layer"}`` (held-out frames)."""
        layers = [{"layer": i, "probe_accuracy": float(a)} for i, a in enumerate(self.probe_accuracy)]
        return {"model": self.model, "layers": layers, "best_layer": self.best_layer}

    def save(self, path: str | Path) -> Path:
        """Write the directions and their provenance to one ``.npz`` file; returns its path."""
        path = Path(path)
        meta = {
            "model": self.model,
            "emotions": list(self.emotions),
            "best_layer": self.best_layer,
            "pool": self.pool,
            "provenance": self.provenance,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez(
                handle,
                vectors=self.vectors,
                probe_accuracy=self.probe_accuracy,
                cv_accuracy=self.cv_accuracy,
                other_pool_accuracy=self.other_pool_accuracy,
                meta=np.array(json.dumps(meta)),
            )
        return path

    @classmethod
    def load(cls, path: str | Path) -> EmotionDirections:
        """Read a file written by :meth:`save`.

        Raises
        ------
        InputError
            If the file is missing or is not a directions file.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in ("vectors", "probe_accuracy", "cv_accuracy", "other_pool_accuracy")}
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"Cannot read emotion directions from {path}: {exc}. Write one with extract().") from exc
        return cls(
            model=meta["model"],
            emotions=tuple(meta["emotions"]),
            best_layer=int(meta["best_layer"]),
            pool=meta["pool"],
            provenance=meta["provenance"],
            **arrays,
        )


def _directions(states: NDArray[np.float64], emotions: list[str], labels: list[str], frames: list[str]) -> Any:
    """Frame-centred mean differences, (layers, n_emotions, width), from training states (layers, n, width)."""
    centred = states.copy()
    frame_arr = np.asarray(frames)
    for frame in set(frames):
        rows = frame_arr == frame
        centred[:, rows] -= states[:, rows].mean(axis=1, keepdims=True)
    label_arr = np.asarray(labels)
    return np.stack([centred[:, label_arr == e].mean(axis=1) for e in emotions], axis=1)


def extract(
    model: str | LanguageModel = "gemma-3-270m",
    *,
    scenarios: Scenarios | str | None = None,
    pool: str = "last",
    reading: str = "event",
    batch_size: int = 16,
    l2: float = 1.0,
    threads: int | None = None,
    progress: bool = False,
) -> EmotionDirections:
    """Emotion directions of a decoder from the controlled scenarios, and a probe per layer.

    Parameters
    ----------
    model : str or LanguageModel, default="gemma-3-270m"
        ``gemma-3-270m``, ``hf:PATH``, ``gguf:PATH``, or a loaded model.
    scenarios : Scenarios or str, optional
        The scenario set or a path to one (default: the shipped set); directions and probes are fit on its
        train split, accuracy reported on its test split (other frames).
    pool : {"last", "mean"}, default="last"
        Hidden state the directions are taken from; the probe is fit on both.
    reading : {"event", "expressed"}, default="event"
        ``event``: the prompts as they are, ending in the cue ("... I felt"), so the directions hold what the event
        evokes before any emotion word (the paper's context-agnostic directions; the probe figures are about
        these). ``expressed``: the scenarios' ``expressed`` column, the cue completed by a word for the emotion
        ("... I felt furious."), so the directions hold the emotion once it is named; they steer generation
        towards text that names it. A probe on ``expressed`` reads the word itself and is near 1 at most layers.
    batch_size : int, default=16
        Prompts per forward pass.
    l2 : float, default=1.0
        L2 penalty of the probe.
    threads : int, optional
        Torch CPU threads.
    progress : bool, default=False
        Progress bars on stderr.

    Returns
    -------
    EmotionDirections

    Examples
    --------
    >>> directions = extract("gemma-3-270m")  # doctest: +SKIP
    >>> directions.summary()["best_layer"]  # doctest: +SKIP
    14
    """
    check_choice(pool, "pool", "extract", POOLS)
    check_choice(reading, "reading", "extract", READINGS)
    lm = load_language_model(model, threads=threads)
    data = scenarios if isinstance(scenarios, Scenarios) else load_scenarios(scenarios)
    column = "text" if reading == "event" else "expressed"
    if column not in data.frame.columns:
        raise InputError(
            f"reading='expressed' needs an 'expressed' column in the scenario table {data.source} (the prompt with "
            "the feeling named, e.g. '... I felt furious.'); the shipped set has one."
        )
    blank = data.frame.index[data.frame[column].isna() | (data.frame[column].astype(str).str.strip() == "")]
    if len(blank):
        raise InputError(f"Scenario {data.frame.loc[blank[0], 'id']!r} of {data.source} has an empty {column!r}.")
    train, test = data.split("train"), data.split("test")
    emotions = data.emotions
    missing = sorted(set(emotions) - set(train["emotion"]))
    if missing:
        raise InputError(f"The train split has no scenario of {', '.join(missing)}; every emotion needs some.")
    frame = data.frame
    states = hidden_states(lm, frame[column].astype(str).tolist(), batch_size=batch_size, progress=progress)
    is_train = (frame["split"] == "train").to_numpy()
    y_train, y_test = train["emotion"].tolist(), test["emotion"].tolist()
    accuracy: dict[str, NDArray[np.float64]] = {}
    cv = np.zeros(lm.n_layers + 1)
    with Progress("probes", 2 * (lm.n_layers + 1), enabled=progress, unit="layers") as bar:
        for name in POOLS:
            values = []
            for layer in range(lm.n_layers + 1):
                x = states[name][layer]
                probe = Probe(l2=l2).fit(x[is_train], y_train)
                values.append(probe.accuracy_score(x[~is_train], y_test))
                if name == pool:
                    cv[layer] = grouped_cv_accuracy(x[is_train], y_train, train["frame"].tolist(), l2=l2)
                bar.update(advance=1)
            accuracy[name] = np.array(values)
    vectors = _directions(states[pool][:, is_train], emotions, y_train, train["frame"].tolist())
    provenance = {
        "model": lm.spec,
        "model_source": lm.source,
        "n_layers": lm.n_layers,
        "width": lm.width,
        "scenarios": data.source,
        "n_train": len(train),
        "n_test": len(test),
        "n_train_frames": train["frame"].nunique(),
        "n_test_frames": test["frame"].nunique(),
        "pool": pool,
        "reading": reading,
        "probe_l2": l2,
        "best_layer_rule": "highest 3-fold frame-held-out accuracy on the train split, earliest on ties",
        "affectlab": affectlab_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return EmotionDirections(
        model=lm.spec,
        emotions=tuple(emotions),
        vectors=vectors,
        probe_accuracy=accuracy[pool],
        cv_accuracy=cv,
        best_layer=int(np.nanargmax(cv)) if not np.isnan(cv).all() else lm.n_layers,
        pool=pool,
        other_pool_accuracy=accuracy["mean" if pool == "last" else "last"],
        provenance=provenance,
    )
