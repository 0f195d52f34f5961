"""000 Appendix D (contracts under private binary costs) and Appendix C.2 (baselines PD, PV, PS)."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.core.status import Status
from mechopt.data.functions import PACBound, PowerLaw
from mechopt.valueshaping.baselines import solve_baseline_equilibrium, theorem_six_set
from mechopt.valueshaping.binary_costs import BinaryCosts
from mechopt.valueshaping.certify import contract_gap
from mechopt.valueshaping.contracts import feasible_lower, solve_contract
from mechopt.valueshaping.equilibrium import solve_value_shaping
from mechopt.valueshaping.value import ValueOfData

INV = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, top=1.0))  # b = 1 - 1/m, b'^-1(s) = s^(-1/2)


def test_program_22_matches_the_derived_closed_form_not_21():
    """b = 1 - 1/m, c = (0.002, 0.004), p = 0.3, Delta = 5: the derived condition gives
    m_down = (c_lo - p/(1-p)(c_hi - c_lo))^(-1/2) - 5; the printed (21) gives a different point."""
    r = solve_contract(INV, 0.002, 0.004, 0.3, others=5.0)
    assert r.status is Status.OPTIMAL and r.certificate.verified
    derived = (0.002 - 0.3 / 0.7 * 0.002) ** -0.5 - 5.0
    assert r.m_down == pytest.approx(derived, rel=1e-12)
    assert r.m_down_cvxpy == pytest.approx(derived, rel=1e-4)  # the solver's own accuracy
    paper = min(max((0.002 - 0.3 / 0.7 * 0.004) ** -0.5 - 5.0, r.m_max_high), r.m_max_low) \
        if 0.002 - 0.3 / 0.7 * 0.004 > 0 else r.m_max_low
    assert r.closed_form_paper == pytest.approx(paper, rel=1e-12)
    assert abs(r.closed_form_paper - r.m_down) > 1.0
    # (17): the two lines meet at m_up; expected data; Theorem VIII
    s = BinaryCosts(INV, 0.002, 0.004, 0.3, 5.0)
    assert r.expected_data == pytest.approx(0.7 * r.m_up + 0.3 * r.m_down, rel=1e-14)
    assert r.high_utility == pytest.approx(1 - 2 * 0.004 ** 0.5, rel=1e-12)  # the high type's solo utility
    assert r.information_rent >= 0
    # brute force over m_down in the feasible interval (an independent method)
    grid = np.linspace(r.feasible_lower, r.m_max_low, 200001)
    E = [s.expected(x) for x in grid[::100]]
    assert max(E) <= r.expected_data * (1 + 1e-12)


def test_feasibility_binds_and_infeasible_contracts_are_reported():
    """With Delta = 0.5 (c = 0.01, 0.02, p = 0.05) the unconstrained optimum 9.774 makes (15) infeasible:
    the optimum sits at the feasibility bound L; with (0.005, 0.02, 0.1, Delta = 1) no m_down is feasible."""
    r = solve_contract(INV, 0.01, 0.02, 0.05, others=0.5)
    assert r.status is Status.OPTIMAL
    assert r.m_down == pytest.approx(r.feasible_lower) and r.feasible_lower > 0.01 ** -0.5
    s = BinaryCosts(INV, 0.01, 0.02, 0.05, 0.5)
    lower, L = feasible_lower(s)
    assert L == r.feasible_lower
    assert not contract_gap(s, (0.01 - 0.05 / 0.95 * 0.01) ** -0.5 - 0.5, lower).verified
    assert solve_contract(INV, 0.005, 0.02, 0.1, others=1.0).status is Status.ASSUMPTION_VIOLATED


def test_symmetric_reading_is_a_fixed_point():
    n = 10
    r = solve_contract(INV, 0.002, 0.004, 0.3, n=n)
    assert r.status is Status.OPTIMAL
    assert r.others == pytest.approx((n - 1) * r.expected_data, rel=1e-10)


def test_contract_bad_inputs():
    with pytest.raises(ValueError, match="cost.low"):
        solve_contract(INV, 0.004, 0.002, 0.3, others=5.0)
    with pytest.raises(ValueError, match="p_low"):
        solve_contract(INV, 0.002, 0.004, 1.0, others=5.0)
    with pytest.raises(ValueError, match="others, n"):
        solve_contract(INV, 0.002, 0.004, 0.3)


# --- baselines -------------------------------------------------------------------------------------

FIG4 = ValueOfData(PACBound(a0=0.95, k=10.0))


def test_p_zero_is_standard_fl_and_collects_nothing():
    """p = 0: every baseline is (8); with m* = 0 (Figure 4 setting) Theorem III gives zero data."""
    for kind in ("PD", "PV"):
        r = solve_baseline_equilibrium(FIG4, np.full(1000, 0.1), kind, 0.0)
        assert r.success and r.total == 0.0


def _pd_utility(value: ValueOfData, n: int, m: float, p: float, c: float, x: np.ndarray) -> np.ndarray:
    """(12) written out: an agent contributing x while n - 1 others contribute m gets
    (x / max(x, m))^p v(x + (n - 1) m) - c x."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(x >= m, 1.0, x / m) ** p
    return share * value.v(x + (n - 1) * m) - c * x


