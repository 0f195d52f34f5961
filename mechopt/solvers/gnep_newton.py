"""Semismooth Newton for the variational equilibrium of a generalized game: the players' KKT
conditions with common multipliers of the shared constraints (and each player's own multipliers
of its player-specific constraints h_i: rows of J_h enter their owner's coordinates only, the mask
of :meth:`~mechopt.games.generalized.GeneralizedGame.multiplier_mask`), one mixed complementarity problem
(Facchinei and Kanzow 2010, Section 4.1; the Fischer-Burmeister reformulation of their (13)).

In normalized units (y = (x - lower) / width in [0, 1]^N, utilities divided by their variation
sigma over the boxes at the start, each constraint divided by its variation |J_g| width there, so
that multiplying every utility by a constant, adding constants or translating the boxes changes
nothing but the reported multipliers), with the Lagrangian's
ascent direction G_j = width_j (F_j(x) / sigma - (J_h(x)^T nu)_j):

    Phi_j = phi(y_j, -phi(1 - y_j, G_j))   (box MCP, as in mechopt.solvers.newton)
    Phi_k = phi(nu_k, -h_k(x))             (nu >= 0 _|_ -h >= 0)

with phi(a, b) = a + b - sqrt(a^2 + b^2).  Newton steps on an element of the generalized
Jacobian, Armijo search on Psi = ||Phi||^2 / 2, iterates projected into y in [0, 1] (utilities
may be undefined outside the boxes; the multipliers are not projected, which would stop Newton
steps that pass through nu < 0 on their way to the solution); -grad Psi where the Newton
direction is not one of descent.  The multipliers reported are mu_k = sigma max(nu_k, 0) / gscale_k.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechopt.core.status import Termination
from mechopt.games.generalized import GeneralizedGame

ARMIJO = 1e-4
MAX_BACKTRACKS = 40
STALL_ITERATIONS = 8
"""Stop when ||Phi|| has not fallen by 10% in this many iterations."""
_CORNER = 1.0 - 1.0 / np.sqrt(2.0)


@dataclass(frozen=True)
class GNEPOutcome:
    """A method's last point (flat profile and multipliers), why it stopped, its residual."""

    x: np.ndarray
    mu: np.ndarray
    termination: Termination
    iterations: int
    seconds: float
    residual: float
    parameters: dict[str, Any] = field(default_factory=dict)
    lam: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The players' own multipliers of their player-specific constraints, flat in player order."""


