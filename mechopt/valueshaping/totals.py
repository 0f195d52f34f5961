"""The total data of value shaping's equilibria as one scalar equation (000 Theorem IV, Remark 3),
and the closed forms the solver and the certifier share.  Nothing here searches.

**The equation.**  At a profile where every agent sits at its m_i^max of (11), v(M) = v(m_i*) +
(c_i + eps)(m_i - m_i*) with M = sum_j m_j, so m_i(M) = m_i* + (v(M) - v(m_i*)) / (c_i + eps)
(:func:`profile_from_total`) and the total solves

    g(M) = A v(M) + B - M = 0,   A = sum_i 1/(c_i + eps),   B = sum_i (m_i* - v(m_i*)/(c_i + eps)).

Only totals M >= L = max(m0, max_i m_i*) are fixed points (below max m_i* some agent would sit
below its solo optimum; below m0 only M = 0 can be one, when every m_i* = 0).  On [L, inf) g is
concave (b concave where v > 0), g(max m_i*) >= 0 (each other agent's term is >= 0), and g ->
-inf, so g has at most two roots there (b strictly concave, as the power law and the PAC bound
are).  A root is carried as a bracket [a, b] (:meth:`TotalEquation.holds_root`); the largest root is the one
where g is non-increasing (g'(b) <= 0: then g(x) <= g(b) + g'(b)(x - b) <= 0 beyond b).

**Viability** (Remark 3).  With every m_i* = 0, g(M) = A w(M) - M with w(M) = v(M) - v(0), so a
positive fixed point exists iff A >= kappa = inf_{M > 0} M / w(M).  With m0 = 0, w is concave
from 0 and kappa = 1/b'(0).  With m0 > 0, kappa = M_t / v(M_t) at the tangent point where
phi(M) = b(M) - M b'(M) (increasing) vanishes; a bracket [a, b] of it with phi(a) <= 0 <= phi(b)
bounds kappa on both sides (:func:`kappa_bounds`): the tangent at a gives v(M) <= M b'(a) for all
M, and v(a)/a, v(b)/b are values reached.

Rounding: g is evaluated to 256 eps of the magnitude of its terms (:meth:`TotalEquation.rounding`),
g' to 256 eps of A b' + 1; a sign test "up to rounding" allows that much.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.valueshaping.value import ValueOfData

ROUNDING = 256 * np.finfo(float).eps
"""Relative rounding allowed in every evaluation of g, g', phi and the bounds of kappa."""


@dataclass(frozen=True)
class TotalEquation:
    """g(M) = A v(M) + B - M for one model (module doc)."""

    value: ValueOfData
    A: float
    B: float
    spread: float
    """sum_i (m_i* + v(m_i*)/(c_i + eps)): the magnitude of B's terms (its rounding scale)."""
    floor: float
    """max_i m_i*: fixed-point totals are >= it."""

    @classmethod
    def of(cls, value: ValueOfData, costs: np.ndarray, eps: float, m_star: np.ndarray,
           v_star: np.ndarray | None = None) -> TotalEquation:
        """The equation for costs c_i, eps and solo optima m_i* (``v_star``: v(m_i*) when known)."""
        ce = costs + eps
        weighted = (value.v(m_star) if v_star is None else v_star) / ce
        return cls(value, float(np.sum(1.0 / ce)), float(np.sum(m_star - weighted)),
                   float(np.sum(m_star + weighted)), float(np.max(m_star, initial=0.0)))

    @property
    def lower(self) -> float:
        """L = max(m0, max m_i*): the concave region of g that holds every positive fixed point."""
        return max(self.value.m0, self.floor)

    def g(self, M: float) -> float:
        return self.A * float(self.value.v(M)) + self.B - M

    def dg(self, M: float) -> float:
        """g'(M) = A b'(M) - 1 on [m0, inf)."""
        return self.A * float(self.value.db(M)) - 1.0

    def rounding(self, M: float) -> float:
        return ROUNDING * (self.A * self.value.sup + self.spread + abs(M))

    def slope_rounding(self, M: float) -> float:
        return ROUNDING * (self.A * abs(float(self.value.db(M))) + 1.0)

    def holds_root(self, bracket: tuple[float, float], tol: float) -> bool:
        """[a, b] inside [L, inf), no wider than tol * b, with g of both signs at its ends (up to
        rounding): a root of g lies in it (continuity)."""
        a, b = bracket
        if not (np.isfinite(a) and np.isfinite(b) and self.lower <= a <= b and b - a <= tol * b):
            return False
        ga, gb = self.g(a), self.g(b)
        slack = max(self.rounding(a), self.rounding(b))
        return min(ga, gb) <= slack and max(ga, gb) >= -slack

    def decreasing_after(self, b: float) -> bool:
        """g'(b) <= 0 (up to rounding): with g concave on [b, inf), no root beyond b."""
        return self.dg(b) <= self.slope_rounding(b)

    def peak_inside(self, bracket: tuple[float, float]) -> bool:
        """g'(a) >= 0 >= g'(b) (up to rounding): the maximum of g lies in [a, b]."""
        a, b = bracket
        return self.dg(a) >= -self.slope_rounding(a) and self.dg(b) <= self.slope_rounding(b)

    def complete(self, roots: list[tuple[float, float]], zero_listed: bool, kappa_floor: float) -> bool:
        """The positive roots listed (brackets, largest first) are every root of g on [L, inf),
        and the zero profile is listed exactly when it is a fixed point (every m_i* = 0):

        - none: every m_i* = 0 and A < kappa_floor <= kappa (g(M) <= M (A / kappa - 1) < 0 for M > 0);
        - one, [a, b]: g(L) >= 0 (g concave lies above its chord on [L, a], so its only other
          root could be L itself, which is then a or the zero profile listed), or g peaks inside
          [a, b] with g <= 0 at both ends (a double root: g <= 0 everywhere);
        - two, disjoint: a concave g has no third root."""
        if zero_listed != (self.floor == 0.0):
            return False
        if not roots:
            return self.floor == 0.0 and self.A < kappa_floor
        if len(roots) == 1:
            (a, b), L = roots[0], self.lower
            gL, slack = self.g(L), self.rounding(L)
            chord = gL >= -slack and (gL > slack or a == L or (L == 0.0 and zero_listed))
            tangent = self.peak_inside((a, b)) and max(self.g(a), self.g(b)) <= max(self.rounding(a), self.rounding(b))
            return chord or tangent
        return len(roots) == 2 and roots[1][1] < roots[0][0]


