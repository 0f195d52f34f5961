"""The deterrence baselines of 000 Appendix C.2: proportional data (12), proportional value (13) and
proportional Shapley (14), for n identical agents with marginal cost c.

[M(m)]_i = (psi_i(m) / max_j psi_j(m))^p v(sum_j m_j), p in [0, 1], with psi_i = m_i (PD),
v(m_i) (PV) or the Shapley value phi_i (PS) in the form of C.2: when the others contribute m each,
phi_i(x) = (1/n) sum_{k=0}^{n-1} [v(k m + x) - v(k m)] (the others' phi evaluated with the same
formula at m: the paper's simplification).  0/0 (nobody's psi positive, e.g. PV while every
v(m_i) = 0) is read as ratio 1: no one is penalized.

A symmetric profile (m, ..., m) is an equilibrium iff no agent gains by any deviation x >= 0 or by
leaving to train alone (utility u*, the participation constraint behind Definition B).
Deviations up (x >= m) face v(x + (n-1) m) - c x, concave where v > 0 (its maximum is exact);
deviations down face the penalized, non-concave curve, searched on a grid refined around its best
point (sampling: evidence, stated as such).  ``largest_symmetric_equilibrium`` scans m downwards
on a log grid and returns the largest equilibrium; if its utility is below the solo utility u*,
individual rationality fails and the agents drop out (data 0): the behaviour of Figure 6 for
large p.  Theorem VI's local equilibrium set is
    S = {m : v'(nm) <= c <= v'(nm) + p (psi'/psi)(m) v(nm)}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.valueshaping.solo import best_aggregate_deviation, solo_contributions
from mechopt.valueshaping.value import ValueOfData

KINDS = ("PD", "PV", "PS")
DEVIATION_POINTS = 512
REFINE_STEPS = 30
"""Bisection steps between the largest equilibrium grid point and the next larger one (which need not
bound an interval of equilibria: the refinement finds a boundary point, the grid point is kept otherwise)."""


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    top = np.maximum(a, b)
    with np.errstate(all="ignore"):
        return np.where(top > 0, a / np.where(top > 0, top, 1.0), 1.0)


SHAPLEY_TERMS = 2000
"""Largest number of terms of C.2's sum evaluated; above it the mean over k = 0..n-1 is taken on
SHAPLEY_TERMS evenly spaced k (a quadrature of a smooth function of k; exact for n <= SHAPLEY_TERMS)."""


def shapley_c2(value: ValueOfData, n: int, m: float, x: np.ndarray) -> np.ndarray:
    """phi_i(x) of C.2 when the n - 1 others contribute m each."""
    ks = np.arange(n, dtype=float) if n <= SHAPLEY_TERMS else np.linspace(0.0, n - 1.0, SHAPLEY_TERMS)
    k = ks[:, None] * m
    x = np.atleast_1d(np.asarray(x, float))[None, :]
    return np.mean(value.v(k + x) - value.v(k), axis=0)


def deviation_value(kind: str, value: ValueOfData, n: int, m: float, p: float, x: np.ndarray) -> np.ndarray:
    """[M]_i when agent i contributes x and the n - 1 others m each."""
    x = np.asarray(x, float)
    total = value.v(x + (n - 1) * m)
    if kind == "PD":
        psi_i, psi_o = x, np.full(x.shape, m)
    elif kind == "PV":
        psi_i, psi_o = value.v(x), np.full(x.shape, float(value.v(m)))
    elif kind == "PS":
        psi_i, psi_o = shapley_c2(value, n, m, x), np.full(x.shape, float(shapley_c2(value, n, m, np.array([m]))[0]))
    else:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    return _ratio(psi_i, psi_o) ** p * total


def symmetric_gain(kind: str, value: ValueOfData, n: int, c: float, m: float, p: float) -> float:
    """Largest gain of one agent deviating from (m, ..., m): exact upwards, sampled downwards."""
    u = float(value.v(n * m)) - c * m
    up, _ = best_aggregate_deviation(value, np.array(c), np.array((n - 1) * m), np.array(m))
    _, solo_u, _ = solo_contributions(value, np.array([c]))
    best = max(float(up), float(solo_u[0]))  # leaving to train alone (IR, Definition B) is an option
    if m > 0:
        best = max(best, sampled_max(lambda x: deviation_value(kind, value, n, m, p, x) - c * x, 0.0, m))
    return best - u


def sampled_max(f, lo: float, hi: float, points: int = DEVIATION_POINTS) -> float:  # type: ignore[no-untyped-def]
    """max of f on [lo, hi] found on a grid, then on a finer grid around the best point (sampling)."""
    x = np.linspace(lo, hi, points)
    vals = f(x)
    k = int(np.argmax(vals))
    fine = np.linspace(x[max(k - 1, 0)], x[min(k + 1, x.size - 1)], 64)
    return max(float(np.max(vals)), float(np.max(f(fine))))


@dataclass(frozen=True)
class BaselineEquilibrium(Serializable):
    kind: str
    mechanism: str
    p: float
    per_agent: float
    """m of the largest symmetric equilibrium on the grid (every deviation x >= 0 checked)."""
    total: float
    """n * per_agent."""
    max_gain: float
    """Largest deviation gain found there (exact upwards, sampled downwards)."""
    local_per_agent: float
    """m of the largest grid point in Theorem VI's local set S (the first-order conditions)."""
    local_total: float
    """n * local_per_agent, or 0 when that point violates IR (utility below u*: the agents drop out)."""
    local_ir: bool
    grid: int


