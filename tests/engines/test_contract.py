"""The contract every engine keeps: one record per input, in order, ids kept, scales respected."""

from __future__ import annotations

import math

import pytest

from affectlab.core.taxonomy import available_taxonomies, load_taxonomy
from affectlab.engines.base import Engine
from affectlab.engines.registry import load_engine
from affectlab.errors import InputError

TEXTS = ["I love this so much", "", "   ", "awful flight cancelled again", b"caf\xe9 is great", None, 42, "wow " * 100]


@pytest.fixture(params=["tiny_embedded", "lexicon"])
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "lexicon":
        return load_engine("lexicon")
    return request.getfixturevalue("tiny_engine")


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
    text = "wow " * 2000
    record = engine.predict([text])[0]
    assert ("truncated_chunks" in record.flags) == (len(engine.chunks(text)) > 1)
    assert all(0.0 <= p <= 1.0 for p in record.emotions.values())


def test_a_bare_string_is_an_error(engine: Engine) -> None:
    with pytest.raises(InputError, match="not a single string"):
        engine.predict("hello")


def test_mismatched_ids_are_an_error(engine: Engine) -> None:
    with pytest.raises(InputError, match="ids"):
        engine.predict(["a", "b"], ids=["1"])


@pytest.mark.parametrize("taxonomy", available_taxonomies())
def test_every_taxonomy_can_be_requested(engine: Engine, taxonomy: str) -> None:
    record = engine.predict(["I hate this awful day"], taxonomy=taxonomy)[0]
    assert record.taxonomy == taxonomy
    assert list(record.emotions) == list(load_taxonomy(taxonomy).labels)
    if load_taxonomy(taxonomy).kind == "exclusive":
        assert math.isclose(sum(record.emotions.values()), 1.0, rel_tol=1e-9)
        assert len(record.labels) == 1


def test_explain_returns_spans_of_the_text(engine: Engine) -> None:
    text = "I love this movie so much"
    record = engine.predict([text], explain=True)[0]
    for evidence in record.evidence:
        assert text[evidence.start : evidence.end] == evidence.text
        assert evidence.weight > 0
        assert evidence.label in record.labels or evidence.label == record.top


def test_empty_batch(engine: Engine) -> None:
    assert engine.predict([]) == []


def test_predict_probs_matches_the_records(engine: Engine) -> None:
    texts = ["I love this so much", "", "wow " * 600, b"caf\xe9 is great"]
    records = engine.predict(texts, taxonomy="ekman")
    labels = list(records[0].emotions)
    expected = [[r.emotions[k] for k in labels] for r in records]
    assert engine.predict_probs(texts, "ekman").tolist() == expected
