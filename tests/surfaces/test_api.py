"""The Python API: analyze, Analyzer (streaming, ids, order) and analyze_frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import affectlab
from affectlab.errors import InputError, ParameterError, TaxonomyError


@pytest.fixture
def analyzer(tiny_model_dir: Path) -> affectlab.Analyzer:
    return affectlab.Analyzer(f"embedded:{tiny_model_dir}", taxonomy="ekman", batch_size=3)


def test_analyze_one_text_returns_an_affect(tiny_model_dir: Path) -> None:
    record = affectlab.analyze("I love this", engine=f"embedded:{tiny_model_dir}")
    assert isinstance(record, affectlab.Affect)
    assert record.taxonomy == "goemotions" and record.evidence == ()  # explanations only on request
    explained = affectlab.analyze("I love this", engine=f"embedded:{tiny_model_dir}", explain=True)
    assert all("I love this"[e.start : e.end] == e.text for e in explained.evidence)
    plain = affectlab.analyze("I love this", engine=f"embedded:{tiny_model_dir}", taxonomy="plutchik")
    assert set(plain.emotions) == set(affectlab.load_taxonomy("plutchik").labels)


def test_analyzer_streams_in_batches_keeping_order_and_ids(analyzer: affectlab.Analyzer) -> None:
    texts = [f"I love this {i}" if i % 4 else "" for i in range(10)]
    records = analyzer.analyze(iter(texts), ids=(f"x{i}" for i in range(10)))
    assert [r.id for r in records] == [f"x{i}" for i in range(10)]
    assert [("empty" in r.flags) for r in records] == [i % 4 == 0 for i in range(10)]
    assert all(r.taxonomy == "ekman" for r in records)


def test_bare_string_is_an_error(analyzer: affectlab.Analyzer) -> None:
    with pytest.raises(InputError, match="not a single string"):
        analyzer.analyze("hello")


def test_a_collection_passed_as_one_text_is_an_error(tiny_model_dir: Path) -> None:
    with pytest.raises(InputError, match=r"not a list.*Analyzer"):
        affectlab.analyze(["I love this"], engine=f"embedded:{tiny_model_dir}")


def test_parameters_are_checked_on_first_use(tiny_model_dir: Path) -> None:
    with pytest.raises(TaxonomyError):
        affectlab.Analyzer(f"embedded:{tiny_model_dir}", taxonomy="nope").analyze(["a"])
    with pytest.raises(ParameterError, match="batch_size"):
        affectlab.Analyzer(f"embedded:{tiny_model_dir}", batch_size=0).analyze(["a"])
    with pytest.raises(affectlab.EngineNotFound, match="Available"):
        affectlab.Analyzer("no-such-engine").analyze(["a"])


def test_analyze_frame_flattens_one_row_per_input(analyzer: affectlab.Analyzer) -> None:
    frame = pd.DataFrame({"uid": ["a", "b", "c"], "body": ["I love this", None, "awful day"]}, index=[10, 11, 12])
    flat = analyzer.analyze_frame(frame, text_column="body", id_column="uid")
    assert list(flat.index) == [10, 11, 12] and list(flat["id"]) == ["a", "b", "c"]
    assert {"emotions.joy", "sentiment.label", "sentiment.score", "vad.valence", "flags", "labels"} <= set(flat.columns)
    assert flat.loc[11, "flags"] == "empty"
    with pytest.raises(InputError, match="Available columns: uid, body"):
        analyzer.analyze_frame(frame, text_column="text")
