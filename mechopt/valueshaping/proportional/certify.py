"""The answer of the ``baseline_equilibrium`` kind and its one certifier: an equilibrium of PD (12),
PV (13) or PS (14), symmetric within each cost type, with a proof that no agent gains by deviating.

The witness is the profile: one contribution per cost type and whether the type trains alone
(``left``: its data is not collected; Definition B's outside option).  At it, for each type, the
certifier bounds the best deviation from above, from the model alone:

* a participating agent may contribute any x >= 0 (:class:`~.deviation.Deviation`: the piece where
  it is penalized by branch and bound with monotone and second-order bounds, the piece above the
  others' largest contribution exactly by concavity) or leave for its solo utility u* (Theorem I);
* an agent that left may join with any x >= 0 against the participants.

The profile is an equilibrium when every type's upper bound exceeds its utility by at most
``tol * sup v``.  With one cost type the certifier also decides ``largest``: no symmetric profile
m' > m (1 + LARGEST_RTOL) is an equilibrium.  On (m (1 + LARGEST_RTOL), (sup v - u*) / c] (above it
u(m') < u*) intervals [a, b] are split until each is excluded by an upper bound of a necessary
condition: individual rationality, v(n b) - c a < u*, or the local condition at the kink,
p psi'(m')/psi(m') v(n m') + v'(n m'^-) < c (a small cut downwards pays; psi' and v' bounded above,
psi below, by monotonicity and concavity).  Above that range IR fails.  With several cost types
``largest`` is never established here: docs/valueshaping.md argues the enumeration of families.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, tolerance, witness
from mechopt.valueshaping.proportional.deviation import MECHANISMS, Contribution, Deviation, kink_slope
from mechopt.valueshaping.solo import check_costs, solo_contributions
from mechopt.valueshaping.value import ValueOfData

BASELINE_TOL = 1e-9
"""Largest best-deviation gain accepted, relative to sup v."""
RESOLUTION = 1 / 16
"""The branch and bound stops when its bounds are within RESOLUTION * tol * sup v."""
LARGEST_RTOL = 1e-6
"""``largest``: no symmetric equilibrium above m (1 + LARGEST_RTOL) (or above LARGEST_RTOL sup v / c at m = 0)."""
EXCLUSION_ROUNDS = 80
FINEST = 1e-11
"""Relative width below which an interval the bounds cannot exclude is returned as a candidate."""
EXCLUSION_INTERVALS = 256
UNCHECKED = ("message", "stats")


@dataclass(frozen=True)
class BaselineCertificate(Serializable):
    """Each cost type's best deviation at the profile, bounded from both sides."""

    kind: str
    gains: np.ndarray
    """Upper bound of the best deviation's utility minus the type's utility (>= 0), per type."""
    found: np.ndarray
    """The best deviation found (a lower bound of the best deviation's gain), per type."""
    deviations: np.ndarray
    """Where it was found (x >= 0; -1 means leaving to train alone), per type."""
    max_gain: float
    scale: float
    """sup v: gains are compared at tol * scale."""
    tol: float
    verified: bool


@dataclass(frozen=True)
class BaselineResult(Answer):
    """An equilibrium of PD, PV or PS ((12)-(14)) symmetric within each cost type."""

    kind: str
    status: Status
    message: str
    mechanism: str
    p: float
    costs: np.ndarray
    """The distinct marginal costs, ascending (one per type)."""
    counts: np.ndarray
    """Agents of each type."""
    contributions: np.ndarray
    """m_t of every agent of type t (0 for a type that left)."""
    left: list[bool]
    """Type t trains alone (its data is not collected)."""
    total: float
    """sum_t counts_t m_t over the types that participate: the data collected."""
    utilities: np.ndarray
    """Each type's utility at the profile ([M]_i - c_t m_t, or u*_t when it left)."""
    solo_utilities: np.ndarray
    """u*_t of Theorem I (the outside option)."""
    largest: bool
    """With one cost type: no symmetric equilibrium contributes more (proved by exclusion)."""
    certificate: BaselineCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()


