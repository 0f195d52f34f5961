"""One agent's deviation problem under PD (12), PV (13) and PS (14), solved with a proof.

An agent of marginal cost c deviates to x >= 0 while the others' total is S and their largest
contribution measure is psi_o (their largest contribution M for PD).  Its utility is

    f(x) = A(x) B(x) - c x,   A(x) = (psi(x) / max(psi(x), psi_o))^p,   B(x) = v(x + S),

with psi(x) = x (PD), v(x) (PV) or phi(x) = (1/n) sum_k [v(k m + x) - v(k m)] (PS, C.2's form;
0/0 reads 1).  Above x_top (psi(x) >= psi_o, so A = 1) f = v(x + S) - c x is concave where v > 0:
its maximum is exact (:func:`~mechopt.valueshaping.solo.best_aggregate_deviation`).  Below x_top,
:meth:`Deviation.bounded_max` bounds f by branch and bound with two bounds on each interval [a, b]:

* monotone: psi and v are non-decreasing, so f(x) <= A(b) B(b) - c a;
* second order, on intervals where psi > 0, v(x + S) > 0 and no piece of psi or v changes (the
  breakpoints m0 - S, m0 for PV, m0 - k m for PS are split points): psi and v are concave and
  non-decreasing there, so A' <= p psi(a)^(p-1) psi'(a) / psi_o^p,
  A'' <= -p (1-p) psi(b)^(p-2) psi'(b)^2 / psi_o^p, B >= B(a), B' <= v'(a + S), B'' <= 0, and
  f'' <= K = A''_max B(a) + 2 A'_max B'(a).  With K <= 0, f is concave on [a, b] and lies under
  both end tangents; otherwise f <= max(f(a), f(b)) + K (b - a)^2 / 8.

Intervals whose bound exceeds the best value found by more than the resolution are halved; the
result is the best value found (a lower bound, at a point) and the largest remaining bound (an
upper bound, rounding included).  The bounds need b concave where v > 0: proven for the power
law, sampled for the PAC bound (:attr:`~mechopt.valueshaping.value.ValueOfData.proof`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mechopt.valueshaping.solo import best_aggregate_deviation
from mechopt.valueshaping.value import ValueOfData

MECHANISMS = ("PD", "PV", "PS")
SHAPLEY_TERMS = 2000
"""Largest number of terms of C.2's sum evaluated; above it the mean over k = 0..n-1 is taken on
SHAPLEY_TERMS evenly spaced k (part of the mechanism's definition here; exact for n <= SHAPLEY_TERMS)."""
ROUNDING = 64 * np.finfo(float).eps
"""Relative rounding allowance added to every upper bound."""
MAX_ROUNDS = 80
"""Halvings of the branch and bound (each interval at most 2^-80 of the range)."""
MAX_INTERVALS = 4096
"""Intervals kept per round (the ones with the largest bounds; the others are split later)."""


@lru_cache(maxsize=16)
def _ks(n: int) -> np.ndarray:
    """The k of C.2's sum that are evaluated (read-only: shared by every call for this n)."""
    ks = np.arange(n, dtype=float) if n <= SHAPLEY_TERMS else np.linspace(0.0, n - 1.0, SHAPLEY_TERMS)
    ks.setflags(write=False)
    return ks


@dataclass(frozen=True)
class Contribution:
    """psi of one mechanism for an agent whose n - 1 others contribute ``m`` each (PS uses m)."""

    mechanism: str
    value: ValueOfData
    n: int
    m: float

    def __post_init__(self) -> None:
        if self.mechanism not in MECHANISMS:
            raise ValueError(f"mechanism: expected one of {MECHANISMS}, got {self.mechanism!r}")

    def ks(self) -> np.ndarray:
        return _ks(self.n)

    def psi(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.mechanism == "PD":
            return x
        if self.mechanism == "PV":
            return self.value.v(x)
        km = self.ks()[:, None] * self.m
        return np.mean(self.value.v(km + x.ravel()[None, :]) - self.value.v(km), axis=0).reshape(x.shape)

    def dpsi(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.mechanism == "PD":
            return np.ones_like(x)
        if self.mechanism == "PV":
            return self.value.dv(x)
        km = self.ks()[:, None] * self.m
        return np.mean(self.value.dv(km + x.ravel()[None, :]), axis=0).reshape(x.shape)

    def breakpoints(self) -> np.ndarray:
        """Where psi changes pieces (v's m0 inside one of its terms)."""
        m0 = self.value.m0
        if self.mechanism == "PD" or m0 <= 0:
            return np.empty(0)
        if self.mechanism == "PV":
            return np.array([m0])
        return m0 - self.ks() * self.m


def ratio(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """a / max(a, b) with 0/0 read as 1 (nobody's psi positive: no one is penalized)."""
    a = np.asarray(a, float)
    top = np.maximum(a, b)
    with np.errstate(all="ignore"):
        return np.where(top > 0, a / np.where(top > 0, top, 1.0), 1.0)


@dataclass(frozen=True)
class Deviation:
    """Agent i's deviation problem: cost c, others' total S, others' largest psi ``psi_o`` and the
    smallest x_top with psi(x_top) >= psi_o (above it A = 1)."""

    psi: Contribution
    p: float
    c: float
    S: float
    psi_o: float
    x_top: float

    def value_at(self, x: np.ndarray) -> np.ndarray:
        """[M]_i when agent i contributes x (12)-(14)."""
        x = np.asarray(x, float)
        return ratio(self.psi.psi(x), self.psi_o) ** self.p * self.psi.value.v(x + self.S)

    def utility(self, x: np.ndarray) -> np.ndarray:
        return self.value_at(x) - self.c * np.asarray(x, float)

    def _slope(self, x: np.ndarray) -> np.ndarray:
        """f'(x) on an interval where psi > 0, v(x + S) > 0 and x < x_top."""
        v, pl, p = self.psi.value, self.psi, self.p
        ps, dps = pl.psi(x), pl.dpsi(x)
        A = (ps / self.psi_o) ** p
        dA = p * ps ** (p - 1) * dps / self.psi_o**p
        return dA * v.v(x + self.S) + A * v.dv(x + self.S) - self.c

    def _bounds(self, a: np.ndarray, b: np.ndarray, fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
        """Upper bounds of f on each [a, b] (module doc)."""
        v, pl, p, c, S, po = self.psi.value, self.psi, self.p, self.c, self.S, self.psi_o
        Ab, Bb = ratio(pl.psi(b), po) ** p, v.v(b + S)
        bound = Ab * Bb - c * a
        psa, psb = pl.psi(a), pl.psi(b)
        smooth = (psa > 0) & (a + S > v.m0) & (p > 0)
        if smooth.any():
            with np.errstate(all="ignore"):
                dA_max = p * psa ** (p - 1) * pl.dpsi(a) / po**p
                d2A_max = -p * (1 - p) * psb ** (p - 2) * pl.dpsi(b) ** 2 / po**p
                K = d2A_max * v.v(a + S) + 2 * dA_max * v.dv(a + S)
                sa, sb = self._slope(a), self._slope(b)
                cross = (fb - fa + sa * a - sb * b) / (sa - sb)
                tangent = np.where(sa <= 0, fa, np.where(sb >= 0, fb, fa + sa * (np.clip(cross, a, b) - a)))
                curved = np.maximum(fa, fb) + np.maximum(K, 0.0) * (b - a) ** 2 / 8
                second = np.where(K <= 0, tangent, curved)
            bound = np.where(smooth & np.isfinite(second), np.minimum(bound, second), bound)
        return bound + ROUNDING * (np.abs(Ab * Bb) + c * np.abs(b) + 1e-300)

    def bounded_max(self, resolution: float) -> tuple[float, float, float]:
        """(lower, upper, argmax) of f on [0, x_top]: lower = f(argmax) <= max f <= upper, and
        upper - lower <= resolution unless the rounds or intervals ran out."""
        top = self.x_top
        if top <= 0:
            f0 = float(self.utility(np.array(0.0)))
            return f0, f0 + ROUNDING * abs(f0), 0.0
        cuts = np.concatenate([[0.0, top, self.psi.value.m0 - self.S], self.psi.breakpoints()])
        cuts = np.unique(cuts[(cuts >= 0) & (cuts <= top)])
        a, b = cuts[:-1], cuts[1:]
        fa, fb = self.utility(a), self.utility(b)
        best_i = int(np.argmax(np.concatenate([fa, fb])))
        lower = float(np.concatenate([fa, fb])[best_i])
        arg = float(np.concatenate([a, b])[best_i])
        upper = lower
        for _ in range(MAX_ROUNDS):
            U = self._bounds(a, b, fa, fb)
            keep = U > lower + resolution
            if not keep.any():
                break
            a, b, fa, fb, U = a[keep], b[keep], fa[keep], fb[keep], U[keep]
            if a.size > MAX_INTERVALS:
                order = np.argsort(U)[::-1]
                upper = max(upper, float(U[order[MAX_INTERVALS:]].max()))
                a, b, fa, fb = (z[order[:MAX_INTERVALS]] for z in (a, b, fa, fb))
            mid = 0.5 * (a + b)
            fm = self.utility(mid)
            k = int(np.argmax(fm))
            if fm[k] > lower:
                lower, arg = float(fm[k]), float(mid[k])
            a, b, fa, fb = np.concatenate([a, mid]), np.concatenate([mid, b]), np.concatenate([fa, fm]), \
                np.concatenate([fm, fb])
        else:
            upper = max(upper, float(self._bounds(a, b, fa, fb).max(initial=-np.inf)))
        return lower, max(upper, lower), arg

    def best(self, resolution: float) -> tuple[float, float, float]:
        """(lower, upper, argmax) of f over every x >= 0: the bounded piece below x_top and the exact
        concave piece above it."""
        lo, up, arg = self.bounded_max(resolution)
        v = self.psi.value
        hi, x_hi = best_aggregate_deviation(v, np.array(self.c), np.array(self.S), np.array(self.x_top))
        hi, x_hi = float(hi), float(x_hi)
        upper = max(up, hi + ROUNDING * (abs(hi) + self.c * x_hi))
        return (hi, upper, x_hi) if hi > lo else (lo, upper, arg)


def kink_slope(mechanism: str, value: ValueOfData, n: int, p: float, m: float) -> float:
    """Left slope at x = m of an agent's value when the n - 1 others contribute m each:
    p (psi'/psi)(m) v(nm) + v'(nm) (Theorem VI's condition is that it be >= c)."""
    psi = Contribution(mechanism, value, n, m)
    ps, dps = float(psi.psi(np.array(m))), float(psi.dpsi(np.array(m)))
    vn = float(value.v(n * m))
    term = 0.0 if p == 0 or vn <= 0 or ps <= 0 and dps == 0 else (p * dps / ps * vn if ps > 0 else np.inf)
    return term + float(value.dv(n * m))
