"""Paper 002: Example 1 (VCG is not IC), Theorem 2 (MEP), Theorem 5 (non-competitive markets)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.core.status import Status
from mechopt.typegrid.existence import max_payment_table, solve_existence
from mechopt.typegrid.model import FixedMarket, LinearExternality, MarketGrowth, TypeGrid
from mechopt.typegrid.payments import exploitation_payment, payment_table, vcg_payment
from mechopt.typegrid.properties import budget_violation, efficiency_gap, ir_ic_violations

from typegrid_instances import random_quasi_monotone

# Example 1: Q(s) = s, v_i = q_i / sum_j q_j, t_1 = 10 t_2 (t_2 = 1 grid step).
EXAMPLE1 = TypeGrid(2, 10, FixedMarket(), eps=1.0)
TRUE = np.array([10, 1])


def test_example1_truthful_utility_is_10_over_11() -> None:
    p1 = vcg_payment(EXAMPLE1, TRUE, 0)
    assert p1 == pytest.approx(1 / 11 - 1 / 2, abs=1e-15)  # t_2/(t_1+t_2) - 1/2
    assert EXAMPLE1.values(TRUE, TRUE)[0] - p1 == pytest.approx(10 / 11, abs=1e-15)


def test_example1_reporting_3_t2_gives_27_over_28() -> None:
    lie = np.array([3, 1])
    p1 = vcg_payment(EXAMPLE1, lie, 0)
    assert p1 == pytest.approx(1 / 4 - 1 / 2, abs=1e-15)  # t_2/(t'_1+t_2) - 1/2
    assert EXAMPLE1.values(lie, TRUE)[0] - p1 == pytest.approx(27 / 28, abs=1e-15)


def test_vcg_ic_check_finds_a_profitable_lie() -> None:
    """The grid-wide IC check reports a violation at least as large as Example 1's 27/28 - 10/11."""
    ir, ic = ir_ic_violations(EXAMPLE1, payment_table(EXAMPLE1, "vcg"))
    assert ic.amount >= 27 / 28 - 10 / 11 - 1e-12
    assert ic.report < ic.true_type
    # the reported worst lie really pays: recompute it from the utilities
    t = np.array([ic.true_type, *ic.others]) if ic.agent == 0 else np.array([*ic.others, ic.true_type])
    lie = t.copy()
    lie[ic.agent] = ic.report
    gain = (EXAMPLE1.values(lie, t)[ic.agent] - vcg_payment(EXAMPLE1, lie, ic.agent)
            - EXAMPLE1.values(t, t)[ic.agent] + vcg_payment(EXAMPLE1, t, ic.agent))
    assert gain == pytest.approx(ic.amount, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 3), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_theorem2_mep_is_ic_ir_and_revenue_maximal(n: int, K: int, seed: int) -> None:
    """Quasi-monotone valuations (Definition 9): MEP is IR and IC, and equals the maximal IR and IC
    payments p^max computed independently by the shortest paths of Algorithm 1."""
    K = min(K, 3) if n == 3 else K
    grid = TypeGrid(n, K, random_quasi_monotone(np.random.default_rng(seed), n), eps=0.4)
    mep = payment_table(grid, "exploitation")
    ir, ic = ir_ic_violations(grid, mep)
    assert ir.amount <= 1e-9 and ic.amount <= 1e-9
    pmax, _ = max_payment_table(grid, "bellman-ford")
    assert np.allclose(mep[:, 1:, :], pmax[:, 1:, :], rtol=0, atol=1e-9)


def test_mep_is_not_ic_without_quasi_monotonicity() -> None:
    """Control: the fixed market of Example 1 is not quasi-monotone and MEP fails IC there."""
    _, ic = ir_ic_violations(EXAMPLE1, payment_table(EXAMPLE1, "exploitation"))
    assert ic.amount > 1e-3


def test_mep_charges_the_value_of_participation() -> None:
    """Definition 10 at one profile, from the valuation by hand (linear externalities, Q(t) = t)."""
    A = np.array([[1.0, -0.5], [0.25, 1.0]])
    grid = TypeGrid(2, 4, LinearExternality(A), eps=1.0)
    # both report (3, 2): q = (5, 5); without agent 0: q = (3, 2)
    expected = A[0] @ np.array([5.0, 5.0]) - A[0] @ np.array([3.0, 2.0])
    assert exploitation_payment(grid, np.array([3, 2]), 0) == pytest.approx(expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(0, 2**31 - 1), st.booleans())
def test_theorem5_non_competitive_markets_admit_a_desirable_mechanism(n: int, K: int, seed: int, linear: bool) -> None:
    """Definition 11 (dv_i/dq_j >= 0): the best model for everyone and no payments is desirable."""
    rng = np.random.default_rng(seed)
    valuation = LinearExternality(rng.uniform(0.0, 1.0, (n, n))) if linear else MarketGrowth(float(rng.uniform(0, 1)))
    grid = TypeGrid(n, K, valuation, eps=0.5)
    zero = np.zeros((n, K + 1, K ** (n - 1)))
    ir, ic = ir_ic_violations(grid, zero)
    assert ir.amount <= 1e-12 and ic.amount <= 1e-12 and budget_violation(grid, zero).amount <= 0
    r = solve_existence(grid)
    assert r.exists and r.success
    assert efficiency_gap(grid).amount <= 1e-12


def test_efficiency_check_flags_an_inefficient_allocation() -> None:
    """Linear externalities with a negative column sum: serving that agent lowers welfare
    (Example 2), and the pooled allocation serves everyone; the existence answer then carries
    the status ASSUMPTION_VIOLATED with the evidence."""
    A = np.array([[1.0, -2.0], [0.0, 0.5]])  # column sums 1.0 and -1.5
    grid = TypeGrid(2, 3, LinearExternality(A), eps=1.0)
    gap = efficiency_gap(grid)
    # not serving agent 1 lowers q_1 from t_0 + t_1 to t_1: welfare rises by 1.5 t_0, at most 1.5 K
    assert gap.amount == pytest.approx(1.5 * 3, abs=1e-12) and gap.others[0] == 3
    r = solve_existence(grid)
    assert r.status == Status.ASSUMPTION_VIOLATED and r.efficiency.amount > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_example2_column_sum_rule_is_efficient(n: int, seed: int) -> None:
    """Welfare sum_j (sum_i A_ij) q_j: serve j iff its column sum is >= 0 (Example 2)."""
    A = np.random.default_rng(seed).uniform(-1, 1, (n, n))
    grid = TypeGrid(n, 3, LinearExternality(A), eps=0.5, served=tuple(bool(x) for x in A.sum(axis=0) >= 0))
    assert efficiency_gap(grid).amount <= 1e-12


def test_budget_check_sums_payments() -> None:
    grid = TypeGrid(2, 2, MarketGrowth(-0.5), eps=1.0)
    P = np.zeros((2, 3, 2))
    P[0, 2, 1] = -1.0  # agent 0 of type 2 against t_2 = 2 is paid 1
    v = budget_violation(grid, P)
    assert v.amount == 1.0 and v.others == (2, 2)
