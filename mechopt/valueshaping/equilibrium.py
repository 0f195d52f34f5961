"""Equilibria of standard FL (Theorem III) and of value shaping (Theorem IV, V, Remark 3), with
certificates.

**m^max as one scalar equation.**  At an equilibrium of (11) where every agent sits at its m_i^max,
v(M) = v(m_i*) + (c_i + eps)(m_i - m_i*) with M = sum_j m_j, so
m_i(M) = m_i* + (v(M) - v(m_i*)) / (c_i + eps) and the total solves
    g(M) = A v(M) + B - M = 0,   A = sum_i 1/(c_i + eps),   B = sum_i (m_i* - v(m_i*)/(c_i + eps)).
g is concave on [m0, inf) (b concave), so it has at most two roots there; the data-maximizing
equilibrium is the largest, bracketed by the peak P (b'(P) = 1/A) and A sup v + B, and solved by
brentq.  g'(M) <= 0 at the root proves no larger fixed point exists.  The zero profile is a fixed
point iff every m_i* = 0 (Remark 3); collaboration is viable iff A >= kappa = min_M M / v(M).

**Certificate.**  Each agent's best-response gain over its whole piecewise utility (not concave),
exactly: the solo piece peaks at m_i* (Theorem I), the linear piece at its right end, the last piece
v(x + S) - c x is concave (maximum at the clipped stationary point); a sampled grid search over
[0, m_i + 2 sup v / c_i] for a subset of agents cross-checks these bounds (a sample above a bound
refutes the certificate).  Also checked: the claimed m_i is the mechanism's m_i^max (the first
crossing, recomputed by Newton), feasibility (Definition A) and IR (Definition B) at the point and
on the samples, Theorem V (utility = solo utility + eps (m_i - m_i*)), and that the total is the
largest fixed point.  Tolerances are relative to sup v (values) and sup v / c_i (data of agent i).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.valueshaping.mechanisms import first_crossing, piecewise_value
from mechopt.valueshaping.solo import REGIMES, best_aggregate_deviation, check_costs, solo_contributions
from mechopt.valueshaping.value import ValueOfData

VALUE_TOL = 1e-9
"""Largest best-response gain (and any value residual) accepted, relative to sup v."""
SAMPLE_AGENTS = 64
"""Agents whose whole utility curve is also searched on a grid (evenly spread over the agents, with
the lowest- and highest-cost ones)."""
SAMPLE_POINTS = 2049
"""Grid points per sampled agent."""


@dataclass(frozen=True)
class GapCertificate(Serializable):
    """Best-response gains of every agent at ``point`` under mechanism ``mechanism``."""

    kind: str
    mechanism: str
    """"value_shaping" ((11)) or "standard_fl" ((8))."""
    point: np.ndarray
    gains: np.ndarray
    """Exact best-response gains (piece maxima under concavity of b where v > 0) per agent."""
    max_gain: float
    sampled_agents: np.ndarray
    found_gains: np.ndarray
    """Gains found by the grid search for ``sampled_agents`` (lower bounds of the gains)."""
    scale: float
    """sup v: values are compared at tol * scale."""
    data_gap: float
    """max_i |m_i - m_i^max(S_-i)| c_i / sup v (value shaping; 0 for FL)."""
    theorem_v_gap: float
    """max_i |u_i - u_i* - eps (m_i - m_i*)| / sup v (value shaping; 0 for FL)."""
    feasibility_gap: float
    """max over the point and samples of [M]_i - v(x + S_-i), over sup v (<= tol: Definition A)."""
    ir_gap: float
    """max over the point and samples of v(x) - [M]_i, over sup v (<= tol: Definition B)."""
    fixed_point_residual: float
    """|g(M)| / max(M, 1e-300) at the total (value shaping)."""
    largest: bool
    """No fixed point with a larger total exists (g'(M) <= 0 with g concave; or max g < 0 at M = 0)."""
    tol: float
    nash_verified: bool
    """Every gain within tol * scale + rounding, the samples below the bounds, feasible, IR."""
    verified: bool
    """nash_verified, and for value shaping also m = m^max, Theorem V and the largest total."""


@dataclass(frozen=True)
class ValueShapingEquilibrium(Serializable):
    """A Nash-style answer: ``profile`` (m^max) only when the certificate verified."""

    kind: str
    status: Status
    profile: np.ndarray | None
    utilities: np.ndarray | None
    values: np.ndarray | None
    """[M(m)]_i, the model value each agent receives (v(M) at m^max)."""
    certificate: GapCertificate


@dataclass(frozen=True)
class FixedPoint(Serializable):
    """One fixed point of the total, M = A v(M) + B, checked as an equilibrium of (11)."""

    total: float
    verified: bool
    """The profile's gap certificate verified as a Nash equilibrium (not necessarily the largest)."""
    max_gain: float


@dataclass(frozen=True)
class ValueShapingResult(Serializable):
    kind: str
    status: Status
    solo: np.ndarray
    """m_i* of Theorem I."""
    solo_utilities: np.ndarray
    regimes: list[str]
    free_riding: np.ndarray
    """The standard-FL equilibrium of Theorem III (only the lowest-cost agent contributes)."""
    free_riding_total: float
    free_riding_certificate: GapCertificate
    equilibrium: ValueShapingEquilibrium
    total_data: float | None
    """sum_i m_i^max when the equilibrium verified."""
    equilibria: list[FixedPoint]
    """Every fixed point found (largest first): the data-maximizing one, the unstable middle one,
    and the zero profile when every m_i* = 0 (Remark 3)."""
    viability_threshold: float
    """kappa = min_M M / v(M): with every m_i* = 0, collaboration is viable iff sum 1/(c_i + eps) >= kappa."""
    min_viable_agents: int | None
    """Smallest k such that the k lowest-cost agents alone sustain a positive total (None: not even all n)."""
    epsilon: float
    stats: SolveStats

    @property
    def certificate(self) -> GapCertificate:
        return self.equilibrium.certificate


# --- the scalar equation ------------------------------------------------------------------------

def _sums(value: ValueOfData, c: np.ndarray, eps: float, m_star: np.ndarray) -> tuple[float, float]:
    ce = c + eps
    A = float(np.sum(1.0 / ce))  # pairwise summation: relative error O(log n eps)
    B = float(np.sum(m_star - value.v(m_star) / ce))
    return A, B


def profile_from_total(value: ValueOfData, c: np.ndarray, eps: float, m_star: np.ndarray, M: float) -> np.ndarray:
    """m_i(M) = m_i* + (v(M) - v(m_i*)) / (c_i + eps)."""
    return m_star + (float(value.v(M)) - value.v(m_star)) / (c + eps)


def viability_threshold(value: ValueOfData) -> float:
    """kappa = min_{M > m0} M / v(M), at the tangent point b(M) = M b'(M) (b concave)."""
    phi = lambda M: float(value.b_of(M) - M * value.db(M))  # noqa: E731 - increasing on (m0, inf)
    lo, hi = max(value.m0, 1e-300) * (1 + 1e-12), 2.0 * (value.m0 + 1.0)
    if phi(lo) >= 0:  # b(0) > 0 possible with a shift: v(M)/M is largest at 0+
        return float(lo / value.v(lo)) if value.v(lo) > 0 else 0.0
    while phi(hi) < 0:
        hi *= 4.0
    M = brentq(phi, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    return float(M / value.v(M))


def min_viable_agents(value: ValueOfData, c: np.ndarray, eps: float = 0.0) -> int | None:
    """Smallest k with sum over the k lowest costs of 1/(c + eps) >= kappa; 1 if some m_i* > 0."""
    c = check_costs(c)
    m_star, _, _ = solo_contributions(value, c)
    if np.any(m_star > 0):
        return 1
    kappa = viability_threshold(value)
    partial = np.cumsum(1.0 / (np.sort(c) + eps))
    k = int(np.searchsorted(partial, kappa * (1 - 1e-12)))
    return None if k >= c.size else k + 1


def fixed_point_totals(value: ValueOfData, c: np.ndarray, eps: float, m_star: np.ndarray
                       ) -> tuple[list[float], float, float]:
    """Every root of g(M) = A v(M) + B - M on [0, inf), largest first; and (A, B)."""
    A, B = _sums(value, c, eps, m_star)
    g = lambda M: A * float(value.v(M)) + B - M  # noqa: E731
    P = max(value.m0, float(value.inverse_slope(np.array(1.0 / A))))
    roots: list[float] = []
    rounding = 64 * np.finfo(float).eps * (A * value.sup + abs(B) + P)
    gP = g(P)
    if abs(gP) <= rounding:  # tangent: the peak is the (double) root, e.g. one agent, M = m*
        roots.append(P)
    elif gP > 0:
        hi = max(A * value.sup + B, P)
        roots.append(P if g(hi) >= 0 else brentq(g, P, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500))
        if g(value.m0) < 0:
            roots.append(brentq(g, value.m0, P, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500))
    if B == 0.0 and (not roots or roots[-1] > 0):
        roots.append(0.0)
    floor = float(np.max(m_star, initial=0.0))
    return [M for M in roots if M >= floor * (1 - 1e-12) or M == 0.0 and floor == 0.0], A, B


# --- certificates ---------------------------------------------------------------------------------

def _sample_indices(c: np.ndarray) -> np.ndarray:
    k = min(SAMPLE_AGENTS, c.size)
    spread = np.linspace(0, c.size - 1, k).round().astype(int)
    return np.unique(np.concatenate([spread, [int(np.argmin(c)), int(np.argmax(c))]]))


def _rounding(*terms: np.ndarray) -> np.ndarray:
    return 256 * np.finfo(float).eps * sum(np.abs(t) for t in terms)


def value_shaping_certificate(value: ValueOfData, costs: np.ndarray, m: np.ndarray, *, eps: float = 0.0,
                              tol: float = VALUE_TOL) -> GapCertificate:
    """Check a profile m as the data-maximizing equilibrium of (11), from the model alone."""
    c = check_costs(costs)
    m = np.asarray(m, float)
    if m.shape != c.shape or not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"profile: expected {c.size} finite contributions >= 0")
    m_star, u_star, _ = solo_contributions(value, c)
    ce, R = c + eps, value.sup
    M = float(np.sum(m))
    S = M - m
    top = first_crossing(value, m_star, ce, S, guess=m)
    got = piecewise_value(value, m, m_star, ce, top, S)
    u = got - c * m
    # exact piece maxima: solo piece at m*, linear piece at its end, concave last piece
    p1 = u_star
    p2 = np.where(top > m_star, u_star + eps * (top - m_star), u_star)
    p3, _ = best_aggregate_deviation(value, c, S, top)
    gains = np.maximum(np.maximum(p1, p2), p3) - u
    slack = tol * R + _rounding(u, got, c * m, value.v(M))
    # the mechanism's curve is feasible before the crossing: h(m*) <= 0 and h convex after
    h_start = value.v(m_star) - value.v(m_star + S)
    curve_ok = (top <= m_star) | ((m_star + S >= value.m0) & (h_start <= slack))
    feas = float(np.max(np.where(curve_ok, got - value.v(M), np.inf), initial=-np.inf)) / R
    ir = float(np.max(value.v(m) - got, initial=-np.inf)) / R
    idx = _sample_indices(c)
    found = np.empty(idx.size)
    for k, i in enumerate(idx):
        x = np.union1d(np.linspace(0.0, max(m[i], top[i]) + 2.0 * R / c[i], SAMPLE_POINTS),
                       [m_star[i], top[i], m[i]])
        curve = piecewise_value(value, x, m_star[i], ce[i], top[i], S[i])
        found[k] = float(np.max(curve - c[i] * x)) - u[i]
        feas = max(feas, float(np.max(curve - value.v(x + S[i]))) / R)
        ir = max(ir, float(np.max(value.v(x) - curve)) / R)
    data_gap = float(np.max(np.abs(m - top) * c, initial=0.0)) / R
    thm5 = float(np.max(np.abs(u - u_star - eps * (m - m_star)), initial=0.0)) / R
    A, B = _sums(value, c, eps, m_star)
    g = A * float(value.v(M)) + B - M
    fp_res = abs(g) / max(M, 1e-300) if M > 0 else abs(B) / R
    if M > 0:
        largest = bool(A * float(value.dv(M)) - 1.0 <= tol)
    else:
        P = max(value.m0, float(value.inverse_slope(np.array(1.0 / A))))
        largest = bool(A * float(value.v(P)) + B - P < 0)
    within = bool(np.all(gains <= slack)) and bool(np.all(found <= gains[idx] + slack[idx]))
    nash_ok = within and feas <= tol and ir <= tol
    verified = nash_ok and data_gap <= tol * 10 and thm5 <= tol and fp_res <= 1e-9 and largest
    return GapCertificate("value_shaping_gap", "value_shaping", m, np.maximum(gains, 0.0),
                          float(np.max(np.maximum(gains, 0.0), initial=0.0)), idx, np.maximum(found, 0.0), R,
                          data_gap, thm5, feas, ir, fp_res, largest, tol, nash_ok, verified)


def free_riding_certificate(value: ValueOfData, costs: np.ndarray, m: np.ndarray, *, tol: float = VALUE_TOL
                            ) -> GapCertificate:
    """Check a profile as an equilibrium of standard FL (8): gains of v(x + S) - c x, exactly."""
    c = check_costs(costs)
    m = np.asarray(m, float)
    if m.shape != c.shape or not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"free_riding: expected {c.size} finite contributions >= 0")
    R = value.sup
    M = float(np.sum(m))
    S = M - m
    vM = float(value.v(M))
    u = vM - c * m
    best, _ = best_aggregate_deviation(value, c, S, np.zeros_like(c))
    gains = best - u
    slack = tol * R + _rounding(u, c * m, vM)
    idx = _sample_indices(c)
    found = np.empty(idx.size)
    for k, i in enumerate(idx):
        x = np.union1d(np.linspace(0.0, m[i] + 2.0 * R / c[i], SAMPLE_POINTS), [m[i]])
        found[k] = float(np.max(value.v(x + S[i]) - c[i] * x)) - u[i]
    ok = bool(np.all(gains <= slack)) and bool(np.all(found <= gains[idx] + slack[idx]))
    return GapCertificate("free_riding_gap", "standard_fl", m, np.maximum(gains, 0.0),
                          float(np.max(np.maximum(gains, 0.0), initial=0.0)), idx, np.maximum(found, 0.0), R,
                          0.0, 0.0, 0.0, 0.0, 0.0, True, tol, ok, ok)


