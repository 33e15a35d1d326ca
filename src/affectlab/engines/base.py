"""The engine interface: texts in, one :class:`~affectlab.core.records.Affect` per text out.

An engine implements one method, :meth:`Engine.score`, which maps a batch of
texts that fit its window to native arrays (:class:`NativeScores`). The shared
:meth:`Engine.predict` does everything else the same way for every engine:
input normalisation and flags, chunking of long texts, projection to the
requested taxonomy, decision thresholds, sentiment, VAD, and evidence.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from affectlab.core import taxonomy as tx
from affectlab.core.records import VAD, Affect, Evidence, Provenance, Sentiment
from affectlab.core.text import Normalized, is_content_word, normalize, word_spans
from affectlab.errors import InputError, TaxonomyError

__all__ = ["Engine", "NativeScores", "sigmoid"]


MAX_EXPLAIN_WORDS = 200
#: Smallest drop in a label's probability (deleting the word) that counts as evidence.
MIN_EVIDENCE_WEIGHT = 0.01
#: A word is evidence for a label only if its drop is at least this share of the label's strongest word's drop.
RELATIVE_EVIDENCE_WEIGHT = 0.1
#: Characters of one text an engine reads by default (about 20,000 words); longer texts are cut and flagged
#: ``capped``. Raise it per engine (``engine.max_chars = ...``, ``--max-chars`` on the CLI) or use
#: :func:`affectlab.document_arc` for books.
MAX_CHARS = 100_000


def sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The logistic function, elementwise, in (0, 1); large negative ``z`` give 0 without an overflow warning."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class NativeScores:
    """What an engine computes for a batch of n texts.

    Attributes
    ----------
    probs : ndarray of shape (n, n_native_labels)
        Per-label probabilities in [0, 1] in the engine's native taxonomy.
    vad : ndarray of shape (n, 3) or None
        Valence, arousal, dominance in [-1, 1].
    intensity : ndarray of shape (n, n_intensity_labels) or None
        Per-emotion intensity in [0, 1]; NaN where the engine did not estimate it for a text.
    heads : dict of str to ndarray
        Probabilities the engine predicts natively in other taxonomies
        (used instead of projecting when that taxonomy is requested).
    """

    probs: NDArray[np.float64]
    vad: NDArray[np.float64] | None = None
    intensity: NDArray[np.float64] | None = None
    heads: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def merge(self, groups: Sequence[tuple[int, Sequence[int]]]) -> NativeScores:
        """One row per group of consecutive rows ``(first, lengths)``: their mean weighted by length.

        Used to merge the chunks of long texts; groups of one row are copied as they are.
        """
        starts = np.array([first for first, _ in groups], dtype=np.intp)
        if all(len(lengths) == 1 for _, lengths in groups):
            pick = lambda a: None if a is None else a[starts]  # noqa: E731
        else:
            weights = np.concatenate([np.asarray(lengths, dtype=np.float64) / sum(lengths) for _, lengths in groups])

            def pick(a: NDArray[np.float64] | None) -> NDArray[np.float64] | None:
                return None if a is None else np.add.reduceat(a * weights[:, None], starts, axis=0)

        return NativeScores(
            pick(self.probs), pick(self.vad), pick(self.intensity), {k: pick(v) for k, v in self.heads.items()}
        )


class Engine(ABC):
    """Base class of every engine.

    Subclasses set ``name``, ``version``, ``native_taxonomy`` (and
    ``intensity_labels`` when they estimate intensity) and implement
    :meth:`score`; they may override :meth:`chunks` to split texts longer than
    their window and :meth:`thresholds` to supply fitted decision thresholds.
    """

    name: str = "engine"
    version: str = "0"
    native_taxonomy: str = "goemotions"
    intensity_labels: tuple[str, ...] = ()
    max_chars: int = MAX_CHARS
    #: True for engines asked in whichever taxonomy a call names (LLMs): no projection happens.
    any_taxonomy: bool = False

    @abstractmethod
    def score(self, texts: list[str]) -> NativeScores:
        """Native scores for texts that each fit the engine's window."""

    def chunks(self, text: str) -> list[str]:
        """Split a text into pieces that fit the window (default: no split)."""
        return [text]

    def thresholds(self, taxonomy: str) -> NDArray[np.float64]:
        """Decision thresholds in [0, 1] per label of ``taxonomy`` (default 0.5)."""
        return np.full(len(tx.load_taxonomy(taxonomy)), 0.5)

    def vad_from_probs(self, probs: NDArray[np.float64]) -> NDArray[np.float64] | None:
        """VAD for engines without a VAD head: the probability-weighted mean of the native
        taxonomy's per-label anchors (:func:`affectlab.core.taxonomy.vad_anchors`); None without anchors."""
        anchors = tx.vad_anchors(self.native_taxonomy)
        labels = tx.load_taxonomy(self.native_taxonomy).labels
        columns = [j for j, label in enumerate(labels) if label in anchors]
        if not columns:
            return None
        table = np.array([anchors[labels[j]] for j in columns])
        weights = probs[:, columns]
        return (weights @ table) / np.clip(weights.sum(axis=1, keepdims=True), 1e-12, None)

    def _has_sentiment(self) -> bool:
        """Whether the native taxonomy maps to sentiment (custom label sets may not)."""
        try:
            tx.mapping_path(self.native_taxonomy, "sentiment")
        except TaxonomyError:
            return False
        return True

    @property
    def provenance(self) -> Provenance:
        return Provenance(self.name, self.version, self.native_taxonomy)

    def predict(
        self,
        texts: Sequence[object],
        *,
        ids: Sequence[str | None] | None = None,
        taxonomy: str | None = None,
        explain: bool = False,
    ) -> list[Affect]:
        """Analyse texts; returns exactly one record per input, in order.

        Parameters
        ----------
        texts : sequence
            Strings (bytes and other values are converted and flagged).
        ids : sequence of str, optional
            One id per text, copied to the records.
        taxonomy : str, optional
            Taxonomy of the reported emotions; default the native one.
        explain : bool, default=False
            Add evidence spans for the top labels (slower: one extra pass per word).
        """
        if isinstance(texts, str | bytes):
            raise InputError("predict() takes a sequence of texts, not a single string; wrap it in a list.")
        if ids is not None and len(ids) != len(texts):
            raise InputError(f"Got {len(ids)} ids for {len(texts)} texts; pass one id per text.")
        target = tx.load_taxonomy(taxonomy or self.native_taxonomy).name
        normalized, flags, rows, merged = self._score_texts(texts)
        records: list[Affect | None] = [None] * len(texts)
        if merged is not None:
            row_ids = [ids[i] if ids is not None else None for i in rows]
            for i, record in zip(rows, self._records(merged, target, row_ids, [tuple(flags[i]) for i in rows])):
                records[i] = record
        for i, record in enumerate(records):
            if record is None:
                records[i] = self._empty_record(target, ids[i] if ids is not None else None, tuple(flags[i]))
        out: list[Affect] = records  # type: ignore[assignment]
        if explain:
            out = [self._explain(r, n.text) if "empty" not in r.flags else r for r, n in zip(out, normalized)]
        return out

    def _score_texts(
        self, texts: Sequence[object]
    ) -> tuple[list[Normalized], list[list[str]], list[int], NativeScores | None]:
        """Normalise, chunk and score texts once: (normalized, flags, rows scored, merged scores of those rows).

        Empty texts are not scored; a long text's chunks are merged back into one row.
        """
        normalized = [normalize(t) for t in texts]
        flags = [list(n.flags) for n in normalized]
        pieces: list[str] = []
        groups: list[tuple[int, list[int]]] = []  # (first piece, piece lengths) per scored text
        rows: list[int] = []
        for i, n in enumerate(normalized):
            if "empty" in n.flags:
                continue
            text = n.text
            if len(text) > self.max_chars:
                text = text[: self.max_chars]
                flags[i].append("capped")
            parts = self.chunks(text)
            if len(parts) > 1:
                flags[i].append("truncated_chunks")
            rows.append(i)
            groups.append((len(pieces), [len(p) for p in parts]))
            pieces += parts
        merged = self.score(pieces).merge(groups) if pieces else None
        return normalized, flags, rows, merged

    def target_probs(self, scores: NativeScores, target: str) -> NDArray[np.float64]:
        """Probabilities in ``target``: a native head if the engine has one, else projected."""
        if target in scores.heads:
            return scores.heads[target]
        if target == self.native_taxonomy:
            return scores.probs
        return tx.project(scores.probs, self.native_taxonomy, target)

    def _records(
        self, scores: NativeScores, target: str, ids: list[str | None], flags: list[tuple[str, ...]]
    ) -> list[Affect]:
        """Records for a batch of merged scores: projections and thresholds computed once per batch."""
        taxonomy = tx.load_taxonomy(target)
        labels = taxonomy.labels
        probs = self.target_probs(scores, target)
        if taxonomy.kind == "exclusive":
            above = probs >= probs.max(axis=1, keepdims=True)
        else:
            above = probs >= self.thresholds(target)
        order = np.argsort(-probs, axis=1)
        polarity = self.target_probs(scores, "sentiment") if self._has_sentiment() else None
        polarity_labels = tx.load_taxonomy("sentiment").labels
        positive, negative = polarity_labels.index("positive"), polarity_labels.index("negative")
        vad = scores.vad if scores.vad is not None else self.vad_from_probs(scores.probs)
        vad = None if vad is None else np.clip(vad, -1.0, 1.0)
        intensity = None if scores.intensity is None else np.clip(scores.intensity, 0.0, 1.0)
        provenance = self.provenance
        out = []
        for row in range(len(ids)):
            chosen = tuple(labels[j] for j in order[row] if above[row, j])
            if taxonomy.kind == "exclusive":
                chosen = chosen[:1]
            sentiment = None
            if polarity is not None:
                pos, neg = float(polarity[row, positive]), float(polarity[row, negative])
                sentiment = Sentiment(polarity_labels[int(np.argmax(polarity[row]))], pos - neg)
            out.append(
                Affect(
                    id=ids[row],
                    taxonomy=target,
                    emotions=dict(zip(labels, probs[row].tolist())),
                    labels=chosen,
                    top=labels[int(order[row, 0])],
                    sentiment=sentiment,
                    vad=None if vad is None else VAD(*vad[row].tolist()),
                    intensity=_estimated(self.intensity_labels, intensity, row),
                    flags=flags[row],
                    model=provenance,
                )
            )
        return out

    def _empty_record(self, target: str, id_: str | None, flags: tuple[str, ...]) -> Affect:
        labels = tx.load_taxonomy(target).labels
        emotions = {k: (1.0 if k == "neutral" else 0.0) for k in labels}
        intensity = {k: 0.0 for k in self.intensity_labels} if self.intensity_labels else None
        return Affect(
            id=id_,
            taxonomy=target,
            emotions=emotions,
            labels=(),
            top=None,
            sentiment=Sentiment("neutral", 0.0),
            vad=VAD(0.0, 0.0, 0.0),
            intensity=intensity,
            flags=flags,
            model=self.provenance,
        )

    def _explain(self, record: Affect, text: str, top_k: int = 5) -> Affect:
        """Occlusion evidence: how much deleting each content word lowers the top labels' probability.

        Function words (:data:`affectlab.core.text.FUNCTION_WORDS`) are never evidence, and a word
        counts only when deleting it lowers the label's probability by at least ``MIN_EVIDENCE_WEIGHT``
        and by at least ``RELATIVE_EVIDENCE_WEIGHT`` times the drop of the label's strongest word
        (in "I am so angry", "angry" carries anger: 0.92; "so" adds 0.02 and is left out).
        """
        explained = list(record.labels[:2]) or ([record.top] if record.top else [])
        spans = [s for s in word_spans(text) if is_content_word(text[s[0] : s[1]])][:MAX_EXPLAIN_WORDS]
        if not explained or not spans:
            return record
        variants = [(text[:a] + text[b:]).strip() or "." for a, b in spans]
        target = record.taxonomy
        rows = self.predict_probs(variants, target)
        labels = tx.load_taxonomy(target).labels
        evidence = []
        for label in explained:
            j = labels.index(label)
            base = record.emotions[label]
            drops = [base - row[j] for row in rows]
            floor = max(MIN_EVIDENCE_WEIGHT, RELATIVE_EVIDENCE_WEIGHT * max(drops))
            for k in np.argsort(drops)[::-1][:top_k]:
                if drops[k] >= floor:
                    a, b = spans[k]
                    evidence.append(Evidence(text[a:b], a, b, label, float(drops[k])))
        return replace(record, evidence=tuple(evidence))

    def predict_probs(self, texts: Sequence[object], taxonomy: str | None = None) -> NDArray[np.float64]:
        """Probabilities only, shape (n_texts, n_labels), without building records.

        Same scores as :meth:`predict` (chunking included); an empty text gets the empty record's
        emotions (``neutral`` = 1 where the taxonomy has it, else all 0).
        """
        target = tx.load_taxonomy(taxonomy or self.native_taxonomy)
        out = np.zeros((len(texts), len(target)))
        if "neutral" in target.labels:
            out[:, target.index("neutral")] = 1.0
        _, _, rows, merged = self._score_texts(texts)
        if merged is not None:
            out[rows] = self.target_probs(merged, target.name)
        return out


def _estimated(labels: tuple[str, ...], intensity: NDArray[np.float64] | None, row: int) -> dict[str, float] | None:
    """The intensities of one row that the engine estimated (NaN = not estimated); None when there is none."""
    if intensity is None:
        return None
    values = {label: float(v) for label, v in zip(labels, intensity[row]) if not np.isnan(v)}
    return values or None
