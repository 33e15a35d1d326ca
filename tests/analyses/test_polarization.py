"""polarization(): the rule table on every cell, the published aggregation on planted data, bad input, scale, LLM."""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.polarization import CELLS, ColumnsAnnotator, LLMAnnotator, load_rules, polarization
from affectlab.engines.embedded import EmbeddedEngine, installed_models
from affectlab.errors import InputError, ParameterError

ROOT = Path(__file__).resolve().parents[2]
STANCES = ["pro", "anti", "don't know"]
LABELS = ["yes", "no", "don't know"]
#: The issue's table (= the published classify_interaction), cell by cell.
ISSUE_TABLE = {
    ("same", "yes", "yes"): 10,
    ("same", "yes", "not yes"): 8,
    ("same", "no", "yes"): 6,
    ("same", "no", "not yes"): 2,
    ("opposite", "yes", "yes"): 6,
    ("opposite", "yes", "not yes"): 8,
    ("opposite", "no", "yes"): 0,
    ("opposite", "no", "not yes"): 4,
}


def published_classify(stance: str, parent_stance: str, affect: str, parent_affect: str, agreement: str) -> int:
    """The published classify_interaction, transcribed (llm_prompting_gunControl.py)."""
    same_stance = stance == parent_stance
    any_affect_yes = affect == "yes" or parent_affect == "yes"
    if same_stance:
        if any_affect_yes:
            return 10 if agreement == "yes" else 8
        return 6 if agreement == "yes" else 2
    if any_affect_yes:
        return 6 if agreement == "yes" else 8
    return 0 if agreement == "yes" else 4


def pairs(combos: list[tuple[str, str, str, str, str]], day: str = "2026-03-01") -> pd.DataFrame:
    """One root and one reply per combo (stance, parent stance, affect, parent affect, agreement)."""
    rows = []
    for k, (stance, parent_stance, affect, parent_affect, agreement) in enumerate(combos):
        rows.append(dict(id=f"p{k}", text="root", parent_id=None, time=day, stance=parent_stance, affect=parent_affect))
        rows.append(
            dict(
                id=f"r{k}", text="reply", parent_id=f"p{k}", time=day, stance=stance, affect=affect, agreement=agreement
            )
        )
    return pd.DataFrame(rows)


def run(frame: pd.DataFrame, **options: Any) -> Any:
    return polarization(frame, topic="gun control", stances=STANCES, engine=options.pop("engine", None), **options)


# --- the rule table -------------------------------------------------------------------------------------------


def test_shipped_table_is_the_issue_table() -> None:
    table = load_rules()
    assert table.scores == ISSUE_TABLE and list(table.scores) == list(CELLS)
    same, affect, agree = (np.array([c[i] == v for c in CELLS]) for i, v in enumerate(("same", "yes", "yes")))
    assert table.score(same, affect, agree).tolist() == [ISSUE_TABLE[c] for c in CELLS]


@pytest.mark.parametrize("cell", list(ISSUE_TABLE), ids=["-".join(c).replace(" ", "") for c in ISSUE_TABLE])
def test_every_cell_through_the_whole_analysis(cell: tuple[str, str, str]) -> None:
    relation, affect, agreement = cell
    combo = ("pro", "pro" if relation == "same" else "anti", affect, "no", "yes" if agreement == "yes" else "no")
    result = run(pairs([combo]))
    reply = result.scored.iloc[1]
    assert (reply["stance_relation"], reply["affect_either"], reply["agreement_cell"]) == cell
    assert reply["score"] == ISSUE_TABLE[cell] and reply["extreme"] == (ISSUE_TABLE[cell] > 7)
    assert math.isnan(result.scored.iloc[0]["score"])  # roots are labelled, not scored


