"""Equilibria of the deterrence baselines of 000 Appendix C.2: proportional data (12), proportional
value (13) and proportional Shapley (14), symmetric within each cost type.

[M(m)]_i = (psi_i(m) / max_j psi_j(m))^p v(sum_j m_j), p in [0, 1] (formulas and the exact bound of
one agent's best deviation: :mod:`.proportional.deviation`).  Every agent may also leave and train
alone for its solo utility u* (Theorem I; Definition B's outside option): its data is then not
collected.  Every answer here is certified (:mod:`.proportional.certify`).

One cost type (Figure 6): a symmetric m is an equilibrium only if IR holds, v(nm) - c m >= u*, and
the left slope of an agent's value at m is at least c (kink condition, Theorem VI's
p (psi'/psi)(m) v(nm) + v'(nm) >= c).  :func:`solve_baseline_equilibrium` scans m downwards on a
log grid of (0, (sup v - u*)/c] for the first point meeting both, bisects to the boundary, and
keeps it if its certificate verifies (claiming ``largest``, which the certifier proves by
exclusion); else the next verified grid point, else everyone leaves (or all contribute 0 when
u* = 0).

Two cost types (Figure 7): :func:`families` enumerates the families of equilibria symmetric by type
(docs/valueshaping.md argues the list is complete): ``pool`` (both types at one m), ``split`` (one
type at the largest contribution, the other at its best response below it, 0 included), and
``leave`` (one type trains alone, the other plays among itself).  Each family's largest total is
found on a log grid refined by bisection and certified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.valueshaping.proportional.certify import (BASELINE_TOL, RESOLUTION, BaselineResult, baseline_gap,
                                                        certify_baseline_equilibrium, check_problem, cost_types,
                                                        excluded_above, largest_symmetric, necessary)
from mechopt.valueshaping.proportional.deviation import MECHANISMS, Contribution, Deviation
from mechopt.valueshaping.proportional.deviation import kink_slope as point_kink
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.value import ValueOfData

KINDS = MECHANISMS
GRID = 200
"""Log-grid points of the scans (over 9 decades below (sup v - u*)/c)."""
DECADES = 9.0
BISECTIONS = 60
CLIMBS = 3
"""Times the symmetric solver moves up to a candidate the certifier's exclusion leaves."""
BR_ITERATIONS = 30
"""Fixed-point iterations of a split family's best response."""
BR_POINTS = 257
"""Grid points of the search heuristics (best responses, joining checks)."""
FAMILY_TRIES = 4
"""Grid points below a family's boundary tried when the boundary's certificate does not verify."""
FAMILY_BISECTIONS = 40
FAMILY_DECADES = 6.0
"""A family's scan covers [top 10^-6, top], top = (sup v - u*)/c of its top type (above it IR fails)."""


# --- Theorem VI's local conditions (the paper's own method, Figure 6) -------------------------------

def kink_slope(kind: str, value: ValueOfData, n: int, p: float, ms: np.ndarray) -> np.ndarray:
    """Left slope of an agent's value at each symmetric m: p (psi'/psi)(m) v(nm) + v'(nm)."""
    return np.array([point_kink(kind, value, n, p, float(m)) for m in np.atleast_1d(np.asarray(ms, float))])


def theorem_six_set(kind: str, value: ValueOfData, n: int, c: float, p: float, ms: np.ndarray) -> np.ndarray:
    """Theorem VI's local conditions on each m: v'(nm) <= c <= p (psi'/psi)(m) v(nm) + v'(nm)."""
    ms = np.asarray(ms, float)
    return (value.dv(n * ms) <= c) & (c <= kink_slope(kind, value, n, p, ms))


