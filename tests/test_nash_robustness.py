"""Robustness of the Newton solver and of the certificate's bound (issue 2 item 4): payoffs
singular at S = 0, ties (a continuum of equilibria), agents at their upper bounds, rank-deficient
Jacobians; the structured linear algebra and the concave upper bound against dense/analytic
references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt import DataSharingGame, LinearIndexPayoff, linear_cost, PowerLaw, Status, solve_nash
from mechopt.certificates.best_response import VALUE_ROUNDING, concave_upper_bound
from mechopt.core.structured import solve_diag_plus_low_rank


def test_singular_payoff_at_zero_from_a_zero_start():
    """001 (3), a_i = 1 - alpha_i S^-beta_i (a' infinite at S = 0): the contributor's total solves
    alpha beta S^(-beta-1) = c, i.e. S = (alpha beta / c)^(1 / (beta + 1))."""
    alpha, beta, cost = np.array([1.0, 0.8, 1.5]), np.array([0.5, 0.9, 0.4]), np.array([0.02, 0.05, 0.03])
    S = (alpha * beta / cost) ** (1 / (beta + 1))
    game = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta), 3), linear_cost(cost), 100.0)
    result = solve_nash(game, start=np.zeros(3))
    assert result.status is Status.EQUILIBRIUM
    expected = np.where(np.arange(3) == np.argmax(S), S.max(), 0.0)
    np.testing.assert_allclose(result.profile, expected, atol=1e-7)


@pytest.mark.parametrize("n", [5, 300])
def test_ties_any_split_of_the_total_is_an_equilibrium(n):
    """Identical agents: F_i = a'(S) - c for all i, so every profile with a'(S) = c is an NE and
    the Jacobian a''(S) 1 1^T is rank one on the free block."""
    alpha, beta, c = 1.0, 0.5, 0.01
    S = (alpha * beta / c) ** (1 / (beta + 1)) - 1.0
    game = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), n), linear_cost(c), 100.0)
    for method in ("newton", "br"):
        result = solve_nash(game, method=method)
        assert result.certificate.verified, method
        assert result.profile.sum() == pytest.approx(S, rel=1e-8)


def test_every_contributor_at_its_upper_bound():
    """When sum_i tau_i < min over contributors of S_i, all of them give tau_i (F_i > 0 there)."""
    alpha, beta, cost = np.ones(4), np.full(4, 0.5), np.array([0.01, 0.012, 0.011, 0.5])
    tau = np.array([1.0, 2.0, 0.5, 3.0])
    S = (alpha * beta / cost) ** (1 / (beta + 1)) - 1.0
    assert tau[:3].sum() < S[:3].min() and S[3] < tau[:3].sum()
    game = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), 4), linear_cost(cost), tau)
    result = solve_nash(game)
    assert result.certificate.verified
    np.testing.assert_allclose(result.profile, [1.0, 2.0, 0.5, 0.0], atol=1e-12)


def test_zero_jacobian_linear_payoff_and_costs():
    """a = W s and linear costs: G = 0 (rank zero); each s_i sits at the bound F_i points to."""
    W, c = np.array([[0.5, 0.2], [0.1, 0.3]]), np.array([0.4, 0.6])
    result = solve_nash(DataSharingGame(LinearIndexPayoff.linear(W), linear_cost(c), 2.0))
    assert result.certificate.verified
    np.testing.assert_allclose(result.profile, [2.0, 0.0])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 3), zeros=st.integers(0, 3), seed=st.integers(0, 10_000))
def test_diag_plus_low_rank_solve_matches_dense(n, k, zeros, seed):
    """(diag(a) + W V^T) x = r with some a_i = 0 (split off into a Schur complement)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(1.0, 2.0, n) * rng.choice([-1, 1], n)
    a[: min(zeros, n)] = 0.0
    W, V, r = rng.normal(size=(n, k)), rng.normal(size=(n, k)), rng.normal(size=n)
    H = np.diag(a) + W @ V.T
    x = solve_diag_plus_low_rank(a, W, V, r)
    reference = np.linalg.lstsq(H, r, rcond=None)[0]
    # same least-squares residual as the dense solve (equal solutions when H is nonsingular)
    assert np.linalg.norm(H @ x - r) <= np.linalg.norm(H @ reference - r) + 1e-8 * (1 + np.linalg.norm(r))


@settings(max_examples=40, deadline=None)
@given(peak=st.floats(-1.0, 3.0), curvature=st.floats(1e-3, 10.0), m=st.integers(3, 12), seed=st.integers(0, 1000))
def test_concave_upper_bound_is_an_upper_bound(peak, curvature, m, seed):
    """f(x) = -curvature (x - peak)^2 / 2 on [0, 2]: max is f(clip(peak)) exactly."""
    rng = np.random.default_rng(seed)
    x = np.sort(np.concatenate([[0.0, 2.0], rng.uniform(0.0, 2.0, m - 2)]))[None, :]
    f = -0.5 * curvature * (x - peak) ** 2
    true_max = -0.5 * curvature * (np.clip(peak, 0.0, 2.0) - peak) ** 2
    bound = concave_upper_bound(x, f)[0]
    assert bound >= true_max
    assert bound >= f.max()


def _chord_bound_reference(x, f, min_chord):
    """concave_upper_bound's formulas (module doc of best_response) as plain numpy on whole arrays."""
    width = np.diff(x, axis=1)
    with np.errstate(all="ignore"):
        slope = np.diff(f, axis=1) / width
        usable = (width > 0) & (width >= min_chord[:, None]) & np.isfinite(slope)
        slope = np.where(usable, slope, np.nan)
        err = VALUE_ROUNDING * np.where(np.isfinite(f), np.abs(f), 0.0)
        chord_err = np.maximum(err[:, :-1], err[:, 1:])
        pad = np.full((x.shape[0], 1), np.nan)
        sl, sr = np.hstack([pad, slope[:, :-1]]), np.hstack([slope[:, 1:], pad])
        wl, wr = np.hstack([pad, width[:, :-1]]), np.hstack([width[:, 1:], pad])
        el, er = np.hstack([pad, chord_err[:, :-1]]), np.hstack([chord_err[:, 1:], pad])
        xa, xb, fa, fb = x[:, :-1], x[:, 1:], f[:, :-1], f[:, 1:]
        has_l, has_r = ~np.isnan(sl), ~np.isnan(sr)
        bound = np.fmax(fa + err[:, :-1], fb + err[:, 1:])
        cross = (fb - fa + sl * xa - sr * xb) / (sl - sr)
        inside = has_l & has_r & (cross > xa) & (cross < xb)
        at_cross = fa + sl * (cross - xa) + el * (1.0 + 2.0 * (cross - xa) / wl) + er * (1.0 + 2.0 * (xb - cross) / wr)
        bound = np.where(inside, np.fmax(bound, at_cross), bound)
        bound = np.where(has_l & ~has_r, np.fmax(bound, fa + sl * width + el * (1.0 + 2.0 * width / wl)), bound)
        bound = np.where(has_r & ~has_l, np.fmax(bound, fb - sr * width + er * (1.0 + 2.0 * width / wr)), bound)
        bound = np.where(has_l | has_r | (width == 0), bound, np.inf)
    return np.max(bound, axis=1)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_compiled_chord_bound_equals_the_array_formulas(seed):
    """The compiled bound is the same number, to the last bit, as the formulas on whole arrays, with
    repeated points, infinite and NaN values, and chords too short to extend."""
    rng = np.random.default_rng(seed)
    rows, m = int(rng.integers(1, 6)), int(rng.integers(2, 12))
    x = rng.normal(size=(rows, m)) * 10.0 ** rng.integers(-3, 4)
    x[:, rng.integers(0, m)] = x[:, 0] if rng.random() < 0.3 else x[:, 0] + 0.0
    x = np.sort(x, axis=1)
    f = -(x - rng.normal()) ** 2 * 10.0 ** rng.integers(-5, 5) + rng.normal(size=(rows, m)) * rng.choice([0, 1e-12, 1])
    for special in (np.inf, -np.inf, np.nan):
        if rng.random() < 0.15:
            f[rng.integers(0, rows), rng.integers(0, m)] = special
    min_chord = rng.choice([0.0, 1e-9, 0.1]) * np.ones(rows)
    np.testing.assert_array_equal(concave_upper_bound(x, f, min_chord), _chord_bound_reference(x, f, min_chord))


def test_false_concavity_declaration_is_reported_not_trusted():
    # u_i = s_i^2 - s_i / 2 on [0, 1] is convex in the own action; declared concave anyway.
    # The interior stationary point s_i = 1/4 is a minimum: the best response is s_i = 1 (gain 9/16).
    import mechopt as mo
    from mechopt.certificates import nash_certificate

    utilities = [(lambda i: (lambda s: s[i] ** 2 - 0.5 * s[i]))(i) for i in range(2)]
    game = mo.ContinuousGame.from_utilities(utilities, [(0.0, 1.0)] * 2, concave=True)
    point = np.array([0.25, 0.25])
    cert = nash_certificate(game, point)
    assert not cert.concave_at_point and cert.search == "grid+golden"
    assert cert.max_gain == pytest.approx(9 / 16, abs=1e-9)
    assert not cert.verified
    result = mo.solve_nash(game, start=point)
    assert result.status is mo.Status.ASSUMPTION_VIOLATED
    assert result.certificate.max_own_curvature == pytest.approx(2.0, rel=1e-3)
