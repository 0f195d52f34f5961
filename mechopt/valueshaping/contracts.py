"""Private binary costs (000 Appendix D): mechanism (15), the expected-data program (22) in cvxpy,
its closed forms (21), both types' equilibria (Theorem VII) and the information rent (Theorem VIII).

One agent i has low cost c_lo with probability p and high cost c_hi otherwise; Delta = sum_{j != i} m_j.
With eps -> 0, (15) gives v(x) up to m_hi* (the high type's solo optimum), a line of slope c_hi from
A = (m_hi*, v(m_hi*)) up to m_up, a line of slope c_lo ending at D = (m_down, v(m_down + Delta)),
and v(x + Delta) after m_down.  (17) fixes m_up given m_down:
    (c_hi - c_lo) m_up = v(m_down + Delta) - c_lo m_down - v(m_hi*) + c_hi m_hi*,
so the expected data E = (1 - p) m_up + p m_down is concave in m_down, and (22) is the convex program
    maximize (1 - p) m_up + p m_down
    s.t.     (c_hi - c_lo) m_up <= v(m_down + Delta) - c_lo m_down - v(m_hi*) + c_hi m_hi*,
             m_hi^max <= m_down <= m_lo^max,  m_up >= m_hi*,
posed in cvxpy (power law b: DCP) and solved with its default solver.

**Closed forms.**  dE/dm_down = 0 gives b'(m_down + Delta) = c_lo - p/(1-p) (c_hi - c_lo)
(``closed_form_derived``).  The paper's (21) (with the outer min/max read as [m_hi^max, m_lo^max], the
intended form of the garbled (16)) uses c_lo - p/(1-p) c_hi (``closed_form_paper``): its variational
argument moves m_up by dx / c_hi instead of dx / (c_hi - c_lo).  The program's solution agrees with
the derived form, not with (21) (docs/valueshaping.md); Remark 5's threshold becomes p >= c_lo / c_hi.

**Others' data.**  ``others = Delta`` given (the paper's reading: (15)-(17) and the proofs fix
m_{-i}), or ``symmetric_fixed_point(n, ...)``: Delta = (n - 1) E(Delta), the largest fixed point,
reached by iterating from an upper bound (E is non-decreasing in Delta).

**Certificate.**  Optimality of m_down: E concave, so E(y) <= E(x) + E'(x)(y - x) bounds the gap to
the optimum by max(0, E'(x)) (hi - x) + max(0, -E'(x)) (x - lo); plus each type's best-response gain
over its whole piecewise utility under (15) (exact piece maxima), feasibility and IR of (15) on a grid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.data.functions import PowerLaw
from mechopt.valueshaping.mechanisms import first_crossing
from mechopt.valueshaping.solo import best_aggregate_deviation, solo_contributions
from mechopt.valueshaping.value import ValueOfData

CONTRACT_TOL = 1e-7
"""Largest optimality gap of E (relative to m_lo^max) and value residual (relative to sup v) accepted."""
GRID = 4001


@dataclass(frozen=True)
class ContractCertificate(Serializable):
    kind: str
    m_down: float
    derivative: float
    """E'(m_down)."""
    gap_bound: float
    """Upper bound on E(optimum) - E(m_down), relative to m_lo^max."""
    gains: tuple[float, float]
    """(high type, low type) best-response gains under (15), relative to sup v."""
    feasibility_gap: float
    ir_gap: float
    tol: float
    verified: bool


@dataclass(frozen=True)
class ContractResult(Serializable):
    kind: str
    status: Status
    p_low: float
    cost_low: float
    cost_high: float
    others: float
    """Delta = sum_{j != i} m_j used (given, or the symmetric fixed point)."""
    others_mode: str
    solo_low: float
    solo_high: float
    m_max_low: float
    m_max_high: float
    feasible_lower: float | None
    """L >= m_hi^max: the smallest m_down for which (15) is feasible (None: (15) is infeasible for every
    m_down in (m_hi^max, m_lo^max], status assumption_violated)."""
    m_down_cvxpy: float | None
    """cvxpy's m_down before the polish."""
    m_up: float | None
    m_down: float | None
    expected_data: float | None
    closed_form_derived: float
    closed_form_paper: float
    high_utility: float | None
    """Equals the high type's solo utility (Theorem VIII)."""
    low_utility: float | None
    information_rent: float | None
    """Low type's utility gain over what full information would leave it (Theorem VIII)."""
    certificate: ContractCertificate | None
    stats: SolveStats


