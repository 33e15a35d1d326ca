"""``affectlab directions``: emotion directions inside a language model (extra ``[interp]``).

``data`` writes the controlled scenarios; ``extract`` reads hidden states, saves directions and probes every
layer; ``localize`` ablates per layer against a random direction; ``steer`` generates with a direction added;
``evaluate`` compares steered, unsteered, prompted and random continuations judged by affectlab's model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from affectlab.core.serialize import jsonable
from affectlab.errors import ParameterError
from affectlab.io import TableWriter, progress_enabled
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    JsonOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    check_output,
    handle_errors,
    stderr,
)

app = typer.Typer(
    help="Emotion directions inside a language model: data, extract, localize, steer, evaluate "
    "(pip install 'affectlab[interp]').",
    no_args_is_help=True,
)

LMOption = Annotated[
    str, typer.Option("--model", "-m", help="Language model: gemma-3-270m, hf:<folder> or gguf:<file.gguf>.")
]
LMOverride = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Language model (default: the one the directions were extracted from)."),
]
DirectionsArg = Annotated[str, typer.Argument(help="Directions file written by 'affectlab directions extract'.")]
JudgeOption = Annotated[
    str, typer.Option("--judge", help="affectlab engine that scores the continuations (embedded, embedded:<folder>).")
]
ThreadsOption = Annotated[
    int | None, typer.Option("--threads", min=1, help="Torch CPU threads (one can beat two under contention).")
]
TokensOption = Annotated[int, typer.Option("--max-new-tokens", min=1, help="Greedy tokens per continuation.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of random controls and bootstrap.")]
PlotsOption = Annotated[str | None, typer.Option("--plots", help="Folder for PNG pictures (extra [plot]).")]
ReportOption = Annotated[
    str | None, typer.Option("--report", help="Write the whole report as JSON to this file (refuses to overwrite).")
]
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, help="Prompts per forward pass.")]


def _layers(text: str | None) -> list[int] | None:
    """``"13"`` or ``"4,8,13"`` as a list of layers; None when not given."""
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ParameterError(f"--layers must be comma-separated integers such as 4,8,13. Got {text!r}.") from None


def _strengths(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values:
        raise ParameterError(f"--strengths must be comma-separated numbers such as 2,4,6. Got {text!r}.")
    return values


def _write_json(path: str | None, payload: Any, force: bool) -> None:
    if path is None:
        return
    check_output(path, force)
    Path(path).write_text(json.dumps(jsonable(payload, digits=6), indent=2) + "\n", encoding="utf-8")


def _plots(folder: str | None, **reports: Any) -> None:
    if folder is None:
        return
    from affectlab.surfaces.plots.directions import write_plots

    for path in write_plots(folder, **reports):
        stderr.print(f"wrote {path}", markup=False, highlight=False)


def _load(path: str) -> Any:
    from affectlab.analyses.directions import EmotionDirections

    return EmotionDirections.load(path)


@app.command()
def data(
    split: Annotated[str, typer.Option("--split", help="train, test or all.")] = "all",
    prompts: Annotated[bool, typer.Option("--prompts", help="Write the neutral steering prompts instead.")] = False,
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    force: ForceOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the controlled scenario set (frames x six Ekman emotions + neutral, split by frame) as a table."""
    with handle_errors(debug):
        from affectlab.analyses.directions import load_scenarios, scenarios_path
        from affectlab.core.validation import check_choice
        from affectlab.io import read_table

        check_choice(split, "split", "directions data", ("train", "test", "all", "dev"))
        if prompts:
            frame = read_table(scenarios_path("neutral_prompts.csv"), as_text=("id", "split", "text"))
            frame = frame if split == "all" else frame[frame["split"] == split]
        else:
            scen = load_scenarios()
            frame = scen.frame if split == "all" else scen.split(split)
        with TableWriter(output or "-", fmt, force=force) as writer:
            writer.write(jsonable(frame.to_dict("records")))


