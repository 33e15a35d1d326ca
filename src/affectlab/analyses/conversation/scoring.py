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
from affectlab.errors import InputError, TaxonomyError


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


def _predict(engine: Engine, texts: list[object], taxonomy: str, batch_size: int) -> list[Affect]:
    out: list[Affect] = []
    for start in range(0, len(texts), batch_size):
        out += engine.predict(texts[start : start + batch_size], taxonomy=taxonomy)
    return out


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
    engine: Engine,
    taxonomy: str | None,
    context: int,
    weight: float,
    separator: str,
    batch_size: int,
) -> list[TurnRecord]:
    target = tx.load_taxonomy(taxonomy or engine.native_taxonomy).name
    own = _predict(engine, [t.text for t in turns], target, batch_size)
    by_conversation: dict[str, list[int]] = {}
    for i, t in enumerate(turns):
        by_conversation.setdefault(t.conversation_id, []).append(i)
    contexts: dict[int, tuple[str, list[str], bool]] = {}
    if context > 0 and weight > 0:
        for indices in by_conversation.values():
            conv = [turns[i] for i in indices]
            position = {t.turn_id: local for local, t in enumerate(conv)}
            for local, i in enumerate(indices):
                if "empty" not in own[i].flags:
                    contexts[i] = _context(engine, conv, position, local, context, separator)
    with_context = [i for i, c in contexts.items() if c[1]]
    in_context = _predict(engine, [contexts[i][0] for i in with_context], target, batch_size)
    blended = dict(zip(with_context, in_context))
    records = []
    for i, turn in enumerate(turns):
        parts = _parts(own[i])
        flags = (*turn.flags, *own[i].flags)
        ids: list[str] = []
        if i in contexts:
            _, ids, truncated = contexts[i]
            if truncated:
                flags = (*flags, "context_truncated")
        if i in blended:
            parts = {**_blend(own[i], blended[i], weight, engine), "taxonomy": target}
        records.append(_from_affect(turn, parts, flags, ids))
    return records


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
