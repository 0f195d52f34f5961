"""Global best responses in each player's own action, by search on utility values only.

Used by the Nash certificate and by the best-response cycle search, independently of the
equilibrium solvers (no derivatives are used).  For games declared concave in the own action a
golden-section search over the whole interval is exact; otherwise a grid search is refined by a
golden-section search in the best grid cell, which finds the global maximum up to the grid's
resolution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .games.base import ConcaveGame
from .serialization import Serializable

GOLDEN_ITERATIONS = 64
GRID_POINTS = 257
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0


def _golden(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, iters: int) -> np.ndarray:
    """Vectorized golden-section maximization of f on [a_i, b_i]; f maps (n, 1) -> (n, 1)."""
    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    fc, fd = f(c[:, None])[:, 0], f(d[:, None])[:, 0]
    for _ in range(iters):
        left = fc >= fd  # maximum in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new_c, new_d = np.where(left, b - _INV_PHI * (b - a), d), np.where(left, c, a + _INV_PHI * (b - a))
        probe = np.where(left, new_c, new_d)
        fp = f(probe[:, None])[:, 0]
        fc, fd = np.where(left, fp, fd), np.where(left, fc, fp)
        c, d = new_c, new_d
    return np.where(fc >= fd, c, d)


@dataclass(frozen=True)
class BestResponses(Serializable):
    """For each player: the best own action found, its utility, and the utility at the profile."""

    actions: np.ndarray
    values: np.ndarray
    current: np.ndarray
    search: str
    grid_points: int

    @property
    def gains(self) -> np.ndarray:
        return np.maximum(self.values - self.current, 0.0)


def global_best_responses(
    game: ConcaveGame,
    s: np.ndarray,
    *,
    concave: bool | None = None,
    grid_points: int = GRID_POINTS,
    iterations: int = GOLDEN_ITERATIONS,
) -> BestResponses:
    """max over x in [lower_i, upper_i] of u_i(x, s_-i), for every player i at once."""
    s = np.asarray(s, dtype=float)
    concave = game.own_concave if concave is None else concave
    lo, hi = game.lower, game.upper

    def f(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = game.deviation_utilities(s, x)
        return np.where(np.isnan(v), -np.inf, v)

    fixed = np.stack([lo, hi, s], axis=1)
    if concave:
        a, b, search, m = lo, hi, "golden", 0
        candidates = fixed
    else:
        grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
        k = np.argmax(f(grid), axis=1)
        rows = np.arange(game.n)
        a, b = grid[rows, np.maximum(k - 1, 0)], grid[rows, np.minimum(k + 1, grid_points - 1)]
        search, m = "grid+golden", grid_points
        candidates = np.concatenate([fixed, grid], axis=1)
    x_star = _golden(f, a, b, iterations)
    candidates = np.concatenate([candidates, x_star[:, None]], axis=1)
    values = f(candidates)
    best = np.argmax(values, axis=1)
    rows = np.arange(game.n)
    current = values[:, 2]
    return BestResponses(candidates[rows, best], values[rows, best], current, search, m)


@dataclass(frozen=True)
class BestResponseCycle(Serializable):
    """Evidence of non-existence: sequential best responses that return to a visited profile.

    ``profiles[t]`` is the profile before move t, ``movers[t]`` the player who moves, and
    ``gains[t] > 0`` that player's utility gain; ``profiles[-1]`` equals ``profiles[0]``.
    """

    profiles: np.ndarray
    movers: tuple[int, ...]
    gains: np.ndarray


def best_response_cycle(
    game: ConcaveGame,
    start: np.ndarray,
    *,
    tol: float,
    max_rounds: int = 200,
    decimals: int = 7,
) -> tuple[np.ndarray | None, BestResponseCycle | None]:
    """Sequential (Gauss-Seidel) global best responses from ``start``.

    Returns ``(fixed_point, None)`` when a full round moves no player by more than ``tol`` in
    utility, ``(None, cycle)`` when a profile recurs with the same player to move, and
    ``(None, None)`` when neither happens within ``max_rounds``.
    """
    s = game.project(np.asarray(start, dtype=float))
    seen: dict[tuple, int] = {}
    history: list[tuple[np.ndarray, int, float]] = []
    for _ in range(max_rounds):
        moved = False
        for i in range(game.n):
            key = (i, tuple(np.round(s, decimals)))
            if key in seen:
                cyc = history[seen[key]:]
                profiles = np.array([p for p, _, _ in cyc] + [s])
                return None, BestResponseCycle(profiles, tuple(m for _, m, _ in cyc), np.array([g for _, _, g in cyc]))
            br = global_best_responses(game, s)
            gain = float(br.gains[i])
            if gain > tol:
                seen[key] = len(history)
                history.append((s.copy(), i, gain))
                s = s.copy()
                s[i] = br.actions[i]
                moved = True
        if not moved:
            return s, None
    return None, None
