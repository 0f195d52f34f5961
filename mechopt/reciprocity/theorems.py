"""003's Theorems 4.4, 4.8, 4.9 and Lemmas 4.5, D.1 checked on instances (the report's numbers).

- Theorem 4.4: lambda and L of the M^Shap game from the closed-form bounds of
  :func:`~mechopt.mechanisms.mshap.strict_monotonicity`, the theorem's step and iteration bound beside
  the paper's step; at k = n the dynamics (11) are deterministic and the proof's per-step contraction
  ||g^{t+1}||_2^2 <= (1 - lambda^2 / (n^2 L^2)) ||g^t||_2^2 is checked at every step of a run at the
  theorem's step, with the iterations to ||g||_2 <= eps against T.
- Lemma 4.5: its premise (i) on the paper's payoffs (the Hessian of a_i(s) = f(K_i s) is
  f''(z_i) K_i K_i^T, of rank one, so its largest eigenvalue is 0 and lambda_1 = 0 for n >= 2), and
  the lemma on a quadratic instance that meets its premises, where the Shapley Jacobian is a closed
  form: a_i(s) = b.s - s^T Q s / 2 for every i gives G = -n (Q o M) - diag(kappa) with M_ii = 1,
  M_ij = 1/2 (j precedes i with probability 1/2).
- Lemma D.1 (d A / d s_i <= d phi_i / d s_i, the step of Theorem 4.8's proof) at sampled profiles.
- Theorems 4.8 and 4.9 on instances of (12) with linear costs (certified equilibria).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyGame, shapley_engine, strict_monotonicity
from mechopt.reciprocity.paper_dynamics import permutation_orders
from mechopt.solvers.br_dynamics import theorem_iterations, theorem_step
from mechopt.valuation.shapley import shapley_values


@dataclass(frozen=True)
class Theorem44:
    """Theorem 4.4's constants on an M^Shap game, and (k = n only) a run at its step."""

    n: int
    batch: int
    modulus: float
    """lambda (proven on the box; <= 0: no proof)."""
    bound: float
    """L >= |G_ij| on the box."""
    step: float
    """The theorem's delta = (n-1)/(k-1) lambda / (n^2 L^2)."""
    iterations_per_log: float
    """T / log(||g^0|| / eps) = 2 n^2 L^2 / lambda^2."""
    iterations: int | None = None
    """Iterations of the run at ``step`` to ||g||_2 <= eps."""
    allowed: float | None = None
    """T at that eps."""
    worst_contraction: float | None = None
    """max over the run of ||g^{t+1}||_2 / ||g^t||_2."""
    contraction_bound: float | None = None
    """sqrt(1 - lambda^2 / (n^2 L^2))."""

    @property
    def holds(self) -> bool | None:
        if self.iterations is None:
            return None
        return bool(self.worst_contraction <= self.contraction_bound and self.iterations <= self.allowed)


def _gradient_map(game: ShapleyGame, s: np.ndarray, step: float, F: np.ndarray) -> np.ndarray:
    """g(s, mu) of (9): (proj(s + delta F) - s) / delta."""
    return (np.clip(s + step * F, game.lower, game.upper) - s) / step


def _exact_gradient(game: ShapleyGame) -> Callable[[np.ndarray], np.ndarray]:
    """s -> d phi_i / d s_i - c_i'(s_i) averaged over every order of the agents (small n): the
    coalition P_i u {i} of each order as a 0/1 mask, d A(s[Y]) / d s_i = sum_l f'(K_l (s o Y)) K_li."""
    n, payoff = game.n, game.payoff
    orders = permutation_orders(n, math.factorial(n), np.random.default_rng(0))
    masks = np.zeros((len(orders), n, n))
    for o, order in enumerate(orders):
        for p, i in enumerate(order):
            masks[o, i, order[:p + 1]] = 1.0
    K = payoff.E @ payoff.P
    diagonal = K.T[None, :, :]  # K_li at [., i, l]
    return lambda s: np.mean(np.sum(payoff.f.d1((masks * s) @ K.T) * diagonal, axis=2), axis=0) - game.cost.d1(s)


def theorem_44(game: ShapleyGame, batch: int, *, eps_ratio: float = 0.1, start: float = 1.0) -> Theorem44:
    """The constants; at ``batch == n`` also the run at the theorem's step from s = start (exact
    gradients: every order of the n agents), to ||g||_2 <= eps_ratio ||g^0||_2 or T iterations."""
    n = game.n
    proof = strict_monotonicity(game)
    lam, L = proof.modulus, proof.derivative_bound
    step = theorem_step(n, lam, L, batch if batch < n else None)
    per_log = theorem_iterations(n, lam, L, np.e, 1.0)
    if batch < n:
        return Theorem44(n, batch, lam, L, step, per_log)
    F = _exact_gradient(game)
    s = np.clip(np.full(n, start), game.lower, game.upper)
    g = _gradient_map(game, s, step, F(s))
    g0 = float(np.linalg.norm(g))
    allowed = theorem_iterations(n, lam, L, g0, eps_ratio * g0)
    worst, t = 0.0, 0
    while np.linalg.norm(g) > eps_ratio * g0 and t < allowed:
        s = s + step * g
        g_next = _gradient_map(game, s, step, F(s))
        worst = max(worst, float(np.linalg.norm(g_next) / np.linalg.norm(g)))
        g, t = g_next, t + 1
    return Theorem44(n, batch, lam, L, step, per_log, t, allowed, worst, float(np.sqrt(1 - lam**2 / (n * L) ** 2)))


