"""Figures of paper 002, each drawn on a matplotlib ``Axes`` (a new figure's when none is given)
and returned, for notebooks; ``save_png`` writes an axes' figure (Agg, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mechopt.core.status import Status
from mechopt.typegrid.certify import DisparityBoundary
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


DisparityPoint = tuple[float, "int | None", bool, bool]
"""(alpha, K*(alpha) or its upper bound, certified exact, existence by the line and the continuum bound)."""


def draw_disparity(ax: Axes, points: Sequence[DisparityPoint]) -> None:
    """Figure 3's markers and axes: filled = certified (dots on the full grid, diamonds by the line
    (1, K) and the continuum bound), open = the certified upper bounds of the (1, K) line search."""
    full = [(a, k) for a, k, exact, on_line in points if exact and not on_line]
    by_line = [(a, k) for a, k, exact, on_line in points if exact and on_line]
    bounds = [(a, k) for a, k, exact, _ in points if not exact and k is not None]
    if full:
        ax.plot(*zip(*full), "o", ms=3, color="C0", label="K* certified on the full grid")
    if by_line:
        ax.plot(*zip(*by_line), "D", ms=3, color="C2", label="K* certified by the line (1, K) and the continuum bound")
    if bounds:
        ax.plot(*zip(*bounds), "o", ms=4, mfc="none", color="C1", label="upper bound from profiles (1, K)")
    ax.set_yscale("log")
    ax.set_xlabel("market growth rate alpha")
    ax.set_ylabel("maximal data disparity K* = D / eps")
    ax.set_title("Disparity boundary for a desirable mechanism (2 agents)")
    ax.grid(True, which="both", alpha=0.3)


def plot_disparity_curve(curve: Sequence[DisparityBoundary], ax: Axes | None = None) -> Axes:
    """Figure 3: K*(alpha) for 2 agents (:func:`draw_disparity`)."""
    ax = _axes(ax)
    draw_disparity(ax, [(r.alpha, r.max_disparity, r.status is Status.OPTIMAL, r.on_line) for r in curve])
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