# --- solvers ----------------------------------------------------------------------------------------

def free_riding_profile(value: ValueOfData, costs: np.ndarray) -> np.ndarray:
    """Theorem III (9): the lowest-cost agent contributes its m*, every other agent 0 (ties: the
    first lowest-cost agent; any split of m* among tied agents is also an equilibrium)."""
    c = check_costs(costs)
    m_star, _, _ = solo_contributions(value, c)
    out = np.zeros_like(c)
    i = int(np.argmin(c))
    out[i] = m_star[i]
    return out


def _equilibrium(value: ValueOfData, c: np.ndarray, eps: float, m: np.ndarray | None, tol: float,
                 cert: GapCertificate | None = None) -> ValueShapingEquilibrium:
    if cert is None:
        cert = value_shaping_certificate(value, c, m, eps=eps, tol=tol)  # type: ignore[arg-type]
    if cert.verified:
        status = Status.EQUILIBRIUM
    elif cert.max_gain > tol * cert.scale * 10 or np.any(cert.found_gains > cert.gains[cert.sampled_agents]):
        status = Status.NO_EQUILIBRIUM_FOUND
    else:
        status = Status.UNVERIFIED
    ok = status is Status.EQUILIBRIUM
    point = cert.point
    if ok:
        vals = np.full(point.shape, float(value.v(point.sum())))
        return ValueShapingEquilibrium("value_shaping_equilibrium", status, point, vals - c * point, vals, cert)
    return ValueShapingEquilibrium("value_shaping_equilibrium", status, None, None, None, cert)


