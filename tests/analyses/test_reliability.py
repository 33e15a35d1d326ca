"""reliability(): bias, MSE and ICCs against pingouin and hand values, levels, exclude-self, classes, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.agreement import agreement
from affectlab.analyses.reliability import (
    COUNT_FIELDS,
    MENTALALIGN_THRESHOLDS,
    PAIR_FIELDS,
    RESULT_FIELDS,
    classify,
    reliability,
)
from affectlab.analyses.stats import percentile_interval, resamples
from affectlab.errors import InputError, ParameterError

HUMAN = [1, 2, 2, 3, 3, 4, 4, 5, 5, 1, 2, 4]
JUDGE = [2, 2, 3, 4, 3, 5, 5, 5, 4, 2, 3, 5]


def long(columns: dict[str, list[float]], items: list[str] | None = None) -> pd.DataFrame:
    """One row per item and rater from per-rater value lists."""
    n = len(next(iter(columns.values())))
    items = items or [f"i{k:02d}" for k in range(n)]
    rows = [{"item": i, "rater": r, "score": v} for r, values in columns.items() for i, v in zip(items, values)]
    return pd.DataFrame(rows)


def run(frame: pd.DataFrame, **options: object) -> pd.DataFrame:
    options = {"item": "item", "rater": "rater", "value": "score", "reference": "human", **options}
    return reliability(frame, **options).results  # type: ignore[arg-type]


def pingouin_icc(x: list[float], y: list[float]) -> tuple[float, float]:
    """ICC(C,1) and ICC(A,1) (pingouin's ICC3 and ICC2) of two raters."""
    pingouin = pytest.importorskip("pingouin")
    frame = long({"a": x, "b": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pingouin.intraclass_corr(data=frame, targets="item", raters="rater", ratings="score")
    values = table.set_index("Type")["ICC"]  # labels 'ICC3'/'ICC2' or 'ICC(C,1)'/'ICC(A,1)' by version
    return float(values.get("ICC(C,1)", values.get("ICC3"))), float(values.get("ICC(A,1)", values.get("ICC2")))


def test_item_level_matches_pingouin_and_hand_values() -> None:
    row = run(long({"human": HUMAN, "judge": JUDGE}), n_boot=200).iloc[0]
    icc_c1, icc_a1 = pingouin_icc(JUDGE, HUMAN)
    d = np.subtract(JUDGE, HUMAN)
    assert (row["rater"], row["attribute"], row["level"], row["n"]) == ("judge", "score", "item", 12)
    assert row["reference_mean"] == pytest.approx(np.mean(HUMAN))
    assert row["rater_mean"] == pytest.approx(np.mean(JUDGE))
    assert row["bias"] == pytest.approx(d.mean()) == pytest.approx(7 / 12)
    assert row["mse"] == pytest.approx((d**2).mean()) == pytest.approx(9 / 12)
    assert row["icc_c1"] == pytest.approx(icc_c1, abs=1e-9)
    assert row["icc_a1"] == pytest.approx(icc_a1, abs=1e-9)


def test_intervals_share_the_one_bootstrap_and_the_width_is_icc_a1s() -> None:
    frame = long({"human": HUMAN, "judge": JUDGE})
    row = run(frame, n_boot=300, seed=4).iloc[0]
    d = np.subtract(JUDGE, HUMAN, dtype=float)
    weights = np.vstack(list(resamples(12, 300, seed=4)))
    assert row["bias_ci95"] == pytest.approx(percentile_interval(weights @ d / 12))
    pair = frame.replace({"rater": {"judge": "rater", "human": "reference"}})
    for metric in ("icc_c1", "icc_a1"):
        expected = agreement(pair, item="item", rater="rater", value="score", metric=metric, n_boot=300, seed=4)
        assert row[metric] == pytest.approx(expected.value)
        assert row[f"{metric}_ci95"] == pytest.approx(expected.ci95)
    lo, hi = row["icc_a1_ci95"]
    assert row["ci_width"] == pytest.approx(hi - lo)
    assert row["reliability"] == classify(hi - lo)


def test_a_constant_offset_costs_icc_a1_but_not_icc_c1() -> None:
    shifted = [v + 1 for v in HUMAN]
    row = run(long({"human": HUMAN, "judge": shifted}), n_boot=0).iloc[0]
    assert row["bias"] == pytest.approx(1.0) and row["mse"] == pytest.approx(1.0)
    assert row["icc_c1"] == pytest.approx(1.0)
    assert row["icc_a1"] == pytest.approx(pingouin_icc(shifted, HUMAN)[1], abs=1e-9) and row["icc_a1"] < 0.9
    assert row["bias_ci95"] is None and row["icc_a1_ci95"] is None and pd.isna(row["reliability"])


def test_reference_mean_and_median_of_several_raters() -> None:
    e1, e2, e3 = [1, 2, 3, 4, 5, 3], [2, 2, 4, 4, 4, 3], [1, 3, 3, 5, 5, 1]
    frame = long({"e1": e1, "e2": e2, "e3": e3, "judge": [2, 2, 3, 5, 4, 3]})
    options = {"reference": ["e1", "e2", "e3"], "n_boot": 0}
    mean = reliability(frame, item="item", rater="rater", value="score", **options)  # type: ignore[arg-type]
    median = reliability(frame, item="item", rater="rater", value="score", reference_aggregate="median", **options)  # type: ignore[arg-type]
    assert mean.results["rater"].tolist() == ["judge"]  # reference members are not judged by default
    assert mean.results.iloc[0]["reference_mean"] == pytest.approx(np.mean([e1, e2, e3]))
    assert median.results.iloc[0]["reference_mean"] == pytest.approx(np.median([e1, e2, e3], axis=0).mean())
    assert mean.reference == "reference" and mean.reference_raters == ("e1", "e2", "e3")
    x, y = [2, 2, 3, 5, 4, 3], list(np.mean([e1, e2, e3], axis=0))
    assert mean.results.iloc[0]["icc_a1"] == pytest.approx(pingouin_icc(x, y)[1], abs=1e-9)


def systems_frame() -> pd.DataFrame:
    """3 systems x 4 items, attribute empathy; judge 'alpha' is also system 'alpha' and inflates it by 2."""
    rng = np.random.default_rng(3)
    rows = []
    for s, system in enumerate(("alpha", "beta", "gamma", "delta")):
        for k in range(4):
            truth = 2 + s * 0.7 + rng.normal(0, 0.6)
            for rater, noise in (("human", 0.0), ("alpha", 0.4), ("other", 0.4)):
                value = truth + rng.normal(0, noise) + (2.0 if (rater, system) == ("alpha", "alpha") else 0.0)
                rows.append({"item": f"q{k}", "system": system, "rater": rater, "attribute": "empathy", "score": value})
    return pd.DataFrame(rows)


def test_system_level_scores_each_system_by_its_mean() -> None:
    frame = systems_frame()
    results = run(frame, system="system", attribute="attribute", n_boot=0)
    assert results[["level", "rater"]].values.tolist() == [
        ["item", "alpha"],
        ["item", "other"],
        ["system", "alpha"],
        ["system", "other"],
    ]
    items = results[results["level"] == "item"]
    assert items["n"].tolist() == [16, 16]  # items are (system, item): q0 of alpha is not q0 of beta
    row = results[(results["level"] == "system") & (results["rater"] == "other")].iloc[0]
    means = frame.groupby(["rater", "system"], sort=False)["score"].mean()
    x, y = means["other"].tolist(), means["human"].tolist()
    assert row["n"] == 4
    assert row["bias"] == pytest.approx(np.mean(x) - np.mean(y))
    assert row["mse"] == pytest.approx(np.mean((np.array(x) - np.array(y)) ** 2))
    c1, a1 = pingouin_icc(x, y)
    assert (row["icc_c1"], row["icc_a1"]) == (pytest.approx(c1, abs=1e-9), pytest.approx(a1, abs=1e-9))


def test_exclude_self_drops_a_judges_own_system_everywhere() -> None:
    frame = systems_frame()
    plain = reliability(frame, item="item", rater="rater", value="score", reference="human", system="system", n_boot=0)
    fair = reliability(
        frame, item="item", rater="rater", value="score", reference="human", system="system",
        exclude_self=[("alpha", "alpha")], n_boot=0,
    )  # fmt: skip
    before = plain.results.set_index(["level", "rater"])
    after = fair.results.set_index(["level", "rater"])
    assert before.loc[("item", "alpha"), "n"] == 16 and after.loc[("item", "alpha"), "n"] == 12
    assert after.loc[("system", "alpha"), "n"] == 3
    assert before.loc[("item", "alpha"), "bias"] > 0.3 > abs(after.loc[("item", "alpha"), "bias"])
    assert after.loc[("item", "other"), "n"] == 16  # other judges keep every rating
    counts = fair.counts.set_index("rater")
    assert counts.loc["alpha", "excluded_self"] == 4 and counts.loc["alpha", "paired"] == 12
    assert any("4 rating(s) of its own system left out" in note for note in fair.notes)
    mapping = reliability(
        frame, item="item", rater="rater", value="score", reference="human", system="system",
        exclude_self={"alpha": "alpha"}, n_boot=0,
    )  # fmt: skip
    pd.testing.assert_frame_equal(mapping.results, fair.results)


def test_exclude_self_needs_known_names_and_a_system_column() -> None:
    frame = systems_frame()
    base = {"item": "item", "rater": "rater", "value": "score", "reference": "human"}
    with pytest.raises(ParameterError, match="system column"):
        reliability(frame, exclude_self={"alpha": "alpha"}, **base)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"Unknown system 'omega'.*alpha, beta, gamma, delta"):
        reliability(frame, system="system", exclude_self={"alpha": "omega"}, **base)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="Unknown rater in exclude_self 'zed'"):
        reliability(frame, system="system", exclude_self={"zed": "alpha"}, **base)  # type: ignore[arg-type]


def test_classes_at_the_thresholds() -> None:
    good, moderate = MENTALALIGN_THRESHOLDS
    assert (good, moderate) == (0.355, 0.560)
    assert [classify(w) for w in (0.0, good, np.nextafter(good, 1), moderate, np.nextafter(moderate, 1), 2.0)] == [
        "good",
        "good",
        "moderate",
        "moderate",
        "poor",
        "poor",
    ]
    assert classify(0.3, (0.2, 0.4)) == "moderate" and classify(None) is None
    frame = long({"human": HUMAN, "judge": JUDGE})
    row = run(frame, n_boot=200).iloc[0]
    width = row["ci_width"]
    assert run(frame, n_boot=200, thresholds=(width, width + 0.1)).iloc[0]["reliability"] == "good"
    assert run(frame, n_boot=200, thresholds=(width - 1e-6, width)).iloc[0]["reliability"] == "moderate"
    assert run(frame, n_boot=200, thresholds=(width / 3, width / 2)).iloc[0]["reliability"] == "poor"
    for bad in [(0.5, 0.4), (0.3,), "0.3,0.5", (-0.1, 0.2)]:
        with pytest.raises(ParameterError, match="thresholds"):
            run(frame, thresholds=bad)


def test_a_rater_giving_one_value_everywhere_gets_no_class() -> None:
    report = reliability(
        long({"human": HUMAN, "judge": [1] * len(HUMAN)}), item="item", rater="rater", value="score",
        reference="human", n_boot=200,
    )  # fmt: skip
    row = report.results.iloc[0]
    assert abs(row["icc_a1"]) < 1e-9 and row["ci_width"] < 1e-9  # precisely zero agreement ...
    assert row["reliability"] is None  # ... is not "good" reliability
    assert any("same value (1)" in note and "no class" in note for note in report.notes)


def test_bad_values_are_counted_and_reported_not_dropped_silently() -> None:
    frame = long({"human": HUMAN, "judge": JUDGE, "lonely": JUDGE})
    frame["score"] = frame["score"].astype(object)
    frame.loc[(frame["rater"] == "judge") & (frame["item"] == "i00"), "score"] = "n.a."
    frame.loc[(frame["rater"] == "judge") & (frame["item"] == "i01"), "score"] = None
    frame.loc[(frame["rater"] == "human") & (frame["item"] == "i02"), "score"] = ""  # reference absent here
    frame = frame[(frame["rater"] != "lonely") | (frame["item"] == "i05")]  # a rater with one item
    report = reliability(frame, item="item", rater="rater", value="score", reference="human", n_boot=100)
    counts = report.counts.set_index("rater")
    assert list(report.counts.columns) == list(COUNT_FIELDS)
    assert counts.loc["judge", ["rows", "missing", "non_numeric", "no_reference", "paired"]].tolist() == [
        12,
        1,
        1,
        1,
        9,
    ]
    assert counts.loc["human", "missing"] == 1
    assert counts.loc["lonely", ["rows", "paired"]].tolist() == [1, 1]
    results = report.results.set_index("rater")
    assert results.loc["judge", "n"] == 9
    lonely = results.loc["lonely"]
    assert lonely["n"] == 1 and lonely["bias_ci95"] is None
    assert pd.isna(lonely["icc_c1"]) and pd.isna(lonely["icc_a1"]) and pd.isna(lonely["reliability"])
    notes = "\n".join(report.notes)
    assert "judge, score: 1 non-numeric value(s) ('n.a.') left out" in notes
    assert "judge, score: 1 missing rating(s) left out" in notes
    assert "judge, score: 1 rating(s) of items without a reference value left out" in notes
    assert "lonely, score: 1 item(s) rated with the reference; its ICCs are undefined" in notes
    assert "item level, lonely, score: ICC(A,1) undefined: 1 paired target(s)" in notes


def test_a_partial_aggregate_reference_is_noted() -> None:
    frame = long({"e1": HUMAN, "e2": HUMAN, "judge": JUDGE})
    frame = frame[~((frame["rater"] == "e2") & frame["item"].isin(["i00", "i01"]))]
    report = reliability(frame, item="item", rater="rater", value="score", reference=["e1", "e2"], n_boot=0)
    assert report.results.iloc[0]["n"] == 12
    assert any("2 item(s) lack some of its raters (mean of the others)" in note for note in report.notes)


def test_clear_errors_for_unknown_names_and_bad_tables() -> None:
    frame = long({"human": HUMAN, "judge": JUDGE})
    with pytest.raises(InputError, match=r"Column 'scores' not found\. Available columns: item, rater, score"):
        run(frame, value="scores")
    with pytest.raises(InputError, match="Column 'dimension' not found"):
        run(frame, attribute="dimension")
    with pytest.raises(InputError, match=r"Unknown reference rater 'expert'.*human, judge"):
        run(frame, reference="expert")
    with pytest.raises(InputError, match="Unknown rater 'gpt'"):
        run(frame, raters=["gpt"])
    with pytest.raises(InputError, match="part of the reference"):
        run(long({"human": HUMAN}))
    with pytest.raises(InputError, match="more than one 'score' rating from rater 'judge'"):
        run(pd.concat([frame, frame.tail(1)]))
    with pytest.raises(InputError, match="Row 3 has no 'rater' value"):
        run(frame.assign(rater=frame["rater"].where(frame.index != 3)))
    with pytest.raises(ParameterError, match="reference_aggregate"):
        run(frame, reference_aggregate="mode")
    with pytest.raises(ParameterError, match="kappa_weights"):
        run(frame, kappa_weights="cubic")


def test_pairs_reuse_agreements_kappa_and_alpha() -> None:
    frame = long({"e1": HUMAN, "e2": [min(5, v + 1) for v in HUMAN], "judge": JUDGE})
    report = reliability(
        frame, item="item", rater="rater", value="score", reference=["e1", "e2"], reference_name="experts",
        pairs="all", kappa_weights="linear", n_boot=100,
    )  # fmt: skip
    assert list(report.pairs.columns) == list(PAIR_FIELDS)
    assert report.pairs[["rater_a", "rater_b"]].values.tolist() == [
        ["e1", "e2"], ["e1", "judge"], ["e1", "experts"], ["e2", "judge"], ["e2", "experts"], ["judge", "experts"],
    ]  # fmt: skip
    row = report.pairs.iloc[1]
    two = frame[frame["rater"].isin(["e1", "judge"])]
    kappa = agreement(two, item="item", rater="rater", value="score", metric="cohen", level="interval",
                      weights="linear", n_boot=100)  # fmt: skip
    alpha = agreement(two, item="item", rater="rater", value="score", level="interval", n_boot=100)
    assert (row["n"], row["weights"]) == (12, "linear")
    assert row["kappa"] == pytest.approx(kappa.value) and row["kappa_ci95"] == pytest.approx(kappa.ci95)
    assert row["alpha"] == pytest.approx(alpha.value) and row["alpha_ci95"] == pytest.approx(alpha.ci95)
    chosen = reliability(frame, item="item", rater="rater", value="score", reference="e1", pairs=[("e1", "judge")])
    assert chosen.pairs[["rater_a", "rater_b"]].values.tolist() == [["e1", "judge"]]
    with pytest.raises(InputError, match="Unknown rater 'gpt' in pairs"):
        reliability(frame, item="item", rater="rater", value="score", reference="e1", pairs=[("e1", "gpt")])
    with pytest.raises(ParameterError, match="'all' or a sequence"):
        reliability(frame, item="item", rater="rater", value="score", reference="e1", pairs="every")
    with pytest.raises(InputError, match="reference name 'judge' is also a rater"):
        reliability(frame, item="item", rater="rater", value="score", reference=["e1", "e2"], reference_name="judge")


def test_attributes_and_json_shape() -> None:
    frame = pd.concat(
        [long({"human": HUMAN, "judge": JUDGE}).assign(attribute=a) for a in ("empathy", "safety")], ignore_index=True
    )
    report = reliability(frame, item="item", rater="rater", value="score", reference="human", attribute="attribute")
    data = report.to_dict()
    assert list(data) == ["results", "pairs", "counts", "notes"]
    assert [r["attribute"] for r in data["results"]] == ["empathy", "safety"]
    for row in data["results"]:
        assert list(row) == list(RESULT_FIELDS)
        assert isinstance(row["bias_ci95"], list) and len(row["bias_ci95"]) == 2
        assert row["reliability"] in ("good", "moderate", "poor")


def test_the_cli_default_thresholds_are_mentalalign_s() -> None:
    """The CLI writes the default out (so the analysis loads only when the command runs); it must not drift."""
    import inspect

    from affectlab.surfaces.cli.reliability import reliability as command

    default = inspect.signature(command).parameters["thresholds"].default
    assert tuple(float(v) for v in default.split(",")) == MENTALALIGN_THRESHOLDS
