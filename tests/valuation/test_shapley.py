"""Shapley engines of 003 (3), (27): exact enumeration, structured exact, permutation sampling.

Checks: the closed form for two agents (Example 7's Shapley shares), efficiency (Lemma 2.3),
symmetry and the null player, the engines agreeing with each other, gradients against central
differences, and sampling within its stated error bars (fixed seed)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mechopt
from mechopt.data.functions import PowerLaw
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.valuation.shapley import marginal_frame, shapley_values

F = PowerLaw(alpha=1.0, beta=1.0, shift=1.0)  # 003 (12): a(s) = 1 - 1/(1 + z)


def _brute_force(payoff, s):
    """(3) term by term over coalitions (independent of the engines' vectorization)."""
    n = s.size
    A = lambda X: float(np.sum(payoff.values(np.where(np.isin(np.arange(n), X), s, 0.0))))
    phi = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for k in range(n):
            for X in itertools.combinations(others, k):
                phi[i] += (A(list(X) + [i]) - A(list(X))) / (n * math.comb(n - 1, k))
    return phi


def _grouped(n_per, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 1.0, (3, 3))
    np.fill_diagonal(w, 1.0)
    return LinearIndexPayoff.grouped(np.repeat([0, 1, 2], n_per), w, F)


def test_example_7_shapley_shares() -> None:
    """003 Example 7: at s = (3.98, 2.46), phi = (0.9538, 0.7772), a(s) = 0.8656 (rounded s)."""
    payoff = LinearIndexPayoff.aggregate(F, 2)
    r = mechopt.shapley_values(payoff, np.array([3.98, 2.46]))
    assert r.values == pytest.approx([0.9538, 0.7772], abs=5e-4)
    assert payoff.values(np.array([3.98, 2.46]))[0] == pytest.approx(0.8656, abs=1e-4)
    # two agents in closed form: phi_1 = [A(s1) - A(0) + A(s1+s2) - A(s2)] / 2, A = 2 a
    a = lambda z: 1 - 1 / (1 + z)
    assert r.values[0] == pytest.approx(a(3.98) + a(6.44) - a(2.46), rel=1e-14)


def test_exact_matches_formula_and_structured() -> None:
    payoff = _grouped(2)
    s = np.random.default_rng(3).uniform(0, 4, 6)
    e = shapley_values(payoff, s, gradient=True, jacobian=True)
    assert e.values == pytest.approx(_brute_force(payoff, s), rel=1e-12)
    st_ = shapley_values(payoff, s, method="structured", gradient=True, jacobian=True)
    assert np.allclose(st_.values, e.values, rtol=1e-12, atol=1e-14)
    assert np.allclose(st_.gradient, e.gradient, rtol=1e-12, atol=1e-14)
    assert np.allclose(st_.jacobian, e.jacobian, rtol=1e-12, atol=1e-14)


def test_gradients_match_differences() -> None:
    payoff = _grouped(2, seed=1)
    s = np.random.default_rng(4).uniform(0.5, 4, 6)
    e = shapley_values(payoff, s, gradient=True, jacobian=True)
    h = 1e-5
    for j in range(6):
        up, down = s.copy(), s.copy()
        up[j] += h
        down[j] -= h
        ru, rd = shapley_values(payoff, up, gradient=True), shapley_values(payoff, down, gradient=True)
        assert (ru.values[j] - rd.values[j]) / (2 * h) == pytest.approx(e.gradient[j], rel=1e-7)
        assert np.allclose((ru.gradient - rd.gradient) / (2 * h), e.jacobian[:, j], rtol=1e-6, atol=1e-9)


def test_structured_n30_exact_and_efficient() -> None:
    """003 Section 5.1's shape: 30 agents in three groups of ten, a profile constant within groups;
    efficiency (Lemma 2.3) to rounding and equal values within each group (symmetry)."""
    payoff = _grouped(10, seed=2)
    s = np.repeat([3.0, 5.0, 8.0], 10)
    r = shapley_values(payoff, s, method="structured", gradient=True, jacobian=True)
    A = float(np.sum(payoff.values(s)))
    assert abs(np.sum(r.values) - A) <= 1e-13 * A
    for g in range(3):
        block = r.values[10 * g:10 * g + 10]
        assert np.ptp(block) <= 1e-14 * A
    assert r.stats.parameters["count_vectors"] == 11 ** 3


def test_marginal_frame_is_the_value_function() -> None:
    payoff = _grouped(2, seed=5)
    s = np.random.default_rng(6).uniform(0, 3, 6)
    for method in ("exact", "structured"):
        frame = marginal_frame(payoff, s, 2, method=method)
        xs = np.array([0.0, 1.0, 7.5])
        want = []
        for x in xs:
            t = s.copy()
            t[2] = x
            want.append(shapley_values(payoff, t).values[2])
        assert frame.values(xs) == pytest.approx(want, rel=1e-12)


def test_sampling_within_error_bars_and_antithetic_helps() -> None:
    payoff = _grouped(3, seed=7)
    s = np.random.default_rng(8).uniform(0, 5, 9)
    exact = shapley_values(payoff, s, gradient=True)
    plain = shapley_values(payoff, s, method="sampling", seed=11, budget=4000, antithetic=False, gradient=True)
    anti = shapley_values(payoff, s, method="sampling", seed=11, budget=4000, antithetic=True, gradient=True)
    for r in (plain, anti):
        assert np.all(np.abs(r.values - exact.values) <= 5 * r.std_errors)
        assert np.all(np.abs(r.gradient - exact.gradient) <= 5 * r.gradient_std_errors)
        assert r.stats.iterations == 4000
    # antithetic pairs are not worse at equal permutation counts (the gain measured on 003's payoffs is
    # small, a few per cent: docs/reciprocity.md)
    assert np.mean(anti.std_errors) <= 1.05 * np.mean(plain.std_errors)


def test_sampling_stops_at_tolerance() -> None:
    payoff = _grouped(2, seed=9)
    s = np.full(6, 2.0)
    r = shapley_values(payoff, s, method="sampling", seed=1, tol=2e-3, budget=10 ** 6)
    assert r.stats.termination.value == "converged"
    assert np.max(r.std_errors) <= 2e-3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=2, max_size=7), st.integers(0, 6))
