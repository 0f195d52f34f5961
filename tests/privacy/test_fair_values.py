"""Paper 004 Section 3: fair values with privacy levels (Theorem 1 (5)-(6), Theorem 2 (12)), the
axioms as properties, Examples 1 and 2, and the vectorized engine against the formulas read
literally.  Index convention (docs/privacy.md): arrays are [eps_1, eps_2] with user 1 on the rows,
so the paper's printed Phi_i of (11) and (13) (other user on the rows) are our transposes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt.privacy.fairvalue import fair_values_naive, fair_values_platform, fair_values_users
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game

U10 = np.array([[0.0, 2 / 3], [2 / 3, 1.0]])


def test_example1_theorem1_matches_11():
    f = fair_values_platform(mean_estimation_game())
    np.testing.assert_allclose(f.utility, U10, atol=1e-15)                         # (10)
    np.testing.assert_allclose(f.platform, [[0, 1 / 3], [1 / 3, 5 / 9]], atol=1e-15)  # Phi_p of (11)
    paper_phi1 = np.array([[0, 1 / 3], [0, 2 / 9]])                                  # printed, other user on rows
    paper_phi2 = np.array([[0, 0], [1 / 3, 2 / 9]])
    np.testing.assert_allclose(f.users[0], paper_phi1.T, atol=1e-15)
    np.testing.assert_allclose(f.users[1], paper_phi2.T, atol=1e-15)


def test_example2_theorem2_matches_13():
    f = fair_values_users(mean_estimation_game(), alpha=1.0)
    np.testing.assert_allclose(f.users[0], np.array([[0, 2 / 3], [0, 1 / 2]]).T, atol=1e-15)
    np.testing.assert_allclose(f.users[1], np.array([[0, 0], [2 / 3, 1 / 2]]).T, atol=1e-15)


def test_a_user_who_alone_shares_receives_all_of_U():
    """The convention check asked by papers/README: Theorem 2 with alpha = 1."""
    g = mean_estimation_game()
    f = fair_values_users(g, alpha=1.0)
    assert f.users[0][1, 0] == pytest.approx(g.table[1, 0]) and f.users[1][1, 0] == 0.0
    assert f.users[1][0, 1] == pytest.approx(g.table[0, 1]) and f.users[0][0, 1] == 0.0
    # and for N = 4 users over three levels: user 3 alone at level 2
    rng = np.random.default_rng(0)
    t = rng.uniform(size=(3,) * 4)
    t[0, 0, 0, 0] = 0.0
    f4 = fair_values_users(PrivacyGame((0.0, 1.0, 2.0), t))
    assert f4.users[2][0, 0, 2, 0] == pytest.approx(t[0, 0, 2, 0])


def _random_game(seed: int, n: int, k: int, zero: bool = True) -> PrivacyGame:
    t = np.random.default_rng(seed).normal(size=(k,) * n)
    if zero:
        t[(0,) * n] = 0.0
    return PrivacyGame(tuple(float(x) for x in range(k)), t)


@pytest.mark.parametrize("n,k", [(1, 3), (2, 2), (3, 3), (4, 2), (5, 2), (3, 4)])
def test_vectorized_engine_equals_the_formulas_read_literally(n, k):
    g = _random_game(n * 10 + k, n, k)
    f1, f2 = fair_values_platform(g), fair_values_users(g)
    for idx in itertools.product(range(k), repeat=n):
        u1, p1 = fair_values_naive(g, idx, theorem=1)
        u2, _ = fair_values_naive(g, idx, theorem=2)
        np.testing.assert_allclose(f1.users[(slice(None),) + idx], u1, atol=1e-12)
        assert f1.platform[idx] == pytest.approx(p1, abs=1e-12)
        np.testing.assert_allclose(f2.users[(slice(None),) + idx], u2, atol=1e-12)


games = st.builds(lambda seed, n, k: _random_game(seed, n, k), st.integers(0, 2**31), st.integers(1, 5),
                  st.integers(2, 3))


@settings(max_examples=40, deadline=None)
@given(games, st.floats(0.0, 1.0))
def test_efficiency_and_pseudo_efficiency(g, alpha):
    """A.ii: phi_p + sum phi_i = U; B.ii: sum phi_i = alpha U (U(0) = 0, as the proof (41)-(46) uses)."""
    f1, f2 = fair_values_platform(g), fair_values_users(g, alpha)
    np.testing.assert_allclose(f1.platform + f1.users.sum(axis=0), g.table, atol=1e-10)
    np.testing.assert_allclose(f2.users.sum(axis=0), alpha * g.table, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(games, games)
def test_additivity(g, h):
    """A.iii / B.iii: values of U + V are the sums (same shape only)."""
    if g.table.shape != h.table.shape:
        return
    s = PrivacyGame(g.levels, g.table + h.table)
    for fv in (fair_values_platform, fair_values_users):
        a, b, c = fv(g), fv(h), fv(s)
        np.testing.assert_allclose(c.users, a.users + b.users, atol=1e-10)
        np.testing.assert_allclose(c.platform, a.platform + b.platform, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 4))
def test_symmetry(seed, n):
    """A.i / B.i: a table symmetric in users 1 and 2 gives them equal values at swapped vectors."""
    t = np.random.default_rng(seed).normal(size=(2,) * n)
    t = t + np.swapaxes(t, 0, 1)
    t[(0,) * n] = 0.0
    g = PrivacyGame((0.0, 1.0), t)
    for fv in (fair_values_platform, fair_values_users):
        f = fv(g)
        np.testing.assert_allclose(f.users[0], np.swapaxes(f.users[1], 0, 1), atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 4))
def test_null_player(seed, n):
    """A.i / B.i second part: a user whose level never changes U gets 0 at every level vector."""
    t = np.random.default_rng(seed).normal(size=(3,) * (n - 1))
    t[(0,) * (n - 1)] = 0.0
    full = np.broadcast_to(t[..., None], (3,) * n).copy()  # the last user is null
    g = PrivacyGame((0.0, 1.0, 2.0), full)
    for fv in (fair_values_platform, fair_values_users):
        assert np.abs(fv(g).users[-1]).max() <= 1e-12


def test_alpha_must_follow_U():
    g = mean_estimation_game()
    with pytest.raises(ValueError, match="alpha"):
        fair_values_users(g, alpha=1.5)
    bad = np.array([[0.0, 0.5], [0.7, 1.0]])  # U(0, inf) = U(inf, 0) but alpha differs (B.ii)
    with pytest.raises(ValueError, match="alpha"):
        fair_values_users(g, alpha=bad)
    ok = fair_values_users(g, alpha=np.array([[0.0, 0.5], [0.5, 1.0]]))
    np.testing.assert_allclose(ok.users.sum(axis=0), ok.alpha * g.table)


def test_large_tables_are_computed_not_kept(monkeypatch: pytest.MonkeyPatch):
    """Above KEPT_VALUES values the Shapley values are computed on every call and not kept; they
    are the kept path's numbers."""
    from mechopt.privacy import fairvalue

    g, other = _random_game(5, 4, 3), _random_game(6, 4, 3)  # 4 x 3^4 = 324 values each
    kept = fair_values_users(g).users
    monkeypatch.setattr(fairvalue, "KEPT_VALUES", 323)
    before = fairvalue._kept_shapley_users.cache_info()
    np.testing.assert_array_equal(fair_values_users(g).users, kept)
    fair_values_users(other)
    after = fairvalue._kept_shapley_users.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)


