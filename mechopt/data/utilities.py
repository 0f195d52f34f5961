"""Utilities u_i(b_i, S) of unspent budget b_i and total data S (001 Section 4).

Vectorized over agents like :mod:`mechopt.data.functions`: parameters are scalars or per-agent
arrays broadcast against the leading axis.  Each utility gives its value, first and second
partial derivatives and a cvxpy (DCP) expression, and is concave and non-decreasing in both
arguments.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mechopt.data.functions import ArrayLike, ScalarFunction, broadcast_agents, checked_parameter

if TYPE_CHECKING:
    import cvxpy as cp


class BudgetUtility(ABC):
    """u(b, S), concave and non-decreasing in (b, S)."""

    @abstractmethod
    def value(self, b: ArrayLike, S: ArrayLike) -> np.ndarray: ...

    @abstractmethod
    def gradient(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """(du/db, du/dS)."""

    @abstractmethod
    def hessian(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(d2u/db2, d2u/db dS, d2u/dS2)."""

    @abstractmethod
    def dcp(self, b: cp.Expression, S: cp.Expression, money: float = 1.0) -> cp.Expression:
        """The vector of u_i(money * b_i, S) as a concave cvxpy expression (``b`` in units of
        ``money``, which is factored out where the form allows, so cones stay well scaled)."""


@dataclass(frozen=True)
class QuasiLinear(BudgetUtility):
    """u_i(b_i, S) = b_i + a_i(S): the federated-learning utility with a constant offset B_i."""

    payoff: ScalarFunction

    def __post_init__(self) -> None:
        if not self.payoff.concave:
            raise ValueError("payoff: the quasi-linear utility needs a concave payoff of the total data")

    def value(self, b: ArrayLike, S: ArrayLike) -> np.ndarray:
        return np.asarray(b, dtype=float) + self.payoff.value(S)

    def gradient(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return np.ones_like(np.asarray(b, dtype=float)), self.payoff.d1(S)

    def hessian(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        zero = np.zeros_like(np.asarray(b, dtype=float))
        return zero, zero, self.payoff.d2(S)

    def dcp(self, b: cp.Expression, S: cp.Expression, money: float = 1.0) -> cp.Expression:
        return money * b + self.payoff.dcp(S)


@dataclass(frozen=True)
class CobbDouglas(BudgetUtility):
    """u_i(b_i, S) = b_i^theta_i S^(1 - theta_i), theta_i in (0, 1)."""

    theta: ArrayLike

    def __post_init__(self) -> None:
        theta = checked_parameter("theta", self.theta)
        if np.any(theta <= 0) or np.any(theta >= 1):
            raise ValueError(f"theta: must lie in (0, 1), got {theta}")
        object.__setattr__(self, "theta", theta)

    def _t(self, b: ArrayLike) -> np.ndarray:
        return broadcast_agents(self.theta, np.asarray(b))

    def value(self, b: ArrayLike, S: ArrayLike) -> np.ndarray:
        t = self._t(b)
        with np.errstate(all="ignore"):
            return np.asarray(b, dtype=float) ** t * np.asarray(S, dtype=float) ** (1 - t)

    def gradient(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        t, u = self._t(b), self.value(b, S)
        with np.errstate(all="ignore"):
            return t * u / np.asarray(b, dtype=float), (1 - t) * u / np.asarray(S, dtype=float)

    def hessian(self, b: ArrayLike, S: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t, u = self._t(b), self.value(b, S)
        b, S = np.asarray(b, dtype=float), np.asarray(S, dtype=float)
        with np.errstate(all="ignore"):
            return t * (t - 1) * u / b**2, t * (1 - t) * u / (b * S), -t * (1 - t) * u / S**2

    def dcp(self, b: cp.Expression, S: cp.Expression, money: float = 1.0) -> cp.Expression:
        import cvxpy as cp

        thetas = np.broadcast_to(self.theta, (b.shape[0],))
        return cp.hstack([float(money) ** float(t) * cp.geo_mean(cp.hstack([b[i], S]), [float(t), 1.0 - float(t)], approx=False)
                          for i, t in enumerate(thetas)])
