"""The ``mbeta`` kind: the equilibrium of M_beta and the query "does it maximize the p-mean
welfare?" (001 Section 4, Theorem 4.1), the answer type :class:`MBetaResult` and its one
certifier :func:`certify_mbeta`.

The equilibrium is judged by the nash kind's certifier on the budget game; beta* of (6) by its
closed form (14) and Lemma 1; unspent budgets, payments and budget balance are recomputed at the
answer's profile.  Each welfare comparison carries an optimum of (19) (judged by the welfare
kind's certifier) and the KKT certificate of the equilibrium's point in (19) (with the answer's
multipliers): the equilibrium maximizes W_p when its own KKT certificate verifies, and does not
when an established optimum beats it by more than the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.certificates.kkt import KKTCertificate
from mechopt.certificates.nash import NashResult, certify_nash
from mechopt.certificates.welfare import WelfareResult, certify_welfare, kkt_checks
from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import KKT_TOL, NASH_GAIN_TOL
from mechopt.core.verdict import Check, Verdict, bind, equal, judge, prefixed, sub_verdict
from mechopt.mechanisms.mbeta import BetaStar, BudgetGame, optimal_beta_for
from mechopt.programs.welfare import WelfareProgram

BUDGET_TOL = 1e-9
"""Largest negative unspent budget, relative to the budget and the spending, still counted as
respected (the budget constraint of (5))."""


@dataclass(frozen=True)
class WelfareComparison(Serializable):
    """One p: the optimum of (19), W_p at the equilibrium, the gap, the equilibrium's KKT
    certificate in (19), and whether the equilibrium maximizes W_p."""

    p: float
    optimum: WelfareResult
    ne_welfare: float
    welfare_gap: float
    """W_p at the optimum found minus W_p at the equilibrium (NaN when no optimum was found)."""
    ne_kkt: KKTCertificate
    """KKT certificate of the equilibrium's point (max(b, 0), s) in (19): verified iff it is optimal."""
    ne_maximizes: bool | None
    """True: the equilibrium's own KKT certificate verified.  False: an established optimum beats it
    by more than the tolerance.  None: neither could be established."""


@dataclass(frozen=True)
class MBetaResult(Answer):
    """The equilibrium of M_beta (best profile found, whatever its status), its budgets and
    payments there, and one welfare comparison per p when the equilibrium is established."""

    kind: str
    status: Status
    message: str
    beta: float
    beta_star: BetaStar | None
    equilibrium: NashResult
    unspent: np.ndarray
    payments: np.ndarray
    budget_balance_residual: float
    """|sum_i p_i| (0 for M_beta up to rounding)."""
    budgets_respected: bool
    ne_positive: bool
    """s* > 0, the premise of Theorem 4.1."""
    comparisons: tuple[WelfareComparison, ...]
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def certificate(self):  # type: ignore[no-untyped-def]
        """The equilibrium's Nash certificate (each comparison carries its own KKT evidence)."""
        return self.equilibrium.certificate


def budget_facts(game: BudgetGame, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, bool, bool]:
    """(unspent budgets, payments, |sum p|, budgets respected, s > 0) at the profile s."""
    mech = game.mechanism
    spending = mech.spending(s)
    unspent, payments = game.budgets - spending, mech.payments(s)
    scale = np.maximum(np.abs(game.budgets), np.abs(spending))
    respected = bool(np.all(unspent >= -BUDGET_TOL * scale))
    return unspent, payments, float(abs(payments.sum())), respected, bool(np.all(s > 0))


