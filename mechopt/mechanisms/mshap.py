"""The reciprocally fair mechanism M^Shap of 003 Definition 4.1: p_i(s) = phi_i^A(s) - a_i(s) (7).

Agent i's utility under M^Shap is a_i(s) + p_i(s) - c_i(s_i) = phi_i^A(s) - c_i(s_i): the game
:class:`ShapleyGame`, whose Shapley values and derivatives come from the exact engines of
:mod:`mechopt.valuation.shapley` (enumeration, counts of agent types, or the multilinear extension
for power-law payoffs of a linear index).  :class:`ShapleyMechanism` is M^Shap behind the
Mechanism protocol.  Payments sum to zero at every profile (Lemma 4.2, by efficiency, Lemma 2.3,
since A(0) = 0, which the mechanism checks when it is built); :func:`budget_residual` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.data.functions import PowerLaw, Quadratic, ScalarFunction
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.games.base import ContinuousGame, validate_bounds
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism
from mechopt.valuation.shapley import (EXACT_ENGINES, DeviationFrames, ShapleyResult, _index_matrix, payoff_magnitudes,
                                       shapley_engine, shapley_values)


def shapley_payments(payoff: LinearIndexPayoff, s: np.ndarray, *, engine: str = "auto") -> tuple[np.ndarray, ShapleyResult]:
    """(7): p(s) = phi^A(s) - a(s), with the Shapley result it came from."""
    s = np.asarray(s, dtype=float)
    phi = shapley_values(payoff, s, method=shapley_engine(payoff, s, engine))
    return phi.values - payoff.values(s), phi


def budget_residual(payments: np.ndarray, scale: float) -> float:
    """|sum_i p_i| relative to ``scale``, the magnitude of the terms the payments are computed from
    (:meth:`~mechopt.mechanisms.quasilinear.QuasiLinearMechanism.payment_scale`; sum_i |phi_i| +
    sum_i |a_i| for M^Shap): payments much smaller than the values they are differences of carry
    the values' rounding, so their own magnitude is not the scale.  0 for exact budget balance."""
    return float(abs(np.sum(np.asarray(payments, dtype=float))) / max(float(scale), np.finfo(float).tiny))


class ShapleyGame(ContinuousGame):
    """The game M^Shap induces: u_i(s) = phi_i^A(s) - c_i(s_i) on [0, tau_i].

    ``engine``: ``"exact"`` (enumeration, n <= 20), ``"structured"`` (agent-type counts),
    ``"multilinear"`` (power-law payoffs, any profile) or ``"auto"`` (see :func:`shapley_engine`).
    Concave in the own action whenever the payoff's f is concave and the cost convex (each
    A(s[X+i]) is then concave in s_i).
    """

    def __init__(self, payoff: LinearIndexPayoff, cost: ScalarFunction, tau: np.ndarray | float, *,
                 engine: str = "auto") -> None:
        if not isinstance(payoff, LinearIndexPayoff):
            raise ValueError(f"payoff: M^Shap's game needs a LinearIndexPayoff, got {type(payoff).__name__}")
        if engine not in EXACT_ENGINES:
            raise ValueError(f"engine: expected one of {EXACT_ENGINES}, got {engine!r}")
        tau = np.broadcast_to(np.asarray(tau, dtype=float), (payoff.n,)).copy()
        self.lower, self.upper = validate_bounds(np.zeros(payoff.n), tau, name="tau")
        self.payoff, self.cost, self.engine = payoff, cost, engine
        self._frames: tuple[tuple[bytes, tuple[int, ...], str], DeviationFrames] | None = None

    @property
    def own_concave(self) -> bool:
        return bool(self.payoff.f.concave) and bool(self.cost.convex)

    @property
    def concavity_proven(self) -> bool:
        return self.own_concave and type(self.payoff.f) in (PowerLaw, Quadratic) and type(self.cost) is Quadratic

    def shapley(self, s: np.ndarray, *, gradient: bool = False, jacobian: bool = False) -> ShapleyResult:
        s = np.asarray(s, dtype=float)
        return shapley_values(self.payoff, s, method=shapley_engine(self.payoff, s, self.engine), gradient=gradient,
                              jacobian=jacobian)

    def utilities(self, s: np.ndarray) -> np.ndarray:
        return self.shapley(s).values - self.cost.value(s)

    def utility_magnitudes(self, s: np.ndarray) -> np.ndarray:
        """|phi_i(s)| + |c_i(s_i)| + the magnitude of a_i(s)'s terms (phi_i is a sum of differences
        of payoffs, whose rounding is relative to their terms, however small phi_i is)."""
        s = np.asarray(s, dtype=float)
        return np.abs(self.shapley(s).values) + np.abs(self.cost.value(s)) + payoff_magnitudes(self.payoff, s)

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        return self.shapley(s, gradient=True).gradient - self.cost.d1(s)

    def own_jacobian(self, s: np.ndarray) -> np.ndarray:
        H = self.shapley(s, jacobian=True).jacobian.copy()
        H[np.diag_indices(self.n)] -= self.cost.d2(s)
        return H

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return self.frames(s).values(x) - self.cost.value(x)

    def frames(self, s: np.ndarray) -> DeviationFrames:
        """The agents' marginal frames at ``s``, kept for the last profile asked (a certificate's
        searches evaluate one profile many times)."""
        s = np.asarray(s, dtype=float)
        method = shapley_engine(self.payoff, s, self.engine)
        key = (s.tobytes(), s.shape, method)
        if self._frames is None or self._frames[0] != key:
            self._frames = (key, DeviationFrames(self.payoff, s, method=method))
        return self._frames[1]


