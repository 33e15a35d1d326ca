"""Split long documents into sentences, paragraphs or word windows (pure, no models).

Every :class:`Segment` carries ``start`` and ``end`` character offsets into the
text it was cut from, so ``text[start:end]`` is the segment's source (its
``text`` attribute is that slice with runs of whitespace collapsed to one space).

The sentence splitter is rule based and needs no downloads:

- paragraphs are separated by blank lines; a sentence never crosses one, and
  single line breaks inside a paragraph (hard-wrapped prose) are plain spaces;
- a sentence ends at ``.``, ``!``, ``?``, ``...``/``…`` (with any closing quotes
  or brackets) followed by whitespace and a word that does not start in lower
  case, so ``"Stop!" she cried.`` stays one sentence;
- a period does not end a sentence after a title (Mr., Dr., St., ...), after
  e.g./i.e./cf./vs., after an initial (``J. R. Tolkien``), after No./p./vol.
  before a number, or after a leading list number; ``3.5`` is never split.

A segment longer than ``max_words`` words (one giant line with no punctuation,
say) is cut into windows of ``max_words // 4`` words flagged ``window_fallback``.

:class:`SegmentStream` does all of this over a text given as an iterable of
blocks (for instance a file read a megabyte at a time), yielding segments as it
goes, so a book is never held as segment objects all at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from affectlab.errors import ParameterError

__all__ = [
    "DEFAULT_MAX_WORDS",
    "SEGMENT_FLAGS",
    "UNITS",
    "Segment",
    "SegmentStream",
    "gutenberg_bounds",
    "parse_unit",
    "segment",
    "split_paragraphs",
    "split_sentences",
    "strip_gutenberg",
]

UNITS = ("sentence", "paragraph", "window:N")
DEFAULT_MAX_WORDS = {"sentence": 200, "paragraph": 2000}

SEGMENT_FLAGS: dict[str, str] = {
    "window_fallback": "the sentence or paragraph exceeded max_words; it was cut into fixed word windows",
}

#: Titles and other abbreviations after which a period never ends a sentence.
TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "messrs", "mssrs", "mme", "mlle", "dr", "prof", "rev", "revd", "fr", "st", "mt", "ft"),
        *("capt", "col", "gen", "lt", "maj", "sgt", "cpl", "adm", "gov", "hon", "pres", "sen", "rep"),
        *("e.g", "i.e", "cf", "vs", "viz", "ca", "approx", "esp", "incl", "al"),
    }
)
#: Abbreviations that do not end a sentence when a number follows (``No. 5``, ``p. 12``).
BEFORE_NUMBER = frozenset(
    {
        *("no", "nos", "nr", "vol", "vols", "p", "pp", "fig", "figs", "ch", "chap", "art", "sec", "op"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    }
)

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_TERMINAL = re.compile(r"(?:\.(?:[ \t]?\.){2,}|…+|[.!?]+)[\"'”’»)\]_*]*(?=\s|$)")
_CLOSERS = "\"'”’»)]_*"
_OPENERS = "\"'“‘«([_*"
_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")
_ROMAN = re.compile(r"[IVXLCDM]+")
_START = re.compile(
    r"^[^\S\n]*(?:\*{3}[^\S\n]*START OF (?:THE |THIS )?PROJECT GUTENBERG[^\n]*"
    r"|\*END\*THE SMALL PRINT![^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^[^\S\n]*(?:\*{3}[^\S\n]*END OF (?:THE |THIS )?PROJECT GUTENBERG[^\n]*"
    r"|End of (?:the )?Project Gutenberg(?:'s|’s)? [^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_PRODUCED = re.compile(r"\s*(?:produced by|this e-?text was produced by|e-?text prepared by)", re.IGNORECASE)
HEAD_CHARS = 100_000  # the Gutenberg START marker is looked for in this many leading characters
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


def parse_unit(unit: str) -> tuple[str, int | None]:
    """Validate a segmentation unit: ``"sentence"``, ``"paragraph"`` or ``"window:N"`` (N words, N >= 1).

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
        f"The 'unit' parameter must be 'sentence', 'paragraph' or 'window:N' with N an int >= 1 "
        f"(words per segment). Got {unit!r} instead."
    )


