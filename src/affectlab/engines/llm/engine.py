"""The LLM emotion engine: any chat model behind an OpenAI-compatible server, same records as every engine.

The model is asked, with a JSON schema built from the requested taxonomy (its labels as an
enum, bounded numbers), which labels apply, the sentiment, and valence/arousal/dominance.
With ``samples=k`` it is asked k times: a label's probability is the share of valid answers
that give it, sentiment likewise, and VAD is the median. A text none of whose answers
validates gets a record with ``error`` set and the flag ``llm_failed`` (never dropped); one
with some failed samples is flagged ``llm_partial``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect, Provenance
from affectlab.core.text import normalize
from affectlab.core.validation import check_int
from affectlab.engines.base import Engine, NativeScores
from affectlab.engines.llm.client import Dialect, JSONRequest, LLMClient
from affectlab.engines.llm.templates import Template, load_template

__all__ = ["LLMEngine", "emotion_schema"]

SENTIMENTS = ("negative", "neutral", "positive")
DIMENSIONS = ("valence", "arousal", "dominance")
PARTIAL = "partial: "


def emotion_schema(taxonomy: str) -> dict[str, Any]:
    """The JSON schema of one answer in ``taxonomy``: labels (enum), sentiment, and VAD in [-1, 1]."""
    spec = tx.load_taxonomy(taxonomy)
    exclusive = spec.kind == "exclusive"
    labels: dict[str, Any] = {
        "type": "array",
        "items": {"type": "string", "enum": list(spec.labels)},
        "uniqueItems": True,
        "minItems": 1 if exclusive or "neutral" in spec.labels else 0,
        "maxItems": 1 if exclusive else min(len(spec.labels), 5),
    }
    number = {"type": "number", "minimum": -1, "maximum": 1}
    return {
        "type": "object",
        "properties": {
            "labels": labels,
            "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
            **{dim: number for dim in DIMENSIONS},
        },
        "required": ["labels", "sentiment", *DIMENSIONS],
        "additionalProperties": False,
    }


class LLMEngine(Engine):
    """Emotion records from an LLM (extra ``[llm]``); use as ``load_engine("llm:<model>@<base_url>")``.

    Parameters
    ----------
    endpoint : str
        ``llm:<model>@<base_url>``, e.g. ``llm:llama3.1:8b@http://127.0.0.1:11434/v1``.
    taxonomy : str, default="goemotions"
        The taxonomy asked for when a call names none; a call with ``taxonomy=`` asks in that one
        (``native_taxonomy`` is the one of the latest call).
    samples : int, default=1
        Answers drawn per text (self-consistency); probabilities are vote shares.
    temperature : float, optional
        Default 0 for one sample, 0.7 for several.
    template : str or path, default="emotion"
        Prompt template (a built-in name or a YAML/JSON file; fields ``taxonomy``, ``labels``,
        ``description``, ``choice``, ``text``).
    check : bool, default=True
        Contact the server when the engine is built, so a wrong URL fails before any work.
    **client_options
        Passed to :class:`~affectlab.engines.llm.client.LLMClient` (``api_key_env``, ``seed``,
        ``dialect``, ``cache``, ``concurrency``, ``retries``, ``timeout``, ``max_tokens``).
    """

    name = "llm"
    max_chars = 20_000
    any_taxonomy = True

    def __init__(
        self,
        endpoint: str,
        *,
        taxonomy: str = "goemotions",
        samples: int = 1,
        temperature: float | None = None,
        template: str | Path = "emotion",
        check: bool = True,
        dialect: Dialect = "auto",
        **client_options: Any,
    ) -> None:
        check_int(samples, "samples", "LLMEngine", minimum=1)
        self.samples = samples
        self.taxonomy = self.native_taxonomy = tx.load_taxonomy(taxonomy).name
        self.template: Template = load_template(template)
        if temperature is None:
            temperature = 0.0 if samples == 1 else 0.7
        self.client = LLMClient(endpoint, temperature=temperature, dialect=dialect, **client_options)
        self.version = self.client.endpoint.model
        self.failures: dict[int, str] = {}
        if check:
            self.client.check()

    @property
    def usage(self) -> str:
        """What this engine's runs have cost so far (requests, cache hits, tokens)."""
        return self.client.usage.summary()

    @property
    def provenance(self) -> Provenance:
        settings = (
            ("model", self.client.endpoint.model),
            ("host", self.client.endpoint.host),
            ("template", f"{self.template.id}@{self.template.version}"),
            ("template_hash", self.template.hash),
            ("temperature", f"{self.client.temperature:g}"),
            ("samples", str(self.samples)),
        )
        return Provenance(self.name, self.version, self.native_taxonomy, settings)

    def _has_sentiment(self) -> bool:
        return True  # the model is asked for sentiment directly

    def predict(
        self,
        texts: Sequence[object],
        *,
        ids: Sequence[str | None] | None = None,
        taxonomy: str | None = None,
        explain: bool = False,
    ) -> list[Affect]:
        """As :meth:`Engine.predict`; the model is asked in ``taxonomy`` itself (no projection)."""
        self.native_taxonomy = tx.load_taxonomy(taxonomy or self.taxonomy).name
        records = super().predict(texts, ids=ids, taxonomy=taxonomy)
        failures, pieces = self.failures, iter(range(len(records)))  # one piece per non-empty text
        out = [r if "empty" in r.flags else _flagged(r, failures.get(next(pieces))) for r in records]
        if explain:
            out = [self._explain(r, normalize(t).text) if r.top is not None else r for r, t in zip(out, texts)]
        return out

    def predict_probs(self, texts: Sequence[object], taxonomy: str | None = None) -> np.ndarray:
        """As :meth:`Engine.predict_probs`; the model is asked in ``taxonomy`` itself."""
        self.native_taxonomy = tx.load_taxonomy(taxonomy or self.taxonomy).name
        return super().predict_probs(texts, taxonomy)

    def score(self, texts: list[str]) -> NativeScores:
        spec = tx.load_taxonomy(self.native_taxonomy)
        schema = emotion_schema(spec.name)
        exclusive = spec.kind == "exclusive"
        fields = {
            "taxonomy": spec.name,
            "labels": ", ".join(spec.labels),
            "description": spec.description,
            "choice": "exactly one label" if exclusive else "one or more labels",
        }
        requests = [
            JSONRequest(self.template.render(**fields, text=text), schema, sample)
            for text in texts
            for sample in range(self.samples)
        ]
        replies = self.client.complete_json(requests)
        n, k = len(texts), self.samples
        probs, polarity, vad = np.zeros((n, len(spec))), np.zeros((n, 3)), np.zeros((n, 3))
        self.failures = {}
        for i in range(n):
            answers = [r.value for r in replies[i * k : (i + 1) * k] if r.value is not None]
            errors = [r.error for r in replies[i * k : (i + 1) * k] if r.value is None]
            if not answers:
                self.failures[i] = errors[-1] or "no valid answer"
                continue
            if errors:
                self.failures[i] = f"{PARTIAL}{len(errors)} of {k} samples failed"
            for answer in answers:
                for label in answer["labels"]:
                    probs[i, spec.index(label)] += 1.0 / len(answers)
                polarity[i, SENTIMENTS.index(answer["sentiment"])] += 1.0 / len(answers)
            vad[i] = np.median([[float(a[d]) for d in DIMENSIONS] for a in answers], axis=0)
        sentiment_labels = tx.load_taxonomy("sentiment").labels
        heads = {"sentiment": polarity[:, [SENTIMENTS.index(label) for label in sentiment_labels]]}
        return NativeScores(probs, vad=vad, heads=heads)


def _flagged(record: Affect, error: str | None) -> Affect:
    """``record`` marked ``llm_partial`` (some samples failed) or ``llm_failed`` (all failed; no labels)."""
    if error is None:
        return record
    if error.startswith(PARTIAL):
        return replace(record, flags=(*record.flags, "llm_partial"))
    return replace(record, labels=(), top=None, flags=(*record.flags, "llm_failed"), error=error)