def test_efficiency_symmetry_null_player(values: list[float], k: int) -> None:
    s = np.array(values)
    n = s.size
    payoff = LinearIndexPayoff.aggregate(F, n)
    r = shapley_values(payoff, s)
    A = float(np.sum(payoff.values(s)))
    assert abs(np.sum(r.values) - A) <= 1e-12 * max(A, 1.0)       # Lemma 2.3 (A(0) = 0)
    assert np.all(r.values[s == 0.0] == pytest.approx(0.0, abs=1e-13))  # null player
    j = k % n
    t = s.copy()
    t[j] = t[0]  # agents 0 and j identical -> equal values (symmetry)
    rt = shapley_values(payoff, t)
    assert rt.values[j] == pytest.approx(rt.values[0], rel=1e-12, abs=1e-14)


def test_bad_inputs_name_the_field() -> None:
    payoff = LinearIndexPayoff.aggregate(F, 21)
    with pytest.raises(ValueError, match="^n:"):
        shapley_values(payoff, np.ones(21))
    with pytest.raises(ValueError, match="^s:"):
        shapley_values(LinearIndexPayoff.aggregate(F, 3), np.ones(4))
    with pytest.raises(ValueError, match="^budget:"):
        shapley_values(LinearIndexPayoff.aggregate(F, 3), np.ones(3), method="sampling", budget=0)
    with pytest.raises(ValueError, match="^method:"):
        shapley_values(LinearIndexPayoff.aggregate(F, 3), np.ones(3), method="magic")
    with pytest.raises(ValueError, match="^tol:"):
        shapley_values(LinearIndexPayoff.aggregate(F, 3), np.ones(3), tol=1e-3)
    with pytest.raises(ValueError, match="^weights:"):
        LinearIndexPayoff.grouped(np.zeros(3, dtype=int), np.ones((2, 3)))
    with pytest.raises(ValueError, match="^s:"):  # too many distinct types for the structured engine
        shapley_values(LinearIndexPayoff.aggregate(F, 40), np.arange(40.0), method="structured")


@pytest.mark.parametrize("scale", [0.01, 1.0, 300.0])
def test_multilinear_matches_enumeration(scale: float) -> None:
    """The multilinear engine (Gauss-Legendre in q, Laplace integral in t) at arbitrary profiles,
    including the unit scale of 003 Section 5.1 (w ~ 1e-3, s ~ 200 batches)."""
    payoff = _grouped(3, seed=11)
    s = np.random.default_rng(12).uniform(0, 3, 9) * scale
    e = shapley_values(payoff, s, gradient=True, jacobian=True)
    m = shapley_values(payoff, s, method="multilinear", gradient=True, jacobian=True)
    assert np.max(np.abs(m.values - e.values)) <= 1e-12 * np.max(np.abs(e.values))
    assert np.max(np.abs(m.gradient - e.gradient)) <= 1e-12 * np.max(np.abs(e.gradient))
    assert np.max(np.abs(m.jacobian - e.jacobian)) <= 1e-12 * np.max(np.abs(e.jacobian))


