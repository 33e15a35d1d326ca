"""enisear-ekman and goodnewseveryone-ekman: emotion without emotion words, with the shared seeded split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from affectlab.datasets import (
    GNE_EKMAN,
    SPLITS,
    XED_SPLIT_SEED,
    available_datasets,
    enisear,
    goodnewseveryone,
    load_dataset,
    seeded_split,
    strip_enisear_template,
)
from affectlab.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("enisear-ekman", "goodnewseveryone-ekman")
#: Sizes per split (train, dev, test), as documented in docs/datasets.md.
SIZES = {"enisear-ekman": (425, 140, 150), "goodnewseveryone-ekman": (2284, 759, 768)}
#: Rows per Ekman label over all three splits, as in the mapping tables of docs/datasets.md.
COUNTS = {
    "enisear-ekman": {"anger": 143, "disgust": 143, "fear": 143, "joy": 143, "sadness": 143},
    "goodnewseveryone-ekman": {"anger": 886, "disgust": 382, "fear": 419, "joy": 264, "sadness": 386, "surprise": 1474},
}
TEMPLATE = re.compile(r"^\s*(?:I\s+(?:felt|feel|was)\s+(?:\.\.\.|…)|\.\.\.|…)", re.IGNORECASE)


# -- the split helper (no data needed) ----------------------------------------------------------------


def test_seeded_split_keeps_xeds_permutation() -> None:
    n = 1003
    order = np.random.default_rng(XED_SPLIT_SEED).permutation(n)
    expected = np.empty(n, dtype="<U5")
    expected[order[: int(0.8 * n)]], expected[order[int(0.8 * n) : int(0.9 * n)]] = "train", "dev"
    expected[order[int(0.9 * n) :]] = "test"
    assert (seeded_split(range(n), seed=XED_SPLIT_SEED) == expected).all()


def test_seeded_split_ignores_row_order_and_stratifies() -> None:
    keys = [f"k{i:03d}" for i in range(200)]
    strata = ["a" if i % 4 else "b" for i in range(200)]
    split = dict(zip(keys, seeded_split(keys, seed=7, percent=(60, 20, 20), strata=strata)))
    reverse = dict(zip(keys[::-1], seeded_split(keys[::-1], seed=7, percent=(60, 20, 20), strata=strata[::-1])))
    assert split == reverse
    per = Counter((s, part) for s, part in zip(strata, (split[k] for k in keys)))
    assert (per["a", "train"], per["a", "dev"], per["a", "test"]) == (90, 30, 30)
    assert (per["b", "train"], per["b", "dev"], per["b", "test"]) == (30, 10, 10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"keys": [1, 1, 2], "seed": 0}, "unique ids"),
        ({"keys": [1, 2, 3], "seed": 0, "percent": (50, 30, 30)}, "summing to 100"),
        ({"keys": [1, 2, 3], "seed": 0, "strata": ["a"]}, "one label per key"),
    ],
)
def test_seeded_split_rejects_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        seeded_split(**kwargs)


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("I felt ... when my Gran passed away.", "My Gran passed away."),
        ("I feel … because I lied to my partner.", "I lied to my partner."),
        ("I felt ..., when my neighbour told me off.", "My neighbour told me off."),
        (
            "I felt a lot of … towards my friend because he stole my wallet.",
            "Towards my friend because he stole my wallet.",
        ),
        ("The last time I felt really ... was the day Stan Lee died.", "The day Stan Lee died."),
        ("I felt shame when I let down a friend.", "I let down a friend."),
        ("Why do poo and ... go together?!", "Why do poo and ... go together?!"),
    ],
)
def test_strip_enisear_template(text: str, event: str) -> None:
    assert strip_enisear_template(text) == event


# -- real data ----------------------------------------------------------------------------------------


@pytest.mark.data
@pytest.mark.parametrize("name", NAMES)
def test_sizes_ids_and_one_hot_labels(name: str) -> None:
    splits = {split: load_dataset(name, split) for split in SPLITS}
    assert tuple(len(splits[s]) for s in SPLITS) == SIZES[name]
    ids = [set(d.ids) for d in splits.values()]
    assert [len(i) for i in ids] == [len(d) for d in splits.values()], "ids repeat within a split"
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2]), "an id is in two splits"
    counts: Counter[str] = Counter()
    for data in splits.values():
        assert data.taxonomy == "ekman" and data.kind == "multilabel" and data.name == name
        assert set(np.unique(data.targets)) <= {0.0, 1.0} and (data.targets.sum(axis=1) == 1).all()
        assert all(text.strip() for text in data.texts)
        counts.update(dict(zip(data.columns, data.targets.sum(axis=0).astype(int).tolist())))
    assert dict(counts) == COUNTS[name]


@pytest.mark.data
@pytest.mark.parametrize("name", NAMES)
def test_split_is_deterministic(name: str) -> None:
    assert load_dataset(name, "dev").ids == load_dataset(name, "dev").ids
    assert load_dataset(name, "train").texts == load_dataset(name, "train").texts


@pytest.mark.data
def test_label_views_share_one_split() -> None:
    for split in SPLITS:
        assert set(enisear(split, "ekman").ids) <= set(enisear(split, None).ids)
        assert set(goodnewseveryone(split, "ekman").ids) <= set(goodnewseveryone(split, None).ids)
    assert sum(len(enisear(s, None)) for s in SPLITS) == 1001
    assert sum(len(goodnewseveryone(s, None)) for s in SPLITS) == 4999


@pytest.mark.data
def test_enisear_template_is_stripped() -> None:
    texts = [t for split in SPLITS for t in enisear(split, None).texts]
    assert not [t for t in texts if TEMPLATE.match(t)]
    assert sum(t.startswith(("Why do poo", "The most", "Ugh, the")) for t in texts) == 3  # no template: kept whole


@pytest.mark.data
def test_goodnewseveryone_notes_count_the_dropped_rows() -> None:
    data = goodnewseveryone("dev", "ekman")
    full = goodnewseveryone("dev", None)
    dropped = len(full) - len(data)
    assert any(note.startswith(f"{dropped} rows of this split dropped") for note in data.notes)
    assert set(GNE_EKMAN) | {"guilt", "shame", "pride", "trust"} <= set(full.columns)


@pytest.mark.data
@pytest.mark.parametrize("name", NAMES)
def test_unknown_split_is_a_clear_error(name: str) -> None:
    with pytest.raises(ParameterError, match=r"The 'split' parameter must be one of \['train', 'dev', 'test'\]"):
        load_dataset(name, "validation")


def test_unknown_grouping_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match="'grouping' parameter of enisear must be None or 'ekman'"):
        enisear("dev", "plutchik")


def test_both_are_registered() -> None:
    assert set(NAMES) <= set(available_datasets())


def test_documented_mapping_table_matches_the_code() -> None:
    page = (ROOT / "docs" / "datasets.md").read_text(encoding="utf-8")
    section = page.partition("## GoodNewsEveryone")[2]
    rows = dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", section, flags=re.M))
    assert len(rows) == 15
    assert {source: target for source, target in rows.items() if target != "dropped"} == GNE_EKMAN
