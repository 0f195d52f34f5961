"""003 Section 5.1's own procedure: stochastic best-response dynamics (11) with the paper's parameters.

Appendix E: step delta = 10 and 1 000 iterations for every mechanism; Section 5.1: k = 10 of the 30
agents move per step (all of them at n = 2), and M^Shap's d phi_i / d s_i is the derivative of the
Monte Carlo estimate (27) over floor(n log n) = 102 permutations (exact at n = 2).  The paper states no
start for Section 5.1; Algorithm 1 (line 3) starts from s = (1, ..., 1), which is taken here.

The run itself is :func:`~mechopt.solvers.br_dynamics.br_dynamics_solve` (given step, batch k, a fixed
number of iterations) on the mechanism's game; for M^Shap the game is :class:`SampledShapleyGame`, whose
own gradient is the sampled one.  An end point is not an equilibrium unless a Nash certificate says so:
callers judge it with :func:`~mechopt.certificates.nash.nash_certificate` on the mechanism's exact game.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from mechopt.data.functions import ScalarFunction
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyGame, ShapleyMechanism
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism
from mechopt.solvers.br_dynamics import br_dynamics_solve

PAPER_STEP = 10.0
"""delta of Appendix E."""
PAPER_ITERATIONS = 1000
"""Iterations of Appendix E."""
PAPER_BATCH = 10
"""Agents moving per step at n = 30 (Section 5.1); all of them at n = 2."""
PAPER_START = 1.0
"""s^1 = (1, ..., 1) of Algorithm 1, line 3."""


def paper_permutations(n: int) -> int:
    """floor(n log n) orders (102 at n = 30, Appendix E); at n <= 2 every order (the paper computes the
    exact derivative at n = 2)."""
    return math.factorial(n) if n <= 2 else int(math.floor(n * math.log(n)))


def permutation_orders(n: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """Orders of the agents, one per row: every one of the n! orders once when n! <= ``permutations``
    (the exact Shapley value), else ``permutations`` uniform random orders."""
    if math.factorial(n) <= permutations:
        return np.array(list(itertools.permutations(range(n))))
    return np.argsort(rng.random((permutations, n)), axis=1)


def _scalar_function(payoff: LinearIndexPayoff) -> ScalarFunction:
    f = payoff.f
    if any(np.ndim(getattr(f, fld.name)) != 0 for fld in dataclasses.fields(f)):
        raise ValueError("payoff.f: the sampled Shapley gradient needs one f for every agent (scalar parameters)")
    return f


def index_rows(payoff: LinearIndexPayoff) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of E (u x k), their multiplicities (u,) and d z_l / d s_j per distinct row,
    transposed (n x u)."""
    rows, counts = np.unique(payoff.E, axis=0, return_counts=True)
    return rows, counts.astype(float), (rows @ payoff.P).T


def sampled_shapley_gradient(payoff: LinearIndexPayoff, s: np.ndarray, orders: np.ndarray, *,
                             rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """d phi_i / d s_i of the estimate (27) over ``orders``: the mean over orders of
    d A(s[P_i u {i}]) / d s_i, P_i the agents before i, with A(s[Y]) = sum_l f(E_l . P s[Y]) (rows of E
    counted once with their multiplicity; ``rows``: :func:`index_rows` of the payoff, computed once)."""
    f = _scalar_function(payoff)
    s = np.asarray(s, dtype=float)
    distinct, counts, pull = index_rows(payoff) if rows is None else rows
    prefix = np.cumsum((payoff.P.T * s[:, None])[orders], axis=1)  # orders x n x k: P s[P_i u {i}]
    slope = f.d1(prefix @ distinct.T) * counts  # orders x n x u
    at = np.einsum("onu,onu->on", slope, pull[orders])  # d A(s[P_i u {i}]) / d s_i at each position
    out = np.empty_like(at)
    np.put_along_axis(out, orders, at, axis=1)
    return out.mean(axis=0)


class SampledShapleyGame(ShapleyGame):
    """M^Shap's game whose own gradient is the sampled one (fresh orders at every call, from ``seed``);
    utilities and deviations stay exact."""

    def __init__(self, payoff: LinearIndexPayoff, cost: ScalarFunction, tau: np.ndarray | float, *,
                 permutations: int, seed: int) -> None:
        super().__init__(payoff, cost, tau)
        self.permutations = permutations
        self._rng = np.random.default_rng(seed)
        self._rows = index_rows(payoff)

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        orders = permutation_orders(self.n, self.permutations, self._rng)
        return sampled_shapley_gradient(self.payoff, s, orders, rows=self._rows) - self.cost.d1(s)


def paper_dynamics(mechanism: QuasiLinearMechanism, *, seed: int, step: float = PAPER_STEP,
                   iterations: int = PAPER_ITERATIONS, batch: int = PAPER_BATCH, start: float = PAPER_START,
                   permutations: int | None = None) -> np.ndarray:
    """The end point of (11) on the mechanism's game after ``iterations`` steps (module doc); ``seed``
    fixes the moving sets and the permutations."""
    n = mechanism.n
    if isinstance(mechanism, ShapleyMechanism):
        game = SampledShapleyGame(mechanism.payoff, mechanism.cost, mechanism.tau,
                                  permutations=paper_permutations(n) if permutations is None else permutations,
                                  seed=seed + 1)
    else:
        game = mechanism.game()
    s0 = np.clip(np.full(n, start), game.lower, game.upper)
    run = br_dynamics_solve(game, start=s0, step=step, batch=min(batch, n), seed=seed, tol=0.0,
                            max_iter=iterations)
    return np.asarray(run.profile, dtype=float)
