"""``affectlab reliability`` end to end: JSON shape, several files, report files, errors; the docs' examples run."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.analyses.reliability import COUNT_FIELDS, PAIR_FIELDS, RESULT_FIELDS, reliability
from affectlab.surfaces.cli.app import app
from affectlab.surfaces.plots.reliability import REPORT_FILES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reliability" / "ratings.csv"
COLUMNS = ["--item-column", "id", "--rater-column", "rater", "--value-column", "score", "--attribute-column",
           "attribute"]  # fmt: skip
HUMANS = ["--reference", "human1,human2", "--reference-name", "humans"]
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["reliability", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_has_exactly_the_documented_shape_and_matches_the_library() -> None:
    code, out, err = invoke(str(EXAMPLE), *COLUMNS, *HUMANS, "--system-column", "system", "--exclude-self",
                            "judge-x=judge-x", "--pairs", "humans:judge-y", "--n-boot", "200", "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["results", "pairs", "counts", "notes"]
    assert all(list(row) == list(RESULT_FIELDS) for row in data["results"])
    assert all(list(row) == list(PAIR_FIELDS) for row in data["pairs"])
    assert all(list(row) == list(COUNT_FIELDS) for row in data["counts"])
    assert len(data["results"]) == 2 * 3 * 3  # levels x attributes x judges
    frame = pd.read_csv(EXAMPLE, dtype={"id": str})
    expected = reliability(
        frame, item="id", rater="rater", value="score", attribute="attribute", system="system",
        reference=["human1", "human2"], reference_name="humans", exclude_self={"judge-x": "judge-x"},
        pairs=[("humans", "judge-y")], n_boot=200,
    ).to_dict()  # fmt: skip
    assert data == expected
    judge_y = next(
        r for r in data["results"] if (r["rater"], r["attribute"], r["level"]) == ("judge-y", "empathy", "item")
    )
    assert judge_y["n"] == 32 and judge_y["bias"] > 0.5 and judge_y["reliability"] in ("good", "moderate", "poor")
    assert [p["attribute"] for p in data["pairs"]] == ["empathy", "helpfulness", "safety"]
    assert "judge-z, empathy: 1 non-numeric value(s) ('unsure') left out" in data["notes"]


def test_several_files_are_read_as_one_table(tmp_path: Path) -> None:
    frame = pd.read_csv(EXAMPLE, dtype={"id": str})
    humans = frame["rater"].str.startswith("human")
    frame[humans].to_csv(tmp_path / "humans.csv", index=False)
    frame[~humans].assign(explanation="because").to_json(tmp_path / "judged.jsonl", orient="records", lines=True)
    code, out, err = invoke(str(tmp_path / "judged.jsonl"), str(tmp_path / "humans.csv"), *COLUMNS, *HUMANS,
                            "--n-boot", "50", "--json")  # fmt: skip
    assert code == 0, err
    whole = json.loads(invoke(str(EXAMPLE), *COLUMNS, *HUMANS, "--n-boot", "50", "--json")[1])
    assert json.loads(out)["results"] == whole["results"]


def test_table_output_and_notes() -> None:
    code, out, err = invoke(str(EXAMPLE), *COLUMNS, *HUMANS, "--n-boot", "50")
    assert code == 0, err
    assert "reference: humans" in out and "judge-z" in out and "ICC(A,1)" in out
    assert "note: judge-y, helpfulness: 1 missing rating(s) left out" in err


def test_report_writes_markdown_and_pictures_and_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    args = [str(EXAMPLE), *COLUMNS, *HUMANS, "--system-column", "system", "--pairs", "all", "--n-boot", "50",
            "--report", str(folder), "--quiet"]  # fmt: skip
    code, _, err = invoke(*args)
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES)
    for name in REPORT_FILES[1:]:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (folder / "reliability.md").read_text(encoding="utf-8")
    assert "![ICC(A,1)](icc.png)" in page and "| system | safety | judge-z | 4 |" in page
    assert "| empathy | human1 | human2 | 32 |" in page and "| judge-z | empathy | 32 | 0 | 1 | 0 | 0 | 31 |" in page
    code, _, err = invoke(*args)
    assert code == 2 and "--force" in err
    assert invoke(*args, "--force")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--value-column", "scores"], "Column 'scores' not found. Available columns: id, system, rater, attribute"),
        (["--reference", "expert"], "Unknown reference rater 'expert'"),
        (["--reference", "human1", "--raters", "gpt"], "Unknown rater 'gpt'"),
        (["--reference", "human1", "--exclude-self", "judge-x"], "--exclude-self option takes RATER=SYSTEM"),
        (["--reference", "human1", "--exclude-self", "judge-x=judge-x"], "needs the system column"),
        (["--reference", "human1", "--pairs", "human1-judge-x"], "--pairs option takes A:B"),
        (["--reference", "human1", "--thresholds", "0.3"], "--thresholds option takes GOOD,MODERATE"),
        (["--reference", "human1", "--thresholds", "0.5,0.3"], "'thresholds[1]' parameter of reliability"),
        (["--reference", "human1", "--reference-aggregate", "mode"], "'reference_aggregate' parameter"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    options = [*COLUMNS, *(["--reference", "human1,human2"] if "--reference" not in args else []), *args]
    code, _, err = invoke(str(EXAMPLE), *options, "--n-boot", "0")
    assert code == 2, err
    assert message in " ".join(err.split()) and "Traceback" not in err


def test_missing_options_and_files_exit_2() -> None:
    code, _, err = invoke(str(EXAMPLE), *COLUMNS)
    assert code == 2 and "Missing option --reference" in err
    code, _, err = invoke(str(EXAMPLE), "--rater-column", "rater", "--value-column", "score", "--reference", "human1")
    assert code == 2 and "Missing option --item-column" in err
    code, _, err = invoke(str(ROOT / "no-such-file.csv"), *COLUMNS, *HUMANS)
    assert code == 2 and "no-such-file.csv" in err


def test_the_docs_python_examples_print_what_the_page_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ```python block of docs/reliability.md runs; its '# ' lines at column 0 are the expected output."""
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for block in blocks:
        expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, "docs/reliability.md", "exec"), namespace)
        assert printed.getvalue().splitlines() == expected
