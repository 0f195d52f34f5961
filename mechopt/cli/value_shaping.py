"""``mechopt value-shaping-figures``: 000's Figures 2, 4, 5(c), 6 and 7 as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mechopt.cli.common import console, fail


def value_shaping_figures(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the PNG files into (created if missing).")],
    quick: Annotated[bool, typer.Option("--quick", help="Smaller sweeps (n up to 1000) for a fast check.")] = False,
) -> None:
    """Reproduce paper 000's figures (value shaping) as PNG files."""
    from mechopt.valueshaping import figures

    if out_dir.exists() and not out_dir.is_dir():
        fail(f"OUT_DIR: {out_dir} is a file; give a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = {"figure2": 3, "figure4": 3, "figure6": 3, "figure7": 3 if quick else 6, "gpt3": 1}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("value shaping figures", total=sum(steps.values()))

        def tick(msg: str) -> None:
            bar.update(task, advance=1, description=msg)

        figures.figure2(out_dir, tick=tick)
        figures.figure4(out_dir, quick=quick, tick=tick)
        figures.figure6(out_dir, quick=quick, tick=tick)
        figures.figure7(out_dir, quick=quick, tick=tick)
        g = figures.gpt3(out_dir, quick=quick, tick=tick)
    console.print(f"wrote {len(list(out_dir.glob('*.png')))} PNG files to {out_dir}; GPT-3 (C.1): smallest viable "
                  f"number of companies {g['n_min']}", highlight=False)
