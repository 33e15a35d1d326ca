"""affectlab: read affect in text, offline.

>>> import affectlab
>>> affectlab.analyze("What a wonderful day!").top  # doctest: +SKIP
'joy'
"""

from affectlab.analyses.conversation import conversation_dynamics
from affectlab.analyses.document import Arc, document_arc
from affectlab.analyses.evaluation import EvalReport, evaluate
from affectlab.core.records import VAD, Affect, EmotionScore, Evidence, Provenance, Sentiment
from affectlab.core.taxonomy import Taxonomy, available_taxonomies, load_taxonomy, project
from affectlab.core.version import affectlab_version
from affectlab.engines.registry import available_engines, load_engine
from affectlab.errors import (
    AffectlabError,
    AffectlabWarning,
    DataNotFound,
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

__all__ = [
    "VAD",
    "Affect",
    "AffectlabError",
    "AffectlabWarning",
    "Analyzer",
    "Arc",
    "DataNotFound",
    "EmotionScore",
    "EngineError",
    "EngineNotFound",
    "EvalReport",
    "Evidence",
    "InputError",
    "MissingExtra",
    "ModelLoadError",
    "ParameterError",
    "Provenance",
    "Sentiment",
    "Taxonomy",
    "TaxonomyError",
    "__version__",
    "analyze",
    "available_engines",
    "available_taxonomies",
    "conversation_dynamics",
    "document_arc",
    "evaluate",
    "load_engine",
    "load_taxonomy",
    "project",
]
