"""Paper 001: Theorem A.2's game without a pure Nash equilibrium, shown exactly, and Theorem 3.2's
convergence rate of the best-response dynamics (4) measured on an instance against its bound.

Theorem A.2 (Appendix A): three agents on [0, 1], e(x) piecewise linear through (0, 0),
(1/2 - eps, 0), (1/2 + eps, 1), (1, 1) (8), payoffs a_i = e(s_i) + e(s_j) - e(s_i) e(s_j) with j the
agent before i (9), costs s_i / 4.  u_i(s) = e(s_i)(1 - E) + E - s_i / 4 with E = e(s_j) is
piecewise linear in s_i with breakpoints 0, 1/2 - eps, 1/2 + eps, 1, so its maximum over [0, 1] is
at a breakpoint, or along a whole piece where the piece is flat.  At each breakpoint u_i is linear
in E, so the best-response set changes only where two of those lines cross or a piece turns flat:
finitely many values of E.  Evaluating the argmax (in exact rational arithmetic) at those values
and between them gives the whole best-response correspondence; every action any best response
uses lies in a finite set V, so every equilibrium lies in V^3, and checking the |V|^3 profiles,
each with its exact best deviation gain, decides existence.  This is a proof by exhaustion, not a
sample.

Theorem 3.2: dynamics (4) with the theorem's step lambda / (n^2 L^2) on
a(S) = 1 - (S + 1)^-1/2 and c_i(s) = c_i s + kappa s^2 / 2, whose Jacobian G = a''(S) 1 1^T - kappa I
gives lambda = kappa (the largest eigenvalue of G is -kappa, as a'' < 0) and
L = max |G_ij| = |a''(0)| + kappa in closed form.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, product
from typing import Any

import numpy as np

from mechopt.reproductions.records import answered

EPS = Fraction(1, 32)
"""Theorem A.2 takes any eps in (0, 1/16)."""
COST = Fraction(1, 4)


def e(x: Fraction, eps: Fraction = EPS) -> Fraction:
    """(8): 0 up to 1/2 - eps, linear to 1 at 1/2 + eps, then 1."""
    lo, hi = Fraction(1, 2) - eps, Fraction(1, 2) + eps
    return Fraction(0) if x <= lo else Fraction(1) if x >= hi else Fraction(1, 2) + (x - Fraction(1, 2)) / (2 * eps)


def utility(own: Fraction, before: Fraction, eps: Fraction = EPS) -> Fraction:
    """u_i = e(s_i) + e(s_j) - e(s_i) e(s_j) - s_i / 4, j the agent before i (9)."""
    mine, theirs = e(own, eps), e(before, eps)
    return mine + theirs - mine * theirs - COST * own


def breakpoints(eps: Fraction = EPS) -> tuple[Fraction, ...]:
    return (Fraction(0), Fraction(1, 2) - eps, Fraction(1, 2) + eps, Fraction(1))


def _lines(eps: Fraction) -> list[tuple[Fraction, Fraction]]:
    """u at each breakpoint b as a + c E: e(b)(1 - E) + E - b/4."""
    return [(e(b, eps) - COST * b, 1 - e(b, eps)) for b in breakpoints(eps)]


def critical_values(eps: Fraction = EPS) -> list[Fraction]:
    """The values of E in [0, 1] where two breakpoint lines cross or a piece's slope in s_i is zero."""
    lines = _lines(eps)
    out = {Fraction(0), Fraction(1)}
    for (a1, c1), (a2, c2) in combinations(lines, 2):
        if c1 != c2:
            out.add((a2 - a1) / (c1 - c2))
    bps = breakpoints(eps)
    for lo, hi in zip(bps, bps[1:]):  # slope of piece [lo, hi]: ((e(hi) - e(lo))(1 - E))/(hi - lo) - 1/4
        rise = e(hi, eps) - e(lo, eps)
        if rise:
            out.add(1 - COST * (hi - lo) / rise)
    return sorted(x for x in out if 0 <= x <= 1)


def best_responses(E: Fraction, eps: Fraction = EPS) -> tuple[tuple[Fraction, ...], tuple[tuple[Fraction, Fraction], ...]]:
    """The exact argmax of u_i over [0, 1] when e(s_j) = E: the optimal breakpoints, and the pieces
    along which u_i is flat at the maximum (both endpoints optimal)."""
    bps = breakpoints(eps)
    vals = [e(b, eps) * (1 - E) + E - COST * b for b in bps]
    top = max(vals)
    points = tuple(b for b, v in zip(bps, vals) if v == top)
    flat = tuple((lo, hi) for (lo, vl), (hi, vh) in zip(zip(bps, vals), zip(bps[1:], vals[1:])) if vl == vh == top)
    return points, flat


def correspondence(eps: Fraction = EPS) -> list[tuple[Fraction, Fraction, tuple[Fraction, ...], bool]]:
    """The best-response correspondence as (E from, E to, argmax, any flat piece), on every critical
    value (from = to) and every open interval between consecutive ones."""
    cs = critical_values(eps)
    out = []
    for k, c in enumerate(cs):
        pts, flat = best_responses(c, eps)
        out.append((c, c, pts, bool(flat)))
        if k + 1 < len(cs):
            mid = (c + cs[k + 1]) / 2
            pts, flat = best_responses(mid, eps)
            out.append((c, cs[k + 1], pts, bool(flat)))
    return out


