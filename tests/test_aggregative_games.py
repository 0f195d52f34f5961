"""Aggregative games from one vectorized callable (AggregativeGame): Cournot
equilibria against their closed form, the same answers as the game given by per-player
callables, the structured Jacobian against the dense one, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import mechopt as mo
from mechopt.core.structured import DiagPlusLowRank
from mechopt.core.verdict import Basis


def cournot(n: int, a: float, c: np.ndarray):
    """Inverse demand a - S, unit costs c: profit x_i (a - S) - c_i x_i, concave in x_i."""
    def utility(x, S):
        return x * (a - S) - c * x

    def gradient(x, S):  # d/dt of (x + t)(a - S - t) - c (x + t) at t = 0
        return a - S - x - c

    return utility, gradient


def interior_cournot(n: int, a: float, c: np.ndarray) -> np.ndarray:
    """a - S - x_i - c_i = 0 for all i: S = (n a - sum c) / (n + 1), x_i = a - c_i - S."""
    S = (n * a - c.sum()) / (n + 1)
    return a - c - S


@pytest.mark.parametrize("exact_gradient", [False, True])
def test_cournot_equilibrium_is_the_closed_form(exact_gradient: bool) -> None:
    n, a = 100, 1000.0
    c = np.random.default_rng(0).uniform(1.0, 2.0, n)
    utility, gradient = cournot(n, a, c)
    game = mo.AggregativeGame(utility, [(0.0, 100.0)] * n, concave=True,
                                              gradient=gradient if exact_gradient else None)
    result = mo.solve_nash(game)
    expected = interior_cournot(n, a, c)
    assert expected.min() > 0  # the closed form's premise
    assert result.status is mo.Status.EQUILIBRIUM and result.verdict.basis is Basis.DECLARED_ASSUMPTION
    np.testing.assert_allclose(result.profile, expected, rtol=1e-8)


def test_corner_equilibria_match_the_game_given_by_per_player_callables() -> None:
    n, a = 12, 20.0
    c = np.linspace(1.0, 14.0, n)  # the costliest firms stay out
    utility, _ = cournot(n, a, c)
    aggregative = mo.solve_nash(mo.AggregativeGame(utility, [(0.0, 30.0)] * n, concave=True))
    players = [lambda s, i=i: s[i] * (a - s.sum()) - c[i] * s[i] for i in range(n)]
    general = mo.solve_nash(mo.ContinuousGame.from_utilities(players, [(0.0, 30.0)] * n, concave=True))
    assert aggregative.success and general.success
    assert np.any(aggregative.profile == 0.0)
    np.testing.assert_allclose(aggregative.profile, general.profile, atol=1e-8)


def test_structured_jacobian_equals_the_dense_difference_jacobian() -> None:
    n = 6
    rng = np.random.default_rng(1)
    w = rng.uniform(1.0, 2.0, n)

    def utility(x, S):
        return w * np.log1p(S) - x ** 2 / 2

    s = rng.uniform(0.5, 2.0, n)
    J = mo.AggregativeGame(utility, [(0.0, 5.0)] * n).own_jacobian(s)
    assert isinstance(J, DiagPlusLowRank)
    players = [lambda t, i=i: w[i] * np.log1p(t.sum()) - t[i] ** 2 / 2 for i in range(n)]
    dense = mo.ContinuousGame.from_utilities(players, [(0.0, 5.0)] * n).own_jacobian(s)
    # closed form: G_ij = -w_i / (1 + S)^2 - [i = j]
    exact = -np.outer(w, np.ones(n)) / (1 + s.sum()) ** 2 - np.eye(n)
    np.testing.assert_allclose(J.to_dense(), exact, atol=1e-7)
    np.testing.assert_allclose(dense, exact, atol=1e-7)


def test_a_utility_of_the_wrong_shape_is_named() -> None:
    with pytest.raises(ValueError, match=r"utility: .* shape \(3,\)"):
        mo.AggregativeGame(lambda x, S: float(np.sum(x)), [(0.0, 1.0)] * 3)


def test_bounds_of_the_wrong_shape_are_named() -> None:
    with pytest.raises(ValueError, match="bounds"):
        mo.AggregativeGame(lambda x, S: x, [0.0, 1.0])
