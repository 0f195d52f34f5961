"""Paper 004 Section 5.2: the two-group game (23)-(24), all its equilibria with regret
certificates, and the platform's program (25), against closed forms of the Section 5.1 utility and
against grids; Section 5.2's three claims (Figure 7) computed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.twogroup import (bimatrix_equilibria, grid_two_group, regrets,
                                      solve_two_group)

G = mean_estimation_game()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=8, max_size=8))
def test_enumerated_equilibria_have_no_regret_and_a_grid_finds_no_other(vals):
    a, b = np.array(vals[:4]).reshape(2, 2), np.array(vals[4:]).reshape(2, 2)
    eqs = bimatrix_equilibria(a, b)
    assert eqs, "every finite game has an equilibrium (Nash)"
    for x, y in eqs:
        assert regrets(a, b, x, y).max() <= 1e-9
    da = (a[0, 0] - a[1, 0]) - (a[0, 1] - a[1, 1])
    db = (b[0, 0] - b[0, 1]) - (b[1, 0] - b[1, 1])
    if min(abs(da), abs(db)) < 1e-3 or min(abs(a[0] - a[1]).min(), abs(b[:, 0] - b[:, 1]).min()) < 1e-3:
        return  # near-degenerate: continua of equilibria
    grid = np.linspace(0, 1, 101)
    for p in grid:
        for q in grid:
            x, y = np.array([p, 1 - p]), np.array([q, 1 - q])
            if regrets(a, b, x, y).max() <= 1e-12:
                assert any(np.allclose(x, ex, atol=1e-2) and np.allclose(y, ey, atol=1e-2) for ex, ey in eqs)


def _closed_form(c1: float, c2: float) -> float:
    """Section 5.1's U: both share at alpha = 2 max c (value 1 - 2 max c); only the less sensitive user
    shares at alpha = 1.5 min c (value (1 - 1.5 min c) 2/3); or alpha = 0 (value 0)."""
    both = 1 - 2 * max(c1, c2) if 2 * max(c1, c2) <= 1 else -np.inf
    one = (1 - 1.5 * min(c1, c2)) * 2 / 3 if 1.5 * min(c1, c2) <= 1 else -np.inf
    return max(both, one, 0.0)


@pytest.mark.parametrize("c1", [0.05, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
@pytest.mark.parametrize("c2", [0.1, 0.25, 0.35, 0.45, 0.65, 0.8])
def test_program_25_against_closed_form_and_grid(c1, c2):
    r = solve_two_group(G, c1, c2)
    assert r.platform_utility == pytest.approx(_closed_form(c1, c2), abs=1e-12)
    assert r.max_regret <= 1e-12
    assert grid_two_group(G, c1, c2, 501) <= r.platform_utility + 1e-12


def test_section_52_claims():
    # both small and close: both share
    r = solve_two_group(G, 0.2, 0.25)
    assert r.x[1] == 1 and r.y[1] == 1
    # c1 > c2 > 1/3: only user 2 shares; and vice versa
    r = solve_two_group(G, 0.5, 0.4)
    assert r.x[0] == 1 and r.y[1] == 1
    r = solve_two_group(G, 0.4, 0.5)
    assert r.x[1] == 1 and r.y[0] == 1
    # both above 2/3: no incentive
    r = solve_two_group(G, 0.7, 0.8)
    assert r.alpha == 0 and r.platform_utility == 0
    # below 1/3 but far apart: asymmetric engagement (only the less sensitive user shares)
    r = solve_two_group(G, 0.05, 0.3)
    assert r.x[1] == 1 and r.y[0] == 1


def test_two_group_needs_a_2x2_game():
    with pytest.raises(ValueError, match="table"):
        solve_two_group(PrivacyGame((0.0, 1.0, 2.0), np.zeros((3, 3))), 0.1, 0.1)
    with pytest.raises(ValueError, match="sensitivity"):
        solve_two_group(G, -0.1, 0.1)


@pytest.mark.parametrize("c", [0.34, 0.45, 0.6])
def test_asymmetric_equilibria_beat_the_symmetric_program_19(c):
    """docs/privacy.md finding: (19) over symmetric equilibria only is below (25) at c_1 = c_2 = c."""
    from mechopt.privacy.stackelberg import solve_stackelberg
    from mechopt.privacy.symmetric import SymmetricPrivacyGame

    sym = solve_stackelberg(SymmetricPrivacyGame(G), c).platform_utility
    two = solve_two_group(G, c, c)
    assert two.platform_utility == pytest.approx((1 - 1.5 * c) * 2 / 3) and two.platform_utility > sym + 1e-3


def _candidates_by_polynomials(table: np.ndarray, c1: float, c2: float) -> list[float]:
    """The mixed-branch candidates of (25) by numpy.polynomial.Polynomial (the reference)."""
    from numpy.polynomial import Polynomial

    from mechopt.privacy.fairvalue import fair_values_users
    from mechopt.privacy.symmetric import real_roots

    phi = fair_values_users(PrivacyGame((0.0, 1.0), table)).users
    g1, g2 = phi[0][1] - phi[0][0], phi[1][:, 1] - phi[1][:, 0]
    a1, b1, a2, b2 = g1[1], g1[0] - g1[1], g2[1], g2[0] - g2[1]
    if b1 == 0 or b2 == 0:
        return []
    t = Polynomial([0.0, 1.0])
    q, p = (c1 * t - a1) / b1, (c2 * t - a2) / b2
    u = table
    P = u[0, 0] * p * q + u[0, 1] * p * (1 - q) + u[1, 0] * (1 - p) * q + u[1, 1] * (1 - p) * (1 - q)
    roots = [r for poly in (P + t * (t - 1) * P.deriv(), q, q - 1, p, p - 1) for r in real_roots(poly, 1.0, 1e12)]
    return [float(1.0 / r) for r in roots if r >= 1.0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=4, max_size=4),
       st.floats(0, 2), st.floats(0, 2), st.booleans())
@example([1.0, 0.0, 0.0, 0.0], 0.0, 2.2250738585e-313, False)  # a subnormal cost: the cubic's companion matrix overflowed
def test_candidates_equal_the_polynomial_computation_to_the_last_bit(vals, c1, c2, integer):
    from mechopt.privacy.fairvalue import fair_values_users
    from mechopt.privacy.twogroup import _candidates

    table = np.round(np.array(vals)).reshape(2, 2) if integer else np.array(vals).reshape(2, 2)
    phi = fair_values_users(PrivacyGame((0.0, 1.0), table)).users
    found = _candidates(phi, table, c1, c2)
    assert set(_candidates_by_polynomials(table, c1, c2)) <= set(found)  # float equality: the same bits