def largest_symmetric_equilibrium(kind: str, value: ValueOfData, n: int, c: float, p: float, *,
                                  grid: int = 200, tol: float = 1e-9) -> BaselineEquilibrium:
    """The largest m on a log grid of (0, sup v / c] whose symmetric profile no deviation improves by
    more than tol * sup v (0 if none, the all-zero profile); and the largest m of Theorem VI's local set
    with its IR check (the reading under which large p makes agents drop out, Figure 6)."""
    if not 0 <= p <= 1:
        raise ValueError(f"p: must lie in [0, 1] ((12)-(14)), got {p!r}")
    _, u_star, _ = solo_contributions(value, np.array([c]))
    ms = np.geomspace(value.sup / c, value.sup / c * 1e-9, grid)
    ms = ms[value.v(n * ms) > 0]  # with v(nm) = 0 every agent gains c m by contributing nothing
    slack = tol * value.sup
    m_glob, gain = 0.0, max(symmetric_gain(kind, value, n, c, 0.0, p), 0.0)
    for k, m in enumerate(ms):
        g = symmetric_gain(kind, value, n, c, float(m), p)
        if g <= slack:
            m_glob, gain = float(m), max(g, 0.0)
            if k > 0:  # refine between the last grid point that failed and this one
                m_glob, gain = _refine(lambda x: symmetric_gain(kind, value, n, c, x, p) <= slack, m_glob,
                                       float(ms[k - 1]), gain, lambda x: max(symmetric_gain(kind, value, n, c, x, p), 0.0))
            break
    inside = theorem_six_set(kind, value, n, c, p, ms)
    m_loc = 0.0
    if inside.any():
        k = int(np.argmax(inside))
        m_loc = float(ms[k])
        if k > 0:
            m_loc, _ = _refine(lambda x: bool(theorem_six_set(kind, value, n, c, p, np.array([x]))[0]), m_loc,
                               float(ms[k - 1]), 0.0, lambda x: 0.0)
    ir = float(value.v(n * m_loc)) - c * m_loc >= float(u_star[0]) - slack
    return BaselineEquilibrium("baseline_equilibrium", kind, p, m_glob, n * m_glob, gain, m_loc,
                               n * m_loc if ir else 0.0, bool(ir), grid)


