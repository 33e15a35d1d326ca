"""Input normalisation and spelling-out for the word-piece encoder."""

from __future__ import annotations

import math

from affectlab.core.text import normalize, spell_out, word_spans


def test_normalize_flags() -> None:
    assert normalize("hello").flags == ()
    assert normalize("").flags == ("empty",)
    assert normalize(" \n\t").flags == ("empty",)
    assert normalize(None).flags == ("empty",)
    assert normalize(math.nan).flags == ("empty",)
    assert normalize(b"caf\xe9").flags == ("non_text",) and "\ufffd" in normalize(b"caf\xe9").text
    assert normalize("café".encode()).flags == ()
    assert normalize(3.5).text == "3.5" and normalize(3.5).flags == ("non_text",)
    assert normalize("a\x00b").text == "a b"


def test_spell_out() -> None:
    assert "smiling face with heart-eyes" in spell_out("😍")
    assert spell_out("sooo happyyy") == "so happy"
    assert spell_out("cool 1000") == "cool 1000"


def test_word_spans_cover_words() -> None:
    text = "I'm not happy, really."
    assert [text[a:b] for a, b in word_spans(text)] == ["I'm", "not", "happy", ",", "really", "."]


def test_function_words_are_not_content_words() -> None:
    from affectlab.core.text import is_content_word

    assert [is_content_word(w) for w in ("furious", "I", "this", "at", "The", "not", "never", "I'm", "don't", "!")] == [
        True, False, False, False, False, True, True, False, True, False,
    ]  # fmt: skip
