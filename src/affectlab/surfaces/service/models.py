"""Request and response models of the HTTP API (pydantic), written after the record contract.

:class:`AffectRecord` is the JSON form of :class:`affectlab.Affect` (``Affect.to_dict``, documented in
``docs/record.md``); its field descriptions quote :data:`affectlab.core.records.SCALES` and
:data:`~affectlab.core.records.FLAGS`, and a test checks that its fields are exactly the record's keys.
The results of the whole-table analyses (arcs, conversations, evaluation, agreement) keep the JSON
forms of their Python records (``to_dict``), described here at their top level.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from affectlab.core.records import FLAGS, SCALES

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]

_FLAG_TEXT = "; ".join(f"{k}: {v}" for k, v in FLAGS.items())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentimentModel(_Model):
    """Polarity of a text."""

    label: Literal["positive", "negative", "neutral"] = Field(description="The most probable of the three.")
    score: Signed = Field(description=f"P(positive) - P(negative): {SCALES['sentiment.score']}.")


class VADModel(_Model):
    """Valence, arousal and dominance."""

    valence: Signed = Field(description="Unpleasant (-1) to pleasant (1), 0 neutral.")
    arousal: Signed = Field(description="Calm (-1) to excited (1), 0 neutral.")
    dominance: Signed = Field(description="Controlled (-1) to in control (1), 0 neutral.")


class EvidenceModel(_Model):
    """A span of the text that supports a label."""

    text: str = Field(description="The span's text, equal to the input text[start:end].")
    start: int = Field(ge=0, description="Character offset of the span's start in the input text.")
    end: int = Field(ge=0, description="Character offset just past the span's end.")
    label: str = Field(description="The emotion label the span supports.")
    weight: Signed = Field(description=SCALES["evidence.weight"] + " (positive: the span raises the label).")


class ProvenanceModel(_Model):
    """Which engine produced a record."""

    engine: str = Field(description="Engine name, e.g. affectlab-minilm.")
    version: str = Field(description="Engine version.")
    native_taxonomy: str = Field(description="Taxonomy the engine predicts natively.")
    scales: dict[str, str] = Field(description="The scale of every numeric field.")


class AffectRecord(_Model):
    """The affect of one text: the record of the Python API and the CLI (``docs/record.md``)."""

    id: str | None = Field(description="The caller's id for the text, kept as given.")
    taxonomy: str = Field(description="Taxonomy of `emotions` and `labels`.")
    emotions: dict[str, Probability] = Field(description=f"Every label of `taxonomy`: {SCALES['emotions']}.")
    labels: list[str] = Field(description="Labels at or above their decision threshold, most probable first.")
    top: str | None = Field(description="Most probable label (null for empty or failed inputs).")
    sentiment: SentimentModel | None
    vad: VADModel | None = Field(description=SCALES["vad"] + ".")
    intensity: dict[str, Probability] | None = Field(description=SCALES["intensity"] + "; null if not estimated.")
    evidence: list[EvidenceModel] = Field(description="Spans that drove the top labels (with explain=true).")
    flags: list[str] = Field(description=f"Conditions met while reading the text. {_FLAG_TEXT}.")
    error: str | None = Field(description="Why the input could not be analysed (with the `error` flag).")
    model: ProvenanceModel | None


class _Options(_Model):
    taxonomy: str | None = Field(
        default=None, description="Taxonomy of the emotions (see /v1/taxonomies); default the model's native one."
    )
    explain: bool = Field(default=False, description="Add evidence spans (slower: one extra pass per word).")
    model: str | None = Field(default=None, description="One of the server's models (see /v1/models).")


class AnalyzeRequest(_Options):
    """One text to analyse."""

    text: str = Field(description="The text (at most the server's max_chars characters).")
    id: str | None = Field(default=None, description="Your id for the text, copied to the record.")


class AnalyzeBatchRequest(_Options):
    """Many texts to analyse, in order."""

    texts: list[str] = Field(description="The texts (at most max_texts, each at most max_chars characters).")
    ids: list[str] | None = Field(default=None, description="One id per text (default: none).")


class AnalyzeBatchResponse(_Model):
    """One record per input text, in input order."""

    records: list[AffectRecord]


class ProjectRequest(_Model):
    """Label probabilities to carry from one taxonomy to another."""

    emotions: dict[str, Probability] = Field(description="Label -> probability in [0, 1]; missing labels count 0.")
    source: str = Field(description="Taxonomy of `emotions`, e.g. goemotions.")
    target: str = Field(description="Taxonomy to project to, e.g. ekman.")


class ProjectResponse(_Model):
    """Probabilities in the target taxonomy."""

    taxonomy: str
    emotions: dict[str, Probability] = Field(description="Every label of the target taxonomy, in [0, 1].")
    path: list[str] = Field(description="The mappings applied, as source->target.")


class TaxonomySummary(_Model):
    """A taxonomy in the list."""

    name: str
    kind: str = Field(description="multilabel (independent labels) or exclusive (one label, probabilities sum to 1).")
    n_labels: int = Field(ge=1)
    aliases: list[str]
    description: str


class TaxonomyDetail(_Model):
    """A taxonomy's labels and source."""

    name: str
    kind: str
    labels: list[str]
    source: str
    description: str
    parent: dict[str, str] | None = Field(description="Label -> parent label, for tiers of a hierarchy.")


