"""The platform's program (19): max over alpha in [0, 1] of (1 - alpha) U(p*(alpha)) subject to p*
a symmetric equilibrium of (18), with Theorem 3's thresholds gamma_min, gamma_max and c_th (22)
computed for the instance.

**Equilibrium selection: optimistic.**  Where NE(alpha) has several points the platform is
credited with the best one for it (the usual leader-favourable reading of a bilevel program).

**Exact by reduction to one variable.**  An equilibrium pair (alpha, p) is (a) p = 1 with
alpha gamma(1) <= c, best at an end of that interval (value U(1) at alpha = 0, or the largest
alpha when U(1) < 0); (b) p in [0, 1] with alpha = c / gamma(p) <= 1 (interior equilibria, and
p = 0 at its smallest alpha), value f(p) = (1 - c/gamma(p)) U(p), and p = 0 on up to alpha = 1;
(c) for c = 0, alpha = 0 with any p.  f' = 0 is the polynomial equation
c gamma' U + (gamma - c) gamma U' = 0, so the optimum is the best of finitely many candidates:
the roots of that polynomial in [0, 1], the ends, the roots of gamma - c (equilibria at alpha = 1,
value 0), and (a), (c).

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

**Status.**  The solver builds a draft answer and returns it certified by
:func:`mechopt.privacy.certify.certify_stackelberg` (the users' regrets by enumeration and a
branch and bound over p with Bernstein enclosures, independent of these candidates), which decides
its status.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.privacy.certify import (STACKELBERG_TOL, LevelsStackelbergResult, StackelbergResult,
                                     certify_levels_stackelberg, certify_stackelberg, levels_certificate, regime_of,
                                     stackelberg_certificate)
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import check_sensitivity, check_users, optimistic_choice, table_scale
from mechopt.privacy.levels import equilibrium_candidates
from mechopt.privacy.payoffs import expected_utility, expected_utility_of, level_payoffs, user_payoffs
from mechopt.privacy.symmetric import SymmetricLevelsGame, SymmetricPrivacyGame, real_roots
from mechopt.privacy.twogroup import mip_t_range, pattern_pieces

METHODS = ("candidates", "mip")
"""``solve_stackelberg``'s methods: the polynomial candidates (any N) and the MPEC as a MILP (N = 2)."""


def candidates(game: SymmetricPrivacyGame, c: float) -> np.ndarray:
    """Every candidate (alpha, p, value) of (19) with optimistic selection, as rows."""
    c = check_sensitivity(c)
    g, u = game.gamma_poly(), game.utility_poly()
    # the pure profiles are equilibria on alpha-intervals; both ends are candidates (an end at
    # alpha = 1 is best when U there is negative, outside the paper's U >= 0)
    g1, g0 = float(g(1.0)), float(g(0.0))
    alpha_private = min(1.0, c / g1) if g1 > 0 else 1.0  # p = 1 (nobody shares) for alpha gamma(1) <= c
    rows = [(0.0, 1.0, float(u(1.0))), (alpha_private, 1.0, (1.0 - alpha_private) * float(u(1.0)))]
    if (0 < g0 and c <= g0) or (c == 0.0 and g0 == 0.0):  # p = 0 (everybody shares) for alpha gamma(0) >= c,
        rows.append((1.0, 0.0, 0.0))                        # up to alpha = 1
    if c == 0.0:
        pts = np.concatenate([[0.0, 1.0], real_roots(u.deriv())])
        rows += [(0.0, float(p), float(u(p))) for p in pts]
    # gamma(p) = c: an equilibrium at alpha = 1 (value 0), whatever the rounding of gamma(p) - c
    rows += [(1.0, float(p), 0.0) for p in real_roots(g - c)]
    stationary = c * g.deriv() * u + (g - c) * g * u.deriv()
    for p in np.unique(np.concatenate([[0.0, 1.0], real_roots(stationary)])):
        gp = float(g(p))
        if gp <= 0 or c > gp:
            continue  # alpha = c / gamma(p) would exceed 1 (or gamma(p) = 0 with c > 0)
        alpha = c / gp if gp > 0 else 0.0
        rows.append((alpha, float(p), (1.0 - alpha) * float(u(p))))
    return np.array(rows)


