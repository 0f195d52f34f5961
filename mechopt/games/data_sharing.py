"""The federated-learning data-sharing game of 001 Section 2: u_i(s) = a_i(s) - c_i(s_i)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from mechopt.data.functions import PowerLaw, Quadratic, ScalarFunction
from mechopt.data.payoffs import BY_PLAYER, Deviations, LinearIndexPayoff, Payoff, Players, RandomCoverage, take_players
from mechopt.core.structured import DiagPlusLowRank
from mechopt.games.base import ContinuousGame, lipschitz_constants, validate_bounds


def check_per_agent(function: ScalarFunction, n: int, name: str) -> None:
    """Every per-agent parameter of a function of data (a 1-d array field) has 1 or n entries."""
    if not dataclasses.is_dataclass(function):
        return
    for field in dataclasses.fields(function):
        value = getattr(function, field.name)
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.size not in (1, n):
            raise ValueError(f"{name}.{field.name}: expected one value or one per agent ({n}), got {value.size}")


class DataSharingGame(ContinuousGame):
    """Agents choose s_i in [0, tau_i]; payoff a(s) from a :class:`~mechopt.data.payoffs.Payoff`,
    cost c_i(s_i) from a convex :class:`~mechopt.data.functions.ScalarFunction`.

    ``concave`` declares every u_i concave in s_i where the families do not prove it (a PAC
    bound, a user's function; taken on trust and checked on samples by the certificate);
    ``lipschitz`` (one constant, or one per agent) declares |u_i(x, s_-i) - u_i(y, s_-i)| <=
    L_i |x - y|.  docs/certificates.md says what each makes a certificate rest on."""

    def __init__(self, payoff: Payoff, cost: ScalarFunction, tau: np.ndarray | float, *,
                 concave: bool | None = None, lipschitz: float | np.ndarray | None = None) -> None:
        n = payoff.n
        tau = np.asarray(tau, dtype=float)
        if tau.ndim > 1 or (tau.ndim == 1 and tau.size != n):
            raise ValueError(f"tau: expected one bound or one per agent ({n}), got shape {tau.shape}")
        self.lower, self.upper = validate_bounds(np.zeros(n), np.broadcast_to(tau, (n,)).copy(), name="tau")
        check_per_agent(cost, n, "cost")
        if isinstance(payoff, LinearIndexPayoff):
            check_per_agent(payoff.f, n, "payoff")
        self.payoff, self.cost = payoff, cost
        self._declared = concave
        self._lipschitz = None if lipschitz is None else lipschitz_constants(lipschitz, n)

    @property
    def own_concave(self) -> bool:
        if self._declared is not None:
            return bool(self._declared)
        return self.payoff.own_concave and bool(self.cost.convex)

    @property
    def own_lipschitz(self) -> np.ndarray | None:
        return self._lipschitz

    @property
    def concavity_proven(self) -> bool:
        """Concave in closed form: built-in families only (a power law or quadratic of a linear
        index, or random coverage; a quadratic cost), whose concavity/convexity follows from their
        parameters.  A user's :class:`~mechopt.data.functions.CallableFunction` is a declaration."""
        payoff_family = isinstance(self.payoff, RandomCoverage) or (
            isinstance(self.payoff, LinearIndexPayoff) and type(self.payoff.f) in (PowerLaw, Quadratic))
        return self.own_concave and payoff_family and type(self.cost) is Quadratic and bool(self.cost.convex) \
            and self.payoff.own_concave

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

    @property
    def by_player(self) -> bool:
        """Whether :meth:`deviations` takes a subset of agents: the payoff and the cost are
        built-in families (a user's function sees whole (n, m) arrays)."""
        return self.payoff.by_player and type(self.cost) in BY_PLAYER

    def deviations(self, s: np.ndarray) -> Deviations:
        """u_i after a unilateral deviation from ``s``, for every agent or for some
        (:meth:`~mechopt.data.payoffs.Payoff.deviations`; the profile's index is computed once,
        the agents' parameters once per set of agents)."""
        payoff = self.payoff.deviations(s)

        def of(players: Players) -> Callable[[np.ndarray], np.ndarray]:
            a, cost = payoff(players), take_players(self.cost, players, self.n)
            return lambda x: a(x) - cost.value(x)

        return of

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        return self.deviations(s)(None)(x)
