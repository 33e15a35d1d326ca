"""The Hugging Face engine on tiny models built locally with random weights (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from affectlab.core.taxonomy import load_taxonomy, vad_anchors  # noqa: E402
from affectlab.engines.registry import load_engine  # noqa: E402
from tiny_hf import build_model  # noqa: E402


@pytest.fixture(scope="module")
def ekman_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    labels = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
    return build_model(tmp_path_factory.mktemp("hf") / "tiny-ekman", labels)


def test_labels_matching_a_taxonomy_are_recognised(ekman_model: Path) -> None:
    engine = load_engine(f"hf:{ekman_model}")
    assert engine.native_taxonomy == "ekman"
    records = engine.predict(["i love this", "", "awful sad day"], ids=["a", "b", "c"], taxonomy="sentiment")
    assert [r.id for r in records] == ["a", "b", "c"]
    assert abs(sum(records[0].emotions.values()) - 1.0) < 1e-9
    assert records[1].flags == ("empty",)


def test_softmax_probabilities_sum_to_one_in_native_taxonomy(ekman_model: Path) -> None:
    record = load_engine(f"hf:{ekman_model}").predict(["i hate this"])[0]
    assert abs(sum(record.emotions.values()) - 1.0) < 1e-5
    assert record.model.engine.startswith("hf:")


def test_vad_comes_from_the_label_anchors(ekman_model: Path) -> None:
    record = load_engine(f"hf:{ekman_model}").predict(["i hate this"])[0]
    table = vad_anchors("ekman")
    expected = sum(record.emotions[k] * table[k][0] for k in table) / sum(record.emotions[k] for k in table)
    assert record.vad is not None and abs(record.vad.valence - expected) < 1e-9


def test_long_input_is_chunked_not_truncated(ekman_model: Path) -> None:
    engine = load_engine(f"hf:{ekman_model}")
    record = engine.predict(["i love this day " * 40])[0]
    assert "truncated_chunks" in record.flags
    assert len(engine.chunks("i love this day " * 40)) > 1


def test_unknown_labels_become_a_custom_taxonomy(tmp_path: Path) -> None:
    folder = build_model(tmp_path / "stars", ["one star", "two stars", "three stars"], multilabel=True)
    engine = load_engine(f"hf:{folder}")
    assert engine.native_taxonomy == "hf-stars"
    assert load_taxonomy("hf-stars").labels == ("one_star", "two_stars", "three_stars")
    record = engine.predict(["i love this"])[0]
    assert set(record.emotions) == {"one_star", "two_stars", "three_stars"}
    assert record.sentiment is None


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    from affectlab.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="offline"):
        load_engine(f"hf:{tmp_path / 'nothing-here'}")
