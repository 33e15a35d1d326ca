"""scripts/build_model_card.py's tables: both issues' targets and the top-label ECE (issue 14)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def card() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_model_card", ROOT / "scripts" / "build_model_card.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runs() -> list[dict]:
    goemotions = {
        "dataset": "goemotions",
        "n": 100,
        "macro_f1": 0.52,
        "micro_f1": 0.58,
        "ece": 0.002,
        "top_label_ece": 0.041,
        "ci95": {"macro_f1": [0.5, 0.54], "top_label_ece": [0.03, 0.05]},
    }
    emobank = {"dataset": "emobank", "n": 10, "pearson": {"valence": 0.746, "arousal": 0.52, "dominance": 0.47}}
    return [{"result": goemotions, "command": "affectlab eval goemotions"}, {"result": emobank, "command": "x"}]


def test_headline_table_has_both_targets_and_the_top_label_ece(card: ModuleType) -> None:
    lines = card.headline_table(_runs()).splitlines()
    assert lines[0] == "| test set (n) | figure | value (95% CI) | 1.x target | 2.0 target |"
    assert "| goemotions (100) | macro_f1 | 0.520 [0.500, 0.540] | ≥ 0.48 | ≥ 0.53 |" in lines
    assert "| goemotions (100) | ece | 0.002 | ≤ 0.05 | ≤ 0.03 |" in lines
    assert "| goemotions (100) | top_label_ece | 0.041 [0.030, 0.050] |  |  |" in lines
    assert "| emobank (10) | pearson.valence | 0.746 | ≥ 0.75 | ≥ 0.78 |" in lines
    assert lines.index("| goemotions (100) | top_label_ece | 0.041 [0.030, 0.050] |  |  |") == 4


def test_figures_table_lists_the_top_label_ece_of_every_classification_set(card: ModuleType) -> None:
    table = card.figures_table(_runs())
    assert "| goemotions | top_label_ece | 0.041 [0.030, 0.050] |  |  | 100 | `affectlab eval goemotions` |" in table
    assert "| emobank | pearson.dominance | 0.470 | ≥ 0.4 | ≥ 0.5 | 10 | `x` |" in table