def local_set_end(kind: str, value: ValueOfData, n: int, c: float, p: float) -> tuple[float, bool]:
    """The largest m of Theorem VI's local set S on a log grid of (0, sup v / c] refined by bisection,
    and whether IR (v(nm) - c m >= u*) holds there (the reading under which large p makes agents drop
    out, Figure 6)."""
    _, u, _ = solo_contributions(value, np.array([c]))
    ms = np.geomspace(value.sup / c, value.sup / c * 10.0**-DECADES, GRID)
    inside = theorem_six_set(kind, value, n, c, p, ms)
    if not inside.any():
        return 0.0, True
    k = int(np.argmax(inside))
    m = float(ms[k])
    if k > 0:
        m = _boundary(lambda x: bool(theorem_six_set(kind, value, n, c, p, np.array([x]))[0]), m, float(ms[k - 1]))
    return m, bool(float(value.v(n * m)) - c * m >= float(u[0]) - BASELINE_TOL * value.sup)


# --- the symmetric solver ----------------------------------------------------------------------------

def _boundary(ok, good: float, bad: float, steps: int = BISECTIONS) -> float:  # type: ignore[no-untyped-def]
    """Bisection (on log m) between a point where ``ok`` holds and one where it fails."""
    for _ in range(steps):
        mid = float(np.sqrt(good * bad)) if good > 0 else 0.5 * (good + bad)
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def _draft(value: ValueOfData, costs: np.ndarray, mechanism: str, p: float, m: np.ndarray, left: np.ndarray,
           largest: bool, tol: float, method: str, started: float) -> BaselineResult:
    types, counts = cost_types(costs)
    cert, u, u_star = baseline_gap(value, mechanism, p, types, counts, m, left, tol)
    total = float(np.sum(np.where(left, 0.0, counts * m)))
    stats = SolveStats(method, Termination.EXHAUSTIVE, 0, time.perf_counter() - started)
    msg = f"{mechanism} (p = {p:g}): total {total:.6g}, best deviation gain <= {cert.max_gain:.3g}"
    return BaselineResult("baseline_equilibrium", Status.EQUILIBRIUM, msg, mechanism, float(p), types, counts,
                          np.where(left, 0.0, m), [bool(x) for x in left], total, u, u_star, largest, cert, stats)


def _symmetric(value: ValueOfData, n: int, c: float, mechanism: str, p: float, tol: float
               ) -> tuple[float, bool, bool]:
    """(m, left, largest claimed) of the largest verified symmetric equilibrium (module doc)."""
    _, u, _ = solo_contributions(value, np.array([c]))
    u_star = float(u[0])
    top = (value.sup - u_star) / c
    ms = np.geomspace(top, top * 10.0**-DECADES, GRID)
    ok = [necessary(value, mechanism, n, p, c, u_star, float(m)) for m in ms]
    costs, R = np.array([float(c)]), value.sup

    def verified(m: float) -> bool:
        cert, _, _ = baseline_gap(value, mechanism, p, costs, np.array([n]), np.array([m]), np.array([False]), tol)
        return cert.verified

    first = next((k for k, good in enumerate(ok) if good), None)
    if first is not None:
        m = float(ms[first])
        if first > 0:
            m = _boundary(lambda x: necessary(value, mechanism, n, p, c, u_star, x), m, float(ms[first - 1]))
        if not verified(m):
            m = next((float(x) for x, good in zip(ms[first + 1:], ok[first + 1:]) if good and verified(float(x))), 0.0)
        if m > 0:
            for _ in range(CLIMBS):  # the exclusion above m leaves candidates: climb to the highest verified one
                if largest_symmetric(value, mechanism, n, p, c, m, u_star):
                    return m, False, True
                rest = excluded_above(value, mechanism, n, p, c, m, u_star)
                up = None if rest is None else next((float(x) for x in rest[::-1] if verified(float(x))), None)
                if up is None:
                    return m, False, False
                m = up
            return m, False, False
    zero = u_star <= tol * R and verified(0.0)
    return 0.0, not zero, largest_symmetric(value, mechanism, n, p, c, 0.0, u_star)


