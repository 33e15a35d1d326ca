"""``affectlab judge``: an LLM rates responses on a rubric into a long rating table."""

from __future__ import annotations

from typing import Annotated

import typer

from affectlab.analyses.judge import judge as judge_responses
from affectlab.analyses.judge import load_rubric
from affectlab.core.serialize import jsonable
from affectlab.engines.llm import LLMClient
from affectlab.errors import ParameterError
from affectlab.io import TableWriter, progress_enabled, read_table
from affectlab.surfaces.cli._common import (
    ApiKeyEnvOption,
    ConcurrencyOption,
    DebugOption,
    DialectOption,
    ForceOption,
    IdColumnOption,
    InputFormatOption,
    LLMCacheOption,
    OutputFormatOption,
    OutputOption,
    QuietOption,
    SamplesOption,
    TemperatureOption,
    handle_errors,
    llm_options,
    stderr,
)


def judge(
    source: Annotated[
        str, typer.Argument(help="Table of responses (.csv .tsv .jsonl .json .parquet), or - for stdin.")
    ],
    rubric: Annotated[
        str,
        typer.Option(
            "--rubric", help="Built-in rubric (support-quality, empathy-epitome, empathy-dialogue) or a YAML/JSON file."
        ),
    ],
    model: Annotated[str, typer.Option("--model", "-m", help="The judge: llm:<model>@<base_url>.")],
    response_column: Annotated[str, typer.Option("--response-column", help="Column of the responses to rate.")] = (
        "response"
    ),
    context_column: Annotated[
        str | None, typer.Option("--context-column", help="Column of the message each response answers.")
    ] = None,
    id_column: IdColumnOption = None,
    rater: Annotated[str | None, typer.Option("--rater", help="Name in the rater column (default: the model).")] = None,
    template: Annotated[
        str, typer.Option("--template", help="Prompt template: built-in name or a YAML/JSON file.")
    ] = "judge",
    samples: SamplesOption = 1,
    api_key_env: ApiKeyEnvOption = None,
    llm_cache: LLMCacheOption = None,
    dialect: DialectOption = "auto",
    concurrency: ConcurrencyOption = 4,
    temperature: TemperatureOption = None,
    output: OutputOption = None,
    fmt: OutputFormatOption = None,
    input_format: InputFormatOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Rate each response on every attribute of a rubric (score, explanation), one row per response x attribute.

    The table (id, rater, attribute, score, spread, samples, explanation, model, rubric, template_hash, error)
    is what 'affectlab reliability' and 'affectlab agree' read. Answers are cached: a rerun, or a run
    resumed after an interruption, asks the server only for what is missing.
    """
    with handle_errors(debug):
        if not model.startswith("llm:"):
            raise ParameterError(f"The judge must be an LLM engine: --model llm:<model>@<base_url>. Got {model!r}.")
        frame = read_table(source, input_format)
        spec = load_rubric(rubric)  # a bad rubric fails before the server is contacted
        options = llm_options(
            model,
            samples=samples,
            api_key_env=api_key_env,
            llm_cache=llm_cache,
            dialect=dialect,
            concurrency=concurrency,
            temperature=temperature,
        )
        options.pop("samples")
        options.setdefault("temperature", 0.0 if samples == 1 else 0.7)
        client = LLMClient(model, **options)
        client.check()  # an unreachable server fails before the output file is opened
        writer = TableWriter(output or "-", fmt, force=force)
        with writer:
            ratings = judge_responses(
                frame,
                rubric=spec,
                model=client,
                response_column=response_column,
                context_column=context_column,
                id_column=id_column,
                samples=samples,
                rater=rater,
                template=template,
                progress=progress_enabled(quiet),
            )
            writer.write(jsonable(ratings.to_dict("records"), digits=6))
        if not quiet:
            failed = int((ratings["error"] != "").sum())
            stderr.print(
                f"judge: {len(frame):,} responses x {ratings['attribute'].nunique()} attributes = {len(ratings):,} "
                f"ratings, {failed:,} with an error; {client.usage.summary()}",
                markup=False,
                highlight=False,
            )
