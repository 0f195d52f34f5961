"""Paper 000: Theorem I, the mechanisms (8) and (11), Theorems III-V and Remark 3, against closed
forms and independent methods (scipy root finding, the generic Nash solver)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from mechopt.core.status import Status
from mechopt.data.functions import CallableFunction, PACBound, PowerLaw
from mechopt.valueshaping.certify import free_riding_certificate, value_shaping_certificate
from mechopt.valueshaping.equilibrium import (free_riding_generic, min_viable_agents, solve_value_shaping,
                                              viability_threshold)
from mechopt.valueshaping.mechanisms import StandardFL, ValueShaping, feasibility_and_ir
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.totals import free_riding_profile
from mechopt.valueshaping.value import ValueOfData

INV = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, top=1.0))  # b(m) = 1 - 1/m, m0 = 1
COSTS = np.array([0.01, 0.02, 0.05, 0.3])


# --- Theorem I ------------------------------------------------------------------------------------

def test_theorem_one_power_law_closed_form_and_regimes():
    """b = 1 - 1/m: b'(m) = 1/m^2, so m* = c^(-1/2) while u = 1 - 2 sqrt(c) > 0 (c < 1/4); mid cost
    for 1/4 <= c < 1 (b'(m0 = 1) = 1 > c), high cost for c >= 1."""
    c = np.array([0.01, 0.2, 0.25, 0.5, 1.0, 3.0])
    m, u, regime = solo_contributions(INV, c)
    expect = np.where(c < 0.25, c ** -0.5, 0.0)
    np.testing.assert_allclose(m, expect, rtol=1e-14)
    np.testing.assert_allclose(u, np.where(c < 0.25, 1 - 2 * np.sqrt(c), 0.0), atol=1e-15)
    assert regime.tolist() == [2, 2, 1, 1, 0, 0]


def test_theorem_one_pac_bound_against_brentq():
    """The bisection on b' against scipy's brentq on b'(m) = c, and the utility's sign."""
    b = PACBound(a0=0.95, k=10.0)
    value = ValueOfData(b)
    c = np.array([1e-6, 1e-5, 1e-4])
    m, u, _ = solo_contributions(value, c)
    for ci, mi, ui in zip(c, m, u):
        ref = brentq(lambda x: float(b.d1(x)) - ci, 1e3, 1e12, xtol=1e-9, rtol=1e-14)
        assert mi == pytest.approx(ref, rel=1e-10)
        assert ui == pytest.approx(float(b.value(ref)) - ci * ref, rel=1e-10)


def test_figure_two_slope_is_minus_two_thirds():
    """000 Figure 2: m* ~ c^(-2/3) for the PAC bound (b' ~ m^(-3/2) up to a log factor)."""
    value = ValueOfData(PACBound(a0=0.95, k=10.0))
    c = np.array([1e-9, 1e-8])
    m, _, _ = solo_contributions(value, c)
    slope = np.diff(np.log(m)) / np.diff(np.log(c))
    assert slope[0] == pytest.approx(-2 / 3, abs=0.03)


# --- Theorem III ----------------------------------------------------------------------------------

def test_theorem_three_generic_solver_matches_closed_form():
    """b = 1 - 1/(1 + m) (v = b concave): only the lowest-cost agent contributes m* = c^(-1/2) - 1."""
    value = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, shift=1.0, top=1.0))
    c = np.array([0.05, 0.01, 0.2, 0.02])
    closed = free_riding_profile(c, solo_contributions(value, c)[0])
    np.testing.assert_allclose(closed, [0.0, 9.0, 0.0, 0.0], rtol=1e-14)
    generic = free_riding_generic(value, c)
    assert generic.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(generic.profile, closed, rtol=1e-6, atol=1e-6)
    assert free_riding_certificate(value, c, closed).verified
    assert not free_riding_certificate(value, c, np.array([1.0, 8.0, 0.0, 0.0])).verified


# --- Theorem IV / V, Remark 3 ---------------------------------------------------------------------

def _total_closed_form(c: np.ndarray) -> float:
    """b = 1 - 1/m: M = A (1 - 1/M) + B, i.e. M^2 - (A + B) M + A = 0, largest root."""
    m = np.where(c < 0.25, c ** -0.5, 0.0)
    v = np.where(m > 0, 1 - 1 / np.where(m > 0, m, 1), 0.0)
    A, B = np.sum(1 / c), np.sum(m - v / c)
    return float(((A + B) + np.sqrt((A + B) ** 2 - 4 * A)) / 2)


def test_theorem_four_total_against_quadratic_closed_form():
    r = solve_value_shaping(INV, COSTS)
    assert r.status is Status.EQUILIBRIUM and r.certificate.verified
    assert r.total_data == pytest.approx(_total_closed_form(COSTS), rel=1e-12)
    assert np.all(r.equilibrium.profile >= r.solo)
    np.testing.assert_allclose(r.free_riding, [10.0, 0.0, 0.0, 0.0])
    # Theorem V: utility at m^max equals the solo utility
    np.testing.assert_allclose(r.equilibrium.utilities, r.solo_utilities, atol=1e-12)