def _phi(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.sqrt(a * a + b * b)
    corner = r == 0
    inv = 1.0 / np.where(corner, 1.0, r)
    da, db = np.where(corner, _CORNER, 1.0 - a * inv), np.where(corner, _CORNER, 1.0 - b * inv)
    return a + b - r, da, db


@dataclass(frozen=True)
class _System:
    game: GeneralizedGame
    sigma: float
    gscale: np.ndarray

    @property
    def width(self) -> np.ndarray:
        return self.game.upper - self.game.lower

    def x(self, y: np.ndarray) -> np.ndarray:
        return self.game.lower + self.width * y

    def residual(self, z: np.ndarray, jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        game, N = self.game, self.game.size
        y, nu = z[:N], z[N:]
        x, w = self.x(y), self.width
        F = game.pseudo_gradient(x) / self.sigma
        h = game.all_constraints(x) / self.gscale
        Jh = game.all_jacobian(x) / self.gscale[:, None] if nu.size else np.zeros((0, N))
        Jm = Jh * game.multiplier_mask() if nu.size else Jh  # player i's own rows enter its coordinates only
        G = w * (F - Jm.T @ nu)
        p, pa, pb = _phi(1.0 - y, G)
        out, oa, ob = _phi(y, -p)
        c, ca, cb = _phi(nu, -h)
        Phi = np.concatenate([out, c])
        if not jacobian:
            return Phi, None
        dGdy = w[:, None] * (game.pseudo_jacobian(x) / self.sigma) * w[None, :]
        if nu.size:
            mu = self.sigma * nu / self.gscale
            curvature = game.constraint_curvature(x, mu[:game.m]) + game.player_curvature(x, mu[game.m:])
            dGdy -= w[:, None] * (curvature / self.sigma) * w[None, :]
        dGdnu = -w[:, None] * Jm.T
        # Phi_j = phi(y_j, -p_j), p_j = phi(1 - y_j, G_j)
        dp_dy = -np.diag(pa) + pb[:, None] * dGdy
        dp_dnu = pb[:, None] * dGdnu
        H = np.zeros((z.size, z.size))
        H[:N, :N] = np.diag(oa) - ob[:, None] * dp_dy
        H[:N, N:] = -ob[:, None] * dp_dnu
        H[N:, :N] = -cb[:, None] * Jh * w[None, :]
        H[N:, N:] = np.diag(ca)
        return Phi, H


def _project(z: np.ndarray, N: int) -> np.ndarray:
    out = np.array(z)
    out[:N] = np.clip(out[:N], 0.0, 1.0)
    return out


def gnep_newton_solve(game: GeneralizedGame, *, start: np.ndarray | None = None, tol: float = 1e-13,
                      max_iter: int = 200, max_seconds: float = np.inf) -> GNEPOutcome:
    """The variational equilibrium by semismooth Newton (module doc), from ``start`` (a flat
    profile; the box midpoint by default) with zero multipliers.  Converged when ||Phi||_inf <=
    ``tol`` in normalized units."""
    t0 = time.perf_counter()
    N, w = game.size, game.upper - game.lower
    x0 = 0.5 * (game.lower + game.upper) if start is None else np.clip(start, game.lower, game.upper)
    with np.errstate(all="ignore"):
        F0 = game.pseudo_gradient(x0)
        sigma = float(np.nanmax(np.concatenate([game.utility_variation(x0), np.abs(F0 * w)]), initial=0.0))
        spread = np.abs(game.all_jacobian(x0)) @ w
        gscale = np.where(spread > 0, spread, np.maximum(game.all_magnitudes(x0), np.finfo(float).tiny))
    if not np.isfinite(sigma) or sigma <= 0:
        sigma = 1.0
    system = _System(game, sigma, gscale)
    z = np.concatenate([(x0 - game.lower) / w, np.zeros(gscale.size)])
    history: list[float] = []
    termination, it = Termination.MAX_ITERATIONS, 0
    with np.errstate(all="ignore"):
        Phi, H = system.residual(z, jacobian=True)
        for it in range(1, max_iter + 1):
            norm = float(np.max(np.abs(Phi), initial=0.0))
            if not np.isfinite(norm):
                termination = Termination.NUMERICAL_ERROR
                break
            if norm <= tol:
                termination = Termination.CONVERGED
                break
            history.append(norm)
            if len(history) > STALL_ITERATIONS and history[-1] > 0.9 * history[-1 - STALL_ITERATIONS]:
                termination = Termination.STALLED
                break
            if time.perf_counter() - t0 > max_seconds:
                termination = Termination.MAX_ITERATIONS
                break
            assert H is not None
            merit = 0.5 * float(Phi @ Phi)
            grad = H.T @ Phi
            try:
                d = np.linalg.solve(H, -Phi)
            except np.linalg.LinAlgError:
                d = np.linalg.lstsq(H, -Phi, rcond=None)[0]
            if not np.all(np.isfinite(d)) or grad @ d > -1e-12 * np.linalg.norm(d) ** 2.1:
                d = -grad
            step, moved = 1.0, False
            for _ in range(MAX_BACKTRACKS):
                trial = _project(z + step * d, N)
                P, _ = system.residual(trial)
                if np.all(np.isfinite(P)) and 0.5 * float(P @ P) <= merit + ARMIJO * step * min(float(grad @ d), 0.0):
                    moved = True
                    break
                step *= 0.5
            if not moved:
                termination = Termination.STALLED
                break
            z = trial
            Phi, H = system.residual(z, jacobian=True)
        else:
            it = max_iter
    x = system.x(z[:N])
    nu = sigma * np.maximum(z[N:], 0.0) / gscale
    residual = float(np.max(np.abs(Phi), initial=0.0))
    return GNEPOutcome(x, nu[:game.m], termination, it, time.perf_counter() - t0, residual,
                       {"utility_scale": sigma, "normalized_residual": residual}, nu[game.m:])
