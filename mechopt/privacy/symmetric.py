"""Section 5: the symmetric binary privacy game (18) among N users with equal marginal
contributions, the expected relative payoff gamma(p) (21), the symmetric mixed equilibria and
p*(alpha) (87), and the residual (72) of Cheng et al. whose zeros are the symmetric equilibria.

p is the probability of the *more private* level E[0] (the paper's convention); a user shares
(E[1]) with probability 1 - p.  Under Theorem 2 with constant alpha a user at E[0] receives
nothing, and one who shares among k other sharers receives alpha (U_{k+1} - U_0) / (k + 1) (the
k + 1 sharers are symmetric and the Shapley values of the sharers sum to U_{k+1} - U_0), where U_k
is U with k sharers.  So gamma(p) = sum_k C(N-1, k) (1-p)^k p^(N-1-k) (U_{k+1} - U_0) / (k + 1)
and U(p) = sum_k C(N, k) (1-p)^k p^(N-k) U_k are polynomials in p.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import comb

import numpy as np
from numpy.polynomial import Polynomial

from mechopt.privacy.game import PrivacyGame, check_magnitudes

def _bernstein(coeffs: np.ndarray) -> Polynomial:
    """sum_k coeffs[k] C(m, k) (1-p)^k p^(m-k), m = len(coeffs) - 1, as a polynomial in p."""
    m = len(coeffs) - 1
    p, q = Polynomial([0.0, 1.0]), Polynomial([1.0, -1.0])
    out = Polynomial([0.0])
    for k, c in enumerate(coeffs):
        out = out + float(c) * comb(m, k) * q**k * p ** (m - k)
    return out


def real_roots(poly: Polynomial, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Real roots of ``poly`` in [lo, hi] (clipped), sorted; empty for the zero polynomial.  Leading
    coefficients below 1e-300 of the largest are dropped first: their roots lie beyond 1e300 /
    degree, and the companion matrix would overflow (a cost of 1e-313, say)."""
    coef = poly.trim().coef
    while coef.size > 1 and abs(coef[-1]) < 1e-300 * np.max(np.abs(coef)):
        coef = coef[:-1]
    poly = Polynomial(coef)
    if poly.degree() < 1:
        return np.empty(0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # huge roots are dropped below
        r = poly.roots()
    r = r[np.abs(r.imag) <= 1e-9 * np.maximum(1.0, np.abs(r))].real
    r = r[(r >= lo - 1e-9) & (r <= hi + 1e-9)]
    return np.unique(np.clip(r, lo, hi))


@dataclass(frozen=True)
class SymmetricPrivacyGame:
    """A binary privacy game with a symmetric utility table (equal marginal contributions)."""

    game: PrivacyGame

    def __post_init__(self) -> None:
        g = self.game
        if g.n_levels != 2:
            raise ValueError(f"levels: Section 5's game has two privacy levels, got {g.n_levels}")
        if g.n_users < 2:
            raise ValueError(f"table: Section 5 needs N >= 2 users, got {g.n_users}")
        check_magnitudes(g.table)
        t = g.table
        scale = max(1.0, float(np.abs(t).max()))
        for i in range(g.n_users - 1):
            if not np.allclose(t, np.swapaxes(t, i, i + 1), rtol=0.0, atol=1e-12 * scale):
                raise ValueError(f"table: users {i + 1} and {i + 2} have different marginal contributions; "
                                 "Section 5 assumes U symmetric in the users")

    @property
    def n(self) -> int:
        return self.game.n_users

    @property
    def by_sharers(self) -> np.ndarray:
        """U_k, k = 0..N: U with k users sharing."""
        n = self.n
        return np.array([self.game.utility((1,) * k + (0,) * (n - k)) for k in range(n + 1)])

    @property
    def relative_payoffs(self) -> np.ndarray:
        """Delta phi(k) = phi(share; k others share) - phi(private; ...) = (U_{k+1} - U_0)/(k+1)."""
        u = self.by_sharers
        return (u[1:] - u[0]) / np.arange(1, self.n + 1)

    @cached_property
    def _gamma(self) -> Polynomial:
        return _bernstein(self.relative_payoffs)

    @cached_property
    def _utility(self) -> Polynomial:
        return _bernstein(self.by_sharers)

    def gamma_poly(self) -> Polynomial:
        """gamma(p) of (21) as a polynomial in p."""
        return self._gamma

    def utility_poly(self) -> Polynomial:
        """U(p) = E[U(eps)] with every user private with probability p."""
        return self._utility

    def gamma_range(self) -> tuple[float, float]:
        """(gamma_min, gamma_max) over p in [0, 1]: endpoints and critical points."""
        g = self.gamma_poly()
        pts = np.concatenate([[0.0, 1.0], real_roots(g.deriv())])
        vals = g(pts)
        return float(vals.min()), float(vals.max())


def symmetric_equilibria(game: SymmetricPrivacyGame, alpha: float, c: float) -> tuple[np.ndarray, bool]:
    """The symmetric equilibria p of (18) at share alpha and sensitivity c: p = 1 iff
    alpha gamma(1) <= c, p = 0 iff alpha gamma(0) >= c, interior p iff alpha gamma(p) = c.
    Returns (sorted points, every p is an equilibrium) (the second when alpha gamma == c)."""
    g = game.gamma_poly()
    h = alpha * g - c
    if np.allclose(h.coef, 0.0, atol=1e-15 * max(float(np.abs(alpha * g.coef).max()), c, np.finfo(float).tiny)):
        return np.array([0.0, 1.0]), True
    pts = list(real_roots(h, 0.0, 1.0))
    if alpha * g(1.0) <= c:
        pts.append(1.0)
    if alpha * g(0.0) >= c:
        pts.append(0.0)
    return np.unique(np.asarray(pts, dtype=float)), False


def cheng_residual(game: SymmetricPrivacyGame, p: float, alpha: float, c: float) -> float:
    """(72)-(75): sum_s [u(s, p) - u(p, p)]_+^2, zero exactly at symmetric equilibria."""
    d = alpha * float(game.gamma_poly()(p)) - c  # u(share) - u(private)
    return max(-(1 - p) * d, 0.0) ** 2 + max(p * d, 0.0) ** 2


def p_star(game: SymmetricPrivacyGame, alpha: float, c: float) -> float:
    """(87) for gamma increasing: 1 below c/gamma_max, gamma^{-1}(c/alpha) between, 0 above
    c/gamma_min (the smallest equilibrium p where several exist)."""
    pts, _ = symmetric_equilibria(game, alpha, c)
    return float(pts.min())


MAX_LEVELS = 8
"""Most privacy levels of the K-level game: its solver enumerates the 2^K - 1 equilibrium supports."""


@dataclass(frozen=True)
class SymmetricLevelsGame:
    """The natural extension of (18) to K >= 2 levels (Section 5 has K = 2): two users with a
    symmetric utility table over E^2, each paying sensitivity * costs[k] at level k (costs[0] = 0:
    withholding data costs nothing, the paper's c_i(0) = 0).  K = 2 with costs (0, 1) is (18)."""

    game: PrivacyGame
    costs: np.ndarray

    def __post_init__(self) -> None:
        g = self.game
        k = g.n_levels
        if not 2 <= k <= MAX_LEVELS:
            raise ValueError(f"levels: the K-level game takes 2 to {MAX_LEVELS} privacy levels, got {k}")
        if g.n_users != 2:
            raise ValueError(f"table: the K-level game is solved for N = 2 users (a symmetric bimatrix game), got "
                             f"N = {g.n_users}; with N >= 3 its symmetric equilibria solve polynomial systems of "
                             "degree N - 1 (for two levels and any N use kind 'stackelberg')")
        check_magnitudes(g.table)
        t = g.table
        if not np.allclose(t, t.T, rtol=0.0, atol=1e-12 * max(1.0, float(np.abs(t).max()))):
            raise ValueError("table: must be symmetric in the two users (equal marginal contributions, Section 5)")
        costs = np.asarray(self.costs, dtype=float)
        if costs.shape != (k,):
            raise ValueError(f"costs: one relative cost per level ({k} numbers), got shape {costs.shape}")
        if not np.all(np.isfinite(costs)) or np.any(costs < 0) or np.any(costs > 1e6):
            raise ValueError(f"costs: every relative cost must be a number in [0, 1e6], got {costs.tolist()}")
        if costs[0] != 0.0:
            raise ValueError(f"costs: the lowest level (data withheld) costs nothing, costs[0] = 0, got {costs[0]:g}")
        costs = costs.copy()
        costs.setflags(write=False)
        object.__setattr__(self, "costs", costs)

    @property
    def n(self) -> int:
        return self.game.n_users

    @property
    def n_levels(self) -> int:
        return self.game.n_levels