def solve_value_shaping(value: ValueOfData, costs: np.ndarray, *, eps: float = 0.0, tol: float = VALUE_TOL
                        ) -> ValueShapingResult:
    """Solo optima, the free-riding equilibrium of (8) and the data-maximizing equilibrium of (11),
    every fixed point found, and viability; each equilibrium with its certificate."""
    t0 = time.perf_counter()
    c = check_costs(costs)
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(f"epsilon: must be a finite number >= 0, got {eps!r}")
    if not (0 < tol < 1):
        raise ValueError(f"tol: must be in (0, 1), got {tol!r}")
    m_star, u_star, regime = solo_contributions(value, c)
    fr = free_riding_profile(value, c)
    fr_cert = free_riding_certificate(value, c, fr, tol=tol)
    try:
        totals, A, B = fixed_point_totals(value, c, eps, m_star)
        termination = Termination.CONVERGED
    except (ValueError, RuntimeError):
        totals, termination = [], Termination.NUMERICAL_ERROR
    points, best = [], None
    for k, M in enumerate(totals):
        prof = profile_from_total(value, c, eps, m_star, M) if M > 0 else np.zeros_like(c)
        cert = value_shaping_certificate(value, c, prof, eps=eps, tol=tol)
        points.append(FixedPoint(float(M), cert.nash_verified, cert.max_gain))
        if k == 0:
            best = _equilibrium(value, c, eps, prof, tol, cert)
    if best is None:
        dummy = value_shaping_certificate(value, c, np.zeros_like(c), eps=eps, tol=tol)
        best = ValueShapingEquilibrium("value_shaping_equilibrium", Status.FAILED, None, None, None, dummy)
    status = best.status
    kappa = viability_threshold(value)
    stats = SolveStats("largest-fixed-point (brentq on the total)", termination, len(totals),
                       time.perf_counter() - t0, {"epsilon": eps, "tol": tol, "n": int(c.size)})
    total = float(np.sum(best.profile)) if best.profile is not None else None
    return ValueShapingResult("value_shaping", status, m_star, u_star, [REGIMES[r] for r in regime], fr,
                              float(fr.sum()), fr_cert, best, total, points, kappa,
                              min_viable_agents(value, c, eps), float(eps), stats)