def test_kept_values_are_copies_and_the_check_runs_every_time():
    """The values of a table asked for again come from the kept ones: each call gets its own
    arrays (writing into one does not reach the next call), and a bad alpha is refused every time."""
    g = mean_estimation_game()
    first = fair_values_users(g)
    expected = first.users.copy()
    first.users[...] = np.nan
    np.testing.assert_array_equal(fair_values_users(g).users, expected)
    bad = np.array([[0.0, 0.5], [0.7, 1.0]])
    for _ in range(2):
        with pytest.raises(ValueError, match="alpha"):
            fair_values_users(g, alpha=bad)


@pytest.mark.parametrize("levels,table,field", [
    ((0.0, 1.0), np.zeros((2, 3)), "table"),
    ((1.0, 0.0), np.zeros((2, 2)), "levels"),
    ((0.0, 0.0), np.zeros((2, 2)), "levels"),
    ((0.0, 1.0), np.array([[0.0, np.nan], [1.0, 1.0]]), "table"),
    ((0.0, -1.0), np.zeros((2, 2)), "levels"),
])
def test_bad_games_name_the_field(levels, table, field):
    with pytest.raises(ValueError, match=field):
        PrivacyGame(levels, table)


def test_pseudo_efficiency_needs_U0_zero():
    """docs/privacy.md finding: with U(0) != 0 the users' values sum to alpha (U - U(0)), not alpha U."""
    t = np.array([[0.5, 1.0], [1.0, 2.0]])
    f = fair_values_users(PrivacyGame((0.0, 1.0), t), alpha=1.0)
    np.testing.assert_allclose(f.users.sum(axis=0), t - t[0, 0], atol=1e-15)
