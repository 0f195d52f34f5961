"""Semismooth Newton for the variational equilibrium of a generalized game: the players' KKT
conditions with common multipliers of the shared constraints (and each player's own multipliers
of its player-specific constraints h_i: rows of J_h enter their owner's coordinates only, the mask
of :meth:`~mechopt.games.generalized.GeneralizedGame.multiplier_mask`), one mixed complementarity problem
(Facchinei and Kanzow 2010, Section 4.1; the Fischer-Burmeister reformulation of their (13)).

Units (:class:`Units`) come from the answer's own scale at the iterate, never from the box
searched alone: player i's utility unit sigma_i is the certificate's scale of its tolerance there
(the smaller of u_i's variation over its box and the magnitude of u_i's terms at the iterate,
:mod:`mechopt.certificates.gnep`), each constraint's unit its translation-free scale there
(:meth:`~mechopt.games.generalized.GeneralizedGame.constraint_scales`); they are recomputed at the
point each Newton run stops, and Newton runs again from it while they change by more than a factor
of ``UNIT_CHANGE``.  The first run, from a start that is not an answer, takes u_i's variation
alone: the magnitude of u_i's terms there says nothing of the answer's scale (at x = 0 those of a
quadratic vanish, every unit would be 1e-12 of the game's, Newton would have to cross 1e11 of
them and stalls), and units too large only cost a run more (from the box midpoint of a box 1e9
wide, the first units are 1e18 times the answer's).  The strategies are held as y = x / d, the box
widths d a pure change of unit (no translation: a coordinate keeps its own floating-point
resolution however far its box lies from the origin).  With the Lagrangian's ascent direction in
utility units

    G_j = d_j (F_j(x) - (J_c(x)^T mu)_j) / sigma_i(j),     mu_k = s nu_k / cscale_k,

(s the largest sigma_i, J_c's player-specific rows masked to their owner's coordinates), the
residual is

    Phi_j = phi((x_j - lower_j) / d_j, -phi((upper_j - x_j) / d_j, G_j))   (box MCP)
    Phi_k = phi(nu_k, -c_k(x) / cscale_k)                                 (nu >= 0 _|_ -c >= 0)

with phi(a, b) = a + b - sqrt(a^2 + b^2), evaluated as 2ab / (a + b + sqrt(a^2 + b^2)) where
a + b > 0 (no cancellation when one argument dwarfs the other).  |Phi_j| <= tol at an interior
coordinate is the certificate's KKT gap (B) of that coordinate within tol of sigma_i.  Newton steps on an element of the
generalized Jacobian, Armijo search on Psi = ||Phi||^2 / 2, iterates projected into the box
(utilities may be undefined outside it; the multipliers are not projected, which would stop Newton
steps that pass through nu < 0 on their way to the solution); -grad Psi where the Newton direction
is not one of descent.  Converged when ||Phi||_inf <= tol (then up to two more Newton steps while
they lower it), or when a full Newton step no longer
moves the iterate beyond its rounding (the floating-point floor of a wide box, where tol may lie
below what double precision resolves).
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
UNIT_CHANGE = 4.0
"""Newton runs again from its point when a unit there differs from the run's by more than this factor."""
MAX_UNIT_UPDATES = 6
POLISH_STEPS = 2
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
    total = a + b
    stable = 2.0 * a * b / np.where(total > 0, total + r, 1.0)
    return np.where(total > 0, stable, total - r), da, db


@dataclass(frozen=True)
class Units:
    """Newton's units at a point (module doc): coordinate units d, each
    coordinate's utility unit sigma (its player's), the multipliers' utility unit s and each
    constraint's unit cscale."""

    d: np.ndarray
    sigma: np.ndarray
    common: float
    cscale: np.ndarray

    def close_to(self, other: Units) -> bool:
        """No unit differs from ``other``'s by more than a factor UNIT_CHANGE."""
        mine = np.concatenate([self.d, self.sigma, self.cscale])
        theirs = np.concatenate([other.d, other.sigma, other.cscale])
        return bool(np.all(np.abs(np.log(mine / theirs)) <= np.log(UNIT_CHANGE)))


