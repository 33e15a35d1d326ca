"""Reading the affect of turns: engine scores (optionally in context) or precomputed columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from affectlab.analyses.conversation.records import Turn, TurnRecord
from affectlab.analyses.conversation.turns import as_id, is_missing
from affectlab.core import taxonomy as tx
from affectlab.core.records import Affect
from affectlab.core.text import normalize
from affectlab.engines.base import Engine
from affectlab.engines.pipeline import Analyzer
from affectlab.errors import InputError, TaxonomyError

__all__ = ["score_from_columns", "score_with_engine"]


def _negative_prob(emotions: dict[str, float], taxonomy: str) -> float | None:
    try:
        labels = tx.load_taxonomy(taxonomy).labels
        polarity = tx.project(np.array([emotions[k] for k in labels]), taxonomy, "sentiment")
    except TaxonomyError:
        return None
    return float(polarity[tx.load_taxonomy("sentiment").index("negative")])


def _ancestors(turns: list[Turn], position: dict[str, int], index: int) -> Iterable[int]:
    parent = turns[index].parent
    while parent is not None:
        j = position[parent]
        yield j
        parent = turns[j].parent


def _context(
    engine: Engine, turns: list[Turn], position: dict[str, int], index: int, k: int, separator: str
) -> tuple[str, list[str], bool]:
    """The turn's text prefixed by up to ``k`` ancestors' texts that fit the engine's window."""
    parts = [normalize(turns[index].text).text]
    ids: list[str] = []
    for j in _ancestors(turns, position, index):
        if len(ids) == k:
            break
        text = normalize(turns[j].text).text
        if not text.strip():
            continue
        candidate = separator.join([text, *parts])
        if len(engine.chunks(candidate)) > 1:
            return separator.join(parts), ids, True
        parts.insert(0, text)
        ids.append(turns[j].turn_id)
    return separator.join(parts), ids, False


def _record(turn: Turn, **scores: Any) -> TurnRecord:
    base = {k: v for k, v in turn.__dict__.items() if k not in ("columns", "flags")}
    return TurnRecord(**base, **scores)


