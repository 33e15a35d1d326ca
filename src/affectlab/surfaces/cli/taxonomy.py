"""``affectlab taxonomy``: list label sets, show one, explain a mapping."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from affectlab.core import taxonomy as tx
from affectlab.surfaces.cli._common import DebugOption, JsonOption, handle_errors

app = typer.Typer(help="Explain the taxonomies (label sets) and the mappings between them.", no_args_is_help=True)


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List the taxonomies with their size and kind."""
    names = tx.available_taxonomies()
    if as_json:
        typer.echo(
            json.dumps({n: {"labels": len(tx.load_taxonomy(n)), "kind": tx.load_taxonomy(n).kind} for n in names})
        )
        return
    table = Table("taxonomy", "also accepted as", "labels", "kind", "description")
    for name in names:
        t = tx.load_taxonomy(name)
        table.add_row(name, ", ".join(tx.aliases(name)), str(len(t)), t.kind, t.description)
    Console().print(table)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Taxonomy name, e.g. parrott or parrott:3.")],
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show a taxonomy's labels, source, and which taxonomies it maps to."""
    with handle_errors(debug):
        t = tx.load_taxonomy(name)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "name": t.name,
                        "kind": t.kind,
                        "labels": list(t.labels),
                        "source": t.source,
                        "description": t.description,
                        "parent": t.parent,
                    }
                )
            )
            return
        console = Console()
        console.print(f"[bold]{t.name}[/bold] ({t.kind}, {len(t)} labels, version {t.version})")
        console.print(t.description)
        console.print(f"source: {t.source}", highlight=False)
        if t.parent:
            groups: dict[str, list[str]] = {}
            for child, parent in t.parent.items():
                groups.setdefault(parent, []).append(child)
            for parent, children in groups.items():
                console.print(f"  {parent}: {', '.join(children)}")
        else:
            console.print("labels: " + ", ".join(t.labels))
        tiers = [n for n in tx.available_taxonomies() if n != t.name and n.split("-")[0] == t.name.split("-")[0]]
        if tiers and t.name.startswith("parrott"):
            others = ", ".join(f"{n} ({len(tx.load_taxonomy(n))} labels)" for n in tiers)
            console.print(f"other tiers of this hierarchy: {others}; show them with 'affectlab taxonomy show <name>'.")


@app.command("map")
def map_(
    label: Annotated[str, typer.Argument(help="A label of the source taxonomy.")],
    source: Annotated[str, typer.Option("--from", help="Source taxonomy.")] = "goemotions",
    target: Annotated[str, typer.Option("--to", help="Target taxonomy.")] = "ekman",
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show which target labels a source label supports, through which mappings, and why."""
    with handle_errors(debug):
        links = tx.label_links(label, source, target)
        chain = tx.mapping_path(source, target)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "label": label,
                        "from": source,
                        "to": target,
                        "targets": links,
                        "path": [f"{m.source}->{m.target}" for m in chain],
                    }
                )
            )
            return
        console = Console()
        console.print(
            f"{label} ({tx.load_taxonomy(source).name}) -> "
            + (", ".join(f"{k} (weight {v:g})" for k, v in links.items()) or "no label (maps to nothing)")
        )
        for m in chain:
            console.print(f"  via {m.source} -> {m.target}: {m.rationale}", highlight=False)
            console.print(f"      source: {m.citation}", highlight=False)
