"""Steered vs unsteered vs a prompting baseline (and a random-direction control), judged by affectlab's model.

For each target emotion the strength (and, with ``candidate_layers``, the layer) is chosen on the ``dev`` neutral
prompts by one rule: among the candidate (layer, strength) pairs whose mean distinct-2 stays >= ``floor``, the
one of highest mean target probability (the smaller strength, then the earlier layer, on ties; the smallest
strength at the first candidate layer when none keeps the floor). The choice is then measured on the ``test``
prompts, which choose nothing. Every continuation (the new text only) is scored by the affectlab engine through
the one pipeline (:class:`~affectlab.engines.pipeline.Analyzer`, taxonomy ``ekman``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from affectlab.analyses.directions.data import neutral_prompts
from affectlab.analyses.directions.extract import EmotionDirections
from affectlab.analyses.directions.fluency import distinct_n, perplexity, repetition_rate
from affectlab.analyses.directions.hooks import adder
from affectlab.analyses.directions.model import LanguageModel, load_language_model
from affectlab.analyses.directions.steer import generate, random_like
from affectlab.analyses.stats import bootstrap_ci
from affectlab.core.serialize import jsonable
from affectlab.core.validation import check_choice, check_number
from affectlab.engines.pipeline import EngineSpec, as_analyzer
from affectlab.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ADJECTIVES",
    "CONDITIONS",
    "PROMPT_TEMPLATE",
    "STRENGTHS",
    "SteeringReport",
    "evaluate_steering",
    "score_texts",
]

ADJECTIVES = {
    "anger": "angry",
    "disgust": "disgusted",
    "fear": "frightened",
    "joy": "joyful",
    "sadness": "sad",
    "surprise": "surprised",
    "neutral": "neutral",
}
#: The prompting baseline: the neutral prompt preceded by a request for the emotion.
PROMPT_TEMPLATE = "Write a {adjective} story, full of {emotion}.\n\n{prompt}"
STRENGTHS = (2.0, 4.0, 6.0)
CONDITIONS = ("unsteered", "steered", "prompted", "random")


def score_texts(texts: Sequence[str], emotions: Sequence[str], *, engine: EngineSpec) -> dict[str, Any]:
    """Top label, target probability and valence of each text, by the affectlab engine (taxonomy ekman).

    Returns
    -------
    dict with "top" (list of str or None), "target_prob" (ndarray, [0, 1]), "valence" (ndarray, [-1, 1]; NaN
    when the engine gives none)
    """
    analyzer = as_analyzer(engine, owner="evaluate_steering", taxonomy="ekman")
    records = analyzer.analyze(list(texts))
    return {
        "top": [r.top for r in records],
        "target_prob": np.array([r.emotions.get(e, np.nan) for r, e in zip(records, emotions)]),
        "valence": np.array([r.vad.valence if r.vad is not None else np.nan for r in records]),
    }


@dataclass(frozen=True)
class SteeringReport:
    """What :func:`evaluate_steering` measured.

    Attributes
    ----------
    model : str
        The decoder spec.
    layers : tuple of int
        Every layer a direction was added at (``settings["chosen_layers"]`` gives each emotion's).
    floor : float
        The distinct-2 floor of the strength rule, in [0, 1].
    strengths : pandas.DataFrame
        The dev sweep: emotion, layers (e.g. "13"), strength, distinct_2, target_prob, success_rate, chosen.
    summary : pandas.DataFrame
        One row per emotion x condition (unsteered, steered, prompted, random): n, strength, layers, success_rate
        (top label = target, [0, 1]) with ``_lo``/``_hi`` (95% bootstrap CI over prompts), target_prob (+ CI),
        valence, valence_shift (vs unsteered, paired by prompt; + CI), distinct_1, distinct_2, repetition,
        perplexity (geometric mean under the unsteered model).
    generations : pandas.DataFrame
        One row per test continuation: prompt_id, prompt, emotion, condition, strength, layers, text, top, target_prob,
        valence, distinct_1, distinct_2, repetition, perplexity.
    settings : dict
        Prompts, tokens, seed, template, engine, timings (seconds).
    """

    model: str
    layers: tuple[int, ...]
    floor: float
    strengths: pd.DataFrame
    summary: pd.DataFrame
    generations: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tables as lists of records)."""
        return jsonable(
            {
                "model": self.model,
                "layers": list(self.layers),
                "floor": self.floor,
                "summary": self.summary.to_dict("records"),
                "strengths": self.strengths.to_dict("records"),
                "settings": self.settings,
            },
            digits=6,
        )


def _steering_rows(
    directions: EmotionDirections,
    emotions: Sequence[str],
    strengths: Sequence[float],
    layers: Sequence[tuple[int, ...]],
    *,
    control: bool = False,
    seed: int = 0,
) -> dict[int, NDArray[np.float64]]:
    """Layer -> (n_rows, width) vectors to add, one row per (emotion, strength, layer set); 0 outside its set."""
    out: dict[int, NDArray[np.float64]] = {}
    for layer in sorted({x for row in layers for x in row}):
        rows = []
        for e, s, mine in zip(emotions, strengths, layers):
            v = directions.vector(e, layer)
            if control:
                v = random_like(v, seed + layer + 1000 * directions.emotions.index(e))
            rows.append(s * v if layer in mine else np.zeros_like(v))
        out[layer] = np.stack(rows)
    return out


def _layer_name(layers: tuple[int, ...]) -> str:
    return ",".join(map(str, layers))


def _generate_rows(lm: LanguageModel, prompts: list[str], added: dict[int, NDArray[np.float64]] | None, **kw: Any):
    """Generate with one added vector per prompt row (or none)."""

    def edits(rows: slice) -> dict[int, Any]:
        return {layer: adder(v[rows]) for layer, v in (added or {}).items()}

    return generate(lm, prompts, edits=edits if added else None, **kw)


def _fluency(prompts: list[str], texts: list[str], lm: LanguageModel, batch_size: int) -> dict[str, Any]:
    return {
        "distinct_1": np.array([distinct_n(t, 1) for t in texts]),
        "distinct_2": np.array([distinct_n(t, 2) for t in texts]),
        "repetition": np.array([repetition_rate(t) for t in texts]),
        "perplexity": perplexity(lm, prompts, texts, batch_size=batch_size),
    }


def evaluate_steering(
    directions: EmotionDirections,
    *,
    model: str | LanguageModel | None = None,
    prompts: Sequence[str] | None = None,
    dev_prompts: Sequence[str] | None = None,
    emotions: Sequence[str] | None = None,
    layers: Sequence[int] | None = None,
    candidate_layers: Sequence[int] | None = None,
    strengths: Sequence[float] = STRENGTHS,
    floor: float = 0.5,
    max_new_tokens: int = 30,
    prompt_template: str = PROMPT_TEMPLATE,
    engine: EngineSpec = "embedded",
    batch_size: int = 16,
    n_boot: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> SteeringReport:
    """Steer neutral prompts to each emotion and measure it with affectlab's model, against two baselines.

    Parameters
    ----------
    directions : EmotionDirections
        From :func:`~affectlab.analyses.directions.extract.extract`.
    model : str or LanguageModel, optional
        The decoder (default: the one the directions came from).
    prompts, dev_prompts : sequence of str, optional
        Test prompts (measured) and dev prompts (choose the strength); default: the shipped neutral prompts.
    emotions : sequence of str, optional
        Targets (default: every direction but neutral).
    layers : sequence of int, optional
        Layers to add the direction at, all at once (default: ``directions.best_layer``).
    candidate_layers : sequence of int, optional
        Instead of ``layers``: single layers to choose from per emotion, on the dev prompts, with the strength
        (the rule then ranks every layer x strength pair).
    strengths : sequence of float, default=(2, 4, 6)
        Candidate multiples of the direction norm for the strength rule.
    floor : float, default=0.5
        Minimum mean distinct-2 of the dev continuations, in [0, 1].
    max_new_tokens : int, default=30
        Greedy tokens per continuation.
    prompt_template : str, default=PROMPT_TEMPLATE
        The prompting baseline; ``{adjective}``, ``{emotion}`` and ``{prompt}`` are filled in.
    engine : str, Engine or Analyzer, default="embedded"
        The affectlab engine that judges the continuations.
    batch_size, n_boot, seed, threads, progress
        Generation batch; bootstrap resamples; seed of controls and bootstrap; torch threads; progress bars.

    Returns
    -------
    SteeringReport
    """
    import pandas as pd

    check_number(floor, "floor", "evaluate_steering", minimum=0.0, maximum=1.0)
    lm = load_language_model(model if model is not None else directions.model, threads=threads)
    targets = [e for e in directions.emotions if e != "neutral"] if emotions is None else list(emotions)
    for e in targets:
        check_choice(e, "emotions", "evaluate_steering", directions.emotions)
    if layers is not None and candidate_layers is not None:
        raise ParameterError("evaluate_steering takes layers (fixed) or candidate_layers (chosen on dev), not both.")
    if candidate_layers is not None:
        layer_sets = [(directions.check_layer(x, "evaluate"),) for x in candidate_layers]
    elif layers is not None:
        layer_sets = [tuple(directions.check_layer(x, "evaluate") for x in layers)]
    else:
        layer_sets = [(directions.best_layer,)]
    if not layer_sets or not layer_sets[0]:
        raise ParameterError("evaluate_steering needs at least one layer to steer at.")
    if not len(strengths):
        raise ParameterError("evaluate_steering needs at least one candidate strength (e.g. strengths=(2, 4, 6)).")
    test = list(prompts) if prompts is not None else neutral_prompts("test")
    dev = list(dev_prompts) if dev_prompts is not None else neutral_prompts("dev")
    gen = {"max_new_tokens": max_new_tokens, "batch_size": batch_size, "seed": seed, "progress": progress}
    timings: dict[str, float] = {}

    start = time.perf_counter()
    sweep = []
    for layer_set in layer_sets:
        for strength in strengths:
            pairs = [(e, p) for e in targets for p in dev]
            added = _steering_rows(directions, [e for e, _ in pairs], [strength] * len(pairs), [layer_set] * len(pairs))
            label = f"dev L{_layer_name(layer_set)} x{strength:g}"
            texts = _generate_rows(lm, [p for _, p in pairs], added, description=label, **gen)
            scores = score_texts(texts, [e for e, _ in pairs], engine=engine)
            for e in targets:
                rows = [i for i, (pe, _) in enumerate(pairs) if pe == e]
                sweep.append(
                    {
                        "emotion": e,
                        "layers": _layer_name(layer_set),
                        "strength": float(strength),
                        "distinct_2": _mean(np.array([distinct_n(texts[i], 2) for i in rows])),
                        "target_prob": _mean(scores["target_prob"][rows]),
                        "success_rate": float(np.mean([scores["top"][i] == e for i in rows])),
                    }
                )
    sweep_frame = pd.DataFrame(sweep)
    chosen = {e: _choose(sweep_frame[sweep_frame["emotion"] == e], floor) for e in targets}
    sweep_frame["chosen"] = [
        chosen[e] == (layer, s)
        for e, layer, s in zip(sweep_frame["emotion"], sweep_frame["layers"], sweep_frame["strength"])
    ]
    timings["strength_sweep_s"] = time.perf_counter() - start

    start = time.perf_counter()
    pairs = [(e, i) for e in targets for i in range(len(test))]
    row_prompts = [test[i] for _, i in pairs]
    row_emotions = [e for e, _ in pairs]
    row_strengths = [chosen[e][1] for e in row_emotions]
    row_layers = [tuple(int(x) for x in chosen[e][0].split(",")) for e in row_emotions]
    base = generate(lm, test, description="unsteered", **gen)
    steered = _generate_rows(
        lm,
        row_prompts,
        _steering_rows(directions, row_emotions, row_strengths, row_layers),
        description="steered",
        **gen,
    )
    control = _generate_rows(
        lm,
        row_prompts,
        _steering_rows(directions, row_emotions, row_strengths, row_layers, control=True, seed=seed),
        description="random control",
        **gen,
    )
    asked = [
        prompt_template.format(adjective=ADJECTIVES.get(e, e), emotion=e, prompt=p)
        for e, p in zip(row_emotions, row_prompts)
    ]
    prompted = generate(lm, asked, description="prompted", **gen)
    timings["generation_s"] = time.perf_counter() - start

    start = time.perf_counter()
    records = []
    base_rows = [i for _, i in pairs]
    conditions = {
        "unsteered": ([base[i] for i in base_rows], [0.0] * len(pairs)),
        "steered": (steered, row_strengths),
        "prompted": (prompted, [0.0] * len(pairs)),
        "random": (control, row_strengths),
    }
    for condition, (texts, strengths_used) in conditions.items():
        scores = score_texts(texts, row_emotions, engine=engine)
        fluency = _fluency(row_prompts, texts, lm, batch_size)
        for k, (e, i) in enumerate(pairs):
            records.append(
                {
                    "prompt_id": i,
                    "prompt": test[i],
                    "emotion": e,
                    "condition": condition,
                    "strength": float(strengths_used[k]),
                    "layers": chosen[e][0] if condition in ("steered", "random") else "",
                    "text": texts[k],
                    "top": scores["top"][k],
                    "target_prob": float(scores["target_prob"][k]),
                    "valence": float(scores["valence"][k]),
                    **{name: float(values[k]) for name, values in fluency.items()},
                }
            )
    generations = pd.DataFrame(records)
    summary = _summarize(generations, targets, n_boot=n_boot, seed=seed)
    timings["scoring_s"] = time.perf_counter() - start
    settings = {
        "n_test_prompts": len(test),
        "n_dev_prompts": len(dev),
        "max_new_tokens": max_new_tokens,
        "decoding": "greedy",
        "strengths": [float(s) for s in strengths],
        "layer_candidates": [_layer_name(x) for x in layer_sets],
        "chosen_strength": {e: c[1] for e, c in chosen.items()},
        "chosen_layers": {e: c[0] for e, c in chosen.items()},
        "reading": directions.reading,
        "prompt_template": prompt_template,
        "engine": as_analyzer(engine, owner="evaluate_steering", taxonomy="ekman").model_,
        "seed": seed,
        "n_boot": n_boot,
        **timings,
    }
    used = tuple(sorted({x for row in row_layers for x in row}))
    return SteeringReport(lm.spec, used, float(floor), sweep_frame, summary, generations, settings)


def _choose(sweep: pd.DataFrame, floor: float) -> tuple[str, float]:
    """The strength rule (module docstring): the (layers, strength) of best target probability keeping
    distinct-2 >= floor; the smaller strength, then the earlier candidate, on ties."""
    fluent = sweep[sweep["distinct_2"] >= floor]
    if fluent.empty:
        weakest = sweep[sweep["strength"] == sweep["strength"].min()].iloc[0]
        return str(weakest["layers"]), float(weakest["strength"])
    best = fluent[fluent["target_prob"] == fluent["target_prob"].max()].sort_values("strength", kind="stable")
    return str(best.iloc[0]["layers"]), float(best.iloc[0]["strength"])


def _mean(values: NDArray[np.float64]) -> float:
    """Mean of the finite values; NaN when there are none (a continuation without words has no distinct-2)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else float("nan")


def _summarize(generations: pd.DataFrame, targets: Sequence[str], *, n_boot: int, seed: int) -> pd.DataFrame:
    """One row per emotion x condition with bootstrap CIs over prompts (paired with the unsteered row)."""
    import pandas as pd

    rows = []
    for e in targets:
        mine = generations[generations["emotion"] == e]
        base = mine[mine["condition"] == "unsteered"].sort_values("prompt_id")
        for condition in CONDITIONS:
            part = mine[mine["condition"] == condition].sort_values("prompt_id")
            success = (part["top"] == e).to_numpy(dtype=float)
            prob = part["target_prob"].to_numpy()
            shift = part["valence"].to_numpy() - base["valence"].to_numpy()

            def stat(w: NDArray[np.float64], s=success, p=prob, v=shift) -> dict[str, NDArray[np.float64]]:
                n = w.sum(axis=1)
                return {"success_rate": w @ s / n, "target_prob": w @ p / n, "valence_shift": w @ np.nan_to_num(v) / n}

            ci = bootstrap_ci(stat, len(part), n_boot=n_boot, seed=seed)
            row: dict[str, Any] = {"emotion": e, "condition": condition, "n": len(part)}
            row["strength"] = float(part["strength"].iloc[0]) if len(part) else 0.0
            row["layers"] = str(part["layers"].iloc[0]) if len(part) else ""
            for name, value in (
                ("success_rate", success.mean()),
                ("target_prob", prob.mean()),
                ("valence_shift", _mean(shift)),
            ):
                lo_hi = ci.get(name) or (np.nan, np.nan)
                row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(value), lo_hi[0], lo_hi[1]
            row["valence"] = _mean(part["valence"].to_numpy())
            for name in ("distinct_1", "distinct_2", "repetition"):
                row[name] = _mean(part[name].to_numpy())
            row["perplexity"] = float(np.exp(_mean(np.log(part["perplexity"].to_numpy()))))
            rows.append(row)
    return pd.DataFrame(rows)
