"""The bimatrix LCP posed in pyomo.mpec and solved as a MILP with HiGHS (solvers/bimatrix_mip.py):
all equilibria against hand-known games, the 2 x 2 support enumeration of twogroup.py and brute
force over pure profiles; program (25) through the MILP's pieces against the exact candidates and
an alpha grid."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.twogroup import (bimatrix_equilibria, grid_two_group, payoff_matrices, regrets,
                                      solve_two_group, two_group_pieces)
from mechopt.solvers.bimatrix_mip import all_equilibria_mip, bimatrix_model, bimatrix_regrets

G = mean_estimation_game()
RPS = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], float)


def _same(found, expected, atol=1e-9) -> bool:
    return len(found) == len(expected) and all(
        any(np.allclose(x, ex, atol=atol) and np.allclose(y, ey, atol=atol) for ex, ey in expected)
        for x, y in found)


def test_matching_pennies_has_one_mixed_equilibrium():
    r = all_equilibria_mip(np.array([[1, -1], [-1, 1]]), np.array([[-1, 1], [1, -1]]))
    assert r.complete and r.verified and len(r.equilibria) == 1
    assert np.allclose(r.equilibria[0].x, 0.5) and np.allclose(r.equilibria[0].y, 0.5)


def test_battle_of_the_sexes_has_three():
    r = all_equilibria_mip(np.array([[2, 0], [0, 1]]), np.array([[1, 0], [0, 2]]))
    assert r.complete and r.verified
    assert _same(r.profiles(), [(np.array([1.0, 0]), np.array([1.0, 0])), (np.array([0, 1.0]), np.array([0, 1.0])),
                                (np.array([2 / 3, 1 / 3]), np.array([1 / 3, 2 / 3]))])


def test_rock_paper_scissors_is_unique_and_uniform():
    r = all_equilibria_mip(RPS, -RPS)
    assert r.complete and r.verified and len(r.equilibria) == 1
    assert np.allclose(r.equilibria[0].x, 1 / 3) and np.allclose(r.equilibria[0].y, 1 / 3)


def test_degenerate_game_lists_every_pattern_once():
    """All-zero 2 x 2 game: every profile is an equilibrium; 'all' = the 3 x 3 nonempty patterns."""
    r = all_equilibria_mip(np.zeros((2, 2)), np.zeros((2, 2)))
    assert r.complete and r.verified
    assert sorted((e.rows, e.cols) for e in r.equilibria) == sorted(
        itertools.product([(0,), (1,), (0, 1)], repeat=2))


def test_big_m_is_the_payoff_range_in_units_of_each_players_largest_payoff():
    a, b = np.array([[3.0, -1.0], [0.5, 2.0]]), np.array([[1.0, 4.0], [-2.0, 0.0]])
    m = bimatrix_model(a, b)  # A in units of 3, B in units of 4
    assert m.bigm_rows == pytest.approx(4.0 / 3) and m.bigm_cols == pytest.approx(6.0 / 4)
    assert m.v1.bounds == pytest.approx((-1.0 / 3, 1.0))
    scaled = bimatrix_model(1e-9 * a, 1e9 * b)  # the same MILP in any units
    assert (scaled.bigm_rows, scaled.bigm_cols) == pytest.approx((m.bigm_rows, m.bigm_cols))


@pytest.mark.parametrize("c1, c2", [(0.2, 0.25), (0.45, 0.45), (0.5, 0.4), (0.05, 0.3)])
@pytest.mark.parametrize("alpha", [0.37, 0.55, 0.71, 0.93])
def test_agrees_with_support_enumeration_on_the_paper_games(alpha, c1, c2):
    a, b = payoff_matrices(G, alpha, c1, c2)
    r = all_equilibria_mip(a, b)
    assert r.complete and r.verified
    for e in r.equilibria:
        assert regrets(a, b, e.x, e.y).max() <= 1e-9 * np.abs(np.r_[a.ravel(), b.ravel()]).max()
    assert _same(r.profiles(), bimatrix_equilibria(a, b))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 3), st.integers(2, 3), st.data())
def test_random_integer_games(m, n, data):
    entries = st.lists(st.integers(-3, 3), min_size=m * n, max_size=m * n)
    a = np.array(data.draw(entries), float).reshape(m, n)
    b = np.array(data.draw(entries), float).reshape(m, n)
    r = all_equilibria_mip(a, b)
    assert r.complete and r.equilibria
    scale = max(1.0, np.abs(a).max(), np.abs(b).max())
    for e in r.equilibria:
        assert bimatrix_regrets(a, b, e.x, e.y).max() <= 1e-9 * scale
    for i, j in itertools.product(range(m), range(n)):
        x, y = np.eye(m)[i], np.eye(n)[j]
        if bimatrix_regrets(a, b, x, y).max() <= 0:
            assert any(np.allclose(ex, x, atol=1e-9) and np.allclose(ey, y, atol=1e-9) for ex, ey in r.profiles())


@pytest.mark.parametrize("c1, c2", [(0.05, 0.3), (0.2, 0.25), (0.3, 0.3), (0.45, 0.45), (0.5, 0.4),
                                    (0.4, 0.6), (0.6, 0.65), (0.7, 0.8)])
def test_program_25_through_the_milp(c1, c2):
    pieces = two_group_pieces(G, c1, c2)
    assert all(p.exact for p in pieces)
    assert min(p.alpha_lo for p in pieces) == 0.0 and max(p.alpha_hi for p in pieces) == pytest.approx(1.0)
    r = solve_two_group(G, c1, c2, method="mip")
    ref = solve_two_group(G, c1, c2)
    assert r.platform_utility == pytest.approx(ref.platform_utility, abs=1e-12)
    assert r.alpha == pytest.approx(ref.alpha, abs=1e-9)
    assert r.max_regret <= 1e-12
    assert grid_two_group(G, c1, c2, 401) <= r.platform_utility + 1e-12


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="method"):
        solve_two_group(G, 0.1, 0.1, method="lemke")


def test_two_group_mip_refuses_a_vanishing_sensitivity() -> None:
    """t = 1/alpha would range past what the MILP resolves: a clear error, never a wrong optimum."""
    from mechopt.privacy.mean_estimation import mean_estimation_game
    from mechopt.privacy.twogroup import solve_two_group

    with pytest.raises(ValueError, match="sensitivity: too small for method='mip'"):
        solve_two_group(mean_estimation_game(), 1e-300, 0.2, method="mip")