def free_riding_generic(value: ValueOfData, costs: np.ndarray, *, method: str = "newton"):  # type: ignore[no-untyped-def]
    """Theorem III through the generic solver: the standard-FL game posed as the data-sharing game
    u_i(s) = b(sum s) - c_i s_i on boxes [0, sup v / c_i] (Theorem II's box) and solved by
    :func:`mechopt.solvers.nash.solve_nash`.  Needs v = b (b(0) >= 0, so v is concave); the
    returned :class:`~mechopt.solvers.nash.NashResult` carries the generic Nash certificate."""
    from mechopt.data.functions import linear_cost
    from mechopt.data.payoffs import LinearIndexPayoff
    from mechopt.games.data_sharing import DataSharingGame
    from mechopt.solvers.nash import solve_nash

    c = check_costs(costs)
    if value.m0 > 0 or not np.isfinite(float(value.b_of(0.0))) or float(value.b_of(0.0)) < 0:
        raise ValueError("value: the generic solver needs b(0) >= 0 (v = b concave); with b(0) < 0, v = max(0, b) is "
                         "not concave and Theorem III is checked by the closed form only")
    game = DataSharingGame(LinearIndexPayoff.aggregate(value.b, c.size), linear_cost(c), upper=value.sup / c)
    return solve_nash(game, method=method)  # type: ignore[arg-type]
