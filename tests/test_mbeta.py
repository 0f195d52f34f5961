"""M_beta and beta* (001 Section 4, Definition 2, Lemma 1) and the Theorem 4.1 query."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt import linear_cost, PowerLaw
from mechopt.mechanisms import BudgetGame, MBeta, optimal_beta
from mechopt.analyses.theorem41 import solve_mbeta
from mechopt.core.structured import to_dense
from mechopt.data.utilities import CobbDouglas, QuasiLinear

costs = st.lists(st.floats(0.01, 100.0), min_size=2, max_size=40).map(np.array)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 50])
def test_beta_star_equal_costs_is_one_minus_one_over_n(n):
    # 001 Section 4, "Implications": equal costs give beta* = 1 - 1/n (Falkinger et al.).
    assert optimal_beta(np.full(n, 2.5)).beta == pytest.approx(1 - 1 / n, abs=1e-7)


@given(costs)
@settings(max_examples=200, deadline=None)
def test_beta_star_solves_6_within_lemma1_bounds(c):
    star = optimal_beta(c)
    n = c.size
    A, C = 1 / np.sum(1 / c), np.sum(c)
    assert C * star.beta**2 - (A * n * (n - 2) + C) * star.beta + A * (n - 1) ** 2 == pytest.approx(0.0, abs=1e-9 * C)
    assert star.lemma1_holds
    assert -1e-12 <= star.beta <= 1 - 1 / n + 1e-12


@given(costs, st.floats(0.0, 1.0), st.integers(0, 2**31 - 1))
@settings(max_examples=100, deadline=None)
def test_payments_are_budget_balanced(c, beta, seed):
    s = np.random.default_rng(seed).uniform(0, 5, c.size)
    pay = MBeta(linear_cost(c, 0.3), beta, c.size).payments(s)
    assert abs(pay.sum()) <= 1e-9 * max(1.0, np.abs(pay).max())


@pytest.mark.parametrize("bad", [{"costs": np.array([1.0])}, {"costs": np.array([1.0, -2.0])}])
def test_optimal_beta_rejects_bad_costs(bad):
    with pytest.raises(ValueError, match="costs"):
        optimal_beta(**bad)


def test_mbeta_rejects_beta_outside_unit_interval():
    with pytest.raises(ValueError, match="beta"):
        MBeta(linear_cost([1.0, 2.0]), 1.5, 2)


@pytest.mark.parametrize("utility", [QuasiLinear(PowerLaw(alpha=1.0, beta=0.5, shift=1.0)), CobbDouglas([0.3, 0.5, 0.6])])
def test_budget_game_derivatives_match_finite_differences(utility):
    game = BudgetGame(utility, MBeta(linear_cost([1.0, 2.0, 3.0], 0.1), 0.4, 3), budgets=10.0, tau=2.0)
    s, h = np.array([0.3, 0.5, 0.7]), 1e-6
    fd_grad = (game.deviation_utilities(s, s[:, None] + h)[:, 0] - game.deviation_utilities(s, s[:, None] - h)[:, 0]) / (2 * h)
    np.testing.assert_allclose(game.own_gradient(s), fd_grad, atol=1e-7)
    fd_jac = np.array([(game.own_gradient(s + h * e) - game.own_gradient(s - h * e)) / (2 * h) for e in np.eye(3)]).T
    np.testing.assert_allclose(to_dense(game.own_jacobian(s)), fd_jac, atol=1e-6)


def test_theorem_41_holds_with_equal_costs():
    # Equal costs: beta* = 1 - 1/n and every agent contributes at the NE (s* > 0), so Theorem 4.1
    # applies; the NE must be a certified KKT point of (19) and match the certified optimum.
    r = solve_mbeta(QuasiLinear(PowerLaw(alpha=1.0, beta=0.5, shift=1.0)), linear_cost(0.1), np.full(3, 10.0), 20.0,
                      ps=(1.0, 0.0, -np.inf))
    assert r.equilibrium.certificate.verified and r.ne_positive
    assert r.beta == pytest.approx(2 / 3)
    for cmp in r.comparisons:
        assert cmp.ne_kkt.verified and cmp.ne_maximizes is True
        assert abs(cmp.welfare_gap) <= 1e-6


def test_theorem_41_premise_fails_and_is_reported():
    # Unequal costs with Cobb-Douglas utilities: the NE of M_beta* leaves an agent at s_i = 0, so
    # Theorem 4.1 says nothing; the query must report the higher-welfare feasible point it found.
    r = solve_mbeta(CobbDouglas(0.5), linear_cost([1.0, 1.2, 1.4]), np.full(3, 10.0), 20.0, ps=(1.0, 0.0))
    assert r.equilibrium.certificate.verified
    assert not r.ne_positive
    for cmp in r.comparisons:
        opt = cmp.optimum
        assert opt.certificate.verified
        assert cmp.welfare_gap > 1e-3 and cmp.ne_maximizes is False
        assert not cmp.ne_kkt.verified
