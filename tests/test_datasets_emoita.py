"""emoita: EmoBank's sentences in Italian, split by the EmoBank split of each sentence's id."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.datasets import available_datasets, emobank, load_dataset


@pytest.mark.data
def test_emoita_follows_emobanks_split_on_the_canonical_scale() -> None:
    splits = {s: load_dataset("emoita", s) for s in ("train", "dev", "test")}
    assert [len(d.ids) for d in splits.values()] == [8062, 1000, 1000]
    for name, data in splits.items():
        assert set(data.ids) == set(emobank(name).ids)  # the English twin of every sentence is in the same split
        assert data.kind == "regression" and data.columns == ("valence", "arousal", "dominance")
        assert np.isfinite(data.targets).all() and data.targets.min() >= -1 and data.targets.max() <= 1
        assert all(text.strip() == text and text for text in data.texts)
    assert "emoita" in available_datasets()


@pytest.mark.data
def test_italian_and_english_readers_agree_on_valence_more_than_on_arousal() -> None:
    """The PROVENANCE check: r 0.75 for valence, 0.29 for arousal on EmoBank's test ids."""
    italian, english = load_dataset("emoita", "test"), emobank("test")
    order = {i: k for k, i in enumerate(english.ids)}
    paired = english.targets[[order[i] for i in italian.ids]]
    r = [np.corrcoef(italian.targets[:, j], paired[:, j])[0, 1] for j in range(3)]
    assert 0.70 < r[0] < 0.80 and 0.2 < r[1] < 0.4
