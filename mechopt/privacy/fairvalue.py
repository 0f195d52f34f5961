"""Fair values of data with privacy levels: Theorem 1 ((5), (6): the platform in the coalition)
and Theorem 2 ((12): among users, with the platform's share alpha(eps)).

**Exact and vectorized over every level vector.**  For a level vector eps with support T, the
game S -> U(eps_S) has Harsanyi dividends d(R) = sum_{Q subset R} (-1)^{|R|-|Q|} U(eps_Q), which
depend on eps only through eps_R.  So one table D(x) = d(supp x) at x = eps_R serves every eps:
D = prod_j A_j U with (A_j f)(x) = f(x) - f(x with x_j = E[0]) where x_j != E[0] (one numpy pass
per axis).  The Shapley value is phi_i = sum_{R subset T, i in R} d(R) / |R|; with the platform
as player N + 1 (U = 0 without it, (4)) the dividends of R + {platform} are the same D and the
values are phi_i = sum_{R, i in R} D / (|R| + 1), phi_p = sum_R D / (|R| + 1).  Summing G = D / m
over the subsets R of supp eps is the zeta transform Z = prod_j B_j G, (B_j f)(x) = f(x) +
f(x with x_j = E[0]) where x_j != E[0]; then phi_i(eps) = Z(eps) - Z(eps with eps_i = E[0]) and
phi_p = Z(eps).  Cost O(N K^N) for K levels, against O(4^N)-per-vector for the formulas read
literally (:func:`fair_values_naive`, the independent check).

**Index convention.**  Arrays are indexed [eps_1, ..., eps_N] (level indices, user 1 on the
rows), as U in (10).  The paper prints Phi_1, Phi_2 of (11) and (13) with the *other* user on the
rows: its Phi_i^(1) is the transpose of ours (docs/privacy.md).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from math import comb

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.privacy.game import PrivacyGame


def _axis_pass(f: np.ndarray, axis: int, sign: float) -> np.ndarray:
    """f[..., k, ...] += sign * f[..., 0, ...] for every k >= 1 along ``axis`` (in place)."""
    head = np.take(f, [0], axis=axis)
    rest = [slice(None)] * f.ndim
    rest[axis] = slice(1, None)
    f[tuple(rest)] += sign * head
    return f


def _support_size(shape: tuple[int, ...]) -> np.ndarray:
    """|supp x| for every level-index vector x."""
    size = np.zeros(shape, dtype=float)
    for axis, k in enumerate(shape):
        view = [1] * len(shape)
        view[axis] = k
        size += (np.arange(k) > 0).reshape(view)
    return size


def dividends(table: np.ndarray) -> np.ndarray:
    """D(x) = d(supp x) for the game S -> U(x_S): the Harsanyi dividends, for every x at once."""
    d = np.array(table, dtype=float, copy=True)
    for axis in range(d.ndim):
        _axis_pass(d, axis, -1.0)
    return d


def _zeta(g: np.ndarray) -> np.ndarray:
    z = g.copy()
    for axis in range(z.ndim):
        _axis_pass(z, axis, 1.0)
    return z


def _user_values(z: np.ndarray) -> np.ndarray:
    """phi_i(eps) = Z(eps) - Z(eps with eps_i = E[0]) where eps_i != E[0], else 0."""
    n = z.ndim
    out = np.zeros((n,) + z.shape)
    for i in range(n):
        rest = [slice(None)] * n
        rest[i] = slice(1, None)
        out[(i,) + tuple(rest)] = z[tuple(rest)] - np.take(z, [0], axis=i)
    return out


@dataclass(frozen=True)
class FairValues(Serializable):
    """Fair values at every level vector: ``users[i][eps]`` (shape (N,) + (K,) * N) and, under
    Theorem 1, ``platform[eps]``; ``utility`` is U; ``alpha`` the share of Theorem 2 (1 under
    Theorem 1, where the platform keeps ``platform``)."""

    kind: str
    theorem: int
    levels: tuple[float, ...]
    users: np.ndarray
    platform: np.ndarray
    utility: np.ndarray
    alpha: np.ndarray


def _alpha_table(game: PrivacyGame, alpha: float | np.ndarray) -> np.ndarray:
    a = np.broadcast_to(np.asarray(alpha, dtype=float), game.table.shape)
    if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a > 1):
        raise ValueError("alpha: must lie in [0, 1] at every level vector (axiom B.ii)")
    return np.array(a)


def fair_values_platform(game: PrivacyGame) -> FairValues:
    """Theorem 1, (5)-(6): values of the users and the platform (a = 1) at every level vector.
    With a = 0 every value is 0 ((4)); efficiency: phi_p + sum_i phi_i = U."""
    d = dividends(game.table)
    z = _zeta(d / (_support_size(d.shape) + 1.0))
    return FairValues("fair_values", 1, game.levels, _user_values(z), z, game.table.copy(),
                      np.ones(game.table.shape))


def fair_values_users(game: PrivacyGame, alpha: float | np.ndarray = 1.0) -> FairValues:
    """Theorem 2, (12): the users' values alpha(eps) * Shapley(S -> U(eps_S)) at every level
    vector (pseudo-efficiency: sum_i phi_i = alpha U).  ``alpha`` is a number or a table that must
    be equal where U is (axiom B.ii); the platform keeps (1 - alpha) U.  The Shapley values of the
    last small tables asked for are kept (a solve and its certificate ask for the same ones, 004's
    Figure 7 10 000 times); each call gets its own copies."""
    a = _alpha_table(game, alpha)
    u = np.ascontiguousarray(game.table, dtype=float)
    if u.size * u.ndim <= KEPT_VALUES:
        shapley = _kept_shapley_users(u.tobytes(), u.shape, a.tobytes())
    else:
        shapley = _shapley_users(u, a)
    return FairValues("fair_values", 2, game.levels, shapley * a, (1.0 - a) * u, u.copy(), a)


KEPT_VALUES = 1 << 16
"""Tables with at most this many values N K^N have their Shapley values kept (8 of them)."""


def _shapley_users(u: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Shapley(S -> U(eps_S)) of every user at every level vector, after the check that alpha is
    one value wherever U is one value."""
    same = u.reshape(-1)
    order = np.argsort(same, kind="stable")
    flat_a = a.reshape(-1)[order]
    equal_u = np.isclose(np.diff(same[order]), 0.0, rtol=0.0, atol=1e-12 * max(1.0, np.abs(u).max()))
    if np.any(equal_u & (np.abs(np.diff(flat_a)) > 1e-12)):
        raise ValueError("alpha: must take one value wherever U takes one value (axiom B.ii)")
    d = dividends(u)
    size = _support_size(d.shape)
    g = np.divide(d, size, out=np.zeros_like(d), where=size > 0)
    return _user_values(_zeta(g))


