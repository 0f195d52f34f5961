"""The ``mechopt`` command line: each command lives in a module named for what it does."""

from typing import Annotated

import typer

from mechopt.cli import privacy, reproduce, solve_verify, typegrid, value_shaping

app = typer.Typer(help="Incentive mechanism design with verifiable certificates.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
"""Plain help and usage errors (no rich panels): an error on stderr is one line, never wrapped."""


def _version(show: bool) -> None:
    if show:
        from mechopt import __version__

        typer.echo(f"mechopt {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_version,
                                               is_eager=True)] = False) -> None:
    """Incentive mechanism design with verifiable certificates."""

app.command("solve")(solve_verify.solve)
app.command("verify")(solve_verify.verify)
app.command("exists")(typegrid.exists)
app.command("disparity-boundary")(typegrid.disparity_boundary_cmd)
app.command("value-shaping-figures")(value_shaping.value_shaping_figures)
app.command("stackelberg")(privacy.stackelberg)
app.command("reproduce")(reproduce.reproduce)

__all__ = ["app"]
