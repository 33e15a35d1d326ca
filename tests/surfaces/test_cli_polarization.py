"""``affectlab polarization`` from the command line: outputs, the JSON shape, report, exit codes, an LLM annotator."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "polarization"
runner = CliRunner()
BASE = ["polarization", "--topic", "gun control", "--stances", "pro,anti,don't know", "--no-emotion"]


def posts(tmp_path: Path, **changes: Any) -> Path:
    frame = pd.DataFrame(
        {
            "id": ["007", "r1", "r2", "x"],
            "parent_id": [None, "007", "r1", "missing"],
            "time": ["2026-03-01T10:00", "2026-03-01T11:00", "2026-03-02T09:00", "2026-03-02T10:00"],
            "text": ["Ban assault weapons.", "No way, idiot.", "Exactly, they're all idiots.", "Orphaned."],
            "stance": ["pro", "anti", "anti", "don't know"],
            "affect": ["no", "yes", "yes", "no"],
            "agreement": [None, "no", "yes", None],
        }
    )
    for column, values in changes.items():
        frame[column] = values
    path = tmp_path / "posts.csv"
    frame.to_csv(path, index=False)
    return path


def test_json_has_the_issue_shape_and_the_table_keeps_every_row(tmp_path: Path) -> None:
    out = tmp_path / "scored.parquet"
    events = tmp_path / "events.csv"
    events.write_text("name,start,end\nvote,2026-03-02,2026-03-02\n")
    result = runner.invoke(
        app,
        [
            *BASE,
            str(posts(tmp_path)),
            "--events",
            str(events),
            "--window",
            "1",
            "-o",
            str(out),
            "--json",
            "--unit",
            "day",
        ],
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert list(payload)[:4] == ["rows_scored", "mean_score", "extreme_rate", "events"]
    assert payload["rows_scored"] == 2 and payload["mean_score"] == 9.0 and payload["extreme_rate"] == 1.0
    windows = payload["events"][0]["windows"]
    assert payload["events"][0]["name"] == "vote" and list(windows) == ["before", "during", "after"]
    assert {"mean", "sem", "days", "n", "extreme_rate"} <= set(windows["during"])
    assert windows["before"]["mean"] == 8.0 and windows["during"]["mean"] == 10.0 and windows["after"]["n"] == 0
    assert payload["counts"]["orphans"] == 1
    table = pd.read_parquet(out)
    assert table["id"].tolist() == ["007", "r1", "r2", "x"]  # ids kept as text, in order
    assert table["role"].tolist() == ["root", "reply", "reply", "orphan"] and table["flags"].tolist()[-1] == "orphan"
    assert table["score"].tolist()[1:3] == [8.0, 10.0]
    assert "note: 1 replies name a parent that is not in the table" in result.stderr


def test_report_and_the_worked_example(tmp_path: Path) -> None:
    report = tmp_path / "report"
    args = [*BASE, str(EXAMPLE / "posts.csv"), "--events", str(EXAMPLE / "events.csv"), "--report", str(report)]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "scored.csv")])
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in report.iterdir())
    assert names == [
        "daily.png",
        "event-1-riverside-school-shooting-extreme.png",
        "event-1-riverside-school-shooting-score.png",
        "summary.md",
    ]
    summary = (report / "summary.md").read_text()
    assert "| during | 2026-05-07 .. 2026-05-07 | 7.83 | 0.00 |" in summary  # the figures docs/polarization.md shows
    again = runner.invoke(app, [*args, "-o", str(tmp_path / "scored.csv")])
    assert again.exit_code == 2 and "exists; pass --force" in again.stderr
    table = runner.invoke(app, [*BASE, str(EXAMPLE / "posts.csv"), "--events", str(EXAMPLE / "events.csv")])
    assert table.exit_code == 0 and "143 replies scored (columns): mean score 6.74" in table.stdout


def test_an_earlier_run_is_read_back_by_the_columns_annotator(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    assert runner.invoke(app, [*BASE, str(posts(tmp_path)), "-o", str(first)]).exit_code == 0
    second = runner.invoke(app, [*BASE, str(first), "--json"])
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["mean_score"] == 9.0


def test_bad_input_exits_2_with_the_row_or_is_flagged(tmp_path: Path) -> None:
    bad = posts(tmp_path, stance=["pro", "maybe", "anti", "pro"])
    result = runner.invoke(app, [*BASE, str(bad)])
    assert result.exit_code == 2
    assert re.search(
        r"Row 2 of the table \(id 'r1'\) has stance 'maybe', not one of 'pro', 'anti', \"don't know\"", result.stderr
    )
    assert "Traceback" not in result.stderr
    skipped = runner.invoke(app, [*BASE, str(bad), "--on-error", "skip", "--json"])
    assert skipped.exit_code == 0 and json.loads(skipped.stdout)["counts"]["bad_label"] == 1
    undated = runner.invoke(app, [*BASE, str(posts(tmp_path, time=["2026-03-01", "soon", None, "2026-03-02"]))])
    assert undated.exit_code == 2 and "Row 2 of the table (id 'r1') has time 'soon'" in undated.stderr
    cyclic = runner.invoke(app, [*BASE, str(posts(tmp_path, parent_id=["r2", "007", "r1", None]))])
    assert cyclic.exit_code == 2 and "reply cycle" in cyclic.stderr
    for args, message in [
        (["--time-column", "when"], "Column(s) 'when' not found"),
        (["--unit", "week"], "'unit' parameter of polarization"),
        (["--stances", "pro,anti"], "at least three distinct categories"),
        (["--api-key-env", "KEY"], "--api-key-env apply to LLM engines only (--annotator llm:"),
        (["--on-error", "ignore"], "'--on-error' parameter of affectlab polarization"),
    ]:
        failed = runner.invoke(app, [*BASE, str(posts(tmp_path)), *args])
        assert failed.exit_code == 2 and message in failed.stderr, (args, failed.stderr)


def test_custom_rule_table(tmp_path: Path) -> None:
    rules = tmp_path / "rules.csv"
    rules.write_text((ROOT / "src/affectlab/analyses/polarization/rules.csv").read_text().replace(",10,", ",100,"))
    result = runner.invoke(app, [*BASE, str(posts(tmp_path)), "--rules", str(rules), "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["mean_score"] == 54.0 and payload["rules"] == str(rules)


def test_llm_annotator_through_a_scripted_server(misbehaving_server: Callable[..., Any], tmp_path: Path) -> None:
    """A real HTTP server answers like a model would: the labels follow the post's words."""

    def content(body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        post = prompt.split('"""')[1]
        answer = {
            "stance_explanation": "from the words",
            "stance": "anti" if "No way" in post or "Exactly" in post else "pro",
            "affect_explanation": "insults",
            "affect": "yes" if "idiot" in post else "no",
        }
        if "Post 2" in prompt:
            answer |= {"agreement_explanation": "reply opening", "agreement": "yes" if "Exactly" in post else "no"}
        return json.dumps(answer)

    server = misbehaving_server(content=content)
    out = tmp_path / "scored.jsonl"
    source = posts(tmp_path).read_text().replace("anti", "").replace("yes", "")  # labels come from the LLM now
    (tmp_path / "unlabelled.csv").write_text(source)
    result = runner.invoke(
        app,
        [
            *BASE,
            str(tmp_path / "unlabelled.csv"),
            "--annotator",
            f"llm:m@{server.base_url}",
            "--llm-cache",
            "off",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["score"] for r in rows] == [None, 8.0, 10.0, None]
    assert rows[1]["agreement_explanation"] == "reply opening" and rows[0]["agreement"] is None
    assert "LLM annotator llm:m@127.0.0.1" in result.stderr and "4 requests" in result.stderr
    roles = ["Post 2" in r.body["messages"][-1]["content"] for r in server.chat_requests]
    assert sorted(roles) == [False, False, True, True]  # replies are asked with their parent; root, orphan alone


def test_subprocess_smoke(tmp_path: Path) -> None:
    exe = shutil.which("affectlab", path=str(Path(sys.executable).parent)) or shutil.which("affectlab")
    assert exe is not None, "the affectlab console script is not installed"
    done = subprocess.run(
        [exe, *BASE, str(posts(tmp_path)), "--json", "-q"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_scored"] == 2 and done.stderr == ""
