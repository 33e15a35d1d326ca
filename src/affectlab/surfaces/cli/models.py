"""``affectlab models``: what models are installed, and their cards."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from affectlab.engines.embedded import default_model_dir, installed_models
from affectlab.engines.registry import available_engines
from affectlab.surfaces.cli._common import DebugOption, JsonOption, handle_errors

app = typer.Typer(help="List installed models and show their model cards.", no_args_is_help=True)


#: How each built-in engine is named on the command line, and what it is.
ENGINE_FORMS = {
    "embedded": ("embedded, embedded:<folder>", "the shipped ONNX model (default), or another artifact folder"),
    "lexicon": ("lexicon", "word-list baseline learnt from GoEmotions train, with negation scope"),
    "hf": ("hf:<folder>", "a local Hugging Face sequence-classification model (extra [hf])"),
    "multilingual": (
        "multilingual, multilingual:<lang>[,<fallback>]",
        "frozen-feature heads for 28 BRIGHTER languages with language identification (extra [multilingual])",
    ),
    "llm": ("llm:<model>@<base_url>", "any chat model behind an OpenAI-compatible server (extra [llm]; docs/llm.md)"),
}


def _config(name: str) -> dict[str, object]:
    return json.loads((default_model_dir(name) / "config.json").read_text(encoding="utf-8"))


@app.command("list")
def list_(as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """List the models shipped in the package."""
    with handle_errors(debug):
        rows = []
        for name in installed_models():
            config = _config(name)
            size = sum(p.stat().st_size for p in default_model_dir(name).iterdir())
            rows.append(
                {
                    "name": name,
                    "engine": config["name"],
                    "version": config["version"],
                    "native_taxonomy": config["native_taxonomy"],
                    "size_bytes": size,
                }
            )
        if as_json:
            typer.echo(json.dumps(rows))
            return
        table = Table("name", "engine", "version", "native taxonomy", "size", title="models shipped in the package")
        for r in rows:
            table.add_row(r["name"], r["engine"], r["version"], r["native_taxonomy"], f"{r['size_bytes'] / 1e6:.1f} MB")
        console = Console()
        console.print(table)
        engines = Table("--model", "what it is", title="engines (pass with --model)")
        for name in available_engines():
            form, what = ENGINE_FORMS.get(name, (name, "an engine registered by a plugin"))
            engines.add_row(escape(form), escape(what))
        console.print(engines)


@app.command()
def info(
    name: Annotated[str, typer.Argument(help="Model name (see 'models list').")] = "default",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show a model's configuration summary and its model card."""
    with handle_errors(debug):
        folder = default_model_dir(name)
        config = _config(name)
        if as_json:
            typer.echo(json.dumps({k: v for k, v in config.items() if k != "thresholds"}))
            return
        card = folder / "card.md"
        Console().print(Markdown(card.read_text(encoding="utf-8")) if card.is_file() else json.dumps(config, indent=2))
