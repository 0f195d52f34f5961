"""Section 5.2: two users (or groups) with sensitivities c_1, c_2, the bimatrix game (23)-(24) at
share alpha, all its equilibria, and the platform's program (25).

Payoffs (Theorem-2 values with constant alpha, our index convention: user 1 on the rows):
    u_1(x, y) = x' (alpha Phi_1) y - c_1 x[1],    u_2(x, y) = x' (alpha Phi_2) y - c_2 y[1],
x = (p, 1 - p), y = (q, 1 - q) the probabilities of the private level E[0].  (23)-(24) print Phi
without alpha; (25) then only makes sense with alpha Phi (the values paid at share alpha).  (25)
prints the objective as x'Uy - (1 - alpha) x'Uy; we maximize the platform's share
(1 - alpha) x'Uy, as in (19).

**All equilibria** of the game at a share: its extreme equilibria by vertex enumeration of the two
best-response polytopes (``solvers/bimatrix_enum.py``): every equilibrium of a nondegenerate game,
and in a degenerate one (a player indifferent, as at the ends of the alpha-intervals) the extreme
points of the continua, where the bilinear (1 - alpha) x'Uy attains its maximum over them.

**(25) exactly, optimistic selection.**  A pure profile is an equilibrium on an alpha-interval
(linear inequalities), best at the interval's end that maximizes (1 - alpha) U.  On the mixed
branch, with t = 1 / alpha, q and p are affine in t, x'Uy is a quadratic P(t) and the value
(1 - 1/t) P(t) is stationary where P + t (t - 1) P' = 0: a cubic.  The optimum is the best of
these candidates; an alpha grid checks it.  ``method="mip"`` solves (25) independently: the
bimatrix LCP with t as a variable as a MILP (HiGHS, ``solvers/bimatrix_mip.py``), piece by piece
(:func:`two_group_pieces`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.privacy.certify import STACKELBERG_TOL, TwoGroupAnswer, certify_two_group, two_group_certificate
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame, check_magnitudes, check_sensitivity, optimistic_choice, table_scale
from mechopt.privacy.payoffs import bimatrix, check_two_by_two, payoff_matrices, regrets  # noqa: F401 (tests import it here)
from mechopt.privacy.symmetric import real_roots
from mechopt.solvers.bimatrix_enum import all_equilibria
from mechopt.solvers.bimatrix_mip import (affine_pattern, enumerate_patterns, pattern_t_intervals,
                                           pattern_vertices)


def bimatrix_equilibria(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every extreme equilibrium (x, y) of the game (A, B) (vertex enumeration)."""
    return [(e.x, e.y) for e in all_equilibria(a, b).equilibria]


