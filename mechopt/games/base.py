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
from typing import Any

import numpy as np

from mechopt.core.structured import Jacobian
from mechopt.games.differences import (CENTRAL_STENCIL, FD_STEP, FORWARD_STENCIL, JACOBIAN_STEP,
                                       JACOBIAN_STEP_EXACT, VALUE_NOISE)


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


def lipschitz_constants(lipschitz: float | Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Declared Lipschitz constants: one, or one per player, each finite and > 0."""
    L = np.asarray(lipschitz, dtype=float)
    if L.ndim > 1 or (L.ndim == 1 and L.size != n):
        raise ValueError(f"lipschitz: expected one constant or one per player ({n}), got shape {L.shape}")
    L = np.broadcast_to(L, (n,)).copy()
    if not np.all(np.isfinite(L)) or np.any(L <= 0):
        raise ValueError(f"lipschitz: expected finite constants > 0 (one, or one per player), got {lipschitz!r}")
    return L


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

    @property
    def concavity_proven(self) -> bool:
        """True when ``own_concave`` follows in closed form from the game's built-in families
        (not from a user's declaration); certificates then state that basis.  Default False."""
        return False

    @property
    def own_lipschitz(self) -> np.ndarray | None:
        """Declared Lipschitz constants L_i of u_i(., s_-i) in s_i (checked on every sample the
        certificate takes), or None when none is declared."""
        return None

    @abstractmethod
    def utilities(self, s: np.ndarray) -> np.ndarray:
        """u(s), shape (n,)."""

    def utility_magnitudes(self, s: np.ndarray) -> np.ndarray:
        """The magnitude of each u_i's terms at s (payoff plus cost, say), the scale the Nash
        certificate's tolerance is relative to together with |u_i| at the point and at the best
        response.  Default |u_i(s)| (a game given by callables has no terms to show)."""
        return np.abs(self.utilities(s))

    @abstractmethod
    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        """F(s) with F_i = du_i/ds_i, shape (n,)."""

    def own_gradient_error(self, s: np.ndarray) -> np.ndarray:
        """Estimated absolute error of :meth:`own_gradient` at s, per player.  Zero for
        closed-form derivatives (rounding aside); difference schemes return their estimate, and
        solvers stop at the accuracy it allows."""
        return np.zeros(self.n)

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
        hessians: Sequence[Callable[[np.ndarray], float]] | None = None,
        concave: bool = False,
        lipschitz: float | Sequence[float] | np.ndarray | None = None,
        shared_constraints: Sequence[Callable[[Any], float]] | None = None,
        constraint_gradients: Sequence[Callable[[Any], Any]] | None = None,
        player_constraints: Sequence[Sequence[Callable[[Any], float]]] | None = None,
        player_constraint_gradients: Sequence[Sequence[Callable[[Any], Any]]] | None = None,
    ) -> Any:
        """A game from plain callables: ``utilities[i](s)`` is u_i at the whole profile s.

        With vector strategies (some ``bounds[i]`` a list of (lower, upper) pairs) or
        ``shared_constraints`` (callables g_k(x), meaning g_k(x) <= 0, jointly convex), the game is
        a :class:`~mechopt.games.generalized.CallableGeneralizedGame` instead: every callable then
        takes the profile as a list of 1-D arrays, one per player, ``gradients[i](x)`` returns
        grad_{x_i} u_i and ``constraint_gradients[k](x)`` the full gradient of g_k as such a list
        (docs/gnep.md); ``hessians`` and ``lipschitz`` do not apply.  ``player_constraints[i]``
        (a list of callables h(x) <= 0, convex in x_i, binding player i only, with optional
        ``player_constraint_gradients`` as for the shared ones) make it a generalized game too.

        ``bounds[i] = (lower_i, upper_i)``.  ``gradients[i](s)`` (du_i/ds_i) and ``hessians[i](s)``
        (d^2 u_i/ds_i^2) are used where given and taken as exact.  Without them the own
        derivative is a fourth-order difference (steps of eps^(1/5) times the action's scale; on
        the Cournot game of tests/test_callable_games.py, errors of 1e-12 for profits of a few
        hundred; one-sided at a bound) whose error is estimated (:meth:`own_gradient_error`) and fed
        to Newton's stopping test, and the Jacobian is a central difference of the gradient (2e-9
        relative error there).  docs/certificates.md says what accuracy to expect.

        ``concave=True`` declares every u_i concave in s_i: certificates then bound the gains
        from above by chords, under the declaration (taken on trust, checked on samples, named
        in the result).  ``lipschitz`` (one number or one per player) declares
        |u_i(x, s_-i) - u_i(y, s_-i)| <= L_i |x - y|: certificates check it on every sample and,
        if it holds there, bound the gains rigorously under it.  Without either, a certificate
        rests on sampling only and is not verified (docs/certificates.md).
        """
        try:
            pairs = np.asarray(bounds, dtype=float)
        except ValueError:  # ragged: players with strategies of different lengths
            pairs = None
        if shared_constraints is not None or player_constraints is not None or pairs is None or pairs.ndim == 3:
            from mechopt.games.generalized import CallableGeneralizedGame

            for name, given in (("hessians", hessians), ("lipschitz", lipschitz)):
                if given is not None:
                    raise ValueError(f"{name}: not taken by a game with vector strategies or shared constraints")
            return CallableGeneralizedGame(utilities, bounds, gradients=gradients,
                                           shared_constraints=shared_constraints or (),
                                           constraint_gradients=constraint_gradients, concave=concave,
                                           player_constraints=player_constraints,
                                           player_constraint_gradients=player_constraint_gradients)
        if constraint_gradients is not None:
            raise ValueError("constraint_gradients: given without shared_constraints")
        return CallableGame(utilities, pairs, gradients=gradients, hessians=hessians, concave=concave,
                            lipschitz=lipschitz)



class DeclaredGame(ContinuousGame):
    """A game given by a user's callables: concavity and Lipschitz constants are what the user
    declares (``_concave``, ``_lipschitz``), difference steps are relative to each action's scale."""

    _concave: bool
    _lipschitz: np.ndarray | None

    @property
    def own_concave(self) -> bool:
        return self._concave

    @property
    def own_lipschitz(self) -> np.ndarray | None:
        return self._lipschitz

    def _scale(self, s: np.ndarray) -> np.ndarray:
        """The scale of each action that difference steps are relative to."""
        width = self.upper - self.lower
        return np.clip(np.abs(s), 1e-3 * width, width)


class CallableGame(DeclaredGame):
    """A game given by per-player utility callables of the whole profile (see ``from_utilities``)."""

    def __init__(
        self,
        utilities: Sequence[Callable[[np.ndarray], float]],
        bounds: Sequence[tuple[float, float]] | np.ndarray,
        *,
        gradients: Sequence[Callable[[np.ndarray], float]] | None = None,
        hessians: Sequence[Callable[[np.ndarray], float]] | None = None,
        concave: bool = False,
        lipschitz: float | Sequence[float] | np.ndarray | None = None,
        step: float = FD_STEP,
    ) -> None:
        b = np.asarray(bounds, dtype=float)
        if b.ndim != 2 or b.shape[1] != 2:
            raise ValueError(f"bounds: expected one (lower, upper) pair per player, got shape {b.shape}")
        if len(utilities) != b.shape[0]:
            raise ValueError(f"utilities: got {len(utilities)} callables for {b.shape[0]} players' bounds")
        for name, given in (("gradients", gradients), ("hessians", hessians)):
            if given is not None and len(given) != len(utilities):
                raise ValueError(f"{name}: got {len(given)} callables for {len(utilities)} players")
        if not (np.isfinite(step) and 0 < step < 0.5):
            raise ValueError(f"step: must be a relative step in (0, 0.5), got {step!r}")
        self.lower, self.upper = validate_bounds(b[:, 0], b[:, 1])
        self._u = list(utilities)
        self._g = None if gradients is None else list(gradients)
        self._hess = None if hessians is None else list(hessians)
        self._concave = bool(concave)
        self._step = float(step)
        self._lipschitz = None if lipschitz is None else lipschitz_constants(lipschitz, len(utilities))

    def utilities(self, s: np.ndarray) -> np.ndarray:
        return np.array([float(u(s)) for u in self._u])

    def _with(self, s: np.ndarray, i: int, xi: float) -> np.ndarray:
        t = np.array(s, dtype=float)
        t[i] = xi
        return t

    def _difference(self, s: np.ndarray, i: int, h: float) -> tuple[float, float, float]:
        """Fourth-order difference quotient of u_i in s_i with step about h: central where the
        stencil fits in the box, one-sided towards the larger room otherwise.  Returns the
        quotient, the step used and the rounding error of the quotient."""
        x, lo, hi = s[i], self.lower[i], self.upper[i]
        if x - 2.0 * h >= lo and x + 2.0 * h <= hi:
            offsets, weights = CENTRAL_STENCIL
        else:
            direction = 1.0 if hi - x >= x - lo else -1.0
            h = direction * min(h, 0.25 * max(hi - x, x - lo))
            offsets, weights = FORWARD_STENCIL
        values = np.array([float(self._u[i](self._with(s, i, x + k * h))) for k in offsets])
        rounding = VALUE_NOISE * np.finfo(float).eps * float(np.max(np.abs(values))) * float(np.sum(np.abs(weights)))
        return float(weights @ values) / h, abs(h), rounding / abs(h)

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        if self._g is not None:
            return np.array([float(g(s)) for g in self._g])
        h = self._step * self._scale(s)
        return np.array([self._difference(s, i, h[i])[0] for i in range(self.n)])

    def own_gradient_error(self, s: np.ndarray) -> np.ndarray:
        """Zero for user-supplied gradients; otherwise 2 |D(h) - D(2h)| (30 times the truncation
        error of D(h) on smooth utilities, still above it where u_i is only x^0.6-smooth, e.g. at
        a bound) plus the rounding error of D(h)."""
        s = np.asarray(s, dtype=float)
        if self._g is not None:
            return np.zeros(self.n)
        h = self._step * self._scale(s)
        out = np.empty(self.n)
        for i in range(self.n):
            d1, used, rounding = self._difference(s, i, h[i])
            d2, _, _ = self._difference(s, i, 2.0 * used)
            out[i] = 2.0 * abs(d1 - d2) + rounding
        return out

    def own_jacobian(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        J = np.empty((self.n, self.n))
        h = (JACOBIAN_STEP if self._g is None else JACOBIAN_STEP_EXACT) * self._scale(s)
        for j in range(self.n):
            lo = max(s[j] - h[j], self.lower[j])
            hi = min(s[j] + h[j], self.upper[j])
            J[:, j] = (self.own_gradient(self._with(s, j, hi)) - self.own_gradient(self._with(s, j, lo))) / (hi - lo)
        if self._hess is not None:  # where finite (f'' may be infinite at a bound); else the difference
            with np.errstate(all="ignore"):
                own = np.array([float(H(s)) for H in self._hess])
            J[np.diag_indices(self.n)] = np.where(np.isfinite(own), own, np.diag(J))
        return J

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        out = np.empty(x.shape)
        for i, u in enumerate(self._u):
            t = np.array(s, dtype=float)
            for j, xij in enumerate(x[i]):
                t[i] = xij
                out[i, j] = u(t)
        return out
