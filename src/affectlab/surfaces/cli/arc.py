"""``affectlab arc``: the emotion arc of a long text (a novel, a diary, a transcript)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from affectlab.analyses.document import ARC_FLAGS, STORY_SHAPES, Arc, Moment, document_arc
from affectlab.core.validation import check_choice
from affectlab.errors import InputError, MissingExtra, ParameterError
from affectlab.io import TableWriter, detect_format, progress_enabled
from affectlab.surfaces.cli._common import (
    DebugOption,
    ForceOption,
    InputFormatOption,
    JsonOption,
    LangOption,
    ModelOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    TaxonomyOption,
    check_output,
    handle_errors,
    model_for_lang,
    stderr,
)
from affectlab.surfaces.plots.arc import save_arc_plot

PLOT_SUFFIXES = (".png", ".html", ".htm")


def arc(
    source: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    unit: Annotated[
        str, typer.Option("--unit", "-u", help="Segments: sentence, paragraph, or window:N (N words each).")
    ] = "sentence",
    smooth: Annotated[
        str, typer.Option("--smooth", "-s", help="Smoothing: dct:K, rolling:K, loess, loess:F, or none.")
    ] = "dct:10",
    taxonomy: TaxonomyOption = None,
    model: ModelOption = "embedded",
    lang: LangOption = None,
    output: OutputOption = None,
    output_format: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    plot: Annotated[
        str | None,
        typer.Option(
            "--plot", help="Write a plot: .png (needs the plot extra) or .html (interactive, self-contained)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Segments per engine call.")] = 256,
    strip_gutenberg: Annotated[
        bool,
        typer.Option(
            "--strip-gutenberg/--no-strip-gutenberg", help="Drop a Project Gutenberg header and licence footer."
        ),
    ] = True,
    force: ForceOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Trace how emotions move through a long text: smoothed curves, peaks, troughs and the story shape.

    -o writes the per-segment table (format from the suffix or --format); --plot a PNG or an HTML page.
    """
    with handle_errors(debug):
        model = model_for_lang(model, lang)
        if input_format is not None:
            check_choice(input_format, "input_format", "affectlab arc", {"txt"})
        _check_outputs(output, output_format, plot, force)
        result = document_arc(
            _read_source(source),
            unit=unit,
            smooth=None if smooth.lower() == "none" else smooth,
            taxonomy=taxonomy,
            engine=model,
            batch_size=batch_size,
            progress=progress_enabled(quiet),
            strip_gutenberg=strip_gutenberg,
        )
        if output is not None:
            with TableWriter(output, output_format, force=force) as writer:
                writer.write(result.segments.to_dict("records"))
        if plot is not None:
            save_arc_plot(result, plot)
        if as_json:
            data = result.to_dict(segments=False) | {"output": output, "plot": plot}
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif output != "-":
            typer.echo(summary_text(result, "standard input" if source == "-" else source))
        if not quiet:
            written = ", ".join(p for p in (output, plot) if p and p != "-")
            stderr.print(f"{result.n_segments} segments" + (f" -> {written}" if written else ""), highlight=False)


def _read_source(source: str) -> bytes | Path:
    """The bytes of standard input for ``-`` (checked as text by document_arc), else the existing file."""
    if source == "-":
        return sys.stdin.buffer.read()
    if not Path(source).is_file():
        raise InputError(f"Input file {source!r} does not exist.")
    return Path(source)


def _check_outputs(output: str | None, output_format: str | None, plot: str | None, force: bool) -> None:
    """Refuse bad or existing output files before the (long) analysis runs."""
    check_output(output, force)
    check_output(plot, force, "Plot")
    if output is not None and detect_format("x.jsonl" if output == "-" else output, output_format) == "txt":
        raise ParameterError(f"The output file must be .csv, .tsv, .jsonl, .json or .parquet. Got {output!r}.")
    if plot is not None:
        if Path(plot).suffix.lower() not in PLOT_SUFFIXES:
            raise ParameterError(f"The plot file must end in .png, .html or .htm. Got {plot!r} instead.")
        if plot.lower().endswith(".png") and importlib.util.find_spec("matplotlib") is None:
            raise MissingExtra("PNG plots need matplotlib: pip install 'affectlab[plot]' (or use --plot arc.html).")


def _quote(moment: Moment, limit: int = 100) -> str:
    text = moment.text if len(moment.text) <= limit else moment.text[: limit - 1].rstrip() + "…"
    return f"t={moment.time:.2f}  smoothed valence {moment.value:+.2f}  #{moment.position}  {text}"


def summary_text(result: Arc, name: str) -> str:
    """The human summary of an arc: settings, shape, peaks and troughs of smoothed valence, sections, flags."""
    lines = [
        f"{name}: {result.n_segments} {result.unit} segments, {result.n_words} words; "
        f"smoothing {result.smooth}; taxonomy {result.taxonomy}; model {result.model}",
    ]
    if result.shape:
        others = sorted((kv for kv in result.shape_scores.items() if kv[0] != result.shape), key=lambda kv: -kv[1])
        runner_up = ", ".join(f"{k} {v:+.2f}" for k, v in others[:2])
        lines.append(
            f"shape     {result.shape} ({STORY_SHAPES[result.shape]}), r = {result.shape_score:+.2f}  "
            f"(other shapes: {runner_up})"
        )
    else:
        lines.append("shape     none (the valence arc is flat)")
    lines += [f"peak      {_quote(m)}" for m in result.peaks]
    lines += [f"trough    {_quote(m)}" for m in result.troughs]
    dominant = [
        f"{row.start_time:.1f}-{row.end_time:.1f} {row.dominant}"
        for row in result.sections.itertuples()
        if isinstance(row.dominant, str)  # sections without segments hold None or NaN
    ]
    lines.append("sections  " + ", ".join(dominant))
    if result.flags:
        lines.append("flags     " + ", ".join(result.flags))
    if "smoothing_clamped" in result.flags:
        lines.append(f"note      smoothing_clamped: {ARC_FLAGS['smoothing_clamped']}")
    return "\n".join(lines)