def test_every_label_combination_matches_the_published_code() -> None:
    combos = list(itertools.product(STANCES, STANCES, LABELS, LABELS, LABELS))  # 243
    result = run(pairs(combos))
    scores = result.scored["score"].iloc[1::2].tolist()
    assert scores == [published_classify(*c) for c in combos]
    # the published quirks, kept by default: two unclear stances are the same; "don't know" agreement is not yes
    quirks = run(pairs([("don't know", "don't know", "no", "no", "yes"), ("pro", "pro", "no", "no", "don't know")]))
    assert quirks.scored["score"].iloc[1::2].tolist() == [6.0, 2.0]


def test_unclear_labels_as_missing() -> None:
    combos = [
        ("don't know", "don't know", "no", "no", "yes"),  # unclear stance: missing
        ("pro", "anti", "no", "no", "don't know"),  # unclear agreement: missing
        ("pro", "pro", "don't know", "no", "no"),  # no yes, one unclear affect: missing
        ("pro", "pro", "don't know", "yes", "no"),  # the parent's yes settles it: 8
        ("pro", "anti", "no", "no", "no"),  # clear: 4
    ]
    result = run(pairs(combos), unclear="missing")
    replies = result.scored.iloc[1::2]
    assert replies["score"].tolist()[3:] == [8.0, 4.0] and replies["score"].isna().tolist()[:3] == [True] * 3
    assert [f.split(";") for f in replies["flags"].tolist()[:3]] == [["unclear"]] * 3
    assert result.rows_scored == 2 and result.counts["unclear"] == 3