# -- sentences and paragraphs ------------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the paragraphs of ``text[start:end]`` (separated by blank lines), trimmed, in order.

    Examples
    --------
    >>> split_paragraphs("One.\\n\\n  Two\\nlines.\\n")
    [(0, 4), (8, 18)]
    """
    end = len(text) if end is None else end
    spans = []
    position = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append(_trim(text, position, match.start()))
        position = match.end()
    spans.append(_trim(text, position, end))
    return [(a, b) for a, b in spans if b > a]


def _token_before(text: str, position: int, lower_bound: int) -> tuple[str, int]:
    """The whitespace-delimited token ending at ``position`` (openers stripped) and where it starts."""
    begin = position
    while begin > lower_bound and not text[begin - 1].isspace():
        begin -= 1
    token = text[begin:position]
    stripped = token.lstrip(_OPENERS)
    return stripped, begin + len(token) - len(stripped)


def _period_ends_sentence(token: str, next_char: str, sentence_start: bool) -> bool:
    lowered = token.lower()
    if lowered in TITLES:
        return False
    if next_char.isdigit() and lowered in BEFORE_NUMBER:
        return False
    if len(token) == 1 and token.isalpha() and token.isupper():
        return False  # an initial: J. R. Tolkien, P. M.
    return not (sentence_start and (token.isdigit() or _ROMAN.fullmatch(token) or len(token) == 1))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]``, trimmed, in order (see the module docstring for the rules).

    Examples
    --------
    >>> text = 'Mr. Smith paid $3.5 million. "Stop!" she cried. Then... silence'
    >>> [text[a:b] for a, b in split_sentences(text)]
    ['Mr. Smith paid $3.5 million.', '"Stop!" she cried.', 'Then... silence']
    """
    spans = []
    for p_start, p_end in split_paragraphs(text, start, end):
        sentence_start = p_start
        for match in _TERMINAL.finditer(text, p_start, p_end):
            if _is_boundary(text, match, sentence_start, p_end):
                spans.append(_trim(text, sentence_start, match.end()))
                sentence_start = match.end()
        spans.append(_trim(text, sentence_start, p_end))
    return [(a, b) for a, b in spans if b > a]


def _is_boundary(text: str, match: re.Match[str], sentence_start: int, limit: int) -> bool:
    after = match.end()
    while after < limit and text[after].isspace():
        after += 1
    while after < limit and text[after] in _OPENERS:
        after += 1
    if after >= limit:
        return True
    next_char = text[after]
    if next_char.islower():
        return False  # dialogue tag ("Stop!" she cried), unknown abbreviation, or a mid-sentence ellipsis
    terminal = match.group().rstrip(_CLOSERS)
    if terminal != ".":
        return True
    token, token_start = _token_before(text, match.start(), sentence_start)
    first = not text[sentence_start:token_start].strip()
    return _period_ends_sentence(token, next_char, first)


# -- segments ----------------------------------------------------------------------------------


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
        if kind != "window" and (not isinstance(limit, int) or limit < 4):
            raise ParameterError(f"The 'max_words' parameter must be an int >= 4. Got {self.max_words!r} instead.")
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
                skip = _header_end(buffer)
                if skip:
                    flags.add("gutenberg_stripped")
                elif "project gutenberg" in buffer[:3000].lower():
                    flags.add("gutenberg_markers_missing")
                buffer, base, header_done = buffer[skip:], base + skip, True
            if self.strip_gutenberg:
                searchable = len(buffer) if done else buffer.rfind("\n") + 1
                footer = _END.search(buffer, 0, searchable)
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
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(buffer)]
    if breaks:
        return breaks[-1]
    if len(buffer) < MAX_PENDING_CHARS:
        return 0
    line = buffer.rfind("\n")
    return line if line > 0 else max(buffer.rfind(" "), 0)


def _header_end(text: str) -> int:
    """Offset just after a Gutenberg START marker (and a following 'Produced by' paragraph); 0 if none."""
    marker = _START.search(text, 0, min(len(text), HEAD_CHARS))
    if marker is None:
        return 0
    position = marker.end()
    paragraphs = split_paragraphs(text, position, min(len(text), position + 5000))
    if paragraphs and _PRODUCED.match(text, paragraphs[0][0]):
        position = paragraphs[0][1]
    return position


def gutenberg_bounds(text: str) -> tuple[int, int]:
    """Start and end offsets of the body of a Project Gutenberg text.

    The body starts after the ``*** START OF THE/THIS PROJECT GUTENBERG EBOOK ...``
    line (or, in old files, ``*END*THE SMALL PRINT!...``) and after a
    ``Produced by ...`` credit paragraph that follows it; it ends before the
    ``*** END OF ... PROJECT GUTENBERG ...`` line or, as a fallback, an
    ``End of (the) Project Gutenberg('s) ...`` line, whichever comes first. A
    missing marker leaves that end of the text as it is, so a text that is
    not from Project Gutenberg gives ``(0, len(text))``.

    Examples
    --------
    >>> text = "Head\\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\\nBody.\\n*** END OF THE PROJECT GUTENBERG EBOOK"
    >>> a, b = gutenberg_bounds(text)
    >>> text[a:b].strip()
    'Body.'
    """
    start = _header_end(text)
    footer = _END.search(text, start)
    return start, footer.start() if footer else len(text)


def strip_gutenberg(text: str) -> str:
    """The body of a Project Gutenberg text, without its header and licence footer (see :func:`gutenberg_bounds`)."""
    start, end = gutenberg_bounds(text)
    return text[start:end]


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
