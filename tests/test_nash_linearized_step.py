"""The exact linearized (Josephy-Newton) step for diagonal-plus-rank-one Jacobians
(mechopt/solvers/aggregate_step.py), checked against the definition of the linearized problem."""

from __future__ import annotations

import numpy as np
import pytest

import mechopt as mo
from mechopt.core.structured import DiagPlusLowRank
from mechopt.solvers.aggregate_step import PROBE, linearized_solution
from mechopt.solvers.newton import newton_solve


def _violation(J: DiagPlusLowRank, s, F, lo, hi, x) -> float:
    """Largest violation of x_i = lo => w_i <= 0, lo < x_i < hi => w_i = 0, x_i = hi => w_i >= 0
    for w = F + G (x - s), relative to the size of the terms of w."""
    d = x - s
    w = F + J.d * d + J.U[:, 0] * (J.V[:, 0] @ d)
    scale = 1.0 + np.abs(F) + np.abs(J.d * d) + np.abs(J.U[:, 0]) * (np.abs(J.V[:, 0]) @ np.abs(d))
    bad = np.where(x <= lo, np.maximum(w, 0.0), np.where(x >= hi, np.maximum(-w, 0.0), np.abs(w)))
    return float(np.max(bad / scale))


@pytest.mark.parametrize("n", [1, 3, 40, 5 * PROBE])  # the largest takes the sampled first bracket
@pytest.mark.parametrize("seed", range(5))
def test_solution_satisfies_the_linearized_problem(n, seed):
    rng = np.random.default_rng(seed)
    g = np.where(rng.uniform(size=n) < 0.5, 0.0, -rng.uniform(0.0, 2.0, n))  # jumps and clipped lines
    u = -rng.uniform(0.0, 1.0, n) * (rng.uniform(size=n) < 0.9)
    v = rng.uniform(0.0, 2.0, n)
    s, F = rng.uniform(0.0, 1.0, n), rng.normal(size=n)
    lo, hi = np.zeros(n), rng.uniform(0.5, 2.0, n)
    s = np.minimum(s, hi)
    J = DiagPlusLowRank(g, u[:, None], v[:, None])
    x = linearized_solution(J, s, F, lo, hi)
    assert x is not None and np.all((x >= lo) & (x <= hi))
    assert _violation(J, s, F, lo, hi, x) <= 1e-9


def test_players_sharing_a_jump_split_it():
    """Two identical players with linear costs (g = 0) and one aggregate: the root is their common
    breakpoint and together they fill exactly what the linearization asks."""
    n = 2
    J = DiagPlusLowRank(np.zeros(n), np.full((n, 1), -1.0), np.ones((n, 1)))
    s, F = np.zeros(n), np.full(n, 1.0)  # w_i = 1 - (x_1 + x_2): interior iff x_1 + x_2 = 1
    x = linearized_solution(J, s, F, 0.0, 10.0)
    assert x is not None
    assert x.sum() == pytest.approx(1.0, abs=1e-12)
    assert _violation(J, s, F, np.zeros(n), np.full(n, 10.0), x) <= 1e-12


@pytest.mark.parametrize("g, u, v", [(0.5, -1.0, 1.0), (-1.0, 1.0, 1.0), (-1.0, np.nan, 1.0)])
def test_not_defined_outside_substitutes(g, u, v):
    """g_i > 0 (not concave), u_i v_i > 0 (complements) or a number that is not finite: None."""
    n = 4
    J = DiagPlusLowRank(np.full(n, g), np.full((n, 1), u), np.full((n, 1), v))
    assert linearized_solution(J, np.full(n, 0.5), np.ones(n), 0.0, 1.0) is None


def test_newton_takes_linearized_steps_to_the_closed_form():
    """Cournot, profit x_i (a - S) - c_i x_i with 2 000 firms: the equilibrium
    x_i = a - c_i - (n a - sum c) / (n + 1) in closed form, reached by linearized steps."""
    n, a = 2000, 1000.0
    c = np.random.default_rng(0).uniform(1.0, 1.5, n)  # every firm interior: x_i in (0.4, 1)
    game = mo.AggregativeGame(lambda x, S: x * (a - S) - c * x, [(0.0, 10.0)] * n,
                              gradient=lambda x, S: a - S - x - c, concave=True)
    out = newton_solve(game, tol=1e-10)
    assert out.parameters["linearized_steps"] >= 1
    assert np.max(np.abs(out.profile - (a - c - (n * a - c.sum()) / (n + 1)))) <= 1e-8