def _select(rows: np.ndarray, scale: float) -> tuple[float, float, float]:
    """The optimistic choice among (alpha, p, value) rows (:func:`optimistic_choice`, ``scale``
    the table's largest |U|; then the smallest p)."""
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    k = optimistic_choice(rows[:, 0], rows[:, 2], scale)
    return float(rows[k, 0]), float(rows[k, 1]), float(rows[k, 2])


def _optimum(game: SymmetricPrivacyGame, c: float) -> tuple[float, float, float]:
    return _select(candidates(game, c), table_scale(game.game))


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
    """Solve (19) at sensitivity c (optimistic selection): by the polynomial candidates
    (``method="candidates"``, any N) or, for N = 2 users, through the MPEC posed in pyomo.mpec and
    solved as a MILP by HiGHS (``method="mip"``, :func:`mip_pieces`).  The answer is certified by
    :func:`~mechopt.privacy.certify.certify_stackelberg` at ``tol``, which decides its status."""
    start = time.perf_counter()
    c = check_sensitivity(c)
    check_users(game.n)
    check_method(game, method)
    if method == "mip":
        rows, facts = mip_pieces(game, c)
        alpha, p, value = _select(rows, table_scale(game.game))
        stats = SolveStats("mpec-milp-highs", Termination.EXHAUSTIVE, facts["solves"], 0.0,
                           {"method": "mip", "selection": "optimistic", "patterns": facts["patterns"],
                            "exact_pieces": facts["exact"], "t_max": facts["t_max"], "pieces": facts["pieces"]})
    else:
        rows = candidates(game, c)
        alpha, p, value = _select(rows, table_scale(game.game))
        stats = SolveStats("polynomial-candidates", Termination.EXHAUSTIVE, len(rows), 0.0,
                           {"method": "candidates", "selection": "optimistic"})
    gmin, gmax = game.gamma_range()
    payoffs = user_payoffs(game.game, alpha, p, c)
    users = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    cert = stackelberg_certificate(game, c, alpha, p, tol=tol)
    draft = StackelbergResult("stackelberg", Status.UNVERIFIED, "", c, "optimistic", alpha, p,
                              np.tile([p, 1.0 - p], (game.n, 1)), value, users, users + c * (1.0 - p),
                              expected_utility(game.game, p), gmin, gmax, threshold_c(game), regime_of(p), cert, stats)
    verdict = certify_stackelberg(game, c, draft, tol=tol, evidence=cert)
    done = dataclasses.replace(draft, stats=dataclasses.replace(stats, seconds=time.perf_counter() - start))
    return done.certified(verdict)


def solve_stackelberg_levels(game: SymmetricLevelsGame, c: float, *,
                             tol: float = STACKELBERG_TOL) -> LevelsStackelbergResult:
    """(19) over K >= 2 levels for two users (kind ``stackelberg_levels``): the best symmetric
    equilibrium over every support segment (:func:`mechopt.privacy.levels.equilibrium_candidates`),
    optimistic selection, then the smallest alpha.  Certified by
    :func:`~mechopt.privacy.certify.certify_levels_stackelberg` (the users' equilibrium; alpha's
    optimality rests on this enumeration)."""
    start = time.perf_counter()
    c = check_sensitivity(c)
    cands, counts = equilibrium_candidates(game, c)
    order = sorted(range(len(cands)), key=lambda j: (cands[j].alpha, -cands[j].value))
    cands = [cands[j] for j in order]
    best = cands[optimistic_choice(np.array([x.alpha for x in cands]), np.array([x.value for x in cands]),
                                   table_scale(game.game))]
    alpha, q = best.alpha, best.q
    costs = c * game.costs
    users = level_payoffs(game.game, alpha, q, costs) @ q
    cert = levels_certificate(game, c, alpha, q, tol=tol)
    stats = SolveStats("support-segments", Termination.EXHAUSTIVE, len(cands), 0.0,
                       {"method": "supports", "selection": "optimistic", **counts})
    total = expected_utility_of(game.game, q)
    draft = LevelsStackelbergResult("stackelberg_levels", Status.UNVERIFIED, "", c, np.array(game.costs), "optimistic",
                                    alpha, q, np.tile(q, (game.n, 1)), (1.0 - alpha) * total, users,
                                    users + float(costs @ q), total, cert, stats)
    verdict = certify_levels_stackelberg(game, c, draft, tol=tol)
    done = dataclasses.replace(draft, stats=dataclasses.replace(stats, seconds=time.perf_counter() - start))
    return done.certified(verdict)
