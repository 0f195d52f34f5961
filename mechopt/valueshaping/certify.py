"""The answers of paper 000's two kinds and their one certifiers: ``value_shaping``
(:class:`ValueShapingResult`, :func:`certify_value_shaping`) and ``value_shaping_contract``
(:class:`ContractResult`, :func:`certify_contract`).  Solvers (:mod:`.equilibrium`,
:mod:`.contracts`) build a draft answer and return it certified here; ``mechopt verify`` runs the
same functions on a saved answer.  Nothing here searches: the answers carry their witnesses
(profiles, brackets of the roots of scalar equations), and every check is a closed form or an
exact piecewise maximum evaluated at them.

**value_shaping.**  The witnesses are the equilibrium profile, the free-riding profile, each fixed
point's bracket [a, b] of a root of g(M) = A v(M) + B - M (:mod:`.totals`) and the bracket of the
tangent point behind the viability threshold kappa.  At a profile, each agent's best-response gain
under (11) is exact, though u_i is not concave: the solo piece peaks at m_i* (Theorem I), the linear
piece at its right end, the last piece v(x + S) - c x is concave (:func:`value_shaping_gap`); a
grid over 64 agents' whole curves cross-checks them.  Also recomputed there: m_i = m_i^max (the
first crossing), Theorem V, feasibility (Definition A) and IR (Definition B).  The status
``equilibrium`` needs the certificate verified at the profile, its total inside the largest listed
root's bracket, and that root the largest (g'(b) <= 0 with g concave; or, with no positive root
listed, A < kappa).  Every other field is bound: the solo optima and regimes (Theorem I), the
standard-FL profile (Theorem III's closed form, verified by its own exact gains), each fixed point
(root inside its bracket, its Nash check), the list complete (:meth:`.totals.TotalEquation.complete`),
kappa between its bounds, and the number of agents needed.

**value_shaping_contract.**  The witnesses are m_down (and, for ``n``, the others' total Delta) and
the bracket of the feasibility bound L.  The optimality gap of m_down over [L, m_lo^max] is bounded
by concavity of E, E(y) <= E(x) + E'(x)(y - x); both types' best-response gains, feasibility and IR
of (15) are exact piece maxima (:func:`contract_gap`).  ``assumption_violated`` is supported when
phi(m_lo^max) > phi(m_hi^max) (no m_down is feasible, :mod:`.binary_costs`).

Tolerances are relative to the answer's own scale: values to sup v, agent i's data to sup v / c_i,
totals and brackets to the total, the contract's gap to m_lo^max.  Multiplying every value and
cost by one factor changes no verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.verdict import Basis, Check, Verdict, bind, close, equal, judge, shown, tolerance, witness
from mechopt.valueshaping.binary_costs import BinaryCosts, check_binary_costs
from mechopt.valueshaping.curve import first_crossing, piecewise_value
from mechopt.valueshaping.solo import REGIMES, best_aggregate_deviation, check_costs, solo_contributions
from mechopt.valueshaping.totals import (ROUNDING, TotalEquation, free_riding_profile, kappa_bounds, min_agents,
                                         profile_from_total)
from mechopt.valueshaping.value import ValueOfData

VALUE_TOL = 1e-9
"""Largest best-response gain (and any value residual) accepted, relative to sup v; brackets of
totals may be this wide relative to the total."""
CONTRACT_TOL = 1e-7
"""Largest optimality gap of E (relative to m_lo^max) and value residual (relative to sup v) accepted."""
SAMPLE_AGENTS = 64
"""Agents whose whole utility curve is also searched on a grid (evenly spread over the agents, with
the lowest- and highest-cost ones)."""
SAMPLE_POINTS = 2049
"""Grid points per sampled agent."""
MAX_FIXED_POINTS = 3
"""Most fixed points a value-shaping answer can list (two positive roots of a concave g, and zero)."""


# --- value shaping: the answer ---------------------------------------------------------------------

@dataclass(frozen=True)
class GapCertificate(Serializable):
    """Best-response gains of every agent at ``point`` under mechanism ``mechanism``."""

    kind: str
    """"value_shaping_gap" ((11)) or "free_riding_gap" ((8))."""
    mechanism: str
    """"value_shaping" or "standard_fl"."""
    point: np.ndarray
    gains: np.ndarray
    """Exact best-response gains (piece maxima under concavity of b where v > 0) per agent, >= 0."""
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
    tol: float
    nash_verified: bool
    """Every gain within tol * scale + rounding, the samples below the bounds, feasible, IR."""
    verified: bool
    """nash_verified, and for value shaping also m = m^max (data_gap <= 10 tol) and Theorem V."""


@dataclass(frozen=True)
class ValueShapingEquilibrium(Serializable):
    """The data-maximizing equilibrium of (11) as found: ``profile`` is the best profile whatever
    the status (the answer's status says whether it is established)."""

    kind: str
    profile: np.ndarray
    utilities: np.ndarray
    """[M(m)]_i - c_i m_i."""
    values: np.ndarray
    """[M(m)]_i, the model value each agent receives (v(M) at m^max)."""
    certificate: GapCertificate


@dataclass(frozen=True)
class FixedPoint(Serializable):
    """One fixed point of the total, a root of g(M) = A v(M) + B - M, checked as an equilibrium of (11)."""

    total: float
    bracket: tuple[float, float]
    """[a, b] holding the root: g of both signs at its ends, b - a <= tol * b ([0, 0]: the zero profile)."""
    verified: bool
    """The profile m(total) is a Nash equilibrium of (11) (its gap certificate's nash_verified)."""
    max_gain: float


@dataclass(frozen=True)
class ValueShapingResult(Answer):
    """Solo optima, the free-riding equilibrium of (8), the data-maximizing equilibrium of (11)
    with every fixed point, and viability (000 Sections 2-4)."""

    kind: str
    status: Status
    message: str
    solo: np.ndarray
    """m_i* of Theorem I."""
    solo_utilities: np.ndarray
    regimes: list[str]
    free_riding: np.ndarray
    """The standard-FL equilibrium of Theorem III (only the lowest-cost agent contributes)."""
    free_riding_total: float
    free_riding_certificate: GapCertificate
    equilibrium: ValueShapingEquilibrium
    total_data: float
    """sum_i m_i of the equilibrium profile."""
    equilibria: list[FixedPoint]
    """Every fixed point (largest first): the data-maximizing one, the unstable middle one, and the
    zero profile when every m_i* = 0 (Remark 3)."""
    viability_threshold: float
    """kappa = inf_M M / (v(M) - v(0)): with every m_i* = 0, a positive equilibrium exists iff
    sum 1/(c_i + eps) >= kappa."""
    tangent: tuple[float, float]
    """Bracket of the tangent point b(M) = M b'(M) behind kappa ([0, 0] when m0 = 0: kappa = 1/b'(0))."""
    min_viable_agents: int | None
    """Smallest k such that the k lowest-cost agents alone sustain a positive total (None: not even all n)."""
    epsilon: float
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def certificate(self) -> GapCertificate:
        return self.equilibrium.certificate

    @property
    def profile(self) -> np.ndarray:
        return self.equilibrium.profile


VALUE_SHAPING_UNCHECKED = ("message", "stats")
"""Value-shaping answer fields no evidence binds: free text and the solver's statistics."""


# --- value shaping: evidence at a profile -----------------------------------------------------------

def _sample_indices(c: np.ndarray) -> np.ndarray:
    k = min(SAMPLE_AGENTS, c.size)
    spread = np.linspace(0, c.size - 1, k).round().astype(int)
    return np.unique(np.concatenate([spread, [int(np.argmin(c)), int(np.argmax(c))]]))


def _rounding(*terms: np.ndarray | float) -> np.ndarray:
    return ROUNDING * sum(np.abs(t) for t in terms)  # type: ignore[return-value]


class Evidence:
    """What a value-shaping certificate needs of one model at one tolerance, computed once: the
    solo optima (Theorem I), b'^-1(c_i), the equation of the total, and the gap certificates of
    the profiles asked for (kept by profile).  A solver builds its draft from one and hands it to
    :func:`certify_value_shaping`, which reuses it for the same model and tolerance."""

    def __init__(self, value: ValueOfData, costs: np.ndarray, eps: float, tol: float) -> None:
        c = check_costs(costs)
        if not (np.isfinite(eps) and eps >= 0):
            raise ValueError(f"epsilon: must be a finite number >= 0, got {eps!r}")
        self.value, self.costs, self.eps, self.tol = value, c, float(eps), float(tol)
        self.stationary = value.inverse_slope(c)
        self.solo, self.solo_utilities, self.regimes = solo_contributions(value, c, self.stationary)
        self.v_solo = value.v(self.solo)
        self.equation = TotalEquation.of(value, c, self.eps, self.solo, self.v_solo)
        self.sampled = _sample_indices(c)
        self.regime_names = np.asarray(REGIMES)[self.regimes].tolist()
        self._known: list[tuple[str, GapCertificate, np.ndarray | None]] = []

    def answers(self, value: ValueOfData, costs: np.ndarray, eps: float, tol: float) -> bool:
        """This evidence is for the model (value, costs, eps) at ``tol``."""
        return (value is self.value and eps == self.eps and tol == self.tol
                and np.array_equal(np.asarray(costs, float), self.costs))

    @property
    def n(self) -> int:
        return self.costs.size

    def profile(self, M: float) -> np.ndarray:
        """Every agent at its m_i^max when the total is M (:func:`~.totals.profile_from_total`)."""
        return profile_from_total(self.value, self.costs, self.eps, self.solo, M, self.v_solo)

    def _computed(self, mechanism: str, m: np.ndarray) -> tuple[GapCertificate, np.ndarray | None]:
        for name, cert, values in self._known:
            if name == mechanism and np.array_equal(cert.point, m):
                return cert, values
        if mechanism == "value_shaping":
            cert, values = value_shaping_gap(self, m)
        else:
            cert, values = free_riding_gap(self, m), None
        self._known.append((mechanism, cert, values))
        return cert, values

    def gap(self, mechanism: str, m: np.ndarray) -> GapCertificate:
        """The gap certificate of profile ``m`` under (11) ("value_shaping") or (8) ("standard_fl")."""
        return self._computed(mechanism, m)[0]

    def values(self, m: np.ndarray) -> np.ndarray:
        """[M(m)]_i of (11) at the profile m."""
        values = self._computed("value_shaping", m)[1]
        assert values is not None
        return values


def value_shaping_gap(ev: Evidence, m: np.ndarray) -> tuple[GapCertificate, np.ndarray]:
    """Check a profile m as an m^max equilibrium of (11), from the model alone (module doc); and
    the values [M(m)]_i it is computed from."""
    value, c, eps, tol, R = ev.value, ev.costs, ev.eps, ev.tol, ev.value.sup
    m_star, u_star = ev.solo, ev.solo_utilities
    ce = c + eps
    M = float(np.sum(m))
    S = M - m
    top = first_crossing(value, m_star, ce, S, guess=m, v_star=ev.v_solo)
    got = piecewise_value(value, m, m_star, ce, top, S, ev.v_solo)
    u = got - c * m
    vM = float(value.v(M))
    line_end = np.where(top > m_star, u_star + eps * (top - m_star), u_star)  # the linear piece's maximum
    last, _ = best_aggregate_deviation(value, c, S, top, ev.stationary)  # the concave last piece's
    gains = np.maximum(np.maximum(u_star, line_end), last) - u
    slack = tol * R + _rounding(u, got, c * m, vM)
    # the curve is feasible before the crossing: h(m*) <= 0 and h convex after (curve.first_crossing)
    h_start = ev.v_solo - value.v(m_star + S)
    curve_ok = (top <= m_star) | ((m_star + S >= value.m0) & (h_start <= slack))
    feas = float(np.max(np.where(curve_ok, got - vM, np.inf), initial=-np.inf)) / R
    ir = float(np.max(value.v(m) - got, initial=-np.inf)) / R
    idx = ev.sampled
    found = np.empty(idx.size)
    for k, i in enumerate(idx):
        x = np.union1d(np.linspace(0.0, max(m[i], top[i]) + 2.0 * R / c[i], SAMPLE_POINTS), [m_star[i], top[i], m[i]])
        curve = piecewise_value(value, x, m_star[i], ce[i], top[i], S[i])
        found[k] = float(np.max(curve - c[i] * x)) - u[i]
        feas = max(feas, float(np.max(curve - value.v(x + S[i]))) / R)
        ir = max(ir, float(np.max(value.v(x) - curve)) / R)
    data_gap = float(np.max(np.abs(m - top) * c, initial=0.0)) / R
    thm5 = float(np.max(np.abs(u - u_star - eps * (m - m_star)), initial=0.0)) / R
    within = bool(np.all(gains <= slack)) and bool(np.all(found <= gains[idx] + slack[idx]))
    nash_ok = within and feas <= tol and ir <= tol
    verified = nash_ok and data_gap <= 10 * tol and thm5 <= tol
    gains = np.maximum(gains, 0.0)
    return GapCertificate("value_shaping_gap", "value_shaping", m, gains, float(np.max(gains, initial=0.0)), idx,
                          np.maximum(found, 0.0), R, data_gap, thm5, feas, ir, tol, nash_ok, verified), got


def free_riding_gap(ev: Evidence, m: np.ndarray) -> GapCertificate:
    """Check a profile as an equilibrium of standard FL (8): gains of v(x + S) - c x, exactly."""
    value, c, tol, R = ev.value, ev.costs, ev.tol, ev.value.sup
    M = float(np.sum(m))
    S = M - m
    vM = float(value.v(M))
    u = vM - c * m
    best, _ = best_aggregate_deviation(value, c, S, np.zeros_like(c), ev.stationary)
    gains = best - u
    slack = tol * R + _rounding(u, c * m, vM)
    idx = ev.sampled
    found = np.empty(idx.size)
    for k, i in enumerate(idx):
        x = np.union1d(np.linspace(0.0, m[i] + 2.0 * R / c[i], SAMPLE_POINTS), [m[i]])
        found[k] = float(np.max(value.v(x + S[i]) - c[i] * x)) - u[i]
    ok = bool(np.all(gains <= slack)) and bool(np.all(found <= gains[idx] + slack[idx]))
    gains = np.maximum(gains, 0.0)
    return GapCertificate("free_riding_gap", "standard_fl", m, gains, float(np.max(gains, initial=0.0)), idx,
                          np.maximum(found, 0.0), R, 0.0, 0.0, 0.0, 0.0, tol, ok, ok)


def _profile_argument(m: np.ndarray, n: int, name: str) -> np.ndarray:
    m = np.asarray(m, float)
    if m.shape != (n,) or not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"{name}: expected {n} finite contributions >= 0, got shape {m.shape}")
    return m


