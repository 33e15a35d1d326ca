"""summarize_corpus and affectlab corpus: periods, groups, event windows, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.analyses.changepoints import mean_change_points
from affectlab.analyses.corpus import summarize_corpus
from affectlab.engines.embedded import EmbeddedEngine, installed_models
from affectlab.errors import InputError, ParameterError
from affectlab.surfaces.cli.app import app

TEXTS = ["I love this so much", "awful day, i hate it", "so sad", "great good day", "i am angry"]


def posts(n_days: int = 10) -> pd.DataFrame:
    rows = [
        {"text": TEXTS[(d + k) % len(TEXTS)], "time": f"2026-03-{d + 1:02d}T{8 + k}:00", "group": "ab"[k % 2]}
        for d in range(n_days)
        for k in range(4)
    ]
    return pd.DataFrame(rows)


def test_series_counts_means_and_intervals(tiny_engine: EmbeddedEngine) -> None:
    frame = posts()
    summary = summarize_corpus(frame, engine=tiny_engine, group_column="group")
    series = summary.series
    assert series["n"].sum() == len(frame) and set(series["group"]) == {"a", "b"}
    records = tiny_engine.predict(frame["text"].tolist())
    first = frame.index[(frame["time"].str.startswith("2026-03-01")) & (frame["group"] == "a")]
    expected = np.mean([records[i].vad.valence for i in first])
    row = series[(series["period"].astype(str) == "2026-03-01") & (series["group"] == "a")].iloc[0]
    assert row["valence"] == pytest.approx(expected)
    assert -1 <= row["valence_lo"] <= row["valence"] <= row["valence_hi"] <= 1
    assert all(0 <= v <= 1 for c in series.columns if c.startswith("share.") for v in series[c])
    assert summary.groups["cohens_d"].sum() == pytest.approx(0.0, abs=0.05)  # two groups: d and about -d


def test_weeks_and_event_windows(tiny_engine: EmbeddedEngine) -> None:
    events = pd.DataFrame({"name": ["x"], "start": ["2026-03-04"], "end": ["2026-03-05"]})
    summary = summarize_corpus(posts(), engine=tiny_engine, freq="W", events=events, window_days=2)
    assert summary.series["period"].astype(str).tolist() == ["2026-02-23", "2026-03-02", "2026-03-09"]
    windows = summary.events.set_index("window")
    assert windows["n"].to_dict() == {"before": 8, "during": 8, "after": 8}
    assert str(windows.loc["after", "start"]) == "2026-03-06" and str(windows.loc["before", "end"]) == "2026-03-03"


def test_bad_input(tiny_engine: EmbeddedEngine) -> None:
    with pytest.raises(InputError, match="'when' not found"):
        summarize_corpus(posts(), engine=tiny_engine, time_column="when")
    with pytest.raises(ParameterError, match="'freq' parameter of summarize_corpus"):
        summarize_corpus(posts(), engine=tiny_engine, freq="Y")
    undated = posts().assign(time="soon")
    with pytest.raises(InputError, match="could be read as a date"):
        summarize_corpus(undated, engine=tiny_engine)
    partly = posts()
    partly.loc[0, "time"] = "not a date"
    assert summarize_corpus(partly, engine=tiny_engine).n_undated == 1


def test_cli_writes_series_report_and_json(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "posts.csv"
    posts().to_csv(source, index=False)
    (tmp_path / "events.csv").write_text("name,start,end\nx,2026-03-04,2026-03-05\n")
    args = ["corpus", str(source), "--group-column", "group", "--events", str(tmp_path / "events.csv"),
            "-m", f"embedded:{tiny_model_dir}", "-q"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "series.csv"), "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert {"period", "group", "n", "valence", "valence_lo"} <= set(pd.read_csv(tmp_path / "series.csv").columns)
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"summary.md", "series.png", "events.png", "event-1-x.png"}
    data = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert data["n_texts"] == 40 and len(data["events"]) == 3 and len(data["comparisons"]) == 2
    missing = CliRunner().invoke(
        app, ["corpus", str(source), "--time-column", "when", "-m", f"embedded:{tiny_model_dir}"]
    )
    assert missing.exit_code == 2 and "'when' not found" in missing.stderr


def scored_table(n_days: int = 20, shift_day: int = 10, seed: int = 0) -> pd.DataFrame:
    """An ``affectlab analyze``-shaped flat table (no model): valence steps up on ``shift_day``, group b is calmer."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(n_days):
        for k in range(6):
            group = "ab"[k % 2]
            valence = (0.3 if day >= shift_day else -0.3) + rng.normal(0, 0.1)
            rows.append(
                {"id": f"{day}-{k}", "time": f"2026-04-{day + 1:02d}T10:00Z", "group": group, "text": "t",
                 "labels": "joy" if valence > 0 else "anger;sadness", "emotions.joy": 0.5, "emotions.anger": 0.1,
                 "emotions.sadness": 0.1, "emotions.neutral": 0.3, "vad.valence": round(valence, 6),
                 "vad.arousal": round(0.2 if group == "a" else -0.2 + rng.normal(0, 0.05), 6), "flags": "",
                 "error": "", "taxonomy": "goemotions", "model": "affectlab-minilm@1.3.0"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_scored_table_is_aggregated_without_a_model() -> None:
    table = scored_table()
    table.loc[0, ["flags", "vad.valence", "labels"]] = ["error", np.nan, ""]
    summary = summarize_corpus(table, group_column="group", engine="no-such-engine")  # never loaded
    assert summary.model == "affectlab-minilm@1.3.0" and summary.taxonomy == "goemotions"
    assert summary.n_texts == len(table) - 1 and any("flagged 'error'" in note for note in summary.notes)
    first = summary.series.iloc[0]
    assert first["n"] == 2 and first["share.joy"] == 0.0 and first["share.anger"] == 1.0  # day 1, group a
    assert "share.neutral" not in summary.series.columns
    with pytest.raises(InputError, match="scored in taxonomy 'goemotions', not 'ekman'"):
        summarize_corpus(table, taxonomy="ekman")


def test_rolling_means_are_the_means_of_the_last_periods() -> None:
    table = scored_table(n_days=8)
    table = table[~table["time"].str.startswith("2026-04-03")]  # a day without texts still counts as a period
    summary = summarize_corpus(table, group_column="group", rolling=3)
    row = summary.series[(summary.series["period"].astype(str) == "2026-04-04") & (summary.series["group"] == "a")]
    days = table["time"].str[:10].isin(["2026-04-02", "2026-04-03", "2026-04-04"]) & (table["group"] == "a")
    assert row["valence_rolling"].item() == pytest.approx(table.loc[days, "vad.valence"].mean())
    assert row["n_rolling"].item() == days.sum() == 6
    first = summary.series.iloc[0]
    assert first["valence_rolling"] == pytest.approx(first["valence"]) and first["n_rolling"] == first["n"]
    with pytest.raises(ParameterError, match="'rolling' parameter"):
        summarize_corpus(table, rolling=0)


def test_group_comparisons_have_cohens_d_with_an_analytic_interval() -> None:
    summary = summarize_corpus(scored_table(), group_column="group")
    row = summary.comparisons.set_index("measure").loc["arousal"]
    table = scored_table()
    a = table.loc[table["group"] == "a", "vad.arousal"].to_numpy()
    b = table.loc[table["group"] == "b", "vad.arousal"].to_numpy()
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    d = (a.mean() - b.mean()) / pooled
    se = np.sqrt((len(a) + len(b)) / (len(a) * len(b)) + d**2 / (2 * (len(a) + len(b))))
    assert row["cohens_d"] == pytest.approx(d) and row["d_lo"] == pytest.approx(d - 1.959964 * se)
    assert row["d_lo"] > 0 and row["difference"] == pytest.approx(a.mean() - b.mean())
    valence = summary.comparisons.set_index("measure").loc["valence"]
    assert valence["d_lo"] < 0 < valence["d_hi"]  # no planted valence difference between the groups
    assert summary.groups.set_index("group").loc["a", "d_lo"] < summary.groups.set_index("group").loc["a", "d_hi"]


def test_change_points_find_the_planted_shift_and_nothing_in_noise() -> None:
    summary = summarize_corpus(scored_table(shift_day=12), group_column="group")
    found = summary.change_points
    assert found["period"].astype(str).tolist() == ["2026-04-13", "2026-04-13"]
    assert (found["shift"] > 0.5).all()
    rng = np.random.default_rng(3)
    spurious = sum(bool(mean_change_points(rng.normal(0, 0.1, 30))) for _ in range(200))
    assert spurious / 200 <= 0.08  # 3% in the module's 300-series simulation


def test_corpus_reads_analyze_output_flat_nested_and_a_folder(tmp_path: Path, tiny_model_dir: Path) -> None:
    source = tmp_path / "posts.csv"
    posts().to_csv(source, index=False)
    model = ["-m", f"embedded:{tiny_model_dir}"]
    direct = summarize_corpus(posts(), engine=EmbeddedEngine(tiny_model_dir, threads=1), group_column="group")
    (tmp_path / "parts").mkdir()
    for out in ("scored.csv", "scored.jsonl", "parts/scored.parquet"):
        result = CliRunner().invoke(app, ["analyze", str(source), "-o", str(tmp_path / out), *model, "-q"])
        assert result.exit_code == 0, result.output
    for scored in ("scored.csv", "scored.jsonl", "parts"):
        result = CliRunner().invoke(app, ["corpus", str(tmp_path / scored), "--group-column", "group", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert "no text was scored" in " ".join(data["notes"]) and data["n_texts"] == 40
        got = pd.DataFrame(data["series"])
        assert got["valence"].to_numpy() == pytest.approx(direct.series["valence"].to_numpy(), abs=1e-5)
        assert got["share.joy"].tolist() == direct.series["share.joy"].tolist()


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
def test_the_python_examples_of_docs_corpus_run(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    blocks = re.findall(r"```python\n(.*?)```", (root / "docs" / "corpus.md").read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for code in blocks:
        exec(compile(code, "docs/corpus.md", "exec"), {})