def units_at(game: GeneralizedGame, x: np.ndarray, *, reached: bool = True) -> Units:
    """Newton's units at x (module doc): sigma_i the smaller of player i's utility variation over
    its box and its utilities' magnitude at x (the certificate's scale) at a point Newton
    ``reached``, the variation alone at a start, floored at 1e-12 of the largest (a player whose
    terms vanish at x keeps a unit); d_j the length over which u_i moves by sigma_i at x, the
    smaller of sqrt(sigma_i / |dF_j/dx_j|) (curvature) and sigma_i / |F_j| (slope), at most the
    box width; cscale the constraints' scales at x."""
    w = game.upper - game.lower
    with np.errstate(all="ignore"):
        variation = game.utility_variation(x)
        magnitude = np.abs(game.answer_magnitudes(x))
        scale = np.fmin(variation, magnitude) if reached else variation
        cscale = game.constraint_scales(x)
        F = game.pseudo_gradient(x)
        curvature = np.abs(np.diag(game.pseudo_jacobian(x)))
    scale = np.where(np.isfinite(scale), scale, np.nan)
    largest = float(np.nanmax(scale, initial=0.0)) if np.any(np.isfinite(scale)) else 0.0
    if not largest > 0:
        slope = np.where(np.isfinite(F), np.abs(F) * w, 0.0)
        largest = float(np.max(slope, initial=0.0)) or 1.0
    sigma = np.repeat(np.maximum(np.nan_to_num(scale, nan=largest), 1e-12 * largest), game.dims)
    with np.errstate(all="ignore"):
        lengths = np.fmin(np.sqrt(sigma / curvature), sigma / np.abs(F))
    d = np.fmin(w, np.where(lengths > 0, lengths, w))
    return Units(d, sigma, float(np.max(sigma)), cscale)