def payoff_hessian_top(payoff: LinearIndexPayoff, s: np.ndarray) -> float:
    """max_i of the largest eigenvalue of the Hessian of a_i at s, f''(z_i) K_i K_i^T (Lemma 4.5 (i)
    needs it <= -lambda_1 < 0)."""
    K = payoff.E @ payoff.P
    curv = np.broadcast_to(payoff.f.d2(payoff.index(s)), (payoff.n,))
    return max(float(np.max(np.linalg.eigvalsh(c * np.outer(k, k)))) for c, k in zip(curv, K))


@dataclass(frozen=True)
class QuadraticGame:
    """a_i(s) = b.s - s^T Q s / 2 for every agent (Q positive definite), c_i(s_i) = gamma_i s_i +
    kappa_i s_i^2 / 2 on [0, tau]: an instance meeting Lemma 4.5's premises."""

    b: np.ndarray
    Q: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    tau: float

    @property
    def n(self) -> int:
        return self.b.size

    def shapley_jacobian(self) -> np.ndarray:
        """d^2 phi_i / d s_i d s_j = -n Q_ij M_ij (M_ii = 1, M_ij = 1/2)."""
        M = 0.5 * (np.eye(self.n) + 1.0)
        return -self.n * self.Q * M

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        """d phi_i / d s_i - c_i'(s_i) = n (b_i - (Q o M) s)_i - gamma_i - kappa_i s_i."""
        return self.n * self.b + self.shapley_jacobian() @ s - self.gamma - self.kappa * s


@dataclass(frozen=True)
class Lemma45:
    lambda1: float
    lambda2: float
    L1: float
    L2: float
    modulus: float
    """The lemma's n lambda_1 + lambda_2."""
    bound: float
    """The lemma's 2 n L_1 + L_2."""
    top_eigenvalue: float
    """Largest eigenvalue of (G + G^T) / 2: the lemma needs it <= -modulus."""
    max_entry: float
    """max |G_ij|: the lemma needs it <= bound."""
    step: float
    iterations: int
    allowed: float

    @property
    def holds(self) -> bool:
        return bool(self.top_eigenvalue <= -self.modulus and self.max_entry <= self.bound
                    and self.iterations <= self.allowed)


def lemma_45(game: QuadraticGame, batch: int, *, eps_ratio: float = 1e-6, seed: int = 0) -> Lemma45:
    """Lemma 4.5's constants, the two inequalities of its proof on the closed-form G, and a run of
    stochastic (11) at its step from s = 0 to ||g||_2 <= eps_ratio ||g^0||_2 against its T."""
    n = game.n
    lam1, lam2 = float(np.min(np.linalg.eigvalsh(game.Q))), float(np.min(game.kappa))
    L1, L2 = float(np.max(np.abs(game.Q))), float(np.max(game.kappa))
    modulus, bound = n * lam1 + lam2, 2 * n * L1 + L2
    G = game.shapley_jacobian() - np.diag(game.kappa)
    step = theorem_step(n, modulus, bound, batch if batch < n else None)
    rng = np.random.default_rng(seed)
    s = np.zeros(n)
    g_of = lambda s: (np.clip(s + step * game.own_gradient(s), 0.0, game.tau) - s) / step
    g = g_of(s)
    g0 = float(np.linalg.norm(g))
    allowed = theorem_iterations(n, modulus, bound, g0, eps_ratio * g0)
    t = 0
    while np.linalg.norm(g) > eps_ratio * g0 and t < allowed:
        moving = rng.choice(n, size=batch, replace=False)
        s[moving] += step * g[moving]
        g, t = g_of(s), t + 1
    return Lemma45(lam1, lam2, L1, L2, modulus, bound, float(np.max(np.linalg.eigvalsh((G + G.T) / 2))),
                   float(np.max(np.abs(G))), step, t, allowed)


def lemma_d1_margin(payoff: LinearIndexPayoff, profiles: np.ndarray) -> float:
    """max over the profiles (rows) and agents of d A / d s_i - d phi_i / d s_i, relative to
    d phi_i / d s_i (Lemma D.1 says <= 0); d A / d s_i = sum_l f'(z_l) K_li in closed form, d phi_i / d s_i
    from the exact Shapley engine."""
    K = payoff.E @ payoff.P
    worst = -np.inf
    for s in profiles:
        dA = np.broadcast_to(payoff.f.d1(payoff.index(s)), (payoff.n,)) @ K
        dphi = shapley_values(payoff, s, method=shapley_engine(payoff, s, "auto"), gradient=True).gradient
        worst = max(worst, float(np.max((dA - dphi) / np.abs(dphi))))
    return worst