@dataclass(frozen=True)
class _Setting:
    value: ValueOfData
    c_lo: float
    c_hi: float
    p: float
    delta: float

    @cached_property
    def solos(self) -> tuple[float, float, float, float]:
        m, u, _ = solo_contributions(self.value, np.array([self.c_lo, self.c_hi]))
        return float(m[0]), float(m[1]), float(u[0]), float(u[1])

    @cached_property
    def bounds(self) -> tuple[float, float]:
        ml, mh, _, _ = self.solos
        top = first_crossing(self.value, np.array([ml, mh]), np.array([self.c_lo, self.c_hi]),
                             np.array([self.delta, self.delta]))
        return float(top[1]), float(top[0])  # (m_hi^max, m_lo^max)

    def m_up(self, m_down: float) -> float:
        _, mh, _, _ = self.solos
        K = float(self.value.v(mh)) - self.c_hi * mh
        return (float(self.value.v(m_down + self.delta)) - self.c_lo * m_down - K) / (self.c_hi - self.c_lo)

    def expected(self, m_down: float) -> float:
        return (1 - self.p) * self.m_up(m_down) + self.p * m_down

    def derivative(self, m_down: float) -> float:
        return (1 - self.p) * (float(self.value.dv(m_down + self.delta)) - self.c_lo) / (self.c_hi - self.c_lo) + self.p

    def utilities(self, m_down: float) -> tuple[float, float, float]:
        """(high type's utility, low type's utility, information rent) at the equilibrium of (15)
        (Theorem VIII): the high type keeps its solo utility; the rent is the low type's gain over
        its utility at m_lo^max, where full information would put it."""
        _, mh, _, _ = self.solos
        _, m_lo_max = self.bounds
        low = self.phi(m_down)
        return float(self.value.v(mh)) - self.c_hi * mh, low, low - self.phi(m_lo_max)

    def phi(self, x: float) -> float:
        return float(self.value.v(x + self.delta)) - self.c_lo * x

    def feasible_lower(self) -> float | None:
        """L: the smallest m_down in [m_hi^max, m_lo^max] from which on (15) with m_up of (17) is feasible
        (Definition A): the c_lo-line through D stays below v(. + Delta) back to m_up iff
        phi(m_up) >= phi(m_down), phi(x) = v(x + Delta) - c_lo x, which with (17) reads
        phi(m_down) <= phi(m_hi^max) for m_down past phi's peak x_hat.  None: no such m_down."""
        lo, hi = self.bounds
        x_hat = float(self.value.inverse_slope(np.array(self.c_lo))) - self.delta
        if x_hat <= lo:
            return lo
        target = self.phi(lo)
        if self.phi(hi) > target:
            return None
        a, b = max(x_hat, lo), hi
        for _ in range(200):
            mid = 0.5 * (a + b)
            if self.phi(mid) > target:
                a = mid
            else:
                b = mid
        return b

    def closed_form(self, slope: float, lower: float | None = None) -> float:
        lo, hi = self.bounds
        lo = lo if lower is None else lower
        if slope <= 0:
            return hi
        return float(np.clip(float(self.value.inverse_slope(np.array(slope))) - self.delta, lo, hi))

    def polish(self, lower: float) -> float:
        """The maximizer of the concave E on [lower, m_lo^max] by bisection on the sign of E'."""
        _, hi = self.bounds
        if self.derivative(lower) <= 0:
            return lower
        if self.derivative(hi) >= 0:
            return hi
        a, b = lower, hi
        for _ in range(200):
            mid = 0.5 * (a + b)
            if self.derivative(mid) > 0:
                a = mid
            else:
                b = mid
        return 0.5 * (a + b)


def _check(value: ValueOfData, c_lo: float, c_hi: float, p: float) -> None:
    if not (np.isfinite(c_lo) and np.isfinite(c_hi) and 0 < c_lo < c_hi):
        raise ValueError(f"cost.low, cost.high: need 0 < low < high, got {c_lo!r}, {c_hi!r}")
    if not 0 < p < 1:
        raise ValueError(f"cost.p_low: the probability of the low cost must lie in (0, 1), got {p!r}")


