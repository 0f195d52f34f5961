"""The solver of the ``value_shaping`` kind: standard FL's free riding (Theorem III), the
data-maximizing equilibrium of value shaping (Theorem IV, V), every fixed point and viability
(Remark 3).  It searches; :mod:`.certify` judges what it finds.

The total of an m^max equilibrium is a root of g(M) = A v(M) + B - M on [L, inf) (:mod:`.totals`),
where g is concave and peaks at P (b'(P) = 1/A, clipped to L).  When g(P) > 0, the largest root
lies in [P, max(P, A sup v + B)] (g(A sup v + B) = A (v - sup v) <= 0) and a smaller one in [L, P]
when g(L) < 0; a double root sits at P when g(P) vanishes up to rounding; none when g(P) < 0.  Each is located by bisection
keeping the signs of g at both ends, and reported with that bracket.  The viability threshold
kappa is located the same way, as a bracket of the tangent point b(M) = M b'(M).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.valueshaping.certify import (VALUE_TOL, Evidence, FixedPoint, ValueShapingEquilibrium,
                                          ValueShapingResult, certify_value_shaping)
from mechopt.valueshaping.solo import check_costs, solo_contributions
from mechopt.valueshaping.totals import TotalEquation, free_riding_profile, inverse, min_agents, phi
from mechopt.valueshaping.value import ValueOfData

BISECTION_STEPS = 4000
"""Most bisection steps (geometric while the bracket spans more than a factor 2: enough for any
range of doubles, then halving down to adjacent doubles)."""


def bracket_root(f: Callable[[float], float], lo: float, hi: float) -> tuple[float, float]:
    """[a, b] inside [lo, hi] with f(a) and f(b) of the signs f(lo) and f(hi) have (the sign of
    f(lo) >= 0 kept at a), shrunk by bisection until a and b are adjacent doubles."""
    left = f(lo) >= 0
    for _ in range(BISECTION_STEPS):
        mid = float(np.sqrt(lo) * np.sqrt(hi)) if lo > 0 and hi > 2 * lo else 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if (f(mid) >= 0) == left:
            lo = mid
        else:
            hi = mid
    return lo, hi


def fixed_point_brackets(eq: TotalEquation) -> list[tuple[float, tuple[float, float]]]:
    """Every positive root of g on [L, inf), largest first, as (total, bracket) (module doc)."""
    value, L = eq.value, eq.lower
    P = max(L, float(value.inverse_slope(np.array(1.0 / eq.A))))
    gP = eq.g(P)
    if gP > eq.rounding(P):
        hi = max(eq.A * value.sup + eq.B, P)
        roots = [_root(eq, *bracket_root(eq.g, P, hi))]
        if L > 0 and eq.g(L) < -eq.rounding(L):
            roots.append(_root(eq, *bracket_root(eq.g, L, P)))
        return roots
    if gP >= -eq.rounding(P) and L > 0:  # a double root (L = 0 is the zero profile, listed apart)
        return [(P, (P, P))]
    return []


def _root(eq: TotalEquation, a: float, b: float) -> tuple[float, tuple[float, float]]:
    """The end of the bracket where |g| is smaller, and the bracket."""
    return (a if abs(eq.g(a)) <= abs(eq.g(b)) else b), (a, b)


def viability(value: ValueOfData) -> tuple[float, tuple[float, float]]:
    """kappa = inf_M M / (v(M) - v(0)) (Remark 3) and the bracket of the tangent point it is read
    at: 1/b'(0) with [0, 0] when m0 = 0; else the tangent point of b(M) = M b'(M), bracketed on
    [m0, inf) where phi = b - M b' increases from -m0 b'(m0) < 0."""
    if value.m0 == 0.0:
        return inverse(float(value.db(0.0))), (0.0, 0.0)
    lo, hi = value.m0, 2.0 * value.m0
    while phi(value, hi) < 0:
        lo, hi = hi, 4.0 * hi
        if not np.isfinite(hi):
            raise ValueError("value: b(M) < M b'(M) for every M tried; kappa of Remark 3 is not finite")
    a, b = bracket_root(lambda M: -phi(value, M), lo, hi)
    reached = [M / float(value.v(M)) for M in (a, b) if float(value.v(M)) > 0]
    if not reached:
        raise ValueError(f"value: v vanishes at the tangent point M = {b:.6g} of Remark 3 (b is not resolved in "
                         "floating point there: beta too small or alpha too large for the data scale)")
    return min(reached), (a, b)


def viability_threshold(value: ValueOfData) -> float:
    """kappa of Remark 3: with every m_i* = 0, a positive equilibrium exists iff sum 1/(c_i + eps) >= kappa."""
    return viability(value)[0]


def min_viable_agents(value: ValueOfData, c: np.ndarray, eps: float = 0.0) -> int | None:
    """Smallest k such that the k lowest-cost agents alone sustain a positive total (1 if some m_i* > 0)."""
    c = check_costs(c)
    m_star, _, _ = solo_contributions(value, c)
    return min_agents(viability_threshold(value), c, eps, float(np.max(m_star, initial=0.0)))


def solve_value_shaping(value: ValueOfData, costs: np.ndarray, *, eps: float = 0.0, tol: float = VALUE_TOL
                        ) -> ValueShapingResult:
    """Solo optima, the free-riding equilibrium of (8) and the data-maximizing equilibrium of (11),
    every fixed point and viability; certified by :func:`~.certify.certify_value_shaping`."""
    t0 = time.perf_counter()
    c = check_costs(costs)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ValueError(f"tol: must be a number in (0, 1), got {tol!r}")
    ev = Evidence(value, c, eps, tol)
    eq = ev.equation
    try:
        roots = fixed_point_brackets(eq)
        termination = Termination.CONVERGED
    except (ValueError, ArithmeticError):
        roots, termination = [], Termination.NUMERICAL_ERROR
    if eq.floor == 0.0:
        roots.append((0.0, (0.0, 0.0)))
    points = []
    for M, bracket in roots:
        cert = ev.gap("value_shaping", ev.profile(M))
        points.append(FixedPoint(float(M), bracket, cert.nash_verified, cert.max_gain))
    profile = ev.profile(roots[0][0]) if roots else np.zeros_like(c)
    cert, values = ev.gap("value_shaping", profile), ev.values(profile)
    fr = free_riding_profile(c, ev.solo)
    kappa, tangent = viability(value)
    stats = SolveStats("largest fixed point (bisection on the total's equation)", termination, len(roots),
                       time.perf_counter() - t0, {"epsilon": ev.eps, "tol": tol, "n": int(c.size)})
    draft = ValueShapingResult(
        "value_shaping", Status.UNVERIFIED if roots else Status.FAILED, "", ev.solo, ev.solo_utilities,
        ev.regime_names, fr, float(np.sum(fr)), ev.gap("standard_fl", fr),
        ValueShapingEquilibrium("value_shaping_equilibrium", profile, values - c * profile, values, cert),
        float(np.sum(profile)), points, kappa, tangent, min_agents(kappa, c, ev.eps, eq.floor), ev.eps, stats)
    return draft.certified(certify_value_shaping(value, c, ev.eps, draft, tol=tol, evidence=ev))


def free_riding_generic(value: ValueOfData, costs: np.ndarray, *, method: str = "newton"):  # type: ignore[no-untyped-def]
    """Theorem III through the generic solver: the standard-FL game posed as the data-sharing game
    u_i(s) = b(sum s) - c_i s_i on boxes [0, sup v / c_i] (Theorem II's box) and solved by
    :func:`mechopt.solvers.nash.solve_nash`.  Needs v = b (b(0) >= 0, so v is concave); the
    returned :class:`~mechopt.certificates.nash.NashResult` carries the generic Nash certificate."""
    from mechopt.data.functions import linear_cost
    from mechopt.data.payoffs import LinearIndexPayoff
    from mechopt.games.data_sharing import DataSharingGame
    from mechopt.solvers.nash import solve_nash

    c = check_costs(costs)
    if value.m0 > 0 or not np.isfinite(float(value.b_of(0.0))) or float(value.b_of(0.0)) < 0:
        raise ValueError("value: the generic solver needs b(0) >= 0 (v = b concave); with b(0) < 0, v = max(0, b) is "
                         "not concave and Theorem III is checked by the closed form only")
    game = DataSharingGame(LinearIndexPayoff.aggregate(value.b, c.size), linear_cost(c), tau=value.sup / c)
    return solve_nash(game, method=method)  # type: ignore[arg-type]
