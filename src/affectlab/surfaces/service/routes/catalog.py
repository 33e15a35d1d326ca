"""What the server can do: its models, the taxonomies, label links and projections between taxonomies."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Path, Query

from affectlab.core import taxonomy as tx
from affectlab.errors import TaxonomyError
from affectlab.surfaces.service.models import (
    LabelLinks,
    ModelInfo,
    ModelList,
    ProjectRequest,
    ProjectResponse,
    TaxonomyDetail,
    TaxonomySummary,
)
from affectlab.surfaces.service.routes._deps import ServiceDep

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/models", response_model=ModelList, summary="Models of this server")
def models(service: ServiceDep) -> ModelList:
    """The models loaded at start-up, the default first; pass a `name` as `model` in requests."""
    return ModelList(
        models=[
            ModelInfo(
                name=name,
                engine=engine.name,
                version=engine.version,
                native_taxonomy=engine.native_taxonomy,
                default=name == service.settings.default_model,
            )
            for name, engine in service.engines.items()
        ]
    )


@router.get("/taxonomies", response_model=list[TaxonomySummary], summary="Taxonomies")
def taxonomies() -> list[TaxonomySummary]:
    """Every taxonomy (label set) records can be reported in."""
    out = []
    for name in tx.available_taxonomies():
        t = tx.load_taxonomy(name)
        out.append(
            TaxonomySummary(
                name=t.name, kind=t.kind, n_labels=len(t), aliases=tx.aliases(name), description=t.description
            )
        )
    return out


@router.get("/taxonomies/{name}", response_model=TaxonomyDetail, summary="One taxonomy")
def taxonomy(
    name: Annotated[str, Path(description="A taxonomy name or alias, e.g. ekman or parrott:3.")],
) -> TaxonomyDetail:
    """A taxonomy's labels, source, and parent labels for tiers of a hierarchy."""
    t = tx.load_taxonomy(name)
    return TaxonomyDetail(
        name=t.name,
        kind=t.kind,
        labels=list(t.labels),
        source=t.source,
        description=t.description,
        parent=dict(t.parent) if t.parent else None,
    )


@router.get("/taxonomies/{name}/labels/{label}/links", response_model=LabelLinks, summary="Where a label maps")
def label_links(
    name: Annotated[str, Path(description="Source taxonomy.")],
    label: Annotated[str, Path(description="A label of the source taxonomy.")],
    target: Annotated[str, Query(description="Target taxonomy.")] = "ekman",
) -> LabelLinks:
    """Which target labels a source label supports and through which mappings (`affectlab taxonomy map`)."""
    links = tx.label_links(label, name, target)
    chain = tx.mapping_path(name, target)
    return LabelLinks(
        label=label, source=name, target=target, targets=links, path=[f"{m.source}->{m.target}" for m in chain]
    )


@router.post("/project", response_model=ProjectResponse, summary="Project probabilities")
def project(request: ProjectRequest) -> ProjectResponse:
    """Carry label probabilities from one taxonomy to another through the shipped mappings."""
    source = tx.load_taxonomy(request.source)
    target = tx.load_taxonomy(request.target)
    unknown = sorted(set(request.emotions) - set(source.labels))
    if unknown:
        raise TaxonomyError(
            f"Labels {', '.join(map(repr, unknown[:5]))} are not in taxonomy {source.name!r}. "
            f"Its labels: {', '.join(source.labels)}."
        )
    vector = np.array([request.emotions.get(label, 0.0) for label in source.labels])
    projected = np.clip(tx.project(vector, source.name, target.name), 0.0, 1.0)
    chain = tx.mapping_path(source.name, target.name)
    return ProjectResponse(
        taxonomy=target.name,
        emotions={label: round(float(p), 6) for label, p in zip(target.labels, projected)},
        path=[f"{m.source}->{m.target}" for m in chain],
    )