def _trim(c: np.ndarray) -> np.ndarray:
    """``c`` without trailing zero coefficients (at least one kept), as numpy.polynomial trims."""
    if len(c) == 1 or c[-1] != 0:
        return c
    nz = np.flatnonzero(c)
    return c[: nz[-1] + 1] if nz.size else c[:1]


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The product of two coefficient series (``polymul``: the same convolution, the same trim)."""
    return _trim(np.convolve(_trim(a), _trim(b)))


def _add(a: np.ndarray, b: np.ndarray, sign: float = 1.0) -> np.ndarray:
    """a + sign b on coefficient series (``polyadd`` / ``polysub``: the shorter added into the longer)."""
    a, b = _trim(a), sign * _trim(b)
    out = a.copy() if len(a) > len(b) else b
    out[: min(len(a), len(b))] += b if len(a) > len(b) else a
    return _trim(out)


def _affine(c: float, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """(c t - a) / b and the same minus 1 (coefficient series, low degree first)."""
    line = _add(_mul(np.array([c]), np.array([0.0, 1.0])), np.array([a]), -1.0) / b
    return line, _add(line, np.array([1.0]), -1.0)


def _line_roots(c: np.ndarray, lo: float, hi: float) -> list[float]:
    """``real_roots`` of the series c of degree <= 1, by its arithmetic: -c[0] / c[1] once
    trailing zeros are trimmed, kept in [lo, hi] to 1e-9 and clipped to it."""
    nz = np.flatnonzero(np.abs(c) > 0)
    if nz.size == 0 or nz[-1] < 1:
        return []
    with np.errstate(all="ignore"):
        r = -c[0] / c[1]
    return [min(max(r, lo), hi)] if lo - 1e-9 <= r <= hi + 1e-9 else []


def _candidates(phi: np.ndarray, u: np.ndarray, c1: float, c2: float) -> list[float]:
    """alpha values where the optimum of (25) can sit: pure-profile interval ends, mixed-branch
    stationary points and ends, 0 and 1.  ``phi``: the users' fair values at alpha = 1, ``u``:
    the utility table.  The polynomials in t are plain coefficient arrays combined in the order
    and with the operations of ``numpy.polynomial.Polynomial``, and the ends' roots are taken as
    ``real_roots`` takes a line's: the same numbers, without the per-operation overhead (tests
    compare them to the last bit)."""
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
        q, q_1 = _affine(c1, a1, b1)
        p, p_1 = _affine(c2, a2, b2)
        one = np.array([1.0])
        not_q, not_p = _add(one, q, -1.0), _add(one, p, -1.0)
        P = _mul(_mul(np.array([u[0, 0]]), p), q)
        for w, left, right in ((u[0, 1], p, not_q), (u[1, 0], not_p, q), (u[1, 1], not_p, not_q)):
            P = _add(P, _mul(_mul(np.array([w]), left), right))
        dP = np.arange(1, len(P)) * P[1:] if len(P) > 1 else P[:1] * 0
        stationary = _add(P, _mul(np.array([-0.0, -1.0, 1.0]), dP))  # t (t - 1) P'
        ends = [r for line in (q, q_1, p, p_1) for r in _line_roots(line, 1.0, 1e12)]
        for r in list(real_roots(Polynomial(stationary), 1.0, 1e12)) + ends:
            if r >= 1.0:
                alphas.add(float(1.0 / r))
    return sorted(alphas)


def solve_two_group(game: PrivacyGame, c1: float, c2: float, *, tol: float = STACKELBERG_TOL,
                    method: str = "candidates") -> TwoGroupAnswer:
    """(25) with optimistic selection: the best (alpha, equilibrium) over the exact candidates
    (``method="candidates"``, the default) or over the MILP's pieces (``method="mip"``, see
    :func:`two_group_pieces`).  The answer is certified by
    :func:`~mechopt.privacy.certify.certify_two_group` at ``tol`` (its regrets)."""
    start = time.perf_counter()
    c1, c2 = check_sensitivity(c1), check_sensitivity(c2)
    check_two_by_two(game)
    check_magnitudes(game.table)
    phi = fair_values_users(game).users
    if method == "mip":
        pieces = two_group_pieces(game, c1, c2)
        top = pieces[optimistic_choice([p.alpha for p in pieces], [p.value for p in pieces], table_scale(game))]
        alpha, x, y, count, name = top.alpha, top.x, top.y, len(pieces), "two-group-milp-highs"
    elif method == "candidates":
        found = [(alpha, x, y) for alpha in _candidates(phi, game.table, c1, c2)
                 for x, y in bimatrix_equilibria(*bimatrix(phi, alpha, c1, c2))]
        values = [(1 - alpha) * float(x @ game.table @ y) for alpha, x, y in found]
        alpha, x, y = found[optimistic_choice([f[0] for f in found], values, table_scale(game))]
        count, name = len(found), "two-group-candidates"
    else:
        raise ValueError(f"method: must be 'candidates' or 'mip', got {method!r}")
    a, b = bimatrix(phi, alpha, c1, c2)
    pay = np.array([alpha * x @ phi[0] @ y, alpha * x @ phi[1] @ y])
    util = np.array([x @ a @ y, x @ b @ y])
    stats = SolveStats(name, Termination.EXHAUSTIVE, count, time.perf_counter() - start,
                       {"method": method, "selection": "optimistic"})
    draft = TwoGroupAnswer("two_group", Status.UNVERIFIED, "", float(alpha), x, y,
                           (1 - alpha) * float(x @ game.table @ y), pay, util,
                           two_group_certificate(game, c1, c2, alpha, x, y, tol=tol), stats)
    return draft.certified(certify_two_group(game, c1, c2, draft, tol=tol))


def grid_two_group(game: PrivacyGame, c1: float, c2: float, points: int = 2001) -> float:
    """The best (1 - alpha) x'Uy over an alpha grid and every equilibrium at each alpha (the check)."""
    best = -np.inf
    for alpha in np.linspace(0, 1, points):
        a, b = payoff_matrices(game, float(alpha), c1, c2)
        for x, y in bimatrix_equilibria(a, b):
            best = max(best, (1 - alpha) * float(x @ game.table @ y))
    return best


