"""The report's figures drawn on a Dask cluster's workers: the same PNG bytes as drawn in this
process, written by this process; a drawing's error is raised when the figures are written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mechopt.reproductions.report import FigureDrawing, figures_drawn_by, save_figure
from mechopt.sweeps.runner import local_client


def _line(fig: Any) -> None:
    ax = fig.subplots()
    ax.plot([1, 2, 3], [1e-3, 1e-1, 1.0], "o-", label="a curve")
    ax.set_yscale("log")
    ax.legend()


def _broken(fig: Any) -> None:
    fig.subplots().plot({}["missing"])


@pytest.mark.parametrize("crop", [False, True])
def test_figures_drawn_on_workers_are_the_figures_drawn_here(tmp_path: Path, crop: bool) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    name = save_figure(here, "000", "line", _line, (4.0, 3.0), crop=crop)
    with local_client(2, processes=False) as client:
        drawing = FigureDrawing(client)
        with figures_drawn_by(drawing):
            assert save_figure(there, "000", "line", _line, (4.0, 3.0), crop=crop) == name
        assert not (there / name).exists()  # submitted, not yet written
        drawing.write("000")
    assert (there / name).read_bytes() == (here / name).read_bytes()
    assert (here / name).stat().st_size > 1000


def test_a_drawing_error_is_raised_when_the_figures_are_written(tmp_path: Path) -> None:
    with local_client(1, processes=False) as client:
        drawing = FigureDrawing(client)
        with figures_drawn_by(drawing):
            save_figure(tmp_path, "000", "broken", _broken, (4.0, 3.0))
        drawing.write("001")  # another paper's figures: none
        with pytest.raises(KeyError, match="missing"):
            drawing.write("000")
    assert save_figure(tmp_path, "000", "after", _line, (4.0, 3.0)) == "figures/000_after.png"
    assert (tmp_path / "figures/000_after.png").is_file()  # outside the block: drawn here again
