"""Segments of a text streamed from blocks: :class:`Segment`, :class:`SegmentStream`, :func:`segment`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from affectlab.core.segment.gutenberg import END_MARKER, HEAD_CHARS, header_end
from affectlab.core.segment.sentences import PARAGRAPH_BREAK, split_paragraphs, split_sentences
from affectlab.core.validation import check_int
from affectlab.errors import ParameterError

__all__ = ["DEFAULT_MAX_WORDS", "SEGMENT_FLAGS", "UNITS", "Segment", "SegmentStream", "parse_unit", "segment"]

UNITS = ("sentence", "paragraph", "window:N")
DEFAULT_MAX_WORDS = {"sentence": 200, "paragraph": 2000}

SEGMENT_FLAGS: dict[str, str] = {
    "window_fallback": "the sentence or paragraph exceeded max_words; it was cut into fixed word windows",
}

_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")
MAX_PENDING_CHARS = 1 << 21  # a stream cuts a paragraph longer than this at a line break or space


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence, paragraph or word window of a document.

    Attributes
    ----------
    index : int
        0-based position in the document.
    start, end : int
        Character offsets into the source text (``source[start:end]``).
    text : str
        The source slice with runs of whitespace collapsed to one space.
    n_words : int
        Whitespace-separated words in ``text``.
    flags : tuple of str
        See :data:`SEGMENT_FLAGS`.
    """

    index: int
    start: int
    end: int
    text: str
    n_words: int
    flags: tuple[str, ...] = ()


def parse_unit(unit: str, owner: str = "SegmentStream") -> tuple[str, int | None]:
    """Validate a segmentation unit: ``"sentence"``, ``"paragraph"`` or ``"window:N"`` (N words, N >= 1).

    Parameters
    ----------
    unit : str
        The unit to check.
    owner : str, default="SegmentStream"
        The function or class named in the error message.

    Returns
    -------
    (kind, n) : tuple of str and int or None
        ``n`` is the window size for ``window:N``, else None.

    Raises
    ------
    ParameterError
        If the unit is not one of these.

    Examples
    --------
    >>> parse_unit("window:50")
    ('window', 50)
    """
    if unit in ("sentence", "paragraph"):
        return unit, None
    kind, _, size = str(unit).partition(":")
    if kind == "window" and size.isdigit() and int(size) >= 1:
        return "window", int(size)
    raise ParameterError(
        f"The 'unit' parameter of {owner} must be 'sentence', 'paragraph' or 'window:N' with N an int >= 1 "
        f"(words per segment). Got {unit!r} instead."
    )


def _windows(text: str, start: int, end: int, size: int) -> tuple[list[tuple[int, int]], int]:
    """Full windows of ``size`` words in ``text[start:end]`` and the offset where the unfinished one begins."""
    words = [m.span() for m in _WORD.finditer(text, start, end)]
    full = len(words) - len(words) % size
    spans = [(words[i][0], words[i + size - 1][1]) for i in range(0, full, size)]
    rest = words[full][0] if full < len(words) else end
    return spans, rest


