"""Options and error handling shared by every command."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from affectlab.errors import (
    AffectlabError,
    AffectlabWarning,
    EngineError,
    EngineNotFound,
    InputError,
    ModelLoadError,
    ParameterError,
)

stderr = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or log lines on stderr.")]
ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="Engine: embedded (default), embedded:<folder>, lexicon, hf:<folder>, llm:<model>@<base_url>; "
        "see 'affectlab models list'.",
    ),
]
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the texts: auto[,<fallback>] (identified per text; English texts keep the English model) "
        "or a BRIGHTER code (deu, esp, hau, ...; eng = the English model). Default: the English model. Needs "
        "pip install 'affectlab[multilingual]' ./packages/affectlab-e5 for other languages.",
    ),
]
TaxonomyOption = Annotated[
    str | None,
    typer.Option("--taxonomy", "-t", help="goemotions, ekman, plutchik, parrott[:1|2|3], sentiment, semeval, ..."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
OutputOption = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Output file; format from its suffix. Default: JSON lines on stdout."),
]
OutputFormatOption = Annotated[
    str | None, typer.Option("--format", help="Output format: csv, tsv, jsonl, json, parquet.")
]
InputFormatOption = Annotated[
    str | None, typer.Option("--input-format", help="Input format when the suffix does not tell.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
TextColumnOption = Annotated[
    str | None, typer.Option("--text-column", help="Column holding the text (default 'text').")
]
IdColumnOption = Annotated[str | None, typer.Option("--id-column", help="Column of ids (default: row numbers).")]
SpeakerColumnOption = Annotated[str | None, typer.Option("--speaker-column", help="Column of speaker names.")]
TimeColumnOption = Annotated[str | None, typer.Option("--time-column", help="Column of timestamps or positions.")]
ReplyToColumnOption = Annotated[
    str | None, typer.Option("--reply-to-column", help="Column naming the id of the turn replied to (threads).")
]
ItemColumnOption = Annotated[str, typer.Option("--item-column", help="Column of item ids.")]
RaterColumnOption = Annotated[str, typer.Option("--rater-column", help="Column of rater ids.")]
ValueColumnOption = Annotated[str, typer.Option("--value-column", help="Column of the ratings.")]


LLM_PANEL = "LLM engines (--model llm:<model>@<base_url>)"
SamplesOption = Annotated[
    int,
    typer.Option(
        "--samples", min=1, help="Answers per text (self-consistency): vote shares, medians.", rich_help_panel=LLM_PANEL
    ),
]
ApiKeyEnvOption = Annotated[
    str | None,
    typer.Option(
        "--api-key-env",
        help="Name of the environment variable holding the server's API key (the key is never logged).",
        rich_help_panel=LLM_PANEL,
    ),
]
LLMCacheOption = Annotated[
    str | None,
    typer.Option(
        "--llm-cache",
        help="SQLite answer cache file, or 'off' (default ~/.cache/affectlab/llm.sqlite; $AFFECTLAB_CACHE_DIR).",
        rich_help_panel=LLM_PANEL,
    ),
]
DialectOption = Annotated[
    str,
    typer.Option("--dialect", help="Structured-output form: auto, openai, llamacpp.", rich_help_panel=LLM_PANEL),
]
ConcurrencyOption = Annotated[
    int, typer.Option("--concurrency", min=1, help="Requests in flight at once.", rich_help_panel=LLM_PANEL)
]
TemperatureOption = Annotated[
    float | None,
    typer.Option(
        "--temperature",
        min=0.0,
        help="Sampling temperature (default 0; 0.7 with --samples > 1).",
        rich_help_panel=LLM_PANEL,
    ),
]


def model_for_lang(model: str, lang: str | None) -> str:
    """The engine spec ``--lang`` stands for: ``model`` unchanged without it.

    ``--lang eng`` is the English model; ``--lang auto[,<fallback>]`` and ``--lang <code>`` the multilingual
    engine (which hands English texts to the English model). ``--lang`` chooses the model, so it cannot be
    combined with another ``--model``.
    """
    if lang is None:
        return model
    if model != "embedded":
        raise ParameterError(
            f"--lang chooses the model (English or multilingual); leave out --model {model}, or name the language "
            "in the model itself (--model multilingual:<lang>)."
        )
    code = lang.strip().lower()
    if code in ("eng", "en"):
        return "embedded"
    if not code or code.startswith(","):
        raise ParameterError(f"--lang needs auto, auto,<fallback> or a language code. Got {lang!r} instead.")
    return f"multilingual:{code}"


def llm_options(
    model: str,
    *,
    samples: int = 1,
    api_key_env: str | None = None,
    llm_cache: str | None = None,
    dialect: str = "auto",
    concurrency: int = 4,
    temperature: float | None = None,
) -> dict[str, Any]:
    """Engine options from the shared LLM flags; {} for other engines, which must not be given them."""
    given = {
        "--samples": samples != 1,
        "--api-key-env": api_key_env is not None,
        "--llm-cache": llm_cache is not None,
        "--dialect": dialect != "auto",
        "--concurrency": concurrency != 4,
        "--temperature": temperature is not None,
    }
    if not model.startswith("llm:"):
        used = [name for name, is_given in given.items() if is_given]
        if used:
            raise ParameterError(f"{', '.join(used)} apply to LLM engines only (--model llm:<model>@<base_url>).")
        return {}
    options: dict[str, Any] = {"samples": samples, "dialect": dialect, "concurrency": concurrency}
    if api_key_env:
        options["api_key_env"] = api_key_env
    if llm_cache is not None:
        options["cache"] = False if llm_cache.lower() == "off" else llm_cache
    if temperature is not None:
        options["temperature"] = temperature
    return options


def engine_for(model: str, options: dict[str, Any]) -> Any:
    """What an analysis's ``engine=`` gets: the name itself, or, with LLM options, the engine built with them."""
    if not options:
        return model
    from affectlab.engines.registry import load_engine

    return load_engine(model, **options)


