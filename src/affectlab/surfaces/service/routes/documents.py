"""Whole documents and conversations uploaded as files: ``document_arc`` and ``conversation_dynamics``.

The results are the analyses' own JSON forms (``Arc.to_dict``, ``ConversationResult.to_dict``), what
``affectlab arc --json`` and ``affectlab conversation --json`` print, with the per-segment and per-turn
records included for the dashboard.
"""

from __future__ import annotations

from typing import IO, Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from affectlab.analyses.conversation import TurnColumns, conversation_dynamics
from affectlab.analyses.document import document_arc
from affectlab.engines.base import Engine
from affectlab.io import read_table
from affectlab.surfaces.service.models import ArcResult, ConversationResultModel
from affectlab.surfaces.service.routes._deps import ServiceDep
from affectlab.surfaces.service.routes._uploads import upload_format, upload_path

router = APIRouter(prefix="/v1", tags=["documents"])

_TABLES = ("csv", "tsv", "jsonl", "json", "parquet")


def _arc(data: bytes, engine: Engine, segments: bool, **options: Any) -> dict[str, Any]:
    return document_arc(data, engine=engine, **options).to_dict(segments=segments)


@router.post("/arc", response_model=ArcResult, summary="Emotion arc of a document")
async def arc(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="A UTF-8 text file (a novel, a diary, a transcript).")],
    unit: Annotated[str, Form(description="Segments: sentence, paragraph, or window:N (N words each).")] = "sentence",
    smooth: Annotated[str, Form(description="Smoothing: dct:K, rolling:K, loess, loess:F, or none.")] = "dct:10",
    taxonomy: Annotated[str | None, Form(description="Taxonomy of the emotion columns.")] = None,
    strip_gutenberg: Annotated[bool, Form(description="Drop a Project Gutenberg header and footer.")] = True,
    segments: Annotated[bool, Form(description="Include the per-segment rows (text and scores).")] = True,
    model: Annotated[str | None, Form(description="One of the server's models.")] = None,
) -> dict[str, Any]:
    """Smoothed curves, peaks and troughs with their passages, sections and the story shape."""
    _, engine = service.engine(model)
    data = await file.read()
    return await service.run_job(
        _arc,
        data,
        engine,
        segments,
        unit=unit,
        smooth=None if smooth.lower() == "none" else smooth,
        taxonomy=taxonomy,
        strip_gutenberg=strip_gutenberg,
    )


def _conversation(data: IO[bytes], fmt: str, engine: Engine, **options: Any) -> dict[str, Any]:
    with upload_path(data, fmt) as path:
        table = read_table(str(path), fmt, as_text="all")
    result = conversation_dynamics(table, engine=engine, **options).to_dict()
    counts = {"n_conversations": len(result["dynamics"]), "n_turns": len(result["turns"])}
    return counts | result


@router.post("/conversation", response_model=ConversationResultModel, summary="Dynamics of conversations")
async def conversation(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="Turns: .jsonl .csv .tsv .json or .parquet, one row per turn.")],
    input_format: Annotated[str | None, Form(description="Format when the file name does not tell.")] = None,
    text_column: Annotated[str, Form(description="Column of the turn texts.")] = "text",
    speaker_column: Annotated[str, Form(description="Column of speaker names.")] = "speaker",
    time_column: Annotated[str | None, Form(description="Column of timestamps or positions.")] = None,
    reply_to_column: Annotated[str | None, Form(description="Column naming the turn replied to.")] = None,
    id_column: Annotated[str | None, Form(description="Column of turn ids.")] = None,
    conversation_column: Annotated[str | None, Form(description="Column of conversation ids.")] = None,
    context: Annotated[int, Form(ge=0, le=50, description="Earlier turns of the thread each turn is read with.")] = 0,
    context_weight: Annotated[float, Form(ge=0, le=1, description="Weight of the in-context reading.")] = 0.5,
    on_unsorted: Annotated[str, Form(description="Timestamps going backwards: sort or error.")] = "sort",
    shift_threshold: Annotated[float, Form(ge=0, le=2, description="Own-turn valence change that is a shift.")] = 0.3,
    episode_threshold: Annotated[float, Form(ge=0, le=2, description="Valence change of an episode.")] = 0.3,
    taxonomy: Annotated[str | None, Form(description="Taxonomy of the emotions.")] = None,
    model: Annotated[str | None, Form(description="One of the server's models.")] = None,
) -> dict[str, Any]:
    """Per-turn affect, then inertia, contagion, transitions, shifts and episodes per conversation."""
    fmt = upload_format(file.filename, input_format, _TABLES)
    _, engine = service.engine(model)
    optional = {"time": time_column, "reply_to": reply_to_column, "id": id_column, "conversation": conversation_column}
    columns = TurnColumns(text=text_column, speaker=speaker_column, **{k: v for k, v in optional.items() if v})
    return await service.run_job(
        _conversation,
        file.file,
        fmt,
        engine,
        taxonomy=taxonomy,
        columns=columns,
        context=context,
        context_weight=context_weight,
        on_unsorted=on_unsorted,
        shift_threshold=shift_threshold,
        episode_threshold=episode_threshold,
    )
