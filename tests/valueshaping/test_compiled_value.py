"""The value of data's compiled PAC-bound path and the baseline solver's reuse of enumerated
families give the same numbers as the plain evaluations they replace."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.data.functions import PACBound
from mechopt.valueshaping.baselines import families, solve_baseline_equilibrium
from mechopt.valueshaping.value import ValueOfData


@pytest.mark.parametrize(("a0", "k"), [(1.0, 10.0), (0.5, 1.0), (2.0, 100.0)])
def test_pac_value_and_slope_equal_the_bound_to_the_last_bit(a0: float, k: float) -> None:
    b = PACBound(a0=a0, k=k)
    value = ValueOfData(b)
    rng = np.random.default_rng(0)
    m = np.concatenate([np.exp(rng.uniform(-10.0, 30.0, 20_000)),
                        [0.0, -1.0, np.inf, np.nan, 1e-300, k * np.exp(-2.0), 1e308]])
    with np.errstate(all="ignore"):
        plain, slope = b.value(m), b.d1(m)
        assert np.array_equal(value.b_of(m), plain)
        assert np.array_equal(value.v(m), np.where(plain > 0, plain, 0.0))
        assert np.array_equal(value.dv(m), np.where(plain > 0, slope, 0.0))
        assert np.array_equal(value.db(m), slope, equal_nan=True)
    assert value.v(3.0).shape == () and value.v(m.reshape(-1, 1)).shape == (m.size, 1)


def test_inverse_slope_remembered_is_the_bisection() -> None:
    value = ValueOfData(PACBound(a0=1.0, k=10.0))
    c = np.array([1e-4, 2e-4, 1e-4])
    first = value.inverse_slope(c)
    first[0] = -1.0  # the caller's copy: the remembered one is untouched
    again = value.inverse_slope(c)
    fresh = ValueOfData(PACBound(a0=1.0, k=10.0)).inverse_slope(c)
    assert np.array_equal(again, fresh) and again[0] > 0
    assert np.all(value.db(fresh) <= c) and np.all(value.db(fresh * (1 - 1e-12)) > c)


def test_the_largest_of_given_families_is_the_answer_enumerating_them_gives() -> None:
    value = ValueOfData(PACBound(a0=1.0, k=10.0))
    costs = np.array([1e-4] * 30 + [2e-4] * 70)
    found = families(value, costs, "PD", 0.5)
    given = solve_baseline_equilibrium(value, costs, "PD", 0.5, found=found)
    enumerated = solve_baseline_equilibrium(value, costs, "PD", 0.5)
    assert given.success and enumerated.success
    assert np.array_equal(given.contributions, enumerated.contributions)
    assert given.total == enumerated.total and given.left == enumerated.left
    assert given.stats.method == enumerated.stats.method
