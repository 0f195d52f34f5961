"""The solver of the ``value_shaping_contract`` kind (000 Appendix D): the expected-data program
(22) in cvxpy, the optimum located by bisection on E' (the concave objective's derivative), both
types' equilibria (Theorem VII) and the information rent (Theorem VIII).  It searches;
:mod:`.certify` judges what it finds; the closed forms are :mod:`.binary_costs`.

(22) with m_up given by (17) is the convex program
    maximize (1 - p) m_up + p m_down
    s.t.     (c_hi - c_lo) m_up <= v(m_down + Delta) - c_lo m_down - v(m_hi*) + c_hi m_hi*,
             L <= m_down <= m_lo^max,  m_up >= m_hi*,
posed in cvxpy (power law b: DCP) and solved with its default solver; L is the feasibility bound
of (15), located by bisection on phi past its peak.

**Closed forms.**  dE/dm_down = 0 gives b'(m_down + Delta) = c_lo - p/(1-p) (c_hi - c_lo)
(``closed_form_derived``).  The paper's (21) (with the outer min/max read as [m_hi^max, m_lo^max], the
intended form of the garbled (16)) uses c_lo - p/(1-p) c_hi (``closed_form_paper``): its variational
argument moves m_up by dx / c_hi instead of dx / (c_hi - c_lo).  The program's solution agrees with
the derived form, not with (21) (docs/valueshaping.md); Remark 5's threshold becomes p >= c_lo / c_hi.

**Others' data.**  ``others = Delta`` given (the paper's reading: (15)-(17) and the proofs fix
m_{-i}), or ``symmetric_others(n, ...)``: Delta = (n - 1) E(Delta), reached by iterating from an
upper bound (E is non-decreasing in Delta).
"""

from __future__ import annotations

import time

import numpy as np

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.data.functions import PowerLaw
from mechopt.valueshaping.binary_costs import BinaryCosts, check_binary_costs
from mechopt.valueshaping.certify import CONTRACT_TOL, ContractResult, certify_contract, contract_gap
from mechopt.valueshaping.value import ValueOfData

BISECTION_STEPS = 200


def feasible_lower(s: BinaryCosts) -> tuple[float, float] | None:
    """[a, L]: (15) infeasible at a, feasible from L on (:mod:`.binary_costs`); [m_hi^max, m_hi^max]
    when phi peaks before m_hi^max; None when no m_down is feasible."""
    lo, hi = s.bounds
    if s.peak <= lo:
        return lo, lo
    if s.infeasible():
        return None
    target = s.phi(lo)
    a, b = max(s.peak, lo), hi
    if s.phi(a) <= target:
        return a, a
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (a + b)
        if not a < mid < b:
            break
        if s.phi(mid) > target:
            a = mid
        else:
            b = mid
    return a, b


def polish(s: BinaryCosts, lower: float) -> float:
    """The maximizer of the concave E on [lower, m_lo^max] by bisection on the sign of E'."""
    _, hi = s.bounds
    if s.derivative(lower) <= 0:
        return lower
    if s.derivative(hi) >= 0:
        return hi
    a, b = lower, hi
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (a + b)
        if not a < mid < b:
            break
        if s.derivative(mid) > 0:
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def solve_program(s: BinaryCosts, lower: float) -> tuple[float, str]:
    """(22) in cvxpy over m_down in [lower, m_lo^max]: the optimal m_down and cvxpy's status."""
    import cvxpy as cp

    b = s.value.b
    if not isinstance(b, PowerLaw):
        raise ValueError("value: the declarative program (22) needs a DCP form of b (family 'power_law')")
    _, hi = s.bounds
    _, mh, _, _ = s.solos
    scale = max(hi, 1e-300)
    vscale = s.value.sup
    alpha, beta, top = float(b.alpha), float(b.beta), float(b.top)
    md, mu = cp.Variable(), cp.Variable()  # in units of m_lo^max
    K = float(s.value.v(mh)) - s.c_hi * mh
    v_expr = (top - alpha * cp.power(md * scale + s.delta + b.shift, -beta)) / vscale
    cons = [(s.c_hi - s.c_lo) * scale / vscale * mu <= v_expr - s.c_lo * scale / vscale * md - K / vscale,
            md >= lower / scale, md <= hi / scale, mu >= mh / scale]
    prob = cp.Problem(cp.Maximize((1 - s.p) * mu + s.p * md), cons)
    prob.solve()
    if md.value is None:
        return float("nan"), str(prob.status)
    return float(np.clip(float(md.value) * scale, lower, hi)), str(prob.status)