def test_remark_three_equal_costs_total_and_zero_equilibrium():
    """Equal costs, m* = 0: c/n M = v(M) (Remark 3), and the zero profile is an equilibrium too."""
    value = ValueOfData(PACBound(a0=0.95, k=10.0))
    n, c = 10_000, 0.1
    r = solve_value_shaping(value, np.full(n, c))
    M = r.total_data
    assert float(value.v(M)) == pytest.approx(c / n * M, rel=1e-10)
    b = PACBound(a0=0.95, k=10.0)
    ref = brentq(lambda x: float(b.value(x)) - c / n * x, 1e4, 1e6, rtol=1e-14)
    assert M == pytest.approx(ref, rel=1e-10)
    totals = [p.total for p in r.equilibria]
    assert totals[0] == pytest.approx(M) and totals[-1] == 0.0 and len(totals) == 3
    assert all(p.verified for p in r.equilibria)  # the middle (unstable) one and zero are equilibria too
    zero = value_shaping_certificate(value, np.full(n, c), np.zeros(n))
    assert zero.nash_verified and zero.verified  # an m^max equilibrium, but not the largest: M > 0 is listed first
    np.testing.assert_allclose(r.free_riding, 0.0)


def test_min_viable_agents_matches_tangent_closed_form():
    """Power law without shift: min M/v(M) at (m0/M)^beta = 1/(1 + beta), so kappa =
    m0 (1 + beta)^(1/beta + 1) / (beta top); n_min = ceil(c kappa)."""
    top, beta, m0 = 1e9, 0.95, 5.4e13
    value = ValueOfData(PowerLaw(alpha=top * m0 ** beta, beta=beta, top=top))
    kappa = m0 * (1 + beta) ** (1 / beta + 1) / (beta * top)
    assert viability_threshold(value) == pytest.approx(kappa, rel=1e-10)
    c = 1e-3
    n_min = int(np.ceil(c * kappa))
    assert n_min == 224
    assert min_viable_agents(value, np.full(n_min, c)) == n_min
    assert min_viable_agents(value, np.full(n_min - 1, c)) is None
    assert solve_value_shaping(value, np.full(n_min - 1, c)).total_data == 0.0
    assert solve_value_shaping(value, np.full(n_min, c)).total_data > 0.0


def test_forged_profiles_fail_the_certificate():
    r = solve_value_shaping(INV, COSTS)
    m = r.equilibrium.profile
    assert not value_shaping_certificate(INV, COSTS, 0.95 * m).verified  # weak best responses, not m^max
    assert not value_shaping_certificate(INV, COSTS, 1.05 * m).verified
    bad = m.copy()
    bad[0] = r.solo[0]
    assert not value_shaping_certificate(INV, COSTS, bad).verified


def test_epsilon_positive_is_strict_and_below_the_limit():
    r0 = solve_value_shaping(INV, COSTS)
    r1 = solve_value_shaping(INV, COSTS, eps=1e-3)
    assert r1.status is Status.EQUILIBRIUM
    assert r1.total_data < r0.total_data
    # Theorem V with eps > 0: u_i = u_i* + eps (m_i - m_i*)
    np.testing.assert_allclose(r1.equilibrium.utilities,
                               r1.solo_utilities + 1e-3 * (r1.equilibrium.profile - r1.solo), atol=1e-12)


# --- mechanisms as value curves ---------------------------------------------------------------------

def test_value_shaping_curve_pieces_feasible_and_ir():
    mech = ValueShaping(INV, COSTS)
    r = solve_value_shaping(INV, COSTS)
    m = r.equilibrium.profile
    S = m.sum() - m
    for i in range(4):
        x = np.linspace(0, 3 * m[i] + 5, 4001)
        curve = mech.curve(i, x, S[i])
        assert curve[0] == pytest.approx(float(INV.v(0.0)))
        feas, ir = feasibility_and_ir(mech, i, x, S[i])
        assert feas <= 1e-12 and ir <= 1e-12
        assert float(mech.curve(i, np.array([m[i]]), S[i])[0]) == pytest.approx(float(INV.v(m.sum())), rel=1e-12)
    fl = StandardFL(INV)
    np.testing.assert_allclose(fl.values(m), INV.v(m.sum()))


@settings(max_examples=40, deadline=None)
@given(costs=st.lists(st.floats(1e-3, 2.0), min_size=1, max_size=8),
       beta=st.floats(0.3, 2.0), shift=st.sampled_from([0.0, 0.5, 2.0]),  # b(0) < 0, < 0, > 0
       others=st.lists(st.floats(0.0, 50.0), min_size=8, max_size=8))
