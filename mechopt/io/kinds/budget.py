"""The ``welfare`` and ``mbeta`` kinds: program (19) and the M_beta study of 001 Section 4."""

from __future__ import annotations

from mechopt.analyses.theorem41 import solve_mbeta
from mechopt.certificates.mbeta import MBetaResult, certify_mbeta
from mechopt.certificates.welfare import WelfareResult, certify_welfare
from mechopt.core.status import Status
from mechopt.core.tolerances import KKT_TOL, NASH_GAIN_TOL
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.budget import MBetaModel, WelfareModel, budget_game, welfare_program
from mechopt.mechanisms.mbeta import optimal_beta_for
from mechopt.solvers.welfare import solve_welfare


def _welfare_program(model: WelfareModel):  # type: ignore[no-untyped-def]
    return welfare_program(model, model.beta, model.welfare_p)


def _solve_welfare(model: WelfareModel, tol: float) -> WelfareResult:
    return solve_welfare(_welfare_program(model), tol=tol)


def _certify_welfare(model: WelfareModel, answer: WelfareResult, tol: float) -> Verdict:
    return certify_welfare(_welfare_program(model), answer, tol=tol)


def welfare_summary(r: WelfareResult) -> str:
    if r.status is Status.INFEASIBLE:
        c = r.certificate
        return f"infeasible: agent {c.agent} needs {c.minimum_spending:.4g} > budget {c.budget:.4g}"
    return f"W_p = {r.welfare:.6g} at s = {short(r.s)}" if r.welfare is not None else "no point"


def _beta(model: MBetaModel) -> float:
    return optimal_beta_for(model.cost, model.n).beta if model.beta == "optimal" else float(model.beta)


def _solve_mbeta(model: MBetaModel, tol: float) -> MBetaResult:
    game = budget_game(model, _beta(model))
    return solve_mbeta(game.utility, game.mechanism.cost, game.budgets, game.upper,
                         beta=None if model.beta == "optimal" else float(model.beta), ps=tuple(model.welfare_p), nash_tol=tol)


def _certify_mbeta(model: MBetaModel, answer: MBetaResult, tol: float) -> Verdict:
    return certify_mbeta(budget_game(model, _beta(model)), tuple(float(p) for p in model.welfare_p), model.beta == "optimal",
                         answer, tol=tol)


def mbeta_summary(r: MBetaResult) -> str:
    text = f"beta = {r.beta:.4g}, s = {short(r.equilibrium.profile)}"
    if r.comparisons:
        verdicts = {True: "yes", False: "no", None: "?"}
        text += "; NE maximizes W_p for p = " + ", ".join(f"{c.p:g}: {verdicts[c.ne_maximizes]}" for c in r.comparisons)
    return text


KINDS = (Kind("welfare", WelfareModel, WelfareResult, _solve_welfare, _certify_welfare, KKT_TOL, welfare_summary),
         Kind("mbeta", MBetaModel, MBetaResult, _solve_mbeta, _certify_mbeta, NASH_GAIN_TOL, mbeta_summary))
