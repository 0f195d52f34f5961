"""Query: does the Nash equilibrium of M_beta* maximize the p-mean welfare? (001 Theorem 4.1)

Computes both sides and reports what it finds, without assuming the theorem: the NE of M_beta*
(with its unspent budgets b* = B - spending(s*)), and, when the NE is certified, for each p the
optimum of (19) at the same beta, the welfare gap W_p* - W_p(NE), and the KKT certificate of the NE
point in (19) with multipliers fitted there.  The answer is judged by the mbeta kind's certifier
(:func:`~mechopt.certificates.mbeta.certify_mbeta`); ``stats`` carries the NE's termination,
method and number of attempts.
"""

from __future__ import annotations

import time

import numpy as np

from mechopt.certificates.mbeta import (MBetaResult, WelfareComparison, budget_facts, certify_mbeta, ne_maximizes,
                                        ne_point, welfare_gap)
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import KKT_TOL, NASH_GAIN_TOL
from mechopt.data.functions import Quadratic
from mechopt.data.utilities import BudgetUtility
from mechopt.mechanisms.mbeta import BudgetGame, MBeta, optimal_beta_for
from mechopt.programs.welfare import WelfareProgram
from mechopt.solvers.nash import solve_nash
from mechopt.solvers.welfare import kkt_at, solve_welfare


def solve_mbeta(
    utility: BudgetUtility,
    cost: Quadratic,
    budgets: np.ndarray,
    tau: np.ndarray,
    *,
    beta: float | None = None,
    ps: tuple[float, ...] = (),
    nash_tol: float = NASH_GAIN_TOL,
    kkt_tol: float = KKT_TOL,
) -> MBetaResult:
    """Solve the NE of M_beta (beta* of (6) when ``beta`` is None) and compare with (19) for each p."""
    t0 = time.perf_counter()
    budgets = np.asarray(budgets, dtype=float)
    n = budgets.size
    star = None
    if beta is None:
        if np.any(np.asarray(cost.curvature) != 0):
            raise ValueError("cost.curvature: beta* of (6) is defined for linear costs only")
        star = optimal_beta_for(cost, n)
        beta = star.beta
    game = BudgetGame(utility, MBeta(cost, beta, n), budgets, tau)
    ne = solve_nash(game, tol=nash_tol)
    s = ne.profile
    unspent, payments, residual, respected, positive = budget_facts(game, s)
    comparisons = []
    if ne.success:
        x_ne = ne_point(unspent, s)
        for p in ps:
            program = WelfareProgram(utility, cost, budgets, beta, p)
            opt = solve_welfare(program, tol=kkt_tol)
            ne_w = program.objective(x_ne)
            ne_kkt = kkt_at(program, x_ne, kkt_tol)
            gap, scale = welfare_gap(opt.welfare, ne_w)
            maximizes = ne_maximizes(ne_kkt.verified, opt.success, gap, scale, kkt_tol)
            comparisons.append(WelfareComparison(float(p), opt, ne_w, gap, ne_kkt, maximizes))
    stats = SolveStats("mbeta", ne.stats.termination, ne.stats.iterations, time.perf_counter() - t0,
                       {"nash_tol": nash_tol, "kkt_tol": kkt_tol, "nash_method": ne.stats.method,
                        "nash_attempts_tried": ne.stats.parameters.get("attempts_tried")})
    draft = MBetaResult("mbeta", Status.UNVERIFIED, "", float(beta), star, ne, unspent, payments, residual, respected,
                        positive, tuple(comparisons), stats)
    return draft.certified(certify_mbeta(game, tuple(float(p) for p in ps), star is not None, draft, tol=nash_tol,
                                         kkt_tol=kkt_tol))
