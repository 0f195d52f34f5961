"""Functions of data (issue 2 item 2): derivatives against finite differences of the values,
DCP expressions against the values, declared curvature against d2, and parameter validation.

Sources: power law 001 (3) (shift 0) and 003 (12) (shift 1); PAC/ERM bound 001 (2) floored at
zero; linear costs c s + d (001 Section 4).
"""

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.data.functions import CallableFunction, linear_cost, NoDCPForm, PACBound, PowerLaw, Quadratic

positive = st.floats(0.05, 3.0)
points = st.lists(st.floats(0.2, 20.0), min_size=1, max_size=5)


def central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def assert_close_to_operands(actual, desired, operands, rtol):
    """|actual - desired| <= rtol * operands, for values top - alpha (x + shift)^-beta with operands
    |top| + alpha (x + shift)^-beta: each operand is rounded relative to its own size (the power,
    as exp(-beta log(x + shift)), to a few ulps), so the difference of nearly equal operands has
    no relative accuracy of its own (issue 13: 1 - alpha (x + 1)^-beta = -0.0018 differed from
    the same formula evaluated otherwise by one ulp of 1, 1.2e-13 of the value)."""
    error = np.abs(np.asarray(actual) - desired)
    assert np.all(error <= rtol * operands), (actual, desired, error / operands)


def assert_derivatives(fn, x):
    """d1 and d2 against central differences of value and d1 (relative step 1e-5)."""
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    np.testing.assert_allclose(fn.d1(x), central(fn.value, x, h), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(fn.d2(x), central(fn.d1, x, h), rtol=1e-4, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(alpha=positive, beta=st.floats(0.1, 1.5), shift=st.sampled_from([0.0, 1.0, 2.5]), top=st.floats(-2, 8), xs=points)
def test_power_law_derivatives_and_concavity(alpha, beta, shift, top, xs):
    fn = PowerLaw(alpha=alpha, beta=beta, shift=shift, top=top)
    x = np.array(xs)
    assert_derivatives(fn, x)
    power = alpha * (x + shift) ** -beta
    assert_close_to_operands(fn.value(x), top - power, abs(top) + power, rtol=1e-13)
    assert fn.concave and np.all(fn.d2(x) <= 0)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 1000))
def test_power_law_per_agent_parameters_broadcast(n, seed):
    rng = np.random.default_rng(seed)
    alpha, beta = rng.uniform(0.1, 2, n), rng.uniform(0.1, 1, n)
    fn = PowerLaw(alpha=alpha, beta=beta, shift=1.0)
    x = rng.uniform(0.5, 5, (n, 3))  # agent i's function at three points each
    power = alpha[:, None] * (x + 1.0) ** -beta[:, None]
    assert_close_to_operands(fn.value(x), 1.0 - power, 1.0 + power, rtol=1e-13)
    S = float(rng.uniform(0.5, 5))  # one total for all agents: a scalar argument gives one value per agent
    np.testing.assert_allclose(fn.d1(np.asarray(S)), alpha * beta * (S + 1.0) ** (-beta - 1), rtol=1e-13)


@settings(max_examples=30, deadline=None)
@given(alpha=positive, beta=st.floats(0.1, 1.5), shift=st.sampled_from([0.0, 1.0]), xs=points)
def test_power_law_dcp_expression_has_the_same_value(alpha, beta, shift, xs):
    fn = PowerLaw(alpha=alpha, beta=beta, shift=shift)
    x = cp.Variable(len(xs))
    expr = fn.dcp(x)
    assert expr.is_concave()
    x.value = np.array(xs)
    assert_close_to_operands(expr.value, fn.value(np.array(xs)), 1.0 + alpha * (np.array(xs) + shift) ** -beta, rtol=1e-10)


def test_power_law_dcp_with_per_agent_exponents():
    fn = PowerLaw(alpha=[1.0, 2.0], beta=[0.5, 1.0], shift=1.0)
    x = cp.Variable(2)
    expr = fn.dcp(x)
    x.value = np.array([3.0, 1.0])
    np.testing.assert_allclose(expr.value, [1 - 1 * 4**-0.5, 1 - 2 * 2.0**-1], rtol=1e-12)
    assert expr.is_concave()
    S = cp.Variable()  # a scalar total: every agent's payoff of the same S, like value()
    total = fn.dcp(S)
    S.value = 3.0
    np.testing.assert_allclose(total.value, fn.value(np.asarray(3.0)), rtol=1e-12)
    assert total.shape == (2,) and total.is_concave()


