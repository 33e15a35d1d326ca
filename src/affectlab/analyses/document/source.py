"""The text to analyse: a string, bytes or a UTF-8 file, checked and read in blocks."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from affectlab.errors import InputError
from affectlab.io.sniff import HEAD_BYTES, check_text_bytes

BLOCK_CHARS = 1 << 20
_PATH_SUFFIXES = (".txt", ".text", ".md")


def read_blocks(path: str | os.PathLike[str], block_chars: int = BLOCK_CHARS) -> Iterator[str]:
    """Check a text file and return an iterator over its text in blocks of ``block_chars`` characters.

    The file is decoded as UTF-8 (a BOM is dropped, line endings are kept, bad
    bytes become U+FFFD), so segment offsets index that decoded text.

    Raises
    ------
    InputError
        If the file is missing, empty, binary (NUL bytes) or mostly not UTF-8.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    with file.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise InputError(f"Input file {str(path)!r} is empty; pass a file with text in it.")
    check_text_bytes(head, f"Input file {str(path)!r}")

    def blocks() -> Iterator[str]:
        with file.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            while block := handle.read(block_chars):
                yield block

    return blocks()


def source_blocks(text_or_path: object, block_chars: int = BLOCK_CHARS) -> tuple[Iterable[str], str | None]:
    """Check the input of :func:`~affectlab.analyses.document.document_arc`; returns (its text in blocks, file name).

    The file name is None for a text given as ``str`` or ``bytes``.

    Raises
    ------
    InputError
        If the text is empty or binary, or the file is missing, empty, binary or mostly not UTF-8.
    """
    if isinstance(text_or_path, os.PathLike):
        return read_blocks(text_or_path, block_chars), str(text_or_path)
    if isinstance(text_or_path, bytes | bytearray):
        data = bytes(text_or_path)
        if not data:
            raise InputError("The text given to document_arc is empty.")
        check_text_bytes(data[:HEAD_BYTES], "The data given to document_arc")
        return [data.decode("utf-8-sig", errors="replace")], None
    if isinstance(text_or_path, str):
        single_line = "\n" not in text_or_path and len(text_or_path) < 4096
        if single_line and os.path.isfile(text_or_path):
            return read_blocks(text_or_path, block_chars), text_or_path
        looks_like_path = single_line and " " not in text_or_path.strip()
        if looks_like_path and text_or_path.lower().endswith(_PATH_SUFFIXES):
            raise InputError(
                f"File {text_or_path!r} does not exist (to analyse the string itself, pass it as a text with a space "
                "or line break in it)."
            )
        if not text_or_path.strip():
            raise InputError("The text given to document_arc is empty.")
        if "\x00" in text_or_path[:HEAD_BYTES]:
            raise InputError("The text given to document_arc contains NUL characters; is it binary data?")
        return [text_or_path], None
    raise InputError(
        f"document_arc takes a text (str or bytes) or a file path. Got {type(text_or_path).__name__} instead."
    )


def count_chars(text_or_path: object, block_chars: int = BLOCK_CHARS) -> int:
    """Characters in the text of :func:`source_blocks` (a file is read once more), the unit of segment offsets."""
    blocks, _ = source_blocks(text_or_path, block_chars)
    return sum(len(block) for block in blocks)
