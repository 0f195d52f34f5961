"""003's own procedure (stochastic BR (11) with the paper's parameters) and the checks of Theorems
4.4, 4.8, 4.9 and Lemmas 4.5, D.1: each number against an independent computation (enumeration of
coalitions, closed forms, a plain loop written from (9)-(11), a grid search for best responses)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mechopt.data.functions import PowerLaw
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.catalog import mechanism
from mechopt.mechanisms.mshap import ShapleyGame
from mechopt.reciprocity.paper_dynamics import (paper_dynamics, paper_permutations, permutation_orders,
                                                sampled_shapley_gradient)
from mechopt.reciprocity.table1 import W, instance
from mechopt.reciprocity.theorems import (QuadraticGame, lemma_45, lemma_d1_margin, payoff_hessian_top, theorem_44,
                                          _exact_gradient)
from mechopt.reproductions import p003
from mechopt.valuation.shapley import exact_shapley, shapley_values

LSD = "Lumpy-Skin-Disease"


def test_paper_permutations_is_floor_n_log_n() -> None:
    assert paper_permutations(30) == 102  # Appendix E
    assert paper_permutations(2) == 2  # both orders: exact (Section 5.1)


@pytest.mark.parametrize("n, groups", [(4, [0, 0, 1, 2]), (3, None)])
def test_sampled_gradient_over_every_order_is_the_exact_one(n: int, groups: list[int] | None) -> None:
    """With every one of the n! orders, (27)'s derivative is d phi_i / d s_i: equal to the enumeration
    engine's gradient (all 2^n coalitions)."""
    if groups is None:
        payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=0.5, shift=1.0), n)
    else:
        payoff = LinearIndexPayoff.grouped(np.array(groups), np.array(W["MNIST"]))
    s = np.random.default_rng(n).uniform(0.5, 150.0, n)
    orders = permutation_orders(n, 102, np.random.default_rng(0))
    assert len(orders) == math.factorial(n)
    exact = exact_shapley(payoff, s, gradient=True).gradient
    np.testing.assert_allclose(sampled_shapley_gradient(payoff, s, orders), exact, rtol=1e-12)


def test_sampled_gradient_at_30_agents_is_unbiased() -> None:
    """102 random orders per draw: the mean of 40 draws is within 4 standard errors of the multilinear
    engine's gradient for every agent."""
    inst = instance("MNIST", 0)
    s = np.random.default_rng(3).uniform(0, 1, 30) * inst.tau
    rng = np.random.default_rng(1)
    draws = [sampled_shapley_gradient(inst.payoff, s, permutation_orders(30, 102, rng)) for _ in range(40)]
    exact = shapley_values(inst.payoff, s, method="multilinear", gradient=True).gradient
    se = np.std(draws, axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(np.mean(draws, axis=0) - exact) <= 4 * se)


def _plain_loop(gradient, s: np.ndarray, tau: np.ndarray, step: float, iterations: int) -> np.ndarray:
    """(11) with every agent moving (k = n), written from (9): s <- clip(s + delta F(s), 0, tau)."""
    for _ in range(iterations):
        s = np.clip(s + step * gradient(s), 0.0, tau)
    return s


def test_procedure_at_two_agents_matches_a_plain_loop_of_the_closed_form() -> None:
    """Lumpy-Skin-Disease (n = 2, k = n: deterministic): M^0's F_i = w_ii / (1 + z_i)^2 - gamma_i and M^Shap's
    d phi_1 / d s_1 = (d A(s_1, 0) / d s_1 + d A(s) / d s_1) / 2 in closed form, 1 000 steps of delta = 10 from 1."""
    inst = instance(LSD, 0)
    w, gamma, tau = np.array(W[LSD]), np.asarray(inst.cost.slope, dtype=float), inst.tau
    own = lambda s: np.diag(w) / (1.0 + w @ s) ** 2 - gamma
    dA = lambda s: (1.0 / (1.0 + w @ s) ** 2) @ w  # d A / d s_i, A = a_1 + a_2
    shap = lambda s: 0.5 * (np.array([dA(np.array([s[0], 0.0]))[0], dA(np.array([0.0, s[1]]))[1]]) + dA(s)) - gamma
    for name, F in (("none", own), ("shapley", shap)):
        m = mechanism(name, inst.payoff, inst.cost, tau)
        np.testing.assert_allclose(paper_dynamics(m, seed=0), _plain_loop(F, np.ones(2), tau, 10.0, 1000), rtol=1e-10)


