"""M^Shap (003 Definition 4.1, (7)) against M^0 and M^BG: Examples 3, 4 and 7 with the paper's
numbers, budget balance (Lemma 4.2), reciprocity 1 (Theorem 4.7), equal treatment (Definition
3.5), IR (Lemma 4.6), Theorems 4.8 and 4.9 on instances, and certificates re-checked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.certificates.nash import nash_certificate
from mechopt.core.status import Status
from mechopt.data.functions import PowerLaw, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyGame, budget_residual, shapley_payments
from mechopt.reciprocity.metrics import (accuracy_gain, data_gain, evaluate, theorem_48_margin, theorem_49_bounds,
                                         welfare)

F = PowerLaw(alpha=1.0, beta=1.0, shift=1.0)  # a(s) = 1 - (||s||_1 + 1)^-1
PAYOFF = LinearIndexPayoff.aggregate(F, 2)
COST = linear_cost(np.array([0.1, 0.25]))  # Examples 3, 4, 7
TAU = 100.0


@pytest.fixture(scope="module")
def outcomes():
    return {m: evaluate(m, PAYOFF, COST, TAU) for m in ("none", "budget_balanced", "shapley")}


def test_example_3_free_riding(outcomes) -> None:
    """Example 3: the only NE of M^0 is s0 = (2.16, 0) (closed form sqrt(10) - 1)."""
    o = outcomes["none"]
    assert o.status is Status.EQUILIBRIUM
    assert o.equilibrium.profile == pytest.approx([np.sqrt(10.0) - 1.0, 0.0], abs=1e-8)
    assert o.equilibria.shape[0] == 1


def test_outcomes_are_results_labelled_by_their_verdict(outcomes) -> None:
    """A multi-start outcome is a Result: its status, message and verdict are the nash certifier's on
    the equilibrium it reports."""
    from mechopt.core.result import Result
    for o in outcomes.values():
        assert isinstance(o, Result) and o.success and o.verdict is o.equilibrium.verdict
        assert o.status is o.verdict.status is Status.EQUILIBRIUM and "distinct certified equilibria" in o.message


def test_example_4_mshap_equilibrium(outcomes) -> None:
    """Example 4: the NE of M^Shap is s* = (3, 1.17); it Pareto-dominates s0 and holds almost twice
    the data.  Independently: the first-order conditions 1/(s_i+1)^2 + 1/(S+1)^2 = gamma_i."""
    o = outcomes["shapley"]
    s = o.equilibrium.profile
    assert s == pytest.approx([3.0, 1.17], abs=5e-3)
    S = s.sum()
    assert 1 / (s + 1) ** 2 + 1 / (S + 1) ** 2 == pytest.approx([0.1, 0.25], abs=1e-9)
    assert np.all(s >= outcomes["none"].equilibrium.profile)
    assert data_gain(o, outcomes["none"].equilibria, PAYOFF) == pytest.approx(S / (np.sqrt(10) - 1), rel=1e-9)
    assert 1.9 < S / (np.sqrt(10) - 1) < 2.0


def test_mshap_budget_balance_reciprocity_ir(outcomes) -> None:
    o = outcomes["shapley"]
    assert o.budget_residual <= 1e-14                       # Lemma 4.2
    assert o.reciprocity == pytest.approx(1.0, abs=1e-14)   # Theorem 4.7
    assert np.all(o.equilibrium.utilities >= 0.0)           # Lemma 4.6
    # the certificate re-verifies from the game alone
    cert = nash_certificate(ShapleyGame(PAYOFF, COST, TAU), o.equilibrium.profile)
    assert cert.verified and cert.max_gain <= 1e-9


def test_example_7_reciprocity_below_one() -> None:
    """Example 7: at s = (3.98, 2.46) the budget-balanced mechanism of Karimireddy et al. reciprocates
    agent 1 with a(s) / phi_1(s) = 0.8656 / 0.9538 = 0.9 < 1 (with its payments zero there)."""
    s = np.array([3.98, 2.46])
    _, phi = shapley_payments(PAYOFF, s)
    assert PAYOFF.values(s)[0] / phi.values[0] == pytest.approx(0.9075, abs=5e-4)


def test_mbg_and_comparison(outcomes) -> None:
    """M^BG: payments sum to zero (Definition 3.2) and its NE solves a'(S) = (1 - beta*) gamma_1 with
    agent 2 free riding; reciprocity below 1 for M^0 and M^BG, 1 for M^Shap (Section 5's ordering)."""
    o = outcomes["budget_balanced"]
    beta = o.beta
    assert o.budget_residual <= 1e-14
    S = np.sqrt(1.0 / ((1.0 - beta) * 0.1)) - 1.0
    assert o.equilibrium.profile == pytest.approx([S, 0.0], abs=1e-8)
    r = {m: outcomes[m].reciprocity for m in outcomes}
    assert r["none"] < 1.0 and r["budget_balanced"] < 1.0 and r["shapley"] == pytest.approx(1.0)
    base = outcomes["none"].equilibria
    assert data_gain(outcomes["shapley"], base, PAYOFF) > data_gain(o, base, PAYOFF) > 1.0
    assert accuracy_gain(outcomes["shapley"], base, PAYOFF) > accuracy_gain(o, base, PAYOFF) > 1.0


def test_theorems_48_49(outcomes) -> None:
    s_star = outcomes["shapley"].equilibrium.profile
    assert theorem_48_margin(PAYOFF, COST, s_star, TAU) < 0.0
    data_bound, acc_bound = theorem_49_bounds(2, 1.0, 1.0, 0.1)
    base = outcomes["none"].equilibria
    assert data_gain(outcomes["shapley"], base, PAYOFF) >= data_bound
    assert accuracy_gain(outcomes["shapley"], base, PAYOFF) >= acc_bound


def test_three_agents_grouped_shapley_ne() -> None:
    """A grouped payoff (003 Section 5.1 shape) with 4 agents: the M^Shap NE verifies, the first-order
    conditions hold at interior coordinates, budget balance and reciprocity 1."""
    w = np.array([[1.0, 0.3], [0.5, 1.0]])
    payoff = LinearIndexPayoff.grouped(np.array([0, 0, 1, 1]), w)
    cost = linear_cost(np.array([0.02, 0.05, 0.03, 0.04]))
    o = evaluate("shapley", payoff, cost, 50.0)
    assert o.status is Status.EQUILIBRIUM
    assert o.reciprocity == pytest.approx(1.0, abs=1e-13) and o.budget_residual <= 1e-13
    game = ShapleyGame(payoff, cost, 50.0)
    F_ = game.own_gradient(o.equilibrium.profile)
    inside = (o.equilibrium.profile > 1e-9) & (o.equilibrium.profile < 50.0 - 1e-9)
    assert np.all(np.abs(F_[inside]) <= 1e-8)
    assert welfare(payoff, cost, o.equilibrium.profile) > welfare(payoff, cost, o.equilibrium.profile + 1.0)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.0, 20.0), min_size=3, max_size=6))