class ShapleyMechanism(QuasiLinearMechanism):
    """M^Shap (7): p_i(s) = phi_i^A(s) - a_i(s); its game is :class:`ShapleyGame` (with the
    mechanism's Shapley engine)."""

    name = "shapley"
    reciprocal = True

    def payments(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return self.shapley(s).values - self.payoff.values(s)

    def game(self) -> ShapleyGame:
        return ShapleyGame(self.payoff, self.cost, self.tau, engine=self.engine)

    def payment_scale(self, s: np.ndarray) -> float:
        """The Shapley certificate's scale (sum_i |phi_i(s)| and the magnitude of the terms of A(s)
        and A(0)) plus the magnitude of the terms of the a_i(s) subtracted."""
        s = np.asarray(s, dtype=float)
        return float(self.shapley(s).certificate.scale + np.sum(payoff_magnitudes(self.payoff, s)))


@dataclass(frozen=True)
class MonotonicityCertificate(Serializable):
    """Closed-form proof that M^Shap's game is strictly monotone on the box, hence has one NE.

    With A(s[Y]) = sum_l f_l(K_l s[Y]), the Jacobian of the pseudo-gradient (d phi_i / d s_i)_i is
    J = sum_Y w(|Y| - 1) H_Y, H_Y the Hessian of A(s[Y]) (negative semidefinite for concave f), and
    the singletons give J <= diag(d_i) / n with d_i = sum_l f_l''(K_li s_i) K_li^2.  For f'' monotone
    on the index range (power law, quadratic) sup d_i is at an end of [0, tau_i], so
    lambda = min_i (-sup d_i / n + c_i'') > 0 proves -(J - C) >= lambda I on the whole box: the game
    is diagonally strictly concave and its NE unique (Rosen 1965, Theorems 2 and 6).  It also gives
    Theorem 4.4's constants: lambda, and L >= |G_ij| from |J_ij| <= c_ij sum_l sup|f_l''| K_li K_lj
    (sup over row l's index range; c_ii = 1, c_ij = 1/2: the probability that j precedes i), for
    ``solvers.br_dynamics.theorem_step`` and ``theorem_iterations``.
    """

    kind: str
    basis: str
    verified: bool
    modulus: float
    """lambda: a proven lower bound of the strong-monotonicity modulus on the box (<= 0: no proof)."""
    derivative_bound: float
    """L: a proven upper bound of |G_ij| on the box (inf when f'' is unbounded there)."""


def strict_monotonicity(game: ShapleyGame) -> MonotonicityCertificate:
    """The uniqueness proof and Theorem 4.4's constants of :class:`MonotonicityCertificate`."""
    n, f, cost = game.n, game.payoff.f, game.cost
    K = _index_matrix(game.payoff)
    applies = (type(f) in (PowerLaw, Quadratic) and bool(f.concave) and type(cost) is Quadratic and bool(cost.convex)
               and bool(np.all(K >= 0)))
    if not applies:
        return MonotonicityCertificate("strict_monotonicity", "not applicable: needs a concave power-law or quadratic f, "
                                       "a nonnegative index map and a convex quadratic cost", False, 0.0, np.inf)
    ends = np.stack([f.d2(np.zeros((n, n))), f.d2(K * game.upper[None, :])])  # f_l''(K_li s_i) at s_i = 0, tau_i
    with np.errstate(invalid="ignore"):
        d_sup = np.sum(np.where(K > 0, np.max(ends, axis=0) * K**2, 0.0), axis=0)
    curvature = np.broadcast_to(np.asarray(cost.curvature, dtype=float), (n,))
    modulus = float(np.min(-d_sup / n + curvature))
    full = np.stack([f.d2(np.zeros(n)), f.d2(K @ game.upper)])  # f_l'' at the ends of row l's index range
    f2_sup = np.max(np.abs(full), axis=0)
    bound = (K.T * f2_sup) @ K if np.all(np.isfinite(f2_sup)) else np.full((n, n), np.inf)
    weights = np.full((n, n), 0.5) + 0.5 * np.eye(n)
    L = float(np.max(weights * bound + np.diag(curvature)))
    verified = modulus > 0 and np.isfinite(modulus)
    basis = "closed form: singleton-coalition bound on the Shapley Jacobian, Rosen (1965) Theorems 2 and 6"
    return MonotonicityCertificate("strict_monotonicity", basis, bool(verified), modulus, L)
