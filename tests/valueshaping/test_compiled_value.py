"""The value of data's compiled PAC-bound path gives the numbers of the plain evaluation it replaces
up to the roundings of log and pow, and the baseline solver's reuse of enumerated families the same
numbers."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.data.functions import PACBound
from mechopt.valueshaping.baselines import families, solve_baseline_equilibrium
from mechopt.valueshaping.value import ValueOfData


ROUNDINGS = 16
"""Bound on the difference of the two evaluations, in units of eps times the magnitude of the
terms they add: the compiled code calls the C library's log and pow, numpy its own (on CPUs with
AVX-512, SVML-derived versions within 4 ulps, so the two differ in the last bits of 3% of these
points there, and agree to the last bit where numpy uses the C library's)."""


def _agree(got: np.ndarray, want: np.ndarray, terms: np.ndarray) -> bool:
    """Equal (NaN where NaN), or within ROUNDINGS eps of the terms' magnitude."""
    with np.errstate(invalid="ignore"):
        near = np.abs(got - want) <= ROUNDINGS * np.finfo(float).eps * terms
    return bool(np.all((got == want) | near | (np.isnan(got) & np.isnan(want))))


@pytest.mark.parametrize(("a0", "k"), [(1.0, 10.0), (0.5, 1.0), (2.0, 100.0)])
def test_pac_value_and_slope_agree_with_the_bound_up_to_roundings(a0: float, k: float) -> None:
    b = PACBound(a0=a0, k=k)
    value = ValueOfData(b)
    rng = np.random.default_rng(0)
    m = np.concatenate([np.exp(rng.uniform(-10.0, 30.0, 20_000)),
                        [0.0, -1.0, np.inf, np.nan, 1e-300, k * np.exp(-2.0), 1e308]])
    with np.errstate(all="ignore"):
        plain, slope = b.value(m), b.d1(m)
        h = np.sqrt(2.0 * k * (2.0 + np.log(m / k)))  # b = a0 - (4 + h) / sqrt(m), b' = its two terms' sum
        value_terms = abs(a0) + np.abs((4.0 + h) / np.sqrt(m))
        slope_terms = np.abs(k / (m * h) * m**-0.5) + np.abs(0.5 * (4.0 + h) * m**-1.5)
        assert _agree(value.b_of(m), plain, value_terms)
        assert _agree(value.v(m), np.where(plain > 0, plain, 0.0), value_terms)
        assert _agree(value.dv(m), np.where(plain > 0, slope, 0.0), slope_terms)
        assert _agree(value.db(m), slope, slope_terms)
    assert np.array_equal(value.v(m) > 0, plain > 0)  # no point here lies within roundings of b = 0
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
