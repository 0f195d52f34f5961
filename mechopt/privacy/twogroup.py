"""Section 5.2: two users (or groups) with sensitivities c_1, c_2, the bimatrix game (23)-(24) at
share alpha, all its equilibria, and the platform's program (25).

Payoffs (Theorem-2 values with constant alpha, our index convention: user 1 on the rows):
    u_1(x, y) = x' (alpha Phi_1) y - c_1 x[1],    u_2(x, y) = x' (alpha Phi_2) y - c_2 y[1],
x = (p, 1 - p), y = (q, 1 - q) the probabilities of the private level E[0].  (23)-(24) print Phi
without alpha; (25) then only makes sense with alpha Phi (the values paid at share alpha).  (25)
prints the objective as x'Uy - (1 - alpha) x'Uy; we maximize the platform's share
(1 - alpha) x'Uy, as in (19).

**All equilibria** of a 2 x 2 game: the four pure profiles checked, and the completely mixed one
from the two indifference conditions (support enumeration; for nondegenerate games this lists
every equilibrium, as the Lemke-Howson/LCP family does; in a degenerate game, where a player is
indifferent against a pure strategy, the continua are represented by their end points).

**(25) exactly, optimistic selection.**  A pure profile is an equilibrium on an alpha-interval
(linear inequalities), best at the interval's end that maximizes (1 - alpha) U.  On the mixed
branch, with t = 1 / alpha, q and p are affine in t, x'Uy is a quadratic P(t) and the value
(1 - 1/t) P(t) is stationary where P + t (t - 1) P' = 0: a cubic.  The optimum is the best of
these candidates; an alpha grid checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial

from mechopt.core.serialization import Serializable
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.stackelberg import check_sensitivity
from mechopt.privacy.symmetric import real_roots


def _check_game(game: PrivacyGame) -> None:
    if game.n_users != 2 or game.n_levels != 2:
        raise ValueError(f"table: Section 5.2's game is 2 x 2 (two users, two levels), got shape {game.table.shape}")


def payoff_matrices(game: PrivacyGame, alpha: float, c1: float, c2: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, B): user 1's and user 2's payoffs (23)-(24), rows = user 1's level, columns = user 2's."""
    _check_game(game)
    phi = fair_values_users(game).users
    a = alpha * phi[0] - c1 * np.array([[0.0, 0.0], [1.0, 1.0]])
    b = alpha * phi[1] - c2 * np.array([[0.0, 1.0], [0.0, 1.0]])
    return a, b