@dataclass(frozen=True)
class TwoGroupPiece:
    """One equilibrium pattern of (23)-(24) over alpha: rows / columns (levels whose best-response
    constraint is tight), its alpha interval, and the best (alpha, x, y, (1 - alpha) x'Uy) on it;
    ``exact`` when the pattern's strategies are unique affine functions of t = 1/alpha (the maximum
    over the piece is then exact), else the value is the MILP point's (a lower bound)."""

    rows: tuple[int, ...]
    cols: tuple[int, ...]
    alpha_lo: float
    alpha_hi: float
    alpha: float
    x: np.ndarray
    y: np.ndarray
    value: float
    exact: bool


def _level_costs(c: float, k: int) -> np.ndarray:
    return c * np.array([0.0] + [1.0] * (k - 1))  # every level above E[0] costs c ((23)-(24): K = 2)


MAX_T = 1e9
"""Largest t = 1/alpha the MILP is posed over (sensitivities >= about 2 range(Phi) / MAX_T)."""


def _t_max(phi: np.ndarray, cost: np.ndarray) -> float:
    """Beyond t* = range(Phi) / (smallest cost gap) the costlier levels are strictly dominated, so
    the equilibrium set is the same at every t > t*."""
    gaps = np.abs(cost[:, None] - cost[None, :])
    gaps = gaps[gaps > 0]
    return float(np.ptp(phi) / gaps.min()) if gaps.size else 0.0


