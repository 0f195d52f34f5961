"""Projected best-response (gradient) dynamics, 001 (4), and its stochastic version, 003 (11).

s^{t+1} = proj(s^t + delta g), g_i = du_i/ds_i + mu_i with mu keeping s in the box; in the
stochastic version only a random set R^t of k players moves.  Step sizes:
- given ``strong_concavity`` lambda and ``lipschitz`` L: delta = lambda / (n^2 L^2) (001 Theorem
  3.2), times (n-1)/(k-1) in the stochastic version (003 Theorem 4.4);
- else ``step`` if given;
- else 1 / max_i sum_j |G_ij(s^t)|, the stable gradient step, recomputed every iteration and
  halved while it exceeds 2 / max_i sum_j |G_ij| at the point it leads to (payoffs such as
  1 - alpha S^-beta have unbounded curvature near S = 0).
"""

from __future__ import annotations

import time

import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.core.status import Termination
from mechopt.core.structured import abs_row_sums
from mechopt.core.tolerances import RESIDUAL_TOL
from mechopt.solvers.outcome import DOMAIN_ERRORS, MethodOutcome, domain_start, max_norm


def theorem_step(n: int, strong_concavity: float, lipschitz: float, batch: int | None = None) -> float:
    """delta = lambda / (n^2 L^2) (001 Thm 3.2), scaled by (n-1)/(k-1) for batches of k (003 Thm 4.4)."""
    if strong_concavity <= 0 or lipschitz <= 0:
        raise ValueError("strong_concavity and lipschitz: must both be > 0")
    step = strong_concavity / (n**2 * lipschitz**2)
    if batch is not None and batch < n:
        step *= (n - 1) / (batch - 1)
    return step


def theorem_iterations(n: int, strong_concavity: float, lipschitz: float, g0: float, eps: float) -> float:
    """T = 2 n^2 L^2 / lambda^2 log(||g^0|| / eps), the iteration bound of 001 Theorem 3.2."""
    return 2 * n**2 * lipschitz**2 / strong_concavity**2 * np.log(max(g0, eps) / eps)


def projected_gradient_norm(game: ContinuousGame, s: np.ndarray, step: float) -> float:
    """||g(s, mu)||_2 of 001 (4): the norm of the feasible update direction."""
    return float(np.linalg.norm((game.project(s + step * game.own_gradient(s)) - s) / step))


def _row_sum_bound(game: ContinuousGame, s: np.ndarray) -> float:
    """max_i sum_j |G_ij(s)| (infinite where the Jacobian is not finite)."""
    with np.errstate(all="ignore"):
        bound = float(np.max(abs_row_sums(game.own_jacobian(s))))
    return bound if np.isfinite(bound) else np.inf


def _stable_step(bound: float) -> float:
    """1 / max_i sum_j |G_ij| for a finite positive row-sum bound, else 1."""
    return 1.0 / bound if 0 < bound < np.inf else 1.0


def _gradient(game: ContinuousGame, s: np.ndarray) -> np.ndarray:
    """F(s); NaN where it cannot be evaluated (:data:`~mechopt.solvers.outcome.DOMAIN_ERRORS`)."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(game.own_gradient(s), dtype=float)
    except DOMAIN_ERRORS:
        return np.full(s.shape, np.nan)


def _move(game: ContinuousGame, s: np.ndarray, delta: float, F: np.ndarray, moving: np.ndarray | None) -> np.ndarray:
    """One step of (4) (all players) or (11) (the players in ``moving``)."""
    if moving is None:
        return game.project(s + delta * F)
    out = s.copy()
    out[moving] = np.clip(s[moving] + delta * F[moving], game.lower[moving], game.upper[moving])
    return out


def br_dynamics_solve(
    game: ContinuousGame,
    *,
    start: np.ndarray | None = None,
    step: float | None = None,
    strong_concavity: float | None = None,
    lipschitz: float | None = None,
    batch: int | None = None,
    seed: int | None = 0,
    tol: float = RESIDUAL_TOL,
    max_iter: int = 1_000_000,
    max_seconds: float | None = None,
) -> MethodOutcome:
    """Run (4) (``batch=None``) or stochastic (11) (``batch=k``) until ||Phi||_inf <= tol.

    The start is moved into the utilities' domain first
    (:func:`~mechopt.solvers.outcome.domain_start`).  Where F stops being finite the run ends with
    ``numerical_error`` at the last point where it was finite (the stable step is halved while
    the Jacobian at the point it leads to is not finite)."""
    t0 = time.perf_counter()
    n = game.n
    if batch is not None and not (2 <= batch <= n):
        raise ValueError(f"batch: the number of players moving per step must be in [2, {n}], got {batch}")
    if step is not None and not step > 0:
        raise ValueError(f"step: must be > 0, got {step}")
    rule = "theorem" if strong_concavity is not None and lipschitz is not None else "given" if step is not None else "stable"
    s, _, _ = domain_start(game, start, jacobian=rule == "stable")
    if rule == "theorem":
        delta = theorem_step(n, strong_concavity, lipschitz, batch)  # type: ignore[arg-type]
    elif rule == "given":
        delta = float(step)  # type: ignore[arg-type]
    else:
        bound = _row_sum_bound(game, s)  # carried along: the accepted trial's bound is the next one
        delta = _stable_step(bound)
    rng = np.random.default_rng(seed)
    params = {"step": delta if rule != "stable" else None, "step_rule": rule, "batch": batch}
    last_finite: tuple[np.ndarray, float] | None = None
    for it in range(max_iter):
        F = _gradient(game, s)
        residual = max_norm(s - game.project(s + F))
        if residual <= tol:
            return MethodOutcome(s, Termination.CONVERGED, it, time.perf_counter() - t0, residual, params)
        if not np.isfinite(residual):  # report the last point where F was finite, if any
            s, residual = last_finite if last_finite is not None else (s, residual)
            return MethodOutcome(s, Termination.NUMERICAL_ERROR, it, time.perf_counter() - t0, residual, params)
        last_finite = (s, residual)
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            return MethodOutcome(s, Termination.MAX_ITERATIONS, it, time.perf_counter() - t0, residual, params)
        moving = None if batch is None or batch == n else rng.choice(n, size=batch, replace=False)
        if rule == "stable":
            delta = _stable_step(bound)
            for _ in range(60):
                trial = _move(game, s, delta, F, moving)
                trial_bound = _row_sum_bound(game, trial)
                if delta * trial_bound <= 2.0:
                    break
                delta *= 0.5
            s, bound = trial, trial_bound
        else:
            s = _move(game, s, delta, F, moving)
    residual = max_norm(game.natural_residual(s))
    term = Termination.CONVERGED if residual <= tol else Termination.MAX_ITERATIONS
    return MethodOutcome(s, term, max_iter, time.perf_counter() - t0, residual, params)
