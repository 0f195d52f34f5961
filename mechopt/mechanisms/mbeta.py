"""The budget-balanced mechanism M_beta of 001 Section 4 and its optimal parameter beta*.

Agent i is paid p_i(s) = beta (c_i(s_i) - 1/(n-1) sum_{j != i} c_j(s_j)); payments sum to zero.
With budgets B_i the unspent budget is b_i(s) = B_i - (1-beta) c_i(s_i) - beta/(n-1) sum_{j!=i}
c_j(s_j) (program (5)), and agent i's utility is u_i(b_i(s), s_1 + ... + s_n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.data.functions import PowerLaw, Quadratic
from mechopt.games.base import ContinuousGame, validate_bounds
from mechopt.core.serialization import Serializable
from mechopt.core.structured import DiagPlusLowRank
from mechopt.data.utilities import BudgetUtility, CobbDouglas, QuasiLinear


@dataclass(frozen=True)
class BetaStar(Serializable):
    """beta* of Definition 2, the root (14) of (6), with the Lemma 1 checks."""

    beta: float
    A: float
    """(sum_i 1/c_i)^-1."""
    C: float
    """sum_i c_i."""
    n: int
    equation_residual: float
    """|C beta^2 - (A n(n-2) + C) beta + A (n-1)^2| at beta (scaled by C)."""
    lemma1_holds: bool
    """0 <= beta <= 1 - 1/n (Lemma 1)."""


def optimal_beta(costs: np.ndarray, *, tol: float = 1e-12) -> BetaStar:
    """beta* from (6)/(14) for linear cost slopes ``costs`` (all > 0, n >= 2)."""
    c = np.asarray(costs, dtype=float)
    if c.ndim != 1 or c.size < 2:
        raise ValueError(f"costs: need the cost slopes of n >= 2 agents, got shape {c.shape}")
    if np.any(c <= 0) or not np.all(np.isfinite(c)):
        raise ValueError("costs: linear cost slopes c_i must be finite and > 0")
    n = c.size
    A, C = 1.0 / np.sum(1.0 / c), float(np.sum(c))
    lin = A * n * (n - 2) + C
    disc = lin**2 - 4 * A * C * (n - 1) ** 2
    # disc >= 0 by Lemma 1 (C/A >= n^2); it is 0 for equal costs, where rounding can make it -eps.
    disc = max(disc, 0.0) if disc > -tol * lin**2 else disc
    beta = (lin - np.sqrt(disc)) / (2 * C)
    residual = abs(C * beta**2 - lin * beta + A * (n - 1) ** 2) / C
    holds = bool(-tol <= beta <= 1 - 1 / n + tol)
    return BetaStar(float(beta), float(A), C, n, float(residual), holds)


def optimal_beta_for(cost: Quadratic, n: int) -> BetaStar:
    """beta* of (6) for ``n`` agents with the linear cost slopes of ``cost`` (a scalar slope is
    every agent's)."""
    return optimal_beta(np.broadcast_to(np.asarray(cost.slope, dtype=float), (n,)))


@dataclass(frozen=True)
class MBeta:
    """Payments of M_beta for costs c_i(s_i) (linear in Definition 2, convex in general)."""

    cost: Quadratic
    beta: float
    n: int

    def __post_init__(self) -> None:
        if not (0.0 <= self.beta <= 1.0):
            raise ValueError(f"beta: must lie in [0, 1], got {self.beta}")
        if self.n < 2:
            raise ValueError(f"n: M_beta needs n >= 2 agents, got {self.n}")

    def payments(self, s: np.ndarray) -> np.ndarray:
        costs = self.cost.value(s)
        return self.beta * (costs - (costs.sum() - costs) / (self.n - 1))

    def spending(self, s: np.ndarray) -> np.ndarray:
        """(1-beta) c_i(s_i) + beta/(n-1) sum_{j != i} c_j(s_j): what agent i pays for data."""
        return self.cost.value(s) - self.payments(s)


class BudgetGame(ContinuousGame):
    """The data-sharing game under M_beta with utilities u_i(b_i, S) (001 (5)).

    Player i chooses s_i in [0, tau_i].  The budget constraint b_i >= 0 of (5) is not imposed
    on the action set (it couples players); callers check it at the equilibrium.
    """

    def __init__(self, utility: BudgetUtility, mechanism: MBeta, budgets: np.ndarray, tau: np.ndarray) -> None:
        n = mechanism.n
        self.utility, self.mechanism = utility, mechanism
        self.budgets = np.broadcast_to(np.asarray(budgets, dtype=float), (n,)).copy()
        if not np.all(np.isfinite(self.budgets)):
            raise ValueError("budgets: must be finite")
        self.lower, self.upper = validate_bounds(np.zeros(n), np.broadcast_to(np.asarray(tau, float), (n,)).copy(), "tau")

    @property
    def own_concave(self) -> bool:
        return bool(self.mechanism.cost.convex) and self.mechanism.beta <= 1.0

    @property
    def concavity_proven(self) -> bool:
        """Concave in closed form for the built-in utilities (Cobb-Douglas; quasi-linear with a
        power-law or quadratic payoff) and quadratic costs: u_i is a concave non-decreasing function
        of (b_i, S), b_i is concave in s_i (convex cost, 1 - beta >= 0) and S is linear in s_i."""
        utility = self.utility
        built_in = isinstance(utility, CobbDouglas) or (
            isinstance(utility, QuasiLinear) and type(utility.payoff) in (PowerLaw, Quadratic))
        return self.own_concave and built_in and type(self.mechanism.cost) is Quadratic

    def unspent(self, s: np.ndarray) -> np.ndarray:
        return self.budgets - self.mechanism.spending(s)

    def utilities(self, s: np.ndarray) -> np.ndarray:
        return self.utility.value(self.unspent(s), np.full(self.n, s.sum()))

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        beta, cost = self.mechanism.beta, self.mechanism.cost
        ub, uS = self.utility.gradient(self.unspent(s), np.full(self.n, s.sum()))
        return uS - ub * (1 - beta) * cost.d1(s)

    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank:
        n, beta, cost = self.n, self.mechanism.beta, self.mechanism.cost
        b, S = self.unspent(s), np.full(n, s.sum())
        ub, _ = self.utility.gradient(b, S)
        ubb, ubS, uSS = self.utility.hessian(b, S)
        c1, c2 = cost.d1(s), cost.d2(s)
        own = -(1 - beta) * c1  # d b_i / d s_i
        cross = beta / (n - 1) * c1  # -(d b_i / d s_j), j != i
        P = ubb * own + ubS  # d F_i / d b_i
        Q = ubS * own + uSS  # d F_i / d S
        d = P * (own + cross) - ub * (1 - beta) * c2
        return DiagPlusLowRank(d, np.stack([P, Q], axis=1), np.stack([-cross, np.ones(n)], axis=1))

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        beta, cost, n = self.mechanism.beta, self.mechanism.cost, self.n
        c_now = cost.value(s)
        others = (c_now.sum() - c_now) / (n - 1)
        b = self.budgets[:, None] - (1 - beta) * cost.value(x) - beta * others[:, None]
        S = s.sum() - s[:, None] + x
        return self.utility.value(b, S)
