"""The equilibrium MCP posed in Pyomo and solved exactly as a MIP, against closed forms and Newton."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mechopt as mo
from mechopt.certificates import nash_certificate
from mechopt.solvers.pyomo_mcp import pyomo_mip_solve


def cournot(a: float, b: float, costs: np.ndarray, cap: float) -> mo.CallableGame:
    """Cournot oligopoly u_i = s_i (a - b S) - c_i s_i: a concave game with affine F."""
    utilities = [(lambda i: (lambda s: s[i] * (a - b * s.sum()) - costs[i] * s[i]))(i) for i in range(costs.size)]
    return mo.ContinuousGame.from_utilities(utilities, [(0.0, cap)] * costs.size, concave=True)


def cournot_closed_form(a: float, b: float, costs: np.ndarray) -> np.ndarray:
    """Interior Cournot-Nash quantities: among the m active firms (the cheapest),
    s_i = (a - (m + 1) c_i + sum_active c_j) / ((m + 1) b); firms with s_i <= 0 drop out."""
    order = np.argsort(costs)
    for m in range(costs.size, 0, -1):
        active = order[:m]
        s = (a - (m + 1) * costs[active] + costs[active].sum()) / ((m + 1) * b)
        if np.all(s > 0):
            out = np.zeros(costs.size)
            out[active] = s
            return out
    return np.zeros(costs.size)


@given(st.lists(st.floats(0.5, 9.0), min_size=2, max_size=6).map(np.array), st.floats(0.5, 3.0))
@settings(max_examples=25, deadline=None)
def test_pyomo_mip_matches_cournot_closed_form_and_newton(costs, b):
    a = 10.0
    game = cournot(a, b, costs, cap=20.0)
    expected = cournot_closed_form(a, b, costs)
    mip = pyomo_mip_solve(game)
    np.testing.assert_allclose(mip.profile, expected, atol=1e-7)
    assert nash_certificate(game, mip.profile).verified
    newton = mo.solve_nash(game)
    np.testing.assert_allclose(newton.profile, expected, atol=1e-7)
    via_api = mo.solve_nash(game, method="pyomo-mip")
    assert via_api.status is mo.Status.EQUILIBRIUM and via_api.stats.method == "pyomo-mip"


def test_non_affine_game_is_refused():
    payoff = mo.LinearIndexPayoff.aggregate(mo.PowerLaw(alpha=1.0, beta=0.5, shift=1.0), 3)
    game = mo.DataSharingGame(payoff, mo.linear_cost([0.1, 0.2, 0.3]), upper=10.0)
    with pytest.raises(ValueError, match="not affine"):
        pyomo_mip_solve(game)
