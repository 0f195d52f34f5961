"""What every command shares: failing with a clear message (exit 2) and writing result envelopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

console = Console(width=160, soft_wrap=True) if not Console().is_terminal else Console(soft_wrap=True)
"""Stdout: tables at a fixed width without a terminal; text lines never wrapped."""
err_console = Console(stderr=True)
"""Stderr, for progress bars; messages go through `say` (never wrapped)."""


def say(message: object, label: str = "", style: str = "bold red") -> None:
    """``label message`` on stderr as one line per line of ``message``: never wrapped at the
    console's width (users grep it; without a terminal rich wraps at 80 columns) and never
    read as markup (a path or a traceback may hold ``[...]``); ``label`` styled on a terminal."""
    text = Text.assemble((label, style), " " if label else "", str(message))
    err_console.print(text, soft_wrap=True, highlight=False, markup=False, emoji=False)


def fail(message: object) -> NoReturn:
    """Exit 2 with ``error: message`` on stderr (one unwrapped line per line of the message)."""
    say(message, "error:")
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
