"""Program (19) solved with cvxpy (Clarabel by default), its answer certified from the model.

The solver's point is polished by Newton steps on the KKT system with its active set fixed (for
p = -inf, with its active pieces equalized as well), KKT multipliers are fitted at it
(:func:`~mechopt.solvers.kkt_fit.fit_multipliers`), and the answer is judged by the welfare
kind's certifier (:func:`~mechopt.certificates.welfare.certify_welfare`): ``infeasible`` only
with budget evidence, whatever the solver said.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from mechopt.certificates.infeasibility import budget_infeasibility
from mechopt.certificates.kkt import KKTCertificate, kkt_certificate
from mechopt.certificates.welfare import WelfareResult, certify_welfare
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import KKT_TOL
from mechopt.programs.welfare import WelfareProgram
from mechopt.solvers.kkt_fit import fit_multipliers

CLARABEL = "CLARABEL"
SOLVER_OPTIONS: dict[str, dict[str, float]] = {
    CLARABEL: {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8},
}
"""Tight interior-point tolerances: the KKT certificate is checked at the returned point."""


def polish(program: WelfareProgram, x: np.ndarray, *, zero: float = 1e-7, steps: int = 20) -> np.ndarray:
    """Newton steps on the KKT system (20)-(21) of (19) with the solver's active set fixed.

    Interior-point solutions are accurate to about the square root of the solver tolerance in
    flat directions; a few Newton steps with the budgets tight and near-zero entries of x fixed at
    zero recover full accuracy.  Entries are judged zero and differenced relative to their block's
    scale (money for b, the largest s for s), so polishing means the same in any units.  The
    polished point is kept only if it stays feasible; the KKT certificate then judges whichever
    point is returned.  For the max-min objective (p = -inf) see :func:`polish_max_min`.
    """
    if program.p == -np.inf:
        return polish_max_min(program, x, zero=zero, steps=steps)
    x, free, d = _free_entries(program, x, zero)
    if free.size == 0:
        return x
    dim = x.size
    grad = program.objective_gradient(x)[free]
    if not np.all(np.isfinite(grad)):
        return x
    h = 1e-6 * d

    def multipliers(z: np.ndarray, free: np.ndarray) -> np.ndarray:
        """mu fitted at z: grad_F f = J_g[:, F]^T mu by least squares."""
        return np.linalg.lstsq(program.constraint_jacobian(z)[:, free].T, program.objective_gradient(z)[free],
                               rcond=None)[0]

    def system(z: np.ndarray, free: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        J = program.constraint_jacobian(z)[:, free]
        resid = np.concatenate([program.objective_gradient(z)[free] - J.T @ mu, program.constraints(z)])
        H = np.empty((free.size, free.size))
        for k, j in enumerate(free):
            e = np.zeros(dim)
            e[j] = h[j]
            H[:, k] = (program.objective_gradient(z + e)[free] - program.objective_gradient(z - e)[free]) / (2 * h[j])
        return np.block([[H, -J.T], [J, np.zeros((J.shape[0], J.shape[0]))]]), resid

    x, _ = _newton_on_free_entries(x, free, multipliers(x, free), system, lambda mu, dual: mu + dual,
                                   lambda z, free, _: multipliers(z, free), steps)
    return x


def _newton_on_free_entries(x: np.ndarray, free: np.ndarray, state: Any,
                            system: Callable[[np.ndarray, np.ndarray, Any], tuple[np.ndarray, np.ndarray]],
                            update: Callable[[Any, np.ndarray], Any],
                            refit: Callable[[np.ndarray, np.ndarray, Any], Any], steps: int) -> tuple[np.ndarray, Any]:
    """Newton steps on the free entries of x, the others fixed at zero (both polishes).

    ``system(x, free, state)`` gives the KKT matrix and residual, whose first ``free.size``
    unknowns are x's free entries; each step is the minimum-norm least-squares step (optima may form
    a face) and ``update(state, rest of the step)`` moves the other unknowns.  A step that drives
    free entries below zero moves them to the zero set instead (at most ``REFINEMENTS`` times) and
    ``refit(x, free, state)`` restarts the multipliers (None: stop).  Stops when a step no longer changes x
    beyond rounding; returns (x, state).
    """
    refinements = 0
    for _ in range(steps):
        nf = free.size
        K, resid = system(x, free, state)
        if not (np.all(np.isfinite(K)) and np.all(np.isfinite(resid))):
            break
        step = _equilibrated_lstsq(K, -resid)
        trial = x.copy()
        trial[free] += step[:nf]
        if not np.all(np.isfinite(trial)):
            break
        if np.any(trial < 0):  # the entries the step drives below zero belong to the zero set
            remaining = _drop_negative(x, free, trial, refinements)
            if remaining is None:
                break
            free, state = remaining, refit(x, remaining, state)
            if state is None:
                break
            refinements += 1
            continue
        x, state = trial, update(state, step[nf:])
        if np.all(np.abs(step[:nf]) <= 4 * np.finfo(float).eps * np.abs(x[free])):
            break
    return x, state


REFINEMENTS = 3
"""Times a polish may move entries that a Newton step drives below zero into the zero set."""


def _free_entries(program: WelfareProgram, x: np.ndarray, zero: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a copy of x with its near-zero entries set to 0, the indices of the others, the scale d of
    each entry: money for b, the largest s for s).  Entries are near zero below ``zero`` * d."""
    n = program.n
    money, _ = program.scales()
    d = np.concatenate([np.full(n, money), np.full(n, max(float(np.max(x[n:])), np.finfo(float).tiny))])
    free = np.flatnonzero(x > zero * d)
    x = np.where(x > zero * d, x, 0.0)
    return x, free, d


