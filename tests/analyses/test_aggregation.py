"""Label aggregation: majority, plurality (ties), union, soft shares; single- and multi-label; EmoBank."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from affectlab.analyses.aggregation import METHODS, aggregate_labels
from affectlab.datasets import data_dir
from affectlab.errors import InputError, ParameterError

SINGLE = pd.DataFrame(
    {
        "text_id": ["t2", "t2", "t2", "t1", "t1", "t1", "t1", "t3", "t3"],
        "label": ["joy", "joy", "anger", "fear", "joy", "fear", "joy", "sadness", "sadness"],
    }
)
MULTI = pd.DataFrame(
    {
        "id": [1, 1, 1, 1, 2, 2],
        "annotator": ["a", "b", "c", "c", "a", "b"],  # c gives two rows for item 1: merged
        "labels": ["joy, surprise", "joy", "surprise", "fear", "", None],
    }
)


def labels(frame: pd.DataFrame, method: str, **kwargs: object) -> list[str]:
    return aggregate_labels(frame, method=method, **kwargs)["labels"].tolist()


def test_single_label_methods() -> None:
    kwargs = {"item": "text_id", "value": "label"}
    assert labels(SINGLE, "majority", **kwargs) == ["joy", "", "sadness"]  # t1: 2 of 4 is not more than half
    assert labels(SINGLE, "plurality", **kwargs) == ["joy", "joy,fear", "sadness"]  # tie: first seen in the table
    assert labels(SINGLE, "all", **kwargs) == ["joy,anger", "joy,fear", "sadness"]
    out = aggregate_labels(SINGLE, method="plurality", **kwargs)
    assert out["text_id"].tolist() == ["t2", "t1", "t3"]  # first-seen order
    assert out["tied"].tolist() == [False, True, False]
    assert out["n_raters"].tolist() == [3, 4, 2]


def test_soft_shares_sum_to_one_for_single_labels() -> None:
    out = aggregate_labels(SINGLE, item="text_id", value="label", method="soft")
    assert list(out.columns) == ["text_id", "n_raters", "share.anger", "share.fear", "share.joy", "share.sadness"]
    shares = out.filter(like="share.")
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert out.loc[0, "share.joy"] == pytest.approx(2 / 3)
    assert out.loc[1, "share.fear"] == pytest.approx(0.5)


def test_soft_columns_in_label_order() -> None:
    numbers = pd.DataFrame({"item": [0, 0, 0, 1], "value": [4, 3, 10, 2.0]})
    out = aggregate_labels(numbers, item="item", value="value", method="soft")
    assert list(out.columns) == ["item", "n_raters", "share.2", "share.3", "share.4", "share.10"]  # not 4, 3, 10, 2
    assert out.loc[0, "share.10"] == pytest.approx(1 / 3)
    mixed = pd.DataFrame({"item": [0, 0], "value": ["b", "10"]})
    soft = aggregate_labels(mixed, item="item", value="value", method="soft")
    assert list(soft.columns)[2:] == ["share.10", "share.b"]


def test_multi_label_values_and_rater_rows_are_merged() -> None:
    kwargs = {"item": "id", "value": "labels", "rater": "annotator"}
    out = aggregate_labels(MULTI, method="majority", **kwargs)
    # item 1: raters a {joy, surprise}, b {joy}, c {surprise, fear}: joy 2/3, surprise 2/3, fear 1/3
    assert out["labels"].tolist() == ["joy,surprise", ""]
    assert out["n_raters"].tolist() == [3, 2]  # empty and missing values count as raters who chose nothing
    assert labels(MULTI, "all", **kwargs) == ["joy,surprise,fear", ""]
    soft = aggregate_labels(MULTI, method="soft", **kwargs)
    assert soft.loc[0, ["share.joy", "share.surprise", "share.fear"]].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    assert soft.loc[1].filter(like="share.").sum() == 0
    plurality = aggregate_labels(MULTI, method="plurality", **kwargs)
    assert plurality["labels"].tolist() == ["joy,surprise", ""]
    assert plurality["tied"].tolist() == [True, False]


def test_without_rater_column_every_row_is_a_rater() -> None:
    out = aggregate_labels(MULTI, item="id", value="labels", method="majority")
    assert out["n_raters"].tolist() == [4, 2]
    assert out["labels"].tolist() == [""] * 2  # joy and surprise: 2 of 4 rows


def test_labels_ordered_by_votes_then_first_seen() -> None:
    frame = pd.DataFrame({"item": [0] * 5, "value": ["b", "a", "a", "c", "b,a"]})
    assert labels(frame, "all", item="item", value="value") == ["a,b,c"]  # a 3, b 2, c 1
    tied = pd.DataFrame({"item": [0, 0, 1, 1], "value": ["b", "a", "a", "b"]})
    # Ties keep the table's first-seen label order (b before a), not each item's own.
    assert labels(tied, "plurality", item="item", value="value") == ["b,a", "b,a"]


def test_custom_separator_and_whole_numbers() -> None:
    frame = pd.DataFrame({"item": [0, 0, 0], "value": [3.0, 3.0, 4.0]})
    assert labels(frame, "majority", item="item", value="value") == ["3"]
    piped = pd.DataFrame({"item": [0, 0], "value": ["x|y", "y"]})
    assert labels(piped, "all", item="item", value="value", sep="|") == ["y|x"]


def test_no_labels_anywhere() -> None:
    frame = pd.DataFrame({"item": [0, 1], "value": [None, ""]})
    for method in ("majority", "plurality", "all"):
        assert labels(frame, method, item="item", value="value") == ["", ""]
    assert list(aggregate_labels(frame, item="item", value="value", method="soft").columns) == ["item", "n_raters"]


def test_errors() -> None:
    with pytest.raises(ParameterError, match=r"'method' parameter of aggregate_labels.*'soft'.*Got 'mode'"):
        aggregate_labels(SINGLE, item="text_id", value="label", method="mode")
    with pytest.raises(ParameterError, match="'sep' parameter"):
        aggregate_labels(SINGLE, item="text_id", value="label", sep="")
    with pytest.raises(InputError, match=r"Column 'rater' not found. Available columns: text_id, label"):
        aggregate_labels(SINGLE, item="text_id", value="label", rater="rater")
    assert set(METHODS) == {"majority", "plurality", "all", "soft"}


@pytest.mark.data
def test_emobank_ratings_as_categories_match_a_direct_count() -> None:
    path = data_dir() / "emobank" / "corpus_individual_reader_ratings.csv"
    frame = pd.read_csv(path, dtype={"id": str}).iloc[:5000]
    out = aggregate_labels(frame, item="id", value="A", method="plurality").set_index("id")
    majority = aggregate_labels(frame, item="id", value="A", method="majority").set_index("id")
    for item_id, group in frame.groupby("id", sort=False):
        counts = Counter(group["A"])
        top = max(counts.values())
        assert set(out.loc[item_id, "labels"].split(",")) == {str(v) for v, n in counts.items() if n == top}
        expected = [str(v) for v, n in counts.items() if n > len(group) / 2]
        assert majority.loc[item_id, "labels"] == (expected[0] if expected else "")
    assert list(out.index) == list(pd.unique(frame["id"]))