def test_power_law_at_zero_with_shift_zero_is_minus_infinity():
    """001 (3) is singular at S = 0: value -inf, slope +inf, no NaN."""
    fn = PowerLaw(alpha=1.0, beta=1.0)
    assert fn.value(np.array([0.0]))[0] == -np.inf
    assert fn.d1(np.array([0.0]))[0] == np.inf


@settings(max_examples=40, deadline=None)
@given(slope=st.floats(-3, 3), intercept=st.floats(-3, 3), curvature=st.floats(-2, 2), xs=points)
def test_quadratic_derivatives_dcp_and_declared_curvature(slope, intercept, curvature, xs):
    fn = Quadratic(slope=slope, intercept=intercept, curvature=curvature)
    x = np.array(xs)
    assert_derivatives(fn, x)
    np.testing.assert_allclose(fn.value(x), slope * x + 0.5 * curvature * x**2 + intercept, rtol=1e-12, atol=1e-12)
    assert fn.convex == bool(np.all(fn.d2(x) >= 0))
    assert fn.concave == bool(np.all(fn.d2(x) <= 0))
    v = cp.Variable(len(xs))
    expr = fn.dcp(v)
    v.value = x
    np.testing.assert_allclose(expr.value, fn.value(x), rtol=1e-10, atol=1e-10)


def test_linear_cost_is_convex_and_concave():
    fn = linear_cost([5.0, 4.0], intercept=1.0)  # 001 Example 1 costs plus a fixed cost d_i
    np.testing.assert_allclose(fn.value(np.array([1.0, 2.0])), [6.0, 9.0])
    assert fn.convex and fn.concave


@settings(max_examples=30, deadline=None)
@given(a0=st.floats(0.5, 2.0), k=st.floats(0.5, 5.0), m=st.floats(50.0, 5000.0))
def test_pac_bound_derivatives_where_positive(a0, k, m):
    """001 (2): a(m) = a0 - (4 + sqrt(2k(2 + log(m/k)))) / sqrt(m), floored at zero."""
    fn = PACBound(a0=a0, k=k)
    x = np.array([m])
    raw = a0 - (4 + np.sqrt(2 * k * (2 + np.log(m / k)))) / np.sqrt(m)
    np.testing.assert_allclose(fn.value(x), max(raw, 0.0), rtol=1e-12, atol=1e-15)
    if raw > 1e-3:  # away from the floor's kink
        assert_derivatives(fn, x)
    elif raw < 0:  # on the floor (0 < raw <= 1e-3 is too near the kink for finite differences)
        assert fn.d1(x)[0] == 0.0 and fn.d2(x)[0] == 0.0


def test_pac_bound_has_no_dcp_form():
    with pytest.raises(NoDCPForm):
        PACBound(a0=1.0, k=1.0).dcp(cp.Variable(1))


def test_callable_function_finite_differences_match_given_derivatives():
    fn = CallableFunction(np.log1p, concave=True)
    x = np.array([0.5, 2.0, 7.0])
    np.testing.assert_allclose(fn.d1(x), 1 / (1 + x), rtol=1e-8)
    np.testing.assert_allclose(fn.d2(x), -1 / (1 + x) ** 2, rtol=1e-4)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: PowerLaw(alpha=-1.0, beta=1.0), "alpha"),
        (lambda: PowerLaw(alpha=1.0, beta=0.0), "beta"),
        (lambda: PowerLaw(alpha=1.0, beta=1.0, shift=-1.0), "shift"),
        (lambda: PowerLaw(alpha=[[1.0]], beta=1.0), "alpha"),
        (lambda: PowerLaw(alpha=1.0, beta=np.nan), "beta"),
        (lambda: PACBound(a0=1.0, k=0.0), "k"),
        (lambda: Quadratic(slope=np.inf), "slope"),
        (lambda: linear_cost(1.0, intercept=[[1.0]]), "intercept"),
    ],
)
def test_constructors_reject_bad_parameters_by_name(build, name):
    with pytest.raises(ValueError, match=name):
        build()
