"""Text normalisation and splitting (pure functions, no models)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FUNCTION_WORDS", "Normalized", "is_content_word", "normalize", "spell_out", "word_spans"]

_WORD = re.compile(r"[\w'’]+|[^\w\s]", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc, except tab and newline
_ELONGATED = re.compile(r"([a-zA-Z])\1{2,}")
_CONTRACTION = re.compile(r"'(m|s|re|ve|d|ll)$")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A text made safe to analyse, with the flags raised while making it so."""

    text: str
    flags: tuple[str, ...]


def normalize(value: object) -> Normalized:
    """Turn any input value into text, flagging what was done.

    - ``bytes`` are decoded as UTF-8 with replacement characters; undecodable
      bytes and any non-string input raise the ``non_text`` flag.
    - ``None``, NaN and whitespace-only strings give ``""`` with the ``empty`` flag.
    - Text is NFC-normalised; NUL and other control characters become spaces.

    Examples
    --------
    >>> normalize(b"caf\\xe9").flags
    ('non_text',)
    >>> normalize("   ").flags
    ('empty',)
    """
    flags: list[str] = []
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in value:
            flags.append("non_text")
    elif isinstance(value, str):
        text = value
        if "\ufffd" in text:
            flags.append("non_text")
    elif value is None or (isinstance(value, float) and value != value):
        text = ""
    else:
        text = str(value)
        flags.append("non_text")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    if not text.strip():
        flags.append("empty")
    return Normalized(text, tuple(flags))


#: English words that carry grammar, not emotion: pronouns, determiners, prepositions, conjunctions,
#: auxiliaries. Evidence never consists of one of these alone. Negations (not, never, no, nothing) and
#: intensifiers (so, very) are not in it: they change what a sentence feels.
FUNCTION_WORDS = frozenset(
    """
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves this that these those who whom whose which what
    a an the some any each every either neither both all another such
    at in on of to for from by with about into onto over under above below between among through during before
    after since until upon within without across along around behind beyond near off out up down via per than
    and or but nor yet as if because while although though whereas whether
    am is are was were be been being do does did doing have has had having will would shall should can could may
    might must 'm 's 're 've 'd 'll
    there here then
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def is_content_word(word: str) -> bool:
    """Whether ``word`` can carry emotion on its own: it has a letter or digit and is not in :data:`FUNCTION_WORDS`.

    Examples
    --------
    >>> [is_content_word(w) for w in ("furious", "I", "at", "not", "I'm", "can't")]
    [True, False, False, True, False, True]
    """
    lowered = _CONTRACTION.sub("", word.lower().replace("’", "'"))  # "I'm" is "I"; "can't" stays a negation
    return any(ch.isalnum() for ch in lowered) and lowered not in FUNCTION_WORDS


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words and punctuation marks of ``text``, in order."""
    return [m.span() for m in _WORD.finditer(text)]


def spell_out(text: str) -> str:
    """Rewrite what a word-piece vocabulary cannot read into words it can.

    Emoji become their CLDR names (``😍`` -> `` smiling face with heart-eyes ``) and
    letters repeated three or more times collapse to one (``sooo`` -> ``so``).

    Examples
    --------
    >>> spell_out("sooo good 😍")
    'so good  smiling face with heart-eyes '
    """
    if text.isascii():  # no emoji possible: skip the (slow) emoji scan
        return _ELONGATED.sub(r"\1", text)
    import emoji

    text = emoji.replace_emoji(text, replace=lambda _, data: " " + data["en"].strip(":").replace("_", " ") + " ")
    return _ELONGATED.sub(r"\1", text)
