"""Payoffs a_i(s) of a whole contribution profile s, built from the functions of data.

Every payoff gives, vectorized over agents: values a(s), own derivatives da_i/ds_i, the
Jacobian J_ij = d^2 a_i / ds_i ds_j in aggregate form (diagonal plus low rank), and the
payoff of each agent after a unilateral deviation (for best-response certificates), for every
agent or for some of them (:meth:`Payoff.deviations`: the profile's index is computed once, so a
certificate can search the agents block by block in time linear in n).
"""

from __future__ import annotations

import copy
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mechopt.data.functions import PACBound, PowerLaw, Quadratic, ScalarFunction
from mechopt.core.structured import DiagPlusLowRank

Players = slice | np.ndarray | None
"""Agents a deviation is evaluated for: a block (slice), a list of indices, or None for every one."""
Deviations = Callable[[Players], Callable[[np.ndarray], np.ndarray]]
"""players -> (x -> out[k, j], the value of agent players[k] after deviating to x[k, j] alone)."""
BY_PLAYER = (PowerLaw, PACBound, Quadratic)
"""Built-in families: their per-agent parameters are their 1-d array fields, taken row by row
by :func:`take_players` (a user's function sees whole arrays and cannot be split)."""


def take_players(function: ScalarFunction, players: Players, n: int) -> ScalarFunction:
    """``function`` for the agents ``players`` only: every per-agent parameter (a 1-d array of n
    entries) taken at those rows.  Built-in families only (:data:`BY_PLAYER`)."""
    if players is None or (isinstance(players, slice) and players.indices(n) == (0, n, 1)):
        return function
    if type(function) not in BY_PLAYER:
        raise TypeError(f"{type(function).__name__}: a user's function cannot be evaluated for some agents only")
    if n == 1:
        return function
    # rows of checked parameters need no checks: a copy with every per-agent array (fields and
    # the parameters derived from them) taken at the rows, numbers kept, and no memo of the
    # whole's values (anything else that is not a field, e.g. PowerLaw's last evaluation)
    part = copy.copy(function)
    fields = {f.name for f in dataclasses.fields(function)}
    state = vars(part)
    for name, value in list(state.items()):
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.size == n:
            state[name] = value[players]
        elif not isinstance(value, (np.ndarray, np.generic, float, int)) and name not in fields:
            del state[name]
    return part


