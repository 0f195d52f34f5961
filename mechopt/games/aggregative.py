"""Aggregative games from one vectorized callable: u_i(s) = f_i(s_i, S), S = s_1 + ... + s_n.

A player's utility depends on the others only through the aggregate, so one call of the user's
``utility(x, S)`` evaluates every player (x_i and the aggregate S_i player i faces), the own
gradient F_i = d/dt f_i(s_i + t, S + t) is one vectorized difference, and the Jacobian of F is
diag(d) + c 1^T (c_i = dF_i/dS at fixed s_i), which Newton solves in O(n)
(:class:`~mechopt.core.structured.DiagPlusLowRank`).  Every evaluation is O(n): no n x n
difference Jacobian of a game given by per-player callables of the whole profile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mechopt.core.structured import DiagPlusLowRank
from mechopt.games.base import (
    CENTRAL_STENCIL, FORWARD_STENCIL, FD_STEP, JACOBIAN_STEP, JACOBIAN_STEP_EXACT, VALUE_NOISE, DeclaredGame, lipschitz_constants,
    validate_bounds,
)

Vectorized = Callable[[np.ndarray, np.ndarray], np.ndarray]


class AggregativeGame(DeclaredGame):
    """An aggregative game, u_i(s) = f_i(s_i, S) with S = s_1 + ... + s_n, from one vectorized
    callable: ``utility(x, S)`` takes two arrays of shape (n,) (player i's own action x_i and the
    aggregate S_i it faces, its own action included) and returns the n values f_i(x_i, S_i).

    ``bounds[i] = (lower_i, upper_i)``.  ``gradient(x, S)``, where given, is the total own
    derivative d f_i(x_i + t, S_i + t)/dt at t = 0, taken as exact; without it a fourth-order
    difference with an error estimate, as for ``ContinuousGame.from_utilities``.  ``concave`` and
    ``lipschitz`` are declarations, as there.
    """

    def __init__(self, utility: Vectorized, bounds: Sequence[tuple[float, float]] | np.ndarray, *,
                 gradient: Vectorized | None = None, concave: bool = False,
                 lipschitz: float | Sequence[float] | np.ndarray | None = None, step: float = FD_STEP) -> None:
        b = np.asarray(bounds, dtype=float)
        if b.ndim != 2 or b.shape[1] != 2:
            raise ValueError(f"bounds: expected one (lower, upper) pair per player, got shape {b.shape}")
        if not (np.isfinite(step) and 0 < step < 0.5):
            raise ValueError(f"step: must be a relative step in (0, 0.5), got {step!r}")
        self.lower, self.upper = validate_bounds(b[:, 0], b[:, 1])
        self._f, self._g = utility, gradient
        self._concave, self._step = bool(concave), float(step)
        self._lipschitz = None if lipschitz is None else lipschitz_constants(lipschitz, self.lower.size)
        # the shape is checked at once; values need not be finite there (001 Example 1's a(s) = 8 -
        # 1/(s1 + s2) is not at 0): the methods start inside the utilities' domain
        with np.errstate(all="ignore"):
            self._call(utility, self.lower.copy(), np.full(self.lower.size, self.lower.sum()), "utility")

    def _call(self, fn: Vectorized, x: np.ndarray, S: np.ndarray, name: str) -> np.ndarray:
        out = np.asarray(fn(x, S), dtype=float)
        if out.shape != (self.n,):
            raise ValueError(f"{name}: utility(x, S) must return one value per player, shape ({self.n},), "
                             f"got shape {out.shape}")
        return out

    def utilities(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return self._call(self._f, s, np.full(self.n, s.sum()), "utility")

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        others = s.sum() - s
        return np.stack([self._call(self._f, x[:, j], others + x[:, j], "utility") for j in range(x.shape[1])], axis=1)

    def _difference(self, x: np.ndarray, S: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fourth-order difference quotients of t -> f_i(x_i + t, S_i + t) at t = 0, every player at
        once (central where the stencil fits in the box, one-sided towards the larger room
        otherwise), and their rounding errors."""
        central = (x - 2.0 * h >= self.lower) & (x + 2.0 * h <= self.upper)
        direction = np.where(self.upper - x >= x - self.lower, 1.0, -1.0)
        step = np.where(central, h, direction * np.minimum(h, 0.25 * np.maximum(self.upper - x, x - self.lower)))
        quotient, rounding = np.zeros(self.n), np.zeros(self.n)
        for (offsets, weights), use in ((CENTRAL_STENCIL, central), (FORWARD_STENCIL, ~central)):
            if not use.any():
                continue
            values = np.stack([self._call(self._f, x + k * step, S + k * step, "utility") for k in offsets])
            quotient = np.where(use, weights @ values / step, quotient)
            noise = VALUE_NOISE * np.finfo(float).eps * np.max(np.abs(values), axis=0) * np.sum(np.abs(weights))
            rounding = np.where(use, noise / np.abs(step), rounding)
        return quotient, rounding

    def _F(self, x: np.ndarray, S: np.ndarray) -> np.ndarray:
        if self._g is not None:
            return self._call(self._g, x, S, "gradient")
        return self._difference(x, S, self._step * self._scale(x))[0]

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return self._F(s, np.full(self.n, s.sum()))

    def own_gradient_error(self, s: np.ndarray) -> np.ndarray:
        """Zero for a user's gradient; otherwise 2 |D(h) - D(2h)| plus the rounding error of D(h)."""
        s = np.asarray(s, dtype=float)
        if self._g is not None:
            return np.zeros(self.n)
        S, h = np.full(self.n, s.sum()), self._step * self._scale(s)
        d1, rounding = self._difference(s, S, h)
        d2, _ = self._difference(s, S, 2.0 * h)
        return 2.0 * np.abs(d1 - d2) + rounding

    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank:
        """G = diag(t - c) + c 1^T: t_i = dF_i/ds_i (own action and aggregate move together),
        c_i = dF_i/dS at fixed s_i (another player's action moves the aggregate), both central
        differences of F clamped to where the actions can be."""
        s = np.asarray(s, dtype=float)
        S = np.full(self.n, s.sum())
        h = (JACOBIAN_STEP if self._g is None else JACOBIAN_STEP_EXACT) * self._scale(s)
        lo, hi = np.maximum(s - h, self.lower), np.minimum(s + h, self.upper)
        total = (self._F(hi, S + hi - s) - self._F(lo, S + lo - s)) / (hi - lo)
        others_lo, others_hi = self.lower.sum() - self.lower, self.upper.sum() - self.upper
        down = np.minimum(h, (S - s) - others_lo)  # how far the others' sum can fall, and rise
        up = np.minimum(h, others_hi - (S - s))
        cross = np.zeros(self.n)
        moves = (down + up) > 0
        if moves.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = np.where(moves, (self._F(s, S + up) - self._F(s, S - down)) / (down + up), 0.0)
        return DiagPlusLowRank(total - cross, cross[:, None], np.ones((self.n, 1)))