class SegmentStream:
    """Segments of a text given as an iterable of blocks, yielded as they are found.

    Parameters
    ----------
    blocks : iterable of str
        The text, in consecutive pieces of any size (one string is fine).
    unit : str, default="sentence"
        ``"sentence"``, ``"paragraph"`` or ``"window:N"`` (N words per segment).
    max_words : int, optional
        Longer sentences/paragraphs are cut into windows of ``max_words // 4``
        words flagged ``window_fallback``; default 200 for sentences, 2000 for
        paragraphs (ignored for windows).
    strip_gutenberg : bool, default=False
        Skip a Project Gutenberg header and footer (see :func:`gutenberg_bounds`).

    Attributes
    ----------
    chars_read_ : int
        Characters consumed from ``blocks`` so far (for progress bars).
    n_words_ : int
        Words in the segments yielded so far.
    flags_ : tuple of str
        Set while iterating: ``window_fallback`` (some segment was windowed),
        ``gutenberg_stripped`` (a Gutenberg marker was found and the text
        outside it skipped), ``gutenberg_markers_missing`` (the text mentions
        Project Gutenberg in its first lines but has no START marker).

    Examples
    --------
    >>> stream = SegmentStream(["It was dark. ", "She ran!\\n\\nThe end."])
    >>> [s.text for s in stream]
    ['It was dark.', 'She ran!', 'The end.']
    """

    def __init__(
        self,
        blocks: Iterable[str],
        unit: str = "sentence",
        *,
        max_words: int | None = None,
        strip_gutenberg: bool = False,
    ) -> None:
        self.blocks = blocks
        self.unit = unit
        self.max_words = max_words
        self.strip_gutenberg = strip_gutenberg

    def __iter__(self) -> Iterator[Segment]:
        kind, size = parse_unit(self.unit)
        limit = self.max_words if self.max_words is not None else DEFAULT_MAX_WORDS.get(kind, 0)
        if kind != "window":
            check_int(limit, "max_words", "SegmentStream", minimum=4)
        self.chars_read_, self.n_words_, self.flags_ = 0, 0, ()
        flags: set[str] = set()
        index = 0
        buffer, base = "", 0  # pending text and its offset in the whole text
        header_done = not self.strip_gutenberg
        blocks = iter(self.blocks)
        done = False
        while not done:
            block = next(blocks, None)
            done = block is None
            if block:
                buffer += block
                self.chars_read_ += len(block)
            if not header_done:
                if len(buffer) < HEAD_CHARS and not done:
                    continue
                skip = header_end(buffer)
                if skip:
                    flags.add("gutenberg_stripped")
                elif "project gutenberg" in buffer[:3000].lower():
                    flags.add("gutenberg_markers_missing")
                buffer, base, header_done = buffer[skip:], base + skip, True
            if self.strip_gutenberg:
                searchable = len(buffer) if done else buffer.rfind("\n") + 1
                footer = END_MARKER.search(buffer, 0, searchable)
                if footer:
                    buffer, done = buffer[: footer.start()], True
                    flags.add("gutenberg_stripped")
            cut = len(buffer) if done else _safe_cut(buffer, kind)
            if kind == "window":
                assert size is not None
                spans, rest = _windows(buffer, 0, cut, size)
                if done:
                    spans += [(rest, cut)] if buffer[rest:cut].strip() else []
                    rest = cut
                cut = rest
                pieces = [(a, b, ()) for a, b in spans]
            else:
                pieces = self._pieces(buffer, cut, kind, limit)
            for a, b, piece_flags in pieces:
                text = _SPACE.sub(" ", buffer[a:b])
                n_words = len(text.split())
                flags.update(piece_flags)
                self.n_words_ += n_words
                yield Segment(index, base + a, base + b, text, n_words, piece_flags)
                index += 1
            buffer, base = buffer[cut:], base + cut
            self.flags_ = tuple(sorted(flags))

    @staticmethod
    def _pieces(buffer: str, cut: int, kind: str, limit: int) -> list[tuple[int, int, tuple[str, ...]]]:
        spans = split_sentences(buffer, 0, cut) if kind == "sentence" else split_paragraphs(buffer, 0, cut)
        pieces: list[tuple[int, int, tuple[str, ...]]] = []
        for a, b in spans:
            if b - a > limit and len(_WORD.findall(buffer, a, b)) > limit:
                windows, rest = _windows(buffer, a, b, max(1, limit // 4))
                windows += [(rest, b)] if rest < b else []
                pieces += [(x, y, ("window_fallback",)) for x, y in windows]
            else:
                pieces.append((a, b, ()))
        return pieces


def _safe_cut(buffer: str, kind: str) -> int:
    """Where the pending text can be cut without splitting a unit (0: wait for more text)."""
    if kind == "window":
        return max(buffer.rfind(" "), buffer.rfind("\n"), 0)
    breaks = [m.start() for m in PARAGRAPH_BREAK.finditer(buffer)]
    if breaks:
        return breaks[-1]
    if len(buffer) < MAX_PENDING_CHARS:
        return 0
    line = buffer.rfind("\n")
    return line if line > 0 else max(buffer.rfind(" "), 0)


def segment(
    text: str, unit: str = "sentence", *, max_words: int | None = None, strip_gutenberg: bool = False
) -> list[Segment]:
    """All segments of ``text`` at once (see :class:`SegmentStream` for the parameters and streaming).

    Examples
    --------
    >>> [(s.start, s.end, s.text) for s in segment("Hi there. Dr. Who?", "sentence")]
    [(0, 9, 'Hi there.'), (10, 18, 'Dr. Who?')]
    >>> [s.text for s in segment("a b c d e", "window:2")]
    ['a b', 'c d', 'e']
    """
    return list(SegmentStream([text], unit, max_words=max_words, strip_gutenberg=strip_gutenberg))
