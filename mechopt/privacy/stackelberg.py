"""The platform's program (19): max over alpha in [0, 1] of (1 - alpha) U(p*(alpha)) subject to p*
a symmetric equilibrium of (18), with Theorem 3's thresholds gamma_min, gamma_max and c_th (22)
computed for the instance.

**Equilibrium selection: optimistic.**  Where NE(alpha) has several points the platform is
credited with the best one for it (the usual leader-favourable reading of a bilevel program).

**Exact by reduction to one variable.**  An equilibrium pair (alpha, p) is (a) p = 1 with
alpha gamma(1) <= c, best at alpha = 0 (value U(1)); (b) p in [0, 1] with alpha = c / gamma(p)
<= 1 (interior equilibria, and p = 0 at its smallest alpha), value f(p) = (1 - c/gamma(p)) U(p);
(c) for c = 0, alpha = 0 with any p.  f' = 0 is the polynomial equation
c gamma' U + (gamma - c) gamma U' = 0, so the optimum is the best of finitely many candidates:
the roots of that polynomial and of gamma - c and of gamma - ... in [0, 1], the ends, and (a), (c).
A grid over alpha (every symmetric equilibrium at each alpha) is the independent check.

**Certificate.**  Every user's regret against each pure level at (alpha*, p*) recomputed from
the fair-value table of Theorem 2 by enumerating the others' level vectors (independent of the
closed form of gamma), and the best value on an alpha grid, which must not exceed the claimed
optimum.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.symmetric import SymmetricPrivacyGame, real_roots, symmetric_equilibria

STACKELBERG_TOL = 1e-9
"""Largest regret and grid excess accepted, relative to the instance's utility scale max |U|."""
GRID_POINTS = 4001
"""alpha grid of the certificate's independent check."""
MAX_ENUMERATED_USERS = 14
"""Regrets are recomputed by enumerating the others' level vectors up to this many users."""


def check_sensitivity(c: float) -> float:
    c = float(c)
    if not np.isfinite(c) or c < 0:
        raise ValueError(f"sensitivity: must be a finite number >= 0, got {c}")
    return c


def candidates(game: SymmetricPrivacyGame, c: float) -> np.ndarray:
    """Every candidate (alpha, p, value) of (19) with optimistic selection, as rows."""
    c = check_sensitivity(c)
    g, u = game.gamma_poly(), game.utility_poly()
    rows = [(0.0, 1.0, float(u(1.0)))]
    if c == 0.0:
        pts = np.concatenate([[0.0, 1.0], real_roots(u.deriv())])
        rows += [(0.0, float(p), float(u(p))) for p in pts]
    stationary = c * g.deriv() * u + (g - c) * g * u.deriv()
    ps = np.concatenate([[0.0, 1.0], real_roots(stationary), real_roots(g - c)])
    for p in np.unique(ps):
        gp = float(g(p))
        if gp <= 0 or c > gp:
            continue  # alpha = c / gamma(p) would exceed 1 (or gamma(p) = 0 with c > 0)
        alpha = c / gp if gp > 0 else 0.0
        rows.append((alpha, float(p), (1.0 - alpha) * float(u(p))))
    return np.array(rows)


def grid_best(game: SymmetricPrivacyGame, c: float, points: int = GRID_POINTS) -> tuple[float, float, float]:
    """(value, alpha, p): the best (1 - alpha) U(p) over an alpha grid, every symmetric equilibrium
    at each alpha (the real roots in [0, 1] of alpha gamma - c, found by numpy's companion-matrix
    eigenvalues, and the pure ends when they are equilibria)."""
    from numpy.polynomial import polynomial as P

    g, u = game.gamma_poly().coef, game.utility_poly()
    g0, g1 = float(P.polyval(0.0, g)), float(P.polyval(1.0, g))
    extra = real_roots(u.deriv())
    best = (-np.inf, 0.0, 1.0)
    for alpha in np.linspace(0.0, 1.0, points):
        h = alpha * g
        h[0] -= c
        if np.all(np.abs(h) <= 1e-15):
            pts = np.concatenate([[0.0, 1.0], extra])
        else:
            pts = [1.0] if alpha * g1 <= c else []
            if alpha * g0 >= c:
                pts.append(0.0)
            nz = np.flatnonzero(np.abs(h) > 0)
            if nz.size and nz[-1] >= 1:
                r = P.polyroots(h[: nz[-1] + 1])
                r = r[np.abs(r.imag) <= 1e-9 * np.maximum(1.0, np.abs(r))].real
                pts.extend(np.clip(r[(r >= -1e-9) & (r <= 1 + 1e-9)], 0.0, 1.0))
            pts = np.asarray(pts, dtype=float)
        if pts.size == 0:
            continue
        vals = (1.0 - alpha) * u(pts)
        k = int(np.argmax(vals))
        if vals[k] > best[0]:
            best = (float(vals[k]), float(alpha), float(pts[k]))
    return best


def user_payoffs(game: SymmetricPrivacyGame, alpha: float, p: float, c: float) -> np.ndarray:
    """u_i(s, p) for every user i and pure level s (rows i, columns s), the others playing p:
    the Theorem-2 value table averaged over the others' level vectors (enumerated)."""
    n = game.n
    if n > MAX_ENUMERATED_USERS:
        raise ValueError(f"table: regrets are enumerated for N <= {MAX_ENUMERATED_USERS} users, got {n}")
    phi = fair_values_users(game.game, 1.0).users
    out = np.zeros((n, 2))
    for i in range(n):
        for others in itertools.product((0, 1), repeat=n - 1):
            k = sum(others)
            prob = (1.0 - p) ** k * p ** (n - 1 - k)
            for s in (0, 1):
                idx = others[:i] + (s,) + others[i:]
                out[i, s] += prob * (alpha * phi[(i,) + idx] - c * s)
    return out


