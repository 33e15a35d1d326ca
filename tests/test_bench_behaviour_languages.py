"""The per-language behaviour sentences (benchmarks/behaviour_languages/*.jsonl) and their scoring rule."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from affectlab.core.records import Affect, Provenance

ROOT = Path(__file__).resolve().parents[1]
SIX = {"anger", "disgust", "fear", "joy", "sadness", "surprise"}


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/bench_behaviour_languages.py imported as a module (a script beside its helper _machine.py)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    path = ROOT / "benchmarks" / "bench_behaviour_languages.py"
    spec = importlib.util.spec_from_file_location("bench_behaviour_languages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_behaviour_languages"] = module
    spec.loader.exec_module(module)
    return module


def test_every_language_has_the_same_twelve_situations(bench: ModuleType) -> None:
    langs = sorted(p.stem for p in bench.DATA.glob("*.jsonl"))
    assert len(langs) >= 10 and "eng" in langs
    english = [c["expect"] for c in bench.cases("eng")]
    for lang in langs:
        cases = bench.cases(lang)
        assert [c["id"] for c in cases] == [f"{lang}-{i:02d}" for i in range(1, 13)]
        assert [c["expect"] for c in cases] == english, lang
        assert all(c["text"].strip() and (set(c["expect"].values()) <= SIX) for c in cases)
        assert len({c["text"] for c in cases}) == 12


def _record(emotions: dict[str, float], labels: tuple[str, ...]) -> Affect:
    top = max(emotions, key=emotions.__getitem__)
    return Affect(
        id=None, taxonomy="semeval", emotions=emotions, labels=labels, top=top, model=Provenance("t", "0", "semeval")
    )


def test_the_verdicts(bench: ModuleType) -> None:
    scores = {"anger": 0.2, "disgust": 0.1, "fear": 0.7, "joy": 0.0, "sadness": 0.3, "surprise": 0.0}
    record = _record(scores, ("fear",))
    assert bench.verdict({"expect": {"top": "fear"}}, record, SIX) == "pass"
    assert bench.verdict({"expect": {"top": "anger"}}, record, SIX) == "fail"
    assert bench.verdict({"expect": {"absent": "anger"}}, record, SIX) == "pass"
    assert bench.verdict({"expect": {"absent": "fear"}}, record, SIX) == "fail"
    assert bench.verdict({"expect": {"top": "surprise"}}, record, SIX - {"surprise"}) == "n/a"
    # the top among the head's own labels: without fear, sadness ranks first
    assert bench.verdict({"expect": {"top": "sadness"}}, record, SIX - {"fear"}) == "pass"