def regrets(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[[user 1's gain from each pure level], [user 2's]] against (x, y)."""
    v1, v2 = x @ a @ y, x @ b @ y
    return np.array([a @ y - v1, x @ b - v2])


def bimatrix_equilibria(a: np.ndarray, b: np.ndarray, tol: float = 1e-12) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every equilibrium (x, y) of the 2 x 2 game (support enumeration), each checked by its regrets."""
    out = []
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    for i in (0, 1):
        for j in (0, 1):
            x, y = np.eye(2)[i], np.eye(2)[j]
            if regrets(a, b, x, y).max() <= tol * scale:
                out.append((x, y))
    da = (a[0, 0] - a[1, 0]) - (a[0, 1] - a[1, 1])  # user 1 indifferent: q da + (a01 - a11) = 0
    db = (b[0, 0] - b[0, 1]) - (b[1, 0] - b[1, 1])
    if abs(da) > tol * scale and abs(db) > tol * scale:
        q = -(a[0, 1] - a[1, 1]) / da
        p = -(b[1, 0] - b[1, 1]) / db
        if 0 < p < 1 and 0 < q < 1:
            x, y = np.array([p, 1 - p]), np.array([q, 1 - q])
            if regrets(a, b, x, y).max() <= 1e3 * tol * scale:
                out.append((x, y))
    return out


@dataclass(frozen=True)
class TwoGroupAnswer(Serializable):
    """The platform's optimum of (25): alpha*, the equilibrium (x, y), the platform's share, the users'
    payments alpha x' Phi_i y and utilities, and the largest regret at the point."""

    alpha: float
    x: np.ndarray
    y: np.ndarray
    platform_utility: float
    payments: np.ndarray
    user_utilities: np.ndarray
    max_regret: float


def _candidates(game: PrivacyGame, c1: float, c2: float) -> list[float]:
    """alpha values where the optimum of (25) can sit: pure-profile interval ends, mixed-branch
    stationary points and ends, 0 and 1."""
    phi = fair_values_users(game).users
    alphas = {0.0, 1.0}
    # pure profiles: each deviation condition alpha * d <= e is linear in alpha: its root is an end
    for i in (0, 1):
        for j in (0, 1):
            d1 = phi[0][1 - i, j] - phi[0][i, j]
            e1 = c1 * ((1 - i) - i)
            d2 = phi[1][i, 1 - j] - phi[1][i, j]
            e2 = c2 * ((1 - j) - j)
            for d, e in ((d1, e1), (d2, e2)):
                if d != 0 and 0 <= e / d <= 1:
                    alphas.add(float(e / d))
    # mixed branch in t = 1 / alpha: user 1 indifferent: t-affine q, user 2: t-affine p
    g1 = phi[0][1] - phi[0][0]    # gain of user 1 from sharing against user 2's pure levels
    g2 = phi[1][:, 1] - phi[1][:, 0]
    a1, b1 = g1[1], g1[0] - g1[1]  # gain(q) = a1 + b1 q = c1 t
    a2, b2 = g2[1], g2[0] - g2[1]
    if b1 != 0 and b2 != 0:
        t = Polynomial([0.0, 1.0])
        q = (c1 * t - a1) / b1
        p = (c2 * t - a2) / b2
        u = game.table
        P = u[0, 0] * p * q + u[0, 1] * p * (1 - q) + u[1, 0] * (1 - p) * q + u[1, 1] * (1 - p) * (1 - q)
        stationary = P + t * (t - 1) * P.deriv()
        ends = [r for poly in (q, q - 1, p, p - 1) for r in real_roots(poly, 1.0, 1e12)]
        for r in list(real_roots(stationary, 1.0, 1e12)) + ends:
            if r >= 1.0:
                alphas.add(float(1.0 / r))
    return sorted(alphas)


def solve_two_group(game: PrivacyGame, c1: float, c2: float, *, tol: float = 1e-12) -> TwoGroupAnswer:
    """(25) with optimistic selection: the best (alpha, equilibrium) over the exact candidates."""
    c1, c2 = check_sensitivity(c1), check_sensitivity(c2)
    best = None
    for alpha in _candidates(game, c1, c2):
        a, b = payoff_matrices(game, alpha, c1, c2)
        for x, y in bimatrix_equilibria(a, b, tol):
            value = (1 - alpha) * float(x @ game.table @ y)
            key = (value, -alpha)
            if best is None or key > best[0]:
                best = (key, alpha, x, y, a, b)
    (_, alpha, x, y, a, b) = best
    phi = fair_values_users(game).users
    pay = np.array([alpha * x @ phi[0] @ y, alpha * x @ phi[1] @ y])
    util = np.array([x @ a @ y, x @ b @ y])
    return TwoGroupAnswer(alpha, x, y, (1 - alpha) * float(x @ game.table @ y), pay, util,
                          float(regrets(a, b, x, y).max()))


def grid_two_group(game: PrivacyGame, c1: float, c2: float, points: int = 2001) -> float:
    """The best (1 - alpha) x'Uy over an alpha grid and every equilibrium at each alpha (the check)."""
    best = -np.inf
    for alpha in np.linspace(0, 1, points):
        a, b = payoff_matrices(game, float(alpha), c1, c2)
        for x, y in bimatrix_equilibria(a, b):
            best = max(best, (1 - alpha) * float(x @ game.table @ y))
    return best
