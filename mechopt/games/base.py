"""The continuous game interface every equilibrium solver and certificate works with, and its
generic implementation by utility callables (:class:`CallableGame`).

Player i chooses s_i in [lower_i, upper_i] and maximizes u_i(s).  A Nash equilibrium is a
solution of the mixed complementarity problem formed by the KKT conditions of the n
box-constrained problems: with F_i(s) = du_i/ds_i,
s_i = lower_i => F_i <= 0,  lower_i < s_i < upper_i => F_i = 0,  s_i = upper_i => F_i >= 0.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from mechopt.core.structured import Jacobian


def validate_bounds(lower: np.ndarray, upper: np.ndarray, name: str = "bounds") -> tuple[np.ndarray, np.ndarray]:
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    if lower.ndim != 1 or lower.shape != upper.shape:
        raise ValueError(f"{name}: expected per-player lower and upper bounds of equal length")
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise ValueError(f"{name}: bounds must be finite numbers")
    if np.any(upper <= lower):
        i = int(np.argmax(upper <= lower))
        raise ValueError(f"{name}: player {i} has upper bound {upper[i]:g} <= lower bound {lower[i]:g}")
    return lower, upper


class ContinuousGame(ABC):
    """An n-player game with box action sets [lower_i, upper_i] and continuous utilities.

    ``own_concave`` declares whether every u_i is concave in the own action s_i; certificates
    rely on it only as far as docs/certificates.md says and check it at the reported point.
    """

    lower: np.ndarray
    upper: np.ndarray

    @property
    def n(self) -> int:
        return self.lower.shape[0]

    @property
    @abstractmethod
    def own_concave(self) -> bool: ...

    @abstractmethod
    def utilities(self, s: np.ndarray) -> np.ndarray:
        """u(s), shape (n,)."""

    @abstractmethod
    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        """F(s) with F_i = du_i/ds_i, shape (n,)."""

    @abstractmethod
    def own_jacobian(self, s: np.ndarray) -> Jacobian:
        """G(s) with G_ij = d^2 u_i / ds_i ds_j (001 Theorem 3.2), dense or structured."""

    @abstractmethod
    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``out[i, j] = u_i(x[i, j], s_-i)`` for candidate own actions ``x`` of shape (n, m)."""

    def project(self, s: np.ndarray) -> np.ndarray:
        return np.clip(s, self.lower, self.upper)

    def natural_residual(self, s: np.ndarray) -> np.ndarray:
        """Natural-map residual s - proj(s + F(s)); zero exactly at solutions of the MCP."""
        return s - self.project(s + self.own_gradient(s))

    @staticmethod
    def from_utilities(
        utilities: Sequence[Callable[[np.ndarray], float]],
        bounds: Sequence[tuple[float, float]] | np.ndarray,
        *,
        gradients: Sequence[Callable[[np.ndarray], float]] | None = None,
        concave: bool = False,
    ) -> ContinuousGame:
        """A game from plain callables: ``utilities[i](s)`` is u_i at the whole profile s.

        ``bounds[i] = (lower_i, upper_i)``.  Own derivatives are central finite differences
        unless ``gradients[i](s)`` (du_i/ds_i) are given.  Set ``concave=True`` only if every
        u_i is concave in s_i: certificates then use an exact unimodal search instead of a
        grid search.
        """
        return CallableGame(utilities, bounds, gradients=gradients, concave=concave)


class CallableGame(ContinuousGame):
    """A game given by per-player utility callables of the whole profile (see ``from_utilities``)."""

    def __init__(
        self,
        utilities: Sequence[Callable[[np.ndarray], float]],
        bounds: Sequence[tuple[float, float]] | np.ndarray,
        *,
        gradients: Sequence[Callable[[np.ndarray], float]] | None = None,
        concave: bool = False,
        step: float = 1e-6,
    ) -> None:
        b = np.asarray(bounds, dtype=float)
        if b.ndim != 2 or b.shape[1] != 2:
            raise ValueError(f"bounds: expected one (lower, upper) pair per player, got shape {b.shape}")
        if len(utilities) != b.shape[0]:
            raise ValueError(f"utilities: got {len(utilities)} callables for {b.shape[0]} players' bounds")
        if gradients is not None and len(gradients) != len(utilities):
            raise ValueError(f"gradients: got {len(gradients)} callables for {len(utilities)} players")
        self.lower, self.upper = validate_bounds(b[:, 0], b[:, 1])
        self._u = list(utilities)
        self._g = None if gradients is None else list(gradients)
        self._concave = concave
        self._h = step * np.maximum(1.0, self.upper - self.lower)

    @property
    def own_concave(self) -> bool:
        return self._concave

    def utilities(self, s: np.ndarray) -> np.ndarray:
        return np.array([float(u(s)) for u in self._u])

    def _with(self, s: np.ndarray, i: int, xi: float) -> np.ndarray:
        t = np.array(s, dtype=float)
        t[i] = xi
        return t

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        if self._g is not None:
            return np.array([float(g(s)) for g in self._g])
        out = np.empty(self.n)
        for i, u in enumerate(self._u):
            lo = max(s[i] - self._h[i], self.lower[i])
            hi = min(s[i] + self._h[i], self.upper[i])
            out[i] = (u(self._with(s, i, hi)) - u(self._with(s, i, lo))) / (hi - lo)
        return out

    def own_jacobian(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        J = np.empty((self.n, self.n))
        h = 100.0 * self._h
        for j in range(self.n):
            lo = max(s[j] - h[j], self.lower[j])
            hi = min(s[j] + h[j], self.upper[j])
            J[:, j] = (self.own_gradient(self._with(s, j, hi)) - self.own_gradient(self._with(s, j, lo))) / (hi - lo)
        return J

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        out = np.empty(x.shape)
        for i, u in enumerate(self._u):
            for j, xij in enumerate(x[i]):
                out[i, j] = u(self._with(s, i, xij))
        return out
