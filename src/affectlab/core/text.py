"""Text normalisation and splitting (pure functions, no models)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Normalized", "normalize", "spell_out", "word_spans"]

_WORD = re.compile(r"[\w'’]+|[^\w\s]", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc, except tab and newline
_ELONGATED = re.compile(r"([a-zA-Z])\1{2,}")


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
