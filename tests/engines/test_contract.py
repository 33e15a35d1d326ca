"""The contract every engine keeps: one record per input, in order, ids kept, scales respected."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from affectlab.core.taxonomy import available_taxonomies, load_taxonomy, mapping_path
from affectlab.core.text import is_content_word
from affectlab.engines.base import MIN_EVIDENCE_WEIGHT, RELATIVE_EVIDENCE_WEIGHT, Engine, NativeScores
from affectlab.engines.registry import available_engines, load_engine, register_engine
from affectlab.errors import InputError, TaxonomyError
from http_misbehaving import MisbehavingServer

TEXTS = ["I love this so much", "", "   ", "awful flight cancelled again", b"caf\xe9 is great", None, 42, "wow " * 100]
LONG_TEXT = "i love this so much but the flight was awful " * 400  # 3,600 words: over every engine's window


class KeywordEngine(Engine):
    """A plugin engine defined by the test: Ekman labels from keywords, a 40-character window."""

    name = "contract-plugin"
    version = "1"
    native_taxonomy = "ekman"
    window_chars = 40

    def score(self, texts: list[str]) -> NativeScores:
        labels = load_taxonomy("ekman").labels
        words = {"love": "joy", "great": "joy", "awful": "sadness", "hate": "anger", "scared": "fear"}
        probs = np.full((len(texts), len(labels)), 0.05)
        for row, text in enumerate(texts):
            for word, label in words.items():
                if word in text.lower():
                    probs[row, labels.index(label)] = 0.9
        return NativeScores(probs)

    def chunks(self, text: str) -> list[str]:
        return [text[i : i + self.window_chars] for i in range(0, len(text), self.window_chars)]


register_engine("contract-plugin", lambda argument, **options: KeywordEngine())


def keyword_llm(body: dict[str, Any]) -> str:
    """An OpenAI-compatible server's answer from keywords, in whatever labels the request's schema allows."""
    schema = body["response_format"]["json_schema"]["schema"]
    allowed = schema["properties"]["labels"]["items"]["enum"]
    text = body["messages"][-1]["content"].rsplit('"""', 2)[-2].lower()
    tone = "joy" if any(w in text for w in ("love", "great")) else "sadness" if "awful" in text else "neutral"
    wanted = {"joy": ("joy", "positive"), "sadness": ("sadness", "negative"), "neutral": ("neutral",)}[tone]
    label = next((w for w in wanted if w in allowed), allowed[0])
    valence = {"joy": 0.7, "sadness": -0.6, "neutral": 0.0}[tone]
    sentiment = {"joy": "positive", "sadness": "negative", "neutral": "neutral"}[tone]
    return json.dumps({"labels": [label], "sentiment": sentiment, "valence": valence, "arousal": 0.2, "dominance": 0.0})


