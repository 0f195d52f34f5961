"""Best-response dynamics for generalized games, the baseline: players in turn (Gauss-Seidel) or
all at once (Jacobi) play a best response to the others under the shared constraints, each a
convex program in cvxpy where the game's families are DCP-expressible
(:meth:`~mechopt.games.generalized.GeneralizedGame.response_program`, built once), SLSQP otherwise.

Best-response dynamics reach *a* generalized equilibrium when they converge, not necessarily the
variational one: the common multipliers are then fitted to the players' stationarity conditions
by nonnegative least squares (:func:`fit_multipliers`), and the certificate says whether they fit.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from mechopt.core.status import Termination
from mechopt.games.generalized import GeneralizedGame, ResponseProgram
from mechopt.solvers.gnep_newton import GNEPOutcome

Order = Literal["gauss-seidel", "jacobi"]
CLARABEL_ACCURACY = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "tol_ktratio": 1e-10}
"""Clarabel's stopping tolerances for a best response (its defaults, 1e-8, leave the dynamics' fixed
point 1e-9 off, outside the certificate's default tolerance)."""


def response_scale(game: GeneralizedGame, x: np.ndarray, i: int) -> float:
    """The unit a best response's objective is divided by: the larger of player i's utility
    variation over its box and its first-order variation |grad_{x_i} u_i| w_i at x (both scale with
    u_i, neither changes with added constants or translated boxes).  The variation alone, a spread
    over a few points, vanishes where those points happen to have equal utilities (x_i at a bound
    of a box symmetric about the optimum), and an objective divided by it is flat to the optimizer."""
    b = game.block(i)
    with np.errstate(all="ignore"):
        variation = float(game.utility_variation(x)[i])
        slope = float(np.abs(game.pseudo_gradient(x)[b]) @ (game.upper[b] - game.lower[b]))
    scale = max((v for v in (variation, slope) if np.isfinite(v)), default=0.0)
    return scale if scale > 0.0 else 1.0


FEASIBILITY = 1e-9
"""A response violating a constraint that binds its player by more than this is retried."""


def best_response(game: GeneralizedGame, x: np.ndarray, i: int, program: ResponseProgram | None = None) -> np.ndarray:
    """Player i's best response to x_-i under the shared constraints and its own: ``program``
    (player i's :meth:`~GeneralizedGame.response_program`, built once by the caller and re-solved
    with x_-i as its Parameters) where the game has one, else SLSQP from x_i and, when that point
    violates a constraint binding player i by more than :data:`FEASIBILITY`
    (:meth:`~GeneralizedGame.violations`), from the box midpoint; the best feasible point found
    (the least violating one when none is)."""
    b = game.block(i)
    scale = response_scale(game, x, i)
    if program is not None:
        y = program.solve(x, scale, **CLARABEL_ACCURACY)
        if y is not None:
            return np.clip(y, game.lower[b], game.upper[b])
    from scipy.optimize import minimize

    lo, hi = game.lower[b], game.upper[b]
    rows = game.rows(i)

    def profile(yi: np.ndarray) -> np.ndarray:
        t = np.array(x)
        t[b] = np.clip(yi, lo, hi)
        return t

    def negative(yi: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            v = game.gain(i, x, np.clip(yi, lo, hi)) / scale
        return -v if np.isfinite(v) else 1e300

    def violation(yi: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(np.max(game.violations(profile(yi))[rows], initial=0.0)) if rows.size else 0.0

    def slope(yi: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            d = -game.pseudo_gradient(profile(yi))[b] / scale
        return np.where(np.isfinite(d), d, 0.0)

    unit = game.constraint_scales(x)[rows]
    cons = [{"type": "ineq", "fun": lambda yi: -game.all_constraints(profile(yi))[rows] / unit,
             "jac": lambda yi: -game.all_jacobian(profile(yi))[rows][:, b] / unit[:, None]}] if rows.size else []
    found: list[tuple[tuple[float, float], np.ndarray]] = []  # ((excess violation, -gain), point)
    for start in (x[b], 0.5 * (lo + hi)):
        res = minimize(negative, start, jac=slope, bounds=list(zip(lo, hi)), constraints=cons, method="SLSQP",
                       options={"maxiter": 500, "ftol": 1e-15})
        yi = np.clip(res.x, lo, hi)
        excess = max(violation(yi) - FEASIBILITY, 0.0)
        found.append(((excess, negative(yi)), yi))
        if excess == 0.0:
            break
    return min(found, key=lambda pair: pair[0])[1]


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
    width in one round; each player's convex program is built once, before the first round."""
    if order not in ("gauss-seidel", "jacobi"):
        raise ValueError(f"order: expected 'gauss-seidel' or 'jacobi', got {order!r}")
    t0 = time.perf_counter()
    x = 0.5 * (game.lower + game.upper) if start is None else np.clip(start, game.lower, game.upper)
    w = game.upper - game.lower
    termination, rounds, move = Termination.MAX_ITERATIONS, 0, float("inf")
    programs = [game.response_program(i) for i in range(game.n)]
    for rounds in range(1, max_iter + 1):
        previous = x.copy()
        base = x.copy()
        for i in range(game.n):
            reply = best_response(game, base if order == "jacobi" else x, i, program=programs[i])
            x[game.block(i)] = reply
        move = float(np.max(np.abs(x - previous) / w, initial=0.0))
        if order == "jacobi" and np.any(game.violations(x) > 0):  # simultaneous replies may overshoot
            x = previous + 0.5 * (x - previous)
        if move <= tol:
            termination = Termination.CONVERGED
            break
        if time.perf_counter() - t0 > max_seconds:
            break
    mu, lam = fit_multipliers(game, x)
    return GNEPOutcome(x, mu, termination, rounds, time.perf_counter() - t0, move, {"order": order}, lam)