def solve_baseline_equilibrium(value: ValueOfData, costs: np.ndarray, mechanism: str, p: float, *,
                               tol: float = BASELINE_TOL, found: list[Family] | None = None) -> BaselineResult:
    """The largest-total equilibrium of PD, PV or PS symmetric by cost type (one or two types),
    certified (module doc).  ``found``: two cost types' :func:`families` at the same arguments,
    when the caller already enumerated them (the largest is taken from them, not enumerated
    again; the certificate is recomputed either way)."""
    started = time.perf_counter()
    types, counts = cost_types(costs)
    check_problem(mechanism, p, types)
    if types.size > 2:
        raise ValueError(f"cost.slope: the baseline solver enumerates families for one or two cost types, got "
                         f"{types.size}")
    if types.size == 1:
        m, left, largest = _symmetric(value, int(counts[0]), float(types[0]), mechanism, p, tol)
        draft = _draft(value, costs, mechanism, p, np.array([m]), np.array([left]), largest, tol,
                       "log-grid scan of the necessary conditions, bisection, exact deviation bounds", started)
    else:
        found = families(value, costs, mechanism, p, tol=tol) if found is None else found
        best = max(found, key=lambda f: (f.verified, f.total))
        draft = _draft(value, costs, mechanism, p, best.contributions, best.left, False, tol,
                       f"families of equilibria symmetric by type, largest: {best.family}", started)
    return draft.certified(certify_baseline_equilibrium(value, costs, mechanism, p, draft, tol=tol))


# --- two cost types: the families ------------------------------------------------------------------

@dataclass(frozen=True)
class Family(Serializable):
    """The largest-total member found of one family of equilibria symmetric by type."""

    family: str
    """"pool", "split (type t at the top)", "leave (type t trains alone)"."""
    contributions: np.ndarray
    left: np.ndarray
    total: float
    max_gain: float
    verified: bool


def _gap(value: ValueOfData, mechanism: str, p: float, types: np.ndarray, counts: np.ndarray, m: np.ndarray,
         left: np.ndarray, tol: float) -> tuple[float, bool]:
    cert, _, _ = baseline_gap(value, mechanism, p, types, counts, m, left, tol)
    return cert.max_gain, cert.verified


def _grid_best(dev: Deviation) -> tuple[float, float]:
    """(max, argmax) of a deviation utility on [0, x_top] on a grid refined once (a search
    heuristic: the certificate bounds the true maximum)."""
    x = np.linspace(0.0, dev.x_top, BR_POINTS)
    f = dev.utility(x)
    k = int(np.argmax(f))
    fine = np.linspace(x[max(k - 1, 0)], x[min(k + 1, x.size - 1)], BR_POINTS)
    g = dev.utility(fine)
    j = int(np.argmax(g))
    return float(g[j]), float(fine[j])


def _dev(value: ValueOfData, mechanism: str, n: int, p: float, c: float, S: float, M: float) -> Deviation:
    psi = Contribution(mechanism, value, n, M)
    return Deviation(psi, p, c, S, float(psi.psi(np.array(M))), M)


