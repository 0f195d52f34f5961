"""The answer to a ``kind = "mechanism"`` model: a mechanism's certified equilibrium with its
payments and 003's metrics (4)-(6) at it.

``solve_mechanism`` solves the mechanism's game (module :mod:`.metrics`) and M^0's with the same
method; reciprocity (4), data share, data gain (5) and accuracy gain (6) are evaluated at the two
certified equilibria found (one each, not a min/max over all equilibria: use
:func:`~mechopt.reciprocity.metrics.evaluate` for the multi-start search).  Shapley values come
from the exact engines (enumeration for n <= 20, agent-type counts otherwise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.reciprocity.metrics import MECHANISMS, mbeta_parameter, mechanism_game, payments, reciprocity_ratio
from mechopt.solvers.nash import NashResult, solve_nash


@dataclass(frozen=True)
class MechanismMetrics(Serializable):
    """Payments and metrics at a certified equilibrium s of the mechanism (s0: M^0's)."""

    payments: np.ndarray
    shapley: np.ndarray
    payoffs: np.ndarray
    budget_balance: float
    """sum_i p_i(s) (0 for a budget-balanced mechanism, up to rounding)."""
    reciprocity: float
    """min_i (a_i(s) + p_i(s)) / phi_i(s) (agents with phi_i = 0 left out when a_i + p_i = 0, +inf otherwise)."""
    data_share: float
    """||s||_1."""
    data_gain: float
    """||s||_1 / ||s0||_1."""
    accuracy_gain: float
    """sum_i a_i(s) / sum_i a_i(s0)."""


@dataclass(frozen=True)
class MechanismResult(Serializable):
    kind: str
    mechanism: str
    status: Status
    beta: float | None
    equilibrium: NashResult
    baseline: NashResult
    """M^0's equilibrium (the denominator of (5) and (6))."""
    payments: np.ndarray | None
    shapley: np.ndarray | None
    payoffs: np.ndarray | None
    budget_balance: float | None
    reciprocity: float | None
    data_share: float | None
    data_gain: float | None
    accuracy_gain: float | None
    stats: SolveStats

    @property
    def certificate(self):
        return self.equilibrium.certificate


def mechanism_metrics(mechanism: str, payoff: LinearIndexPayoff, cost: Quadratic, s: np.ndarray, s0: np.ndarray, *,
                      beta: float | None) -> MechanismMetrics:
    p, phi = payments(mechanism, payoff, cost, s, beta=beta)
    a = payoff.values(s)
    acc0 = float(np.sum(payoff.values(s0)))
    return MechanismMetrics(p, phi, a, float(np.sum(p)), reciprocity_ratio(a, p, phi), float(np.sum(s)),
                            float(np.sum(s) / np.sum(s0)), float(np.sum(a)) / acc0)


def solve_mechanism(mechanism: str, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *,
                    beta: float | None = None, method: str = "newton", tol: float = 1e-9,
                    batch: int | None = None, step: float | None = None) -> MechanismResult:
    """Certified equilibria of the mechanism and of M^0, and the metrics at them."""
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {MECHANISMS}, got {mechanism!r}")
    if not isinstance(payoff, LinearIndexPayoff):
        raise ValueError(f"payoff: the mechanism kind needs a payoff of a linear index (power_law, pac_bound, linear "
                         f"or grouped), got {type(payoff).__name__}")
    t0 = time.perf_counter()
    b = mbeta_parameter(cost, payoff.n, beta) if mechanism == "budget_balanced" else None
    options = {"method": method, "tol": tol, "batch": batch, "step": step}
    eq = solve_nash(mechanism_game(mechanism, payoff, cost, tau, beta=b), **options)
    base = eq if mechanism == "none" else solve_nash(mechanism_game("none", payoff, cost, tau), **options)
    stats = SolveStats(method=eq.stats.method, termination=eq.stats.termination, iterations=eq.stats.iterations,
                       seconds=time.perf_counter() - t0, parameters={"mechanism": mechanism, "beta": b})
    if eq.status is not Status.EQUILIBRIUM or base.status is not Status.EQUILIBRIUM:
        status = eq.status if eq.status is not Status.EQUILIBRIUM else base.status
        return MechanismResult("mechanism", mechanism, status, b, eq, base, None, None, None, None, None, None, None,
                               None, stats)
    m = mechanism_metrics(mechanism, payoff, cost, eq.profile, base.profile, beta=b)
    return MechanismResult("mechanism", mechanism, Status.EQUILIBRIUM, b, eq, base, m.payments, m.shapley, m.payoffs,
                           m.budget_balance, m.reciprocity, m.data_share, m.data_gain, m.accuracy_gain, stats)
