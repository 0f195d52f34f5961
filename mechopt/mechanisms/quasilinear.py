"""Mechanisms with payments on the data-sharing game with quasi-linear utilities (003 Definition
3.1): agent i gets u_i(s) = a_i(s) - c_i(s_i) + p_i(s) at the profile s.

:class:`QuasiLinearMechanism` is their common base (the :class:`~mechopt.mechanisms.base.Mechanism`
protocol plus what 003's metrics need): M^0 (:class:`NoPayments`, no payments), M^BG
(:class:`BudgetBalanced`, 001's M_beta: p_i = beta (c_i(s_i) - 1/(n-1) sum_{j != i} c_j(s_j))) and
M^Shap (:class:`~mechopt.mechanisms.mshap.ShapleyMechanism`, (7)).

Every one of them rests on 003's premise that payoffs vanish without data: A(s[empty]) =
sum_i a_i(0) = 0.  Lemma 2.3 (the Shapley values distribute A(s)) and with it M^Shap's budget
balance (Lemma 4.2) and the meaning of reciprocity (4) need it; a payoff that violates it is
refused when the mechanism is built (:func:`check_empty_coalition`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.games.base import ContinuousGame
from mechopt.games.data_sharing import DataSharingGame
from mechopt.mechanisms.mbeta import MBeta, optimal_beta_for
from mechopt.valuation.shapley import EXACT_ENGINES, ShapleyResult, payoff_magnitudes, shapley_engine, shapley_values

EMPTY_ROUNDING = 64.0 * np.finfo(float).eps
"""a_i(0) counts as 0 when it is within this fraction of the magnitude of its terms (top and
alpha shift^-beta of a power law; rounding of their difference)."""


def empty_payoffs(payoff: LinearIndexPayoff) -> tuple[np.ndarray, np.ndarray]:
    """(a(0), the magnitude of its terms) per agent (:func:`~mechopt.valuation.shapley.payoff_magnitudes`:
    |top| + |alpha shift^-beta| for a power law, the grouped payoff's 1 - 1/(1 + z) included; a(0)
    itself for linear and PAC-bound payoffs, whose a(0) is 0 exactly)."""
    zero = np.zeros(payoff.n)
    with np.errstate(all="ignore"):
        return np.asarray(payoff.values(zero), dtype=float), payoff_magnitudes(payoff, zero)


def nonvanishing_agent(payoff: LinearIndexPayoff) -> int | None:
    """The first agent whose a_i(0) is not 0 (up to ``EMPTY_ROUNDING`` of its terms), else None."""
    a0, terms = empty_payoffs(payoff)
    bad = ~(np.isfinite(a0) & (np.abs(a0) <= EMPTY_ROUNDING * terms))
    return int(np.argmax(bad)) if np.any(bad) else None


def check_empty_coalition(payoff: LinearIndexPayoff) -> None:
    """Refuse a payoff with a_i(0) != 0 for some agent (module doc), naming the agent and the value."""
    i = nonvanishing_agent(payoff)
    if i is not None:
        raise ValueError(f"payoff: 003's mechanisms need payoffs that vanish without data, A(s[empty]) = sum_i a_i(0) "
                         f"= 0 (Lemma 2.3, on which M^Shap's budget balance, Lemma 4.2, and reciprocity (4) rest); "
                         f"agent {i} has a_i(0) = {empty_payoffs(payoff)[0][i]:.6g}")


class QuasiLinearMechanism(ABC):
    """A payment rule on a data-sharing setting (payoff, cost, action bounds tau) with quasi-linear
    utilities (module doc).  ``engine`` is the exact Shapley engine of :meth:`shapley` (the
    contributions phi_i of reciprocity (4), and M^Shap's payments and game)."""

    name: str
    budget_balanced: bool = True
    """Definition 3.2: sum_i p_i(s) = 0 at every profile (every mechanism of 003 here)."""
    reciprocal: bool = False
    """Theorem 4.7: a_i(s) + p_i(s) = phi_i(s) at every profile (M^Shap)."""

    def __init__(self, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *,
                 engine: str = "auto") -> None:
        if not isinstance(payoff, LinearIndexPayoff):
            raise ValueError(f"payoff: 003's mechanisms need a payoff of a linear index (power law, PAC bound, linear "
                             f"or grouped), got {type(payoff).__name__}")
        if not isinstance(cost, Quadratic):
            raise ValueError(f"cost: expected a Quadratic cost, got {type(cost).__name__}")
        if engine not in EXACT_ENGINES:
            raise ValueError(f"engine: expected one of {EXACT_ENGINES}, got {engine!r}")
        check_empty_coalition(payoff)
        self.payoff, self.cost, self.engine = payoff, cost, engine
        self._last: tuple[bytes, ShapleyResult] | None = None
        self.tau = np.broadcast_to(np.asarray(tau, dtype=float), (payoff.n,)).copy()

    @classmethod
    def build(cls, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *, beta: float | None = None,
              engine: str = "auto") -> QuasiLinearMechanism:
        """The mechanism from a model file's options; ``beta`` belongs to M^BG only."""
        if beta is not None:
            raise ValueError(f"beta: only mechanism 'budget_balanced' takes it, not {cls.name!r}")
        return cls(payoff, cost, tau, engine=engine)

    @property
    def n(self) -> int:
        return self.payoff.n

    @abstractmethod
    def payments(self, s: np.ndarray) -> np.ndarray:
        """p(s): what each agent is paid at s (negative: charged)."""

    @abstractmethod
    def game(self) -> ContinuousGame:
        """The game whose equilibria are the mechanism's."""

    @property
    def parameters(self) -> dict[str, Any]:
        """The mechanism's own parameters (none by default)."""
        return {}

    def shapley(self, s: np.ndarray) -> ShapleyResult:
        """phi(s), 003 (3), from the mechanism's exact engine (the last profile's kept: payments,
        their scale and the metrics at one profile share it)."""
        s = np.asarray(s, dtype=float)
        key = s.tobytes()
        if self._last is None or self._last[0] != key:
            self._last = (key, shapley_values(self.payoff, s, method=shapley_engine(self.payoff, s, self.engine)))
        return self._last[1]

    @abstractmethod
    def payment_scale(self, s: np.ndarray) -> float:
        """The magnitude of the terms the payments at s are computed from: the scale of the
        rounding of sum_i p_i (payments much smaller than those terms carry their rounding)."""

    def baseline(self) -> NoPayments:
        """M^0 of the same setting, the baseline of data gain (5) and accuracy gain (6)."""
        return NoPayments(self.payoff, self.cost, self.tau, engine=self.engine)


class NoPayments(QuasiLinearMechanism):
    """M^0: p = 0; its game is the data-sharing game u_i = a_i(s) - c_i(s_i) (003 Section 3.1)."""

    name = "none"

    def payments(self, s: np.ndarray) -> np.ndarray:
        return np.zeros(self.n)

    def game(self) -> DataSharingGame:
        return DataSharingGame(self.payoff, self.cost, self.tau)

    def payment_scale(self, s: np.ndarray) -> float:
        return 0.0


def scaled_cost(cost: Quadratic, factor: float) -> Quadratic:
    """factor * c."""
    return Quadratic(slope=factor * cost.slope, intercept=factor * cost.intercept, curvature=factor * cost.curvature)


class BudgetBalanced(QuasiLinearMechanism):
    """M^BG (003's name for 001's M_beta with quasi-linear utilities):
    p_i = beta (c_i(s_i) - 1/(n-1) sum_{j != i} c_j(s_j)).

    u_i = a_i(s) - (1 - beta) c_i(s_i) - beta/(n-1) sum_{j != i} c_j(s_j); the last term does not
    depend on s_i, so M^BG's equilibria (and best-response gains) are those of the data-sharing
    game with cost (1 - beta) c, its :meth:`game`.  ``beta`` in [0, 1]; :meth:`build` takes beta*
    of 001 (6) for linear cost slopes when none is given."""

    name = "budget_balanced"

    def __init__(self, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, beta: float, *,
                 engine: str = "auto") -> None:
        super().__init__(payoff, cost, tau, engine=engine)
        self.rule = MBeta(cost, float(beta), payoff.n)  # checks 0 <= beta <= 1 and n >= 2
        self.beta = float(beta)

    @classmethod
    def build(cls, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *, beta: float | None = None,
              engine: str = "auto") -> BudgetBalanced:
        """M^BG with the given ``beta``, or beta* of 001 (6) for the linear cost slopes of ``cost``."""
        if beta is None:
            beta = optimal_beta_for(cost, payoff.n).beta
        return cls(payoff, cost, tau, beta, engine=engine)

    def payments(self, s: np.ndarray) -> np.ndarray:
        return self.rule.payments(np.asarray(s, dtype=float))

    def game(self) -> DataSharingGame:
        return DataSharingGame(self.payoff, scaled_cost(self.cost, 1.0 - self.beta), self.tau)

    @property
    def parameters(self) -> dict[str, Any]:
        return {"beta": self.beta}

    def payment_scale(self, s: np.ndarray) -> float:
        """2 beta sum_i |c_i(s_i)|: each payment is beta times a cost minus the others' mean."""
        return float(2.0 * self.beta * np.sum(np.abs(self.cost.value(np.asarray(s, dtype=float)))))
