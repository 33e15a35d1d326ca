"""summarize_corpus and affectlab corpus: periods, groups, event windows, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.analyses.corpus import summarize_corpus
from affectlab.engines.embedded import EmbeddedEngine
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
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"summary.md", "series.png", "events.png"}
    data = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert data["n_texts"] == 40 and len(data["events"]) == 3
    missing = CliRunner().invoke(
        app, ["corpus", str(source), "--time-column", "when", "-m", f"embedded:{tiny_model_dir}"]
    )
    assert missing.exit_code == 2 and "'when' not found" in missing.stderr
