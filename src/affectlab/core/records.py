"""Typed, immutable result records.

The JSON form of :class:`Affect` (``Affect.to_dict``) is a contract that other
tools read; its field names and scales are documented in ``docs/record.md``.

Scales
------
- emotion probabilities, ``intensity``: [0, 1]
- ``sentiment.score``: [-1, 1] (negative to positive)
- ``vad.valence``, ``vad.arousal``, ``vad.dominance``: [-1, 1], 0 neutral
  (EmoBank's 1-5 ratings mapped linearly, 3 -> 0)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["FLAGS", "SCALES", "VAD", "Affect", "EmotionScore", "Evidence", "Provenance", "Sentiment", "flatten"]

SCALES: dict[str, str] = {
    "emotions": "probability in [0, 1] per label",
    "sentiment.score": "[-1, 1], negative to positive",
    "vad": "[-1, 1] per dimension, 0 neutral (EmoBank 1-5 mapped linearly, 3 -> 0)",
    "intensity": "[0, 1] per emotion (SemEval-2025 track B 0-3 divided by 3)",
    "evidence.weight": "drop in the label's probability when the span is deleted, in [-1, 1]",
}

FLAGS: dict[str, str] = {
    "empty": "the text is empty or whitespace only; scores are the neutral defaults",
    "non_text": "the input was not a string (or had undecodable bytes) and was converted",
    "truncated_chunks": "the text exceeded the engine's window; it was split into chunks and the chunk scores averaged",
    "capped": "the text was longer than the engine's max_chars (default 100,000); only its start was scored",
    "error": "the input row could not be read; the record holds no scores",
    "llm_failed": "an LLM engine got no valid answer (after retries); no labels, error says why",
    "llm_partial": "an LLM engine got valid answers for only some of its samples; scores are over those",
    "lang_unsupported": "the multilingual engine identified a language it has no head for",
    "lang_uncertain": "the multilingual engine could not tell the language with confidence",
}


@dataclass(frozen=True, slots=True)
class EmotionScore:
    """One label with its probability in [0, 1]."""

    label: str
    probability: float


@dataclass(frozen=True, slots=True)
class VAD:
    """Valence, arousal and dominance, each in [-1, 1] with 0 neutral."""

    valence: float
    arousal: float
    dominance: float


@dataclass(frozen=True, slots=True)
class Sentiment:
    """Polarity: ``label`` in {positive, negative, neutral}; ``score`` in [-1, 1]."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the text that supports ``label``.

    Attributes
    ----------
    text : str
        The span's text.
    start, end : int
        Character offsets into the input text (``text[start:end]``).
    label : str
        The emotion label the span supports.
    weight : float
        Drop in the label's probability when the span is deleted, in [-1, 1]
        (positive: the span raises the label).
    """

    text: str
    start: int
    end: int
    label: str
    weight: float


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which engine produced a record: name, version, native taxonomy and, for engines with
    run-time settings (LLMs: model, host, prompt template and hash, temperature, samples),
    those settings as ``(name, value)`` pairs."""

    engine: str
    version: str
    native_taxonomy: str
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Affect:
    """The affect of one text.

    Attributes
    ----------
    id : str or None
        The caller's id for the text, kept as given.
    taxonomy : str
        Taxonomy of ``emotions`` and ``labels``.
    emotions : dict of str to float
        Every label of ``taxonomy`` with its probability in [0, 1].
    labels : tuple of str
        Labels at or above their decision threshold, most probable first (may be empty).
    top : str or None
        Most probable label (None for empty or failed inputs).
    sentiment : Sentiment or None
        Polarity label and signed score in [-1, 1].
    vad : VAD or None
        Valence, arousal, dominance in [-1, 1].
    intensity : dict of str to float or None
        Per-emotion intensity in [0, 1] where the engine estimates it, else None.
    evidence : tuple of Evidence
        Spans that drove the top labels (filled on request, e.g. ``explain=True``).
    flags : tuple of str
        Conditions met while reading the text; see :data:`FLAGS`.
    model : Provenance or None
        Engine name, version and native taxonomy.
    error : str or None
        Why the input could not be analysed (with the ``error`` flag).
    """

    id: str | None
    taxonomy: str
    emotions: dict[str, float]
    labels: tuple[str, ...] = ()
    top: str | None = None
    sentiment: Sentiment | None = None
    vad: VAD | None = None
    intensity: dict[str, float] | None = None
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()
    model: Provenance | None = None
    error: str | None = None

    def ranked(self, k: int | None = None) -> list[EmotionScore]:
        """Emotions sorted by probability, highest first (the first ``k`` if given)."""
        order = sorted(self.emotions.items(), key=lambda item: -item[1])
        return [EmotionScore(label, prob) for label, prob in order[:k]]

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (the documented contract)."""
        return {
            "id": self.id,
            "taxonomy": self.taxonomy,
            "emotions": {k: round(v, 6) for k, v in self.emotions.items()},
            "labels": list(self.labels),
            "top": self.top,
            "sentiment": None
            if self.sentiment is None
            else {"label": self.sentiment.label, "score": round(self.sentiment.score, 6)},
            "vad": None
            if self.vad is None
            else {
                "valence": round(self.vad.valence, 6),
                "arousal": round(self.vad.arousal, 6),
                "dominance": round(self.vad.dominance, 6),
            },
            "intensity": None if self.intensity is None else {k: round(v, 6) for k, v in self.intensity.items()},
            "evidence": [
                {"text": e.text, "start": e.start, "end": e.end, "label": e.label, "weight": round(e.weight, 6)}
                for e in self.evidence
            ],
            "flags": list(self.flags),
            "error": self.error,
            "model": None
            if self.model is None
            else {
                "engine": self.model.engine,
                "version": self.model.version,
                "native_taxonomy": self.model.native_taxonomy,
                "scales": SCALES,
                **({"settings": dict(self.model.settings)} if self.model.settings else {}),
            },
        }

    def __repr__(self) -> str:
        top = ", ".join(f"{s.label}={s.probability:.3f}" for s in self.ranked(3))
        return f"Affect(id={self.id!r}, labels={list(self.labels)}, top3=[{top}], flags={list(self.flags)})"


def flatten(record: Affect) -> dict[str, Any]:
    """One flat row per record: dotted column names mirror the JSON fields.

    Columns: ``id``, ``top``, ``labels`` (``;``-joined), ``emotions.<label>``,
    ``sentiment.label``, ``sentiment.score``, ``vad.valence``, ``vad.arousal``,
    ``vad.dominance``, ``intensity.<label>`` (if any), ``evidence`` (JSON text),
    ``flags`` (``;``-joined), ``error``, ``taxonomy``, ``model`` (``engine@version``),
    ``model.settings`` (JSON text; empty when the engine has none: the multilingual engine's
    per-text language, an LLM's sampling). Numbers are rounded to 6 decimal places, as in
    :meth:`Affect.to_dict`.
    """
    row: dict[str, Any] = {"id": record.id, "top": record.top, "labels": ";".join(record.labels)}
    row.update({f"emotions.{k}": round(v, 6) for k, v in record.emotions.items()})
    row["sentiment.label"] = record.sentiment.label if record.sentiment else None
    row["sentiment.score"] = round(record.sentiment.score, 6) if record.sentiment else None
    for dim in ("valence", "arousal", "dominance"):
        row[f"vad.{dim}"] = round(getattr(record.vad, dim), 6) if record.vad else None
    if record.intensity is not None:
        row.update({f"intensity.{k}": round(v, 6) for k, v in record.intensity.items()})
    row["evidence"] = json.dumps(record.to_dict()["evidence"], ensure_ascii=False) if record.evidence else ""
    row["flags"] = ";".join(record.flags)
    row["error"] = record.error or ""
    row["taxonomy"] = record.taxonomy
    row["model"] = f"{record.model.engine}@{record.model.version}" if record.model else ""
    settings = dict(record.model.settings) if record.model else {}
    row["model.settings"] = json.dumps(settings, ensure_ascii=False) if settings else ""
    return row