@app.command()
def extract(
    model: LMOption = "gemma-3-270m",
    scenarios: Annotated[
        str | None, typer.Option("--scenarios", help="Your scenario table (text, emotion, frame[, split]).")
    ] = None,
    pool: Annotated[str, typer.Option("--pool", help="Hidden state of the directions: last (token) or mean.")] = "last",
    reading: Annotated[
        str,
        typer.Option(
            "--reading",
            help="event: after the cue ('... I felt'), what the event evokes; expressed: once the feeling is named "
            "('... I felt furious.'), the directions that steer best.",
        ),
    ] = "event",
    output: Annotated[str, typer.Option("--output", "-o", help="Directions file to write (.npz).")] = "directions.npz",
    plots: PlotsOption = None,
    batch_size: BatchOption = 16,
    threads: ThreadsOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Hidden states per layer, mean-difference emotion directions, and a probe per layer on held-out frames.

    --json prints {"model", "layers": [{"layer", "probe_accuracy"}, ...], "best_layer"}; the best layer is chosen
    with training frames held out, never on the test frames.
    """
    with handle_errors(debug):
        from affectlab.analyses.directions import extract as run

        check_output(output, force)
        directions = run(
            model,
            scenarios=scenarios,
            pool=pool,
            reading=reading,
            batch_size=batch_size,
            threads=threads,
            progress=progress_enabled(quiet),
        )
        directions.save(output)
        _plots(plots, directions=directions)
        if as_json:
            typer.echo(json.dumps(jsonable(directions.summary(), digits=4)))
            return
        typer.echo(f"layer  probe({directions.pool})  probe(other)  cv(train frames)")
        for layer, acc in enumerate(directions.probe_accuracy):
            other = directions.other_pool_accuracy[layer] if len(directions.other_pool_accuracy) else float("nan")
            mark = "  <- best" if layer == directions.best_layer else ""
            typer.echo(f"{layer:5d}  {acc:11.3f}  {other:12.3f}  {directions.cv_accuracy[layer]:16.3f}{mark}")
        if not quiet:
            stderr.print(f"wrote {output}", markup=False, highlight=False)


@app.command()
def localize(
    directions: DirectionsArg,
    model: LMOverride = None,
    scenarios: Annotated[str | None, typer.Option("--scenarios", help="Scenario table (its test split).")] = None,
    layers: Annotated[str | None, typer.Option("--layers", help="Layers to ablate, e.g. 4,8,13 (default all).")] = None,
    max_new_tokens: TokensOption = 20,
    judge: JudgeOption = "embedded",
    patching: Annotated[bool, typer.Option(help="Also patch the last prompt position layer by layer.")] = True,
    components: Annotated[bool, typer.Option(help="Attribute the best layer's direction to heads and neurons.")] = True,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Heads and neurons listed.")] = 10,
    report: ReportOption = None,
    plots: PlotsOption = None,
    batch_size: BatchOption = 16,
    seed: SeedOption = 0,
    threads: ThreadsOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Mean-ablate and patch each layer on emotional prompts; effect vs a random direction, with CIs."""
    with handle_errors(debug):
        from affectlab.analyses.directions import localize as run

        check_output(report, force)
        result = run(
            _load(directions),
            model=model,
            scenarios=scenarios,
            layers=_layers(layers),
            max_new_tokens=max_new_tokens,
            engine=judge,
            patching=patching,
            components=components,
            top_k=top_k,
            batch_size=batch_size,
            seed=seed,
            threads=threads,
            progress=progress_enabled(quiet),
        )
        _write_json(report, result.to_dict(), force)
        _plots(plots, localization=result)
        if as_json:
            typer.echo(json.dumps(result.to_dict()))
            return
        _echo_table("ablation", result.layers, ("drop", "control_drop", "influence"))
        if not result.patching.empty:
            _echo_table("patching", result.patching, ("gain", "control_gain", "influence"))
        for row in result.components.to_dict("records"):
            typer.echo(
                f"{row['kind']:>6} L{row['layer']}#{row['index']}: {row['score']:+.3f} "
                f"(random {row['control_score']:+.3f}; zeroed {row['zeroed_drop']:+.3f})"
            )


def _echo_table(title: str, table: Any, columns: tuple[str, str, str]) -> None:
    """One line per layer: three measures with their 95% CIs."""
    typer.echo(f"{title}: layer  " + "  ".join(f"{c + ' [95% CI]':<24}" for c in columns))
    for row in table.to_dict("records"):
        typer.echo(
            f"{row['layer']!s:>{len(title) + 7}}  "
            + "  ".join(f"{row[k]:+.3f} [{row[k + '_lo']:+.3f}, {row[k + '_hi']:+.3f}]" for k in columns)
        )


@app.command()
def steer(
    directions: DirectionsArg,
    emotion: Annotated[str, typer.Option("--emotion", "-e", help="Direction to add, e.g. sadness.")],
    prompt: Annotated[list[str] | None, typer.Option("--prompt", "-p", help="A prompt (repeatable).")] = None,
    prompts: Annotated[str | None, typer.Option("--prompts", help="Table of prompts (text column).")] = None,
    strength: Annotated[float, typer.Option("--strength", help="Multiple of the direction's norm.")] = 4.0,
    layers: Annotated[str | None, typer.Option("--layers", help="Layers to add it at (default best).")] = None,
    control: Annotated[bool, typer.Option("--control", help="Add a random direction of the same norm.")] = False,
    model: LMOverride = None,
    max_new_tokens: TokensOption = 30,
    batch_size: BatchOption = 16,
    seed: SeedOption = 0,
    threads: ThreadsOption = None,
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Generate with strength x an emotion direction added; one row per prompt (prompt, text), in order."""
    with handle_errors(debug):
        from affectlab.analyses.directions import neutral_prompts
        from affectlab.analyses.directions import steer as run

        texts = list(prompt or []) or neutral_prompts("test", prompts if prompts else None)
        result = run(
            _load(directions),
            texts,
            emotion,
            strength=strength,
            layers=_layers(layers),
            control=control,
            model=model,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
            seed=seed,
            threads=threads,
            progress=progress_enabled(quiet),
        )
        rows = [
            {"prompt": p, "text": t, "emotion": emotion, "strength": strength, "control": control}
            for p, t in zip(result.prompts, result.texts)
        ]
        with TableWriter(output or "-", fmt, force=force) as writer:
            writer.write(rows)


@app.command()
def evaluate(
    directions: DirectionsArg,
    prompts: Annotated[str | None, typer.Option("--prompts", help="Test prompts table (text column).")] = None,
    dev_prompts: Annotated[
        str | None, typer.Option("--dev-prompts", help="Prompts that choose the strength (text column).")
    ] = None,
    emotion: Annotated[list[str] | None, typer.Option("--emotion", "-e", help="Target (repeatable).")] = None,
    layers: Annotated[str | None, typer.Option("--layers", help="Layers to add at (default best).")] = None,
    candidate_layers: Annotated[
        str | None,
        typer.Option("--candidate-layers", help="Single layers to choose from per emotion on dev, e.g. 10,13,16."),
    ] = None,
    strengths: Annotated[str, typer.Option("--strengths", help="Candidate strengths, e.g. 2,4,6.")] = "2,4,6",
    floor: Annotated[float, typer.Option("--floor", min=0.0, max=1.0, help="Minimum distinct-2 (dev).")] = 0.5,
    model: LMOverride = None,
    max_new_tokens: TokensOption = 30,
    judge: JudgeOption = "embedded",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write every continuation (one row each) to this table.")
    ] = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
    batch_size: BatchOption = 16,
    seed: SeedOption = 0,
    threads: ThreadsOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Steered vs unsteered vs prompting baseline vs random direction, judged by affectlab, with fluency."""
    with handle_errors(debug):
        from affectlab.analyses.directions import evaluate_steering, neutral_prompts

        check_output(report, force)
        check_output(output, force)
        result = evaluate_steering(
            _load(directions),
            model=model,
            prompts=neutral_prompts("test", prompts) if prompts else None,
            dev_prompts=neutral_prompts("dev", dev_prompts) if dev_prompts else None,
            emotions=emotion or None,
            layers=_layers(layers),
            candidate_layers=_layers(candidate_layers),
            strengths=_strengths(strengths),
            floor=floor,
            max_new_tokens=max_new_tokens,
            engine=judge,
            batch_size=batch_size,
            seed=seed,
            threads=threads,
            progress=progress_enabled(quiet),
        )
        _write_json(report, result.to_dict(), force)
        if output is not None:
            with TableWriter(output, None, force=force) as writer:
                writer.write(jsonable(result.generations.to_dict("records"), digits=6))
        _plots(plots, steering=result)
        if as_json:
            typer.echo(json.dumps(result.to_dict()))
            return
        typer.echo("emotion   condition  strength  success [95% CI]     target_p  valence_shift  distinct-2  ppl")
        for row in result.summary.to_dict("records"):
            typer.echo(
                f"{row['emotion']:<9} {row['condition']:<10} {row['strength']:8.1f}  {row['success_rate']:.2f} "
                f"[{row['success_rate_lo']:.2f}, {row['success_rate_hi']:.2f}]  {row['target_prob']:8.3f}  "
                f"{row['valence_shift']:+13.3f}  {row['distinct_2']:10.2f}  {row['perplexity']:.1f}"
            )
