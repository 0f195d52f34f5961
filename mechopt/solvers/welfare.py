"""Program (19) solved with cvxpy (Clarabel by default), its answer certified from the model.

The solver's point is polished by Newton steps on the KKT system with its active set fixed and
judged by :func:`~mechopt.certificates.kkt.kkt_certificate`; an infeasible program is reported
as ``infeasible`` only with :class:`~mechopt.certificates.infeasibility.BudgetInfeasibility`
evidence, whatever the solver said.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from mechopt.certificates.infeasibility import BudgetInfeasibility, budget_infeasibility
from mechopt.certificates.kkt import KKTCertificate, kkt_certificate
from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import KKT_TOL
from mechopt.programs.welfare import WelfareProgram

CLARABEL = "CLARABEL"
SOLVER_OPTIONS: dict[str, dict[str, float]] = {
    CLARABEL: {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8},
}
"""Tight interior-point tolerances: the KKT certificate is checked at the returned point."""


@dataclass(frozen=True)
class WelfareResult(Serializable):
    """Optimum of (19) with the solver's duals and an independently computed certificate: KKT for
    an optimum, budget infeasibility for ``infeasible``, None when the solver failed."""

    kind: str
    status: Status
    p: float
    beta: float
    b: np.ndarray | None
    s: np.ndarray | None
    welfare: float | None
    utilities: np.ndarray | None
    solver_duals: dict[str, np.ndarray]
    """Duals reported by the solver for (budget, b >= 0, s >= 0); not used by the certificate."""
    certificate: KKTCertificate | BudgetInfeasibility | None
    stats: SolveStats


def polish(program: WelfareProgram, x: np.ndarray, *, zero: float = 1e-7, steps: int = 20) -> np.ndarray:
    """Newton steps on the KKT system (20)-(21) of (19) with the solver's active set fixed.

    Interior-point solutions are accurate to about the square root of the solver tolerance in
    flat directions; a few Newton steps with the budgets tight and near-zero entries of x fixed at
    zero recover full accuracy.  Entries are judged zero and differenced relative to their block's
    scale (money for b, the largest s for s), so polishing means the same in any units.  The
    polished point is kept only if it stays feasible; the KKT certificate then judges whichever
    point is returned.
    """
    if program.p == -np.inf:
        return x
    n, dim = program.n, x.size
    money, _ = program.scales()
    d = np.concatenate([np.full(n, money), np.full(n, max(float(np.max(x[n:])), np.finfo(float).tiny))])
    x = x.copy()
    free = np.flatnonzero(x > zero * d)
    if free.size == 0:
        return x
    x[np.setdiff1d(np.arange(dim), free)] = 0.0
    J = program.constraint_jacobian(x)[:, free]
    grad = program.objective_gradient(x)[free]
    if not np.all(np.isfinite(grad)):
        return x
    mu = np.linalg.lstsq(J.T, grad, rcond=None)[0]
    h = 1e-6 * d
    m = J.shape[0]
    for _ in range(steps):
        grad = program.objective_gradient(x)[free]
        resid = np.concatenate([grad - J.T @ mu, program.constraints(x)])
        H = np.empty((free.size, free.size))
        for k, j in enumerate(free):
            e = np.zeros(dim)
            e[j] = h[j]
            H[:, k] = (program.objective_gradient(x + e)[free] - program.objective_gradient(x - e)[free]) / (2 * h[j])
        K = np.block([[H, -J.T], [J, np.zeros((m, m))]])
        if not (np.all(np.isfinite(K)) and np.all(np.isfinite(resid))):
            break
        step = _equilibrated_lstsq(K, -resid)  # minimum-norm step: optima may form a face
        trial = x.copy()
        trial[free] += step[: free.size]
        if np.any(trial < 0) or not np.all(np.isfinite(trial)):
            break
        x, mu = trial, mu + step[free.size:]
        if np.all(np.abs(step[: free.size]) <= 4 * np.finfo(float).eps * np.abs(x[free])):
            break
    return x


def _equilibrated_lstsq(K: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Least squares on K with rows and columns scaled to unit norm (K mixes units: money, data,
    utility), unscaled after."""
    rows = np.linalg.norm(K, axis=1)
    rows = np.where(rows > 0, rows, 1.0)
    Kr = K / rows[:, None]
    cols = np.linalg.norm(Kr, axis=0)
    cols = np.where(cols > 0, cols, 1.0)
    return np.linalg.lstsq(Kr / cols, rhs / rows, rcond=None)[0] / cols


