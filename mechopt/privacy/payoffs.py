"""The users' payoffs under Theorem-2 values with a constant share alpha, computed from the fair-value
table by enumerating level vectors (no closed form of gamma): the symmetric game (18) with every
user private with probability p, and the two-group bimatrix game (23)-(24).

Both the solvers of (19) and (25) and their certifier (:mod:`mechopt.privacy.certify`) use these.
"""

from __future__ import annotations

from functools import reduce

import numpy as np

from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame


def level_weights(p: float, n: int) -> np.ndarray:
    """P(level vector) over (2,) * n when each of n users is private (level 0) with probability p."""
    return distribution_weights(np.array([p, 1.0 - p]), n)


def distribution_weights(q: np.ndarray, n: int) -> np.ndarray:
    """P(level vector) over (K,) * n when each of n users plays level k with probability q[k]."""
    q = np.asarray(q, dtype=float)
    return reduce(np.multiply.outer, [q] * n) if n else np.array(1.0)


def expected_utility(game: PrivacyGame, p: float) -> float:
    """U(p) = E[U(eps)] with every user private with probability p (the table averaged over every
    level vector)."""
    return float(np.sum(game.table * level_weights(p, game.n_users)))


def expected_utility_of(game: PrivacyGame, q: np.ndarray) -> float:
    """U(q) = E[U(eps)] with every user playing the mixed strategy q over the K levels."""
    return float(np.sum(game.table * distribution_weights(q, game.n_users)))


def user_payoffs(game: PrivacyGame, alpha: float, p: float, c: float) -> np.ndarray:
    """u_i(s, p) of (18) for every user i and pure level s (rows i, columns s = private, share), the
    others private with probability p: alpha times user i's Theorem-2 value averaged over the others'
    level vectors, minus c for sharing."""
    return level_payoffs(game, alpha, np.array([p, 1.0 - p]), c * np.array([0.0, 1.0]))


def level_payoffs(game: PrivacyGame, alpha: float, q: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """(18) over K levels: u_i(s, q) = alpha E[phi_i(s; eps_-i)] - costs[s] for every user i (rows)
    and pure level s (columns), the others playing q independently; phi_i the Theorem-2 values
    (alpha = 1) averaged over the others' level vectors (enumerated)."""
    phi = fair_values_users(game, 1.0).users
    n = game.n_users
    weights = distribution_weights(q, n - 1)
    out = np.empty((n, game.n_levels))
    for i in range(n):
        own_first = np.moveaxis(phi[i], i, 0)
        out[i] = alpha * np.tensordot(own_first, weights, axes=n - 1) - np.asarray(costs, dtype=float)
    return out


def value_magnitude(game: PrivacyGame) -> float:
    """max |phi_i(eps)| over users and level vectors (Theorem 2, alpha = 1): the scale of the payments."""
    return float(np.max(np.abs(fair_values_users(game, 1.0).users), initial=0.0))


def check_two_by_two(game: PrivacyGame) -> None:
    if game.n_users != 2 or game.n_levels != 2:
        raise ValueError(f"table: Section 5.2's game is 2 x 2 (two users, two levels), got shape {game.table.shape}")


def bimatrix(phi: np.ndarray, alpha: float, c1: float, c2: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) of (23)-(24) from the two users' Theorem-2 values ``phi`` (shape (2, 2, 2))."""
    a = alpha * phi[0] - c1 * np.array([[0.0, 0.0], [1.0, 1.0]])
    b = alpha * phi[1] - c2 * np.array([[0.0, 1.0], [0.0, 1.0]])
    return a, b


def payoff_matrices(game: PrivacyGame, alpha: float, c1: float, c2: float) -> tuple[np.ndarray, np.ndarray]:
    """(A, B): user 1's and user 2's payoffs (23)-(24) with alpha Phi_i, rows = user 1's level,
    columns = user 2's."""
    check_two_by_two(game)
    return bimatrix(fair_values_users(game).users, alpha, c1, c2)


def regrets(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[[user 1's gain from each pure level], [user 2's]] against (x, y)."""
    v1, v2 = x @ a @ y, x @ b @ y
    return np.array([a @ y - v1, x @ b - v2])
