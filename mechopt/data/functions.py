"""Scalar functions of data: payoffs of an amount of data and costs of an agent's own contribution.

Each function is vectorized: parameters are scalars or arrays of shape ``(n,)`` (one value per
agent) and broadcast against the leading axis of ``x``.  Every function gives its value and
first and second derivatives; where a disciplined-convex (DCP) form exists, ``dcp`` returns the
cvxpy expression.  ``concave`` / ``convex`` are declared properties that solvers and certificates
rely on; a user-supplied function declares them itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import cvxpy as cp

ArrayLike = float | np.ndarray


def checked_parameter(name: str, value: ArrayLike, *, positive: bool = False, nonneg: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"{name}: expected a scalar or a 1-d array of per-agent values, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: values must be finite")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: values must be > 0, got min {arr.min():g}")
    if nonneg and np.any(arr < 0):
        raise ValueError(f"{name}: values must be >= 0, got min {arr.min():g}")
    return arr


def broadcast_agents(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Broadcast a per-agent parameter against the leading (agent) axis of ``x``."""
    if p.ndim == 1 and np.ndim(x) > 1:
        return p.reshape(p.shape + (1,) * (np.ndim(x) - 1))
    return p


class NoDCPForm(NotImplementedError):
    """Raised by :meth:`ScalarFunction.dcp` when a function has no DCP expression."""


class ScalarFunction(ABC):
    """f(x) with derivatives, vectorized over agents and evaluation points."""

    concave: bool = False
    convex: bool = False

    @abstractmethod
    def value(self, x: ArrayLike) -> np.ndarray: ...

    @abstractmethod
    def d1(self, x: ArrayLike) -> np.ndarray: ...

    @abstractmethod
    def d2(self, x: ArrayLike) -> np.ndarray: ...

    def dcp(self, x: cp.Expression) -> cp.Expression:
        """The cvxpy expression of f(x); raises :class:`NoDCPForm` when none exists."""
        raise NoDCPForm(f"{type(self).__name__} has no DCP expression")


