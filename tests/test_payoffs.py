"""Payoffs of a contribution profile (issue 2 items 2-3): own derivatives and the aggregate
Jacobian J_ij = d^2 a_i / ds_i ds_j (001 Theorem 3.2's G without costs) against finite
differences; payoffs after a unilateral deviation against the payoff at the modified profile.

Payoffs: the total-data power law (001 (3), 003 (12)), the grouped form of 003 Section 5.1,
linear discovery a(s) = W s (001 Section 2.1) and random coverage (001 (1)).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.data.functions import PACBound, PowerLaw, Quadratic
from mechopt.data.payoffs import LinearIndexPayoff, RandomCoverage, take_players


def build(kind: str, n: int, rng: np.random.Generator):
    if kind == "aggregate":
        return LinearIndexPayoff.aggregate(PowerLaw(rng.uniform(0.5, 2, n), rng.uniform(0.3, 1, n), shift=1.0), n)
    if kind == "grouped":
        return LinearIndexPayoff.grouped(rng.integers(0, 3, n), rng.uniform(0.1, 1.0, (3, 3)))
    if kind == "linear":
        return LinearIndexPayoff.linear(rng.uniform(0, 1, (n, n)))
    return RandomCoverage(0.9 * rng.dirichlet(np.ones(5), n))


KINDS = ["aggregate", "grouped", "linear", "coverage"]


def with_entry(s, i, v):
    t = s.copy()
    t[i] = v
    return t


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(KINDS), n=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_own_derivative_and_jacobian_match_finite_differences(kind, n, seed):
    rng = np.random.default_rng(seed)
    payoff = build(kind, n, rng)
    s = rng.uniform(0.2, 3.0, n)
    h = 1e-6
    own = np.array([(payoff.values(with_entry(s, i, s[i] + h))[i] - payoff.values(with_entry(s, i, s[i] - h))[i]) / (2 * h)
                    for i in range(n)])
    np.testing.assert_allclose(payoff.own_derivative(s), own, rtol=1e-5, atol=1e-8)
    J = payoff.own_jacobian(s).to_dense()
    H = 1e-5
    fd = np.column_stack([(payoff.own_derivative(with_entry(s, j, s[j] + H)) - payoff.own_derivative(with_entry(s, j, s[j] - H))) / (2 * H)
                          for j in range(n)])
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(KINDS), n=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_deviation_values_are_values_at_the_modified_profile(kind, n, seed):
    rng = np.random.default_rng(seed)
    payoff = build(kind, n, rng)
    s = rng.uniform(0.0, 3.0, n)
    x = rng.uniform(0.0, 3.0, (n, 4))
    dev = payoff.deviation_values(s, x)
    expected = np.array([[payoff.values(with_entry(s, i, x[i, j]))[i] for j in range(4)] for i in range(n)])
    np.testing.assert_allclose(dev, expected, rtol=1e-12, atol=1e-14)


def test_aggregate_power_law_is_a_function_of_the_total():
    """003 (12): a_i(s) = 1 - alpha_i (||s||_1 + 1)^-beta_i."""
    alpha, beta = np.array([1.0, 0.5, 2.0]), np.array([0.5, 1.0, 0.3])
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), 3)
    s = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(payoff.values(s), 1 - alpha * 4.5**-beta, rtol=1e-14)
    assert payoff.values(s).shape == (3,)


def test_grouped_payoff_matches_the_formula_of_003_section_5_1():
    """a_i = 1 - 1 / (1 + sum_t w[g(i), t] sum_{j in A_t} s_j)."""
    groups, w = np.array([0, 1, 1]), np.array([[1.0, 0.2], [0.5, 1.0]])
    payoff = LinearIndexPayoff.grouped(groups, w)
    s = np.array([1.0, 2.0, 3.0])
    totals = np.array([1.0, 5.0])
    np.testing.assert_allclose(payoff.values(s), 1 - 1 / (1 + w[groups] @ totals), rtol=1e-14)


def test_random_coverage_matches_001_equation_1():
    """a_i(s) = 1 - 1/2 sum_x q_ix prod_j (1 - q_jx)^(s_j)."""
    q = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    s = np.array([2.0, 1.0])
    miss = (1 - q[0]) ** 2 * (1 - q[1]) ** 1
    np.testing.assert_allclose(RandomCoverage(q).values(s), 1 - 0.5 * q @ miss, rtol=1e-14)


@pytest.mark.parametrize(
    ("build_bad", "name"),
    [
        (lambda: LinearIndexPayoff.aggregate(PowerLaw(1.0, 1.0), 0), "n"),
        (lambda: LinearIndexPayoff.grouped(np.array([0, 3]), np.eye(2)), "groups"),
        (lambda: LinearIndexPayoff.grouped(np.array([0, 1]), np.ones((2, 3))), "weights"),
        (lambda: LinearIndexPayoff(PowerLaw(1.0, 1.0), np.ones((3, 1)), np.ones((1, 2))), "E, P"),
        (lambda: RandomCoverage(np.array([[0.5, 1.0]])), "q"),
        (lambda: RandomCoverage(np.array([[-0.1, 0.5]])), "q"),
    ],
)
def test_constructors_reject_bad_parameters_by_name(build_bad, name):
    with pytest.raises(ValueError, match=name):
        build_bad()


@pytest.mark.parametrize("function", [
    PowerLaw(alpha=2.0, beta=0.5, top=np.linspace(1.0, 2.0, 5)),  # alpha * beta a number, top per agent
    PowerLaw(alpha=np.linspace(0.5, 2.0, 5), beta=0.7, shift=1.0),
    PowerLaw(alpha=1.0, beta=np.linspace(0.3, 1.0, 5), shift=1.0),
    Quadratic(slope=np.linspace(0.1, 0.5, 5), curvature=0.2),
    PACBound(a0=np.linspace(0.5, 1.0, 5), k=2.0),
], ids=["scalar alpha, beta", "per-agent alpha", "per-agent beta", "quadratic", "pac"])
@pytest.mark.parametrize("players", [slice(1, 3), np.array([0, 3, 4]), slice(4, 1, -1)], ids=["slice", "rows", "reversed"])
def test_take_players_gives_the_rows_of_every_derivative(function, players) -> None:
    """The function restricted to some agents gives their rows of value, d1 and d2, bit for bit,
    for one point per agent and for the total (a number), also after the whole function has kept a
    memo of a scalar evaluation."""
    function.value(2.0)
    part = take_players(function, players, 5)
    rows = np.arange(5)[players]
    x = np.linspace(1.0, 3.0, 15).reshape(5, 3)
    for name in ("value", "d1", "d2"):
        np.testing.assert_array_equal(getattr(part, name)(x[rows]), getattr(function, name)(x)[rows], err_msg=name)
        whole = np.broadcast_to(getattr(function, name)(2.0), (5,))[rows]
        np.testing.assert_array_equal(np.broadcast_to(getattr(part, name)(2.0), (rows.size,)), whole, err_msg=name)
