"""Project Gutenberg headers and licence footers: where the body of an ebook starts and ends."""

from __future__ import annotations

import re

from affectlab.core.segment.sentences import split_paragraphs

__all__ = ["END_MARKER", "HEAD_CHARS", "gutenberg_bounds", "header_end", "strip_gutenberg"]

_START = re.compile(
    r"^[^\S\n]*(?:\*{3}[^\S\n]*START OF (?:THE |THIS )?PROJECT GUTENBERG[^\n]*"
    r"|\*END\*THE SMALL PRINT![^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
END_MARKER = re.compile(
    r"^[^\S\n]*(?:\*{3}[^\S\n]*END OF (?:THE |THIS )?PROJECT GUTENBERG[^\n]*"
    r"|End of (?:the )?Project Gutenberg(?:'s|’s)? [^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_PRODUCED = re.compile(r"\s*(?:produced by|this e-?text was produced by|e-?text prepared by)", re.IGNORECASE)
HEAD_CHARS = 100_000  # the Gutenberg START marker is looked for in this many leading characters


def header_end(text: str) -> int:
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
    start = header_end(text)
    footer = END_MARKER.search(text, start)
    return start, footer.start() if footer else len(text)


def strip_gutenberg(text: str) -> str:
    """The body of a Project Gutenberg text, without its header and licence footer (see :func:`gutenberg_bounds`)."""
    start, end = gutenberg_bounds(text)
    return text[start:end]