@functools.lru_cache(maxsize=8)
def _kept_shapley_users(table: bytes, shape: tuple[int, ...], alpha: bytes) -> np.ndarray:
    """:func:`_shapley_users` of a table and alpha given as bytes, kept (read-only: callers scale a copy)."""
    users = _shapley_users(*(np.frombuffer(b, dtype=float).reshape(shape) for b in (table, alpha)))
    users.flags.writeable = False
    return users


def fair_values_naive(game: PrivacyGame, index: tuple[int, ...], theorem: int = 2) -> tuple[np.ndarray, float]:
    """(5)/(6) or (12) with alpha = 1 read literally at one level vector: a loop over every S
    (the independent check of the vectorized engine).  Returns (users, platform)."""
    n = game.n_users
    users = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for m in range(n):
            for s in itertools.combinations(others, m):
                gain = game.restricted(index, s + (i,)) - game.restricted(index, s)
                w = 1.0 / ((n + 1) * comb(n, m + 1)) if theorem == 1 else 1.0 / (n * comb(n - 1, m))
                users[i] += w * gain
    platform = 0.0
    if theorem == 1:
        for m in range(n + 1):
            for s in itertools.combinations(range(n), m):
                platform += game.restricted(index, s) / ((n + 1) * comb(n, m))
    return users, platform


def coalition_table(utility, eps: tuple[int, ...]) -> np.ndarray:
    """U(eps_S) for every S, as a (2,) * N table (1 = user in S): all Theorems 1 and 2 need at one
    level vector ``eps`` (2^N evaluations of ``utility``, a function of a level-index tuple)."""
    n = len(eps)
    table = np.empty((2,) * n)
    for mask in itertools.product((0, 1), repeat=n):
        table[mask] = utility(tuple(e if m else 0 for e, m in zip(eps, mask)))
    return table


def fair_values_at(utility, eps: tuple[int, ...], alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """(Theorem 2 users' values with share alpha, Theorem 1 users' values, Theorem 1 platform value)
    at one level vector, from the 2^N coalition table (for utilities too costly to tabulate over
    every level vector, such as (17) with N = 10 users and three levels)."""
    game = PrivacyGame((0.0, 1.0), coalition_table(utility, eps))
    full = (1,) * len(eps)
    t2 = fair_values_users(game, alpha).users[(slice(None),) + full]
    t1 = fair_values_platform(game)
    return t2, t1.users[(slice(None),) + full], float(t1.platform[full])
