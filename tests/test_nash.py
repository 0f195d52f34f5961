"""Nash equilibria of data-sharing games with certificates (issue 2 items 4, 5, 9).

Every expected number comes from a paper or a closed form; the solvers are compared with each
other (semismooth Newton, BR dynamics 001 (4), stochastic BR 003 (11)), never with themselves.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechopt import (
    linear_cost,
    ContinuousGame, DataSharingGame, LinearIndexPayoff, PowerLaw, Quadratic, RandomCoverage, Status, nash_certificate,
    solve_nash,
)
from mechopt.solvers.br_dynamics import br_dynamics_solve, projected_gradient_norm, theorem_iterations, theorem_step

# --- 001 Example 1: a(s) = 8 - 1/(s1 + s2), c1 = 5 s1, c2 = 4 s2; NE (0, 0.5) ---------------------


def example1_data_sharing() -> DataSharingGame:
    return DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, top=8.0), 2), linear_cost([5.0, 4.0]), 2.0)


def example1_callables() -> ContinuousGame:
    def a(s):
        return 8.0 - 1.0 / np.float64(s[0] + s[1])

    return ContinuousGame.from_utilities([lambda s: a(s) - 5.0 * s[0], lambda s: a(s) - 4.0 * s[1]],
                                      [(0.0, 2.0), (0.0, 2.0)], concave=True)


@pytest.mark.parametrize("build", [example1_data_sharing, example1_callables])
def test_example1_equilibrium_and_nash_welfare(build):
    game = build()
    with np.errstate(divide="ignore"):
        result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM and result.certificate.verified
    np.testing.assert_allclose(result.profile, [0.0, 0.5], atol=1e-6)
    # Nash welfare u1 u2: 24 at the NE and 25.25 (printed to two decimals: 16/3 * 71/15) at (0.2, 0.4)
    assert np.prod(game.utilities(np.array([0.0, 0.5]))) == pytest.approx(24.0, rel=1e-12)
    assert np.prod(game.utilities(np.array([0.2, 0.4]))) == pytest.approx(25.25, abs=0.01)
    assert np.prod(game.utilities(result.profile)) == pytest.approx(24.0, rel=1e-6)


# --- heterogeneous power law, linear costs: closed form ------------------------------------------


def raw_standalone_totals(alpha, beta, cost):
    """sigma_i with a_i'(sigma_i) = c_i for a_i(S) = 1 - alpha_i (S + 1)^-beta_i (003 (12)); negative
    when a_i'(0) < c_i (agent i never contributes)."""
    return (alpha * beta / cost) ** (1.0 / (beta + 1.0)) - 1.0


def standalone_totals(alpha, beta, cost):
    """S_i with a_i'(S_i) = c_i, floored at 0."""
    return np.maximum(raw_standalone_totals(alpha, beta, cost), 0.0)


def payoff_curvature(alpha, beta, S):
    """k_i(S) = -a_i''(S) = alpha_i beta_i (beta_i + 1) (S + 1)^(-beta_i - 2): positive, decreasing in S."""
    return alpha * beta * (beta + 1.0) * (S + 1.0) ** (-beta - 2.0)


def closed_form_equilibrium(S, tau):
    """Agents in decreasing order of S_i fill up to the total where the next one stops wanting to
    contribute: those before it give tau_i, it gives the rest, all others give 0 (F_j < 0 when
    S > S_j since a_j' is decreasing)."""
    order = np.argsort(-S)
    s, filled = np.zeros_like(S), 0.0
    for i in order:
        if S[i] <= filled:
            break
        s[i] = min(tau[i], S[i] - filled)
        filled += s[i]
    return s


@dataclass(frozen=True)
class CertifiedAccuracy:
    """What a profile with every best-response gain <= G is known to satisfy (certified_accuracy)."""

    total: float
    """delta: |S - S*| <= delta."""
    below: np.ndarray
    """Agents with sigma_i < S - h_i: s_i <= slack_i."""
    above: np.ndarray
    """Agents with sigma_i > S + h_i: tau_i - s_i <= slack_i."""
    slack: np.ndarray
    profile: np.ndarray | None
    """|s_i - s*_i| <= profile_i, when the margin condition holds (else None: s is not determined)."""