@dataclass(frozen=True)
class PowerLaw(ScalarFunction):
    """Power-law accuracy ``top - alpha (x + shift)^(-beta)``.

    ``shift=0, top=1`` is 001 (3); ``shift=1`` is 003 (12); 001 Example 1 uses
    ``top=8, alpha=1, beta=1, shift=0``.  Concave and increasing for alpha, beta > 0.
    """

    alpha: ArrayLike
    beta: ArrayLike
    shift: float = 0.0
    top: ArrayLike = 1.0
    concave = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", checked_parameter("alpha", self.alpha, positive=True))
        object.__setattr__(self, "beta", checked_parameter("beta", self.beta, positive=True))
        object.__setattr__(self, "top", checked_parameter("top", self.top))
        if not (np.isfinite(self.shift) and self.shift >= 0):
            raise ValueError(f"shift: must be a finite number >= 0, got {self.shift}")
        with np.errstate(over="ignore"):
            object.__setattr__(self, "_ab", self.alpha * self.beta)
            object.__setattr__(self, "_abb", self.alpha * self.beta * (self.beta + 1.0))
        if not (np.all(np.isfinite(self._abb)) and np.all(np.isfinite(self.top))):
            raise ValueError("alpha, beta: alpha * beta * (beta + 1) overflows; the power law's curvature is not a "
                             "finite number")

    def _pow(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """The base x + shift and base^(-beta), as exp(-beta log base): one log and one exp
        instead of a pow with array exponents.  For one number x (a payoff of the total data,
        every agent at the same x) the last result is kept, so value, d1 and d2 at the same total
        share one exp."""
        x = np.asarray(x, dtype=float)
        base = x + self.shift
        if x.ndim == 0:
            key = float(x)
            memo = getattr(self, "_memo", None)
            if memo is not None and memo[0] == key:
                return base, memo[1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            p = np.multiply(broadcast_agents(self.beta, x), -np.log(base))
            p = np.exp(p, out=p) if isinstance(p, np.ndarray) else np.exp(p)
        if x.ndim == 0:
            object.__setattr__(self, "_memo", (key, p))
        return base, p

    def value(self, x: ArrayLike) -> np.ndarray:
        _, p = self._pow(x)
        return broadcast_agents(self.top, np.asarray(x)) - broadcast_agents(self.alpha, np.asarray(x)) * p

    def d1(self, x: ArrayLike) -> np.ndarray:
        base, p = self._pow(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = broadcast_agents(self._ab, np.asarray(x)) * p
            return np.divide(out, base, out=out) if isinstance(out, np.ndarray) else out / base

    def d2(self, x: ArrayLike) -> np.ndarray:
        base, p = self._pow(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = broadcast_agents(self._abb, np.asarray(x)) * p
            return np.divide(out, -(base * base), out=out) if isinstance(out, np.ndarray) else out / -(base * base)

    def dcp(self, x: cp.Expression) -> cp.Expression:
        import cvxpy as cp

        if self.beta.ndim == 0:
            return self.top - cp.multiply(self.alpha, cp.power(x + self.shift, -float(self.beta)))
        if x.shape not in ((), self.beta.shape):
            raise ValueError(f"x: expected a scalar or one entry per agent, shape {self.beta.shape}, got {x.shape}")
        # like value(): a scalar x (the total) is every agent's argument, a vector one per agent
        terms = [cp.power((x if x.shape == () else x[i]) + self.shift, -float(b)) for i, b in enumerate(self.beta)]
        return self.top - cp.multiply(self.alpha, cp.hstack(terms))


@dataclass(frozen=True)
class PACBound(ScalarFunction):
    """ERM generalization bound 001 (2), floored at zero as in 000 (value of data max(0, b(m))).

    ``a(m) = max(0, a0 - (4 + sqrt(2k(2 + log(m/k)))) / sqrt(m))``.  Not concave near the floor;
    defined as 0 where the bound is negative or m < k e^-2 (where the square root is undefined).
    """

    a0: ArrayLike
    k: ArrayLike

    def __post_init__(self) -> None:
        object.__setattr__(self, "a0", checked_parameter("a0", self.a0))
        object.__setattr__(self, "k", checked_parameter("k", self.k, positive=True))

    def _parts(self, x: ArrayLike):
        m = np.asarray(x, dtype=float)
        k, a0 = broadcast_agents(self.k, m), broadcast_agents(self.a0, m)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = 2.0 * k * (2.0 + np.log(m / k))
            h = np.sqrt(np.where(inner > 0, inner, np.nan))
            raw = a0 - (4.0 + h) / np.sqrt(m)
        active = np.isfinite(raw) & (raw > 0)
        return m, k, h, raw, active

    def value(self, x: ArrayLike) -> np.ndarray:
        _, _, _, raw, active = self._parts(x)
        return np.where(active, raw, 0.0)

    def d1(self, x: ArrayLike) -> np.ndarray:
        m, k, h, _, active = self._parts(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            hp = k / (m * h)
            g1 = hp * m**-0.5 - 0.5 * (4.0 + h) * m**-1.5
        return np.where(active, -g1, 0.0)

    def d2(self, x: ArrayLike) -> np.ndarray:
        m, k, h, _, active = self._parts(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            hp = k / (m * h)
            hpp = -k / (m**2 * h) - k**2 / (m**2 * h**3)
            g2 = hpp * m**-0.5 - hp * m**-1.5 + 0.75 * (4.0 + h) * m**-2.5
        return np.where(active, -g2, 0.0)


@dataclass(frozen=True)
class Quadratic(ScalarFunction):
    """``slope x + curvature x^2 / 2 + intercept``: linear costs c_i s_i + d_i when curvature = 0."""

    slope: ArrayLike
    intercept: ArrayLike = 0.0
    curvature: ArrayLike = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "slope", checked_parameter("slope", self.slope))
        object.__setattr__(self, "intercept", checked_parameter("intercept", self.intercept))
        object.__setattr__(self, "curvature", checked_parameter("curvature", self.curvature))

    @property
    def convex(self) -> bool:  # type: ignore[override]
        return bool(np.all(self.curvature >= 0))

    @property
    def concave(self) -> bool:  # type: ignore[override]
        return bool(np.all(self.curvature <= 0))

    def value(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        linear = broadcast_agents(self.slope, x) * x + broadcast_agents(self.intercept, x)
        return linear + 0.5 * broadcast_agents(self.curvature, x) * x**2 if self.curvature.any() else linear

    def d1(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if not self.curvature.any():
            return np.broadcast_to(broadcast_agents(self.slope, x), np.broadcast_shapes(x.shape, np.shape(broadcast_agents(self.slope, x))))
        return broadcast_agents(self.slope, x) + broadcast_agents(self.curvature, x) * x

    def d2(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.broadcast_to(broadcast_agents(self.curvature, x), np.broadcast_shapes(x.shape, np.shape(broadcast_agents(self.curvature, x)))).astype(float)

    def dcp(self, x: cp.Expression) -> cp.Expression:
        import cvxpy as cp

        quad = cp.multiply(0.5 * self.curvature, cp.square(x)) if np.any(self.curvature) else 0.0
        return cp.multiply(self.slope, x) + quad + self.intercept


def linear_cost(slope: ArrayLike, intercept: ArrayLike = 0.0) -> Quadratic:
    """Linear cost ``c x + d`` (001 Section 4, 000)."""
    return Quadratic(slope=slope, intercept=intercept)


@dataclass(frozen=True)
class CallableFunction(ScalarFunction):
    """A user-supplied function of a numpy array, with optional derivatives.

    Missing derivatives are central finite differences with step ``h`` (``100 h`` for a second
    derivative taken from a finite-difference first derivative).  ``concave`` and
    ``convex`` are what the user declares; certificates only rely on them for the search
    method, and check own-action concavity at the reported point anyway.
    """

    fn: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray] | None = None
    second_derivative: Callable[[np.ndarray], np.ndarray] | None = None
    concave: bool = False  # type: ignore[assignment]
    convex: bool = False  # type: ignore[assignment]
    h: float = field(default=1e-5)

    def value(self, x: ArrayLike) -> np.ndarray:
        return np.asarray(self.fn(np.asarray(x, dtype=float)), dtype=float)

    def d1(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.derivative is not None:
            return np.asarray(self.derivative(x), dtype=float)
        return (self.value(x + self.h) - self.value(x - self.h)) / (2 * self.h)

    def d2(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.second_derivative is not None:
            return np.asarray(self.second_derivative(x), dtype=float)
        # differences of differences need a wider step: their rounding error is eps / (h H)
        H = self.h if self.derivative is not None else 100.0 * self.h
        return (self.d1(x + H) - self.d1(x - H)) / (2 * H)