def profile_from_total(value: ValueOfData, costs: np.ndarray, eps: float, m_star: np.ndarray, M: float,
                       v_star: np.ndarray | None = None) -> np.ndarray:
    """m_i(M) = m_i* + (v(M) - v(m_i*)) / (c_i + eps): every agent at its m_i^max when the total is
    M (the zero profile for M = 0; ``v_star``: v(m_i*) when known)."""
    if M == 0.0:
        return np.zeros_like(costs)
    return m_star + (float(value.v(M)) - (value.v(m_star) if v_star is None else v_star)) / (costs + eps)


def free_riding_profile(costs: np.ndarray, m_star: np.ndarray) -> np.ndarray:
    """Theorem III (9): the lowest-cost agent contributes its m*, every other agent 0 (ties: the
    first lowest-cost agent; any split of m* among tied agents is also an equilibrium)."""
    out = np.zeros_like(costs)
    i = int(np.argmin(costs))
    out[i] = m_star[i]
    return out


def tangent_slack(value: ValueOfData, M: float) -> float:
    return ROUNDING * (value.sup + M * abs(float(value.db(M))))


def phi(value: ValueOfData, M: float) -> float:
    """b(M) - M b'(M): increasing on [m0, inf) (phi' = -M b''); zero at the tangent point."""
    return float(value.b_of(M)) - M * float(value.db(M))


def kappa_bounds(value: ValueOfData, tangent: tuple[float, float], tol: float) -> tuple[float, float] | None:
    """[kappa_low, kappa_high] from a bracket of the tangent point (module doc); None when the
    bracket is not one (outside [m0, inf), wider than tol * b, phi of one sign at both ends, or
    bounds more than tol apart).
    With m0 = 0 the bracket is [0, 0] and kappa = 1/b'(0) exactly."""
    a, b = tangent
    if value.m0 == 0.0:
        kappa = inverse(float(value.db(0.0)))  # inf when b'(0) underflows: no number of agents suffices
        return (kappa, kappa) if a == b == 0.0 and kappa > 0 else None
    if not (np.isfinite(a) and np.isfinite(b) and value.m0 <= a <= b and b - a <= tol * b):
        return None
    pa, pb = phi(value, a), phi(value, b)
    if pa > tangent_slack(value, a) or pb < -tangent_slack(value, b):
        return None
    reached = [M / float(value.v(M)) for M in (a, b) if float(value.v(M)) > 0]
    low = inverse(float(value.db(a)) + max(pa, 0.0) / value.m0)
    if not reached or not (np.isfinite(low) and 0 < low and min(reached) <= low * (1 + tol)):
        return None
    return low, min(reached)


def inverse(x: float) -> float:
    """1/x, inf for x = 0 (an underflowed slope)."""
    return float("inf") if x == 0.0 else 1.0 / x


def min_agents(kappa: float, costs: np.ndarray, eps: float, floor: float) -> int | None:
    """Smallest k such that the k lowest-cost agents alone sustain a positive total: 1 when some
    m_i* > 0 (the cheapest agent has the largest m_i*), else the smallest k with
    sum over the k lowest costs of 1/(c + eps) >= kappa (None: not even all n)."""
    if floor > 0:
        return 1
    inverse = 1.0 / (costs + eps)
    if float(np.sum(inverse)) < kappa:
        return None
    partial = np.cumsum(-np.sort(-inverse))
    k = int(np.searchsorted(partial, kappa))
    return None if k >= costs.size else k + 1