class LabelLinks(_Model):
    """Which target labels a source label supports, and through which mappings."""

    label: str
    source: str
    target: str
    targets: dict[str, float] = Field(description="Target label -> weight in [0, 1].")
    path: list[str]


class ModelInfo(_Model):
    """A model the server loaded."""

    name: str = Field(description="The value to pass as `model`.")
    engine: str
    version: str
    native_taxonomy: str
    default: bool


class ModelList(_Model):
    """The server's models, the default first."""

    models: list[ModelInfo]


class Health(_Model):
    """Liveness or readiness."""

    status: Literal["ok", "draining", "loading"]
    models: list[str] = Field(default_factory=list, description="Models loaded in this worker.")


class Problem(_Model):
    """An error, as RFC 9457 problem details."""

    type: str = Field(description="A URI reference naming the kind of problem (see docs/service.md).")
    title: str = Field(description="A short summary of that kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What happened, the value received, and what to do.")
    field: str | None = Field(default=None, description="The request field at fault, if one is.")


class MomentModel(_Model):
    """A peak or trough of smoothed valence and the segment that best represents it."""

    time: float = Field(ge=0.0, le=1.0, description="Narrative time of the extremum, in (0, 1).")
    value: Signed = Field(description="Smoothed valence there.")
    prominence: float = Field(ge=0.0, description="How far it stands out from the curve around it.")
    position: int = Field(ge=0, description="Index of the segment.")
    start: int = Field(ge=0, description="The segment's first character in the text.")
    end: int = Field(ge=0, description="Just past its last character.")
    valence: Signed = Field(description="The segment's own (unsmoothed) valence.")
    text: str = Field(description="The segment's text: the passage to read.")


class ShapeModel(_Model):
    """The story shape whose direction the smoothed valence follows (Reagan et al. 2016)."""

    name: str | None = Field(
        description="rags_to_riches, tragedy, man_in_a_hole, icarus, cinderella, oedipus; null if flat."
    )
    direction: str | None = Field(description="rise, fall, fall-rise, ...")
    score: Signed | None = Field(description="Correlation with the shape's template.")
    scores: dict[str, Signed | None] = Field(description="Correlation with every shape.")


class ArcResult(BaseModel):
    """The arc of a document: ``Arc.to_dict`` (``docs/arcs.md``); valences in [-1, 1], times in (0, 1)."""

    model_config = ConfigDict(extra="allow")
    unit: str
    smooth: str | None
    taxonomy: str
    model: str
    n_segments: int = Field(ge=1)
    n_words: int = Field(ge=0)
    flags: list[str]
    shape: ShapeModel
    peaks: list[MomentModel] = Field(description="Most prominent maxima, most prominent first.")
    troughs: list[MomentModel] = Field(description="Most prominent minima, most prominent first.")
    turning_points: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    curves: dict[str, list[float | None]] = Field(description="time and every smoothed column, n_points each.")
    segments: list[dict[str, Any]] | None = Field(default=None, description="One row per segment (if asked).")


class ConversationResultModel(BaseModel):
    """Turns and dynamics: ``ConversationResult.to_dict`` (``docs/conversations.md``)."""

    model_config = ConfigDict(extra="allow")
    n_conversations: int = Field(ge=0)
    n_turns: int = Field(ge=0)
    parameters: dict[str, Any]
    turns: list[dict[str, Any]] = Field(description="One record per input turn, grouped by conversation.")
    dynamics: dict[str, dict[str, Any]] = Field(description="Conversation id -> inertia, contagion, shifts, ...")


class EvalResult(BaseModel):
    """An evaluation report: ``EvalReport.to_dict`` (``docs/evaluation.md``)."""

    model_config = ConfigDict(extra="allow")
    dataset: str
    split: str
    n: int = Field(ge=0)
    model: dict[str, Any]


class AgreementReport(BaseModel):
    """Agreement results, as ``affectlab agree --json`` prints them (``docs/agreement.md``).

    With ``model_field``, a ``model`` entry (engine, field, scale, n_items) says how the model was scored.
    """

    model_config = ConfigDict(extra="allow")
    file: str
    item: str
    rater: str
    value: str
    rater_from_order: bool
    results: list[dict[str, Any]]
