"""Infeasibility evidence for budget-constrained programs such as (19) of 001.

With b >= 0 and a spending that does not decrease on s >= 0, agent i needs B_i >= spending_i(0);
a budget below it proves that no feasible point exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mechopt.core.serialization import Serializable


class BudgetedProgram(Protocol):
    budgets: np.ndarray

    def minimum_spending(self) -> np.ndarray:
        """A lower bound on each agent's spending over the feasible actions."""


@dataclass(frozen=True)
class BudgetInfeasibility(Serializable):
    """Evidence that (19) has no feasible point: agent ``agent`` must spend at least
    ``minimum_spending`` (its spending at s = 0, a lower bound over s >= 0) but has budget
    ``budget`` < that, and b_agent >= 0."""

    kind: str
    agent: int
    minimum_spending: float
    budget: float
    tol: float
    verified: bool


def budget_infeasibility(program: BudgetedProgram, *, tol: float) -> BudgetInfeasibility:
    """The agent whose budget falls furthest below its minimum spending; verified iff it falls
    below by more than tol relative to the spending."""
    low = program.minimum_spending()
    i = int(np.argmax(low - program.budgets))
    shortfall = low[i] - program.budgets[i]
    verified = bool(shortfall > tol * max(abs(low[i]), abs(program.budgets[i]), np.finfo(float).tiny))
    return BudgetInfeasibility("budget_infeasibility", i, float(low[i]), float(program.budgets[i]), tol, verified)