def symmetric_others(value: ValueOfData, c_lo: float, c_hi: float, p: float, n: int, *, iterations: int = 500) -> float:
    """The largest Delta with Delta = (n - 1) E(Delta) (every other agent independently of the same
    prior, each contributing its expected amount), iterating down from an upper bound."""
    if n < 1:
        raise ValueError(f"n: must be >= 1, got {n}")
    ml, _, _, _ = BinaryCosts(value, c_lo, c_hi, p, 0.0).solos
    delta = (n - 1) * (ml + value.sup / c_lo)
    for _ in range(iterations):
        s = BinaryCosts(value, c_lo, c_hi, p, delta)
        lower = feasible_lower(s)
        if lower is None:
            raise ValueError(f"others: (15) is infeasible at the symmetric iterate Delta = {delta:g}")
        new = (n - 1) * s.expected(polish(s, lower[1]))
        if abs(new - delta) <= 1e-13 * max(delta, 1e-300):
            return float(new)
        delta = float(new)
    return float(delta)


def solve_contract(value: ValueOfData, c_lo: float, c_hi: float, p: float, *, others: float | None = None,
                   n: int | None = None, tol: float = CONTRACT_TOL) -> ContractResult:
    """(22) solved in cvxpy with the given ``others`` (the paper's reading) or the symmetric fixed
    point of ``n`` agents; the optimum located by bisection on E'; closed forms, equilibria of
    both types and the information rent; certified by :func:`~.certify.certify_contract`."""
    t0 = time.perf_counter()
    check_binary_costs(c_lo, c_hi, p)
    if (others is None) == (n is None):
        raise ValueError("others, n: give exactly one (others' total data, or n for the symmetric fixed point)")
    if others is not None and not (np.isfinite(others) and others >= 0):
        raise ValueError(f"others: must be a finite number >= 0, got {others!r}")
    delta = float(others) if others is not None else symmetric_others(value, c_lo, c_hi, p, int(n))  # type: ignore[arg-type]
    s = BinaryCosts(value, c_lo, c_hi, p, delta)
    lo, hi = s.bounds
    ml, mh, _, _ = s.solos
    mode = "given" if others is not None else f"symmetric fixed point, n = {n}"
    bracket = feasible_lower(s)
    head = dict(kind="value_shaping_contract", status=Status.UNVERIFIED, message="", p_low=float(p),
                cost_low=float(c_lo), cost_high=float(c_hi), others=delta, others_mode=mode, solo_low=ml,
                solo_high=mh, m_max_low=hi, m_max_high=lo, feasible_lower=None if bracket is None else bracket[1],
                feasible_lower_bracket=bracket, closed_form_paper=s.paper_closed_form())
    if bracket is None:
        stats = SolveStats("(15) infeasible for every m_down", Termination.CONVERGED, 0, time.perf_counter() - t0,
                           {"others_mode": mode})
        draft = ContractResult(**head, m_down_cvxpy=None, m_up=None, m_down=None, expected_data=None,  # type: ignore[arg-type]
                               closed_form_derived=s.derived_closed_form(None), high_utility=None, low_utility=None,
                               information_rent=None, certificate=None, stats=stats)
    else:
        try:
            raw, cp_status = solve_program(s, bracket[1])
        except ImportError:  # pragma: no cover
            raw, cp_status = float("nan"), "cvxpy missing"
        m_down = polish(s, bracket[1])
        high_u, low_u, rent = s.utilities(m_down)
        stats = SolveStats("bisection on E' (cvxpy (22) as a cross-check)", Termination.CONVERGED, BISECTION_STEPS,
                           time.perf_counter() - t0, {"cvxpy_status": cp_status, "others_mode": mode})
        draft = ContractResult(**head, m_down_cvxpy=raw if np.isfinite(raw) else None,  # type: ignore[arg-type]
                               m_up=s.m_up(m_down), m_down=m_down, expected_data=s.expected(m_down),
                               closed_form_derived=s.derived_closed_form(bracket[1]), high_utility=high_u,
                               low_utility=low_u, information_rent=rent,
                               certificate=contract_gap(s, m_down, bracket[0], tol=tol), stats=stats)
    return draft.certified(certify_contract(value, c_lo, c_hi, p, others, n, draft, tol=tol))
