"""Emotion directions inside language models: extract, probe, localize, steer, and judge with affectlab's model.

After "Do LLMs 'Feel'? Emotion Circuits Discovery and Control" (2025): controlled scenarios in which only the
event differs give context-agnostic emotion directions; a probe per layer on held-out frames says where they are
readable; ablation per layer (against a random direction) says where they matter; adding them steers generation,
and affectlab's own classifier says whether the text came out with the emotion. Needs the extra ``[interp]``
(torch, transformers, gguf, accelerate); torch is imported only when a model is loaded.

One job per module:

- :mod:`.data`: the shipped scenario set and neutral prompts (or the user's).
- :mod:`.model`: ``gemma-3-270m`` / ``hf:PATH`` / ``gguf:PATH`` loaded once per process, fp32 copy cached.
- :mod:`.hooks`: read, add to, or project out of the residual stream per layer.
- :mod:`.extract` (with :mod:`.probe`): hidden states, mean-difference directions, probe accuracy per layer.
- :mod:`.steer`: generation with a direction added; :mod:`.fluency`: distinct-n, repetition, perplexity.
- :mod:`.localize`: ablation per layer with a random control; :mod:`.patching`: activation patching per layer;
  :mod:`.components`: head and neuron attribution, checked by zeroing.
- :mod:`.evaluate`: steered vs unsteered vs prompting baseline vs random, scored through the pipeline.

The method, its limits and the measured figures are in ``docs/directions.md``.
"""

from __future__ import annotations

from affectlab.analyses.directions.components import component_attribution
from affectlab.analyses.directions.data import EMOTIONS, Scenarios, load_scenarios, neutral_prompts, scenarios_path
from affectlab.analyses.directions.evaluate import (
    PROMPT_TEMPLATE,
    STRENGTHS,
    SteeringReport,
    evaluate_steering,
    score_texts,
)
from affectlab.analyses.directions.extract import EmotionDirections, extract, hidden_states
from affectlab.analyses.directions.fluency import distinct_n, perplexity, repetition_rate
from affectlab.analyses.directions.localize import LocalizationReport, localize
from affectlab.analyses.directions.model import GEMMA_270M, LanguageModel, cache_dir, load_language_model
from affectlab.analyses.directions.patching import patch_layers
from affectlab.analyses.directions.probe import Probe, grouped_cv_accuracy
from affectlab.analyses.directions.steer import Steered, generate, random_like, steer

__all__ = [
    "EMOTIONS",
    "GEMMA_270M",
    "PROMPT_TEMPLATE",
    "STRENGTHS",
    "EmotionDirections",
    "LanguageModel",
    "LocalizationReport",
    "Probe",
    "Scenarios",
    "Steered",
    "SteeringReport",
    "cache_dir",
    "component_attribution",
    "distinct_n",
    "evaluate_steering",
    "extract",
    "generate",
    "grouped_cv_accuracy",
    "hidden_states",
    "load_language_model",
    "load_scenarios",
    "localize",
    "neutral_prompts",
    "patch_layers",
    "perplexity",
    "random_like",
    "repetition_rate",
    "scenarios_path",
    "score_texts",
    "steer",
]