def ne_point(unspent: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The equilibrium as a point (b, s) of (19): unspent budgets clipped at 0."""
    return np.concatenate([np.maximum(unspent, 0.0), s])


def ne_maximizes(ne_verified: bool, optimum_established: bool, gap: float, scale: float, tol: float) -> bool | None:
    """True when the equilibrium's KKT certificate verified; False when an established optimum beats
    it by more than tol times the welfare scale; None otherwise."""
    if ne_verified:
        return True
    return False if optimum_established and gap > tol * scale else None


def welfare_gap(optimum: float | None, at_ne: float) -> tuple[float, float]:
    """(W_p at the optimum - W_p at the equilibrium, the scale they are compared at)."""
    gap = (optimum - at_ne) if optimum is not None else float("nan")
    return gap, max(abs(at_ne) if np.isfinite(at_ne) else 0.0, abs(optimum or 0.0), np.finfo(float).tiny)


def _comparison_checks(game: BudgetGame, p: float, c: WelfareComparison, x_ne: np.ndarray, kkt_tol: float,
                       prefix: str) -> list[Check]:
    program = WelfareProgram(game.utility, game.mechanism.cost, game.budgets, game.mechanism.beta, p)
    opt = sub_verdict(f"{prefix}.optimum", certify_welfare, program, c.optimum, tol=kkt_tol)
    ne_w = program.objective(x_ne)
    ne_kkt, kkt = kkt_checks(program, c.ne_kkt, x_ne, kkt_tol, f"{prefix}.ne_kkt")
    gap, scale = welfare_gap(c.optimum.welfare, ne_w)
    maximizes = ne_maximizes(ne_kkt.verified, opt.established, gap, scale, kkt_tol)
    gap_ok = bool(np.isnan(c.welfare_gap)) if np.isnan(gap) else bool(abs(c.welfare_gap - gap) <= 1e-9 * scale)
    return [equal(f"{prefix}.p", c.p, float(p)), *prefixed(f"{prefix}.optimum", opt), *kkt,
            bind(f"{prefix}.ne_welfare", c.ne_welfare, ne_w),
            Check(f"{prefix}.welfare_gap", c.welfare_gap, gap, gap_ok),
            equal(f"{prefix}.ne_maximizes", c.ne_maximizes, maximizes)]


def certify_mbeta(game: BudgetGame, ps: tuple[float, ...], beta_optimal: bool, answer: MBetaResult, *,
                  tol: float = NASH_GAIN_TOL, kkt_tol: float = KKT_TOL) -> Verdict:
    """The verdict on a claimed M_beta study (the one judge of the mbeta kind).

    Supported status: the equilibrium's when the nash certifier does not establish it; otherwise
    ``equilibrium``, or ``assumption_violated`` when an agent's unspent budget is negative (the
    budget constraint of (5), which the action boxes do not impose).  ``tol`` is the Nash
    tolerance, ``kkt_tol`` the welfare programs'."""
    mech, n = game.mechanism, game.n
    checks = [equal("kind", answer.kind, "mbeta"), equal("beta", answer.beta, float(mech.beta))]
    if beta_optimal:
        star = optimal_beta_for(mech.cost, n)
        claimed = answer.beta_star
        checks.append(Check("beta_star", None if claimed is None else claimed.to_dict(), star.to_dict(),
                            claimed is not None and claimed.n == star.n and claimed.lemma1_holds == star.lemma1_holds
                            and all(np.isclose(getattr(claimed, f), getattr(star, f), rtol=1e-12, atol=0.0)
                                    for f in ("beta", "A", "C", "equation_residual"))))
    else:
        checks.append(equal("beta_star", answer.beta_star, None))
    ne = sub_verdict("equilibrium", certify_nash, game, answer.equilibrium, tol=tol)
    checks += prefixed("equilibrium", ne)
    s = answer.equilibrium.profile
    unspent, payments, residual, respected, positive = budget_facts(game, s)
    money = float(np.max(np.abs(game.budgets), initial=0.0)) + float(np.max(np.abs(mech.spending(s)), initial=0.0))
    checks += [bind("unspent", answer.unspent, unspent, scale=money), bind("payments", answer.payments, payments, scale=money),
               bind("budget_balance_residual", answer.budget_balance_residual, residual, scale=money),
               equal("budgets_respected", answer.budgets_respected, respected),
               equal("ne_positive", answer.ne_positive, positive)]
    if ne.established and ne.status is Status.EQUILIBRIUM:
        supported = Status.EQUILIBRIUM if respected else Status.ASSUMPTION_VIOLATED
        if len(answer.comparisons) != len(ps):
            raise MalformedAnswer(f"comparisons: expected {len(ps)} (one per p of the model), got {len(answer.comparisons)}")
        x_ne = ne_point(unspent, s)
        for k, (p, c) in enumerate(zip(ps, answer.comparisons)):
            checks += _comparison_checks(game, p, c, x_ne, kkt_tol, f"comparisons[{k}]")
    else:
        supported = ne.status if ne.status is not Status.EQUILIBRIUM else Status.UNVERIFIED
        checks.append(Check("comparisons", len(answer.comparisons), "none without an established equilibrium",
                            not answer.comparisons))
    text = (f"equilibrium: {ne.rests_on}; welfare comparisons: Lagrangian bounds of (19) with the answer's "
            f"multipliers (relative tolerance {kkt_tol:g})")
    return judge("mbeta", answer.status, supported, checks, ne.basis, text, tol,
                 ("message", "stats", *(f"equilibrium.{u}" for u in ne.unchecked),
                  "comparisons[*].optimum.message", "comparisons[*].optimum.solver_duals",
                  "comparisons[*].optimum.stats"))