def test_end_point_gain_matches_a_grid_search() -> None:
    """The best-deviation gain the report labels an end point with (the nash certificate's) against a
    20 001-point grid of each agent's own action (M^0 on Lumpy-Skin-Disease)."""
    r = p003.dynamics_point(LSD, 0, "none", None)
    assert not r["nash_verified"] and r["max_gain"] > 0.1
    inst = instance(LSD, 0)
    s, w = np.array(r["profile"]), np.array(W[LSD])
    gamma = np.asarray(inst.cost.slope, dtype=float)
    gains = []
    for i in range(2):
        x = np.linspace(0.0, inst.tau[i], 20_001)
        z = w[i] @ s + w[i, i] * (x - s[i])
        u = 1.0 - 1.0 / (1.0 + z) - gamma[i] * x
        gains.append(u.max() - (1.0 - 1.0 / (1.0 + w[i] @ s) - gamma[i] * s[i]))
    assert r["max_gain"] == pytest.approx(max(gains), rel=1e-6)


def test_theorem_44_run_at_its_step_on_two_agents() -> None:
    """The gradient of the run (every order, masks) equals the engine's; the run at the theorem's step
    reaches ||g|| <= 0.1 ||g0|| within T with every step contracting by the proof's factor."""
    inst = instance(LSD, 0)
    game = ShapleyGame(inst.payoff, inst.cost, inst.tau)
    F = _exact_gradient(game)
    for s in np.random.default_rng(0).uniform(0, 200, (4, 2)):
        np.testing.assert_allclose(F(s), game.own_gradient(s), rtol=1e-10, atol=1e-16)
    r = theorem_44(game, 2)
    assert r.step == pytest.approx(r.modulus / (4 * r.bound**2))  # lambda / (n^2 L^2), k = n
    assert r.holds and r.iterations <= r.allowed and r.worst_contraction <= r.contraction_bound


def _quadratic() -> QuadraticGame:
    return p003.lemma45_game()


def test_quadratic_shapley_jacobian_and_gradient_match_enumeration() -> None:
    """G = -n (Q o M) - diag(kappa) and F against second differences of the enumerated Shapley values
    of A(s) = n (b.s - s^T Q s / 2) (exact for a quadratic)."""
    g = _quadratic()
    n = g.n
    A = lambda S: n * (S @ g.b - 0.5 * np.einsum("mi,ij,mj->m", S, g.Q, S))
    phi = lambda s: exact_shapley(A, s, n=n).values
    s, h = np.array([1.0, 2.0, 3.0, 4.0]), 0.5
    E = np.eye(n)
    J = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = (phi(s + h * E[i] + h * E[j])[i] - phi(s + h * E[i] - h * E[j])[i]
                       - phi(s - h * E[i] + h * E[j])[i] + phi(s - h * E[i] - h * E[j])[i]) / (4 * h * h)
    np.testing.assert_allclose(J, g.shapley_jacobian(), atol=1e-9)
    dphi = np.array([(phi(s + h * E[i])[i] - phi(s - h * E[i])[i]) / (2 * h) for i in range(n)])
    np.testing.assert_allclose(dphi - g.gamma - g.kappa * s, g.own_gradient(s), atol=1e-9)


def test_lemma_45_on_the_quadratic_instance() -> None:
    """Q = 0.8 I + 0.2 1 1^T, kappa = 1, n = 4: Q o M = 0.9 I + 0.1 1 1^T, so G's eigenvalues are
    -4 (0.9 + 0.4) - 1 = -6.2 and -4 (0.9) - 1 = -4.6, max |G_ij| = 4 + 1 = 5; lambda_1 = 0.8 (Q's
    smallest eigenvalue), the lemma's modulus 4 (0.8) + 1 = 4.2 and bound 2 (4) (1) + 1 = 9."""
    r = lemma_45(_quadratic(), 2)
    assert (r.lambda1, r.modulus, r.bound) == pytest.approx((0.8, 4.2, 9.0))
    assert r.top_eigenvalue == pytest.approx(-4.6) and r.max_entry == pytest.approx(5.0)
    assert r.step == pytest.approx(3 * 4.2 / (16 * 81))  # (n-1)/(k-1) (n l1 + l2) / (n^2 (2n L1 + L2)^2)
    assert r.holds


