"""Query: does the Nash equilibrium of M_beta* maximize the p-mean welfare? (001 Theorem 4.1)

Computes both sides and reports what it finds, without assuming the theorem: the certified NE of
M_beta* (with its unspent budgets b* = B - spending(s*)), the certified optimum of (19) at the
same beta, the welfare gap W_p* - W_p(NE), and the KKT certificate of the NE point in (19).

The study's status is the equilibrium query's own when no NE was certified (``unverified``,
``failed``, ``no_equilibrium_found``, ``assumption_violated``): nothing is computed from an
uncertified point and nothing more is claimed.  With a certified NE it is ``equilibrium``, or
``assumption_violated`` when the NE leaves an agent a negative unspent budget (the budget
constraint of (5), which the game's action boxes do not impose).  ``stats`` carries the NE's
termination, method and number of attempts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mechopt.certificates.kkt import KKTCertificate, kkt_certificate
from mechopt.certificates.nash import NashCertificate
from mechopt.solvers.nash import NashResult, solve_nash
from mechopt.data.functions import Quadratic
from mechopt.mechanisms.mbeta import BetaStar, BudgetGame, MBeta, optimal_beta_for
from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import FEASIBILITY_TOL, KKT_TOL, NASH_GAIN_TOL
from mechopt.data.utilities import BudgetUtility
from mechopt.programs.welfare import WelfareProgram
from mechopt.solvers.welfare import WelfareResult, solve_welfare


@dataclass(frozen=True)
class WelfareComparison(Serializable):
    p: float
    optimum: WelfareResult
    ne_welfare: float
    welfare_gap: float
    """W_p at the certified optimum minus W_p at the NE (>= 0 up to tolerances)."""
    ne_kkt: KKTCertificate
    """KKT certificate of the NE point in (19): verified iff the NE is itself optimal."""
    ne_maximizes: bool | None
    """True: the NE's own KKT certificate verified (it is optimal).  False: the optimum found is a
    feasible point with welfare higher than the NE's by more than the tolerance.  None: neither
    could be established."""


@dataclass(frozen=True)
class MBetaResult(Serializable):
    """The NE of M_beta, its budget balance and budgets, and the welfare comparisons."""

    kind: str
    status: Status
    beta: float
    beta_star: BetaStar | None
    equilibrium: NashResult
    unspent: np.ndarray | None
    payments: np.ndarray | None
    budget_balance_residual: float | None
    budgets_respected: bool | None
    ne_positive: bool | None
    """s* > 0, the premise of Theorem 4.1."""
    comparisons: tuple[WelfareComparison, ...]
    stats: SolveStats

    @property
    def certificate(self) -> NashCertificate:
        """The equilibrium's Nash certificate (each comparison carries its own KKT evidence)."""
        return self.equilibrium.certificate


def analyze_mbeta(
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
    mech = MBeta(cost, beta, n)
    ne = solve_nash(BudgetGame(utility, mech, budgets, tau), tol=nash_tol)
    nash = {"nash_tol": nash_tol, "kkt_tol": kkt_tol, "nash_method": ne.stats.method,
            "nash_attempts_tried": ne.stats.parameters.get("attempts_tried")}
    if ne.profile is None:  # the NE's status as it is (unverified, failed, ...): nothing more is claimed
        stats = SolveStats("mbeta", ne.stats.termination, ne.stats.iterations, time.perf_counter() - t0, nash)
        return MBetaResult("mbeta", ne.status, beta, star, ne, None, None, None, None, None, (), stats)
    s = ne.profile
    pay = mech.payments(s)
    b = budgets - mech.spending(s)
    spend_scale = np.maximum(np.abs(budgets), np.abs(mech.spending(s)))
    respected = bool(np.all(b >= -FEASIBILITY_TOL * spend_scale))
    comparisons = []
    for p in ps:
        program = WelfareProgram(utility, cost, budgets, beta, p)
        opt = solve_welfare(program, tol=kkt_tol)
        ne_w = program.welfare(np.maximum(b, 0.0), s)
        ne_kkt = kkt_certificate(program, np.concatenate([np.maximum(b, 0.0), s]), tol=kkt_tol)
        gap = float(opt.welfare - ne_w) if opt.welfare is not None else float("nan")
        scale = max(abs(ne_w), abs(opt.welfare or 0.0), np.finfo(float).tiny) if np.isfinite(ne_w) else np.inf
        better_point = isinstance(opt.certificate, KKTCertificate) and opt.certificate.primal_infeasibility <= kkt_tol
        maximizes = True if ne_kkt.verified else (False if better_point and gap > kkt_tol * scale else None)
        comparisons.append(WelfareComparison(p, opt, ne_w, gap, ne_kkt, maximizes))
    status = Status.EQUILIBRIUM if respected else Status.ASSUMPTION_VIOLATED
    stats = SolveStats("mbeta", ne.stats.termination, ne.stats.iterations, time.perf_counter() - t0, nash)
    return MBetaResult("mbeta", status, beta, star, ne, b, pay, float(abs(pay.sum())), respected,
                       bool(np.all(s > 0)), tuple(comparisons), stats)
