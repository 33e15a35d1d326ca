"""Taxonomies (label sets) and the mappings between them, loaded from data files.

Every taxonomy is a JSON file in ``core/taxonomies/`` naming its labels, its
kind and its source; every mapping is a JSON file in
``core/taxonomies/mappings/`` giving, for each source label, the target labels
it supports with a weight in (0, 1]. Hierarchical taxonomies (Parrott's tiers)
also map to their parent tier through their ``parent`` table.

Projection rules (:func:`project`), by the kind of the *target* taxonomy:

- ``multilabel`` targets (independent per-label probabilities): a target label
  is present when any source label that supports it is, treated as
  independent causes (noisy-OR): ``p(t) = 1 - prod_s (1 - w[s, t] * p(s))``.
  Probabilities stay in [0, 1] and never fall below the strongest single cause.
- ``exclusive`` targets (exactly one label is true, e.g. sentiment): the source
  probabilities are first normalised to a distribution over source labels,
  then mass flows along the mapping (rows normalised), and mass of source
  labels that map nowhere is dropped before renormalising. The result sums to 1.

Multi-step projections (e.g. GoEmotions -> Parrott tier 1) follow the chain with
the fewest lossy mappings (steps up a hierarchy are free) and apply these rules at each step.
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from affectlab.errors import TaxonomyError

__all__ = [
    "Mapping",
    "Taxonomy",
    "aliases",
    "available_taxonomies",
    "canonical_name",
    "label_links",
    "load_taxonomy",
    "mapping_path",
    "project",
    "register_mapping",
    "register_taxonomy",
    "vad_anchors",
]

ALIASES = {"parrott": "parrott-1"}
_RUNTIME: dict[str, Taxonomy] = {}
_MATRICES: dict[tuple[str, str], NDArray[np.float64]] = {}
_RUNTIME_MAPPINGS: dict[tuple[str, str], Mapping] = {}


@dataclass(frozen=True)
class Taxonomy:
    """A named label set.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"ekman"`` or ``"parrott-2"``.
    labels : tuple of str
        Label names (lower_snake), in the taxonomy's canonical order.
    kind : {"multilabel", "exclusive"}
        Whether several labels may hold at once.
    description, source, version : str
        What the label set is, its citation, and the data file's version.
    parent : dict of str to str
        For a lower tier of a hierarchy, each label's parent label.
    parent_taxonomy : str or None
        The taxonomy the ``parent`` labels belong to.
    """

    name: str
    labels: tuple[str, ...]
    kind: Literal["multilabel", "exclusive"]
    description: str
    source: str
    version: str
    parent: dict[str, str] = field(default_factory=dict)
    parent_taxonomy: str | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, label: str) -> int:
        """Position of ``label``; raises :class:`TaxonomyError` listing the labels if unknown."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise TaxonomyError(
                f"Unknown label {label!r} in taxonomy {self.name!r}. Known labels: {', '.join(self.labels)}."
            ) from None


@dataclass(frozen=True)
class Mapping:
    """Weighted links from the labels of one taxonomy to those of another."""

    source: str
    target: str
    weights: dict[str, dict[str, float]]
    rationale: str
    citation: str

    def matrix(self) -> NDArray[np.float64]:
        """Weights as an array of shape (n_source_labels, n_target_labels) (read-only, cached)."""
        key = (self.source, self.target)
        if key not in _MATRICES:
            _MATRICES[key] = self._build_matrix()
            _MATRICES[key].setflags(write=False)
        return _MATRICES[key]

    def _build_matrix(self) -> NDArray[np.float64]:
        src, tgt = load_taxonomy(self.source), load_taxonomy(self.target)
        out = np.zeros((len(src), len(tgt)))
        for s, targets in self.weights.items():
            for t, w in targets.items():
                out[src.index(s), tgt.index(t)] = w
        return out


def _files() -> resources.abc.Traversable:
    return resources.files("affectlab.core") / "taxonomies"


@cache
def _taxonomy_files() -> dict[str, dict[str, object]]:
    found = {}
    for entry in _files().iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            found[data["name"]] = data
    return found


def available_taxonomies() -> list[str]:
    """Names accepted by :func:`load_taxonomy` (aliases: ``parrott`` and ``parrott:N``)."""
    return sorted({*_taxonomy_files(), *_RUNTIME})


def register_taxonomy(taxonomy: Taxonomy) -> Taxonomy:
    """Make a label set known for this process (e.g. a custom model's own labels).

    Raises
    ------
    TaxonomyError
        If the name belongs to a shipped taxonomy with different labels.
    """
    shipped = _taxonomy_files().get(taxonomy.name)
    if shipped is not None and tuple(shipped["labels"]) != taxonomy.labels:
        raise TaxonomyError(f"Taxonomy {taxonomy.name!r} is shipped with other labels; choose another name.")
    _RUNTIME[taxonomy.name] = taxonomy
    return taxonomy