def certified_accuracy(alpha, beta, cost, tau, expected, total, gain):
    """How close a certified profile s (total S = ``total``) of the heterogeneous power-law game is
    to the closed form s* (``expected``, total S*), from the gain tolerance and the curvature.

    Notation: u_i = a_i(S) - c_i s_i on [0, tau_i], k_i(t) = -a_i''(t) > 0 decreasing,
    sigma_i the raw standalone total (a_i'(sigma_i) = c_i; a_i' is decreasing, so F_i(s) =
    a_i'(S) - c_i has the sign of sigma_i - S).  Certified: each player's gain from any feasible
    change of its own action is <= G (``gain``, see certified_gain_bound).

    (1) One player.  Let g = S - sigma_i > 0.  For sigma_i <= t <= S,
        c_i - a_i'(t) = int_{sigma_i}^t k_i >= k_i(S) (t - sigma_i), so lowering s_i by
        y <= min(s_i, g) gains int_{S-y}^S (c_i - a_i'(t)) dt >= k_i(S) y (g - y/2) >= k_i(S) y g / 2.
        y = g would gain >= k_i g^2 / 2, so g > h_i := sqrt(2 G / k_i) forces s_i < g, and y = s_i
        then gives s_i <= e_i := 2 G / (k_i g).  Symmetrically, sigma_i - S = g > h_i gives
        tau_i - s_i <= e_i (raise s_i; a_i'(t) - c_i >= k_i(sigma_i) (sigma_i - t) for S <= t <= sigma_i).
        Both hold with k_i = k_i(max(S, sigma_i)).
    (2) The total (unique).  In s*, H = {sigma_i > S*} give tau_i (so sum_H tau_i <= S*),
        L = {sigma_i < S*} give 0, and E = {sigma_i = S*} holds the marginal agent if any (every
        contributor is in H+E, so sum_{H+E} tau_i >= S*).  Let d = |S - S*| and k = min_i k_i(max(S, S*)).
        S > S*: the agents of L+E give sum s_i >= S - sum_H tau_i >= d and each has S - sigma_i >= d;
        lowering s_i by y_i = min(s_i, d) gains >= k y_i (d - y_i/2) >= k y_i d / 2 by (1), and
        sum_i y_i >= d.  S < S*: the agents of H+E have room sum (tau_i - s_i) >= S* - S = d;
        raising s_i by y_i = min(tau_i - s_i, d) gains >= k y_i d / 2 (a_i'(t) - c_i >=
        a_i'(t) - a_i'(S*) >= k_i(S*) (S* - t) for t <= S*).  Either way the gains, each <= G,
        sum to >= k d^2 / 2: |S - S*| <= delta := sqrt(2 n G / k).
    (3) The profile.  The margin: every agent but the marginal one (0 < s*_m < tau_m) has
        |sigma_i - S*| > delta + h_i.  Then sigma_i - S has the sign of sigma_i - S* and modulus
        > h_i, so (1) gives |s_i - s*_i| <= e_i, and s_m = S - sum_{i != m} s_i gives
        |s_m - s*_m| <= delta + sum_{i != m} e_i.  Without the margin the certificate does not
        determine s: with g = sigma_1 - sigma_2 small and both uncapped, any split of S* = sigma_1
        between agents 1 and 2 leaves agent 2 a gain of at most about k g^2 / 2 (lowering s_2 by
        g), which is <= G when g <= h_2, however large s_2 (issue 13: n=5, seed=138, g = 8e-5).
        For the top two standalone totals of an uncapped leader, the margin reads
        sigma_1 - sigma_2 > delta + h_2.
    """
    sigma = raw_standalone_totals(alpha, beta, cost)
    S_star = float(expected.sum())
    delta = float(np.sqrt(2.0 * alpha.size * gain / np.min(payoff_curvature(alpha, beta, max(total, S_star)))))
    k = payoff_curvature(alpha, beta, np.maximum(total, sigma))
    h = np.sqrt(2.0 * gain / k)
    gap = np.abs(sigma - total)
    below, above = sigma < total - h, sigma > total + h
    slack = np.where(below | above, 2.0 * gain / (k * np.maximum(gap, h)), np.inf)
    marginal = (expected > 0) & (expected < tau)
    profile = None
    if np.all(np.abs(sigma - S_star)[~marginal] > delta + h[~marginal]):
        profile = slack.copy()
        profile[marginal] = delta + slack[~marginal].sum()
    return CertifiedAccuracy(delta, below, above, slack, profile)


