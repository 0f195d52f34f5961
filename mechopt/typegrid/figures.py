"""Figures of paper 002, each drawn on a matplotlib ``Axes`` (a new figure's when none is given)
and returned, for notebooks; ``save_png`` writes an axes' figure (Agg, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mechopt.core.status import Status
from mechopt.typegrid.certify import LINE_BOUND, DisparityBoundary
from mechopt.typegrid.linear_mep import MEPOutcome

if TYPE_CHECKING:
    from matplotlib.axes import Axes


FIGURE_SIZE = (6.4, 4.2)
"""Inches of the figure a plot draws when no axes are given."""


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=FIGURE_SIZE).subplots()


def save_png(ax: Axes, path: str | Path) -> Path:
    """Write the figure ``ax`` belongs to as a PNG file; its path."""
    path = Path(path)
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return path


def plot_disparity_curve(curve: Sequence[DisparityBoundary], ax: Axes | None = None) -> Axes:
    """Figure 3: K*(alpha) for 2 agents; filled markers are certified (dots on the full grid,
    diamonds by the line (1, K) and the continuum bound), open ones are the certified upper bounds
    of the (1, K) line search (lower bound: the full-grid limit)."""
    ax = _axes(ax)
    exact = [r for r in curve if r.status is Status.OPTIMAL]
    on_line = [r.certificate.existence is not None and r.certificate.existence.kind == LINE_BOUND for r in exact]
    full = [(r.alpha, r.max_disparity) for r, by_line in zip(exact, on_line) if not by_line]
    by_line = [(r.alpha, r.max_disparity) for r, by_line in zip(exact, on_line) if by_line]
    line = [(r.alpha, r.max_disparity) for r in curve if r.status is not Status.OPTIMAL and r.max_disparity is not None]
    if full:
        ax.plot(*zip(*full), "o", ms=3, color="C0", label="certified on the full grid")
    if by_line:
        ax.plot(*zip(*by_line), "D", ms=3, color="C2", label="certified by the line (1, K) and the continuum bound")
    if line:
        ax.plot(*zip(*line), "o", ms=4, mfc="none", color="C1", label="profiles (1, K) only (upper bound)")
    ax.set_yscale("log")
    ax.set_xlabel("market growth rate alpha")
    ax.set_ylabel("maximal data disparity K* = D / eps")
    ax.set_title("Disparity boundary for a desirable mechanism (2 agents)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def plot_mep_agents(agents: Sequence[int], data: Sequence[MEPOutcome], ax: Axes | None = None) -> Axes:
    """Figure 1: revenue, welfare and best model quality of MEP against the number of agents."""
    ax = _axes(ax)
    ax.plot(agents, [d.revenue for d in data], "o-", label="revenue")
    ax.plot(agents, [d.welfare for d in data], "s-", label="welfare")
    ax.plot(agents, [d.quality for d in data], "^-", label="model quality")
    ax.set_xlabel("number of agents")
    ax.set_title("MEP under linear externalities (means of 50 samples)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def plot_mep_types(opponent: Sequence[float], data: Sequence[MEPOutcome], ax: Axes | None = None) -> Axes:
    """Figure 2: welfare, revenue and both utilities of MEP with t_1 = 1 against t_2."""
    ax = _axes(ax)
    ax.plot(opponent, [d.welfare for d in data], label="welfare")
    ax.plot(opponent, [d.revenue for d in data], label="revenue")
    ax.plot(opponent, [d.utilities[0] for d in data], label="uti_1 (t_1 = 1)")
    ax.plot(opponent, [d.utilities[1] for d in data], label="uti_2")
    ax.set_xlabel("type of agent 2")
    ax.set_title("MEP with two agents (means of 50 samples)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