def _refine(ok, good: float, bad: float, value_at_good: float, value_fn, steps: int = REFINE_STEPS
            ) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Bisection between a grid point where ``ok`` holds and the next larger one where it fails."""
    for _ in range(steps):
        mid = float(np.sqrt(good * bad))
        if ok(mid):
            good, value_at_good = mid, value_fn(mid)
        else:
            bad = mid
    return good, value_at_good


def theorem_six_set(kind: str, value: ValueOfData, n: int, c: float, p: float, ms: np.ndarray) -> np.ndarray:
    """Theorem VI's local conditions on each m of ``ms``: v'(nm) <= c <= v'(nm) + p (psi'/psi)(m) v(nm)."""
    ms = np.asarray(ms, float)
    dv, v = value.dv(n * ms), value.v(n * ms)
    with np.errstate(all="ignore"):
        if kind == "PD":
            log_slope = 1.0 / ms
        elif kind == "PV":
            log_slope = value.dv(ms) / value.v(ms)
        else:
            h = 1e-6 * ms
            phi = lambda x: np.array([shapley_c2(value, n, m, np.array([x_]))[0] for m, x_ in zip(ms, x)])  # noqa: E731
            log_slope = (np.log(phi(ms + h)) - np.log(phi(ms - h))) / (2 * h)
    log_slope = np.nan_to_num(log_slope, nan=0.0, posinf=np.inf)
    return (dv <= c) & (c <= dv + p * log_slope * v)


@dataclass(frozen=True)
class TwoTypeEquilibrium(Serializable):
    """The largest-total equilibrium of PD (12) with two cost types, symmetric within each type."""

    kind: str
    p: float
    n_low: int
    n_high: int
    m_low: float
    m_high: float
    total: float
    max_gain: float
    grid: int
    high_left: bool = False
    """The high-cost agents train alone (their data is not collected) and the low-cost ones play PD
    among themselves: the configuration with the larger collected total was kept."""


def _pd_type_gain(value: ValueOfData, c: float, p: float, own: float, others_sum: float, others_max: float) -> float:
    """Largest gain of one agent at ``own`` under PD, the others' total and largest contribution given:
    exact above max(own, others' max) (concave piece), sampled below."""
    u_at = _pd_value(value, p, own, others_sum, others_max) - c * own
    top = max(own, others_max)
    up, _ = best_aggregate_deviation(value, np.array(c), np.array(others_sum), np.array(top))
    down = sampled_max(lambda x: _pd_value(value, p, x, others_sum, others_max) - c * x, 0.0, top)
    _, solo_u, _ = solo_contributions(value, np.array([c]))
    return max(float(up), down, float(solo_u[0])) - u_at  # leaving to train alone is an option


def _pd_value(value: ValueOfData, p: float, x, others_sum: float, others_max: float):  # type: ignore[no-untyped-def]
    x = np.asarray(x, float)
    return _ratio(x, np.full(x.shape, others_max)) ** p * value.v(x + others_sum)


def two_type_pd_equilibrium(value: ValueOfData, n: int, n_low: int, c_low: float, c_high: float, p: float, *,
                            grid: int = 40, decades: float = 5.0, tol: float = 1e-9) -> TwoTypeEquilibrium:
    """000 Figure 7 (c), (d): n_low agents of cost c_low and n - n_low of cost c_high under PD; the
    profile (m_low for every low-cost agent, m_high for every high-cost one) with the largest total
    among the grid points (log grid of [sup v / c_low 10^-decades, sup v / c_low], plus 0) where
    neither type gains by any deviation (exact upwards, sampled downwards, leaving included); the best
    pair is then pushed up coordinate-wise by bisection towards the next grid point."""
    n_high = n - n_low
    top = value.sup / c_low
    ms = np.concatenate([np.geomspace(top, top * 10.0 ** -decades, grid), [0.0]])
    slack = tol * value.sup

    def gain(mL: float, mH: float) -> float:
        total = n_low * mL + n_high * mH
        if total > 0 and float(value.v(total)) <= 0:
            return float("inf")
        gains = [0.0]
        if n_low:
            others_max = max(mL if n_low > 1 else 0.0, mH if n_high else 0.0)
            gains.append(_pd_type_gain(value, c_low, p, mL, total - mL, others_max))
        if n_high:
            others_max = max(mL if n_low else 0.0, mH if n_high > 1 else 0.0)
            gains.append(_pd_type_gain(value, c_high, p, mH, total - mH, others_max))
        return max(gains)

    best = (0.0, 0.0, 0.0, max(gain(0.0, 0.0), 0.0))
    for mL in ms if n_low else [0.0]:
        for mH in ms if n_high else [0.0]:
            total = n_low * mL + n_high * mH
            if total > best[0] and gain(float(mL), float(mH)) <= slack:
                best = (total, float(mL), float(mH), max(gain(float(mL), float(mH)), 0.0))
    _, mL, mH, g = best
    step = 10.0 ** (decades / max(grid - 1, 1))
    for which in (0, 1) if best[0] > 0 else ():
        if (which == 0 and not n_low) or (which == 1 and not n_high):
            continue
        good = mL if which == 0 else mH
        if good <= 0:
            continue
        bad = good * step
        for _ in range(REFINE_STEPS):
            mid = float(np.sqrt(good * bad))
            trial = gain(mid, mH) if which == 0 else gain(mL, mid)
            if trial <= slack:
                good, g = mid, max(trial, 0.0)
            else:
                bad = mid
        mL, mH = (good, mH) if which == 0 else (mL, good)
    total = n_low * mL + n_high * mH
    left = False
    if n_low and n_high:  # the high-cost agents train alone and the low-cost ones play PD among themselves
        alone = largest_symmetric_equilibrium("PD", value, n_low, c_low, p, grid=grid, tol=tol)
        if alone.total > total:
            m = alone.per_agent
            _, u_hi, _ = solo_contributions(value, np.array([c_high]))
            join = sampled_max(lambda x: _pd_value(value, p, x, n_low * m, m) - c_high * x, 0.0, 3.0 * max(m, 1e-300))
            up, _ = best_aggregate_deviation(value, np.array(c_high), np.array(n_low * m), np.array(m))
            if max(join, float(up)) <= float(u_hi[0]) + slack:  # joining does not beat training alone
                mL, mH, total, g, left = m, 0.0, alone.total, alone.max_gain, True
    return TwoTypeEquilibrium("two_type_pd_equilibrium", p, n_low, n_high, mL, mH, total, g, grid, left)
