"""Agreement statistics: published hand-checkable cases, reference packages on EmoBank, undefined cases, errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.agreement import METRICS, AgreementResult, agreement, compare_with_model, rater_from_order
from affectlab.datasets import data_dir
from affectlab.errors import InputError, ParameterError

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers x 12 units, values 1-5.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
# Fleiss' kappa example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, counts per category 1-5.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def long_from_matrix(matrix: list[list[float]], *, raters_by_row: bool) -> pd.DataFrame:
    """(item, rater, value) rows from a raters x items (or items x raters) matrix; NaN cells are left out."""
    data = np.asarray(matrix, dtype=float)
    if not raters_by_row:
        data = data.T
    rows = [
        {"item": f"u{u}", "rater": f"r{r}", "value": data[r, u]}
        for u in range(data.shape[1])
        for r in range(data.shape[0])
        if not np.isnan(data[r, u])
    ]
    return pd.DataFrame(rows)


def long_from_counts(counts: list[list[int]]) -> pd.DataFrame:
    rows = []
    for i, row in enumerate(counts):
        labels = [category for category, n in enumerate(row, start=1) for _ in range(n)]
        rows += [{"item": i, "rater": k, "value": label} for k, label in enumerate(labels)]
    return pd.DataFrame(rows)


def run(frame: pd.DataFrame, **kwargs: object) -> AgreementResult:
    return agreement(frame, item="item", rater="rater", value="value", **{"n_boot": 0, **kwargs})


def pingouin_icc(frame: pd.DataFrame, item: str, rater: str, value: str) -> dict[str, float]:
    """ICC(C,1) and ICC(A,1) from pingouin, whatever its label spelling ('ICC3'/'ICC2' or 'ICC(C,1)'/'ICC(A,1)')."""
    pingouin = pytest.importorskip("pingouin")
    with warnings.catch_warnings():  # pingouin's own pandas deprecation warnings
        warnings.simplefilter("ignore")
        table = pingouin.intraclass_corr(data=frame, targets=item, raters=rater, ratings=value)
    table = table.set_index("Type")["ICC"]
    return {
        "icc_c1": float(table.get("ICC(C,1)", table.get("ICC3"))),
        "icc_a1": float(table.get("ICC(A,1)", table.get("ICC2"))),
    }


# ------------------------------------------------------------------------------------ hand-checkable cases


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_krippendorff_2011_example(level: str, published: float) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    result = run(long_from_matrix(KRIPPENDORFF_2011, raters_by_row=True), metric="krippendorff", level=level)
    assert round(result.value, 3) == published
    reference = krippendorff.alpha(reliability_data=np.array(KRIPPENDORFF_2011), level_of_measurement=level)
    assert result.value == pytest.approx(reference, abs=5e-4)
    # Unit 12 has a single value: not pairable. 40 values in all, 1 left out.
    assert (result.n_items, result.n_raters, result.n_ratings) == (11, 4, 40)
    assert any("rated once" in note for note in result.notes)


def test_icc_shrout_fleiss_example() -> None:
    frame = long_from_matrix(SHROUT_FLEISS, raters_by_row=False)
    consistency, absolute = run(frame, metric="icc_c1"), run(frame, metric="icc_a1")
    # Shrout & Fleiss report ICC(3,1) = 0.71 and ICC(2,1) = 0.29 (McGraw & Wong's ICC(C,1) and ICC(A,1)).
    assert round(consistency.value, 2) == 0.71
    assert round(absolute.value, 2) == 0.29
    reference = pingouin_icc(frame, "item", "rater", "value")
    assert consistency.value == pytest.approx(reference["icc_c1"], abs=5e-4)
    assert absolute.value == pytest.approx(reference["icc_a1"], abs=5e-4)
    assert consistency.level == "interval"
    assert (consistency.n_items, consistency.n_raters, consistency.n_ratings) == (6, 4, 24)


def test_fleiss_wikipedia_example() -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    result = run(long_from_counts(FLEISS_COUNTS), metric="fleiss")
    assert round(result.value, 3) == 0.210
    assert result.value == pytest.approx(inter_rater.fleiss_kappa(np.array(FLEISS_COUNTS)), abs=5e-4)
    assert (result.n_items, result.n_ratings) == (10, 140)


def test_cohen_by_hand() -> None:
    # 10 items; a and b agree on 7 (4 yes-yes, 3 no-no). a: 6 yes; b: 5 yes.
    a = ["y"] * 6 + ["n"] * 4
    b = ["y", "y", "y", "y", "n", "n", "y", "n", "n", "n"]
    frame = pd.DataFrame({"item": list(range(10)) * 2, "rater": ["a"] * 10 + ["b"] * 10, "value": a + b})
    # p_o = 0.7; p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    assert run(frame, metric="cohen").value == pytest.approx(0.4)


def test_cohen_weights_by_hand() -> None:
    # Two items, ratings (1, 2) and (3, 3) on categories 1..3. Linear: observed |1-2| = 1 on one item.
    frame = pd.DataFrame({"item": [0, 0, 1, 1], "rater": ["a", "b"] * 2, "value": [1, 2, 3, 3]})
    # rows a: {1: 1, 3: 1}; cols b: {2: 1, 3: 1}; expected cells 1/2 * (1,2),(1,3),(3,2),(3,3)
    # linear: observed 1 / 2 items; expected (1 + 2 + 1 + 0) / 4 = 1 -> kappa = 1 - 0.5 / 1 = 0.5
    linear = run(frame, metric="cohen", level="ordinal")
    assert linear.weights == "linear"
    assert linear.value == pytest.approx(0.5)
    # quadratic: observed 1 / 2; expected (1 + 4 + 1 + 0) / 4 = 1.5 -> kappa = 1 - 0.5 / 1.5 = 2/3
    assert run(frame, metric="cohen", level="interval").value == pytest.approx(2 / 3)
    assert run(frame, metric="cohen", level="ordinal", weights="quadratic").value == pytest.approx(2 / 3)


def test_perfect_agreement_is_one() -> None:
    frame = pd.DataFrame({"item": [0, 0, 1, 1, 2, 2], "rater": ["a", "b"] * 3, "value": [1, 1, 2, 2, 3, 3]})
    for metric in METRICS:
        level = "interval" if metric.startswith("icc") else "nominal"
        assert run(frame, metric=metric, level=level).value == pytest.approx(1.0), metric


@pytest.mark.parametrize(
    ("values", "level"),
    [
        ([1, 2, 2, 3, 5, 4], "interval"),
        (pd.Categorical(list("lmmhhh"), categories=list("lmh"), ordered=True), "ordinal"),
        (list("xyyzzz"), "nominal"),
    ],
)
def test_default_level_follows_the_ratings(values: object, level: str) -> None:
    frame = pd.DataFrame({"item": [0, 0, 1, 1, 2, 2], "rater": ["a", "b"] * 3, "value": values})
    result = run(frame)
    assert result.level == level
    assert any(f"level {level!r} chosen" in note for note in result.notes)
    assert result.value == pytest.approx(run(frame, level=level).value)
    assert not any("chosen" in note for note in run(frame, level=level).notes)  # no note when level is given


def test_default_level_on_a_numeric_scale_is_not_nominal() -> None:
    frame = long_from_matrix(KRIPPENDORFF_2011, raters_by_row=True)
    assert run(frame).value == pytest.approx(0.849, abs=5e-4)  # the interval alpha, not the nominal 0.743
    assert run(frame, metric="cohen", raters=["r0", "r1"]).weights == "quadratic"
    assert run(frame, metric="fleiss").level == "nominal"  # a metric with one level keeps it


def test_ordered_categories_use_their_order() -> None:
    ranks = [1, 2, 2, 3, 3, 3, 1, 1]
    labels = pd.Categorical.from_codes([r - 1 for r in ranks], categories=["low", "mid", "high"], ordered=True)
    base = {"item": [0, 0, 1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 4}
    ordered = run(pd.DataFrame({**base, "value": labels}))
    assert ordered.value == pytest.approx(run(pd.DataFrame({**base, "value": ranks}), level="ordinal").value)


# ------------------------------------------------------------------------------------------- missing data


def test_missing_ratings_match_krippendorff_package() -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 6, size=60)
    matrix = np.clip(truth + rng.integers(-1, 2, size=(5, 60)), 1, 5).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    frame = long_from_matrix(matrix.tolist(), raters_by_row=True)
    for level in ("nominal", "ordinal", "interval"):
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert run(frame, level=level).value == pytest.approx(expected, abs=5e-4)


def test_missing_values_in_the_table_are_missing_ratings() -> None:
    frame = pd.DataFrame(
        {"item": [0, 0, 1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 4, "value": ["x", "x", "y", "y", "x", None, "", "y"]}
    )
    complete = frame.iloc[:4]
    result = run(frame)
    assert result.value == run(complete).value
    assert result.n_ratings == 4


def test_icc_uses_the_largest_complete_block_and_says_so() -> None:
    frame = long_from_matrix(SHROUT_FLEISS, raters_by_row=False)
    extra = pd.DataFrame({"item": ["u0"], "rater": ["r9"], "value": [3.0]})  # a rater with one rating
    result = run(pd.concat([frame, extra]), metric="icc_c1")
    assert result.value == pytest.approx(run(frame, metric="icc_c1").value)
    assert result.n_raters == 4
    assert any("complete item-by-rater" in note for note in result.notes)


def test_fleiss_keeps_items_with_the_common_count() -> None:
    frame = long_from_counts(FLEISS_COUNTS)
    extra = pd.DataFrame({"item": [99, 99], "rater": [0, 1], "value": [1, 2]})
    result = run(pd.concat([frame, extra]), metric="fleiss")
    assert result.value == pytest.approx(run(frame, metric="fleiss").value)
    assert result.n_items == 10
    assert any("same number of ratings" in note for note in result.notes)


# ------------------------------------------------------------------------------------- undefined results


def assert_undefined(result: AgreementResult, phrase: str) -> None:
    assert result.value is None
    assert result.ci95 is None
    assert result.undefined is not None and phrase in result.undefined
    json.dumps(result.to_dict(), allow_nan=False)  # never NaN


@pytest.mark.parametrize("metric", METRICS)
def test_single_rater_is_undefined(metric: str) -> None:
    frame = pd.DataFrame({"item": [0, 1, 2], "rater": ["a"] * 3, "value": [1, 2, 3]})
    level = "interval" if metric.startswith("icc") else "nominal"
    assert_undefined(run(frame, metric=metric, level=level, n_boot=20), "one rater")


@pytest.mark.parametrize("metric", METRICS)
def test_constant_ratings_are_undefined(metric: str) -> None:
    frame = pd.DataFrame({"item": [0, 0, 1, 1, 2, 2], "rater": ["a", "b"] * 3, "value": [4] * 6})
    level = "interval" if metric.startswith("icc") else "nominal"
    assert_undefined(run(frame, metric=metric, level=level, n_boot=20), "same value")


@pytest.mark.parametrize("metric", ["krippendorff", "fleiss"])
def test_no_pairable_items_is_undefined(metric: str) -> None:
    frame = pd.DataFrame({"item": [0, 1, 2, 3], "rater": ["a", "b", "a", "b"], "value": [1, 2, 1, 2]})
    assert_undefined(run(frame, metric=metric), "pairable")


def test_cohen_and_icc_without_shared_items_are_undefined() -> None:
    frame = pd.DataFrame({"item": [0, 1, 2, 3], "rater": ["a", "b", "a", "b"], "value": [1, 2, 1, 2]})
    assert_undefined(run(frame, metric="cohen"), "rated by both")
    assert_undefined(run(frame, metric="icc_a1"), "same two or more raters")


def test_cohen_with_more_than_two_raters_is_undefined_and_raters_picks_two() -> None:
    frame = long_from_matrix(SHROUT_FLEISS, raters_by_row=False)
    assert_undefined(run(frame, metric="cohen"), "exactly two raters")
    assert run(frame, metric="cohen", raters=["r0", "r3"]).n_raters == 2


def test_cohen_when_both_raters_use_one_category_each() -> None:
    frame = pd.DataFrame({"item": [0, 0, 1, 1], "rater": ["a", "b"] * 2, "value": ["x", "y", "x", "y"]})
    # p_o = 0, p_e = 0: kappa = 0 (not undefined); sklearn agrees.
    assert run(frame, metric="cohen").value == pytest.approx(0.0)


def test_no_ratings_at_all_is_undefined() -> None:
    frame = pd.DataFrame({"item": [0, 1], "rater": ["a", "b"], "value": [None, None]})
    assert_undefined(run(frame), "no ratings")


# ------------------------------------------------------------------------------------------- bad input


def test_unknown_metric_lists_the_allowed_values() -> None:
    frame = long_from_counts(FLEISS_COUNTS)
    with pytest.raises(ParameterError, match=r"'metric' parameter of agreement.*'icc_a1'.*'krippendorff'.*Got 'kappa'"):
        run(frame, metric="kappa")


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"level": "ratio"}, "'level' parameter"),
        ({"metric": "fleiss", "level": "ordinal"}, "for metric 'fleiss'"),
        ({"metric": "icc_c1", "level": "nominal"}, "for metric 'icc_c1'"),
        ({"metric": "cohen", "weights": "cubic", "level": "ordinal"}, "'linear', 'quadratic'"),
        ({"metric": "cohen", "weights": "linear", "level": "nominal"}, "needs ordered categories"),
        ({"metric": "fleiss", "weights": "linear"}, "applies to metric 'cohen' only"),
        ({"n_boot": -1}, "'n_boot' parameter of agreement must be an int >= 0"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(ParameterError, match=phrase):
        run(long_from_counts(FLEISS_COUNTS), **kwargs)


def test_missing_column_lists_the_available_columns() -> None:
    frame = long_from_counts(FLEISS_COUNTS)
    with pytest.raises(InputError, match=r"Column 'label' not found. Available columns: item, rater, value"):
        agreement(frame, item="item", rater="rater", value="label")


def test_non_numeric_ratings_at_interval_level() -> None:
    frame = pd.DataFrame({"item": [0, 0], "rater": ["a", "b"], "value": ["low", "3"]})
    with pytest.raises(InputError, match=r"numeric ratings.*'low'"):
        run(frame, level="interval")


def test_repeated_item_rater_pairs_are_refused_where_identity_matters() -> None:
    frame = pd.DataFrame({"item": [0, 0, 0, 1, 1], "rater": ["a", "a", "b", "a", "b"], "value": [1, 2, 1, 3, 3]})
    with pytest.raises(InputError, match="Item 0 has more than one rating from rater 'a'"):
        run(frame, metric="icc_c1")
    assert run(frame, metric="krippendorff").value is not None  # alpha does not use rater identity


def test_unknown_rater_in_raters() -> None:
    with pytest.raises(InputError, match="Rater\\(s\\) zed not found"):
        run(long_from_counts(FLEISS_COUNTS), raters=["zed"])


def test_missing_item_id() -> None:
    frame = pd.DataFrame({"item": [0, None], "rater": ["a", "b"], "value": [1, 2]})
    with pytest.raises(InputError, match="Row 1 has no 'item' id"):
        run(frame)


# --------------------------------------------------------------------------------------------- bootstrap


def test_bootstrap_interval_is_seeded_and_brackets_the_value() -> None:
    frame = long_from_matrix(KRIPPENDORFF_2011, raters_by_row=True)
    first = run(frame, level="interval", n_boot=300, seed=7)
    assert first.ci95 is not None and first.ci95[0] < first.value < first.ci95[1]
    assert run(frame, level="interval", n_boot=300, seed=7).ci95 == first.ci95
    assert run(frame, level="interval", n_boot=300, seed=8).ci95 != first.ci95
    assert run(frame, level="interval").ci95 is None  # n_boot=0
    assert first.n_boot == 300


def test_undefined_replicates_are_counted() -> None:
    # Two items only: many replicates draw one item twice, where the ratings do not vary.
    frame = pd.DataFrame({"item": [0, 0, 1, 1], "rater": ["a", "b"] * 2, "value": [1, 1, 2, 2]})
    result = run(frame, n_boot=50)
    assert result.value == pytest.approx(1.0)
    assert any("bootstrap replicates were undefined" in note for note in result.notes)


def test_to_dict_is_json_ready() -> None:
    result = run(long_from_counts(FLEISS_COUNTS), metric="fleiss", n_boot=20)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) >= {"metric", "level", "value", "ci95", "n_items", "n_raters", "n_ratings", "undefined"}
    assert len(data["ci95"]) == 2


# ------------------------------------------------------------------------------------------ rater order


def test_rater_from_order_numbers_ratings_within_items() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "a", "a", "b"], "V": [1, 2, 3, 4, 5]})
    assert rater_from_order(frame, "id")["rater"].tolist() == [1, 1, 2, 3, 2]
    assert "rater" not in frame.columns
    with pytest.raises(InputError, match="already has a 'V' column"):
        rater_from_order(frame, "id", column="V")


def test_krippendorff_ignores_rater_identity_but_icc_does_not() -> None:
    frame = long_from_matrix(SHROUT_FLEISS, raters_by_row=False)
    rng = np.random.default_rng(0)
    shuffled = frame.assign(
        rater=frame.groupby("item")["rater"].transform(lambda raters: rng.permutation(raters.to_numpy()))
    )
    assert run(shuffled, level="interval").value == pytest.approx(run(frame, level="interval").value)
    assert run(shuffled, metric="icc_a1").value != pytest.approx(run(frame, metric="icc_a1").value)


# ---------------------------------------------------------------------------------------- model as rater


def test_model_that_inflates_scores_ranks_like_the_humans() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(3, 1, 80)
    frame = pd.DataFrame(
        [{"item": i, "rater": r, "value": truth[i] + rng.normal(0, 0.5)} for i in range(80) for r in "abc"]
    )
    means = frame.groupby("item")["value"].mean()
    table = compare_with_model(
        frame, means + 1.5, item="item", rater="rater", value="value", metrics=["icc_c1", "icc_a1"], n_boot=30
    )
    rows = table.set_index(["comparison", "metric"])["value"]
    assert rows[("model vs human mean", "pearson")] == pytest.approx(1.0)
    # A shifted model keeps consistency high but loses absolute agreement.
    assert rows[("humans + model", "icc_c1")] > rows[("humans", "icc_c1")]
    assert rows[("humans + model", "icc_a1")] < rows[("humans + model", "icc_c1")] - 0.2
    assert rows[("model vs mean of other humans", "pearson")] > rows[("human vs mean of other humans", "pearson")]
    assert table["ci95_lo"].notna().all()
    assert list(table["comparison"][:3]) == ["humans", "humans + model", "model replaces a human"]


def test_model_as_rater_on_nominal_labels_and_left_out_items() -> None:
    frame = long_from_counts(FLEISS_COUNTS)
    model = {i: 3 for i in range(8)}  # items 8 and 9 have no model value
    table = compare_with_model(
        frame, model, item="item", rater="rater", value="value", metrics=["krippendorff", "fleiss"], n_boot=0
    )
    assert set(table["metric"]) == {"krippendorff", "fleiss", "pearson"}
    humans = table[(table["comparison"] == "humans") & (table["metric"] == "fleiss")].iloc[0]
    assert humans["n_items"] == 8
    assert "2 items without a model value were left out" in humans["notes"]
    added = table[(table["comparison"] == "humans + model") & (table["metric"] == "fleiss")].iloc[0]
    assert added["n_raters"] == 15


def test_model_replacing_each_human_in_turn() -> None:
    a = ["y"] * 6 + ["n"] * 4
    b = ["y", "y", "y", "y", "n", "n", "y", "n", "n", "n"]
    frame = pd.DataFrame({"item": list(range(10)) * 2, "rater": ["a"] * 10 + ["b"] * 10, "value": a + b})
    table = compare_with_model(
        frame, dict(enumerate(a)), item="item", rater="rater", value="value", metrics=["cohen"], n_boot=0
    ).set_index("comparison")
    # The model copies rater a: replacing a gives kappa(a, b) = 0.4, replacing b gives kappa(a, a) = 1.
    assert table.loc["humans", "value"] == pytest.approx(0.4)
    assert table.loc["model replaces a human", "value"] == pytest.approx((0.4 + 1.0) / 2)
    assert pd.isna(table.loc["humans + model", "value"])  # missing in the DataFrame, with the reason beside it
    assert "exactly two raters" in table.loc["humans + model", "undefined"]


def test_model_as_rater_errors() -> None:
    frame = long_from_counts(FLEISS_COUNTS)
    with pytest.raises(InputError, match="No item of the ratings table has a model value"):
        compare_with_model(frame, {"other": 1}, item="item", rater="rater", value="value")
    with pytest.raises(InputError, match="also a human rater's id"):
        compare_with_model(frame, {0: 1}, item="item", rater="rater", value="value", model_rater="0")
    with pytest.raises(ParameterError, match="sequence of names"):
        compare_with_model(frame, {0: 1}, item="item", rater="rater", value="value", metrics="fleiss")


# ------------------------------------------------------------------------------------- EmoBank cross-checks


@pytest.fixture(scope="module", params=["reader", "writer"])
def emobank(request: pytest.FixtureRequest) -> pd.DataFrame:
    path = data_dir() / "emobank" / f"corpus_individual_{request.param}_ratings.csv"
    return rater_from_order(pd.read_csv(path, dtype={"id": str}), "id")


def emobank_kwargs(dimension: str) -> dict[str, object]:
    return {"item": "id", "rater": "rater", "value": dimension, "n_boot": 0}


@pytest.mark.data
@pytest.mark.parametrize("dimension", ["V", "A", "D"])
def test_emobank_krippendorff_matches_package(emobank: pd.DataFrame, dimension: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    matrix = emobank.pivot(index="rater", columns="id", values=dimension).to_numpy(dtype=float)
    for level in ("nominal", "ordinal", "interval"):
        ours = agreement(emobank, metric="krippendorff", level=level, **emobank_kwargs(dimension))
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert round(ours.value, 3) == round(expected, 3)
        assert ours.value == pytest.approx(expected, abs=1e-9)
        assert ours.n_items == emobank["id"].nunique()


@pytest.mark.data
@pytest.mark.parametrize("dimension", ["V", "A", "D"])
def test_emobank_icc_matches_pingouin(emobank: pd.DataFrame, dimension: str) -> None:
    # Raters 1-5 rate every item; the ICC picks that complete block itself. pingouin gets it explicitly.
    block = emobank[emobank["rater"] <= 5]
    expected = pingouin_icc(block, "id", "rater", dimension)
    for metric in ("icc_c1", "icc_a1"):
        ours = agreement(emobank, metric=metric, **emobank_kwargs(dimension))
        assert round(ours.value, 3) == round(expected[metric], 3)
        assert ours.value == pytest.approx(expected[metric], abs=1e-9)
        assert (ours.n_items, ours.n_raters) == (emobank["id"].nunique(), 5)


@pytest.mark.data
@pytest.mark.parametrize("dimension", ["V", "A", "D"])
def test_emobank_cohen_matches_sklearn(emobank: pd.DataFrame, dimension: str) -> None:
    from sklearn.metrics import cohen_kappa_score

    wide = emobank.pivot(index="id", columns="rater", values=dimension)
    pair = (1, 3)
    a, b = wide[pair[0]].to_numpy(), wide[pair[1]].to_numpy()
    for level, weights in (("nominal", None), ("ordinal", "linear"), ("interval", "quadratic")):
        ours = agreement(emobank, metric="cohen", level=level, raters=pair, **emobank_kwargs(dimension))
        expected = cohen_kappa_score(a, b, weights=weights)
        assert round(ours.value, 3) == round(expected, 3)
        assert ours.value == pytest.approx(expected, abs=1e-9)
        assert (ours.n_items, ours.n_raters, ours.weights) == (len(wide), 2, weights)


@pytest.mark.data
@pytest.mark.parametrize("dimension", ["V", "A", "D"])
def test_emobank_fleiss_matches_statsmodels(emobank: pd.DataFrame, dimension: str) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    sizes = emobank.groupby("id")["id"].transform("size")
    five = emobank[sizes == 5].pivot(index="id", columns="rater", values=dimension).to_numpy()
    table, _ = inter_rater.aggregate_raters(five)
    ours = agreement(emobank, metric="fleiss", **emobank_kwargs(dimension))
    expected = inter_rater.fleiss_kappa(table)
    assert round(ours.value, 3) == round(expected, 3)
    assert ours.value == pytest.approx(expected, abs=1e-9)
    assert ours.n_items == len(five)


@pytest.mark.data
def test_emobank_bootstrap_interval(emobank: pd.DataFrame) -> None:
    result = agreement(emobank, item="id", rater="rater", value="V", level="interval", n_boot=100, seed=1)
    lo, hi = result.ci95
    assert lo < result.value < hi
    assert hi - lo < 0.05  # 10,548 items: a narrow interval