def cost_types(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct costs ascending and how many agents have each."""
    c = check_costs(costs)
    types, counts = np.unique(c, return_counts=True)
    return types, counts.astype(np.int64)


def check_problem(mechanism: str, p: float, types: np.ndarray) -> None:
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {MECHANISMS}, got {mechanism!r}")
    if not (np.isfinite(p) and 0 <= p <= 1):
        raise ValueError(f"p: must lie in [0, 1] ((12)-(14)), got {p!r}")
    if mechanism == "PS" and types.size > 1:
        raise ValueError("cost.slope: PS uses C.2's Shapley value for identical others; give one cost for all agents")


def _deviation(value: ValueOfData, mechanism: str, n: int, p: float, c: float, S: float, M: float) -> Deviation:
    """Agent i's problem when the others' total is S and their largest contribution M."""
    psi = Contribution(mechanism, value, n, M)
    return Deviation(psi, p, c, S, float(psi.psi(np.array(M))), M)


def profile_utilities(value: ValueOfData, mechanism: str, p: float, types: np.ndarray, counts: np.ndarray,
                      m: np.ndarray, left: np.ndarray, u_star: np.ndarray) -> np.ndarray:
    """Each type's utility at the profile."""
    n = int(counts.sum())
    inside = ~left & (counts > 0)
    N = float(np.sum(np.where(inside, counts * m, 0.0)))
    out = np.array(u_star, float)
    for t in np.flatnonzero(inside):
        M = _others_max(counts, m, inside, t)
        dev = _deviation(value, mechanism, n, p, float(types[t]), N - m[t], M)
        out[t] = float(dev.utility(np.array(m[t])))
    return out


def _others_max(counts: np.ndarray, m: np.ndarray, inside: np.ndarray, t: int | None) -> float:
    """Largest contribution among the participants other than one agent of type t (None: all)."""
    others = counts - (np.arange(counts.size) == t) if t is not None else counts
    mask = inside & (others > 0)
    return float(np.max(m[mask], initial=0.0))


def baseline_gap(value: ValueOfData, mechanism: str, p: float, types: np.ndarray, counts: np.ndarray, m: np.ndarray,
                 left: np.ndarray, tol: float) -> tuple[BaselineCertificate, np.ndarray, np.ndarray]:
    """The certificate at a profile, the utilities and the solo utilities (module doc)."""
    n, R = int(counts.sum()), value.sup
    _, u_star, _ = solo_contributions(value, types)
    u = profile_utilities(value, mechanism, p, types, counts, m, left, u_star)
    inside = ~left & (counts > 0)
    N = float(np.sum(np.where(inside, counts * m, 0.0)))
    resolution = RESOLUTION * tol * R
    gains, found, where = np.zeros(types.size), np.zeros(types.size), np.zeros(types.size)
    for t in range(types.size):
        if left[t]:
            dev = _deviation(value, mechanism, n, p, float(types[t]), N, _others_max(counts, m, inside, None))
            lo, up, x = dev.best(resolution)
        else:
            dev = _deviation(value, mechanism, n, p, float(types[t]), N - m[t], _others_max(counts, m, inside, t))
            lo, up, x = dev.best(resolution)
            if u_star[t] >= up:
                lo, up, x = float(u_star[t]), float(u_star[t]), -1.0
        gains[t], found[t], where[t] = max(up - u[t], 0.0), max(lo - u[t], 0.0), x
    max_gain = float(gains.max(initial=0.0))
    cert = BaselineCertificate("baseline_gap", gains, found, where, max_gain, R, float(tol), max_gain <= tol * R)
    return cert, u, u_star


def _kink_upper(value: ValueOfData, mechanism: str, n: int, p: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Upper bound over m' in [a, b] of p psi'(m')/psi(m') v(n m') + v'(n m'^-) (the left slope of
    an agent's value at the symmetric m')."""
    m0 = value.m0

    def dv_up(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:  # v' on [lo, hi]: b' decreasing above m0
        return np.where(hi > m0, value.db(np.maximum(lo, m0)), 0.0)

    if mechanism == "PD":
        psi_lo, psi_hi, dpsi_up = a, b, np.ones_like(a)
    elif mechanism == "PV":
        psi_lo, psi_hi, dpsi_up = value.v(a), value.v(b), dv_up(a, b)
    else:
        ks = Contribution("PS", value, n, 1.0).ks()[:, None]
        # each term v((k+1)m') - v(k m') >= m' v'((k+1) m') >= a b'((k+1) b) where k a >= m0 (b' decreasing)
        slope_lo = np.where(ks * a >= m0, a * value.db((ks + 1) * b), 0.0)
        psi_lo = np.mean(np.maximum(np.maximum(value.v((ks + 1) * a) - value.v(ks * b), slope_lo), 0.0), axis=0)
        psi_hi = np.mean(value.v((ks + 1) * b) - value.v(ks * a), axis=0)
        dpsi_up = np.mean(dv_up((ks + 1) * a, (ks + 1) * b), axis=0)
    vb = value.v(n * b)
    with np.errstate(all="ignore"):
        term = np.where(psi_lo > 0, p * dpsi_up / psi_lo * vb, np.inf)
    # psi = 0 at m' (the ratio is 1 near it) or v(n m') = 0: the penalty adds no slope
    term = np.where((p == 0) | (psi_hi <= 0) | (vb <= 0), 0.0, term)
    return term + dv_up(n * a, n * b)


def necessary(value: ValueOfData, mechanism: str, n: int, p: float, c: float, u_star: float, m: float) -> bool:
    """IR and the kink condition at the symmetric m (necessary for an equilibrium)."""
    return float(value.v(n * m)) - c * m >= u_star and kink_slope(mechanism, value, n, p, m) >= c


def unexcluded(value: ValueOfData, mechanism: str, n: int, p: float, c: float, m: float, u_star: float
               ) -> np.ndarray | None:
    """Points m' > m (1 + LARGEST_RTOL) that meet both necessary conditions, found where intervals of
    (m (1 + LARGEST_RTOL), (sup v - u*) / c] resist exclusion (module doc): empty when every interval is
    excluded (m is the largest), None when the search ran out before deciding."""
    R = value.sup
    start = max(m * (1 + LARGEST_RTOL), LARGEST_RTOL * R / c)
    stop = (R - u_star) / c * (1 + 1e-12)
    if start >= stop:
        return np.empty(0)
    edges = np.geomspace(start, stop, 65)
    a, b = edges[:-1], edges[1:]
    slack = 1e-12 * R
    found: list[float] = []
    for _ in range(EXCLUSION_ROUNDS):
        # u(m') = v(n m') - c m' is concave where v > 0: decreasing at a, its maximum on [a, b] is u(a)
        falling = (n * a > value.m0) & (n * value.db(n * a) <= c)
        ir = np.where(falling, value.v(n * a) - c * a, value.v(n * b) - c * a) >= u_star - slack
        kink = _kink_upper(value, mechanism, n, p, a, b) >= c * (1 - 1e-12)
        keep = ir & kink
        a, b = a[keep], b[keep]
        if a.size == 0:
            return np.array(sorted(found))
        narrow = b <= a * (1 + LARGEST_RTOL)  # a window the bounds cannot close: is its end a candidate?
        meets = np.array([bool(w) and necessary(value, mechanism, n, p, c, u_star, float(x)) for x, w in zip(b, narrow)],
                         dtype=bool)
        found += b[meets].tolist()
        a, b = a[~meets], b[~meets]
        if a.size == 0:
            return np.array(sorted(found))
        if a.size > EXCLUSION_INTERVALS or np.all(b <= a * (1 + FINEST)):
            return None
        mid = np.sqrt(a * b)
        a, b = np.concatenate([a, mid]), np.concatenate([mid, b])
    return None


_LAST: list[tuple[tuple[object, ...], ValueOfData, np.ndarray | None]] = []
"""The last exclusion run (a solver and then its certifier ask the same question in one process)."""


def excluded_above(value: ValueOfData, mechanism: str, n: int, p: float, c: float, m: float, u_star: float
                   ) -> np.ndarray | None:
    """:func:`unexcluded`, remembered for the last arguments."""
    key = (mechanism, n, p, c, m, u_star)
    if _LAST and _LAST[0][0] == key and _LAST[0][1] is value:
        return _LAST[0][2]
    rest = unexcluded(value, mechanism, n, p, c, m, u_star)
    _LAST[:] = [(key, value, rest)]
    return rest


def largest_symmetric(value: ValueOfData, mechanism: str, n: int, p: float, c: float, m: float, u_star: float) -> bool:
    """No symmetric equilibrium m' > m (1 + LARGEST_RTOL): every interval above excluded."""
    rest = excluded_above(value, mechanism, n, p, c, m, u_star)
    return rest is not None and rest.size == 0


def _witness_profile(answer: BaselineResult, size: int) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(answer.contributions, dtype=float)
    if m.shape != (size,) or not np.all(np.isfinite(m)) or np.any(m < 0):
        raise MalformedAnswer(f"contributions: expected {size} finite numbers >= 0 (one per cost type)")
    left = answer.left
    if not isinstance(left, list) or len(left) != size or not all(isinstance(x, bool) for x in left):
        raise MalformedAnswer(f"left: expected {size} booleans (one per cost type)")
    return m, np.array(left, dtype=bool)


def _basis(value: ValueOfData) -> tuple[Basis, str]:
    text = ("each type's best deviation is bounded above by branch and bound (monotone bounds, and second-order "
            "bounds from b concave and psi concave on each piece) below the others' largest contribution and exactly "
            "above it (v(x + S) - c x concave); leaving is worth u* (Theorem I); with one cost type, larger symmetric "
            "profiles are excluded interval by interval by IR or by the kink condition")
    if value.closed_form:
        return Basis.PROOF, f"proof, {value.proof}: {text}"
    return Basis.DECLARED_ASSUMPTION, f"assumption: {value.proof}, not proven for this family; under it, {text}"


def certify_baseline_equilibrium(value: ValueOfData, costs: np.ndarray, mechanism: str, p: float,
                                 answer: BaselineResult, *, tol: float = BASELINE_TOL) -> Verdict:
    """The verdict on a ``baseline_equilibrium`` answer (module doc)."""
    types, counts = cost_types(costs)
    check_problem(mechanism, p, types)
    m, left = _witness_profile(answer, types.size)
    m = np.where(left, 0.0, m)
    cert, u, u_star = baseline_gap(value, mechanism, p, types, counts, m, left, tol)
    R = value.sup
    total = float(np.sum(np.where(left, 0.0, counts * m)))
    n = int(counts.sum())
    largest = bool(types.size == 1 and cert.verified
                   and largest_symmetric(value, mechanism, n, p, float(types[0]), float(m[0]), float(u_star[0])))
    claim = answer.certificate
    data_scale = R / float(types[0])
    checks: list[Check] = [
        equal("kind", answer.kind, "baseline_equilibrium"),
        equal("mechanism", answer.mechanism, mechanism),
        equal("p", answer.p, float(p)),
        equal("costs", np.asarray(answer.costs, float), types),
        equal("counts", np.asarray(answer.counts), counts),
        witness("contributions", answer.contributions),
        witness("left", answer.left),
        Check("contributions", answer.contributions.tolist()[:8], "0 where the type left",
              bool(np.all(np.asarray(answer.contributions)[left] == 0.0))),
        bind("total", answer.total, total, rtol=1e-12),
        bind("utilities", answer.utilities, u, rtol=1e-12, scale=R),
        bind("solo_utilities", answer.solo_utilities, u_star, rtol=1e-12, scale=R),
        equal("largest", answer.largest, largest),
        equal("certificate.kind", claim.kind, "baseline_gap"),
        bind("certificate.gains", claim.gains, cert.gains, rtol=1e-12, scale=R),
        bind("certificate.found", claim.found, cert.found, rtol=1e-12, scale=R),
        bind("certificate.deviations", claim.deviations, cert.deviations, rtol=1e-9, scale=data_scale),
        bind("certificate.max_gain", claim.max_gain, cert.max_gain, rtol=1e-12, scale=R),
        bind("certificate.scale", claim.scale, R),
        tolerance("certificate.tol", claim.tol, tol),
        equal("certificate.verified", claim.verified, cert.verified),
    ]
    if answer.status is Status.FAILED:
        supported = Status.FAILED
    else:
        supported = Status.EQUILIBRIUM if cert.verified else Status.UNVERIFIED
    basis, text = _basis(value)
    return judge("baseline_equilibrium", answer.status, supported, checks, basis, text, tol, UNCHECKED)