class Payoff(ABC):
    """a: R^n -> R^n, a_i(s) the payoff of agent i at profile s."""

    n: int

    @property
    @abstractmethod
    def own_concave(self) -> bool:
        """Declared: every a_i is concave in s_i."""

    @abstractmethod
    def values(self, s: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def own_derivative(self, s: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank: ...

    @property
    def by_player(self) -> bool:
        """Whether :meth:`deviations` takes a subset of agents (else only ``players=None``)."""
        return False

    @abstractmethod
    def deviations(self, s: np.ndarray) -> Deviations:
        """The agents' payoffs after a unilateral deviation from ``s``: for the agents
        ``players`` (every one when None), the function of x giving ``out[k, j] = a_i(x[k, j],
        s_-i)`` for i = players[k].  The profile's index is computed once, the agents'
        parameters once per set of agents."""

    def deviation_values(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``out[i, j] = a_i(x[i, j], s_-i)`` for candidate own actions ``x`` of shape (n, m)."""
        return self.deviations(s)(None)(x)


@dataclass(frozen=True)
class LinearIndexPayoff(Payoff):
    """a_i(s) = f_i(z_i) with a linear index z = E (P s), E of shape (n, k), P of shape (k, n).

    Covers payoffs of the total data (001 (2), (3); 003 (12)), of group totals (003 Section 5.1)
    and linear discovery a(s) = W s (001 Section 2.1).  Build them with :meth:`aggregate`,
    :meth:`grouped` and :meth:`linear`.
    """

    f: ScalarFunction
    E: np.ndarray
    P: np.ndarray

    def __post_init__(self) -> None:
        E, P = np.atleast_2d(np.asarray(self.E, float)), np.atleast_2d(np.asarray(self.P, float))
        if E.shape[1] != P.shape[0] or E.shape[0] != P.shape[1]:
            raise ValueError(f"E, P: shapes {E.shape} and {P.shape} do not form an n x n index map")
        object.__setattr__(self, "E", E)
        object.__setattr__(self, "P", P)
        object.__setattr__(self, "n", E.shape[0])
        object.__setattr__(self, "_own_weight", np.einsum("ik,ki->i", E, P))
        # a function of the total data alone: the index is one number (a scalar keeps f's cost at
        # one log per evaluation instead of n)
        object.__setattr__(self, "_total", E.shape[1] == 1 and bool(np.all(E == 1.0) and np.all(P == 1.0)))

    @classmethod
    def aggregate(cls, f: ScalarFunction, n: int) -> LinearIndexPayoff:
        """a_i(s) = f_i(s_1 + ... + s_n)."""
        if n < 1:
            raise ValueError(f"n: number of agents must be >= 1, got {n}")
        return cls(f, np.ones((n, 1)), np.ones((1, n)))

    @classmethod
    def grouped(cls, groups: np.ndarray, weights: np.ndarray, f: ScalarFunction | None = None) -> LinearIndexPayoff:
        """003 Section 5.1: a_i(s) = f(sum_t w[g(i), t] sum_{j in A_t} s_j).

        ``groups[i]`` is agent i's group in 0..T-1, ``weights`` is the T x T matrix w; the
        default f is the paper's 1 - 1/(1 + z).
        """
        g = np.asarray(groups, dtype=int)
        w = np.atleast_2d(np.asarray(weights, dtype=float))
        T = w.shape[0]
        if w.shape != (T, T):
            raise ValueError(f"weights: expected a square T x T matrix, got shape {w.shape}")
        if g.ndim != 1 or g.min() < 0 or g.max() >= T:
            raise ValueError(f"groups: expected group indices in 0..{T - 1}")
        membership = np.zeros((T, g.size))
        membership[g, np.arange(g.size)] = 1.0
        return cls(f or PowerLaw(alpha=1.0, beta=1.0, shift=1.0), w[g], membership)

    @classmethod
    def linear(cls, W: np.ndarray) -> LinearIndexPayoff:
        """Linear discovery a(s) = W s (001 Section 2.1)."""
        W = np.atleast_2d(np.asarray(W, dtype=float))
        return cls(Quadratic(slope=1.0), W, np.eye(W.shape[0]))

    @property
    def own_concave(self) -> bool:
        return bool(self.f.concave)

    def index(self, s: np.ndarray) -> np.ndarray:
        """z = E (P s), shape (n,); a 0-d array (the total) for payoffs of the total data."""
        if self._total:
            return np.asarray(np.sum(s))
        return self.E @ (self.P @ s)

    def _per_agent(self, v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(v, (self.n,)) if np.ndim(v) == 0 or self._total else v

    def values(self, s: np.ndarray) -> np.ndarray:
        return self._per_agent(self.f.value(self.index(s)))

    def own_derivative(self, s: np.ndarray) -> np.ndarray:
        d1 = self._per_agent(self.f.d1(self.index(s)))
        return d1 if self._total else d1 * self._own_weight

    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank:
        scale = self._per_agent(self.f.d2(self.index(s)))
        if self._total:  # J = f''(S) 1 1^T
            return DiagPlusLowRank(np.zeros(self.n), scale.reshape(-1, 1), self.P.T)
        return DiagPlusLowRank(np.zeros(self.n), (scale * self._own_weight)[:, None] * self.E, self.P.T)

    @property
    def by_player(self) -> bool:
        return type(self.f) in BY_PLAYER

    def deviations(self, s: np.ndarray) -> Deviations:
        z = self.index(s)

        def of(players: Players) -> Callable[[np.ndarray], np.ndarray]:
            rows = slice(None) if players is None else players
            f, own = take_players(self.f, players, self.n), s[rows, None]
            if self._total:
                return lambda x: f.value(z + (x - own))
            zi, wi = z[rows, None], self._own_weight[rows, None]
            return lambda x: f.value(zi + wi * (x - own))

        return of


@dataclass(frozen=True)
class RandomCoverage(Payoff):
    """Random coverage, 001 (1): a_i(s) = 1 - 1/2 sum_x q_ix prod_j (1 - q_jx)^(s_j).

    ``q`` has shape (n, |X|): agent i's sampling distribution over instances x, entries in [0, 1).
    """

    q: np.ndarray

    def __post_init__(self) -> None:
        q = np.atleast_2d(np.asarray(self.q, dtype=float))
        if np.any(q < 0) or np.any(q >= 1):
            raise ValueError("q: sampling probabilities must lie in [0, 1)")
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "n", q.shape[0])
        object.__setattr__(self, "_log1mq", np.log1p(-q))

    @property
    def own_concave(self) -> bool:
        return True

    def _miss(self, s: np.ndarray) -> np.ndarray:
        return np.exp(s @ self._log1mq)  # prod_j (1 - q_jx)^(s_j), shape (|X|,)

    def values(self, s: np.ndarray) -> np.ndarray:
        return 1.0 - 0.5 * self.q @ self._miss(s)

    def own_derivative(self, s: np.ndarray) -> np.ndarray:
        return -0.5 * (self.q * self._log1mq) @ self._miss(s)

    def own_jacobian(self, s: np.ndarray) -> DiagPlusLowRank:
        U = -0.5 * self.q * self._log1mq * self._miss(s)[None, :]
        return DiagPlusLowRank(np.zeros(self.n), U, self._log1mq.copy())

    @property
    def by_player(self) -> bool:
        return True

    def deviations(self, s: np.ndarray) -> Deviations:
        y = s @ self._log1mq  # (|X|,)

        def of(players: Players) -> Callable[[np.ndarray], np.ndarray]:
            rows = slice(None) if players is None else players
            q, log1mq, own = self.q[rows], self._log1mq[rows], s[rows, None]

            def at(x: np.ndarray) -> np.ndarray:
                shifted = y[None, None, :] + log1mq[:, None, :] * (x - own)[:, :, None]
                return 1.0 - 0.5 * np.einsum("ix,imx->im", q, np.exp(shifted))

            return at

        return of
