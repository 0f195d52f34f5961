"""``mechopt solve`` and ``mechopt verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..io.files import ModelFileError, load_model_file, load_result_file
from ..queries import query_for, solve_model, verify_result

console = Console(width=160) if not Console().is_terminal else Console()
err_console = Console(stderr=True)


def _fail(err: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {err}")
    raise typer.Exit(code=2)


def solve(
    models: Annotated[list[Path], typer.Argument(help="Model files (TOML) or folders of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result(s) as JSON on stdout.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write one RESULT.json per model.")] = None,
) -> None:
    """Answer the query of each model file and print its result with its certificate status."""
    files = [f for p in models for f in (sorted(p.glob("*.toml")) if p.is_dir() else [p])]
    if not files:
        _fail(ModelFileError("no model files given"))
    results = []
    table = Table(title="mechopt results")
    for col in ("model", "kind", "status", "certificate", "answer", "seconds"):
        table.add_column(col)
    for f in files:
        try:
            raw = load_model_file(f)
            result = solve_model(raw, source=str(f))
        except ModelFileError as e:
            _fail(e)
        results.append(result.to_dict())
        row = query_for(raw["kind"], str(f)).row(result)
        table.add_row(f.stem, raw["kind"], row.status, "verified" if row.verified else "NOT verified",
                      row.answer, f"{row.seconds:.3f}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{f.stem}.json").write_text(result.to_json())
    if as_json:
        typer.echo(json.dumps(results[0] if len(results) == 1 else results, indent=2))
    else:
        console.print(table)


def verify(
    result: Annotated[Path, typer.Argument(help="A result file written by `mechopt solve --json`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-check a saved result's certificate from its model alone. Exit 0 when the recomputed
    verdict agrees with the stored one, 1 when it does not."""
    try:
        report = verify_result(load_result_file(result), source=str(result))
    except ModelFileError as e:
        _fail(e)
    if as_json:
        typer.echo(report.to_json())
    else:
        verdict = "[green]verified[/]" if report.verified else "[red]not verified[/]"
        agree = "agrees with" if report.agrees else "[bold red]CONTRADICTS[/]"
        console.print(f"{result}: {report.kind} certificate {verdict}; recomputed verdict {agree} the stored one")
        for k, v in report.details.items():
            console.print(f"  {k}: {v}")
    raise typer.Exit(code=0 if report.agrees else 1)
