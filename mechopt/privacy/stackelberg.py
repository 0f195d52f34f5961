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

**Through the MPEC (``method="mip"``, two users only).**  For N = 2 the users' game at share
alpha is the symmetric bimatrix game with payoffs alpha Phi - c 1-for-sharing (Phi user 1's
Theorem-2 values, user 2's are Phi'), and a symmetric equilibrium is x = y.  With t = 1/alpha the
payoffs divided by alpha are Phi - t a 1' (a = (0, c)), linear in (x, t, v/alpha), so (19) is
posed in ``pyomo.mpec`` (``solvers.bimatrix_mip.bimatrix_model(..., symmetric=True)``: the
bimatrix complementarity plus x = y), reformulated to a MILP (big-M) and solved by HiGHS: no-good
cuts list every support pattern that is a symmetric equilibrium for some alpha, two LPs give each
pattern's alpha interval, and (1 - alpha) U is maximized on each piece exactly
(``twogroup.pattern_pieces``).  For N >= 3 the condition alpha gamma(p) = c is a polynomial of
degree N - 1 in p (an N-player game, multilinear in the others' strategies, not an LCP), so there
is no exact mixed-integer linear reformulation and ``method="mip"`` is refused.

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
from mechopt.privacy.game import check_sensitivity, optimistic_choice
from mechopt.privacy.symmetric import SymmetricPrivacyGame, real_roots, symmetric_equilibria
from mechopt.privacy.twogroup import mip_t_range, pattern_pieces

STACKELBERG_TOL = 1e-9
"""Largest regret and grid excess accepted, relative to the instance's utility scale max |U|."""
GRID_POINTS = 4001
"""alpha grid of the certificate's independent check."""
METHODS = ("candidates", "mip")
"""``solve_stackelberg``'s methods: the polynomial candidates (any N) and the MPEC as a MILP (N = 2)."""
MAX_ENUMERATED_USERS = 14
"""Regrets are recomputed by enumerating the others' level vectors up to this many users."""


def regime_of(p: float) -> str:
    """Theorem 3's regime of an equilibrium: "all_share" (p = 0), "no_incentive" (p = 1: nobody
    shares) or "mixed"."""
    return "all_share" if p == 0.0 else ("no_incentive" if p == 1.0 else "mixed")


def candidates(game: SymmetricPrivacyGame, c: float) -> np.ndarray:
    """Every candidate (alpha, p, value) of (19) with optimistic selection, as rows."""
    c = check_sensitivity(c)
    g, u = game.gamma_poly(), game.utility_poly()
    # the pure profiles are equilibria on alpha-intervals; both ends are candidates (an end at
    # alpha = 1 is best when U there is negative, outside the paper's U >= 0)
    g1, g0 = float(g(1.0)), float(g(0.0))
    alpha_private = min(1.0, c / g1) if g1 > 0 else 1.0  # p = 1 (nobody shares) for alpha gamma(1) <= c
    rows = [(0.0, 1.0, float(u(1.0))), (alpha_private, 1.0, (1.0 - alpha_private) * float(u(1.0)))]
    if 0 < g0 and c <= g0:  # p = 0 (everybody shares) for alpha gamma(0) >= c, up to alpha = 1
        rows.append((1.0, 0.0, 0.0))
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
        if np.all(np.abs(h) <= 1e-15 * max(float(np.abs(alpha * g).max()), c, np.finfo(float).tiny)):
            pts = np.concatenate([[0.0, 1.0], extra])
        else:
            pts = [1.0] if alpha * g1 <= c else []
            if alpha * g0 >= c:
                pts.append(0.0)
            nz = np.flatnonzero(np.abs(h) > 0)
            if nz.size and nz[-1] >= 1:
                with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a vanishing top
                    r = P.polyroots(h[: nz[-1] + 1])  # coefficient: roots beyond [0, 1], dropped below
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
    """`regime_of` the equilibrium: "all_share" (p = 0, c <= c_th), "mixed" or "no_incentive" (p = 1)."""
    certificate: StackelbergCertificate
    stats: SolveStats


def _select(rows: np.ndarray) -> tuple[float, float, float]:
    """The optimistic choice among (alpha, p, value) rows (:func:`optimistic_choice`; then the
    smallest p)."""
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    k = optimistic_choice(rows[:, 0], rows[:, 2])
    return float(rows[k, 0]), float(rows[k, 1]), float(rows[k, 2])


def _optimum(game: SymmetricPrivacyGame, c: float) -> tuple[float, float, float]:
    return _select(candidates(game, c))


def check_method(game: SymmetricPrivacyGame, method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "mip" and game.n != 2:
        raise ValueError(f"method: 'mip' solves (19) exactly for N = 2 users only, got N = {game.n}: for N >= 3 "
                         f"the symmetric equilibrium condition alpha gamma(p) = c is a polynomial of degree "
                         f"N - 1 = {game.n - 1} in p (an N-player game, not a bimatrix LCP), which has no exact "
                         "mixed-integer linear reformulation; use method='candidates'")
    return method


def mip_pieces(game: SymmetricPrivacyGame, c: float, *, max_patterns: int = 1000) -> tuple[np.ndarray, dict]:
    """(19) for two users through the MPEC/MILP: every (alpha, p, value) piece optimum as rows, and
    facts for the stats (MILP/LP solves, patterns, whether every piece's maximum is exact).

    t = 1/alpha ranges over [1, t_hi] with t_hi = 2 max(range(Phi) / c, 1) + 1: beyond range(Phi)/c
    sharing is strictly dominated, so on (0, 1/t_hi) the only equilibrium is p = 1, dominated by
    alpha = 0 (U(1)) or by the piece at 1/t_hi.  alpha = 0 is its own piece: p = 1 when c > 0, every
    p when c = 0 (the maximum of U over [0, 1]: ends and roots of U')."""

    c = check_sensitivity(c)
    check_method(game, "mip")
    phi = fair_values_users(game.game, 1.0).users[0]
    cost = np.array([0.0, c])
    u = np.asarray(game.game.table, float)
    t_range = mip_t_range((phi, cost))
    pieces, solves = pattern_pieces(phi, phi.T, cost, cost, u, t_range, symmetric=True,
                                    max_patterns=max_patterns)
    up = game.utility_poly()
    zero = np.concatenate([[0.0, 1.0], real_roots(up.deriv())]) if c == 0.0 else np.array([1.0])
    rows = [(0.0, float(p), float(up(p))) for p in zero]
    rows += [(float(pc.alpha), float(np.clip(pc.x[0], 0.0, 1.0)), float(pc.value)) for pc in pieces]
    facts = {"patterns": len(pieces), "solves": solves, "t_max": t_range[1], "exact": all(pc.exact for pc in pieces),
             "pieces": [{"support": list(pc.rows), "alpha_lo": float(pc.alpha_lo), "alpha_hi": float(pc.alpha_hi),
                         "alpha": float(pc.alpha), "p": float(pc.x[0]), "value": float(pc.value), "exact": pc.exact}
                        for pc in pieces]}
    return np.array(rows), facts


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
    if hi <= 0:  # sharing never pays: the corner is optimal at c = 0 only
        return 0.0
    if corner_is_optimal(game, hi):
        return hi
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if corner_is_optimal(game, mid) else (lo, mid)
    return lo


def solve_stackelberg(game: SymmetricPrivacyGame, c: float, *, tol: float = STACKELBERG_TOL,
                      method: str = "candidates") -> StackelbergResult:
    """Solve (19) at sensitivity c (optimistic selection) and certify the answer: by the polynomial
    candidates (``method="candidates"``, any N) or, for N = 2 users, through the MPEC posed in
    pyomo.mpec and solved as a MILP by HiGHS (``method="mip"``, :func:`mip_pieces`); both carry the
    same certificate (regrets and the alpha grid)."""
    start = time.perf_counter()
    c = check_sensitivity(c)
    check_method(game, method)
    if method == "mip":
        rows, facts = mip_pieces(game, c)
        alpha, p, value = _select(rows)
    else:
        alpha, p, value = _optimum(game, c)
    gmin, gmax = game.gamma_range()
    cth = threshold_c(game)
    regime = regime_of(p)
    payoffs = user_payoffs(game, alpha, p, c)
    users = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    payments = users + c * (1.0 - p)
    total = float(game.utility_poly()(p))
    cert = stackelberg_certificate(game, c, alpha, p, tol=tol)
    status = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
    eq = np.tile([p, 1.0 - p], (game.n, 1))
    if method == "mip":
        stats = SolveStats("mpec-milp-highs", Termination.EXHAUSTIVE, facts["solves"], time.perf_counter() - start,
                           {"method": "mip", "selection": "optimistic", "grid_points": GRID_POINTS,
                            "patterns": facts["patterns"], "exact_pieces": facts["exact"], "t_max": facts["t_max"],
                            "pieces": facts["pieces"]})
    else:
        stats = SolveStats("polynomial-candidates", Termination.EXHAUSTIVE, len(candidates(game, c)),
                           time.perf_counter() - start, {"selection": "optimistic", "grid_points": GRID_POINTS})
    return StackelbergResult("stackelberg", status, c, "optimistic", alpha, p, eq, value, users, payments, total, gmin, gmax,
                             cth, regime, cert, stats)