def families(value: ValueOfData, costs: np.ndarray, mechanism: str, p: float, *, tol: float = BASELINE_TOL,
             grid: int = 120) -> list[Family]:
    """The largest certified member found of every family of equilibria symmetric by type, two cost
    types (module doc): everyone alone, pool, split with either type on top, and either type leaving.  Each family is
    scanned downwards on a log grid with cheap necessary conditions (IR, the kink and the upward
    condition at the top contribution, the lower type at its best response), refined by bisection,
    and its first member whose certificate verifies is kept (total 0 when none)."""
    types, counts = cost_types(costs)
    check_problem(mechanism, p, types)
    if types.size != 2:
        raise ValueError(f"cost.slope: families are enumerated for two cost types, got {types.size}")
    n = int(counts.sum())
    _, u_star, _ = solo_contributions(value, types)
    tops = (value.sup - u_star) / types
    out: list[Family] = []
    none = np.array([False, False])
    alone = np.array([True, True])
    g, ok = _gap(value, mechanism, p, types, counts, np.zeros(2), alone, tol)
    out.append(Family("every agent trains alone", np.zeros(2), alone, 0.0, g, ok))

    def at_top(t: int, x: float, N: float, count_top: int) -> bool:
        """The top type at x: IR, no gain going up, the kink (with another agent at x)."""
        c = float(types[t])
        ok = float(value.v(N)) - c * x >= u_star[t] and float(value.dv(N)) <= c
        return ok and (count_top < 2 or _dev(value, mechanism, n, p, c, N - x, x).value_at(np.array(x)) - c * x
                       >= _grid_best(_dev(value, mechanism, n, p, c, N - x, x))[0] - RESOLUTION * tol * value.sup)

    def scan(family: str, build, cheap, top: float) -> None:  # type: ignore[no-untyped-def]
        ms = np.geomspace(top, top * 10.0**-FAMILY_DECADES, grid)
        ok = [cheap(float(x)) for x in ms]
        first = next((k for k, good in enumerate(ok) if good), None)
        tries = [] if first is None else [float(ms[first])] + [float(x) for x, g in zip(ms[first + 1:], ok[first + 1:])
                                                                 if g][:FAMILY_TRIES]
        if first is not None and first > 0:
            tries[0] = _boundary(cheap, tries[0], float(ms[first - 1]), FAMILY_BISECTIONS)
        for x in tries:
            m, left = build(x)
            g, verified = _gap(value, mechanism, p, types, counts, m, left, tol)
            if verified:
                out.append(Family(family, m, left, float(np.sum(np.where(left, 0.0, counts * m))), g, True))
                return
        out.append(Family(family, np.zeros(2), np.array([True, True]), 0.0, float("nan"), False))

    def pool(x: float) -> tuple[np.ndarray, np.ndarray]:
        return np.array([x, x]), none

    scan("pool", pool, lambda x: all(at_top(t, x, n * x, n) for t in (0, 1)), float(tops.min()))
    for t in (0, 1):
        o = 1 - t

        def split(x: float, t: int = t, o: int = o) -> tuple[np.ndarray, np.ndarray]:
            m = np.zeros(2)
            m[t] = x
            y = 0.5 * x
            for _ in range(BR_ITERATIONS):
                S = counts[t] * x + (counts[o] - 1) * y
                _, z = _grid_best(_dev(value, mechanism, n, p, float(types[o]), S, x))
                if abs(z - y) <= 1e-9 * x:
                    break
                y = z
            m[o] = y
            return m, none

        def split_ok(x: float, t: int = t, o: int = o) -> bool:
            m, _ = split(x)
            N = float(counts @ m)
            below = m[o] < x * (1 - 1e-9)  # else the profile is the pool's
            inside = float(_dev(value, mechanism, n, p, float(types[o]), N - m[o], x).utility(np.array(m[o])))
            return below and inside >= u_star[o] and at_top(t, x, N, int(counts[t]))

        def leave(x: float, t: int = t, o: int = o) -> tuple[np.ndarray, np.ndarray]:
            m, left = np.zeros(2), np.array([False, False])
            m[o], left[t] = x, True
            return m, left

        def leave_ok(x: float, t: int = t, o: int = o) -> bool:
            N = float(counts[o] * x)
            join, _ = _grid_best(_dev(value, mechanism, n, p, float(types[t]), N, x))
            return at_top(o, x, N, int(counts[o])) and join <= u_star[t]

        scan(f"split (cost {types[t]:g} on top)", split, split_ok, float(tops[t]))
        scan(f"leave (cost {types[t]:g} trains alone)", leave, leave_ok, float(tops[o]))
    return out


def family_answer(value: ValueOfData, costs: np.ndarray, mechanism: str, p: float, family: Family, *,
                  tol: float = BASELINE_TOL) -> BaselineResult:
    """A family's member as a ``baseline_equilibrium`` answer, certified (its ``largest`` is False:
    with two cost types the certifier proves no maximality)."""
    draft = _draft(value, costs, mechanism, p, family.contributions, family.left, False, tol,
                   f"families of equilibria symmetric by type: {family.family}", time.perf_counter())
    return draft.certified(certify_baseline_equilibrium(value, costs, mechanism, p, draft, tol=tol))