def test_user_rule_table(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    rows = ["stance,affect,agreement,score"] + [f"{s},{a},{g},{k}" for k, (s, a, g) in enumerate(CELLS)]
    path.write_text("\n".join(rows) + "\n")
    result = run(pairs([("pro", "anti", "no", "no", "yes")]), rules=path)
    assert result.scored["score"].iloc[1] == CELLS.index(("opposite", "no", "yes")) and result.rules.source == str(path)
    for broken, message in [
        (rows[:-1], "lacks the cell"),
        ([*rows, rows[1]], "given twice"),
        ([rows[0], "same,maybe,yes,3", *rows[2:]], "is not a cell"),
        ([rows[0], "same,yes,yes,high", *rows[2:]], "not a finite number"),
        (["stance,affect,score", "same,yes,1"], "missing: agreement"),
    ]:
        path.write_text("\n".join(broken) + "\n")
        with pytest.raises(InputError, match=message):
            load_rules(path)


# --- aggregation against hand-computed values -----------------------------------------------------------------

#: score -> (reply stance, reply affect, agreement) for a root with stance "pro" and affect "no".
FOR_SCORE = {
    10: ("pro", "yes", "yes"),
    8: ("pro", "yes", "no"),
    6: ("pro", "no", "yes"),
    4: ("anti", "no", "no"),
    2: ("pro", "no", "no"),
    0: ("anti", "no", "yes"),
}


def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conversations around an event on 2026-03-10..11 (window 2 days), polarization planted during it.

    c1 (root 03-08): replies 2 (03-08), 4 (03-08)    c2 (03-09): 2 (03-09)
    c3 (03-10): 8 (03-10), 10 (03-11)                 c4 (03-11): 8 (03-11), 6 (03-11 22:30 -05:00 = 03-12 UTC)
    c5 (03-12): 6 (03-12)                             c6 (03-13): no reply     c7 (03-01): 10 (03-01), outside
    """
    spec = {
        "c1": ("2026-03-08T09:00", [(2, "2026-03-08T10:00"), (4, "2026-03-08T11:00")]),
        "c2": ("2026-03-09T09:00", [(2, "2026-03-09T10:00")]),
        "c3": ("2026-03-10T09:00", [(8, "2026-03-10T10:00"), (10, "2026-03-11T10:00")]),
        "c4": ("2026-03-11T09:00", [(8, "2026-03-11T10:00"), (6, "2026-03-11T22:30:00-05:00")]),
        "c5": ("2026-03-12T09:00+00:00", [(6, "2026-03-12T10:00Z")]),
        "c6": ("2026-03-13T09:00", []),
        "c7": ("2026-03-01T09:00", [(10, "2026-03-01T10:00")]),
    }
    rows = []
    for cid, (root_time, replies) in spec.items():
        rows.append(dict(id=cid, text="root", parent_id=None, time=root_time, stance="pro", affect="no"))
        for k, (score, when) in enumerate(replies):
            stance, affect, agreement = FOR_SCORE[score]
            rows.append(
                dict(
                    id=f"{cid}r{k}",
                    text="reply",
                    parent_id=cid,
                    time=when,
                    stance=stance,
                    affect=affect,
                    agreement=agreement,
                )
            )
    events = pd.DataFrame(
        {"name": ["event", "later"], "start": ["2026-03-10", "2026-06-01"], "end": ["2026-03-11", "2026-06-02"]}
    )
    return pd.DataFrame(rows), events


def window(result: Any, event: str, name: str) -> dict[str, Any]:
    return next(e for e in result.to_dict()["events"] if e["name"] == event)["windows"][name]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (  # the published unit: conversation means 3, 2 | 9, 7 | 6
            "conversation",
            {
                "before": (2.5, 0.5 / math.sqrt(2), 2, 3, 2, 0.0),
                "during": (8.0, 1.0 / math.sqrt(2), 2, 4, 2, 0.5),
                "after": (6.0, 0.0, 1, 1, 1, 0.0),
            },
        ),
        (  # daily means 3, 2 | 8, 9 | 6 (the c4 reply at 22:30 -05:00 is a 03-12 UTC reply)
            "day",
            {
                "before": (2.5, 0.5 / math.sqrt(2), 2, 3, 2, 0.0),
                "during": (8.5, 0.5 / math.sqrt(2), 2, 3, 2, 1.0),
                "after": (6.0, 0.0, 1, 2, 2, 0.0),
            },
        ),
        (  # replies 2, 4, 2 | 8, 10, 8 | 6, 6
            "reply",
            {
                "before": (8 / 3, math.sqrt(8 / 9) / math.sqrt(3), 2, 3, 2, 0.0),
                "during": (26 / 3, math.sqrt(8 / 9) / math.sqrt(3), 2, 3, 2, 1.0),
                "after": (6.0, 0.0, 1, 2, 2, 0.0),
            },
        ),
    ],
)
def test_event_windows_against_hand_computed_values(unit: str, expected: dict[str, tuple]) -> None:
    posts, events = planted()
    result = run(posts, events=events, window_days=2, unit=unit)
    for name, (mean, sem, days, n, conversations, extreme) in expected.items():
        got = window(result, "event", name)
        assert got["mean"] == pytest.approx(mean, abs=1e-6) and got["sem"] == pytest.approx(sem, abs=1e-6), name
        assert (got["days"], got["n"], got["conversations"]) == (days, n, conversations), name
        assert got["extreme_rate"] == pytest.approx(extreme), name
    assert (
        window(result, "event", "before")["start"] == "2026-03-08"
        and window(result, "event", "after")["end"] == "2026-03-13"
    )
    assert window(result, "event", "during")["ci"][0] <= window(result, "event", "during")["mean"]
    # the whole corpus: 9 scored replies
    assert result.rows_scored == 9 and result.mean_score == pytest.approx(56 / 9)
    assert result.extreme_rate == pytest.approx(4 / 9)
    # an event outside the data: empty windows (None, not the published code's 0), and a note
    later = window(result, "later", "during")
    assert later["mean"] is None and later["n"] == 0 and later["days"] == 0 and later["ci"] is None
    assert any("'later' has no scored replies" in note for note in result.notes)


def published_windows(posts: pd.DataFrame, scores: pd.Series, start: str, end: str) -> dict[str, tuple]:
    """The published calculate_means_by_date and calculate_percentage, one 'file' per conversation."""
    roots = posts[posts["parent_id"].isna()].set_index("id")["time"].map(lambda t: pd.Timestamp(t[:10]))
    frame = posts.assign(score=scores.to_numpy())
    frame = frame[frame["parent_id"].notna()]
    start_date, end_date = pd.Timestamp(start), pd.Timestamp(end)
    means: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    for cid, file_date in roots.items():
        mean_value = frame.loc[frame["parent_id"] == cid, "score"].dropna().mean()
        if pd.isna(mean_value):
            continue
        if start_date - pd.Timedelta(days=3) <= file_date < start_date:
            means["before"].append(mean_value)
        elif start_date <= file_date <= end_date:
            means["during"].append(mean_value)
        elif end_date < file_date <= end_date + pd.Timedelta(days=3):
            means["after"].append(mean_value)
    out = {}
    for bucket, values in means.items():
        mean = np.mean(values) if len(values) > 0 else 0
        error = np.std(values) / np.sqrt(len(values)) if len(values) > 1 else 0
        extreme = sum(7.5 <= x <= np.inf for x in values) / len(values) * 100 if values else 0
        out[bucket] = (mean, error, len(values), extreme)
    return out


def test_conversation_windows_match_the_published_plotting_code() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for c in range(60):
        day = f"2026-04-{1 + int(rng.integers(0, 20)):02d}"
        rows.append(
            dict(
                id=f"c{c}",
                text="t",
                parent_id=None,
                time=day,
                stance=str(rng.choice(STANCES)),
                affect=str(rng.choice(LABELS)),
            )
        )
        for k in range(int(rng.integers(0, 4))):
            rows.append(
                dict(
                    id=f"c{c}r{k}",
                    text="t",
                    parent_id=f"c{c}",
                    time=day,
                    stance=str(rng.choice(STANCES)),
                    affect=str(rng.choice(LABELS)),
                    agreement=str(rng.choice(LABELS)),
                )
            )
    posts = pd.DataFrame(rows)
    events = pd.DataFrame(
        {"name": ["a", "b"], "start": ["2026-04-08", "2026-04-12"], "end": ["2026-04-08", "2026-04-14"]}
    )
    result = run(posts, events=events, unit="conversation")
    for name, start, end in events.itertuples(index=False):
        expected = published_windows(posts, result.scored["score"], start, end)
        for bucket, (mean, error, count, extreme) in expected.items():
            got = window(result, name, bucket)
            assert got["conversations"] == count
            if count:
                assert got["mean"] == pytest.approx(mean) and got["sem"] == pytest.approx(error)
                assert 100 * got["extreme_rate"] == pytest.approx(extreme)


# --- bad input ------------------------------------------------------------------------------------------------


def test_orphans_are_roots_and_counted() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")])
    frame.loc[len(frame)] = dict(
        id="o1", text="x", parent_id="gone", time="2026-03-01", stance="pro", affect="yes", agreement="yes"
    )
    frame.loc[len(frame)] = dict(
        id="o1r", text="y", parent_id="o1", time="2026-03-02", stance="pro", affect="no", agreement="no"
    )
    result = run(frame)
    orphan, below = result.scored.iloc[2], result.scored.iloc[3]
    assert orphan["role"] == "orphan" and orphan["flags"] == "orphan" and math.isnan(orphan["score"])
    assert pd.isna(orphan["agreement"])  # a root's agreement is dropped
    assert below["conversation"] == "o1" and below["score"] == 8.0  # the orphan's yes affect counts for its reply
    assert result.counts["orphans"] == 1 and any("not in the table" in note for note in result.notes)


def test_cycles_fail_or_are_flagged() -> None:
    frame = pd.DataFrame(
        dict(
            id=["a", "b", "c", "d"],
            text="t",
            parent_id=["b", "a", "a", None],
            time="2026-03-01",
            stance="pro",
            affect="no",
            agreement="no",
        )
    )
    with pytest.raises(
        InputError, match=r"Row 1 of the table \(id 'a'\) is in or below a reply cycle \('a' -> 'b' -> 'a'\)"
    ):
        run(frame)
    result = run(frame, on_error="skip")
    assert result.scored["flags"].tolist() == ["cycle", "cycle", "cycle", ""]
    assert result.scored["conversation"].isna().tolist() == [True, True, True, False] and result.rows_scored == 0


def test_bad_and_missing_times() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")] * 3)
    frame.loc[3, "time"] = "next tuesday"
    frame.loc[5, "time"] = None
    with pytest.raises(
        InputError, match=r"Row 4 of the table \(id 'r1'\) has time 'next tuesday', which cannot be read"
    ):
        run(frame)
    result = run(frame, on_error="skip")
    assert result.scored["flags"].tolist() == ["", "", "", "bad_time", "", "bad_time"]
    assert result.rows_scored == 1 and result.counts["bad_time"] == 2
    undated_root = pairs([("pro", "anti", "no", "no", "no")]).assign(time=["?", "2026-03-01"])
    events = pd.DataFrame({"name": ["e"], "start": ["2026-03-01"], "end": ["2026-03-01"]})
    result = run(undated_root, on_error="skip", events=events, unit="conversation")
    assert result.rows_scored == 1 and window(result, "e", "during")["n"] == 0  # the conversation has no date
    assert any("root without a readable time" in note for note in result.notes)
    assert window(run(undated_root, on_error="skip", events=events, unit="day"), "e", "during")["n"] == 1


def test_empty_and_root_only_tables() -> None:
    empty = run(pd.DataFrame(columns=["id", "text", "parent_id", "time", "stance", "affect", "agreement"]))
    assert empty.rows_scored == 0 and empty.mean_score is None and len(empty.scored) == 0
    roots = pd.DataFrame(dict(id=["a"], text="t", parent_id=[None], time="2026-03-01", stance="pro", affect="no"))
    assert run(roots).counts == run(roots).counts | {"posts": 1, "roots": 1, "replies": 0}


def test_times_are_normalised_to_utc() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")])
    frame["time"] = ["2026-03-01T23:30:00-02:00", "2026-03-01T20:00"]
    result = run(frame)
    assert result.scored["time"].tolist() == ["2026-03-02T01:30:00Z", "2026-03-01T20:00:00Z"]
    assert result.daily["date"].astype(str).tolist() == ["2026-03-01"]
    unix = run(frame.assign(time=[1772400000, 1772400600]))
    assert unix.scored["time"].tolist() == ["2026-03-01T21:20:00Z", "2026-03-01T21:30:00Z"]


def test_labels_outside_their_categories() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no"), ("maybe", "anti", "no", "no", "no")])
    with pytest.raises(
        InputError, match=r"Row 4 of the table \(id 'r1'\) has stance 'maybe', not one of 'pro', 'anti'"
    ):
        run(frame)
    frame.loc[1, "affect"] = "sort of"
    frame.loc[2, "stance"] = "PRO "  # case and spacing do not matter
    result = run(frame, on_error="skip")
    assert result.scored["flags"].tolist() == ["", "bad_label", "", "bad_label"]
    assert result.scored["stance"].tolist()[2] == "pro"
    below = pd.concat(
        [
            frame,
            pd.DataFrame(
                [dict(id="x", text="t", parent_id="r1", time="2026-03-01", stance="pro", affect="no", agreement="no")]
            ),
        ]
    )
    assert run(below, on_error="skip").scored["flags"].tolist()[-1] == "parent_unlabelled"
    with pytest.raises(InputError, match="needs the label column"):
        run(frame.drop(columns="agreement"))


def test_duplicate_and_missing_ids() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")] * 2)
    frame.loc[3, "id"] = "r0"
    with pytest.raises(InputError, match=r"Row 4 of the table \(id 'r0'\) repeats the id of row 2"):
        run(frame)
    assert run(frame, on_error="skip").scored["flags"].tolist() == ["", "", "", "duplicate_id"]


def test_parameters_and_columns() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")])
    for options, message in [
        ({"stances": ["pro", "anti"]}, "at least three distinct categories"),
        ({"stances": ["pro", "Pro", "x"]}, "at least three distinct categories"),
        ({"unit": "week"}, "'unit' parameter of polarization must be a str among"),
        ({"unclear": "ignore"}, "'unclear' parameter"),
        ({"window_days": 0}, "'window_days' parameter of polarization must be an int >= 1"),
        ({"annotator": "human"}, "'annotator' parameter of polarization"),
        ({"on_error": "ignore"}, "'on_error' parameter"),
        ({"topic": " "}, "'topic' parameter"),
    ]:
        kwargs = {"topic": "gun control", "stances": STANCES, "engine": None} | options
        with pytest.raises(ParameterError, match=re.escape(message)):
            polarization(frame, **kwargs)
    with pytest.raises(InputError, match="Column\\(s\\) 'when' not found"):
        run(frame, time_column="when")
    with pytest.raises(InputError, match="ends \\(2026-03-01\\) before it starts"):
        run(frame, events=pd.DataFrame({"name": ["x"], "start": ["2026-03-02"], "end": ["2026-03-01"]}))


# --- the model's negative-emotion signal ----------------------------------------------------------------------


def test_negative_emotion_signal(tiny_engine: EmbeddedEngine) -> None:
    frame = pairs([("pro", "anti", "yes", "no", "no"), ("pro", "pro", "no", "don't know", "yes")])
    result = run(frame, engine=tiny_engine)
    prob = result.scored["negative_prob"]
    assert prob.notna().all() and prob.between(0, 1).all()
    signal = result.affect_signal
    assert signal.n == 3 and signal.model == f"{tiny_engine.name}@{tiny_engine.version}"  # "don't know" left out
    assert 0 <= signal.agreement <= 1
    assert result.to_dict()["affect_signal"]["n"] == 3


# --- scale: 10,000 reply pairs --------------------------------------------------------------------------------


def test_ten_thousand_reply_pairs_in_seconds(tiny_engine: EmbeddedEngine, capsys: pytest.CaptureFixture) -> None:
    rng = np.random.default_rng(0)
    n = 10_000
    combos = [tuple(rng.choice(STANCES, 2)) + tuple(rng.choice(LABELS, 3)) for _ in range(n)]
    frame = pairs(combos)  # type: ignore[arg-type]
    frame["time"] = [f"2026-03-{1 + (k // 2) % 28:02d}T12:00:00" for k in range(2 * n)]
    events = pd.DataFrame({"name": ["e"], "start": ["2026-03-10"], "end": ["2026-03-12"]})
    started = time.perf_counter()
    result = run(frame, events=events)
    labels_only = time.perf_counter() - started
    assert result.rows_scored == n and len(result.scored) == 2 * n
    assert result.scored["score"].iloc[1::2].tolist() == [published_classify(*c) for c in combos]
    started = time.perf_counter()
    with_signal = run(frame, events=events, engine=tiny_engine, n_boot=200)
    signal_s = time.perf_counter() - started
    assert with_signal.scored["negative_prob"].notna().all()
    with capsys.disabled():
        print(
            f"\n10,000 reply pairs: {labels_only:.2f} s without the model signal, {signal_s:.2f} s with the tiny model"
        )
    assert labels_only < 15 and signal_s < 60  # seconds, on a shared 2-core machine


# --- the documentation's example ------------------------------------------------------------------------------


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
def test_docs_python_blocks_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "polarization.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    namespace: dict[str, Any] = {}
    for code in blocks:
        exec(compile(code, "docs/polarization.md", "exec"), namespace)


# --- the LLM annotator against the real llama.cpp server --------------------------------------------------------


def test_llm_annotator_end_to_end(llama_server: Any, tmp_path: Path) -> None:
    frame = pairs([("pro", "anti", "no", "no", "no"), ("pro", "pro", "yes", "no", "yes")]).drop(
        columns=["stance", "affect", "agreement"]
    )
    frame.loc[len(frame)] = dict(id="o", text="Where did the original post go?", parent_id="gone", time="2026-03-02")
    endpoint = f"llm:{llama_server.model}@{llama_server.base_url}"
    annotator = LLMAnnotator(endpoint, cache=tmp_path / "answers.sqlite", max_tokens=1500, retries=0)
    result = polarization(
        frame, topic="gun control", stances=STANCES, annotator=annotator, engine=None, on_error="skip"
    )
    scored = result.scored
    host = llama_server.base_url.split("//")[1].split("/")[0]
    assert scored["id"].tolist() == frame["id"].tolist() and result.annotator == f"llm:{llama_server.model}@{host}"
    for row in scored.itertuples():
        failed = "annotation_error" in row.flags.split(";")
        assert failed == (not pd.isna(row.annotation_error))
        if not failed:
            assert row.stance in STANCES and row.affect in LABELS
            assert (row.agreement in LABELS) if row.role == "reply" else pd.isna(row.agreement)
    replies = scored[scored["role"] == "reply"]
    assert set(replies["score"].dropna()) <= set(ISSUE_TABLE.values())
    assert result.rows_scored == int(replies["score"].notna().sum())
    assert any(note.startswith("LLM annotator") for note in result.notes)
    again = LLMAnnotator(endpoint, cache=tmp_path / "answers.sqlite", max_tokens=1500, retries=0)
    repeat = polarization(frame, topic="gun control", stances=STANCES, annotator=again, engine=None, on_error="skip")
    answered = scored["annotation_error"].isna()
    assert again.usage_.cache_hits == int(answered.sum())  # valid answers come from the cache
    assert repeat.scored.loc[answered, "stance"].tolist() == scored.loc[answered, "stance"].tolist()


def test_llm_failures_are_flagged_not_dropped(misbehaving_server: Callable[..., Any]) -> None:
    """A scripted server: the root's answer never validates, so the root and its reply are flagged, not lost."""

    def content(body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        if "Post 2" not in prompt:
            return json.dumps({"stance": "maybe", "affect": "no"})  # outside the schema
        return json.dumps(
            {
                "stance_explanation": "e",
                "stance": "pro",
                "agreement_explanation": "e",
                "agreement": "yes",
                "affect_explanation": "e",
                "affect": "yes",
            }
        )

    server = misbehaving_server(content=content)
    frame = pairs([("pro", "anti", "no", "no", "no")]).drop(columns=["stance", "affect", "agreement"])
    annotator = LLMAnnotator(f"llm:m@{server.base_url}", cache=False, retries=0, dialect="openai")
    result = polarization(frame, topic="t", stances=STANCES, annotator=annotator, engine=None)
    assert result.scored["flags"].tolist() == ["annotation_error", "parent_unlabelled"]
    assert "stance" in result.scored["annotation_error"].iloc[0] and result.rows_scored == 0
    assert result.scored["stance"].tolist()[1] == "pro" and result.counts["annotation_error"] == 1
    assert len(server.chat_requests) == 2 and server.chat_requests[0].body["temperature"] == 0.0


def test_columns_annotator_is_an_annotator() -> None:
    frame = pairs([("pro", "anti", "no", "no", "no")]).rename(columns={"stance": "s", "affect": "a", "agreement": "g"})
    result = run(frame, annotator=ColumnsAnnotator("s", "a", "g"))
    assert result.scored["score"].iloc[1] == 4.0 and result.annotator == "columns"
