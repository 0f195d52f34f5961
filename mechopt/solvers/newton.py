"""Semismooth Newton method for the equilibrium complementarity problem (min-map reformulation).

Solves Phi(s) = s - proj_[l,u](s + F(s)) = 0, F_i = du_i/ds_i.  On the set of players whose
bound is active Phi_i = s_i - bound_i; on the free set Phi_i = -F_i, so a generalized Newton step
moves active players to their bound and solves (G_II - mu I) d_I = -F_I - G_IA d_A on the free set,
with a Levenberg-Marquardt shift mu ~ ||Phi|| that keeps rank-deficient aggregate Jacobians
solvable.  For aggregate payoffs G = diag + U V^T, so each step costs O(n k^2) (Woodbury).
Globalized by a backtracking line search on ||Phi||; a projected gradient step is the fallback.
"""

from __future__ import annotations

import time

import numpy as np

from ..games.base import ConcaveGame
from ..status import Termination
from ..structured import block_matvec, solve_block
from ..tolerances import RESIDUAL_TOL
from .common import Iterate, max_norm, starting_point


def _newton_direction(game: ConcaveGame, s: np.ndarray, F: np.ndarray, shift: float) -> np.ndarray:
    lo, hi = game.lower, game.upper
    trial = s + F
    at_lo, at_hi = trial <= lo, trial >= hi
    active = at_lo | at_hi
    free = np.flatnonzero(~active)
    act = np.flatnonzero(active)
    d = np.zeros_like(s)
    d[at_lo] = lo[at_lo] - s[at_lo]
    d[at_hi] = hi[at_hi] - s[at_hi]
    if free.size:
        J = game.own_jacobian(s)
        rhs = -F[free] - (block_matvec(J, free, act, d[act]) if act.size else 0.0)
        d[free] = solve_block(J, free, rhs, shift)
    return d


def newton_solve(
    game: ConcaveGame,
    *,
    start: np.ndarray | None = None,
    tol: float = RESIDUAL_TOL,
    max_iter: int = 200,
) -> Iterate:
    """Find s with ||Phi(s)||_inf <= tol by globalized semismooth Newton."""
    t0 = time.perf_counter()
    s = starting_point(game.lower, game.upper, start)
    phi = game.natural_residual(s)
    norm = np.linalg.norm(phi)
    fallback_steps = 0
    for it in range(max_iter):
        if max_norm(phi) <= tol:
            return Iterate(s, Termination.CONVERGED, it, time.perf_counter() - t0, max_norm(phi),
                           {"fallback_steps": fallback_steps})
        F = game.own_gradient(s)
        accepted = False
        try:
            d = _newton_direction(game, s, F, shift=min(1e-2, norm))
            directions = [d] if np.all(np.isfinite(d)) else []
        except np.linalg.LinAlgError:
            directions = []
        directions.append(F)  # projected-gradient fallback
        for k, direction in enumerate(directions):
            step = 1.0
            for _ in range(40):
                trial = game.project(s + step * direction)
                with np.errstate(all="ignore"):
                    phi_t = game.natural_residual(trial)
                norm_t = np.linalg.norm(phi_t)
                if np.isfinite(norm_t) and norm_t <= (1.0 - 1e-4 * step) * norm:
                    accepted = True
                    break
                step *= 0.5
            if accepted:
                fallback_steps += k
                break
        if not accepted:
            return Iterate(s, Termination.STALLED, it, time.perf_counter() - t0, max_norm(phi),
                           {"fallback_steps": fallback_steps})
        s, phi, norm = trial, phi_t, norm_t
    term = Termination.CONVERGED if max_norm(phi) <= tol else Termination.MAX_ITERATIONS
    return Iterate(s, term, max_iter, time.perf_counter() - t0, max_norm(phi), {"fallback_steps": fallback_steps})
