"""The offline segmenter: sentences, paragraphs, windows, offsets, Gutenberg stripping, streaming."""

from __future__ import annotations

from pathlib import Path

import pytest

from affectlab.core.segment import (
    SegmentStream,
    gutenberg_bounds,
    parse_unit,
    segment,
    split_paragraphs,
    split_sentences,
    strip_gutenberg,
)
from affectlab.datasets import data_dir
from affectlab.errors import ParameterError


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at St. Paul's. They talked.",
            ["Mr. Smith met Dr. Jones at St. Paul's.", "They talked."],
        ),
        (
            "Bring fruit, e.g. Apples or pears, i.e. Anything. Then go.",
            ["Bring fruit, e.g. Apples or pears, i.e. Anything.", "Then go."],
        ),
        ("J. R. R. Tolkien wrote it. He was English.", ["J. R. R. Tolkien wrote it.", "He was English."]),
        ("Prices rose 3.5 percent in 2023. Then they fell.", ["Prices rose 3.5 percent in 2023.", "Then they fell."]),
        ("See No. 5 and p. 12 for more. Done.", ["See No. 5 and p. 12 for more.", "Done."]),
        ("1. Buy milk. 2. Sell eggs.", ["1. Buy milk.", "2. Sell eggs."]),
        ("The train left at 5 p.m. Nobody came.", ["The train left at 5 p.m.", "Nobody came."]),
    ],
)
def test_abbreviations_initials_and_numbers(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Stop!" she cried. He stopped.', ['"Stop!" she cried.', "He stopped."]),
        ('"Why?" he asked. "Because," I said. "Go."', ['"Why?" he asked.', '"Because," I said.', '"Go."']),
        ("“Run!” “Where?” “Anywhere.”", ["“Run!”", "“Where?”", "“Anywhere.”"]),
        ("He said 'no.' Then he left.", ["He said 'no.'", "Then he left."]),
        ("(It was late.) We slept.", ["(It was late.)", "We slept."]),
        ("Really?! Yes!!", ["Really?!", "Yes!!"]),
    ],
)
def test_quotes_and_dialogue(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I waited... and waited. Nothing.", ["I waited... and waited.", "Nothing."]),
        ("I waited... Then it came.", ["I waited...", "Then it came."]),
        ("I waited… Then it came.", ["I waited…", "Then it came."]),
        ("So . . . It ended.", ["So . . .", "It ended."]),
    ],
)
def test_ellipses(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_paragraphs_break_sentences_and_hard_wraps_do_not() -> None:
    text = "CHAPTER I\r\n\r\nIt was a dark\r\nand stormy night. The rain\nfell\n   \n\nNew paragraph without stop"
    assert sentences(text) == [
        "CHAPTER I",
        "It was a dark\r\nand stormy night.",
        "The rain\nfell",
        "New paragraph without stop",
    ]
    assert [text[a:b] for a, b in split_paragraphs(text)] == [
        "CHAPTER I",
        "It was a dark\r\nand stormy night. The rain\nfell",
        "New paragraph without stop",
    ]


def test_segments_carry_offsets_into_the_original_text() -> None:
    text = "\ufeffFirst  one.\n\nSecond\r\nline here!  Third?\n"
    segs = segment(text, "sentence")
    assert [s.text for s in segs] == ["First one.", "Second line here!", "Third?"]
    for s in segs:
        assert " ".join(text[s.start : s.end].split()) == s.text
    assert [s.index for s in segs] == [0, 1, 2]
    assert [s.n_words for s in segs] == [2, 3, 1]


def test_paragraph_and_window_units() -> None:
    text = "One two three. Four five.\n\nSix seven eight nine ten."
    assert [s.text for s in segment(text, "paragraph")] == ["One two three. Four five.", "Six seven eight nine ten."]
    windows = segment(text, "window:4")
    assert [s.text for s in windows] == ["One two three. Four", "five. Six seven eight", "nine ten."]
    assert all(text[s.start : s.end].split() == s.text.split() for s in windows)


def test_a_giant_line_without_punctuation_falls_back_to_flagged_windows() -> None:
    text = " ".join(f"word{i}" for i in range(1000))
    segs = segment(text, "sentence")
    assert len(segs) == 20  # windows of max_words // 4 = 50 words
    assert all(s.flags == ("window_fallback",) and s.n_words == 50 for s in segs)
    stream = SegmentStream([text], "sentence")
    list(stream)
    assert stream.flags_ == ("window_fallback",)
    assert segment(text, "sentence", max_words=2000)[0].n_words == 1000
    normal = SegmentStream(["A short sentence. Another one."], "sentence")
    assert len(list(normal)) == 2 and normal.flags_ == ()


@pytest.mark.parametrize("unit", ["sentence", "paragraph", "window:7"])
@pytest.mark.parametrize("block", [1, 7, 50, 10_000])
def test_streaming_in_blocks_gives_the_same_segments(unit: str, block: int) -> None:
    text = ('Mr. Brown said, "Hello!" She waved.\n\nIt rained... Then it stopped. ' * 20).strip()
    whole = [(s.start, s.end, s.text) for s in segment(text, unit)]
    blocks = [text[i : i + block] for i in range(0, len(text), block)]
    stream = SegmentStream(iter(blocks), unit)
    assert [(s.start, s.end, s.text) for s in stream] == whole
    assert stream.chars_read_ == len(text)
    assert stream.n_words_ == sum(len(t.split()) for *_, t in whole)


def test_stream_is_lazy() -> None:
    def blocks():
        yield "First paragraph here.\n\n"
        yield "Second paragraph.\n\n"
        raise AssertionError("read too far")

    first = next(iter(SegmentStream(blocks(), "sentence")))
    assert first.text == "First paragraph here."


GUTENBERG = (
    "The Project Gutenberg EBook of Something\n\nLicence blah.\n\n"
    "*** START OF THIS PROJECT GUTENBERG EBOOK SOMETHING ***\n\n\n\n"
    "Produced by Some Volunteers\nand a team\n\n\n"
    "CHAPTER I\n\nThe story begins. It ends.\n\n"
    "End of the Project Gutenberg EBook of Something\n\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK SOMETHING ***\n\nMore licence.\n"
)


def test_strip_gutenberg_markers_and_credit() -> None:
    assert " ".join(strip_gutenberg(GUTENBERG).split()) == "CHAPTER I The story begins. It ends."
    texts = [s.text for s in segment(GUTENBERG, "sentence", strip_gutenberg=True)]
    assert texts == ["CHAPTER I", "The story begins.", "It ends."]
    start, _ = gutenberg_bounds(GUTENBERG)
    assert segment(GUTENBERG, strip_gutenberg=True)[0].start == GUTENBERG.index("CHAPTER I") > start - 1


def test_strip_gutenberg_fallbacks() -> None:
    plain = "Just a text. Nothing to strip."
    assert gutenberg_bounds(plain) == (0, len(plain))
    old = (
        "Small print...\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\n"
        "Body text.\n\nEnd of Project Gutenberg's Something\n"
    )
    assert strip_gutenberg(old).strip() == "Body text."
    stream = SegmentStream(["The Project Gutenberg EBook of X\n\nNo markers here. At all."], strip_gutenberg=True)
    assert len(list(stream)) == 3
    assert stream.flags_ == ("gutenberg_markers_missing",)


@pytest.mark.parametrize("unit", ["sentence", "paragraph", "window:0", "window:x", "words", "window:"])
def test_units_are_validated(unit: str) -> None:
    if unit in ("sentence", "paragraph"):
        assert parse_unit(unit) == (unit, None)
    else:
        with pytest.raises(ParameterError, match="'unit' parameter"):
            parse_unit(unit)
    with pytest.raises(ParameterError, match="max_words"):
        segment("text", max_words=0)


def book(name: str) -> str:
    return (data_dir() / "books" / f"{name}.txt").read_text(encoding="utf-8-sig")


@pytest.mark.data
@pytest.mark.parametrize(
    ("name", "first", "last_words"),
    [
        ("frankenstein", "FRANKENSTEIN:", "lost in darkness and distance."),
        ("dracula", "DRACULA", "{pg 313}"),
    ],
)
def test_gutenberg_novels_are_stripped(name: str, first: str, last_words: str) -> None:
    text = book(name)
    body = strip_gutenberg(text)
    assert "PROJECT GUTENBERG" not in body.upper().replace("PROJECT GUTENBERG-TM", "")[:5000]
    assert "*** END OF" not in body and "START OF TH" not in body
    assert body.strip().startswith(first)
    assert last_words in body[-3000:]
    assert len(body) < len(text) - 10_000  # the licence is long


@pytest.mark.data
def test_novel_streams_in_blocks_like_the_whole_text(tmp_path: Path) -> None:
    text = book("frankenstein")
    whole = segment(text, "sentence", strip_gutenberg=True)
    blocks = [text[i : i + 65_536] for i in range(0, len(text), 65_536)]
    streamed = SegmentStream(blocks, "sentence", strip_gutenberg=True)
    assert [(s.start, s.end) for s in streamed] == [(s.start, s.end) for s in whole]
    assert streamed.flags_ == ("gutenberg_stripped",)
    assert 3000 < len(whole) < 4000 and not any(s.flags for s in whole)
    assert all(" ".join(text[s.start : s.end].split()) == s.text for s in whole[:300])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Я очень рад. А ты? Хорошо!", ["Я очень рад.", "А ты?", "Хорошо!"]),  # Cyrillic: cased, like Latin
        ("मैं बहुत खुश हूँ। तुम कैसे हो? ठीक है॥ बस", ["मैं बहुत खुश हूँ।", "तुम कैसे हो?", "ठीक है॥", "बस"]),  # Devanagari
        ("ዛሬ ደስተኛ ነኝ። አንተስ፧ እሺ።", ["ዛሬ ደስተኛ ነኝ።", "አንተስ፧", "እሺ።"]),  # Ethiopic
        ("هل أنت سعيد؟ أنا حزين جدا. حسنا", ["هل أنت سعيد؟", "أنا حزين جدا.", "حسنا"]),  # Arabic: uncased
        ("یہ اچھا ہے۔ ٹھیک ہے", ["یہ اچھا ہے۔", "ٹھیک ہے"]),  # Urdu full stop
        ("我今天很高兴。你呢？我不知道！好吧", ["我今天很高兴。", "你呢？", "我不知道！", "好吧"]),  # no spaces in CJK
        (
            "「今日は楽しかった。」と彼は言った。明日も行こう。",
            ["「今日は楽しかった。」と彼は言った。", "明日も行こう。"],
        ),
        ("“我很好。”他说。然后走了。", ["“我很好。”他说。", "然后走了。"]),  # a quotation keeps its tag
        ("«¿Estás bien?» preguntó. Sí.", ["«¿Estás bien?» preguntó.", "Sí."]),
    ],
)
def test_sentence_marks_of_other_scripts(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected
