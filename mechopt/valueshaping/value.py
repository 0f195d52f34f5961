"""The value of data of 000 (1): v(m) = max(0, b(m)), b continuous, non-decreasing, concave.

:class:`ValueOfData` wraps one scalar function b shared by every agent (a
:class:`~mechopt.data.functions.PowerLaw` or :class:`~mechopt.data.functions.PACBound`, or any
:class:`~mechopt.data.functions.ScalarFunction` with scalar parameters) and gives, vectorized over
agents: v, b', the viability point m0 (the largest m with b(m) <= 0), the supremum of v, and the
inverse of b' on [m0, inf) (closed form for the power law, a bracketed bisection otherwise, whose
bracket width is the certificate of the solve).  The PAC bound, evaluated on large arrays by
every 000 certificate, runs as compiled one-pass functions doing the operations of its numpy form
in the same order: equal to the last bit where numpy computes log and pow as the C library does,
within a few roundings where it does not (numpy's AVX-512 versions;
tests/valueshaping/test_compiled_value.py).  Inputs the theorems cannot use (b not increasing,
not concave where v > 0, sup v <= 0) are errors naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from mechopt.data.functions import PACBound, PowerLaw, ScalarFunction

BISECTION_STEPS = 200
"""Bisection steps on log m (each halves the bracket; 200 reach the spacing of doubles)."""
INVERSE_CACHE = 64
"""Bisections of :meth:`ValueOfData.inverse_slope` kept per value of data (by their costs)."""
CONCAVITY_SAMPLES = 400
"""Log-spaced points on [m0, 1e12 (m0 + 1)] where the concavity of b is checked for families
without a closed-form proof."""


@numba.vectorize(["float64(float64, float64, float64)"], cache=True)
def _pac_b(m: float, k: float, a0: float) -> float:  # pragma: no cover (compiled)
    """:class:`~mechopt.data.functions.PACBound`'s value in one pass, the same operations in the
    same order (the roundings of log aside, module doc): a0 - (4 + sqrt(2k(2 + log(m/k)))) / sqrt(m),
    0 where it is not a positive number."""
    inner = 2.0 * k * (2.0 + math.log(m / k))
    if not inner > 0.0:
        return 0.0
    raw = a0 - (4.0 + math.sqrt(inner)) / math.sqrt(m)
    return raw if raw > 0.0 and math.isfinite(raw) else 0.0


@numba.vectorize(["float64(float64, float64, float64)"], cache=True)
def _pac_db(m: float, k: float, a0: float) -> float:  # pragma: no cover (compiled)
    """:class:`~mechopt.data.functions.PACBound`'s first derivative in one pass (the roundings of
    log and pow aside, module doc), 0 where the value is 0."""
    inner = 2.0 * k * (2.0 + math.log(m / k))
    if not inner > 0.0:
        return 0.0
    h = math.sqrt(inner)
    raw = a0 - (4.0 + h) / math.sqrt(m)
    if not (raw > 0.0 and math.isfinite(raw)):
        return 0.0
    hp = k / (m * h)
    return -(hp * m**-0.5 - 0.5 * (4.0 + h) * m**-1.5)


def _scalar(name: str, value: np.ndarray) -> float:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 0:
        raise ValueError(f"value.{name}: one value of data is shared by all agents (000 (1)); expected a number, "
                         f"got {arr.size} values")
    return float(arr)


@dataclass(frozen=True)
class ValueOfData:
    """v(m) = max(0, b(m)) of 000 (1) for one function b shared by all agents."""

    b: ScalarFunction
    m0: float = field(init=False)
    """The largest m with b(m) <= 0 (0 when b(0) > 0): below it no model has value."""
    sup: float = field(init=False)
    """lim_{m -> inf} v(m), the value of a perfect model; the scale of every value tolerance."""
    closed_form: bool = field(init=False)
    """Whether b'^-1 and m0 have closed forms (power law)."""

    def __post_init__(self) -> None:
        b = self.b
        if isinstance(b, PowerLaw):
            alpha, beta, top = _scalar("alpha", b.alpha), _scalar("beta", b.beta), _scalar("top", b.top)
            if top <= 0:
                raise ValueError(f"value.top: must be > 0 (v = max(0, b) <= 0 everywhere otherwise), got {top:g}")
            with np.errstate(all="ignore"):
                m0 = max(0.0, float(np.exp((np.log(alpha) - np.log(top)) / beta)) - b.shift)
            if not np.isfinite(m0):
                raise ValueError(f"value.alpha: (alpha / top)^(1/beta) = b's root overflows ({alpha:g}, {top:g}, beta "
                                 f"{beta:g}): no representable amount of data has value")
            object.__setattr__(self, "_pl", (float(np.log(alpha)), float(np.log(alpha * beta)), beta, float(b.shift), top))
            sup, closed = top, True
        else:
            if isinstance(b, PACBound):
                sup = _scalar("a0", b.a0)
                object.__setattr__(self, "_pac", (_scalar("k", b.k), sup))
            else:
                sup = float(np.asarray(b.value(1e300)))
            if not (np.isfinite(sup) and sup > 0):
                raise ValueError(f"value: lim v(m) must be a finite number > 0 (000 (1)), got {sup:g}")
            m0, closed = self._bisect_m0(), False
        object.__setattr__(self, "_inverse", {})  # inverse_slope's bisections, by their costs
        object.__setattr__(self, "m0", float(m0))
        object.__setattr__(self, "sup", float(sup))
        object.__setattr__(self, "closed_form", closed)
        if not closed:
            self._check_shape()

    # --- evaluation ------------------------------------------------------------------------
    def b_of(self, m: np.ndarray | float) -> np.ndarray:
        m = np.asarray(m, dtype=float)
        with np.errstate(all="ignore"):
            if hasattr(self, "_pl"):  # in logs: alpha m^-beta is finite where alpha and m^-beta overflow apart
                log_alpha, _, beta, shift, top = self._pl
                return top - np.exp(log_alpha - beta * np.log(m + shift))
            if hasattr(self, "_pac"):  # the PAC bound's many evaluations, compiled (the same numbers)
                return np.asarray(_pac_b(m, *self._pac), dtype=float)
            return np.asarray(self.b.value(m), dtype=float)

    def v(self, m: np.ndarray | float) -> np.ndarray:
        """v(m) = max(0, b(m)) (nan-free: b = -inf at m = 0 for the power law without shift)."""
        out = self.b_of(m)
        return out if hasattr(self, "_pac") else np.where(out > 0, out, 0.0)  # the PAC bound is floored at 0

    def db(self, m: np.ndarray | float) -> np.ndarray:
        """b'(m) (the value's slope where v > 0)."""
        m = np.asarray(m, dtype=float)
        with np.errstate(all="ignore"):
            if hasattr(self, "_pl"):
                _, log_slope, beta, shift, _ = self._pl
                return np.exp(log_slope - (beta + 1.0) * np.log(m + shift))
            if hasattr(self, "_pac"):
                return np.asarray(_pac_db(m, *self._pac), dtype=float)
            return np.asarray(self.b.d1(m), dtype=float)

    def dv(self, m: np.ndarray | float) -> np.ndarray:
        """v'(m): b'(m) where b(m) > 0, else 0."""
        m = np.asarray(m, dtype=float)
        if hasattr(self, "_pac"):  # the PAC bound's b' is already 0 where b is
            return self.db(m)
        return np.where(self.b_of(m) > 0, self.db(m), 0.0)

    def inverse_slope(self, c: np.ndarray | float) -> np.ndarray:
        """The m >= m0 with b'(m) = c (b' is non-increasing there); m0 where b'(m0) <= c."""
        c = np.asarray(c, dtype=float)
        if hasattr(self, "_pl"):
            _, log_slope, beta, shift, _ = self._pl
            with np.errstate(all="ignore"):
                m = np.exp((log_slope - np.log(c)) / (beta + 1.0)) - shift
            return np.maximum(m, self.m0)
        if c.size > 1:  # one bisection per distinct cost
            distinct, where = np.unique(c, return_inverse=True)
            if distinct.size < c.size:
                return self.inverse_slope(distinct)[where].reshape(c.shape)
        key = (c.shape, c.tobytes())
        if key in self._inverse:  # the same costs come back at every profile of a model
            return self._inverse[key].copy()
        lo = np.full(c.shape, max(self.m0, 1e-300))
        hi = np.full(c.shape, 2.0 * (self.m0 + 1.0))
        for _ in range(2000):  # grow the bracket until b'(hi) <= c
            grow = self.db(hi) > c
            if not grow.any():
                break
            hi = np.where(grow, hi * 4.0, hi)
        out = self._bisect(lambda m: self.db(m) > c, lo, hi)
        if len(self._inverse) >= INVERSE_CACHE:
            self._inverse.clear()
        self._inverse[key] = out.copy()
        return out

    # --- solves ------------------------------------------------------------------------------
    @staticmethod
    def _bisect(left, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Bisection on log m keeping left(lo) true and left(hi) false (vectorized)."""
        lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        for _ in range(BISECTION_STEPS):
            mid = np.where(lo > 0, np.sqrt(lo * hi), 0.5 * (lo + hi))
            mid = np.where((mid <= lo) | (mid >= hi), 0.5 * (lo + hi), mid)
            go_right = left(mid)
            lo, hi = np.where(go_right, mid, lo), np.where(go_right, hi, mid)
            if np.all(hi - lo <= 4 * np.finfo(float).eps * np.abs(hi)):
                break
        return hi

    def _bisect_m0(self) -> float:
        if float(self.b_of(np.finfo(float).tiny)) > 0:
            return 0.0
        hi = 1.0
        for _ in range(2000):
            if float(self.b_of(hi)) > 0:
                break
            hi *= 4.0
        else:
            raise ValueError("value: b(m) stays <= 0 for every m tried; lim v must be > 0 (000 (1))")
        return float(self._bisect(lambda m: self.b_of(m) <= 0, np.array(hi * 1e-300), np.array(hi)))

    def _check_shape(self) -> None:
        """b increasing and concave where v > 0 (checked on a log grid; the power law is proven)."""
        m = np.geomspace(max(self.m0, 1e-12) * (1 + 1e-9), 1e12 * (self.m0 + 1.0), CONCAVITY_SAMPLES)
        d1, d2 = np.asarray(self.b.d1(m), dtype=float), np.asarray(self.b.d2(m), dtype=float)
        if np.any(d1 < 0):
            k = int(np.argmax(d1 < 0))
            raise ValueError(f"value: b is not increasing where v > 0 (b'({m[k]:.6g}) = {d1[k]:.3g}); 000 (1) "
                             "needs a non-decreasing value of data")
        scale = np.abs(d1) / m
        bad = d2 > 1e-9 * scale
        if np.any(bad):
            k = int(np.argmax(bad))
            raise ValueError(f"value: b is not concave where v > 0 (b''({m[k]:.6g}) = {d2[k]:.3g} > 0); "
                             "Theorems I and IV need a concave b")

    @property
    def proof(self) -> str:
        return ("b concave and increasing in closed form (power law)" if self.closed_form
                else f"b increasing and concave on {CONCAVITY_SAMPLES} log-spaced points where v > 0 (sampled)")