def heterogeneous_parameters(n, seed, tau_scale=3.0):
    """alpha, beta, c, tau of a random heterogeneous power-law instance."""
    rng = np.random.default_rng(seed)
    alpha, beta, cost = rng.uniform(0.5, 2.0, n), rng.uniform(0.3, 1.0, n), rng.uniform(0.01, 0.2, n)
    tau = tau_scale * rng.uniform(0.1, 1.0, n) * max(standalone_totals(alpha, beta, cost).max(), 1.0)
    return alpha, beta, cost, tau


def heterogeneous_game(n, seed, tau_scale=3.0):
    alpha, beta, cost, tau = heterogeneous_parameters(n, seed, tau_scale)
    game = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), n), linear_cost(cost), tau)
    return game, closed_form_equilibrium(standalone_totals(alpha, beta, cost), tau)


def certified_gain_bound(cert):
    """The bound on every player's best-response gain that a verified certificate establishes:
    gains_i <= tol scale_i + rounding_i, scale_i player i's utility scale (mechopt.certificates.nash)."""
    return float(np.max(cert.slack))


def assert_certified_closed_form(result, n, seed, tau_scale):
    """Assert what a certified answer guarantees (certified_accuracy): the gain bound, the total
    S*, the agents clearly below S at (almost) 0 and those clearly above at (almost) tau_i, and
    the whole closed-form profile where the margin makes it unique at the tolerance."""
    alpha, beta, cost, tau = heterogeneous_parameters(n, seed, tau_scale)
    expected = closed_form_equilibrium(standalone_totals(alpha, beta, cost), tau)
    cert = result.certificate
    assert result.status is Status.EQUILIBRIUM, result.stats.method
    gain = certified_gain_bound(cert)
    assert cert.verified and cert.max_gain <= gain
    s = result.profile
    acc = certified_accuracy(alpha, beta, cost, tau, expected, float(s.sum()), gain)
    assert abs(s.sum() - expected.sum()) <= acc.total
    assert np.all(s[acc.below] <= acc.slack[acc.below])
    assert np.all(tau[acc.above] - s[acc.above] <= acc.slack[acc.above])
    if acc.profile is not None:
        assert np.all(np.abs(s - expected) <= acc.profile), (s, expected, acc.profile)
    return acc


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 10_000), tau_scale=st.sampled_from([0.3, 3.0]))
def test_heterogeneous_power_law_newton_matches_closed_form(n, seed, tau_scale):
    """The fast method inside the property (a failure shrinks in seconds); the slow methods are
    compared on the fixed cases below."""
    game, _ = heterogeneous_game(n, seed, tau_scale)
    assert_certified_closed_form(solve_nash(game), n, seed, tau_scale)


# (5, 138, 3.0): hypothesis's near tie of issue 13 (sigma_1 - sigma_2 = 8e-5, uncapped leader);
# (4, 1068, 0.3): a near tie of a capped agent and the marginal one; the others hold the margin.
FIXED_CASES = [(5, 138, 3.0), (4, 1068, 0.3), (2, 0, 0.3), (8, 1, 3.0), (12, 2, 0.3)]


