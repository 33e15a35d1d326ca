"""``affectlab conversation`` end to end on the shipped example dialogues, with the tiny model."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.surfaces.cli.app import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conversations"
CASES = {
    "support_chat.jsonl": [],
    "peer_support.csv": [],
    "library_thread.jsonl": [],
    "two_conversations.csv": ["--time-column", "seconds"],
}


def input_rows(name: str) -> list[dict]:
    path = EXAMPLES / name
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(*args: str) -> object:
    return runner.invoke(app, ["conversation", *args])


@pytest.mark.parametrize("name", list(CASES))
def test_examples_end_to_end(tmp_path: Path, tiny_model_dir: Path, name: str) -> None:
    out = tmp_path / "turns.jsonl"
    result = run(str(EXAMPLES / name), *CASES[name], "-m", f"embedded:{tiny_model_dir}", "-o", str(out), "--json", "-q")
    assert result.exit_code == 0, result.output
    rows = input_rows(name)
    turns = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(turns) == len(rows)
    assert sorted(t["row"] for t in turns) == list(range(len(rows)))
    for turn in turns:
        assert turn["text"] == rows[turn["row"]]["text"] and turn["speaker"] == rows[turn["row"]]["speaker"]
        assert -1 <= turn["valence"] <= 1 and turn["top"] in turn["emotions"]
    payload = json.loads(result.stdout)
    assert payload["n_turns"] == len(rows) and payload["output"] == str(out)
    assert set(payload["dynamics"]) == {t["conversation_id"] for t in turns}


def test_thread_flags_unknown_reply_to(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "turns.csv"
    result = run(str(EXAMPLES / "library_thread.jsonl"), "-m", f"embedded:{tiny_model_dir}", "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("turn_id")
    assert "unknown_reply_to" in frame.loc["p10", "flags"] and frame.loc["p10", "parent"] == ""
    assert frame.loc["p4", "parent"] == "p2" and frame.loc["p1", "parent"] == ""
    assert "emotions.joy" in frame.columns


def test_two_conversations_to_parquet_with_context(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "turns.parquet"
    args = ["--time-column", "seconds", "--conversation-column", "conversation_id", "--id-column", "turn_id"]
    result = run(
        str(EXAMPLES / "two_conversations.csv"), *args, "--context", "2", "-m", f"embedded:{tiny_model_dir}",
        "-o", str(out), "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert frame["conversation_id"].tolist() == ["roommates"] * 8 + ["booking"] * 4
    assert frame["turn_id"].tolist() == [str(i) for i in range(1, 9)] + ["1", "2", "3", "4"]
    assert frame.loc[0, "context_ids"] == "" and frame.loc[8, "context_ids"] == ""


def test_summary_table_and_report(tmp_path: Path, tiny_model_dir: Path) -> None:
    report = tmp_path / "report"
    result = run(str(EXAMPLES / "support_chat.jsonl"), "-m", f"embedded:{tiny_model_dir}", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "customer" in result.stdout and "agent" in result.stdout and "verdict" in result.stdout
    assert {"summary.md", "report.html", "dynamics.json", "timeline_0.png", "transitions_0.png"} <= {
        p.name for p in report.iterdir()
    }
    again = run(str(EXAMPLES / "support_chat.jsonl"), "-m", f"embedded:{tiny_model_dir}", "--report", str(report))
    assert again.exit_code == 2 and "--force" in again.output
    forced = run(
        str(EXAMPLES / "support_chat.jsonl"), "-m", f"embedded:{tiny_model_dir}", "--report", str(report), "--force"
    )
    assert forced.exit_code == 0, forced.output


def test_output_is_not_overwritten_without_force(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "turns.jsonl"
    out.write_text("keep\n")
    result = run(str(EXAMPLES / "support_chat.jsonl"), "-m", f"embedded:{tiny_model_dir}", "-o", str(out), "-q")
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep\n"


def test_bad_input_exits_2_with_a_hint(tmp_path: Path, tiny_model_dir: Path) -> None:
    model = ["-m", f"embedded:{tiny_model_dir}"]
    missing = run(str(EXAMPLES / "peer_support.csv"), "--speaker-column", "who", *model)
    assert missing.exit_code == 2
    assert "'who'" in missing.output and "Available columns: speaker, timestamp, text" in missing.output
    unsorted = tmp_path / "unsorted.csv"
    unsorted.write_text("speaker,timestamp,text\na,2,later\nb,1,earlier\n", encoding="utf-8")
    failed = run(str(unsorted), "--on-unsorted", "error", *model)
    assert failed.exit_code == 2 and "not in time order" in failed.output
    sorted_ = run(str(unsorted), *model, "--json")
    assert sorted_.exit_code == 0 and "warning: Turns are not in time order" in sorted_.stderr
    assert json.loads(sorted_.stdout)["n_turns"] == 2
    both = run(str(unsorted), *model, "-o", "-", "--json")
    assert both.exit_code == 2
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"speaker": "a", "text": "hi"}\n{not json\n', encoding="utf-8")
    bad = run(str(broken), *model)
    assert bad.exit_code == 2 and "Line 2" in bad.output
    assert run(str(tmp_path / "absent.jsonl"), *model).exit_code == 2


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("speaker,text\n", ".csv", "no rows"),
        ("", ".jsonl", "no rows"),
        ("", ".csv", "Cannot read"),
    ],
)
def test_empty_input_exits_2(tmp_path: Path, tiny_model_dir: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_text(content, encoding="utf-8")
    result = run(str(path), "-m", f"embedded:{tiny_model_dir}")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_stdin_reads_json_lines_or_the_input_format(tiny_model_dir: Path) -> None:
    model = ["-m", f"embedded:{tiny_model_dir}", "--json", "-q"]
    lines = (EXAMPLES / "support_chat.jsonl").read_text(encoding="utf-8")
    result = runner.invoke(app, ["conversation", "-", *model], input=lines)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_turns"] == 15
    table = (EXAMPLES / "peer_support.csv").read_text(encoding="utf-8")
    as_csv = runner.invoke(app, ["conversation", "-", "--input-format", "csv", *model], input=table)
    assert as_csv.exit_code == 0, as_csv.output
    assert json.loads(as_csv.stdout)["n_turns"] == len(input_rows("peer_support.csv"))
    as_jsonl = runner.invoke(app, ["conversation", "-", *model], input=table)
    assert as_jsonl.exit_code == 2 and "Line 1" in as_jsonl.stderr


def test_deprecated_spellings_warn_and_still_work(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "turns.jsonl"
    args = ["--time-col", "seconds", "--conversation-col", "conversation_id", "--turn-id-col", "turn_id"]
    args += ["--speaker-col", "speaker", "--text-col", "text", "--format", "csv"]
    result = run(str(EXAMPLES / "two_conversations.csv"), *args, "-m", f"embedded:{tiny_model_dir}", "-o", str(out))
    assert result.exit_code == 0, result.output
    for old, new in [("--time-col", "--time-column"), ("--turn-id-col", "--id-column"), ("--format", "--input-format"),
                     ("--conversation-col", "--conversation-column"), ("--text-col", "--text-column")]:  # fmt: skip
        assert f"warning: {old} is deprecated and will be removed; use {new}." in result.stderr
    turns = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [t["turn_id"] for t in turns[:3]] == ["1", "2", "3"] and turns[0]["timestamp"] == "0"
    assert {t["conversation_id"] for t in turns} == {"roommates", "booking"}
    clash = run(str(EXAMPLES / "two_conversations.csv"), "--time-col", "seconds", "--time-column", "other",
                "-m", f"embedded:{tiny_model_dir}")  # fmt: skip
    assert clash.exit_code == 2 and "keep only --time-column" in clash.stderr
    assert "--time-col " not in run("--help").output  # hidden


def test_turns_to_stdout(tiny_model_dir: Path) -> None:
    result = run(str(EXAMPLES / "two_conversations.csv"), "--time-column", "seconds", "-m",
                 f"embedded:{tiny_model_dir}", "-o", "-", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 12 and lines[0]["conversation_id"] == "roommates"


def test_subprocess_smoke(tiny_model_dir: Path) -> None:
    code = "from affectlab.surfaces.cli.app import main; main()"
    args = ["conversation", str(EXAMPLES / "support_chat.jsonl"), "-m", f"embedded:{tiny_model_dir}", "--json", "-q"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["n_conversations"] == 1 and payload["dynamics"]["0"]["n_turns"] == 15
    assert done.stderr == ""
