"""Affective polarization of social-media reply pairs, after Jawad et al., "Measuring Social Media Polarization
Using Large Language Models and Heuristic Rules" (FAB/ASONAM 2025; published code, MIT:
github.com/hasanjawad001/llm-social-media-polarization).

One job per module:

- :mod:`.threads`: posts, their parents and conversations, UTC times, bad rows (cycles, duplicate ids).
- :mod:`.annotate`: the three labels per post (stance, agreement, affect) from an :class:`Annotator`:
  :class:`ColumnsAnnotator` (labels already in the table) or :class:`LLMAnnotator` (an LLM, extra ``[llm]``).
- :mod:`.rules` and :mod:`.scoring`: the rule table (``rules.csv``) and the score of every reply.
- :mod:`.aggregate`: per-day series and before/during/after event windows, per conversation (as published),
  day or reply.
- :mod:`.signal`: the embedded model's negative-emotion probability next to the affect labels.
- :mod:`.run`: :func:`polarization`, the whole analysis; :mod:`.records`: its :class:`PolarizationResult`.

The documentation, with the published code's quirks that are kept, is ``docs/polarization.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from affectlab.analyses.polarization.aggregate import UNITS
from affectlab.analyses.polarization.annotate import ANSWERS, Annotator, ColumnsAnnotator, annotate
from affectlab.analyses.polarization.records import FLAGS, OUTPUT_COLUMNS, PolarizationResult
from affectlab.analyses.polarization.rules import CELLS, RuleTable, load_rules
from affectlab.analyses.polarization.run import as_annotator, polarization
from affectlab.analyses.polarization.scoring import CONVERSATION_EXTREME_AT, EXTREME_ABOVE, UNCLEAR
from affectlab.analyses.polarization.signal import AffectSignal
from affectlab.analyses.polarization.threads import Posts, resolve_posts

if TYPE_CHECKING:
    from affectlab.analyses.polarization.llm import LLMAnnotator

__all__ = [
    "ANSWERS",
    "CELLS",
    "CONVERSATION_EXTREME_AT",
    "EXTREME_ABOVE",
    "FLAGS",
    "OUTPUT_COLUMNS",
    "UNCLEAR",
    "UNITS",
    "AffectSignal",
    "Annotator",
    "ColumnsAnnotator",
    "LLMAnnotator",
    "PolarizationResult",
    "Posts",
    "RuleTable",
    "annotate",
    "as_annotator",
    "load_rules",
    "polarization",
    "resolve_posts",
]


def __getattr__(name: str) -> Any:
    """:class:`LLMAnnotator` is imported on first use (it needs the ``[llm]`` extra's modules)."""
    if name == "LLMAnnotator":
        from affectlab.analyses.polarization.llm import LLMAnnotator

        return LLMAnnotator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
