"""Is it text? One check of the first bytes of every input, so binary data is refused the same way everywhere."""

from __future__ import annotations

import codecs

from affectlab.errors import InputError

__all__ = ["HEAD_BYTES", "check_text_bytes"]

#: Bytes looked at before reading a file as text.
HEAD_BYTES = 1 << 16
_MAX_UNDECODABLE = 0.1
_MIN_UNDECODABLE = 16  # a short Latin-1 note is text with a few replaced bytes, not binary


def check_text_bytes(head: bytes, what: str) -> bool:
    """Raise :class:`InputError` for binary or non-UTF-8 data; True when some bytes will be replaced.

    ``head`` is the start of the data (about :data:`HEAD_BYTES`); ``what`` names it in the
    message (e.g. ``"Input file 'a.csv'"``). Binary means a NUL byte, or more than 10% of the
    characters (and at least 16 of them) undecodable as UTF-8.
    """
    if b"\x00" in head:
        raise InputError(
            f"{what} looks like a binary file (it contains NUL bytes); pass UTF-8 text "
            "(for UTF-16 text, convert it first, e.g. iconv -f UTF-16 -t UTF-8)."
        )
    decoded = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
    bad = decoded.count("\ufffd") - head.count("\ufffd".encode())
    if bad >= _MIN_UNDECODABLE and bad > _MAX_UNDECODABLE * max(len(decoded), 1):
        raise InputError(
            f"{what} is not UTF-8 text: {bad} of its first {len(decoded)} characters cannot be decoded "
            "(binary data, or another encoding: convert it, e.g. iconv -f latin1 -t UTF-8)."
        )
    return bad > 0