def _drop_negative(x: np.ndarray, free: np.ndarray, trial: np.ndarray, refinements: int) -> np.ndarray | None:
    """Set the free entries that ``trial`` makes negative to zero in x (in place; lowering an
    entry keeps every budget feasible) and return the remaining free set; None when
    ``REFINEMENTS`` are spent or nothing would stay free."""
    negative = free[trial[free] < 0]
    remaining = np.setdiff1d(free, negative)
    if refinements >= REFINEMENTS or remaining.size == 0:
        return None
    x[negative] = 0.0
    return remaining


ACTIVE_GAP = 1e-3
"""Pieces u_i within this fraction of max |u| of the minimum are taken as active in :func:`polish_max_min`."""


def polish_max_min(program: WelfareProgram, x: np.ndarray, *, zero: float = 1e-7, steps: int = 20,
                   active_gap: float = ACTIVE_GAP) -> np.ndarray:
    """Newton steps on the KKT system of the max-min program (p = -inf) with the solver's active
    pieces and zero entries fixed.

    In epigraph form, maximize t subject to u_i(x) >= t, budgets g(x) <= 0 and x >= 0.  With the
    active pieces A (u_i within ``active_gap`` times max |u| of the minimum), every budget tight
    (utilities increase in b_i, so tightening a slack budget keeps the point optimal) and the
    near-zero entries of x fixed at zero (judged as in :func:`polish`), the optimum solves

        sum_{i in A} lambda_i grad_F u_i(x) - J_g(x)[:, F]^T mu = 0,   sum_{i in A} lambda_i = 1,
        u_i(x) = t  (i in A),   g(x) = 0

    in (x_F, t, lambda_A, mu): as many equations as unknowns.  Multipliers start from least
    squares at the solver's point, second derivatives are central differences of the gradients,
    and each step is the minimum-norm least-squares step (optima may form a face).  A piece whose
    weight comes out negative is not active: it is dropped and the system solved again (at most
    twice).  The point is returned whatever came of it; the KKT certificate judges it.
    """
    tiny = np.finfo(float).tiny
    x, free, d = _free_entries(program, x, zero)
    if free.size == 0:
        return x
    with np.errstate(all="ignore"):
        u, _ = program.objective_pieces(x)
    if not np.all(np.isfinite(u)):
        return x
    active = np.flatnonzero(u - u.min() <= active_gap * max(float(np.max(np.abs(u))), tiny))
    best = x
    for _ in range(3):
        polished = _max_min_newton(program, x, free, active, d, steps)
        if polished is None:
            break
        best, weights = polished
        if active.size == 1 or np.all(weights >= 0):
            break
        active = np.delete(active, int(np.argmin(weights)))
    return best