def no_equilibrium(eps: Fraction = EPS) -> dict[str, Any]:
    """Theorem A.2 decided by exhaustion: the actions best responses use, and every profile of them
    with each agent's exact best deviation gain (an equilibrium needs all three gains 0)."""
    corr = correspondence(eps)
    if any(flat for *_, flat in corr):
        raise ValueError("a best response is a whole interval: the finite check does not apply")
    used = sorted({b for *_, pts, _ in corr for b in pts})
    rows = []
    for s in product(used, repeat=3):
        gains = []
        for i in range(3):
            before = s[(i - 1) % 3]  # agent 1 depends on s_3, agent 2 on s_1, agent 3 on s_2 (9)
            best = max(utility(b, before, eps) for b in breakpoints(eps))
            gains.append(best - utility(s[i], before, eps))
        rows.append({"profile": [str(x) for x in s], "gains": [str(g) for g in gains],
                     "equilibrium": all(g == 0 for g in gains)})
    return {"eps": str(eps), "critical_E": [str(c) for c in critical_values(eps)],
            "correspondence": [{"E": [str(a), str(b)], "best": [str(x) for x in pts]} for a, b, pts, _ in corr],
            "actions": [str(x) for x in used], "profiles": rows,
            "equilibria": sum(r["equilibrium"] for r in rows)}


def theorem_a2_point() -> dict[str, Any]:
    return no_equilibrium(EPS)


# --- Theorem 3.2 ----------------------------------------------------------------------------------

N, TAU, KAPPA = 3, 2.0, 0.5
SLOPES = (0.05, 0.10, 0.30)
COEFFICIENT, EXPONENT, SHIFT = 1.0, 0.5, 1.0
GAME = {"n": N, "tau": TAU,
        "payoff": {"family": "power_law", "coefficient": COEFFICIENT, "exponent": EXPONENT, "shift": SHIFT, "top": 1.0},
        "cost": {"slope": list(SLOPES), "curvature": KAPPA}}
"""a(S) = 1 - (S + 1)^-1/2 for every agent, c_i(s) = c_i s + kappa s^2 / 2, s_i in [0, 2]."""


def constants() -> tuple[float, float]:
    """(lambda, L) of Theorem 3.2 in closed form: kappa and |a''(0)| + kappa."""
    second = COEFFICIENT * EXPONENT * (EXPONENT + 1) * SHIFT ** (-EXPONENT - 2)
    return KAPPA, second + KAPPA


def _gradient(s: np.ndarray) -> np.ndarray:
    """du_i/ds_i = a'(S) - c_i - kappa s_i."""
    return COEFFICIENT * EXPONENT * (s.sum() + SHIFT) ** (-EXPONENT - 1) - np.array(SLOPES) - KAPPA * s


def trajectory(eps: float, max_iter: int = 100_000) -> tuple[np.ndarray, list[float]]:
    """Dynamics (4) from s = 0 with delta = lambda / (n^2 L^2): the end point and ||g(s^t, mu^t)||_2
    for t = 0, 1, ... until it is below ``eps`` (g: the projected update direction)."""
    lam, L = constants()
    delta = lam / (N**2 * L**2)
    s, norms = np.zeros(N), []
    for _ in range(max_iter):
        g = (np.clip(s + delta * _gradient(s), 0.0, TAU) - s) / delta
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < eps:
            break
        s = s + delta * g
    return s, norms


def theorem32_point(eps: float) -> dict[str, Any]:
    """The measured rate and iterations against the theorem's, and the NE the nash kind certifies."""
    lam, L = constants()
    end, norms = trajectory(eps)
    ratios = [(b / a) ** 2 for a, b in zip(norms, norms[1:]) if a > 0]
    bound = 1 - lam**2 / (N**2 * L**2)
    T = 2 * N**2 * L**2 / lam**2 * np.log(norms[0] / eps)
    every = max(1, len(norms) // 200)

    def extra(answer: Any) -> dict[str, Any]:
        return {"lambda": lam, "L": L, "step": lam / (N**2 * L**2), "rate_bound": bound, "rate_worst": max(ratios),
                "rate_last": ratios[-1], "g0": norms[0], "eps": eps, "iterations": len(norms) - 1, "T_bound": float(T),
                "end": end.tolist(), "distance": float(np.max(np.abs(end - np.asarray(answer.profile)))),
                "norms": norms[::every], "norm_t": list(range(0, len(norms), every))}

    return answered({"kind": "nash", "name": "001 Theorem 3.2 instance", "game": GAME}, extra)


# --- Theorem A.1 ----------------------------------------------------------------------------------

SEPARABLE = {"n": 2, "tau": 1.0, "payoff": {"family": "linear", "W": [[1.0, 0.4], [0.4, 1.0]]},
             "cost": {"slope": [0.5, 1.5]}}
"""Linear discovery a = W s (Section 2.1) is separable: a_i = W_ii s_i + sum_j W_ij s_j.  Each
agent's best response ignores the others: s_i = tau where W_ii > c_i, else 0, so the NE is (1, 0)."""


def theorem_a1_point() -> dict[str, Any]:
    return answered({"kind": "nash", "name": "001 Theorem A.1, a separable game", "game": SEPARABLE})