def solve_program(s: _Setting, lower: float) -> tuple[float, str]:
    """(22) in cvxpy over m_down in [lower, m_lo^max]: the optimal m_down and cvxpy's status."""
    import cvxpy as cp

    b = s.value.b
    if not isinstance(b, PowerLaw):
        raise ValueError("value: the declarative program (22) needs a DCP form of b (family 'power_law')")
    _, hi = s.bounds
    lo = lower
    _, mh, _, _ = s.solos
    scale = max(hi, 1e-300)
    vscale = s.value.sup
    alpha, beta, top = float(b.alpha), float(b.beta), float(b.top)
    md, mu = cp.Variable(), cp.Variable()  # in units of m_lo^max
    K = float(s.value.v(mh)) - s.c_hi * mh
    v_expr = (top - alpha * cp.power(md * scale + s.delta + b.shift, -beta)) / vscale
    cons = [(s.c_hi - s.c_lo) * scale / vscale * mu <= v_expr - s.c_lo * scale / vscale * md - K / vscale,
            md >= lo / scale, md <= hi / scale, mu >= mh / scale]
    prob = cp.Problem(cp.Maximize((1 - s.p) * mu + s.p * md), cons)
    prob.solve()
    if md.value is None:
        return float("nan"), str(prob.status)
    return float(np.clip(float(md.value) * scale, lo, hi)), str(prob.status)


def contract_certificate(s: _Setting, m_down: float, *, tol: float = CONTRACT_TOL) -> ContractCertificate:
    lower = s.feasible_lower()
    lo, hi = s.bounds
    lo = lo if lower is None else lower
    R = s.value.sup
    if not (np.isfinite(m_down) and lo - tol * hi <= m_down <= hi + tol * hi):
        return ContractCertificate("contract_kkt", m_down, float("nan"), float("inf"), (float("inf"),) * 2,
                                   float("inf"), float("inf"), tol, False)
    m_down = float(np.clip(m_down, lo, hi))
    d = s.derivative(m_down)
    gap = (max(0.0, d) * (hi - m_down) + max(0.0, -d) * (m_down - lo)) / max(hi, 1e-300)
    ml, mh, ul, uh = s.solos
    m_up = s.m_up(m_down)
    x = np.union1d(np.linspace(0.0, m_down + 2 * R / s.c_lo, GRID), [mh, m_up, m_down])
    curve = mechanism_15(s, m_down, x)
    feas = float(np.max(curve - s.value.v(x + s.delta))) / R
    ir = float(np.max(s.value.v(x) - curve)) / R
    gains = []
    for c, own in ((s.c_hi, m_up), (s.c_lo, m_down)):
        at = float(mechanism_15(s, m_down, np.array([own]))[0]) - c * own
        solo_piece = float(np.max(s.value.v(np.array([0.0, mh])) - c * np.array([0.0, mh])))
        lines = max(float(mechanism_15(s, m_down, np.array([m_up]))[0]) - c * m_up,
                    float(mechanism_15(s, m_down, np.array([m_down]))[0]) - c * m_down)
        last, _ = best_aggregate_deviation(s.value, np.array(c), np.array(s.delta), np.array(m_down))
        sampled = float(np.max(curve - c * x))
        gains.append(max(solo_piece, lines, float(last), sampled) - at)
    g = (gains[0] / R, gains[1] / R)
    ok = gap <= tol and max(g) <= tol and feas <= tol and ir <= tol
    return ContractCertificate("contract_kkt", m_down, d, gap, g, feas, ir, tol, bool(ok))


def mechanism_15(s: _Setting, m_down: float, x: np.ndarray) -> np.ndarray:
    """[M]_i of (15) (eps -> 0) at own contributions x."""
    _, mh, _, _ = s.solos
    m_up = s.m_up(m_down)
    x = np.asarray(x, float)
    a = float(s.value.v(mh)) + s.c_hi * (x - mh)
    d = float(s.value.v(m_down + s.delta)) - s.c_lo * (m_down - x)
    return np.where(x <= mh, s.value.v(x), np.where(x <= m_up, a, np.where(x <= m_down, d, s.value.v(x + s.delta))))


def symmetric_others(value: ValueOfData, c_lo: float, c_hi: float, p: float, n: int, *, iterations: int = 500) -> float:
    """The largest Delta with Delta = (n - 1) E(Delta) (every other agent independently of the same
    prior, each contributing its expected amount), iterating down from an upper bound."""
    if n < 1:
        raise ValueError(f"n: must be >= 1, got {n}")
    ml, _, _, _ = _Setting(value, c_lo, c_hi, p, 0.0).solos
    delta = (n - 1) * (ml + value.sup / c_lo)
    for _ in range(iterations):
        s = _Setting(value, c_lo, c_hi, p, delta)
        lower = s.feasible_lower()
        if lower is None:
            raise ValueError("others: (15) is infeasible at the symmetric iterate Delta = {delta:g}")
        new = (n - 1) * s.expected(s.polish(lower))
        if abs(new - delta) <= 1e-13 * max(delta, 1e-300):
            return float(new)
        delta = float(new)
    return float(delta)