@pytest.mark.parametrize(("n", "seed", "tau_scale"), FIXED_CASES)
@pytest.mark.parametrize("method", ["newton", "br", "stochastic-br"])
def test_heterogeneous_power_law_matches_closed_form_with_all_methods(method, n, seed, tau_scale):
    """Every method's own answer (no best-response fallback) is certified within an iteration
    budget.  The budget bounds the run: along a near tie the residual decays slowly (BR needs
    669,200 iterations to reach residual 1e-10 at (5, 138, 3.0)) while the certificate, which is
    what is asserted, holds after fewer than 1,000."""
    game, _ = heterogeneous_game(n, seed, tau_scale)
    result = solve_nash(game, method=method, batch=max(2, n // 2) if method == "stochastic-br" else None,
                        max_iter=None if method == "newton" else 20_000)
    assert result.stats.method == method
    assert_certified_closed_form(result, n, seed, tau_scale)


def test_near_tie_has_certified_profiles_far_from_the_closed_form():
    """Issue 13's instance: the closed form (0, S*, 0, 0, 0) and the split (0, S*/2, S*/2, 0, 0)
    are both certified, so only the total and the near-tied pair are determined."""
    n, seed, tau_scale = 5, 138, 3.0
    game, expected = heterogeneous_game(n, seed, tau_scale)
    alpha, beta, cost, tau = heterogeneous_parameters(n, seed, tau_scale)
    split = np.zeros(n)
    split[[1, 2]] = expected.sum() / 2
    assert expected[1] == expected.sum()
    for profile in (expected, split):
        cert = nash_certificate(game, profile)
        assert cert.verified
        acc = certified_accuracy(alpha, beta, cost, tau, expected, float(profile.sum()), certified_gain_bound(cert))
        assert acc.profile is None and list(np.flatnonzero(~(acc.below | acc.above))) == [1, 2]


def test_only_the_agent_with_the_largest_standalone_total_contributes():
    game, expected = heterogeneous_game(50, seed=7, tau_scale=100.0)
    result = solve_nash(game)
    assert np.count_nonzero(result.profile > 1e-12) == 1
    np.testing.assert_allclose(result.profile, expected, atol=1e-8)


# --- 001 Theorem 3.2: BR dynamics with delta = lambda / (n^2 L^2) --------------------------------


def test_theorem_3_2_br_dynamics_reaches_eps_within_T_iterations():
    """Identical payoff 1 - alpha (S + 1)^-beta, costs c_i s_i + q_i s_i^2 / 2 on [0, 5]:
    G = -diag(q) + a''(S) 1 1^T, so G + lambda I <= 0 for lambda = min q (a'' <= 0), and
    |G_ij| <= max q + max_S |a''(S)| = max q + alpha beta (beta + 1) =: L."""
    n, alpha, beta = 3, 1.0, 0.5
    q, c = np.array([0.5, 0.8, 1.0]), np.array([0.05, 0.1, 0.02])
    game = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), n), Quadratic(c, curvature=q), 5.0)
    lam, L = float(q.min()), float(q.max() + alpha * beta * (beta + 1.0))
    J = game.own_jacobian(np.full(n, 0.3)).to_dense()  # the bounds hold at a sample point
    assert np.max(np.linalg.eigvalsh(0.5 * (J + J.T))) <= -lam + 1e-12 and np.max(np.abs(J)) <= L
    delta, eps = theorem_step(n, lam, L), 1e-6
    s0 = np.full(n, 2.5)
    T = int(np.ceil(theorem_iterations(n, lam, L, projected_gradient_norm(game, s0, delta), eps)))
    it = br_dynamics_solve(game, start=s0, strong_concavity=lam, lipschitz=L, tol=1e-300, max_iter=T)
    assert it.iterations == T and it.parameters["step"] == pytest.approx(lam / (n**2 * L**2))
    assert projected_gradient_norm(game, it.profile, delta) < eps
    newton = solve_nash(game)
    np.testing.assert_allclose(it.profile, newton.profile, atol=1e-5)


# --- 001 Theorem A.2: no equilibrium ----------------------------------------------------------------


def theorem_a2_game(eps: float) -> ContinuousGame:
    """e(x) of (8); a_1 = e(s1) + e(s3) - e(s1) e(s3), a_2 = e(s2) + e(s1) - ..., a_3 = ... (9); c_i = s_i / 4."""

    def e(x):
        return float(np.interp(x, [0.0, 0.5 - eps, 0.5 + eps, 1.0], [0.0, 0.0, 1.0, 1.0]))

    def utility(i, j):
        return lambda s: e(s[i]) + e(s[j]) - e(s[i]) * e(s[j]) - s[i] / 4

    return ContinuousGame.from_utilities([utility(0, 2), utility(1, 0), utility(2, 1)], [(0.0, 1.0)] * 3)


@pytest.mark.parametrize("eps", [0.03, 0.05])
def test_theorem_a2_instance_has_no_equilibrium_and_a_best_response_cycle(eps):
    game = theorem_a2_game(eps)
    result = solve_nash(game)
    assert result.status is Status.NO_EQUILIBRIUM_FOUND
    assert not result.success and not result.certificate.verified  # the best point is shown, labelled
    assert result.profile.shape == (3,) and result.certificate.refuted
    cycle = result.cycle
    assert cycle is not None and len(cycle.movers) >= 3
    np.testing.assert_allclose(cycle.profiles[-1], cycle.profiles[0])
    assert np.all(cycle.gains > 0)
    for t, i in enumerate(cycle.movers):
        before, after = cycle.profiles[t], cycle.profiles[t + 1]
        assert np.all(np.delete(after, i) == np.delete(before, i))  # one player moves
        # best responses lie in {0, 1/2 + eps} (proof of Theorem A.2); the gains are the paper's:
        # 7/8 - eps/4 from 0 (Case 1) and 1 - (7/8 - eps/4) from 1/2 + eps (Case 2)
        assert min(abs(after[i]), abs(after[i] - (0.5 + eps))) < 1e-6
        paper_gain = 7 / 8 - eps / 4 if after[i] > 0 else 1 - (7 / 8 - eps / 4)
        assert cycle.gains[t] == pytest.approx(paper_gain, abs=1e-6)
        u_before, u_after = game.utilities(before)[i], game.utilities(after)[i]
        assert u_after - u_before == pytest.approx(cycle.gains[t], abs=1e-9)