@dataclass(frozen=True)
class _System:
    game: GeneralizedGame
    units: Units

    def x(self, y: np.ndarray) -> np.ndarray:
        return np.clip(y * self.units.d, self.game.lower, self.game.upper)

    def residual(self, z: np.ndarray, jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        game, N, u = self.game, self.game.size, self.units
        y, nu = z[:N], z[N:]
        x, d, sigma = self.x(y), u.d, u.sigma
        k = u.common / u.cscale  # mu = k nu
        F = game.pseudo_gradient(x)
        c = game.all_constraints(x) / u.cscale
        Jc = game.all_jacobian(x) / u.cscale[:, None] if nu.size else np.zeros((0, N))
        Jm = Jc * game.multiplier_mask() if nu.size else Jc  # player i's own rows enter its coordinates only
        G = d * (F - u.common * (Jm.T @ nu)) / sigma
        p, pa, pb = _phi((game.upper - x) / d, G)
        out, oa, ob = _phi((x - game.lower) / d, -p)
        cc, ca, cb = _phi(nu, -c)
        Phi = np.concatenate([out, cc])
        if not jacobian:
            return Phi, None
        dF = game.pseudo_jacobian(x)
        if nu.size:
            mu = k * nu
            dF = dF - game.constraint_curvature(x, mu[:game.m]) - game.player_curvature(x, mu[game.m:])
        dGdy = (d / sigma)[:, None] * dF * d[None, :]
        dGdnu = -(d * u.common / sigma)[:, None] * Jm.T
        # Phi_j = phi(a_j, -p_j), a_j = y_j - lower_j / d_j, p_j = phi(upper_j / d_j - y_j, G_j)
        dp_dy = -np.diag(pa) + pb[:, None] * dGdy
        dp_dnu = pb[:, None] * dGdnu
        H = np.zeros((z.size, z.size))
        H[:N, :N] = np.diag(oa) - ob[:, None] * dp_dy
        H[:N, N:] = -ob[:, None] * dp_dnu
        H[N:, :N] = -cb[:, None] * Jc * d[None, :]
        H[N:, N:] = np.diag(ca)
        return Phi, H


def _project(z: np.ndarray, system: _System) -> np.ndarray:
    out = np.array(z)
    N = system.game.size
    out[:N] = system.x(out[:N]) / system.units.d
    return out


def _at_floor(z: np.ndarray, trial: np.ndarray) -> bool:
    """The full Newton step moved no coordinate and no multiplier beyond its rounding."""
    scale = np.abs(z) + np.abs(trial)
    return bool(np.all(np.abs(trial - z) <= 8.0 * np.finfo(float).eps * scale))


def _polish(system: _System, z: np.ndarray, Phi: np.ndarray, H: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Up to POLISH_STEPS full Newton steps past tol while they lower ||Phi||_inf: near a solution
    each gains digits down to the floating-point floor at the cost of one residual."""
    for _ in range(POLISH_STEPS):
        if H is None:
            break
        try:
            d = np.linalg.solve(H, -Phi)
        except np.linalg.LinAlgError:
            break
        trial = _project(z + d, system)
        P, J = system.residual(trial, jacobian=True)
        if not (np.all(np.isfinite(P)) and np.max(np.abs(P), initial=0.0) < np.max(np.abs(Phi), initial=0.0)):
            break
        z, Phi, H = trial, P, J
    return z, Phi


def _run(system: _System, z: np.ndarray, *, tol: float, max_iter: int, deadline: float
         ) -> tuple[np.ndarray, np.ndarray, Termination, int]:
    """Newton iterations in fixed units from z: the last point, its residual, why it stopped, the
    iterations taken."""
    history: list[float] = []
    with np.errstate(all="ignore"):
        Phi, H = system.residual(z, jacobian=True)
        for it in range(1, max_iter + 1):
            norm = float(np.max(np.abs(Phi), initial=0.0))
            if not np.isfinite(norm):
                return z, Phi, Termination.NUMERICAL_ERROR, it
            if norm <= tol:
                z, Phi = _polish(system, z, Phi, H)
                return z, Phi, Termination.CONVERGED, it
            history.append(norm)
            if len(history) > STALL_ITERATIONS and history[-1] > 0.9 * history[-1 - STALL_ITERATIONS]:
                return z, Phi, Termination.STALLED, it
            if time.perf_counter() > deadline:
                return z, Phi, Termination.MAX_ITERATIONS, it
            assert H is not None
            merit = 0.5 * float(Phi @ Phi)
            grad = H.T @ Phi
            try:
                d = np.linalg.solve(H, -Phi)
            except np.linalg.LinAlgError:
                d = np.linalg.lstsq(H, -Phi, rcond=None)[0]
            newton = bool(np.all(np.isfinite(d)) and grad @ d <= -1e-12 * np.linalg.norm(d) ** 2.1)
            if not newton:
                d = -grad
            step, moved = 1.0, False
            for _ in range(MAX_BACKTRACKS):
                trial = _project(z + step * d, system)
                P, _ = system.residual(trial)
                if np.all(np.isfinite(P)) and 0.5 * float(P @ P) <= merit + ARMIJO * step * min(float(grad @ d), 0.0):
                    moved = True
                    break
                step *= 0.5
            if newton and _at_floor(z, _project(z + d, system)):
                return z, Phi, Termination.CONVERGED, it
            if not moved:
                return z, Phi, Termination.STALLED, it
            z = trial
            Phi, H = system.residual(z, jacobian=True)
    return z, Phi, Termination.MAX_ITERATIONS, max_iter


def gnep_newton_solve(game: GeneralizedGame, *, start: np.ndarray | None = None, tol: float = 1e-13,
                      max_iter: int = 200, max_seconds: float = np.inf) -> GNEPOutcome:
    """The variational equilibrium by semismooth Newton (module doc), from ``start`` (a flat
    profile; the box midpoint by default) with zero multipliers.  Converged when ||Phi||_inf <=
    ``tol`` in the units of the point reached (or at the floating-point floor); ``max_iter``
    counts the iterations of every run."""
    t0 = time.perf_counter()
    deadline = t0 + max_seconds
    x = 0.5 * (game.lower + game.upper) if start is None else np.clip(start, game.lower, game.upper)
    mu = np.zeros(game.m + game.p)
    units = units_at(game, x, reached=False)
    used, runs = 0, 0
    while True:
        system = _System(game, units)
        z = np.concatenate([x / units.d, mu * units.cscale / units.common])
        z, Phi, termination, its = _run(system, z, tol=tol, max_iter=max_iter - used, deadline=deadline)
        used, runs = used + its, runs + 1
        x = system.x(z[:game.size])
        mu = units.common * np.maximum(z[game.size:], 0.0) / units.cscale
        if termination is Termination.NUMERICAL_ERROR or used >= max_iter or time.perf_counter() > deadline \
                or runs > MAX_UNIT_UPDATES:
            break
        fresh = units_at(game, x)
        if fresh.close_to(units):
            break
        units = fresh
    residual = float(np.max(np.abs(Phi), initial=0.0))
    return GNEPOutcome(x, mu[:game.m], termination, used, time.perf_counter() - t0, residual,
                       {"utility_scale": units.common, "normalized_residual": residual, "unit_updates": runs - 1},
                       mu[game.m:])
