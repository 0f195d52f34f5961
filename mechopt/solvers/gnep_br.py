"""Best-response dynamics for generalized games, the baseline: players in turn (Gauss-Seidel) or
all at once (Jacobi) play a best response to the others under the shared constraints, each a
convex program in cvxpy where the game's families are DCP-expressible
(:meth:`~mechopt.games.generalized.GeneralizedGame.program`), SLSQP otherwise.

Best-response dynamics reach *a* generalized equilibrium when they converge, not necessarily the
variational one: the common multipliers are then fitted to the players' stationarity conditions
by nonnegative least squares (:func:`fit_multipliers`), and the certificate says whether they fit.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from mechopt.core.status import Termination
from mechopt.games.generalized import GeneralizedGame
from mechopt.solvers.gnep_newton import GNEPOutcome

Order = Literal["gauss-seidel", "jacobi"]


def best_response(game: GeneralizedGame, x: np.ndarray, i: int) -> np.ndarray:
    """Player i's best response to x_-i under the shared constraints and its own."""
    b = game.block(i)
    with np.errstate(all="ignore"):
        scale = float(game.utility_variation(x)[i])
    scale = scale if 0.0 < scale < np.inf else 1.0
    built = game.program(i, x)
    if built is not None:
        import cvxpy as cp

        y, objective, constraints = built
        problem = cp.Problem(cp.Maximize(objective / scale), constraints)
        try:
            problem.solve(solver=cp.CLARABEL)
            if y.value is not None:
                return np.clip(np.asarray(y.value, dtype=float).ravel(), game.lower[b], game.upper[b])
        except cp.error.SolverError:
            pass
    from scipy.optimize import minimize

    lo, hi = game.lower[b], game.upper[b]

    def profile(yi: np.ndarray) -> np.ndarray:
        t = np.array(x)
        t[b] = np.clip(yi, lo, hi)
        return t

    def negative(yi: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            v = game.gain(i, x, np.clip(yi, lo, hi)) / scale
        return -v if np.isfinite(v) else 1e300

    rows = game.rows(i)
    unit = game.constraint_scales(x)[rows]
    cons = [{"type": "ineq", "fun": lambda yi: -game.all_constraints(profile(yi))[rows] / unit}] if rows.size else []
    res = minimize(negative, x[b], bounds=list(zip(lo, hi)), constraints=cons, method="SLSQP",
                   options={"maxiter": 500, "ftol": 1e-15})
    return np.clip(res.x, lo, hi)


def fit_multipliers(game: GeneralizedGame, x: np.ndarray, active_rtol: float = 1e-7) -> tuple[np.ndarray, np.ndarray]:
    """Common multipliers mu >= 0 of the shared constraints and the players' own lam >= 0 at x:
    nonnegative least squares on the stationarity rows F_j = (J_g^T mu + J_h^T lam)_j (own rows in
    their owner's coordinates only) of the coordinates strictly inside their boxes, over the
    constraints active at x (within ``active_rtol`` of their scale); zero for the others."""
    from scipy.optimize import nnls

    nu = np.zeros(game.m + game.p)
    if not nu.size:
        return nu[:game.m], nu[game.m:]
    active = np.flatnonzero(game.all_constraints(x) >= -active_rtol * game.constraint_scales(x))
    w = game.upper - game.lower
    free = np.flatnonzero((x > game.lower + 1e-9 * w) & (x < game.upper - 1e-9 * w))
    if active.size and free.size:
        F = game.pseudo_gradient(x)[free]
        J = (game.all_jacobian(x) * game.multiplier_mask())[np.ix_(active, free)].T
        nu[active] = nnls(J, F)[0]
    return nu[:game.m], nu[game.m:]


def gnep_br_solve(game: GeneralizedGame, *, start: np.ndarray | None = None, order: Order = "gauss-seidel",
                  tol: float = 1e-10, max_iter: int = 500, max_seconds: float = np.inf) -> GNEPOutcome:
    """Best-response dynamics (module doc) until no player moves by more than ``tol`` of its box
    width in one round."""
    if order not in ("gauss-seidel", "jacobi"):
        raise ValueError(f"order: expected 'gauss-seidel' or 'jacobi', got {order!r}")
    t0 = time.perf_counter()
    x = 0.5 * (game.lower + game.upper) if start is None else np.clip(start, game.lower, game.upper)
    w = game.upper - game.lower
    termination, rounds, move = Termination.MAX_ITERATIONS, 0, float("inf")
    for rounds in range(1, max_iter + 1):
        previous = x.copy()
        base = x.copy()
        for i in range(game.n):
            reply = best_response(game, base if order == "jacobi" else x, i)
            x[game.block(i)] = reply
        move = float(np.max(np.abs(x - previous) / w, initial=0.0))
        if order == "jacobi" and game.m and np.any(game.constraints(x) > 0):  # simultaneous replies may overshoot
            x = previous + 0.5 * (x - previous)
        if move <= tol:
            termination = Termination.CONVERGED
            break
        if time.perf_counter() - t0 > max_seconds:
            break
    mu, lam = fit_multipliers(game, x)
    return GNEPOutcome(x, mu, termination, rounds, time.perf_counter() - t0, move, {"order": order}, lam)
