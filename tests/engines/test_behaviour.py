"""Behavioural checks of the shipped default model: negation, intensifiers, emoji, casual spelling, long text.

These read the real artifact in ``src/affectlab/models/default`` (skipped if it is not installed).
Each check compares the model with itself on minimal pairs, so it tests behaviour, not a score.
"""

from __future__ import annotations

import pytest

from affectlab.engines.embedded import EmbeddedEngine, installed_models

pytestmark = pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(threads=1)


def probs(engine: EmbeddedEngine, text: str, taxonomy: str = "ekman") -> dict[str, float]:
    return engine.predict([text], taxonomy=taxonomy)[0].emotions


@pytest.mark.parametrize(
    ("negated", "emotion"),
    [
        ("I'm not happy with this.", "joy"),
        ("This is not good at all.", "joy"),
        ("I don't love it.", "joy"),
        ("I'm not angry, just tired.", "anger"),
        ("I am not scared of the dark.", "fear"),
        ("Honestly, I'm not sad about it.", "sadness"),
    ],
)
def test_negated_emotion_is_not_the_answer(engine: EmbeddedEngine, negated: str, emotion: str) -> None:
    record = engine.predict([negated], taxonomy="ekman")[0]
    assert record.top != emotion
    positive = negated.replace("not ", "").replace("don't ", "").replace("n't", "")
    assert probs(engine, negated)[emotion] < probs(engine, positive)[emotion]


@pytest.mark.parametrize(
    ("text", "polarity"),
    [("I'm not happy with this.", "positive"), ("The service was not bad at all.", "negative")],
)
def test_negation_flips_or_softens_sentiment(engine: EmbeddedEngine, text: str, polarity: str) -> None:
    assert engine.predict([text])[0].sentiment.label != polarity


@pytest.mark.parametrize(
    ("weak", "strong", "emotion"),
    [
        ("I am a bit annoyed.", "I am absolutely furious!!!", "anger"),
        ("I'm kind of worried.", "I'm terrified, please help!", "fear"),
        ("That was nice.", "That was the best day of my entire life!", "joy"),
    ],
)
def test_intensifiers_raise_intensity_and_arousal(engine: EmbeddedEngine, weak: str, strong: str, emotion: str) -> None:
    w, s = engine.predict([weak, strong])
    assert s.intensity[emotion] > w.intensity[emotion]
    assert s.vad.arousal > w.vad.arousal


@pytest.mark.parametrize(
    ("text", "label"),
    [("😍😍😍", "positive"), ("I love it 😍", "positive"), ("😡😡 worst ever", "negative"), ("😭😭😭", "negative")],
)
def test_emoji_carry_sentiment(engine: EmbeddedEngine, text: str, label: str) -> None:
    assert engine.predict([text])[0].sentiment.label == label


@pytest.mark.parametrize(
    ("casual", "labels"),
    [
        ("sooo happyyy rn!!", {"joy"}),
        ("thx so much, ur the best", {"joy"}),
        # "ugh" reads as disgust as often as anger in GoEmotions; either is a fair Ekman reading
        ("ugh this sucks sooo bad", {"anger", "disgust"}),
    ],
)
def test_casual_spelling(engine: EmbeddedEngine, casual: str, labels: set[str]) -> None:
    assert engine.predict([casual], taxonomy="ekman")[0].top in labels


@pytest.mark.parametrize(
    ("casual", "plain"),
    [("sooo happyyy rn!!", "so happy right now!!"), ("ugh this sucks sooo bad", "ugh this sucks so bad")],
)
def test_casual_spelling_reads_like_plain_spelling(engine: EmbeddedEngine, casual: str, plain: str) -> None:
    casual_record, plain_record = engine.predict([casual, plain], taxonomy="ekman")
    assert casual_record.top == plain_record.top
    assert casual_record.sentiment.label == plain_record.sentiment.label


def test_very_long_text_is_chunked_and_keeps_its_mood(engine: EmbeddedEngine) -> None:
    text = "I am so grateful and happy for everything you did for me. " * 120
    record = engine.predict([text], taxonomy="ekman")[0]
    assert "truncated_chunks" in record.flags
    assert record.top == "joy" and record.sentiment.label == "positive"


def test_valence_orders_clear_cases(engine: EmbeddedEngine) -> None:
    texts = ["This is the worst day of my life.", "The meeting is at 3pm.", "I just got engaged, I'm so happy!"]
    valence = [r.vad.valence for r in engine.predict(texts)]
    assert valence[0] < valence[1] < valence[2]
