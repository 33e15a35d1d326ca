"""The ``affectlab`` command: one thin function per sub-command, each calling the API."""

from __future__ import annotations

from typing import Annotated

import typer

from affectlab.surfaces.cli import directions, models, taxonomy
from affectlab.surfaces.cli.aggregate import aggregate
from affectlab.surfaces.cli.agree import agree
from affectlab.surfaces.cli.analyze import analyze
from affectlab.surfaces.cli.arc import arc
from affectlab.surfaces.cli.conversation import conversation
from affectlab.surfaces.cli.corpus import corpus
from affectlab.surfaces.cli.eval import eval_
from affectlab.surfaces.cli.judge import judge
from affectlab.surfaces.cli.polarization import polarization_
from affectlab.surfaces.cli.reliability import reliability
from affectlab.surfaces.cli.serve import serve

app = typer.Typer(
    name="affectlab",
    help="Read affect in text: emotions in any taxonomy, valence/arousal/dominance, sentiment, intensity.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from affectlab.core.version import affectlab_version

        typer.echo(f"affectlab {affectlab_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Read affect in text: emotions in any taxonomy, valence/arousal/dominance, sentiment, intensity."""


app.command()(analyze)
app.command()(arc)
app.add_typer(taxonomy.app, name="taxonomy")
app.add_typer(models.app, name="models")
app.command(name="eval")(eval_)
app.command()(conversation)
app.command()(corpus)
app.command()(agree)
app.command()(aggregate)
app.command(name="polarization")(polarization_)
app.command()(reliability)
app.command()(judge)
app.command()(serve)
app.add_typer(directions.app, name="directions")


def main() -> None:
    """Console-script entry point."""
    app()
