"""affectlab: read affect in text, offline.

>>> import affectlab
>>> affectlab.analyze("What a wonderful day!").top  # doctest: +SKIP
'joy'

The analyses (arcs, conversations, corpora, polarization, evaluation, agreement, aggregation,
judges, reliability) load on first use, so that ``import affectlab`` and a first ``analyze`` stay fast;
their names are listed in ``__all__`` like the others.
"""

import importlib
from typing import TYPE_CHECKING, Any

from affectlab.core.records import VAD, Affect, EmotionScore, Evidence, Provenance, Sentiment, flatten
from affectlab.core.taxonomy import (
    Mapping,
    Taxonomy,
    available_taxonomies,
    load_taxonomy,
    project,
    register_mapping,
    register_taxonomy,
)
from affectlab.core.version import affectlab_version
from affectlab.engines.base import Engine, NativeScores
from affectlab.engines.registry import available_engines, load_engine, register_engine
from affectlab.errors import (
    AffectlabError,
    AffectlabWarning,
    DataNotFound,
    EndpointError,
    EngineError,
    EngineNotFound,
    InputError,
    MissingExtra,
    ModelLoadError,
    ParameterError,
    TaxonomyError,
)
from affectlab.surfaces.api import Analyzer, analyze

__version__ = affectlab_version()

#: Public names whose modules import pandas or scipy: loaded by ``__getattr__`` when first used.
_LAZY = {
    "aggregate_labels": "affectlab.analyses.aggregation",
    "AgreementResult": "affectlab.analyses.agreement",
    "agreement": "affectlab.analyses.agreement",
    "compare_with_engine": "affectlab.analyses.agreement",
    "compare_with_model": "affectlab.analyses.agreement",
    "rater_from_order": "affectlab.analyses.agreement",
    "ConversationDynamics": "affectlab.analyses.conversation",
    "ConversationResult": "affectlab.analyses.conversation",
    "TurnColumns": "affectlab.analyses.conversation",
    "TurnRecord": "affectlab.analyses.conversation",
    "conversation_dynamics": "affectlab.analyses.conversation",
    "load_turns": "affectlab.analyses.conversation",
    "Arc": "affectlab.analyses.document",
    "document_arc": "affectlab.analyses.document",
    "CorpusSummary": "affectlab.analyses.corpus",
    "summarize_corpus": "affectlab.analyses.corpus",
    "EvalReport": "affectlab.analyses.evaluation",
    "evaluate": "affectlab.analyses.evaluation",
    "PolarizationResult": "affectlab.analyses.polarization",
    "polarization": "affectlab.analyses.polarization",
    "Rubric": "affectlab.analyses.judge",
    "judge": "affectlab.analyses.judge",
    "load_rubric": "affectlab.analyses.judge",
    "ReliabilityReport": "affectlab.analyses.reliability",
    "reliability": "affectlab.analyses.reliability",
}

if TYPE_CHECKING:
    from affectlab.analyses.aggregation import aggregate_labels
    from affectlab.analyses.agreement import (
        AgreementResult,
        agreement,
        compare_with_engine,
        compare_with_model,
        rater_from_order,
    )
    from affectlab.analyses.conversation import (
        ConversationDynamics,
        ConversationResult,
        TurnColumns,
        TurnRecord,
        conversation_dynamics,
        load_turns,
    )
    from affectlab.analyses.corpus import CorpusSummary, summarize_corpus
    from affectlab.analyses.document import Arc, document_arc
    from affectlab.analyses.evaluation import EvalReport, evaluate
    from affectlab.analyses.judge import Rubric, judge, load_rubric
    from affectlab.analyses.polarization import PolarizationResult, polarization
    from affectlab.analyses.reliability import ReliabilityReport, reliability


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'affectlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "VAD",
    "Affect",
    "AffectlabError",
    "AffectlabWarning",
    "AgreementResult",
    "Analyzer",
    "Arc",
    "ConversationDynamics",
    "ConversationResult",
    "CorpusSummary",
    "DataNotFound",
    "EmotionScore",
    "EndpointError",
    "Engine",
    "EngineError",
    "EngineNotFound",
    "EvalReport",
    "Evidence",
    "InputError",
    "Mapping",
    "MissingExtra",
    "ModelLoadError",
    "NativeScores",
    "ParameterError",
    "PolarizationResult",
    "Provenance",
    "ReliabilityReport",
    "Rubric",
    "Sentiment",
    "Taxonomy",
    "TaxonomyError",
    "TurnColumns",
    "TurnRecord",
    "__version__",
    "aggregate_labels",
    "agreement",
    "analyze",
    "available_engines",
    "available_taxonomies",
    "compare_with_engine",
    "compare_with_model",
    "conversation_dynamics",
    "document_arc",
    "evaluate",
    "flatten",
    "judge",
    "load_engine",
    "load_rubric",
    "load_taxonomy",
    "load_turns",
    "polarization",
    "project",
    "rater_from_order",
    "register_engine",
    "register_mapping",
    "register_taxonomy",
    "reliability",
    "summarize_corpus",
]
