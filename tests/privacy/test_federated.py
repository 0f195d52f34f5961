"""Paper 004 Section 4: federated mean estimation (14)-(17) with Proposition 5's weights, checked
against the exact minimizer of (55) and against a simulation of the estimators; Section 4.1's
fair values (Theorem 2, alpha = 1) at one level vector from the coalition table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.privacy.fairvalue import fair_values_at, fair_values_users
from mechopt.privacy.federated import FederatedPopulation, proposition5_weights


def _pop(seed: int, n: int) -> FederatedPopulation:
    rng = np.random.default_rng(seed)
    return FederatedPopulation(rng.integers(1, 200, n).astype(float), rng.uniform(0.5, 2, n),
                               float(rng.choice([0.1, 1.0, 100.0])), float(rng.choice([1.0, 10.0, 100.0])))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 8), st.data())
def test_proposition5_equals_the_exact_minimizer_of_55(seed, n, data):
    pop = _pop(seed, n)
    eps = [1, 2] + data.draw(st.lists(st.integers(0, 2), min_size=n - 2, max_size=n - 2))
    fed, direct = [j for j in range(n) if eps[j] == 1], [j for j in range(n) if eps[j] == 2]
    for i in range(n):
        v = pop.optimal_weights(i, eps)
        w0, w = proposition5_weights(pop, i, eps)
        assert v[fed].sum() == pytest.approx(w0, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(v[direct], w, rtol=1e-9, atol=1e-12)
        assert v.sum() == pytest.approx(1.0)


def test_optimal_weights_beat_perturbations():
    pop = _pop(3, 6)
    eps = [1, 1, 2, 2, 0, 1]
    rng = np.random.default_rng(0)
    for i in range(6):
        v = pop.optimal_weights(i, eps)
        best = pop.emse(i, v)
        for _ in range(50):
            d = rng.normal(size=6) * np.array([e > 0 for e in eps])
            d[[0, 1, 5]] = d[0]  # the federating users share one weight
            d -= d.sum() / np.count_nonzero([e > 0 for e in eps]) * np.array([e > 0 for e in eps])
            assert pop.emse(i, v + 1e-2 * d) >= best - 1e-12


def test_emse_55_by_simulation():
    """Draw theta_j ~ N(0, s^2) and local means with variance t^2 / n_j; the mean squared error of the
    platform's estimator agrees with (55) within 5 standard errors."""
    pop = FederatedPopulation(np.array([5.0, 20.0, 50.0, 10.0]), np.ones(4), 1.0, 10.0)
    eps = [1, 1, 2, 2]
    rng = np.random.default_rng(7)
    m = 400_000
    theta = rng.normal(0, 1.0, (m, 4))
    local = theta + rng.normal(size=(m, 4)) * np.sqrt(10.0 / pop.samples)
    for i in range(4):
        v = pop.optimal_weights(i, eps)
        err = (local @ v - theta[:, i]) ** 2
        assert abs(err.mean() - pop.emse(i, v)) <= 5 * err.std() / np.sqrt(m)


def test_utility_17_conventions():
    pop = FederatedPopulation(np.array([10.0, 100.0, 10.0]), np.ones(3), 1.0, 10.0)
    assert pop.utility([0, 0, 0]) == 0.0
    assert pop.utility([2, 2, 2]) > pop.utility([1, 1, 1]) > 0.0


def test_fair_values_at_one_vector_equal_the_full_table():
    pop = FederatedPopulation(np.array([10.0, 100.0, 10.0, 50.0]), np.array([1.0, 1.0, 3.0, 1.0]), 1.0, 10.0)
    game = pop.game()
    full = fair_values_users(game, 0.7).users
    for eps in [(1, 2, 0, 2), (2, 2, 2, 2), (1, 1, 1, 0)]:
        t2, t1, tp = fair_values_at(lambda e: pop.utility(list(e)), eps, alpha=0.7)
        np.testing.assert_allclose(t2, full[(slice(None),) + eps], atol=1e-12)
        assert t1.sum() + tp == pytest.approx(pop.utility(list(eps)))


@pytest.mark.parametrize("field,kw", [("samples", {"samples": np.array([0.0, 1.0])}),
                                      ("importance", {"importance": np.array([-1.0, 1.0])}),
                                      ("s2", {"s2": -1.0})])
def test_bad_population(field, kw):
    args = {"samples": np.array([1.0, 2.0]), "importance": np.ones(2), "s2": 1.0, "t2": 1.0} | kw
    with pytest.raises(ValueError, match=field):
        FederatedPopulation(**args)