def _solve(problem, solver: str) -> float | None:  # type: ignore[no-untyped-def]
    """Solve through cvxpy's solving chain, returning the solver's final duality gap when known.

    Clarabel's primal and dual objectives are not surfaced by ``Problem.solve``; going through
    ``get_problem_data`` / ``solve_via_data`` / ``unpack_results`` keeps them.
    """
    options = SOLVER_OPTIONS.get(solver, {})
    data, chain, inverse_data = problem.get_problem_data(solver, solver_opts=options)
    raw = chain.solve_via_data(problem, data, False, False, options)
    problem.unpack_results(raw, chain, inverse_data)
    primal, dual = getattr(raw, "obj_val", None), getattr(raw, "obj_val_dual", None)
    if primal is None or dual is None or not np.isfinite(primal) or not np.isfinite(dual):
        return None
    return float(abs(primal - dual))


def solve_welfare(program: WelfareProgram, *, tol: float = KKT_TOL, solver: str = CLARABEL) -> WelfareResult:
    """Solve (19) with cvxpy and certify the answer (KKT gap bound, or infeasibility evidence)."""
    import cvxpy as cp

    if not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ValueError(f"tol: must be a number in (0, 1), got {tol!r}")
    t0 = time.perf_counter()
    method = f"cvxpy/{solver}"
    infeasible = budget_infeasibility(program, tol=tol)
    if infeasible.verified:
        stats = SolveStats(method, Termination.EXHAUSTIVE, 0, time.perf_counter() - t0, {"solver": "not called"})
        return WelfareResult("welfare", Status.INFEASIBLE, program.p, program.beta, None, None, None, None, {},
                             infeasible, stats)
    problem, b, s, cons = program.build()
    try:
        with warnings.catch_warnings():
            # rational approximations with error 0 are exact; solver accuracy is judged by the KKT certificate
            warnings.filterwarnings("ignore", message=".*is being approximated")
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            solver_gap = _solve(problem, solver)
    except cp.SolverError as err:
        stats = SolveStats(method, Termination.SOLVER_ERROR, 0, time.perf_counter() - t0, {"error": str(err)})
        return WelfareResult("welfare", Status.FAILED, program.p, program.beta, None, None, None, None, {}, None, stats)
    iters = int(problem.solver_stats.num_iters or 0) if problem.solver_stats else 0
    converged = problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE, cp.INFEASIBLE, cp.UNBOUNDED)
    term = Termination.CONVERGED if converged else Termination.SOLVER_ERROR
    params = {"solver_status": problem.status, "solver_objective": problem.value, "solver_duality_gap": solver_gap}
    if b.value is None or s.value is None:
        # the solver's own infeasibility verdict is not evidence: the budget check above found none
        stats = SolveStats(method, term, iters, time.perf_counter() - t0, params)
        return WelfareResult("welfare", Status.FAILED, program.p, program.beta, None, None, None, None, {}, None, stats)
    x = np.concatenate([np.maximum(b.value, 0.0), np.maximum(s.value, 0.0)])
    money, utility = program.scales()  # the problem was posed in these units: duals back to (19)'s
    duals = {name: np.asarray(c.dual_value, dtype=float) * factor
             for name, c, factor in zip(("budget", "b_nonneg", "s_nonneg"), cons, (utility / money, utility / money, utility))}
    cert = kkt_certificate(program, x, tol=tol)
    if not cert.verified:
        polished = kkt_certificate(program, polish(program, x), tol=tol)
        if polished.gap_bound < cert.gap_bound and polished.primal_infeasibility <= max(cert.primal_infeasibility, tol):
            x, cert = polished.point, polished
            params["polished"] = True
    stats = SolveStats(method, term, iters, time.perf_counter() - t0, params)
    status = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
    bv, sv = program.split(x)
    return WelfareResult("welfare", status, program.p, program.beta, bv, sv, program.welfare(bv, sv),
                         program.utilities(bv, sv), duals, cert, stats)
