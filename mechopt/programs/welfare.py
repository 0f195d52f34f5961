"""The p-mean welfare program (7)/(19) of 001, posed declaratively in cvxpy.

    maximize   W_p(u_1(b_1, S), ..., u_n(b_n, S)),  S = s_1 + ... + s_n
    subject to b_i + (1-beta) c_i(s_i) + beta/(n-1) sum_{j!=i} c_j(s_j) <= B_i,  b >= 0, s >= 0.

W_p is reported as the normalized power mean (1/n sum u_i^p)^(1/p): the geometric mean at p = 0
and the minimum at p = -inf; (7)'s unnormalized form n^(1/p) W_p has the same maximizers.  The
budget constraint is written as <= (the program stays convex for convex costs); because every
utility increases in b_i, it is tight at an optimum, as the equality of (19).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np

from ..certificates.kkt import KKTCertificate, kkt_certificate
from ..functions import Quadratic
from ..mechanisms.mbeta import MBeta
from ..serialization import Serializable
from ..stats import SolveStats
from ..status import Status, Termination
from ..tolerances import KKT_TOL
from ..utilities import BudgetUtility


def power_mean(u: np.ndarray, p: float) -> float:
    """(1/n sum u_i^p)^(1/p) for p <= 1; geometric mean at p = 0, minimum at p = -inf."""
    u = np.asarray(u, dtype=float)
    if p == -np.inf:
        return float(np.min(u))
    if p == 1:
        return float(np.mean(u))
    if np.any(u < 0):
        return -np.inf  # outside the domain of W_p for p < 1
    if p <= 0 and np.any(u == 0):
        return 0.0
    if p == 0:
        return float(np.exp(np.mean(np.log(u))))
    return float(np.mean(u**p) ** (1.0 / p))


def power_mean_gradient(u: np.ndarray, p: float) -> np.ndarray:
    """dW_p/du for finite p (the minimum at p = -inf has no gradient; see the KKT certificate)."""
    n = u.size
    if p == 1:
        return np.full(n, 1.0 / n)
    W = power_mean(u, p)
    if p == 0:
        return W / (n * u)
    return u ** (p - 1) * W ** (1 - p) / n


@dataclass(frozen=True)
class WelfareProgram:
    """Program (19) for utilities u_i(b_i, S), costs c_i, budgets B_i, parameter beta and p <= 1."""

    utility: BudgetUtility
    cost: Quadratic
    budgets: np.ndarray
    beta: float
    p: float

    def __post_init__(self) -> None:
        if not (self.p <= 1.0) or np.isnan(self.p):
            raise ValueError(f"p: the p-mean welfare needs p <= 1 (p = -inf allowed), got {self.p}")
        b = np.asarray(self.budgets, dtype=float)
        if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b)):
            raise ValueError("budgets: need finite budgets B_i for n >= 2 agents")
        if not self.cost.convex:
            raise ValueError("cost: program (19) needs convex costs (curvature >= 0)")
        if np.any(np.broadcast_to(self.cost.slope, b.shape) <= 0):
            raise ValueError("cost.slope: cost slopes c_i must be > 0 (they bound the feasible data)")
        object.__setattr__(self, "budgets", b)
        MBeta(self.cost, self.beta, b.size)  # validates beta

    @property
    def n(self) -> int:
        return self.budgets.size

    @property
    def mechanism(self) -> MBeta:
        return MBeta(self.cost, self.beta, self.n)

    def utilities(self, b: np.ndarray, s: np.ndarray) -> np.ndarray:
        return self.utility.value(b, np.full(self.n, s.sum()))

    def welfare(self, b: np.ndarray, s: np.ndarray) -> float:
        return power_mean(self.utilities(b, s), self.p)

    def budget_slack(self, b: np.ndarray, s: np.ndarray) -> np.ndarray:
        """g_i = b_i + spending_i(s) - B_i (feasible when <= 0)."""
        return b + self.mechanism.spending(s) - self.budgets

    def feasible_box(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds implied by summing the budget constraints: b_i <= R, c_i s_i <= R."""
        R = float(self.budgets.sum() - np.sum(np.broadcast_to(self.cost.intercept, (self.n,))))
        R = max(R, 0.0)
        return np.full(self.n, R), R / np.broadcast_to(self.cost.slope, (self.n,))

    def build(self) -> tuple[cp.Problem, cp.Variable, cp.Variable, list[cp.Constraint]]:
        """The cvxpy problem, its variables (b, s) and constraints (budget, b >= 0, s >= 0)."""
        n, beta = self.n, self.beta
        b, s = cp.Variable(n, name="b"), cp.Variable(n, name="s")
        S = cp.sum(s)
        costs = self.cost.dcp(s)
        spend = (1 - beta) * costs + beta / (n - 1) * (cp.sum(costs) - costs)
        cons = [b + spend <= self.budgets, b >= 0, s >= 0]
        u = self.utility.dcp(b, S)
        if self.p == 1:
            obj = cp.sum(u) / n
        elif self.p == 0:
            obj = cp.geo_mean(u)
        elif self.p == -np.inf:
            obj = cp.min(u)
        else:
            obj = n ** (-1.0 / self.p) * cp.pnorm(u, self.p)
        return cp.Problem(cp.Maximize(obj), cons), b, s, cons


def _objective_gradient(program: WelfareProgram, x: np.ndarray) -> np.ndarray:
    """grad_x W_p at x = (b, s) for finite p."""
    n = program.n
    b, s = x[:n], x[n:]
    S = np.full(n, s.sum())
    w = power_mean_gradient(program.utility.value(b, S), program.p)
    ub, uS = program.utility.gradient(b, S)
    return np.concatenate([w * ub, np.full(n, np.dot(w, uS))])


