"""The behaviour suite's data files (benchmarks/behaviour/*.jsonl): shape only, never the model's pass rate."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "behaviour"
CLASSES = [
    *(f"implicit_{e}" for e in ("anger", "disgust", "fear", "joy", "sadness", "surprise")),
    "indignation",
    "moral_disgust",
    "neutral_request",
    "quantifier_negation",
    "hedged_denial",
    "absent_intensity",
    "evidence_content",
]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/bench_behaviour.py imported as a module (it is a script, not part of the package)."""
    if str(ROOT / "benchmarks") not in sys.path:  # as when it runs as a script: its helper _machine.py beside it
        sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("bench_behaviour", ROOT / "benchmarks" / "bench_behaviour.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_behaviour"] = module
    spec.loader.exec_module(module)
    return module


def rows(name: str) -> list[dict]:
    """The cases of one class file."""
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_class_has_a_file_and_no_file_is_unknown() -> None:
    assert sorted(p.stem for p in DATA.glob("*.jsonl")) == sorted(CLASSES)


@pytest.mark.parametrize("name", CLASSES)
def test_at_least_20_valid_cases_per_class(name: str) -> None:
    cases = rows(name)
    assert len(cases) >= 20
    for case in cases:
        assert set(case) == {"id", "text", "expect", "note"}
        assert isinstance(case["id"], str) and isinstance(case["note"], str)
        assert isinstance(case["text"], str) and case["text"].strip()
        assert isinstance(case["expect"], dict) and case["expect"]


def test_ids_and_texts_are_unique() -> None:
    cases = [case for name in CLASSES for case in rows(name)]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    texts = [c["text"] for c in cases]
    assert len(texts) == len(set(texts))


def test_the_benchmark_loader_accepts_every_file(bench: ModuleType) -> None:
    cases = bench.load_cases(DATA)
    assert sorted(cases) == sorted(CLASSES)
    assert set(bench.CHECKS) == set(CLASSES)


@pytest.mark.parametrize("emotion", ["anger", "disgust", "fear", "joy", "sadness", "surprise"])
def test_implicit_cases_name_no_emotion(bench: ModuleType, emotion: str) -> None:
    for case in rows(f"implicit_{emotion}"):
        assert case["expect"] == {"emotion": emotion}
        assert bench.emotion_words_in(case["text"]) == [], case["id"]


def test_the_emotion_word_check_fails_loudly(bench: ModuleType, tmp_path: Path) -> None:
    line = {"id": "x-1", "text": "I was so scared in the dark.", "expect": {"emotion": "fear"}, "note": ""}
    (tmp_path / "implicit_fear.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"emotion words \['scared'\]"):
        bench.load_cases(tmp_path)


def test_the_loader_rejects_bad_lines(bench: ModuleType, tmp_path: Path) -> None:
    good = {"id": "q-1", "text": "No one here is angry.", "expect": {"not_label": "anger"}, "note": ""}
    twin = {**good, "text": "No one there is angry."}
    bad_label = {**good, "id": "q-2", "expect": {"not_label": "rage"}}
    (tmp_path / "quantifier_negation.jsonl").write_text(
        "\n".join([json.dumps(good), json.dumps(twin), json.dumps(bad_label), "{not json"]) + "\n", encoding="utf-8"
    )
    with pytest.raises(ValueError) as info:
        bench.load_cases(tmp_path)
    message = str(info.value)
    assert "repeats" in message and "not Ekman labels" in message and "not JSON" in message


def test_content_span_rule(bench: ModuleType) -> None:
    assert bench.is_content_span("furious") and bench.is_content_span("can't")
    assert not bench.is_content_span("him") and not bench.is_content_span("!") and not bench.is_content_span("I’m")