@dataclass(frozen=True)
class Derivation:
    """Everything (22) and (21) determine before any solve: the others' data Delta, the solo
    contributions, m_hi^max and m_lo^max, the feasibility bound L, and both closed forms (the
    derived first-order condition and the printed (21))."""

    setting: _Setting
    mode: str
    solo_low: float
    solo_high: float
    m_max_high: float
    m_max_low: float
    lower: float | None
    derived: float
    paper: float


def derive(value: ValueOfData, c_lo: float, c_hi: float, p: float, others: float | None, n: int | None) -> Derivation:
    """The derivation shared by :func:`solve_contract` and the verifier (given ``others``, the
    paper's reading, or the symmetric fixed point of ``n`` agents)."""
    delta = float(others) if others is not None else symmetric_others(value, c_lo, c_hi, p, int(n))  # type: ignore[arg-type]
    s = _Setting(value, c_lo, c_hi, p, delta)
    lo, hi = s.bounds
    ml, mh, _, _ = s.solos
    lower = s.feasible_lower()
    mode = "given" if others is not None else f"symmetric fixed point, n = {n}"
    return Derivation(s, mode, ml, mh, lo, hi, lower, s.closed_form(c_lo - p / (1 - p) * (c_hi - c_lo), lower),
                      s.closed_form(c_lo - p / (1 - p) * c_hi))


def solve_contract(value: ValueOfData, c_lo: float, c_hi: float, p: float, *, others: float | None = None,
                   n: int | None = None, tol: float = CONTRACT_TOL) -> ContractResult:
    """(22) solved in cvxpy with the given ``others`` (the paper's reading) or the symmetric fixed point
    of ``n`` agents (then polished by bisection on E', the concave objective's derivative); closed forms,
    equilibria of both types and the information rent."""
    t0 = time.perf_counter()
    _check(value, c_lo, c_hi, p)
    if (others is None) == (n is None):
        raise ValueError("others, n: give exactly one (others' total data, or n for the symmetric fixed point)")
    if others is not None and not (np.isfinite(others) and others >= 0):
        raise ValueError(f"others: must be a finite number >= 0, got {others!r}")
    d = derive(value, c_lo, c_hi, p, others, n)
    s, lower, derived, paper, mode = d.setting, d.lower, d.derived, d.paper, d.mode
    head = ("value_shaping_contract", p, c_lo, c_hi, s.delta, mode, d.solo_low, d.solo_high, d.m_max_low,
            d.m_max_high, lower)
    if lower is None:
        stats = SolveStats("cvxpy (22)", Termination.CONVERGED, 0, time.perf_counter() - t0, {"others_mode": mode})
        return ContractResult(head[0], Status.ASSUMPTION_VIOLATED, *head[1:], None, None, None, None, derived, paper,
                              None, None, None, None, stats)
    try:
        raw, cp_status = solve_program(s, lower)
        termination = Termination.CONVERGED if np.isfinite(raw) else Termination.SOLVER_ERROR
    except ImportError:  # pragma: no cover
        raw, cp_status, termination = float("nan"), "cvxpy missing", Termination.SOLVER_ERROR
    m_down = s.polish(lower) if np.isfinite(raw) else float("nan")
    cert = contract_certificate(s, m_down, tol=tol) if np.isfinite(m_down) else None
    stats = SolveStats("cvxpy (22) + bisection polish on E'", termination, 1, time.perf_counter() - t0,
                       {"cvxpy_status": cp_status, "others_mode": mode})
    if cert is None or not cert.verified:
        status = Status.FAILED if cert is None else Status.UNVERIFIED
        return ContractResult(head[0], status, *head[1:], None if not np.isfinite(raw) else raw, None, None, None,
                              derived, paper, None, None, None, cert, stats)
    high_u, low_u, rent = s.utilities(m_down)
    return ContractResult(head[0], Status.OPTIMAL, *head[1:], raw, s.m_up(m_down), m_down, s.expected(m_down), derived,
                          paper, high_u, low_u, rent, cert, stats)