def test_payments_budget_balanced_equal_treatment(values: list[float]) -> None:
    """Lemma 4.2 at every profile; Definition 3.5: identical agents at equal actions are paid equally.

    Both hold to rounding of the terms the payments are differences of, phi_i and a_i: payments can
    be far smaller than those terms (agents with nearly equal contributions), so their own
    magnitude is not the scale of the rounding (003 Lemma 4.2 is exact; the floating-point sum
    of phi carries a few eps of sum_i |phi_i|)."""
    s = np.array(values)
    s[1] = s[0]
    payoff = LinearIndexPayoff.aggregate(F, s.size)
    p, phi = shapley_payments(payoff, s)
    a = payoff.values(s)
    rounding = 64 * np.finfo(float).eps
    scale = float(np.sum(np.abs(phi.values)) + np.sum(np.abs(a)))
    assert budget_residual(p, scale) <= rounding
    assert abs(p[0] - p[1]) <= rounding * (abs(phi.values[0]) + abs(a[0]))


def test_payments_far_below_their_terms_balance_to_the_terms_rounding() -> None:
    """The draw the property test once failed on: payments of 2.4e-4 from Shapley values and
    payoffs of about 1 balance to 3e-16 of the terms, not to 1e-12 of the payments themselves."""
    s = np.array([17.125, 17.125, 17.0])
    payoff = LinearIndexPayoff.aggregate(F, 3)
    p, phi = shapley_payments(payoff, s)
    scale = float(np.sum(np.abs(phi.values)) + np.sum(np.abs(payoff.values(s))))
    assert np.max(np.abs(p)) < 1e-3 * np.max(np.abs(phi.values))
    assert budget_residual(p, scale) <= 64 * np.finfo(float).eps


def test_stochastic_br_dynamics_agrees_with_newton(outcomes) -> None:
    """(11): stochastic BR dynamics on M^Shap's game (stable step, batch = n) reaches Example 4's NE,
    certified independently of Newton's."""
    from mechopt.solvers.nash import solve_nash
    r = solve_nash(ShapleyGame(PAYOFF, COST, TAU), method="stochastic-br", batch=2, seed=0)
    assert r.status is Status.EQUILIBRIUM and r.stats.method == "stochastic-br"
    assert r.profile == pytest.approx(outcomes["shapley"].equilibrium.profile, abs=1e-7)
