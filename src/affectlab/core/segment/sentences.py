"""Sentence and paragraph boundaries: the rule-based splitter (pure, no downloads).

The rules are listed in :mod:`affectlab.core.segment`. Spans are ``(start, end)``
character offsets into the text, trimmed of surrounding whitespace.
"""

from __future__ import annotations

import re

__all__ = [
    "BEFORE_NUMBER",
    "CJK_TERMINALS",
    "PARAGRAPH_BREAK",
    "SCRIPT_TERMINALS",
    "TITLES",
    "split_paragraphs",
    "split_sentences",
]

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


PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
#: Sentence-final marks of the scripts BRIGHTER covers besides Latin and Cyrillic's ``. ! ?``: the Devanagari
#: danda and double danda, the Ethiopic full stop, question mark and paragraph separator, the Arabic question
#: mark and the Urdu full stop (each followed by whitespace, like ``.``), and the CJK full-width ``。！？``
#: (followed by anything: Chinese and Japanese put no space between sentences).
SCRIPT_TERMINALS = "।॥።፧፨؟۔"
CJK_TERMINALS = "。！？"
_CLOSERS = "\"'”’»)]_*」』）"
_OPENERS = "\"'“‘«([_*「『（¿¡"
_TERMINAL = re.compile(
    rf"(?:\.(?:[ \t]?\.){{2,}}|…+|[.!?{SCRIPT_TERMINALS}]+)[{re.escape(_CLOSERS)}]*(?=\s|$)"
    rf"|[{CJK_TERMINALS}]+[{re.escape(_CLOSERS)}]*"
)
_ROMAN = re.compile(r"[IVXLCDM]+")


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
    for match in PARAGRAPH_BREAK.finditer(text, start, end):
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
    if match.group()[0] in CJK_TERMINALS and match.group()[-1] in _CLOSERS and after < limit:
        return text[after].isspace()  # 「……。」と言った / “……。”他说: a quotation and its tag stay one sentence
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