def test_lemma_45_premise_fails_on_the_papers_payoffs() -> None:
    """The Hessian of a_i(s) = f(K_i s) is f''(z_i) K_i K_i^T: one eigenvalue f''(z_i) ||K_i||^2 < 0 and
    the others 0, so lambda_1 = 0."""
    inst = instance("MNIST", 0)
    s = inst.tau / 2
    assert abs(payoff_hessian_top(inst.payoff, s)) <= 1e-15
    K = inst.payoff.E @ inst.payoff.P
    z = K[0] @ s
    H = -2.0 / (1.0 + z) ** 3 * np.outer(K[0], K[0])
    assert np.linalg.eigvalsh(H)[0] == pytest.approx(-2.0 / (1.0 + z) ** 3 * K[0] @ K[0])


def test_lemma_d1_margin_closed_form_at_two_agents() -> None:
    """Example 4's payoff (A = 2 (1 - 1/(S + 1))): dA/ds_i = 2/(S + 1)^2 and
    dphi_i/ds_i = 1/(s_i + 1)^2 + 1/(S + 1)^2."""
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, shift=1.0), 2)
    s = np.array([3.0, 1.0])
    S = s.sum()
    dA, dphi = 2 / (S + 1) ** 2, 1 / (s + 1) ** 2 + 1 / (S + 1) ** 2
    assert lemma_d1_margin(payoff, s[None, :]) == pytest.approx(np.max((dA - dphi) / dphi), rel=1e-10)
    inst = instance("MNIST", 1)
    assert lemma_d1_margin(inst.payoff, np.random.default_rng(2).uniform(0, 1, (2, 30)) * inst.tau) < 0


def test_theorem_49_instance_against_closed_forms() -> None:
    """n = 5, a = 1 - (S + 1)^-0.5, slopes 0.02..0.06: M^0's NE has S0 + 1 = (alpha beta / gamma_min)^(1/(beta+1))
    (proof of Theorem 4.9, (25)); M^Shap's NE is certified and its gains exceed the theorem's bounds."""
    r = p003.theorem49_point()
    assert r["verified"]
    res = p003.result(r)
    S0 = float(np.sum(res["baseline"]["profile"]))
    assert S0 + 1 == pytest.approx((0.5 / 0.02) ** (1 / 1.5), rel=1e-6)
    assert r["data_bound"] == pytest.approx(5 ** (1 / 1.5))
    assert res["data_gain"] >= r["data_bound"] and res["accuracy_gain"] >= r["accuracy_bound"]
    assert r["theorem48_margin"] < 0 and r["lemma_d1"] < 0


def test_lumpy_skin_disease_per_agent_shares_contradict_table_1() -> None:
    """A share of all data is a weighted mean of the agents' own shares, so it lies between them;
    Table 1's 46.7 and 81.3 lie outside, and they are not the sums either."""
    for m, j in (("none", 0), ("shapley", 2)):
        lo, hi = sorted(p003.PAPER_AGENT_SHARES[m])
        table = p003.TABLE1_PAPER[LSD][0][j]
        assert not lo <= table <= hi and abs(sum(p003.PAPER_AGENT_SHARES[m]) - table) > 1.0


def test_spread_is_mean_median_and_sample_deviation() -> None:
    assert p003._spread([1.0, 2.0, 6.0]) == f"3, 2, {np.std([1, 2, 6], ddof=1):.3f}"
    assert p003._spread([4.0]) == "4, 4, -"


def test_quick_dynamics_grid_is_small() -> None:
    sweeps = {s.name: s for s in p003.sweeps(True)}
    assert len(sweeps["dynamics"].points) == 6
    full = {s.name: s for s in p003.sweeps(False)}
    assert len(full["dynamics"].points) == 4 * 3 * 3


def test_equal_treatment_of_equals_by_enumeration() -> None:
    """Definition 3.5: two agents with identical payoffs giving the same s receive the same M^Shap payment
    (enumeration of all coalitions, n = 5), as the report's check finds on the 30-agent instances."""
    payoff = LinearIndexPayoff.grouped(np.array([0, 0, 1, 1, 2]), np.array(W["CIFAR-10"]))
    s = np.array([7.0, 7.0, 3.0, 11.0, 5.0])
    p = exact_shapley(payoff, s).values - payoff.values(s)
    assert p[0] == pytest.approx(p[1], rel=1e-13) and p[2] != pytest.approx(p[3], rel=1e-3)
    assert p003.theorem44_point("CIFAR-10")["equal_treatment"] <= 1e-12