def test_properties(costs, beta, shift, others):
    """The answer is an established equilibrium whenever every agent's line of (11) starts where v
    has value (m_i* + S_-i >= m0, so its first crossing is the root of the total's equation); then
    m^max >= m* and the utility at m^max is the solo utility (Theorem V, eps -> 0).  The mechanism
    never gives more than v(sum m), at the equilibrium and at arbitrary profiles."""
    value = ValueOfData(PowerLaw(alpha=1.0, beta=beta, shift=shift, top=1.0))
    c = np.asarray(costs)
    r = solve_value_shaping(value, c)
    m = r.equilibrium.profile
    if np.all(r.solo + (m.sum() - m) >= value.m0) or m.sum() == 0.0:
        assert r.status is Status.EQUILIBRIUM and r.success, r.message
    if r.status is Status.EQUILIBRIUM:
        assert np.all(m >= r.solo)
        np.testing.assert_allclose(r.equilibrium.utilities, r.solo_utilities, atol=1e-9)
    assert np.all(r.equilibrium.values <= float(value.v(m.sum())) * (1 + 1e-12))
    mech = ValueShaping(value, c)
    profile = np.asarray(others[: c.size])
    assert np.all(mech.values(profile) <= float(value.v(profile.sum())) + 1e-9)
    assert np.all(mech.values(profile) >= value.v(profile) - 1e-9)


# --- bad inputs ------------------------------------------------------------------------------------

def test_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="not concave"):
        ValueOfData(CallableFunction(lambda m: 1 - np.exp(-m) + 0.5 * np.tanh(m - 5) - 1.5 * (m < 0), concave=True))
    with pytest.raises(ValueError, match="not increasing"):
        ValueOfData(CallableFunction(lambda m: 1 - m / (1 + m) * 0 + np.exp(-m)))
    with pytest.raises(ValueError, match="value.top"):
        ValueOfData(PowerLaw(alpha=1.0, beta=1.0, top=-1.0))
    with pytest.raises(ValueError, match="value.alpha"):
        ValueOfData(PowerLaw(alpha=np.array([1.0, 2.0]), beta=1.0))
    with pytest.raises(ValueError, match="cost.slope"):
        solve_value_shaping(INV, np.array([0.1, -0.1]))
    with pytest.raises(ValueError, match="cost.slope"):
        solve_value_shaping(INV, np.array([]))


@pytest.mark.parametrize("scale", [1e-12, 1e-3, 1e6, 1e12])
def test_scale_invariance(scale):
    """Multiplying v and every cost by the same factor leaves m*, m^max and the verdict unchanged."""
    ref = solve_value_shaping(INV, COSTS)
    scaled = ValueOfData(PowerLaw(alpha=scale, beta=1.0, top=scale))
    r = solve_value_shaping(scaled, scale * COSTS)
    assert r.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(r.equilibrium.profile, ref.equilibrium.profile, rtol=1e-10)
    np.testing.assert_allclose(r.solo, ref.solo, rtol=1e-12)


def test_an_agent_whose_line_starts_below_m0_makes_the_root_unverified():
    """b = 1 - 1/m (m0 = 1), costs (1, 1.5, 0.40625): every m_i* = 0 and A = 4.128 > kappa = 4, so g
    has roots 2.428 and 1.700; but at the larger one the third agent faces S_-3 = 0.980 < m0, its line
    of (11) meets v(x + S_-3) = 0 at x = 0 (first crossing: m_3^max = 0, the later crossing would make
    (11) infeasible just after 0), and from there v(x + S) - c x gains 0.123 (found on its grid too).
    The root's profile is reported, unverified, not as the data-maximizing equilibrium."""
    r = solve_value_shaping(INV, np.array([1.0, 1.5, 0.40625]))
    assert r.status is Status.UNVERIFIED and not r.success
    assert r.total_data == pytest.approx(((4.128205128205128) + np.sqrt(4.128205128205128 ** 2 - 4 * 4.128205128205128))
                                         / 2, rel=1e-12)  # M^2 - A M + A = 0 (B = 0), larger root
    assert r.certificate.gains[2] == pytest.approx(0.1234469, abs=1e-6) and r.certificate.found_gains[2] > 0.12
    assert r.equilibria[-1].total == 0.0 and r.equilibria[-1].verified  # the zero profile is an equilibrium


def test_single_agent_gets_its_solo_optimum():
    """n = 1: the line of (11) is tangent to v at m* (b'(m*) = c), so m^max = m* = c^(-1/2) (a double root)."""
    for c in (0.01, 0.2):
        r = solve_value_shaping(INV, np.array([c]))
        assert r.status is Status.EQUILIBRIUM
        assert r.total_data == pytest.approx(c ** -0.5, rel=1e-12)