def aliases(name: str) -> list[str]:
    """Other spellings :func:`load_taxonomy` accepts for ``name`` (e.g. ``parrott:2`` for ``parrott-2``)."""
    key = canonical_name(name)
    found = [alias for alias, target in ALIASES.items() if target == key]
    match = re.fullmatch(r"parrott-([123])", key)
    if match:
        found.append(f"parrott:{match.group(1)}")
    return found


def canonical_name(name: str) -> str:
    """Resolve aliases: ``parrott`` -> ``parrott-1``, ``parrott:2`` -> ``parrott-2``."""
    name = name.strip().lower()
    name = ALIASES.get(name, name)
    match = re.fullmatch(r"parrott[:\-_ ]?([123])", name)
    return f"parrott-{match.group(1)}" if match else name


def load_taxonomy(name: str) -> Taxonomy:
    """Load a taxonomy by name.

    Raises
    ------
    TaxonomyError
        If the name is unknown; the message lists the available taxonomies.

    Examples
    --------
    >>> load_taxonomy("ekman").labels
    ('anger', 'disgust', 'fear', 'joy', 'sadness', 'surprise', 'neutral')
    """
    key = canonical_name(name)
    if key in _RUNTIME:
        return _RUNTIME[key]
    return _load_shipped(name, key)


@cache
def _load_shipped(name: str, key: str) -> Taxonomy:
    data = _taxonomy_files().get(key)
    if data is None:
        raise TaxonomyError(
            f"Unknown taxonomy {name!r}. Available: {', '.join(available_taxonomies())} "
            "(aliases: parrott, parrott:1, parrott:2, parrott:3)."
        )
    parent = data.get("parent") or {}
    return Taxonomy(
        name=key,
        labels=tuple(data["labels"]),
        kind=data["kind"],
        description=data["description"],
        source=data["source"],
        version=str(data["version"]),
        parent=dict(parent.get("of", {})),
        parent_taxonomy=parent.get("taxonomy"),
    )


@cache
def _mappings() -> dict[tuple[str, str], Mapping]:
    found: dict[tuple[str, str], Mapping] = {}
    for entry in (_files() / "mappings").iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            found[data["source"], data["target"]] = Mapping(
                data["source"], data["target"], data["map"], data["rationale"], data["citation"]
            )
    for name in _taxonomy_files():
        tax = load_taxonomy(name)
        if tax.parent_taxonomy:
            found[name, tax.parent_taxonomy] = Mapping(
                name,
                tax.parent_taxonomy,
                {c: {p: 1.0} for c, p in tax.parent.items()},
                "Each label counts towards its parent in the hierarchy.",
                tax.source,
            )
    return found


def register_mapping(mapping: Mapping) -> Mapping:
    """Make a mapping between two known taxonomies usable by :func:`project` for this process.

    A mapping registered for an existing (source, target) pair replaces it.

    Raises
    ------
    TaxonomyError
        If either taxonomy is unknown, or a label in ``mapping.weights`` is not one of theirs.

    Examples
    --------
    >>> register_mapping(Mapping("ekman", "sentiment", {"joy": {"positive": 1.0}}, "joy is positive", "-"))
    ... # doctest: +SKIP
    """
    source, target = load_taxonomy(mapping.source), load_taxonomy(mapping.target)
    for label, links in mapping.weights.items():
        source.index(label)
        for linked, weight in links.items():
            target.index(linked)
            if not 0.0 <= float(weight) <= 1.0:
                raise TaxonomyError(
                    f"Mapping {source.name} -> {target.name}: the weight of {label!r} -> {linked!r} must be in "
                    f"[0, 1]. Got {weight!r} instead."
                )
    _RUNTIME_MAPPINGS[source.name, target.name] = replace(mapping, source=source.name, target=target.name)
    _MATRICES.pop((source.name, target.name), None)
    _cached_path.cache_clear()
    return mapping


def _edges() -> dict[tuple[str, str], Mapping]:
    return {**_mappings(), **_RUNTIME_MAPPINGS}


def mapping_path(source: str, target: str) -> list[Mapping]:
    """Shortest chain of mappings from ``source`` to ``target`` (empty when equal).

    Raises
    ------
    TaxonomyError
        If no chain of mappings connects the two taxonomies.
    """
    return list(_cached_path(load_taxonomy(source).name, load_taxonomy(target).name))