def _budget_jacobian(program: WelfareProgram, s: np.ndarray) -> np.ndarray:
    n, beta = program.n, program.beta
    c1 = np.broadcast_to(program.cost.d1(s), (n,))
    J = np.zeros((n, 2 * n))
    J[:, :n] = np.eye(n)
    J[:, n:] = (beta / (n - 1) * c1)[None, :]
    J[np.arange(n), n + np.arange(n)] = (1 - beta) * c1
    return J


def polish(program: WelfareProgram, b: np.ndarray, s: np.ndarray, *, zero: float = 1e-7, steps: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps on the KKT system (20)-(21) of (19) with the solver's active set fixed.

    Interior-point solutions are accurate to about the square root of the solver tolerance in
    flat directions; a few Newton steps with the budgets tight and near-zero b_i, s_j fixed at
    zero recover full accuracy.  The polished point is kept only if it stays feasible; the KKT
    certificate then judges whichever point is returned.
    """
    if program.p == -np.inf:
        return b, s
    n = program.n
    x = np.concatenate([b, s])
    free = np.flatnonzero(x > zero * max(1.0, float(np.max(np.abs(x)))))
    if free.size == 0:
        return b, s
    x[np.setdiff1d(np.arange(2 * n), free)] = 0.0
    J = _budget_jacobian(program, x[n:])[:, free]
    grad = _objective_gradient(program, x)[free]
    if not np.all(np.isfinite(grad)):
        return b, s
    mu = np.linalg.lstsq(J.T, grad, rcond=None)[0]
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    for _ in range(steps):
        grad = _objective_gradient(program, x)[free]
        resid = np.concatenate([grad - J.T @ mu, program.budget_slack(x[:n], x[n:])])
        if np.max(np.abs(resid)) < 1e-14:
            break
        H = np.empty((free.size, free.size))
        for k, j in enumerate(free):
            e = np.zeros(2 * n)
            e[j] = h
            H[:, k] = (_objective_gradient(program, x + e)[free] - _objective_gradient(program, x - e)[free]) / (2 * h)
        K = np.block([[H, -J.T], [J, np.zeros((n, n))]])
        if not (np.all(np.isfinite(K)) and np.all(np.isfinite(resid))):
            break
        step = np.linalg.lstsq(K, -resid, rcond=None)[0]  # minimum-norm step: optima may form a face
        trial = x.copy()
        trial[free] += step[: free.size]
        if np.any(trial < 0) or not np.all(np.isfinite(trial)):
            break
        x, mu = trial, mu + step[free.size:]
    return x[:n], x[n:]


@dataclass(frozen=True)
class WelfareResult(Serializable):
    """Optimum of (19) with the solver's duals and an independently computed KKT certificate."""

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
    certificate: KKTCertificate | None
    stats: SolveStats
    model: dict[str, Any] | None = None


SOLVER_OPTIONS: dict[str, dict[str, float]] = {
    cp.CLARABEL: {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8},
}
"""Tight interior-point tolerances: the KKT certificate is checked at the returned point."""

_CVXPY_STATUS = {
    cp.OPTIMAL: Termination.CONVERGED,
    cp.OPTIMAL_INACCURATE: Termination.CONVERGED,
    cp.INFEASIBLE: Termination.CONVERGED,
    cp.UNBOUNDED: Termination.CONVERGED,
}


def _solve(problem: cp.Problem, solver: str) -> float | None:
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


def solve_welfare(program: WelfareProgram, *, tol: float = KKT_TOL, solver: str = cp.CLARABEL) -> WelfareResult:
    """Solve (19) with cvxpy and certify the optimum by KKT residuals and a gap bound."""
    t0 = time.perf_counter()
    problem, b, s, cons = program.build()
    try:
        with warnings.catch_warnings():
            # rational approximations with error 0 are exact; solver accuracy is judged by the KKT certificate
            warnings.filterwarnings("ignore", message=".*is being approximated")
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            solver_gap = _solve(problem, solver)
    except cp.SolverError as err:
        stats = SolveStats(f"cvxpy/{solver}", Termination.SOLVER_ERROR, 0, time.perf_counter() - t0, {"error": str(err)})
        return WelfareResult("welfare", Status.UNVERIFIED, program.p, program.beta, None, None, None, None, {}, None, stats)
    iters = int(problem.solver_stats.num_iters or 0) if problem.solver_stats else 0
    term = _CVXPY_STATUS.get(problem.status, Termination.SOLVER_ERROR)
    params = {"solver_status": problem.status, "solver_objective": problem.value, "solver_duality_gap": solver_gap}
    if b.value is None or s.value is None:
        status = Status.INFEASIBLE if problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE) else Status.UNVERIFIED
        stats = SolveStats(f"cvxpy/{solver}", term, iters, time.perf_counter() - t0, params)
        return WelfareResult("welfare", status, program.p, program.beta, None, None, None, None, {}, None, stats)
    bv, sv = np.maximum(b.value, 0.0), np.maximum(s.value, 0.0)
    duals = {name: np.asarray(c.dual_value, dtype=float) for name, c in zip(("budget", "b_nonneg", "s_nonneg"), cons)}
    cert = kkt_certificate(program, bv, sv, tol=tol)
    if not cert.verified:
        pb, ps = polish(program, bv, sv)
        polished = kkt_certificate(program, pb, ps, tol=tol)
        if polished.gap_bound < cert.gap_bound:
            bv, sv, cert = pb, ps, polished
            params["polished"] = True
    stats = SolveStats(f"cvxpy/{solver}", term, iters, time.perf_counter() - t0, params)
    status = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
    return WelfareResult("welfare", status, program.p, program.beta, bv, sv, program.welfare(bv, sv),
                         program.utilities(bv, sv), duals, cert, stats)
