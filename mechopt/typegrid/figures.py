"""Figures of paper 002 written as PNG files with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from mechopt.core.status import Status
from mechopt.typegrid.linear_mep import MEPOutcome
from mechopt.typegrid.certify import DisparityBoundary


def plot_disparity_curve(curve: Sequence[DisparityBoundary], path: str | Path) -> Path:
    """Figure 3: K*(alpha) for 2 agents; filled markers are certified on the full grid, open ones
    are the certified upper bounds of the (1, K) line search (lower bound: the full-grid limit)."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    full = [(r.alpha, r.max_disparity) for r in curve if r.status is Status.OPTIMAL]
    line = [(r.alpha, r.max_disparity) for r in curve if not r.status is Status.OPTIMAL and r.max_disparity is not None]
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
    return _save(fig, path)


def plot_mep_agents(agents: Sequence[int], data: Sequence[MEPOutcome], path: str | Path) -> Path:
    """Figure 1: revenue, welfare and best model quality of MEP against the number of agents."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    ax.plot(agents, [d.revenue for d in data], "o-", label="revenue")
    ax.plot(agents, [d.welfare for d in data], "s-", label="welfare")
    ax.plot(agents, [d.quality for d in data], "^-", label="model quality")
    ax.set_xlabel("number of agents")
    ax.set_title("MEP under linear externalities (means of 50 samples)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path)


def plot_mep_types(opponent: Sequence[float], data: Sequence[MEPOutcome], path: str | Path) -> Path:
    """Figure 2: welfare, revenue and both utilities of MEP with t_1 = 1 against t_2."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    ax.plot(opponent, [d.welfare for d in data], label="welfare")
    ax.plot(opponent, [d.revenue for d in data], label="revenue")
    ax.plot(opponent, [d.utilities[0] for d in data], label="uti_1 (t_1 = 1)")
    ax.plot(opponent, [d.utilities[1] for d in data], label="uti_2")
    ax.set_xlabel("type of agent 2")
    ax.set_title("MEP with two agents (means of 50 samples)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path