def mip_t_range(*sides: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    """[1, t_max] for the MILP over the players' (Phi, level costs): 2 max t* + 1 (:func:`_t_max`);
    a ValueError naming the sensitivity when that exceeds ``MAX_T``."""
    with np.errstate(over="ignore", divide="ignore"):
        t_hi = 2.0 * max(max(_t_max(phi, cost) for phi, cost in sides), 1.0) + 1.0
    if not t_hi <= MAX_T:
        raise ValueError(f"sensitivity: too small for method='mip' against the values' range (t = 1/alpha would "
                         f"range up to {t_hi:.3g} > {MAX_T:g}); use method='candidates'")
    return 1.0, t_hi


def two_group_pieces(game: PrivacyGame, c1: float, c2: float, *, max_patterns: int = 1000) -> list[TwoGroupPiece]:
    """(25) piece by piece, optimistic selection.  With t = 1/alpha the payoffs divided by alpha are
    Phi_1 - t a 1', Phi_2 - t 1 b' (a, b the level costs), so for a fixed pattern the equilibrium
    conditions are a polyhedron in (x, y, t, v/alpha).  The MILP (``solvers.bimatrix_mip``, HiGHS,
    no-good cuts) lists every pattern feasible for some t in [1, t_max] (alpha in [1/t_max, 1]),
    two LPs give each pattern's t-interval, and where the pattern's strategies are unique they are
    affine in t: x'Uy is a quadratic P(t) and (1 - 1/t) P(t) is maximized exactly over the
    interval's ends and the real roots of the cubic P + t (t - 1) P'.  alpha = 0 is its own piece
    (every profile on the cheapest levels is an equilibrium: the best cell of U there); on (0,
    1/t_max) the equilibria are those at 1/t_max, so these pieces cover alpha in [0, 1].
    Degenerate patterns (non-unique strategies) met at a single alpha are maximized exactly over the
    vertex pairs of their polytope (brute force, small games); a degenerate pattern over an alpha
    interval is valued at the MILP's point only (``exact`` = False, a lower bound): the bilinear
    maximization over a moving polytope is not implemented."""
    check_two_by_two(game)
    phi = fair_values_users(game).users
    u = game.table
    k = game.n_levels
    ca, cb = _level_costs(c1, k), _level_costs(c2, k)
    t_range = mip_t_range((phi[0], ca), (phi[1], cb))
    cheap1, cheap2 = np.flatnonzero(ca == ca.min()), np.flatnonzero(cb == cb.min())
    i0, j0 = np.unravel_index(int(np.argmax(u[np.ix_(cheap1, cheap2)])), (cheap1.size, cheap2.size))
    x0, y0 = np.eye(k)[cheap1[i0]], np.eye(k)[cheap2[j0]]
    pieces = [TwoGroupPiece((), (), 0.0, 0.0, 0.0, x0, y0, float(x0 @ u @ y0), True)]
    found, _ = pattern_pieces(phi[0], phi[1], ca, cb, u, t_range, max_patterns=max_patterns)
    return pieces + found


def _quadratic_on_segment(u: np.ndarray, v0: np.ndarray, v1: np.ndarray) -> tuple[float, np.ndarray]:
    """max of x'Ux over the segment x = v0 + s (v1 - v0), s in [0, 1] (ends and the stationary point)."""
    d = v1 - v0
    q = Polynomial([float(v0 @ u @ v0), float(v0 @ u @ d + d @ u @ v0), float(d @ u @ d)])
    cands = [0.0, 1.0] + list(real_roots(q.deriv(), 0.0, 1.0))
    s = max(cands, key=lambda r: (float(q(r)), -r))
    return float(q(s)), v0 + s * d


def pattern_pieces(phi1: np.ndarray, phi2: np.ndarray, ca: np.ndarray, cb: np.ndarray, u: np.ndarray,
                   t_range: tuple[float, float], *, symmetric: bool = False, max_patterns: int = 1000
                   ) -> tuple[list[TwoGroupPiece], int]:
    """The pieces t in ``t_range`` (alpha = 1/t) of the parametric game with payoffs divided by alpha
    Phi_1 - t a 1', Phi_2 - t 1 b', each with its exact maximum of (1 - 1/t) x'Uy, and the number
    of MILP solves (see :func:`two_group_pieces`; ``symmetric``: the symmetric equilibria x = y of a
    symmetric game, Phi_2 = Phi_1', a = b, as in (19) for two users).

    Symmetric degenerate patterns at a single alpha: the equilibria x = y form one polytope and
    x'Ux is a quadratic, not bilinear, so its maximum is exact when the polytope is a point or a
    segment (always so with two levels: ends and the stationary point); larger polytopes are valued
    at the MILP's point (``exact`` = False)."""
    k = u.shape[0]
    found, complete, solves = enumerate_patterns(phi1, phi2, ca, cb, t_range, max_patterns, symmetric=symmetric)
    if not complete:
        raise RuntimeError(f"max_patterns: more than {max_patterns} equilibrium patterns")
    intervals = pattern_t_intervals(phi1, phi2, ca, cb, t_range, [(e.rows, e.cols) for e in found],
                                    symmetric=symmetric)
    solves += 2 * len(found)
    pieces = []
    for e, interval in zip(found, intervals, strict=True):
        lo, hi = interval if interval is not None else (e.t, e.t)
        aff = affine_pattern(phi1, phi2, ca, cb, e.rows, e.cols)
        if aff is None:
            value, x, y, s, exact = (1 - 1 / e.t) * float(e.x @ u @ e.y), e.x, e.y, e.t, False
            if hi - lo <= 1e-9 * hi:  # a single alpha: the maximum over the pattern's polytope(s)
                s = 0.5 * (lo + hi)
                xs, ys = pattern_vertices(phi1, phi2, ca, cb, s, e.rows, e.cols)
                if symmetric and 1 <= len(xs) <= 2:
                    w, xv = _quadratic_on_segment(u, xs[0], xs[-1])
                    value, x, y, exact = (1 - 1 / s) * w, xv, xv, True
                elif not symmetric and xs and ys:
                    value, x, y = max((((1 - 1 / s) * float(xv @ u @ yv), xv, yv) for xv in xs for yv in ys),
                                      key=lambda c: c[0])
                    exact = True
            pieces.append(TwoGroupPiece(e.rows, e.cols, 1 / hi, 1 / lo, 1 / s, x, y, value, exact))
            continue
        x0_, x1_, y0_, y1_ = aff
        t = Polynomial([0.0, 1.0])
        P = sum(Polynomial([x0_[i], x1_[i]]) * Polynomial([y0_[j], y1_[j]]) * u[i, j]
                for i in range(k) for j in range(k))
        cands = [lo, hi] + list(real_roots(P + t * (t - 1) * P.deriv(), lo, hi))
        vals = [(1 - 1 / s) * P(s) for s in cands]
        s = cands[int(np.argmax(vals))]
        pieces.append(TwoGroupPiece(e.rows, e.cols, 1 / hi, 1 / lo, 1 / s, x0_ + s * x1_, y0_ + s * y1_,
                                    float(max(vals)), True))
    for pc in pieces:  # the MILP/LP numerics must have produced mixed strategies
        if not (np.isfinite(pc.value) and all(_is_mixed(v) for v in (pc.x, pc.y))):
            raise ArithmeticError(f"pattern {pc.rows}, {pc.cols}: the MILP's point is not a pair of mixed strategies "
                                  f"(x = {pc.x}, y = {pc.y}); the instance is out of the MILP's numerical range")
    return pieces, solves


def _is_mixed(v: np.ndarray, tol: float = 1e-7) -> bool:
    return bool(np.all(np.isfinite(v)) and np.all(v >= -tol) and abs(float(np.sum(v)) - 1.0) <= tol)