@cache
def _cached_path(source: str, target: str) -> tuple[Mapping, ...]:
    if source == target:
        return ()
    edges = _edges()
    # Dijkstra: a step up a hierarchy (child tier -> parent tier) loses nothing and costs 0;
    # any other mapping costs 1, so the chain with the fewest lossy steps wins.
    best: dict[str, float] = {source: 0.0}
    previous: dict[str, tuple[str, str]] = {}
    heap = [(0.0, source)]
    while heap:
        cost, here = heapq.heappop(heap)
        if cost > best.get(here, np.inf):
            continue
        for a, b in edges:
            if a != here:
                continue
            step = 0.0 if load_taxonomy(a).parent_taxonomy == b else 1.0
            if cost + step < best.get(b, np.inf):
                best[b] = cost + step
                previous[b] = (a, b)
                heapq.heappush(heap, (cost + step, b))
    if target not in previous:
        reachable = sorted(set(best) - {source})
        raise TaxonomyError(
            f"No mapping leads from {source!r} to {target!r}. From {source!r} you can reach: "
            f"{', '.join(reachable) or 'nothing'}."
        )
    chain, node = [], target
    while node != source:
        chain.append(edges[previous[node]])
        node = previous[node][0]
    return tuple(chain[::-1])


def _step(probs: NDArray[np.float64], mapping: Mapping) -> NDArray[np.float64]:
    weights = mapping.matrix()
    if load_taxonomy(mapping.target).kind == "exclusive":
        dist = probs / np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
        row_sums = weights.sum(axis=1, keepdims=True)
        flow = np.divide(weights, row_sums, out=np.zeros_like(weights), where=row_sums > 0)
        out = dist @ flow
        total = out.sum(axis=1, keepdims=True)
        uniform = np.full_like(out, 1.0 / out.shape[1])
        return np.where(total > 1e-12, out / np.clip(total, 1e-12, None), uniform)
    # noisy-OR: 1 - prod_s (1 - w_st p_s), computed in log space.
    keep = np.clip(1.0 - probs[:, :, None] * weights[None, :, :], 1e-12, 1.0)
    return 1.0 - np.exp(np.log(keep).sum(axis=1))


def project(probs: ArrayLike, source: str, target: str) -> NDArray[np.float64]:
    """Project label probabilities from one taxonomy to another.

    Parameters
    ----------
    probs : array of shape (n_labels,) or (n_texts, n_labels)
        Probabilities in [0, 1], columns in the source taxonomy's label order.
    source, target : str
        Taxonomy names (see :func:`available_taxonomies`).

    Returns
    -------
    ndarray of shape (n_target_labels,) or (n_texts, n_target_labels)
        Probabilities in [0, 1]; rows sum to 1 when the target is ``exclusive``.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.zeros(28); p[load_taxonomy("goemotions").index("annoyance")] = 0.8
    >>> round(float(project(p, "goemotions", "ekman")[0]), 2)  # anger
    0.8
    """
    array = np.asarray(probs, dtype=np.float64)
    single = array.ndim == 1
    matrix = np.atleast_2d(array)
    n_source = len(load_taxonomy(source))
    if matrix.shape[1] != n_source:
        raise TaxonomyError(
            f"Taxonomy {source!r} has {n_source} labels but the probabilities have {matrix.shape[1]} columns."
        )
    for mapping in mapping_path(source, target):
        matrix = _step(matrix, mapping)
    return matrix[0] if single else matrix


def label_links(label: str, source: str, target: str) -> dict[str, float]:
    """Target labels that one source label supports, with the chained mapping weight in (0, 1].

    Examples
    --------
    >>> label_links("love", "goemotions", "plutchik")
    {'joy': 1.0, 'trust': 1.0}
    """
    src, tgt = load_taxonomy(source), load_taxonomy(target)
    weights = np.zeros(len(src))
    weights[src.index(label)] = 1.0
    for mapping in mapping_path(source, target):
        weights = np.clip(weights @ mapping.matrix(), 0.0, 1.0)
    return {t: round(float(w), 4) for t, w in zip(tgt.labels, weights) if w > 0}


@cache
def _anchor_file() -> dict[str, object]:
    return json.loads((_files() / "anchors" / "vad.json").read_text(encoding="utf-8"))


def vad_anchors(name: str) -> dict[str, tuple[float, float, float]]:
    """Per-label (valence, arousal, dominance) anchors in [-1, 1] for a taxonomy (empty if none).

    They are human EmoBank ratings averaged per label (see ``anchors/vad.json`` for the exact source);
    engines without a VAD head use their probability-weighted mean.

    Examples
    --------
    >>> vad_anchors("ekman")["joy"][0] > vad_anchors("ekman")["sadness"][0]
    True
    """
    table = _anchor_file()["anchors"].get(canonical_name(name), {})  # type: ignore[union-attr]
    return {label: (v[0], v[1], v[2]) for label, v in table.items()}
