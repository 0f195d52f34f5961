"""Paper 004 Example 1 / Appendix A.1: the Bayes risks (27)-(35) and the utility (36), checked by
minimizing (29) and (33) numerically and by simulating the Laplace estimator (fixed seed, bound
from the standard error)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from mechopt.privacy.mean_estimation import (bayes_risk, bayes_risk_of, estimator, mean_estimation_game,
                                             simulate_risk, utility_table)


def test_36_at_infinity_is_10():
    np.testing.assert_allclose(utility_table(math.inf), [[0, 2 / 3], [2 / 3, 1]], atol=1e-15)
    assert bayes_risk(math.inf, 0) == pytest.approx(1 / 12)     # (27)


@pytest.mark.parametrize("eps", [0.3, 1.0, 2.0, 10.0])
@pytest.mark.parametrize("sharing", [1, 2])
def test_closed_form_weights_minimize_29_33(eps, sharing):
    """(30)/(34): the optimal w of the risk with the Laplace scale at the DP bound w / eps."""
    res = minimize_scalar(lambda w: bayes_risk_of(w, w / eps, sharing), bounds=(0, 1), method="bounded",
                          options={"xatol": 1e-12})
    w, scale = estimator(eps, sharing)
    assert w == pytest.approx(res.x, abs=1e-6) and scale == pytest.approx(w / eps)
    assert bayes_risk(eps, sharing) == pytest.approx(res.fun, rel=1e-9)


@pytest.mark.parametrize("eps", [0.5, 2.0, math.inf])
@pytest.mark.parametrize("sharing", [0, 1, 2])
def test_simulated_laplace_estimator_has_the_closed_form_risk(eps, sharing):
    mean, se = simulate_risk(eps, sharing, samples=200_000, seed=2024)
    assert abs(mean - bayes_risk(eps, sharing)) <= 5 * se


def test_36_is_monotone_and_normalized():
    for eps in (0.1, 1.0, 5.0):
        u = utility_table(eps)
        assert u[0, 0] == 0.0 and 0 < u[0, 1] == u[1, 0] < u[1, 1] < 1
        assert u[0, 1] == pytest.approx(2 / (3 + 24 / eps**2)) and u[1, 1] == pytest.approx(1 / (1 + 3 / eps**2))


def test_bad_level():
    with pytest.raises(ValueError, match="eps"):
        mean_estimation_game(0.0)
