"""Learning curves measured by training and the accuracy families fitted to them: known synthetic
curves are recovered within their intervals, a fitted curve is a payoff mechanisms accept, and
curves on scikit-learn's digits behave as learning curves do."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.naive_bayes import GaussianNB

import mechopt as mo
from mechopt.learning.curves import pool_order, learning_curve
from mechopt.learning.fit import fit_curve

SIZES = np.array([10, 20, 40, 80, 160, 320, 640, 1280], dtype=float)


def test_a_noise_free_power_law_is_recovered_exactly() -> None:
    truth = mo.PowerLaw(alpha=0.8, beta=0.6, shift=1.0, top=0.95)
    fit = fit_curve((SIZES, truth.value(SIZES)))
    assert fit.parameters == pytest.approx({"top": 0.95, "alpha": 0.8, "beta": 0.6}, rel=1e-7)
    assert fit.r_squared == pytest.approx(1.0)


def test_a_noisy_power_law_lies_within_its_intervals() -> None:
    truth = {"top": 0.95, "alpha": 0.8, "beta": 0.6}
    rng = np.random.default_rng(3)
    m = np.tile(SIZES, 5)
    a = mo.PowerLaw(alpha=0.8, beta=0.6, shift=1.0, top=0.95).value(m) + rng.normal(0, 0.01, m.size)
    fit = fit_curve((m, a), confidence=0.99)
    for name, value in truth.items():
        low, high = fit.intervals[name]
        assert low <= value <= high, (name, fit.intervals[name])
    assert fit.rmse == pytest.approx(0.01, rel=0.3)


def test_vanishing_at_zero_gives_a_payoff_every_mechanism_accepts() -> None:
    truth = mo.PowerLaw(alpha=0.9, beta=0.5, shift=1.0, top=0.9)  # 0.9 (1 - (m + 1)^-1/2)
    fit = fit_curve((SIZES, truth.value(SIZES)), vanish_at_zero=True)
    assert fit.parameters == pytest.approx({"top": 0.9, "beta": 0.5, "alpha": 0.9}, rel=1e-6)
    assert fit.shift == pytest.approx(1.0, rel=1e-6) and fit(0.0) == pytest.approx(0.0, abs=1e-12)
    costs = mo.linear_cost([0.002, 0.003, 0.004])
    for name in ("none", "budget_balanced", "shapley"):
        answer = mo.solve_mechanism(mo.mechanism(name, fit.payoff(3), costs, 400.0))
        assert answer.success, (name, answer.message)
    # M^0's equilibrium from the closed form: a'(S) = 0.45 (S + 1)^-3/2 = 0.002 for the cheapest agent
    none = mo.solve_mechanism(mo.mechanism("none", fit.payoff(3), costs, 400.0)).equilibrium.profile
    assert none == pytest.approx([225 ** (2 / 3) - 1, 0.0, 0.0], rel=1e-6)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def test_digits_curve_is_deterministic_and_learns(digits) -> None:
    X, y = digits
    first = learning_curve(GaussianNB, X, y, [20, 80, 640], seeds=(0, 1))
    again = learning_curve(GaussianNB, X, y, [20, 80, 640], seeds=(0, 1))
    np.testing.assert_array_equal(first.accuracy, again.accuracy)
    assert np.all((first.accuracy >= 0) & (first.accuracy <= 1))
    assert first.mean[-1] > first.mean[0]
    fit = fit_curve(first)
    assert fit.points == 6


def test_skewed_pools_draw_from_fewer_classes(digits) -> None:
    _, y = digits
    rng = np.random.default_rng(0)
    iid = np.unique(y[pool_order(y, "iid", rng, 0.5)[:30]]).size
    skewed = np.unique(y[pool_order(y, "dirichlet", np.random.default_rng(0), 0.05)[:30]]).size
    assert skewed < iid


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"sizes": [0, 10]}, "sizes"), ({"sizes": [10**6]}, "sizes"), ({"partition": "shards"}, "partition"),
    ({"test_fraction": 1.5}, "test_fraction"), ({"seeds": ()}, "seeds"),
])
def test_bad_learning_curve_arguments_are_named(digits, kwargs, field) -> None:
    X, y = digits
    args = {"sizes": [10, 20], **kwargs}
    with pytest.raises(ValueError, match=field):
        learning_curve(GaussianNB, X, y, **args)


def test_bad_fit_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="family"):
        fit_curve((SIZES, SIZES), family="logistic")
    with pytest.raises(ValueError, match="more"):
        fit_curve((SIZES[:3], SIZES[:3]))
    with pytest.raises(ValueError, match="sizes must be > 0"):
        fit_curve((np.array([0.0, 1, 2, 3]), np.ones(4)))