def _spec(name: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """How to load each registered engine offline; a newly registered engine needs a line here."""
    if name == "embedded":
        return f"embedded:{request.getfixturevalue('tiny_model_dir')}"
    if name == "hf":
        pytest.importorskip("torch")
        pytest.importorskip("transformers")
        from tiny_hf import build_model

        labels = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
        return f"hf:{build_model(tmp_path_factory.mktemp('hf') / 'contract', labels, initializer_range=1.0)}"
    if name == "multilingual":  # a TF-IDF-only English/German artifact built by tests/engines/test_multilingual.py
        from test_multilingual import build_tiny_multilingual

        return f"multilingual:{build_tiny_multilingual(tmp_path_factory.mktemp('multilingual'))}"
    if name in ("lexicon", "contract-plugin"):
        return name
    if name == "llm":  # a real loopback HTTP server answering by keywords (tests/engines/test_llm.py: llama.cpp)
        server = MisbehavingServer(content=keyword_llm).start()
        request.addfinalizer(server.close)
        return f"llm:keywords@{server.base_url}"
    raise AssertionError(f"Engine {name!r} is registered but the contract suite does not know how to load it.")


@pytest.fixture(scope="module", params=available_engines())
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Every registered engine, loaded through the registry (the test's plugin included)."""
    options = {"cache": False} if request.param == "llm" else {}
    return load_engine(_spec(request.param, tmp_path_factory, request), **options)


def test_the_suite_covers_the_plugin_and_the_shipped_engines() -> None:
    assert {"embedded", "hf", "lexicon", "contract-plugin"} <= set(available_engines())


def test_one_record_per_input_in_order_with_ids(engine: Engine) -> None:
    ids = [f"row-{i}" for i in range(len(TEXTS))]
    records = engine.predict(TEXTS, ids=ids)
    assert [r.id for r in records] == ids


def test_scales_and_all_labels_present(engine: Engine) -> None:
    for record in engine.predict(TEXTS):
        assert set(record.emotions) == set(load_taxonomy(record.taxonomy).labels)
        assert all(0.0 <= p <= 1.0 for p in record.emotions.values())
        assert -1.0 <= record.sentiment.score <= 1.0
        assert record.sentiment.label in ("positive", "negative", "neutral")
        if record.vad:
            assert all(-1.0 <= v <= 1.0 for v in (record.vad.valence, record.vad.arousal, record.vad.dominance))
        for label in record.labels:
            assert label in record.emotions


def test_bad_inputs_are_flagged_not_crashing(engine: Engine) -> None:
    records = engine.predict(TEXTS)
    assert "empty" in records[1].flags and records[1].top is None and records[1].labels == ()
    assert "empty" in records[2].flags
    assert "non_text" in records[4].flags and "empty" not in records[4].flags
    assert "empty" in records[5].flags
    assert "non_text" in records[6].flags
    assert records[0].flags == ()


def test_long_text_is_flagged_exactly_when_chunked(engine: Engine) -> None:
    pieces = engine.chunks(LONG_TEXT)
    windowed = type(engine).chunks is not Engine.chunks
    assert (len(pieces) > 1) == windowed, "an engine with a window must split a 3,600-word text"
    record, short = engine.predict([LONG_TEXT, "i love this"])
    assert ("truncated_chunks" in record.flags) == windowed
    assert "truncated_chunks" not in short.flags
    assert all(0.0 <= p <= 1.0 for p in record.emotions.values())
    if windowed:
        assert all(len(p.strip()) > 0 for p in pieces)
        alone = engine.predict([pieces[0]])[0]
        assert record.emotions != alone.emotions or len(set(pieces)) == 1  # the record merges every chunk


def test_a_bare_string_is_an_error(engine: Engine) -> None:
    with pytest.raises(InputError, match="not a single string"):
        engine.predict("hello")


def test_mismatched_ids_are_an_error(engine: Engine) -> None:
    with pytest.raises(InputError, match="ids"):
        engine.predict(["a", "b"], ids=["1"])


@pytest.mark.parametrize("taxonomy", available_taxonomies())
def test_every_reachable_taxonomy_can_be_requested(engine: Engine, taxonomy: str) -> None:
    try:
        mapping_path(engine.native_taxonomy, taxonomy)
    except TaxonomyError:  # e.g. Ekman's 7 labels cannot be refined into GoEmotions' 28
        if not engine.any_taxonomy:  # an LLM is asked in the taxonomy itself
            with pytest.raises(TaxonomyError, match="No mapping leads from"):
                engine.predict(["I hate this awful day"], taxonomy=taxonomy)
            return
    record = engine.predict(["I hate this awful day"], taxonomy=taxonomy)[0]
    assert record.taxonomy == taxonomy
    assert list(record.emotions) == list(load_taxonomy(taxonomy).labels)
    if load_taxonomy(taxonomy).kind == "exclusive":
        assert math.isclose(sum(record.emotions.values()), 1.0, rel_tol=1e-9)
        assert len(record.labels) == 1


def test_explain_returns_spans_of_the_text(engine: Engine) -> None:
    text = "I love this movie so much"
    record = engine.predict([text], explain=True)[0]
    assert record.evidence, "explain=True must give evidence for a text with emotion words"
    for evidence in record.evidence:
        assert is_content_word(evidence.text), f"{evidence.text!r} is a function word"
        assert evidence.weight >= MIN_EVIDENCE_WEIGHT
        assert text[evidence.start : evidence.end] == evidence.text
        assert evidence.weight > 0
        assert evidence.label in record.labels or evidence.label == record.top
    for label in {e.label for e in record.evidence}:
        weights = [e.weight for e in record.evidence if e.label == label]
        assert min(weights) >= RELATIVE_EVIDENCE_WEIGHT * max(weights), f"{label}: a weak word next to a strong one"


def test_empty_batch(engine: Engine) -> None:
    assert engine.predict([]) == []


def test_predict_probs_matches_the_records(engine: Engine) -> None:
    texts = ["I love this so much", "", "wow " * 600, b"caf\xe9 is great"]
    records = engine.predict(texts, taxonomy="ekman")
    labels = list(records[0].emotions)
    expected = [[r.emotions[k] for k in labels] for r in records]
    assert engine.predict_probs(texts, "ekman").tolist() == expected


def test_a_broken_plugin_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from affectlab.engines import registry
    from affectlab.errors import EngineError

    broken = EntryPoint(name="broken-plugin", value="no_such_module_anywhere:factory", group="affectlab.engines")
    monkeypatch.setattr(registry, "_entry_points", lambda: {"broken-plugin": broken})
    assert "broken-plugin" in available_engines()  # listed without being imported
    with pytest.raises(EngineError, match=r"'broken-plugin' .*failed to load: ModuleNotFoundError"):
        load_engine("broken-plugin")
    assert load_engine("lexicon").name  # the others still load
