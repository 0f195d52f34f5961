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


def certified_gain_bound(cert) -> float:
    """The bound on every player's best-response gain that a verified certificate establishes:
    gains_i <= tol scale_i + rounding_i, scale_i player i's utility scale (mechopt.certificates.nash)."""
    return float(np.max(cert.slack))


def certified_distance(n: int, b: float, gain: float) -> float:
    """Bound on ||s - s*||_2 for any profile s of the Cournot game whose best-response gains are all
    <= G = ``gain`` (a verified certificate), s* the unique equilibrium.

    u_i(y, s_-i) = y (a - c_i - b R_i) - b y^2 has curvature -2b, so gain_i >= b (s_i - x_i)^2 with
    x_i the best response, x = proj(s + F(s) / (2b)) (F_i = a - c_i - b S - b s_i); hence r = s - x
    has ||r||_2 <= sqrt(n G / b).  F(s) - F(s*) = -b (I + 1 1^T)(s - s*), whose eigenvalues lie in
    [b, (n + 1) b]: F is strongly monotone (mu = b) and Lipschitz (L = (n + 1) b).  The projection
    inequality at x (tested with s*) plus the variational inequality at s* (tested with x) give,
    for e = s - s* and gamma = 1 / (2b), gamma mu ||e||^2 <= (1 + gamma L) ||r|| ||e||, so
    ||e|| <= (1 / gamma + L) / mu ||r|| = (n + 3) ||r||.

    Tighter agreement is not guaranteed near a firm's entry threshold: a firm whose equilibrium
    quantity q is tiny loses only about b q^2 by staying out, so staying out is certified too when
    b q^2 <= G; the finite-difference gradient of a game given by callables (step 2e-5 here) and
    the MIP's bound snapping (bound_tol * width = 2e-5) can each put such a firm at 0.
    """
    return (n + 3) * np.sqrt(n * gain / b)


@given(st.lists(st.floats(0.5, 9.0), min_size=2, max_size=6).map(np.array), st.floats(0.5, 3.0))
@settings(max_examples=100, deadline=None)
def test_newton_matches_cournot_closed_form(costs, b):
    """The fast method inside the property; the MIP is compared on the fixed cases below."""
    a = 10.0
    game = cournot(a, b, costs, cap=20.0)
    newton = mo.solve_nash(game)
    gain = certified_gain_bound(newton.certificate)
    assert newton.status is mo.Status.EQUILIBRIUM and newton.certificate.max_gain <= gain
    distance = np.linalg.norm(newton.profile - cournot_closed_form(a, b, costs))
    assert distance <= certified_distance(costs.size, b, gain)


# Every firm of these is active by far more than the finite-difference step and the MIP's bound
# snapping (2e-5), or inactive with F_i(s*) <= -3, so the methods' own exactness is asserted.
EXACT_CASES = [([1.0, 2.0, 3.0], 1.0), ([0.5, 9.0], 0.5), ([2.0, 2.5, 3.0, 7.5, 8.0, 4.0], 3.0), ([4.0, 4.0, 4.0, 4.0], 0.7)]


@pytest.mark.parametrize(("costs", "b"), EXACT_CASES)
def test_pyomo_mip_matches_cournot_closed_form_and_newton(costs, b):
    a, costs = 10.0, np.array(costs)
    game = cournot(a, b, costs, cap=20.0)
    expected = cournot_closed_form(a, b, costs)
    mip = pyomo_mip_solve(game)
    np.testing.assert_allclose(mip.profile, expected, atol=1e-7)
    assert nash_certificate(game, mip.profile).verified
    newton = mo.solve_nash(game)
    np.testing.assert_allclose(newton.profile, expected, atol=1e-7)
    via_api = mo.solve_nash(game, method="pyomo-mip")
    assert via_api.status is mo.Status.EQUILIBRIUM and via_api.stats.method == "pyomo-mip"


def test_firm_at_its_entry_threshold_is_determined_only_to_the_certified_distance():
    """s*_3 = 1e-6: the closed form is certified; the profile with firm 3 out is not, because firm 3
    gains b (s*_3)^2 = 1e-12 by entering, which is tiny against the market's profits but 1e-7 of
    firm 3's own utility scale (the Nash tolerance is relative to each player's utilities where
    the answer lives).  The methods are held to the certified distance."""
    a, b = 10.0, 1.0
    costs = np.array([1.0, 1.0, (12.0 - 4.0 * b * 1e-6) / 3.0])  # s*_3 = (12 - 3 c_3) / (4 b)
    game = cournot(a, b, costs, cap=20.0)
    expected = cournot_closed_form(a, b, costs)
    assert expected[2] == pytest.approx(1e-6, rel=1e-6)
    firm_3_out = np.append(cournot_closed_form(a, b, costs[:2]), 0.0)
    assert nash_certificate(game, expected).verified
    out = nash_certificate(game, firm_3_out)
    assert not out.verified and out.refuted and out.found_gains[2] == pytest.approx(1e-12, rel=1e-3)
    for method in ("newton", "pyomo-mip"):
        result = mo.solve_nash(game, method=method)
        assert result.status is mo.Status.EQUILIBRIUM
        gain = certified_gain_bound(result.certificate)
        assert np.linalg.norm(result.profile - expected) <= certified_distance(3, b, gain)
        # Newton resolves firm 3's entry itself; the MIP decides it within HiGHS's absolute
        # tolerance, and when its point leaves firm 3 out that point is refuted and a fallback
        # method certifies the equilibrium (the attempts say which)
        first = result.stats.parameters["attempts"][0]
        assert first["method"] == method and (first["verified"] or result.stats.method != method)
        assert method != "newton" or result.stats.method == "newton"


def test_non_affine_game_is_refused():
    payoff = mo.LinearIndexPayoff.aggregate(mo.PowerLaw(alpha=1.0, beta=0.5, shift=1.0), 3)
    game = mo.DataSharingGame(payoff, mo.linear_cost([0.1, 0.2, 0.3]), tau=10.0)
    with pytest.raises(ValueError, match="not affine"):
        pyomo_mip_solve(game)
