"""The empathy-judges reader (file quirks on a small copy; the real files) and the reproduced kappa table.

Tolerance of the reproduction: the authors publish kappa to two decimals, so a value reproduces a cell exactly
when it rounds to it, i.e. lies within 0.005 of the printed number. Every one of the 126 cells must.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from affectlab.datasets import EMPATHY_RATERS, EMPATHY_SETS, data_dir, empathy_judges
from affectlab.errors import DataNotFound, InputError, ParameterError

ROOT = Path(__file__).resolve().parents[1]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "reproduce_empathy_kappa", ROOT / "scripts" / "reproduce_empathy_kappa.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def write_set(root: Path, files: dict[str, str]) -> Path:
    folder = root / "empathy-judges" / "annotations" / "epitome"
    folder.mkdir(parents=True)
    for rater, text in files.items():
        (folder / f"{rater}_ratings.csv").write_text(text, encoding="utf-8")
    return root


def test_quirks_column_order_index_columns_extra_text_and_float_ratings(tmp_path: Path) -> None:
    root = write_set(
        tmp_path,
        {
            "expert1": "sp_id,rp_id,level_emotional_reactions,level_interpretations,level_explorations\n"
            "a1,r1,0,1,2\nb2,r2,1,,0\n",
            "gpt": ",sp_id,level_emotional_reactions,level_explorations,level_interpretations\n"
            "0,b2,2.0,0.0,1.0\n1,a1,1.0,1.0,0.0\n",
            "gemini": "sp_id,rp_id,full_conversation,level_emotional_reactions,level_explorations,"
            "level_interpretations\n"
            'a1,r1,"Seeker: a secret\nSupporter: so sorry",2,0,0\n',
        },
    )
    frame = empathy_judges(["epitome"], ["expert1", "gpt", "gemini"], root=root)
    assert list(frame.columns) == ["dataset", "item", "rater", "attribute", "value"]
    rows = {(r.rater, r.item, r.attribute): r.value for r in frame.itertuples()}
    assert rows[("expert1", "a1", "level_explorations")] == 2.0
    assert math.isnan(rows[("expert1", "b2", "level_interpretations")])  # an empty cell is a missing rating
    assert rows[("gpt", "b2", "level_emotional_reactions")] == 2.0  # "2.0", found by name in another order
    assert rows[("gpt", "a1", "level_interpretations")] == 0.0
    assert rows[("gemini", "a1", "level_emotional_reactions")] == 2.0
    assert len(frame) == 2 * 3 + 2 * 3 + 1 * 3
    assert not frame.map(lambda v: isinstance(v, str) and "Seeker" in v).any().any()  # no conversation text


def test_reader_errors(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="'sets' parameter of empathy_judges"):
        empathy_judges(["reddit"], root=tmp_path)
    with pytest.raises(ParameterError, match="'raters' parameter"):
        empathy_judges(raters=["llama"], root=tmp_path)
    root = write_set(tmp_path, {"expert1": "sp_id,level_emotional_reactions\na,1\n",
                                "expert2": "sp_id,level_emotional_reactions,level_interpretations,level_explorations\n"
                                           "a,1,1,x\n",
                                "expert3": "sp_id,level_emotional_reactions,level_interpretations,level_explorations\n"
                                           "a,1,1,1\na,2,2,2\n"})  # fmt: skip
    with pytest.raises(InputError, match="no column 'level_interpretations'"):
        empathy_judges(["epitome"], ["expert1"], root=root)
    with pytest.raises(InputError, match="line 2: rating 'x' is not a number"):
        empathy_judges(["epitome"], ["expert2"], root=root)
    with pytest.raises(InputError, match="line 3: id 'a' appears twice"):
        empathy_judges(["epitome"], ["expert3"], root=root)
    with pytest.raises(DataNotFound, match=r"gpt_ratings\.csv"):
        empathy_judges(["epitome"], ["gpt"], root=root)


@pytest.fixture(scope="module")
def real() -> Path:
    folder = data_dir()
    if not (folder / "empathy-judges" / "annotations").is_dir():
        pytest.skip(f"empathy-judges is not in {folder}")
    return folder


@pytest.mark.data
def test_the_real_files(real: Path) -> None:
    frame = empathy_judges(root=real)
    n_attributes = sum(len(attributes) for _, attributes, _ in EMPATHY_SETS.values())
    assert len(frame) == len(EMPATHY_RATERS) * 50 * n_attributes == 7350
    assert frame["value"].notna().all()
    assert frame.groupby(["dataset", "rater"])["item"].nunique().eq(50).all()
    for dataset, (_, attributes, (lo, hi)) in EMPATHY_SETS.items():
        part = frame[frame["dataset"] == dataset]
        assert set(part["attribute"]) == set(attributes)
        assert part["value"].between(lo, hi).all()
    assert "20241031124050492385" in set(frame["item"])  # long ids stay text, digit for digit


@pytest.mark.data
def test_the_published_kappa_table_is_reproduced(real: Path) -> None:
    module = script()
    compared = module.comparison(empathy_judges(root=real), module.published(real))
    assert len(compared) == 126
    worst = compared.loc[compared["abs_diff"].idxmax()]
    assert worst.abs_diff <= 0.005, worst.to_dict()
    assert ((compared["ours"].round(2) - compared["published"]).abs() < 1e-9).all()
    page = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert module.kappa_table(compared) in page, "run python scripts/reproduce_empathy_kappa.py"
