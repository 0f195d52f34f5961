"""What every command shares: failing with a clear message (exit 2) and writing result envelopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

console = Console(width=160) if not Console().is_terminal else Console()
err_console = Console(stderr=True)


def fail(message: object) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code=2)


def writable(path: Path, force: bool, flag: str = "--out") -> Path:
    """``path`` if it may be written: not an existing file unless ``force``, not a folder."""
    if path.is_dir():
        fail(f"{flag}: {path} is a folder; give a file name")
    if path.exists() and not force:
        fail(f"{flag}: {path} exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        fail(f"{flag}: folder {path.parent} does not exist")
    return path


def emit(envelope: dict[str, Any], as_json: bool, out: Path | None, summary: str) -> None:
    """Print the envelope as JSON or the summary line; write it to ``out`` when given."""
    if out is not None:
        out.write_text(json.dumps(envelope, indent=2))
    if as_json:
        typer.echo(json.dumps(envelope, indent=2))
    else:
        console.print(summary, highlight=False)
