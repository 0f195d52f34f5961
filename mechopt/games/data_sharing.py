"""The federated-learning data-sharing game of 001 Section 2: u_i(s) = a_i(s) - c_i(s_i)."""

from __future__ import annotations

import numpy as np

from mechopt.data.functions import PowerLaw, Quadratic, ScalarFunction
from mechopt.data.payoffs import LinearIndexPayoff, Payoff, RandomCoverage
from mechopt.core.structured import DiagPlusLowRank
from mechopt.games.base import ContinuousGame, validate_bounds


class DataSharingGame(ContinuousGame):
    """Agents choose s_i in [0, tau_i]; payoff a(s) from a :class:`~mechopt.payoffs.Payoff`,
    cost c_i(s_i) from a convex :class:`~mechopt.functions.ScalarFunction`."""

    def __init__(self, payoff: Payoff, cost: ScalarFunction, upper: np.ndarray | float) -> None:
        upper = np.broadcast_to(np.asarray(upper, dtype=float), (payoff.n,)).copy()
        self.lower, self.upper = validate_bounds(np.zeros(payoff.n), upper, name="tau")
        self.payoff, self.cost = payoff, cost

    @property
    def own_concave(self) -> bool:
        return self.payoff.own_concave and bool(self.cost.convex)

    @property
    def concavity_proven(self) -> bool:
        """Concave in closed form: built-in families only (a power law or quadratic of a linear
        index, or random coverage; a quadratic cost), whose concavity/convexity follows from their
        parameters.  A user's :class:`~mechopt.data.functions.CallableFunction` is a declaration."""
        payoff_family = isinstance(self.payoff, RandomCoverage) or (
            isinstance(self.payoff, LinearIndexPayoff) and type(self.payoff.f) in (PowerLaw, Quadratic))
        return self.own_concave and payoff_family and type(self.cost) is Quadratic

    def utilities(self, s: np.ndarray) -> np.ndarray:
        return self.payoff.values(s) - self.cost.value(s)

    def utility_magnitudes(self, s: np.ndarray) -> np.ndarray:
        """|a_i(s)| + |c_i(s_i)|."""
        return np.abs(self.payoff.values(s)) + np.abs(self.cost.value(s))

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        return self.payoff.own_derivative(s) - self.cost.d1(s)

    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank:
        J = self.payoff.own_jacobian(s)
        return DiagPlusLowRank(J.d - self.cost.d2(s), J.U, J.V)

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        return self.payoff.deviation_values(s, x) - self.cost.value(x)