def test_deviation_values_all_engines() -> None:
    from mechopt.valuation.shapley import deviation_values
    payoff = _grouped(2, seed=13)
    s = np.random.default_rng(14).uniform(0, 3, 6)
    x = np.tile(np.array([0.0, 0.5, 4.0]), (6, 1))
    want = np.array([[shapley_values(payoff, np.where(np.arange(6) == i, xv, s)).values[i] for xv in x[i]]
                     for i in range(6)])
    for method in ("exact", "structured", "multilinear"):
        assert np.allclose(deviation_values(payoff, s, x, method=method), want, rtol=1e-12, atol=1e-15), method


def test_multilinear_refuses_other_payoffs() -> None:
    from mechopt.data.functions import PACBound
    with pytest.raises(ValueError, match="^payoff:"):
        shapley_values(LinearIndexPayoff.aggregate(PACBound(a0=1.0, k=1.0), 3), np.ones(3), method="multilinear")


def test_result_round_trips_through_json() -> None:
    import json

    from mechopt.valuation.shapley import ShapleyResult
    payoff = LinearIndexPayoff.aggregate(F, 3)
    r = shapley_values(payoff, np.array([1.0, 2.0, 3.0]), method="sampling", budget=100, gradient=True)
    back = ShapleyResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert np.array_equal(back.values, r.values) and np.array_equal(back.std_errors, r.std_errors)
    assert back.stats.termination is r.stats.termination


def test_results_follow_the_result_protocol_and_carry_their_efficiency_certificate() -> None:
    """Every engine's answer is a Result: exact engines are ``optimal`` with efficiency (Lemma 2.3)
    verified against A(s) - A(0) evaluated directly (a proof for enumeration and type counts, an
    independent re-derivation for the quadrature); sampling is ``unverified`` (error bars are
    evidence, not proof) though its values meet efficiency too (each permutation telescopes)."""
    from mechopt.core.result import Result
    from mechopt.core.status import Status
    from mechopt.core.verdict import Basis

    payoff = _grouped(2, seed=15)
    s = np.random.default_rng(16).uniform(0, 3, 6)
    for method, basis in (("exact", Basis.PROOF), ("structured", Basis.PROOF), ("multilinear", Basis.REDERIVATION)):
        r = shapley_values(payoff, s, method=method)
        assert isinstance(r, Result) and r.status is Status.EXACT and r.success, r.message
        assert r.certificate.verified and r.certificate.basis is basis and r.verdict.basis is basis
        assert r.efficiency_residual <= 1e-13 * r.certificate.scale
    mc = shapley_values(payoff, s, method="sampling", budget=200)
    assert isinstance(mc, Result) and mc.status is Status.UNVERIFIED and not mc.success
    assert mc.certificate.basis is Basis.SAMPLING and not mc.certificate.verified
    assert mc.efficiency_residual <= 1e-13 * mc.certificate.scale and mc.std_errors is not None


def test_certify_shapley_rejects_values_that_break_efficiency() -> None:
    """The certifier recomputes A(s) and A(0) itself: values moved off efficiency, or a claimed
    residual or tolerance edited, are not established; a callable A is certified the same way."""
    import dataclasses

    from mechopt.valuation.shapley import certify_shapley

    payoff = LinearIndexPayoff.aggregate(F, 3)
    s = np.array([1.0, 2.0, 3.0])
    r = shapley_values(payoff, s)
    assert certify_shapley(payoff, s, r).established
    moved = dataclasses.replace(r, values=r.values + np.array([1e-6, 0.0, 0.0]))
    assert not certify_shapley(payoff, s, moved).established
    loose = dataclasses.replace(r, certificate=dataclasses.replace(r.certificate, tol=1.0))
    assert not certify_shapley(payoff, s, loose).established
    def A(S: np.ndarray) -> np.ndarray:
        return np.array([np.sum(payoff.values(row)) for row in S])

    rc = shapley_values(A, s, n=3)
    assert rc.success and np.allclose(rc.values, r.values, rtol=1e-14)
    assert certify_shapley(A, s, rc, n=3).established
