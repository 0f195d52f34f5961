"""The ``mechopt`` command line: each command lives in a module named for what it does."""

import typer

from . import solve_verify

app = typer.Typer(help="Incentive mechanism design with verifiable certificates.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.command("solve")(solve_verify.solve)
app.command("verify")(solve_verify.verify)

__all__ = ["app"]
