"""``mechopt value-shaping-figures``: 000's Figures 2, 4, 5(c), 6 and 7, as ``mechopt reproduce 000``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mechopt.cli.reproduce import run_papers


def value_shaping_figures(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the report and figures/ (created if missing).")],
    quick: Annotated[bool, typer.Option("--quick", help="Smaller sweeps (n up to 1000) for a fast check.")] = False,
) -> None:
    """Reproduce paper 000's figures (value shaping): ``mechopt reproduce 000 --resume --out OUT_DIR``
    (points already in OUT_DIR's store are reused; nothing is deleted)."""
    run_papers(["000"], quick=quick, out=out_dir, resume=True, force=False, scheduler=None, workers=None)