def _max_min_newton(program: WelfareProgram, x: np.ndarray, free: np.ndarray, active: np.ndarray, d: np.ndarray,
                    steps: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Newton on the system of :func:`polish_max_min`; (point, weights lambda_A) or None when the
    system cannot be set up (non-finite derivatives at x)."""
    dim, m, k = x.size, program.n, active.size
    h = 1e-6 * d

    def pieces(z: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            u, Ju = program.objective_pieces(z)
            return u[active], Ju[np.ix_(active, free)], program.constraint_jacobian(z)[:, free]

    def multipliers(z: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """lambda, mu fitted at z: Ju^T lambda - Jg^T mu = 0 with sum(lambda) = 1."""
        _, Ju, Jg = pieces(z, free)
        if not (np.all(np.isfinite(Ju)) and np.all(np.isfinite(Jg))):
            return None
        A0 = np.vstack([np.hstack([Ju.T, -Jg.T]), np.concatenate([np.ones(k), np.zeros(m)])[None, :]])
        mult = _equilibrated_lstsq(A0, np.concatenate([np.zeros(free.size), [1.0]]))
        return mult[:k], mult[k:]

    def refit(z: np.ndarray, free: np.ndarray, state: tuple[float, np.ndarray, np.ndarray]
              ) -> tuple[float, np.ndarray, np.ndarray] | None:
        fitted = multipliers(z, free)  # t is kept
        return None if fitted is None else (state[0], *fitted)

    def system(z: np.ndarray, free: np.ndarray, state: tuple[float, np.ndarray, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray]:
        t, lam, mu = state
        nf = free.size
        u, Ju, Jg = pieces(z, free)
        resid = np.concatenate([Ju.T @ lam - Jg.T @ mu, [lam.sum() - 1.0], u - t, program.constraints(z)])
        H = np.empty((nf, nf))
        for c, j in enumerate(free):
            e = np.zeros(dim)
            e[j] = h[j]
            (_, Jup, Jgp), (_, Jum, Jgm) = pieces(z + e, free), pieces(z - e, free)
            H[:, c] = ((Jup - Jum).T @ lam - (Jgp - Jgm).T @ mu) / (2 * h[j])
        K = np.block([
            [H, np.zeros((nf, 1)), Ju.T, -Jg.T],
            [np.zeros((1, nf + 1)), np.ones((1, k)), np.zeros((1, m))],
            [Ju, -np.ones((k, 1)), np.zeros((k, k + m))],
            [Jg, np.zeros((m, 1 + k + m))],
        ])
        return K, resid

    def update(state: tuple[float, np.ndarray, np.ndarray], rest: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        t, lam, mu = state
        return t + rest[0], lam + rest[1:1 + k], mu + rest[1 + k:]

    fitted = multipliers(x, free)
    if fitted is None:
        return None
    start = (float(np.min(pieces(x, free)[0])), *fitted)
    x, (_, lam, _) = _newton_on_free_entries(x.copy(), free, start, system, update, refit, steps)
    return x, lam


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


def kkt_at(program: WelfareProgram, x: np.ndarray, tol: float) -> KKTCertificate:
    """The KKT certificate at x with multipliers fitted there."""
    return kkt_certificate(program, x, fit_multipliers(program, x), tol=tol)


def solve_welfare(program: WelfareProgram, *, tol: float = KKT_TOL, solver: str = CLARABEL) -> WelfareResult:
    """Solve (19) with cvxpy and certify the answer (KKT gap bound, or infeasibility evidence)."""
    import cvxpy as cp

    if not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ValueError(f"tol: must be a number in (0, 1), got {tol!r}")
    t0 = time.perf_counter()
    method = f"cvxpy/{solver}"

    def answer(b: np.ndarray | None, s: np.ndarray | None, duals: dict[str, np.ndarray], certificate: Any,
               stats: SolveStats) -> WelfareResult:
        point = b is not None and s is not None
        draft = WelfareResult("welfare", Status.UNVERIFIED, "", float(program.p), float(program.beta), b, s,
                              program.welfare(b, s) if point else None, program.utilities(b, s) if point else None,
                              duals, certificate, stats)
        return draft.certified(certify_welfare(program, draft, tol=tol))

    infeasible = budget_infeasibility(program, tol=tol)
    if infeasible.verified:
        stats = SolveStats(method, Termination.EXHAUSTIVE, 0, time.perf_counter() - t0, {"solver": "not called"})
        return answer(None, None, {}, infeasible, stats)
    problem, b, s, cons = program.build()
    try:
        with warnings.catch_warnings():
            # rational approximations with error 0 are exact; solver accuracy is judged by the KKT certificate
            warnings.filterwarnings("ignore", message=".*is being approximated")
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            solver_gap = _solve(problem, solver)
    except cp.SolverError as err:
        stats = SolveStats(method, Termination.SOLVER_ERROR, 0, time.perf_counter() - t0, {"error": str(err)})
        return answer(None, None, {}, None, stats)
    iters = int(problem.solver_stats.num_iters or 0) if problem.solver_stats else 0
    converged = problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE, cp.INFEASIBLE, cp.UNBOUNDED)
    term = Termination.CONVERGED if converged else Termination.SOLVER_ERROR
    params = {"solver_status": problem.status, "solver_objective": problem.value, "solver_duality_gap": solver_gap}
    if b.value is None or s.value is None:
        # the solver's own infeasibility verdict is not evidence: the budget check above found none
        return answer(None, None, {}, None, SolveStats(method, term, iters, time.perf_counter() - t0, params))
    x = np.concatenate([np.maximum(b.value, 0.0), np.maximum(s.value, 0.0)])
    money, utility = program.scales()  # the problem was posed in these units: duals back to (19)'s
    duals = {name: np.asarray(c.dual_value, dtype=float) * factor
             for name, c, factor in zip(("budget", "b_nonneg", "s_nonneg"), cons, (utility / money, utility / money, utility))}
    cert = kkt_at(program, x, tol)
    if not cert.verified:
        polished = kkt_at(program, polish(program, x), tol)
        if polished.gap_bound < cert.gap_bound and polished.primal_infeasibility <= max(cert.primal_infeasibility, tol):
            x, cert = polished.point, polished
            params["polished"] = True
    bv, sv = program.split(x)
    return answer(bv, sv, duals, cert, SolveStats(method, term, iters, time.perf_counter() - t0, params))