def test_pd_never_beats_value_shaping_and_meets_theorem_six():
    """Theorem IV: value shaping is data-maximizing among feasible IR mechanisms, so PD's largest
    equilibrium collects no more (up to the gain tolerance); no deviation found by a dense search
    of (12) written out improves on it."""
    n, c = 10_000, 0.1
    vs = solve_value_shaping(FIG4, np.full(n, c)).total_data
    for p in (0.1, 1.0):
        r = solve_baseline_equilibrium(FIG4, np.full(n, c), "PD", p)
        assert r.success and r.total <= vs * (1 + 1e-6)  # gains are accepted up to tol * sup v
        m = float(r.contributions[0])
        if m > 0:  # an independent dense search over deviations x in [0, 3m]
            x = np.linspace(0.0, 3 * m, 200_001)
            u = _pd_utility(FIG4, n, m, p, c, x)
            assert u.max() - (float(FIG4.v(n * m)) - c * m) <= 1e-8 * FIG4.sup


def test_pv_degenerates_when_no_agent_alone_has_value():
    """v(m) = 0 for every per-agent m below m0: the ratio is 0/0 (read as 1), PV is (8), zero data."""
    r = solve_baseline_equilibrium(FIG4, np.full(1000, 0.1), "PV", 0.5)
    assert r.success and r.total == 0.0


def test_theorem_six_low_cost_set_contains_m_star_over_n():
    """Theorem VI: with m* > 0, everyone contributing m*/n is an equilibrium of (12)."""
    value, n, c = INV, 5, 0.01  # m* = 10
    m = 10.0 / n
    assert theorem_six_set("PD", value, n, c, 0.5, np.array([m]))[0]
    x = np.linspace(0.0, 50.0, 500_001)  # no deviation of (12) written out gains
    assert _pd_utility(value, n, m, 0.5, c, x).max() - (float(value.v(n * m)) - c * m) <= 1e-12


def test_two_types_reduce_to_one_and_never_beat_value_shaping():
    """One type only: the two-type solver's answer is the symmetric one; mixed types: PD collects
    no more than value shaping (Theorem IV)."""
    n = 200
    sym = solve_baseline_equilibrium(FIG4, np.full(n, 0.01), "PD", 0.5)
    c = np.where(np.arange(n) < n // 2, 0.01, 0.02)
    mixed = solve_baseline_equilibrium(FIG4, c, "PD", 1.0)
    assert sym.success and mixed.success
    assert mixed.total <= solve_value_shaping(FIG4, c).total_data * (1 + 1e-6)