# --- certificates reject corrupted results -----------------------------------------------------------


@pytest.mark.parametrize("shift", [0.1, -0.1])
def test_certificate_rejects_a_perturbed_equilibrium(shift):
    game, expected = heterogeneous_game(8, seed=3, tau_scale=100.0)
    assert nash_certificate(game, expected).verified
    k = int(np.argmax(expected))  # the only contributor: its best response to the others' 0 is S_k
    corrupted = expected.copy()
    corrupted[k] += shift
    true_gain = game.utilities(expected)[k] - game.utilities(corrupted)[k]
    cert = nash_certificate(game, corrupted)
    assert true_gain > 1e-7 and not cert.verified
    assert true_gain - 1e-15 <= cert.gains[k] <= true_gain + 1e-9
    zero = int(np.argmin(expected))
    corrupted = expected.copy()
    corrupted[zero] = 0.5  # an agent who should not contribute
    cert = nash_certificate(game, corrupted)
    assert not cert.verified and cert.gains[zero] > 1e-6


def test_certificate_gain_bounds_the_true_gain_of_example1():
    """At (0, 0.5 + h) player 2's best response is 0.5, with gain u2(0.5) - u2(0.5 + h) = 1/(0.5 + h) - 2 + 4h."""
    game = example1_data_sharing()
    h = 1e-4
    cert = nash_certificate(game, np.array([0.0, 0.5 + h]))
    true_gain = 1 / (0.5 + h) - 2 + 4 * h
    assert cert.gains[1] >= true_gain - 1e-15
    assert cert.gains[1] <= true_gain + 1e-9
    assert not cert.verified


def test_certificate_rejects_profiles_outside_the_box():
    game = example1_data_sharing()
    with pytest.raises(ValueError, match="profile"):
        nash_certificate(game, np.array([-0.1, 0.5]))
    with pytest.raises(ValueError, match="profile"):
        nash_certificate(game, np.array([0.1, 0.5, 0.2]))


# --- other payoffs: Newton agrees with BR dynamics ------------------------------------------------


def test_linear_discovery_closed_form():
    """a(s) = W s (001 Section 2.1), linear costs: F_i = W_ii - c_i is constant, so s_i = tau_i
    where W_ii > c_i and 0 otherwise."""
    rng = np.random.default_rng(5)
    W, c, tau = rng.uniform(0, 1, (6, 6)), rng.uniform(0.1, 0.9, 6), rng.uniform(1, 3, 6)
    game = DataSharingGame(LinearIndexPayoff.linear(W), linear_cost(c), tau)
    for method in ("newton", "br"):
        result = solve_nash(game, method=method)
        assert result.certificate.verified
        np.testing.assert_allclose(result.profile, np.where(np.diag(W) > c, tau, 0.0), atol=1e-9)


@pytest.mark.parametrize("kind", ["coverage", "grouped"])
def test_newton_agrees_with_br_dynamics(kind):
    rng = np.random.default_rng(11)
    if kind == "coverage":  # 001 (1)
        game = DataSharingGame(RandomCoverage(0.9 * rng.dirichlet(np.ones(6), 5)), linear_cost(rng.uniform(0.001, 0.01, 5)), 50.0)
    else:  # 003 Section 5.1, three groups
        payoff = LinearIndexPayoff.grouped(rng.integers(0, 3, 12), rng.uniform(0.1, 1.0, (3, 3)) + 2 * np.eye(3))
        game = DataSharingGame(payoff, linear_cost(rng.uniform(0.001, 0.01, 12)), 20.0)
    newton = solve_nash(game)
    br = solve_nash(game, method="br")
    assert newton.certificate.verified and br.certificate.verified
    np.testing.assert_allclose(newton.profile, br.profile, atol=1e-5)


def test_solve_nash_rejects_bad_arguments_by_name():
    game = example1_data_sharing()
    with pytest.raises(ValueError, match="method"):
        solve_nash(game, method="simplex")
    with pytest.raises(ValueError, match="batch"):
        solve_nash(game, method="stochastic-br")
    with pytest.raises(ValueError, match="tol"):
        solve_nash(game, tol=0.0)
