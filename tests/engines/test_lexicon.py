"""The lexicon baseline: negation scope and learnt associations."""

from __future__ import annotations

from affectlab.engines.lexicon import tokens
from affectlab.engines.registry import load_engine


def test_negation_scope_ends_at_punctuation() -> None:
    assert tokens("I'm not happy, but fine.") == ["i'm", "NOT_happy", "but", "fine"]
    assert tokens("Never again; great") == ["NOT_again", "great"]
    assert tokens("I don't love it") == ["i", "NOT_love", "NOT_it"]


def test_associations_point_the_right_way() -> None:
    engine = load_engine("lexicon")
    thanks, grief = engine.predict(["Thank you so much for this!", "RIP, my condolences for your loss"])
    assert thanks.top == "gratitude"
    assert grief.emotions["grief"] > thanks.emotions["grief"]