@dataclass(frozen=True)
class StackelbergCertificate(Serializable):
    """Regrets at (alpha, p) against every pure level and the independent alpha-grid check."""

    kind: str
    alpha: float
    p: float
    regrets: np.ndarray
    """regrets[i, s] = u_i(s, p) - u_i(p, p)."""
    max_regret: float
    grid_points: int
    grid_value: float
    grid_alpha: float
    value: float
    """(1 - alpha) U(p) recomputed."""
    scale: float
    """max |U|: regrets and values are compared at tol * scale."""
    tol: float
    verified: bool


def stackelberg_certificate(game: SymmetricPrivacyGame, c: float, alpha: float, p: float, *,
                            tol: float = STACKELBERG_TOL, grid_points: int = GRID_POINTS) -> StackelbergCertificate:
    payoffs = user_payoffs(game, alpha, p, c)
    mixed = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    regrets = payoffs - mixed[:, None]
    scale = max(float(np.abs(game.game.table).max()), c, np.finfo(float).tiny)
    value = (1.0 - alpha) * float(game.utility_poly()(p))
    gv, ga, _ = grid_best(game, c, grid_points)
    max_regret = float(regrets.max())
    ok = (0.0 <= alpha <= 1.0 and 0.0 <= p <= 1.0 and max_regret <= tol * scale
          and gv <= value + tol * scale)
    return StackelbergCertificate("stackelberg", alpha, p, regrets, max_regret, grid_points, gv, ga, value, scale,
                                  tol, bool(ok))


@dataclass(frozen=True)
class StackelbergResult(Serializable):
    """alpha*, the symmetric equilibrium (each user private with probability p), the platform's
    and the users' expected utilities, Theorem 3's thresholds and the regime found."""

    kind: str
    status: Status
    sensitivity: float
    selection: str
    alpha: float
    p: float
    equilibrium: np.ndarray
    """Row i: user i's mixed strategy over the levels [E[0], E[1]] = [p, 1 - p]."""
    platform_utility: float
    user_utilities: np.ndarray
    """Each user's expected alpha phi_i - c [shares]."""
    payments: np.ndarray
    """Each user's expected fair payment alpha phi_i (Theorem 2)."""
    total_utility: float
    gamma_min: float
    gamma_max: float
    c_th: float
    regime: str
    """"all_share" (p = 0, c <= c_th), "mixed" or "no_incentive" (alpha = 0)."""
    certificate: StackelbergCertificate
    stats: SolveStats


def _optimum(game: SymmetricPrivacyGame, c: float) -> tuple[float, float, float]:
    rows = candidates(game, c)
    best = rows[:, 2].max()
    # among optimal candidates, the smallest alpha (the paper's "smallest alpha such that ...")
    near = rows[rows[:, 2] >= best - 1e-12 * max(1.0, abs(best))]
    k = int(np.lexsort((near[:, 1], near[:, 0]))[0])
    return float(near[k, 0]), float(near[k, 1]), float(near[k, 2])


def corner_is_optimal(game: SymmetricPrivacyGame, c: float) -> bool:
    """Regime 1 of Theorem 3 / (22): the optimum is alpha = c / gamma(0) with every user sharing."""
    _, p, value = _optimum(game, c)
    g0 = float(game.gamma_poly()(0.0))
    corner = (1.0 - c / g0) * float(game.utility_poly()(0.0)) if g0 > 0 and c <= g0 else -np.inf
    return bool(corner >= value)


def threshold_c(game: SymmetricPrivacyGame, iterations: int = 60) -> float:
    """c_th of (22): the largest c at which all users sharing (p = 0) at the smallest alpha is
    optimal, by bisection on c in [0, gamma(0)] (Theorem 3: the regimes are intervals)."""
    lo, hi = 0.0, float(game.gamma_poly()(0.0))
    if corner_is_optimal(game, hi):
        return hi
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if corner_is_optimal(game, mid) else (lo, mid)
    return lo


def solve_stackelberg(game: SymmetricPrivacyGame, c: float, *, tol: float = STACKELBERG_TOL) -> StackelbergResult:
    """Solve (19) at sensitivity c (optimistic selection) and certify the answer."""
    start = time.perf_counter()
    c = check_sensitivity(c)
    alpha, p, value = _optimum(game, c)
    gmin, gmax = game.gamma_range()
    cth = threshold_c(game)
    regime = "no_incentive" if alpha == 0.0 and p == 1.0 else ("all_share" if p == 0.0 else "mixed")
    payoffs = user_payoffs(game, alpha, p, c)
    users = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    payments = users + c * (1.0 - p)
    total = float(game.utility_poly()(p))
    cert = stackelberg_certificate(game, c, alpha, p, tol=tol)
    status = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
    eq = np.tile([p, 1.0 - p], (game.n, 1))
    stats = SolveStats("polynomial-candidates", Termination.EXHAUSTIVE, len(candidates(game, c)),
                       time.perf_counter() - start, {"selection": "optimistic", "grid_points": GRID_POINTS})
    return StackelbergResult("stackelberg", status, c, "optimistic", alpha, p, eq, value, users, payments, total, gmin, gmax,
                             cth, regime, cert, stats)