def value_shaping_certificate(value: ValueOfData, costs: np.ndarray, m: np.ndarray, *, eps: float = 0.0,
                              tol: float = VALUE_TOL) -> GapCertificate:
    """The gap certificate of a profile m under (11) (:func:`value_shaping_gap`)."""
    ev = Evidence(value, costs, eps, tol)
    return ev.gap("value_shaping", _profile_argument(m, ev.n, "profile"))


def free_riding_certificate(value: ValueOfData, costs: np.ndarray, m: np.ndarray, *, tol: float = VALUE_TOL
                            ) -> GapCertificate:
    """The gap certificate of a profile m under standard FL (8) (:func:`free_riding_gap`)."""
    ev = Evidence(value, costs, 0.0, tol)
    return ev.gap("standard_fl", _profile_argument(m, ev.n, "free_riding"))


# --- value shaping: the certifier -------------------------------------------------------------------

def contributions(x: np.ndarray, n: int, field: str) -> np.ndarray:
    """``x`` as a profile of n agents: shape (n,), finite, >= 0; else a clear error naming the field."""
    x = np.asarray(x, dtype=float)
    if x.shape != (n,):
        raise MalformedAnswer(f"{field}: expected {n} contributions (one per agent), got shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise MalformedAnswer(f"{field}: contributions must be finite numbers >= 0")
    return x


def gap_checks(prefix: str, claimed: GapCertificate, cert: GapCertificate, verifier_tol: float) -> list[Check]:
    """Every field of a claimed gap certificate against the one recomputed at the same point:
    values to rounding (256 eps) of sup v, relative gaps to 1e-9, flags and descriptors exactly,
    the claimed tolerance no looser than the verifier's."""
    R = cert.scale
    return [
        equal(f"{prefix}.kind", claimed.kind, cert.kind),
        equal(f"{prefix}.mechanism", claimed.mechanism, cert.mechanism),
        equal(f"{prefix}.point", claimed.point, cert.point),
        bind(f"{prefix}.gains", claimed.gains, cert.gains, rtol=ROUNDING, scale=R),
        bind(f"{prefix}.max_gain", claimed.max_gain, cert.max_gain, rtol=ROUNDING, scale=R),
        equal(f"{prefix}.sampled_agents", claimed.sampled_agents, cert.sampled_agents),
        bind(f"{prefix}.found_gains", claimed.found_gains, cert.found_gains, rtol=ROUNDING, scale=R),
        bind(f"{prefix}.scale", claimed.scale, cert.scale),
        *(bind(f"{prefix}.{name}", getattr(claimed, name), getattr(cert, name), scale=1.0)
          for name in ("data_gap", "theorem_v_gap", "feasibility_gap", "ir_gap")),
        tolerance(f"{prefix}.tol", claimed.tol, verifier_tol),
        equal(f"{prefix}.nash_verified", claimed.nash_verified, cert.nash_verified),
        equal(f"{prefix}.verified", claimed.verified, cert.verified),
    ]


def _fixed_point_checks(ev: Evidence, k: int, point: FixedPoint) -> list[Check]:
    """The k-th listed fixed point: its total inside its bracket, the bracket a root of g (or the
    zero profile's [0, 0]), and its Nash check recomputed at m(total)."""
    eq, where = ev.equation, f"equilibria[{k}]"
    a, b = point.bracket
    M = point.total
    if a == b == 0.0:
        holds = eq.floor == 0.0
    else:
        holds = eq.holds_root((a, b), ev.tol)
    inside = bool(np.isfinite(M) and a <= M <= b)
    checks = [Check(f"{where}.bracket", [a, b], "a root of g(M) = A v(M) + B - M" if holds else "not a root's bracket",
                    holds),
              Check(f"{where}.total", M, f"in [{a:.17g}, {b:.17g}]", inside)]
    if inside and (M == 0.0 or M >= eq.lower):  # below L no total is a fixed point
        cert = ev.gap("value_shaping", ev.profile(M))
        checks += [equal(f"{where}.verified", point.verified, cert.nash_verified),
                   bind(f"{where}.max_gain", point.max_gain, cert.max_gain, rtol=ROUNDING, scale=cert.scale)]
    else:
        checks += [Check(f"{where}.verified", point.verified, None, False),
                   Check(f"{where}.max_gain", point.max_gain, None, False)]
    return checks


def _listed_roots(points: list[FixedPoint]) -> tuple[list[tuple[float, float]], bool]:
    """The brackets of the positive roots listed, and whether the zero profile is listed."""
    positive = [p.bracket for p in points if p.bracket != (0.0, 0.0)]
    return positive, len(positive) < len(points)


def _largest(ev: Evidence, points: list[FixedPoint], kappa_floor: float) -> bool:
    """The first listed fixed point is the largest: a root's bracket with g'(b) <= 0 (no root
    beyond it, g concave), or the zero profile with A < kappa_floor <= kappa (no positive root)."""
    if not points:
        return False
    eq = ev.equation
    a, b = points[0].bracket
    if a == b == 0.0:
        return eq.floor == 0.0 and eq.A < kappa_floor
    return eq.holds_root((a, b), ev.tol) and eq.decreasing_after(b)


def _basis(value: ValueOfData) -> tuple[Basis, str]:
    text = ("each agent's utility under (11) is piecewise (the solo piece peaks at m_i* by Theorem I, the linear "
            "piece at its right end, the last piece v(x + S) - c x is concave), so the piece maxima are exact "
            "best-response gains (a grid over 64 agents cross-checks them); the total is a root of the concave "
            "g(M) = A v(M) + B - M inside its bracket, the largest by g'(b) <= 0 (or by A < kappa when only zero is "
            "listed), and the list of fixed points is complete by concavity; kappa lies between the bounds its "
            "tangent bracket gives; standard FL's gains of the concave v(x + S) - c x are exact")
    if value.closed_form:
        return Basis.PROOF, f"proof, {value.proof}: {text}"
    return Basis.DECLARED_ASSUMPTION, f"assumption: {value.proof}, not proven for this family; under it, {text}"


def certify_value_shaping(value: ValueOfData, costs: np.ndarray, eps: float, answer: ValueShapingResult, *,
                          tol: float = VALUE_TOL, evidence: Evidence | None = None) -> Verdict:
    """The verdict on a value-shaping answer (the one judge of the ``value_shaping`` kind; module
    doc).  ``evidence``: an :class:`Evidence` of this model at this ``tol`` already computed in
    this process (a solver's), used instead of computing it again."""
    ev = evidence if evidence is not None and evidence.answers(value, costs, eps, tol) else Evidence(value, costs, eps, tol)
    n, c, R = ev.n, ev.costs, value.sup
    eq = ev.equation
    profile = contributions(answer.equilibrium.profile, n, "equilibrium.profile")
    fr = contributions(answer.free_riding, n, "free_riding")
    cert, fr_cert = ev.gap("value_shaping", profile), ev.gap("standard_fl", fr)
    closed = free_riding_profile(c, ev.solo)
    fr_ok = fr_cert.verified and close(fr, closed, rtol=ROUNDING)
    eq_claim = answer.equilibrium
    total = float(np.sum(profile))
    values = ev.values(profile)
    checks = [
        equal("kind", answer.kind, "value_shaping"),
        equal("epsilon", answer.epsilon, float(eps)),
        bind("solo", answer.solo, ev.solo, rtol=ROUNDING),
        bind("solo_utilities", answer.solo_utilities, ev.solo_utilities, rtol=ROUNDING, scale=R),
        Check("regimes", answer.regimes[:8], ev.regime_names[:8], answer.regimes == ev.regime_names),
        Check("free_riding", shown(fr), f"Theorem III's profile {shown(closed)}, verified", fr_ok),
        bind("free_riding_total", answer.free_riding_total, float(np.sum(fr)), rtol=ROUNDING),
        *gap_checks("free_riding_certificate", answer.free_riding_certificate, fr_cert, tol),
        equal("equilibrium.kind", eq_claim.kind, "value_shaping_equilibrium"),
        witness("equilibrium.profile", profile),
        bind("equilibrium.values", eq_claim.values, values, rtol=ROUNDING, scale=R),
        bind("equilibrium.utilities", eq_claim.utilities, values - c * profile, rtol=ROUNDING, scale=R),
        *gap_checks("equilibrium.certificate", eq_claim.certificate, cert, tol),
        bind("total_data", answer.total_data, total, rtol=ROUNDING),
    ]
    # every fixed point, the list complete, the largest first
    points = answer.equilibria[:MAX_FIXED_POINTS]
    for k, point in enumerate(points):
        checks += _fixed_point_checks(ev, k, point)
    bounds = kappa_bounds(value, answer.tangent, tol)
    kappa = answer.viability_threshold
    kappa_ok = bounds is not None and bounds[0] * (1 - tol) <= kappa <= bounds[1] * (1 + tol)
    kappa_floor = bounds[0] * (1 - tol) if bounds is not None and kappa_ok else -np.inf  # kappa >= it, rounding aside
    roots, zero_listed = _listed_roots(points)
    ordered = all(p.total > q.total for p, q in zip(points, points[1:]))
    complete = len(answer.equilibria) <= MAX_FIXED_POINTS and ordered and eq.complete(roots, zero_listed, kappa_floor)
    largest = _largest(ev, points, kappa_floor)
    lo_top, hi_top = points[0].bracket if points else (np.nan, np.nan)
    in_top = bool(lo_top - eq.rounding(lo_top) <= total <= hi_top + eq.rounding(hi_top))
    checks += [
        Check("equilibria", [p.total for p in answer.equilibria[:8]],
              "every root of g on [L, inf), largest first" + ("" if complete else ": not shown complete"), complete),
        Check("tangent", list(answer.tangent), "a bracket of b(M) = M b'(M)" if bounds is not None else "not a bracket",
              bounds is not None),
        Check("viability_threshold", kappa, None if bounds is None else list(bounds), bool(kappa_ok)),
        equal("min_viable_agents", answer.min_viable_agents, min_agents(kappa, c, float(eps), eq.floor)),
    ]
    if answer.status is Status.FAILED:
        supported = Status.FAILED
    elif cert.verified and largest and in_top:
        supported = Status.EQUILIBRIUM
    else:
        supported = Status.UNVERIFIED
    basis, text = _basis(value)
    return judge("value_shaping", answer.status, supported, checks, basis, text, tol, VALUE_SHAPING_UNCHECKED)


# --- the contract under private binary costs ----------------------------------------------------------

@dataclass(frozen=True)
class ContractCertificate(Serializable):
    """Optimality of m_down for (22) and the equilibrium of (15) it induces."""

    kind: str
    m_down: float
    derivative: float
    """E'(m_down)."""
    gap_bound: float
    """Upper bound on max E - E(m_down) over the feasible [L, m_lo^max], relative to m_lo^max."""
    gains: tuple[float, float]
    """(high type at m_up, low type at m_down) best-response gains under (15), relative to sup v."""
    feasibility_gap: float
    """max over x of [M(x)]_i - v(x + Delta), relative to sup v (<= tol: Definition A)."""
    ir_gap: float
    """max over x of v(x) - [M(x)]_i, relative to sup v (<= tol: Definition B)."""
    tol: float
    verified: bool


@dataclass(frozen=True)
class ContractResult(Answer):
    """The optimal (m_up, m_down) of (22) for one agent of unknown binary cost (000 Appendix D).
    The point is present whenever (15) is feasible for some m_down; it is None only when the
    status is ``assumption_violated`` (no feasible m_down)."""

    kind: str
    status: Status
    message: str
    p_low: float
    cost_low: float
    cost_high: float
    others: float
    """Delta = sum_{j != i} m_j used (given, or the symmetric fixed point Delta = (n - 1) E)."""
    others_mode: str
    solo_low: float
    solo_high: float
    m_max_low: float
    m_max_high: float
    feasible_lower: float | None
    """L >= m_hi^max: the smallest m_down for which (15) is feasible (None: none is)."""
    feasible_lower_bracket: tuple[float, float] | None
    """[a, L] with (15) infeasible at a and feasible at L ([L, L] when L = m_hi^max)."""
    m_down_cvxpy: float | None
    """cvxpy's m_down for (22) (a cross-check of the declared program; not evidence)."""
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
    verdict: Verdict | None = verdict_field()


CONTRACT_UNCHECKED = ("message", "m_down_cvxpy", "stats")
"""Contract answer fields no evidence binds: free text, cvxpy's own point and the statistics."""
_POINT_FIELDS = ("m_up", "m_down", "expected_data", "high_utility", "low_utility", "information_rent", "certificate")


def _pieces_max(f, points: list[float]) -> float:  # type: ignore[no-untyped-def]
    return max(float(f(np.array([x]))[0]) for x in points)


def contract_gap(s: BinaryCosts, m_down: float, lower: float, *, tol: float = CONTRACT_TOL) -> ContractCertificate:
    """Check m_down against (22) over [lower, m_lo^max] and the equilibrium of (15) it induces,
    exactly: E concave bounds the gap by E'(x) (module doc); each piece of (15) is v (x <= m_hi*),
    a line, a line, v(. + Delta), and on each the maximum of a utility, of [M]_i - v(x + Delta) and
    of v(x) - [M]_i sits at an end, at the kink m0 - Delta of v(. + Delta), at the stationary point
    b'^-1(c) or (last piece) at the clipped stationary point."""
    _, hi = s.bounds
    value, R, D = s.value, s.value.sup, s.delta
    if not (np.isfinite(m_down) and lower - tol * hi <= m_down <= hi + tol * hi):
        inf = float("inf")
        return ContractCertificate("contract_gap", m_down, float("nan"), inf, (inf, inf), inf, inf, tol, False)
    x = float(np.clip(m_down, lower, hi))
    d = s.derivative(x)
    gap = (max(0.0, d) * (hi - x) + max(0.0, -d) * (x - lower)) / max(hi, 1e-300)
    _, mh, _, _ = s.solos
    m_up = s.m_up(x)
    start = max(mh, m_up)  # the c_lo-line's piece is [start, x]
    kink, m0 = value.m0 - D, value.m0
    alpha_hi, alpha_lo = (float(a) for a in value.inverse_slope(np.array([s.c_hi, s.c_lo])))
    mech = lambda y: s.mechanism_15(x, y)  # noqa: E731
    clip = lambda a, lo, up: float(np.clip(a, lo, max(lo, up)))  # noqa: E731
    # feasibility (Definition A): pieces 2 and 3; pieces 1 and 4 are below v(. + Delta) as v is non-decreasing
    feas_points = [mh, m_up, clip(kink, mh, m_up)] if m_up > mh else []
    feas_points += [start, x, clip(kink, start, x)]
    feas = _pieces_max(lambda y: mech(y) - value.v(y + D), feas_points) / R
    # IR (Definition B): v(y) - c y is decreasing below m0 and concave above it, peaking at b'^-1(c)
    ir_points = [mh, m_up, clip(alpha_hi, max(mh, m0), m_up)] if m_up > mh else []
    ir_points += [start, x, clip(alpha_lo, max(start, m0), x)]
    ir = max(0.0, _pieces_max(lambda y: value.v(y) - mech(y), ir_points)) / R
    gains = []
    for c, own, alpha in ((s.c_hi, m_up, alpha_hi), (s.c_lo, x, alpha_lo)):
        at = float(mech(np.array([own]))[0]) - c * own
        points = [0.0, mh, clip(alpha, m0, mh), m_up, start, x]
        last, _ = best_aggregate_deviation(value, np.array(c), np.array(D), np.array(x))
        best = max(_pieces_max(lambda y: mech(y) - c * y, points), float(last))  # noqa: B023
        gains.append(max(best - at, 0.0) / R)
    g = (gains[0], gains[1])
    ok = gap <= tol and max(g) <= tol and feas <= tol and ir <= tol
    return ContractCertificate("contract_gap", m_down, d, gap, g, feas, ir, tol, bool(ok))


def lower_bracket_holds(s: BinaryCosts, bracket: tuple[float, float] | None, tol: float) -> bool:
    """[a, L] brackets the feasibility bound (:mod:`.binary_costs`): [m_hi^max, m_hi^max] when phi
    peaks at or before m_hi^max; else x_hat <= a <= L <= m_lo^max, L - a <= tol m_lo^max, phi(a) >=
    phi(m_hi^max) >= phi(L) (up to rounding)."""
    if bracket is None:
        return False
    a, b = bracket
    lo, hi = s.bounds
    if s.peak <= lo:
        return a == b == lo
    if not (np.isfinite(a) and np.isfinite(b) and max(s.peak, lo) <= a <= b <= hi and b - a <= tol * hi):
        return False
    target = s.phi(lo)
    return s.phi(a) >= target - s.rounding(a) and s.phi(b) <= target + s.rounding(b)


def _others(answer: ContractResult) -> float:
    delta = answer.others
    if not (np.isfinite(delta) and delta >= 0):
        raise MalformedAnswer(f"others: must be a finite number >= 0, got {delta!r}")
    return float(delta)


def certify_contract(value: ValueOfData, c_lo: float, c_hi: float, p: float, others: float | None, n: int | None,
                     answer: ContractResult, *, tol: float = CONTRACT_TOL) -> Verdict:
    """The verdict on a contract answer (the one judge of ``value_shaping_contract``; module doc).
    ``others``: the others' total as the model gives it; None with ``n``: the answer's ``others``
    is the witness, checked as a symmetric fixed point Delta = (n - 1) E(m_down)."""
    check_binary_costs(c_lo, c_hi, p)
    symmetric = others is None
    delta = _others(answer) if symmetric else float(others)  # type: ignore[arg-type]
    s = BinaryCosts(value, c_lo, c_hi, p, delta)
    lo, hi = s.bounds
    ml, mh, _, _ = s.solos
    R, scale = value.sup, max(hi, 1e-300)
    mode = f"symmetric fixed point, n = {n}" if symmetric else "given"
    checks = [equal("kind", answer.kind, "value_shaping_contract"),
              equal("p_low", answer.p_low, float(p)), equal("cost_low", answer.cost_low, float(c_lo)),
              equal("cost_high", answer.cost_high, float(c_hi)), equal("others_mode", answer.others_mode, mode),
              *(bind(name, getattr(answer, name), ref, rtol=ROUNDING, scale=scale) for name, ref in
                (("solo_low", ml), ("solo_high", mh), ("m_max_low", hi), ("m_max_high", lo),
                 ("closed_form_paper", s.paper_closed_form())))]
    if not symmetric:
        checks.append(equal("others", answer.others, delta))
    if s.infeasible():
        supported = Status.ASSUMPTION_VIOLATED
        checks += [equal(name, getattr(answer, name), None) for name in ("feasible_lower", "feasible_lower_bracket",
                                                                        *_POINT_FIELDS)]
        checks.append(bind("closed_form_derived", answer.closed_form_derived, s.derived_closed_form(None),
                           rtol=ROUNDING, scale=scale))
        if symmetric:
            checks.append(Check("others", delta, "a symmetric fixed point (none: (15) infeasible)", False))
    else:
        bracket = answer.feasible_lower_bracket
        lower_ok = lower_bracket_holds(s, bracket, tol)
        a, L = bracket if bracket is not None else (lo, lo)
        checks += [Check("feasible_lower_bracket", None if bracket is None else list(bracket),
                         "phi(a) >= phi(m_hi^max) >= phi(L), L - a <= tol m_lo^max", lower_ok),
                   equal("feasible_lower", answer.feasible_lower, float(L)),
                   bind("closed_form_derived", answer.closed_form_derived, s.derived_closed_form(L), rtol=ROUNDING,
                        scale=scale)]
        m_down = answer.m_down
        if m_down is None or answer.certificate is None:
            supported = Status.UNVERIFIED
            checks.append(Check("m_down", m_down, "a point of (22): (15) is feasible", False))
        else:
            cert = contract_gap(s, m_down, a, tol=tol)
            claimed = answer.certificate
            high_u, low_u, rent = s.utilities(m_down)
            fixed = True
            if symmetric:
                residual = abs(delta - (n - 1) * s.expected(m_down))  # type: ignore[operator]
                fixed = residual <= tol * max(delta, scale)
                checks.append(Check("others", delta, f"(n - 1) E = {(n - 1) * s.expected(m_down):.17g}", bool(fixed)))  # type: ignore[operator]
            checks += [
                witness("m_down", m_down),
                bind("m_up", answer.m_up, s.m_up(m_down), rtol=ROUNDING, scale=scale),
                bind("expected_data", answer.expected_data, s.expected(m_down), rtol=ROUNDING, scale=scale),
                bind("high_utility", answer.high_utility, high_u, rtol=ROUNDING, scale=R),
                bind("low_utility", answer.low_utility, low_u, rtol=ROUNDING, scale=R),
                bind("information_rent", answer.information_rent, rent, rtol=ROUNDING, scale=R),
                equal("certificate.kind", claimed.kind, cert.kind),
                equal("certificate.m_down", claimed.m_down, m_down),
                bind("certificate.derivative", claimed.derivative, cert.derivative, scale=1.0),
                bind("certificate.gap_bound", claimed.gap_bound, cert.gap_bound, scale=1.0),
                bind("certificate.gains", list(claimed.gains), list(cert.gains), scale=1.0),
                bind("certificate.feasibility_gap", claimed.feasibility_gap, cert.feasibility_gap, scale=1.0),
                bind("certificate.ir_gap", claimed.ir_gap, cert.ir_gap, scale=1.0),
                tolerance("certificate.tol", claimed.tol, tol),
                equal("certificate.verified", claimed.verified, cert.verified),
            ]
            supported = Status.OPTIMAL if cert.verified and lower_ok and fixed else Status.UNVERIFIED
    if answer.status is Status.FAILED:
        supported = Status.FAILED
    basis = ("proof: E(m_down) = (1 - p) m_up + p m_down is concave (b concave), so E'(m_down) bounds the gap to "
             "the optimum over [L, m_lo^max] (L bracketed by phi(x) = v(x + Delta) - c_lo x); each type's gain, "
             "feasibility and IR under (15) are exact piece maxima; infeasibility of every m_down is "
             "phi(m_lo^max) > phi(m_hi^max)")
    if not value.closed_form:
        return judge("value_shaping_contract", answer.status, supported, checks, Basis.DECLARED_ASSUMPTION,
                     f"assumption: {value.proof}; under it, {basis}", tol, CONTRACT_UNCHECKED)
    return judge("value_shaping_contract", answer.status, supported, checks, Basis.PROOF, f"{basis} ({value.proof})",
                 tol, CONTRACT_UNCHECKED)