def check_output(path: str | None, force: bool, what: str = "Output") -> None:
    """Refuse an existing output file (not ``-``, stdout) without ``--force``, before any work is done."""
    if path is not None and path != "-" and Path(path).exists() and not force:
        raise InputError(f"{what} file {path!r} exists; pass --force to overwrite it.")


def deprecated_option(old: str, new: str) -> Any:
    """A hidden option under an old spelling, kept for one release; resolve it with :func:`renamed`."""
    return typer.Option(old, hidden=True, help=f"Deprecated spelling of {new}.")


def renamed(new_value: T, old_value: T | None, old: str, new: str, default: T) -> T:
    """The value of an option given under its new or (with a warning) its deprecated spelling.

    ``new_value`` is what the new spelling parsed to (``default`` when not given).
    """
    if old_value is None:
        return new_value
    stderr.print(f"warning: {old} is deprecated and will be removed; use {new}.", highlight=False, markup=False)
    if new_value != default and new_value != old_value:
        raise ParameterError(f"Both {new} and its deprecated spelling {old} were given; keep only {new}.")
    return old_value


def fail(message: str) -> None:
    """Print ``error: message`` on stderr, the message as plain text (never read as rich markup)."""
    stderr.print("[red]error:[/red] ", end="", highlight=False)
    stderr.print(message, markup=False, highlight=False)


@contextmanager
def handle_errors(debug: bool = False) -> Iterator[None]:
    """Turn library errors into one line on stderr and the documented exit codes.

    0 ok, 1 runtime/engine failure, 2 usage or bad input (an unknown model included),
    130 interrupted, 141 output pipe closed by the reader (as ``head`` does; nothing is printed).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", AffectlabWarning)
            warnings.showwarning = _show_warning
            yield
    except KeyboardInterrupt:
        stderr.print("[red]interrupted[/red]")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(141) from None
    except (InputError, ParameterError, EngineNotFound) as exc:
        if debug:
            raise
        fail(str(exc))
        if isinstance(exc, EngineNotFound):
            stderr.print("hint: 'affectlab models list' shows the installed models.", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except (EngineError, AffectlabError, OSError) as exc:
        if debug:
            raise
        fail(str(exc))
        if isinstance(exc, ModelLoadError):
            stderr.print("hint: 'affectlab models list' shows the installed models.", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """Warnings as one ``warning: ...`` line on stderr, without the source line Python shows."""
    stderr.print(f"warning: {message}", markup=False, highlight=False)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not report the closed pipe."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured by a test runner)
        pass
    finally:
        os.close(devnull)