def _blend(own: Affect, ctx: Affect, weight: float, engine: Engine) -> dict[str, Any]:
    """Mix the turn's own reading with its in-context reading: ``(1 - weight) * own + weight * ctx``."""
    emotions = {k: (1 - weight) * p + weight * ctx.emotions[k] for k, p in own.emotions.items()}
    taxonomy = tx.load_taxonomy(own.taxonomy)
    top = max(emotions, key=lambda k: emotions[k])
    if taxonomy.kind == "exclusive":
        labels: tuple[str, ...] = (top,)
    else:
        thresholds = engine.thresholds(own.taxonomy)
        above = [k for j, k in enumerate(taxonomy.labels) if emotions[k] >= thresholds[j]]
        labels = tuple(sorted(above, key=lambda k: -emotions[k]))

    def mix(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else (1 - weight) * a + weight * b

    vad = (None, None, None)
    if own.vad is not None and ctx.vad is not None:
        vad = tuple(mix(getattr(own.vad, d), getattr(ctx.vad, d)) for d in ("valence", "arousal", "dominance"))
    sentiment_label = sentiment_score = None
    if own.sentiment is not None and ctx.sentiment is not None:
        sentiment_score = mix(own.sentiment.score, ctx.sentiment.score)
        sentiment_label = ctx.sentiment.label if weight > 0.5 else own.sentiment.label
    return {
        "emotions": emotions,
        "labels": labels,
        "top": top,
        "vad": vad,
        "sentiment_label": sentiment_label,
        "sentiment_score": sentiment_score,
    }


def _from_affect(turn: Turn, parts: dict[str, Any], flags: tuple[str, ...], context_ids: list[str]) -> TurnRecord:
    valence, arousal, dominance = parts["vad"]
    if valence is None and parts["sentiment_score"] is not None:
        valence = parts["sentiment_score"]
        flags = (*flags, "valence_from_sentiment")
    return _record(
        turn,
        flags=flags,
        emotions=parts["emotions"],
        labels=parts["labels"],
        top=parts["top"],
        valence=valence,
        arousal=arousal,
        dominance=dominance,
        sentiment_label=parts["sentiment_label"],
        sentiment_score=parts["sentiment_score"],
        negative_prob=_negative_prob(parts["emotions"], parts["taxonomy"]),
        context_ids=tuple(context_ids),
        taxonomy=parts["taxonomy"],
    )


def _parts(affect: Affect) -> dict[str, Any]:
    vad = (None, None, None) if affect.vad is None else (affect.vad.valence, affect.vad.arousal, affect.vad.dominance)
    return {
        "emotions": dict(affect.emotions),
        "labels": affect.labels,
        "top": affect.top,
        "vad": vad,
        "sentiment_label": affect.sentiment.label if affect.sentiment else None,
        "sentiment_score": affect.sentiment.score if affect.sentiment else None,
        "taxonomy": affect.taxonomy,
    }


def score_with_engine(
    turns: list[Turn],
    analyzer: Analyzer,
    *,
    context: int = 0,
    weight: float = 0.5,
    separator: str = "\n",
    progress: bool = False,
) -> list[TurnRecord]:
    """Every turn read by ``analyzer``, blended with its in-context reading when ``context`` > 0.

    Parameters
    ----------
    turns : list of Turn
        From :func:`~affectlab.analyses.conversation.load_turns`.
    analyzer : Analyzer
        The engine, taxonomy and batch size (:func:`affectlab.engines.pipeline.as_analyzer`).
    context : int, default=0
        Ancestors (>= 0) read with each turn.
    weight : float, default=0.5
        Weight in [0, 1] of the in-context reading.
    separator : str, default="\\n"
        Placed between context texts.
    progress : bool, default=False
        Progress bars on stderr (texts; one per engine pass).

    Returns
    -------
    list of TurnRecord
        One per turn, in order.
    """
    engine, target = analyzer.engine_, analyzer.taxonomy_
    ids = [t.turn_id for t in turns]
    own = analyzer.analyze([t.text for t in turns], ids, progress=progress, description="turns")
    contexts = _contexts(engine, turns, own, context, separator) if context > 0 and weight > 0 else {}
    with_context = [i for i, c in contexts.items() if c[1]]
    in_context = []
    if with_context:
        texts = [contexts[i][0] for i in with_context]
        in_context = analyzer.analyze(texts, [ids[i] for i in with_context], progress=progress, description="context")
    blended = dict(zip(with_context, in_context))
    records = []
    for i, turn in enumerate(turns):
        parts = _parts(own[i])
        flags = (*turn.flags, *own[i].flags)
        used: list[str] = []
        if i in contexts:
            _, used, truncated = contexts[i]
            if truncated:
                flags = (*flags, "context_truncated")
        if i in blended:
            parts = {**_blend(own[i], blended[i], weight, engine), "taxonomy": target}
        records.append(_from_affect(turn, parts, flags, used))
    return records


def _contexts(
    engine: Engine, turns: list[Turn], own: list[Affect], k: int, separator: str
) -> dict[int, tuple[str, list[str], bool]]:
    """Per non-empty turn index: the in-context text, the context turn ids, and whether context was cut."""
    by_conversation: dict[str, list[int]] = {}
    for i, t in enumerate(turns):
        by_conversation.setdefault(t.conversation_id, []).append(i)
    out = {}
    for indices in by_conversation.values():
        conv = [turns[i] for i in indices]
        position = {t.turn_id: local for local, t in enumerate(conv)}
        for local, i in enumerate(indices):
            if "empty" not in own[i].flags:
                out[i] = _context(engine, conv, position, local, k, separator)
    return out


def _given_score(turn: Turn, column: str, low: float, high: float) -> float | None:
    value = turn.columns.get(column)
    if is_missing(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InputError(f"Row {turn.row}: {column} {value!r} is not a number.") from exc
    if not (low <= number <= high):
        raise InputError(f"Row {turn.row}: {column} {number} is outside [{low:g}, {high:g}]; rescale it first.")
    return number


def score_from_columns(turns: list[Turn]) -> list[TurnRecord]:
    """Every turn with the precomputed scores of its row: ``valence`` (required column), ``arousal`` in [-1, 1],
    ``top`` and ``negative_prob`` in [0, 1].

    Raises
    ------
    InputError
        No ``valence`` column, a score that is not a number, or one outside its range.
    """
    if not any("valence" in t.columns for t in turns):
        raise InputError(
            "With engine=None the rows must carry precomputed scores: a 'valence' column in [-1, 1] "
            "(optional: 'arousal', 'top', 'negative_prob'). Pass an engine to score the texts instead."
        )
    records = []
    for turn in turns:
        valence = _given_score(turn, "valence", -1.0, 1.0)
        top = as_id(turn.columns.get("top"))
        records.append(
            _record(
                turn,
                flags=turn.flags if valence is not None else (*turn.flags, "missing_score"),
                emotions=None,
                labels=(top,) if top else (),
                top=top,
                valence=valence,
                arousal=_given_score(turn, "arousal", -1.0, 1.0),
                dominance=None,
                sentiment_label=None,
                sentiment_score=None,
                negative_prob=_given_score(turn, "negative_prob", 0.0, 1.0),
            )
        )
    return records
