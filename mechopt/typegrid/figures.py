"""Figures of paper 002 written as PNG files with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from .market_growth import DisparityBoundary


def plot_disparity_curve(curve: Sequence[DisparityBoundary], path: str | Path) -> Path:
    """Figure 3: K*(alpha) for 2 agents; filled markers are certified on the full grid, open ones
    are the certified upper bounds of the (1, K) line search (lower bound: the full-grid limit)."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    full = [(r.alpha, r.max_disparity) for r in curve if r.certified]
    line = [(r.alpha, r.max_disparity) for r in curve if not r.certified and r.max_disparity is not None]
    if full:
        ax.plot(*zip(*full), "o", ms=3, color="C0", label="certified on the full grid")
    if line:
        ax.plot(*zip(*line), "o", ms=4, mfc="none", color="C1", label="profiles (1, K) only (upper bound)")
    ax.set_yscale("log")
    ax.set_xlabel("market growth rate alpha")
    ax.set_ylabel("maximal data disparity K* = D / eps")
    ax.set_title("Disparity boundary for a desirable mechanism (2 agents)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path
