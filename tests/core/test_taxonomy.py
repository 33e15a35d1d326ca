"""Taxonomies and mappings: valid data, principled projection, every label reachable."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from affectlab.core import taxonomy as tx
from affectlab.errors import TaxonomyError

ALL = tx.available_taxonomies()
# Parrott's tertiary tier has 135 terms; GoEmotions' 28 labels name only some of them (docs/taxonomies.md).
# The minimum number of their labels reached is asserted instead.
PARTIAL = {"parrott-2": 18, "parrott-3": 26}


def test_expected_taxonomies_ship() -> None:
    assert {
        "goemotions",
        "ekman",
        "plutchik",
        "parrott-1",
        "parrott-2",
        "parrott-3",
        "semeval",
        "sentiment",
        "goemotions-sentiment",
    } <= set(ALL)
    assert len(tx.load_taxonomy("goemotions")) == 28
    assert len(tx.load_taxonomy("parrott-1")) == 7  # six primaries + neutral
    assert len(tx.load_taxonomy("parrott-3")) == 136  # 135 tertiary terms + neutral


@pytest.mark.parametrize("name", ALL)
def test_taxonomy_files_are_valid(name: str) -> None:
    t = tx.load_taxonomy(name)
    assert len(set(t.labels)) == len(t.labels)
    assert all(label == label.lower() and " " not in label for label in t.labels)
    assert t.source and t.description and t.kind in ("multilabel", "exclusive")
    for child, parent in t.parent.items():
        assert child in t.labels and parent in tx.load_taxonomy(t.parent_taxonomy).labels


def test_mapping_files_name_only_known_labels() -> None:
    folder = resources.files("affectlab.core") / "taxonomies" / "mappings"
    for entry in folder.iterdir():
        data = json.loads(entry.read_text(encoding="utf-8"))
        source, target = tx.load_taxonomy(data["source"]), tx.load_taxonomy(data["target"])
        assert data["rationale"] and data["citation"]
        for label, targets in data["map"].items():
            source.index(label)
            for t, weight in targets.items():
                target.index(t)
                assert 0 < weight <= 1


@pytest.mark.parametrize("target", ALL)
def test_every_label_is_reachable_from_goemotions(target: str) -> None:
    reached = set()
    for label in tx.load_taxonomy("goemotions").labels:
        reached |= set(tx.label_links(label, "goemotions", target))
    labels = set(tx.load_taxonomy(target).labels)
    if target in PARTIAL:
        assert len(reached) >= PARTIAL[target] and reached <= labels
    else:
        assert reached == labels, labels - reached


def test_parrott_tiers_nest() -> None:
    assert tx.label_links("grief", "goemotions", "parrott-3") == {"grief": 1.0}
    assert tx.label_links("grief", "goemotions", "parrott-2") == {"sadness": 1.0}
    assert tx.label_links("grief", "goemotions", "parrott-1") == {"sadness": 1.0}
    assert tx.label_links("love", "goemotions", "parrott-1") == {"love": 1.0}  # via the tree, not via Ekman


def test_exclusive_projection_sums_to_one() -> None:
    rng = np.random.default_rng(0)
    probs = rng.random((200, 28))
    out = tx.project(probs, "goemotions", "sentiment")
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert (out >= 0).all()


def test_exclusive_projection_moves_mass_exactly() -> None:
    names = tx.load_taxonomy("goemotions").labels
    probs = np.zeros(28)
    probs[names.index("joy")], probs[names.index("anger")], probs[names.index("neutral")] = 0.5, 0.25, 0.25
    np.testing.assert_allclose(tx.project(probs, "goemotions", "sentiment"), [0.5, 0.25, 0.25])


def test_multilabel_projection_is_noisy_or() -> None:
    names = tx.load_taxonomy("goemotions").labels
    probs = np.zeros(28)
    probs[names.index("anger")], probs[names.index("annoyance")] = 0.5, 0.4
    anger = tx.project(probs, "goemotions", "ekman")[tx.load_taxonomy("ekman").index("anger")]
    assert anger == pytest.approx(1 - 0.5 * 0.6)
    assert max(0.5, 0.4) <= anger <= min(1.0, 0.5 + 0.4)


def test_projection_keeps_probabilities_in_range_for_all_taxonomies() -> None:
    probs = np.random.default_rng(1).random((50, 28))
    for target in ALL:
        out = tx.project(probs, "goemotions", target)
        assert out.shape == (50, len(tx.load_taxonomy(target)))
        assert (out >= 0).all() and (out <= 1 + 1e-12).all()


def test_half_weights_count_half() -> None:
    names = tx.load_taxonomy("goemotions").labels
    probs = np.zeros(28)
    probs[names.index("confusion")] = 0.8
    surprise = tx.project(probs, "goemotions", "parrott-3")[tx.load_taxonomy("parrott-3").index("surprise")]
    assert surprise == pytest.approx(0.4)


def test_errors_name_the_alternatives() -> None:
    with pytest.raises(TaxonomyError, match=r"Available: .*ekman"):
        tx.load_taxonomy("wheel")
    with pytest.raises(TaxonomyError, match=r"Known labels: .*anger"):
        tx.load_taxonomy("ekman").index("rage")
    with pytest.raises(TaxonomyError, match="columns"):
        tx.project(np.zeros(5), "goemotions", "ekman")


def test_aliases() -> None:
    assert tx.load_taxonomy("parrott").name == "parrott-1"
    assert tx.load_taxonomy("Parrott:3").name == "parrott-3"


def test_custom_taxonomy_registration() -> None:
    custom = tx.register_taxonomy(tx.Taxonomy("test-stars", ("one", "two"), "exclusive", "d", "s", "1"))
    assert tx.load_taxonomy("test-stars") is custom
    with pytest.raises(TaxonomyError, match="No mapping"):
        tx.mapping_path("test-stars", "ekman")
    with pytest.raises(TaxonomyError, match="shipped"):
        tx.register_taxonomy(tx.Taxonomy("ekman", ("x",), "exclusive", "d", "s", "1"))


def test_vad_anchors_are_valid_and_ordered() -> None:
    for name in ("goemotions", "ekman", "plutchik", "sentiment"):
        anchors = tx.vad_anchors(name)
        assert anchors and set(anchors) <= set(tx.load_taxonomy(name).labels)
        assert all(-1 <= x <= 1 for values in anchors.values() for x in values)
    ekman = tx.vad_anchors("ekman")
    assert ekman["joy"][0] > ekman["neutral"][0] > ekman["sadness"][0]
    assert tx.vad_anchors("sentiment")["positive"][0] > tx.vad_anchors("sentiment")["negative"][0]
    assert tx.vad_anchors("no-such-taxonomy") == {}
