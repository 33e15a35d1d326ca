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
- other scripts: the Devanagari, Ethiopic, Arabic and Urdu sentence marks end a
  sentence like ``.`` (followed by whitespace); Chinese and Japanese ``。！？``
  end one without a following space, unless a closing quote and its tag follow.

A segment longer than ``max_words`` words (one giant line with no punctuation,
say) is cut into windows of ``max_words // 4`` words flagged ``window_fallback``.

:class:`SegmentStream` does all of this over a text given as an iterable of
blocks (for instance a file read a megabyte at a time), yielding segments as it
goes, so a book is never held as segment objects all at once.
"""

from affectlab.core.segment.gutenberg import gutenberg_bounds, strip_gutenberg
from affectlab.core.segment.sentences import split_paragraphs, split_sentences
from affectlab.core.segment.stream import (
    DEFAULT_MAX_WORDS,
    SEGMENT_FLAGS,
    UNITS,
    Segment,
    SegmentStream,
    parse_unit,
    segment,
)

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
