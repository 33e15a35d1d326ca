"""scripts/build_multilingual_table.py's block of issue 19's targets, and the card keeping it across retraining."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table() -> ModuleType:
    return _load(ROOT / "scripts" / "build_multilingual_table.py", "build_multilingual_table")


def _raw(deu: float, valence: float) -> dict:
    def run(f1: float) -> dict:
        return {"result": {"macro_f1": f1, "ci95": {"macro_f1": [f1 - 0.01, f1 + 0.01]}}}

    return {
        "generated": "2026-12-02 10:00 UTC",
        "config": {"name": "affectlab-multilingual", "version": "9.9.9", "languages": {"deu": {}, "xyz": {}}},
        "languages": ["afr", "deu", "eng"],
        "auto": {"afr": run(0.1), "deu": run(deu), "eng": run(0.1)},
        "emoita": {"result": {"pearson": {"valence": valence, "arousal": 0.7}}},
    }


def test_targets_state_each_miss_with_its_figure_and_reason(table: ModuleType, tmp_path: Path, monkeypatch) -> None:
    speed = tmp_path / "speed.json"
    rows = [{"lang": "deu", "auto": [120.0, 150.0]}, {"lang": "eng", "auto": [9.0], "named": [10.0]}]
    speed.write_text(json.dumps({"run": "r", "artifact": "a", "rows": rows}))
    monkeypatch.setattr(table, "SPEED", speed)
    block = table.targets(_raw(deu=0.560, valence=0.80))
    assert "| BRIGHTER A deu macro-F1 >= 0.583 (floor + 0.05) | 0.560 [0.550, 0.570], -0.0230 | no |" in block
    assert "afr" not in block and "BRIGHTER A eng" not in block  # no floor; English goes to the English model
    assert "| EmoITA valence r >= 0.75 | 0.800 | yes |" in block
    assert "| behaviour sentences in every language with a head | 1 of 2 (none: xyz) | no |" in block
    assert "| speed deu >= 300 texts/s (`--lang auto`) | 150 | no |" in block
    assert "| English speed through `--lang auto` unchanged | 9 against 10 texts/s | yes |" in block
    assert (
        "Why the track A target is missed" in block and "Why the speed target" in block and "EmoITA target" not in block
    )


def test_targets_without_a_speed_run_say_so(table: ModuleType, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(table, "SPEED", tmp_path / "absent.json")
    block = table.targets(_raw(deu=0.600, valence=0.70))
    assert "| BRIGHTER A deu macro-F1 >= 0.583 (floor + 0.05) | 0.600 [0.590, 0.610], +0.0170 | yes |" in block
    assert "Speed: not measured yet" in block and "Why the EmoITA target is missed" in block


def test_the_card_keeps_the_targets_block_when_rewritten(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "training"))
    training = _load(ROOT / "training" / "multilingual.py", "multilingual_training")
    card = tmp_path / "card.md"
    assert "build_multilingual_table.py" in training._targets_block(card)  # no card yet: a pointer
    card.write_text(f"old\n{training.TARGETS_START}\n| a | b |\n{training.TARGETS_END}\n", encoding="utf-8")
    assert training._targets_block(card) == "| a | b |"


class _Stopped(Exception):
    pass


def test_a_stopped_run_keeps_its_finished_evaluations(table: ModuleType, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(table, "RAW", tmp_path / "multilingual.json")
    monkeypatch.setattr(table, "brighter_languages", lambda track: ["deu"])
    calls: list[tuple[str, str, str]] = []
    stop = True

    def run_eval(lang: str, model: str, track: str = "a") -> dict:
        calls.append((lang, model, track))
        if len(calls) == 3 and stop:
            raise _Stopped  # stopped during the third run
        return {"result": {"macro_f1": 0.5, "ci95": {"macro_f1": [0.4, 0.6]}, "pearson": {"mean": 0.5}}}

    monkeypatch.setattr(table, "run_eval", run_eval)
    raw = {"config": {"version": "1"}, "languages": ["afr", "deu"], "auto": {}, "named": {}}
    with pytest.raises(_Stopped):
        table.fill(raw, headed={"deu"})
    saved = json.loads(table.RAW.read_text())
    assert list(saved["auto"]) == ["afr", "deu"] and saved["named"] == {}
    calls.clear()
    stop = False
    table.fill(saved, headed={"deu"})  # as --resume does: only what is missing runs
    assert calls == [("deu", "multilingual:deu", "a"), ("emoita", "multilingual", ""), ("deu", "multilingual", "b")]
    assert set(json.loads(table.RAW.read_text())) >= {"emoita", "b_auto", "named"}
