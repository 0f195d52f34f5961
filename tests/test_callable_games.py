"""Games given as callables (issue 12; issue 7 item 3): certificates as tight as the solver,
derivatives that do not stall, and certificates that state what they rest on.

Games from the literature, each with its source and a closed form or an independent solution:
the 5-firm Cournot oligopoly of Murphy, Sherali and Soyster (1982) in two algebraically equal
writings, a linear Cournot duopoly, a Bertrand duopoly with differentiated products and a
public-goods game.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import root

from mechopt import ContinuousGame, Status, nash_certificate, solve_nash
from mechopt.certificates.nash import CertificateBasis, nash_basis, nash_status
from mechopt.games.base import CallableGame
from mechopt.solvers.newton import newton_solve

# --- Murphy, Sherali, Soyster (1982), Math. Programming 24, 92-106, Section 4 (5 firms) ---------
# inverse demand p(Q) = 5000^(1/1.1) Q^(-1/1.1); cost f_i(q) = c_i q + b_i/(b_i + 1) L_i^(-1/b_i)
# q^((b_i + 1)/b_i); published equilibrium (36.9325, 41.8181, 43.7066, 42.6592, 39.1790).

MSS_C = np.array([10.0, 8.0, 6.0, 4.0, 2.0])
MSS_L = np.full(5, 5.0)
MSS_BETA = np.array([1.2, 1.1, 1.0, 0.9, 0.8])
MSS_PUBLISHED = np.array([36.9325, 41.8181, 43.7066, 42.6592, 39.1790])
ETA = 1.0 / 1.1
K = 5000.0 ** ETA


def mss_cost(i: int, q: float) -> float:
    b = MSS_BETA[i]
    return MSS_C[i] * q + b / (b + 1.0) * MSS_L[i] ** (-1.0 / b) * q ** ((b + 1.0) / b)


def mss_writing_1(i: int):
    """profit = q_i * 5000^(1/1.1) * Q^(-1/1.1) - f_i(q_i)."""
    return lambda s: s[i] * 5000.0 ** (1.0 / 1.1) * np.sum(s) ** (-1.0 / 1.1) - mss_cost(i, s[i])


def mss_writing_2(i: int):
    """The same profit multiplied out in another order: (5000/Q)^(1/1.1) q_i - (cost terms swapped)."""
    b = MSS_BETA[i]
    return lambda s: ((5000.0 / np.sum(s)) ** (1.0 / 1.1) * s[i]
                      - (b / (b + 1.0) * MSS_L[i] ** (-1.0 / b) * s[i] ** ((b + 1.0) / b) + MSS_C[i] * s[i]))


def mss_gradient(i: int):
    """dprofit_i/dq_i = p(Q) + q_i p'(Q) - f_i'(q_i)."""
    def g(s):
        Q = np.sum(s)
        return K * Q**-ETA - ETA * s[i] * K * Q ** (-ETA - 1.0) - MSS_C[i] - MSS_L[i] ** (-1.0 / MSS_BETA[i]) * s[i] ** (1.0 / MSS_BETA[i])
    return g


def mss_hessian(i: int):
    """d^2 profit_i / dq_i^2 = 2 p'(Q) + q_i p''(Q) - f_i''(q_i)."""
    def h(s):
        Q, b = np.sum(s), MSS_BETA[i]
        dp, d2p = -ETA * K * Q ** (-ETA - 1.0), ETA * (ETA + 1.0) * K * Q ** (-ETA - 2.0)
        return 2.0 * dp + s[i] * d2p - MSS_L[i] ** (-1.0 / b) / b * s[i] ** (1.0 / b - 1.0)
    return h


def mss_game(writing, **kwargs) -> ContinuousGame:
    return ContinuousGame.from_utilities([writing(i) for i in range(5)], [(0.0, 500.0)] * 5, concave=True, **kwargs)


def mss_kkt_solution() -> np.ndarray:
    """Independent of mechopt: scipy's root of the interior KKT system (analytic F)."""
    F = lambda q: np.array([mss_gradient(i)(q) for i in range(5)])  # noqa: E731
    sol = root(F, np.full(5, 40.0), tol=1e-14)
    assert sol.success and np.max(np.abs(F(sol.x))) < 1e-10
    return sol.x


def test_mss_published_equilibrium_solves_the_kkt_system():
    np.testing.assert_allclose(mss_kkt_solution(), MSS_PUBLISHED, atol=5e-5)


@pytest.mark.parametrize("writing", [mss_writing_1, mss_writing_2])
def test_mss_cournot_certified_at_1e9_with_a_tight_bound(writing):
    """Issue 12 item 1: the chord bound at the equilibrium is as tight as rounding allows (it was
    4.8e-8 from the short ladder, 4.8e-9 from the long one), not just below tol * R."""
    game = mss_game(writing)
    ne = mss_kkt_solution()
    cert = nash_certificate(game, ne, tol=1e-9)
    assert cert.verified and cert.basis is CertificateBasis.DECLARED_CONCAVITY
    assert cert.max_gain <= 1e-9  # absolute: 1e-9 < 1e-9 * R / 68 554
    assert cert.search == "ladder"
    # the published 4-decimal profile is within the tolerance too (its true gains are ~1e-10)
    assert nash_certificate(game, MSS_PUBLISHED, tol=1e-9).verified


@pytest.mark.parametrize("writing", [mss_writing_1, mss_writing_2])
def test_mss_cournot_newton_converges_in_under_30_iterations(writing):
    """Issue 12 item 2: writing 1 ran 200 iterations at residual 2.3e-10 with second-order
    differences; the fourth-order difference with its error estimate converges in both."""
    game = mss_game(writing)
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM
    assert result.stats.iterations < 30
    assert result.stats.termination.value == "converged"
    np.testing.assert_allclose(result.profile, mss_kkt_solution(), atol=1e-7)
    np.testing.assert_allclose(result.profile, MSS_PUBLISHED, atol=5e-5)
    # the difference scheme's own error estimate is well below the residual test
    assert result.stats.parameters["derivative_error"] < 1e-10


def test_mss_difference_gradient_error_estimate_bounds_the_true_error():
    ne = mss_kkt_solution()
    for writing in (mss_writing_1, mss_writing_2):
        game = mss_game(writing)
        for point in (ne, ne + 1.0, np.array([0.0, 10.0, 20.0, 500.0, 3.0])):
            exact = np.array([mss_gradient(i)(point) for i in range(5)])
            with np.errstate(divide="ignore", invalid="ignore"):
                err = np.abs(game.own_gradient(point) - exact)
            assert np.all(err <= game.own_gradient_error(point))


def test_mss_with_user_gradients_and_own_hessians():
    game = mss_game(mss_writing_1, gradients=[mss_gradient(i) for i in range(5)],
                    hessians=[mss_hessian(i) for i in range(5)])
    ne = mss_kkt_solution()
    J = game.own_jacobian(ne)
    np.testing.assert_allclose(np.diag(J), [mss_hessian(i)(ne) for i in range(5)])
    assert np.all(game.own_gradient_error(ne) == 0.0)
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM and result.stats.iterations < 30
    np.testing.assert_allclose(result.profile, ne, atol=1e-8)


def test_noisy_derivatives_stop_at_their_accuracy_in_a_few_iterations():
    """A difference step of 1e-9 makes F's rounding error ~1e-6: the residual test 1e-10 is out of
    reach.  The method says so (stop reason, estimated error) in a few iterations, not 200."""
    game = CallableGame([mss_writing_1(i) for i in range(5)], [(0.0, 500.0)] * 5, concave=True, step=1e-9)
    out = newton_solve(game)
    assert out.termination.value == "stalled" and out.parameters["stop_reason"] == "derivative_accuracy"
    assert out.iterations < 30
    assert out.residual <= 1e-10 + out.parameters["derivative_error"]


def test_stall_without_an_error_estimate_is_detected_in_a_few_iterations():
    """User-supplied gradients are taken as exact (error estimate 0); these are off by 1e-7, with
    the sign of the true gradient, so |F_i| >= 1e-7 at every interior point: no point of the box
    meets the residual test 1e-10 (at s_i = 0, F_i > 0: the price exceeds every marginal cost), on
    any machine.  Newton gets to the noise level and cannot go further; the no-progress window
    (residual not down by 10% in 10 iterations) ends the run in a few iterations, not 200."""
    noise = 1e-7

    def noisy_gradient(i):
        exact = mss_gradient(i)

        def g(s):
            f = exact(s)
            return f + (noise if f >= 0 else -noise)  # deterministic: no rounding-sensitive noise
        return g

    game = mss_game(mss_writing_1, gradients=[noisy_gradient(i) for i in range(5)])
    out = newton_solve(game)
    assert out.termination.value == "stalled" and out.parameters["stop_reason"] == "no_progress"
    assert out.parameters["derivative_error"] == 0.0  # nothing told the method about the noise
    assert out.iterations < 30
    assert noise <= out.residual <= 2 * noise  # it got to the noise level before stopping
    np.testing.assert_allclose(out.profile, mss_kkt_solution(), atol=1e-5)


# --- other games from the literature ------------------------------------------------------------


def test_linear_cournot_duopoly_closed_form():
    """Cournot (1838); Mas-Colell, Whinston, Green (1995) Section 12.C: p = a - b Q, costs c_i q_i:
    q_i* = (a - 2 c_i + c_j) / (3 b).  Given with gradients and own Hessians."""
    a, b, c = 10.0, 1.0, np.array([1.0, 2.0])
    utilities = [(lambda i: lambda s: s[i] * (a - b * np.sum(s)) - c[i] * s[i])(i) for i in range(2)]
    gradients = [(lambda i: lambda s: a - b * np.sum(s) - b * s[i] - c[i])(i) for i in range(2)]
    hessians = [lambda s: -2.0 * b] * 2
    game = ContinuousGame.from_utilities(utilities, [(0.0, 10.0)] * 2, gradients=gradients, hessians=hessians,
                                         concave=True)
    result = solve_nash(game)
    expected = (a - 2.0 * c + c[::-1]) / (3.0 * b)
    assert result.status is Status.EQUILIBRIUM and result.stats.iterations <= 3
    np.testing.assert_allclose(result.profile, expected, atol=1e-12)


def test_bertrand_duopoly_with_differentiated_products_closed_form():
    """Singh and Vives (1984); Vives (1999) Section 6.1: demand q_i = A - B p_i + D p_j, unit cost
    C, profit (p_i - C) q_i: symmetric equilibrium p* = (A + B C) / (2 B - D)."""
    A, B, D, C = 10.0, 2.0, 1.0, 1.0
    utilities = [(lambda i: lambda s: (s[i] - C) * (A - B * s[i] + D * s[1 - i]))(i) for i in range(2)]
    game = ContinuousGame.from_utilities(utilities, [(0.0, 20.0)] * 2, concave=True)
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(result.profile, (A + B * C) / (2 * B - D), atol=1e-9)


def test_public_goods_only_the_keenest_contributes():
    """Bergstrom, Blume and Varian (1986), J. Public Econ. 29: u_i = a_i log(1 + G) - x_i with
    G = sum_j x_j: the only contributor is the agent with the largest a_i, and G = a_max - 1."""
    a = np.array([2.0, 3.0, 1.5])
    utilities = [(lambda i: lambda s: a[i] * np.log1p(np.sum(s)) - s[i])(i) for i in range(3)]
    game = ContinuousGame.from_utilities(utilities, [(0.0, 10.0)] * 3, concave=True)
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(result.profile, [0.0, a.max() - 1.0, 0.0], atol=1e-9)


# --- issue 7 item 3: what a certificate rests on ------------------------------------------------


def triangle(x: float, centre: float, width: float) -> float:
    return max(0.0, 1.0 - abs(x - centre) / (0.5 * width))


def bump_game(centre: float, width: float, **kwargs) -> ContinuousGame:
    """u_1 = -(s_1 - 0.3)^2 + 0.96 bump(s_1), u_2 = -(s_2 - 0.6)^2 on [0, 1]^2: without the bump
    (0.3, 0.6) is the equilibrium; with it player 1 gains about 0.8 by moving onto the bump."""
    return ContinuousGame.from_utilities([lambda s: -(s[0] - 0.3) ** 2 + 0.96 * triangle(s[0], centre, width),
                                          lambda s: -(s[1] - 0.6) ** 2], [(0.0, 1.0)] * 2, **kwargs)


POINT = np.array([0.3, 0.6])
BETWEEN_GRID_POINTS = 0.7 + 0.5 / 256  # midway between two of the 257 grid points


def test_narrow_bump_the_grid_misses_is_not_certified():
    """Width 1e-3 between grid points: the sampled search finds no gain, which is evidence, not a
    proof, so the certificate is not verified and the status is unverified (not equilibrium)."""
    game = bump_game(BETWEEN_GRID_POINTS, 1e-3)
    cert = nash_certificate(game, POINT)
    assert cert.basis is CertificateBasis.SAMPLING and cert.max_gain == 0.0
    assert not cert.verified and not cert.refuted
    assert nash_status(game, cert) is Status.UNVERIFIED
    result = solve_nash(game, start=POINT)
    assert result.status is Status.UNVERIFIED and not result.success  # the point is shown, labelled
    assert "sampling only" in nash_basis(result.certificate)[1]


def test_a_declared_lipschitz_constant_finds_the_bump():
    """With the bump's Lipschitz constant (about 1921) declared, the bisection search must sample the
    bump to bound the cells near it, and finds the gain."""
    game = bump_game(BETWEEN_GRID_POINTS, 1e-3, lipschitz=2000.0)
    cert = nash_certificate(game, POINT)
    assert cert.basis is CertificateBasis.LIPSCHITZ and cert.refuted and not cert.verified
    assert cert.found_gains[0] > 0.7
    assert solve_nash(game, start=POINT).status is Status.NO_EQUILIBRIUM_FOUND


def test_a_lipschitz_constant_makes_a_grid_bound_rigorous():
    """Without the bump, L = 2 bounds |du_i/ds_i| on [0, 1]: the refined grid proves the gain below
    1e-5 times player 1's utility scale (0.0225: u_1 = 0 at the point and at its best response, and
    varies by 0.0225 over s_1 +- |s_1|/2); at 1e-9 the evaluation budget does not suffice, and the
    status says unverified with the bound it reached (not no-equilibrium)."""
    game = bump_game(5.0, 1e-3, lipschitz=2.0)
    cert = nash_certificate(game, POINT, tol=1e-5)
    assert cert.scales[0] == pytest.approx(0.0225, rel=1e-9)
    assert cert.verified and cert.basis is CertificateBasis.LIPSCHITZ and cert.search == "lipschitz"
    tight = nash_certificate(game, POINT, tol=1e-9)
    assert not tight.verified and not tight.refuted and 0.0 < tight.max_gain < 1e-6
    assert nash_status(game, tight) is Status.UNVERIFIED


def test_a_lipschitz_constant_the_samples_contradict_is_not_relied_on():
    game = bump_game(5.0, 1e-3, lipschitz=0.1)  # |du/ds| reaches 1.4
    cert = nash_certificate(game, POINT)
    assert cert.counterexample is not None and cert.counterexample.claim == "lipschitz"
    x, v = cert.counterexample.x, cert.counterexample.values
    assert abs(v[1] - v[0]) > 0.1 * abs(x[1] - x[0])
    assert cert.basis is CertificateBasis.SAMPLING and not cert.verified
    assert "contradicted by samples" in nash_basis(cert)[1]


def test_falsely_declared_concavity_with_a_sampled_bump_is_not_certified():
    """Width 1e-4 at a grid point, concavity declared: the ladder alone never looks there (it
    certified this point before); the samples of the declaration check contradict concavity."""
    game = bump_game(0.75, 1e-4, concave=True)
    cert = nash_certificate(game, POINT)
    assert cert.concave_at_point  # the curvature at the point does not show it
    assert cert.counterexample is not None and cert.counterexample.claim == "concave"
    assert cert.basis is CertificateBasis.SAMPLING and not cert.verified and cert.refuted
    assert solve_nash(game, start=POINT).status is not Status.EQUILIBRIUM


def test_declared_concavity_is_named_as_taken_on_trust():
    """A bump no sample hits cannot be seen by any search on values: under the declaration the point
    is certified, and the result names the declaration as what it rests on."""
    game = bump_game(BETWEEN_GRID_POINTS, 1e-4, concave=True)
    result = solve_nash(game, start=POINT)
    assert result.status is Status.EQUILIBRIUM
    assert result.certificate.basis is CertificateBasis.DECLARED_CONCAVITY
    assert "taken on trust" in nash_basis(result.certificate)[1]


def test_bound_short_of_the_tolerance_is_unverified_not_no_equilibrium():
    """At tol 1e-16 the chord bound (~3e-11, rounding) cannot reach tol R + rounding (~1.3e-11):
    nothing refutes the point, so the status is unverified with the bound, never no-equilibrium."""
    game = mss_game(mss_writing_1)
    cert = nash_certificate(game, mss_kkt_solution(), tol=1e-16)
    assert not cert.verified and not cert.refuted
    assert nash_status(game, cert) is Status.UNVERIFIED
    assert solve_nash(game, tol=1e-16).status is Status.UNVERIFIED


def test_certificate_with_basis_round_trips_through_json():
    from mechopt.certificates.nash import NashCertificate

    cert = nash_certificate(bump_game(5.0, 1e-3, lipschitz=0.1), POINT)
    back = NashCertificate.from_json(cert.to_json())
    assert back.basis is cert.basis and back.counterexample.claim == "lipschitz"
    np.testing.assert_array_equal(back.counterexample.x, cert.counterexample.x)


@pytest.mark.parametrize(("kwargs", "match"), [({"lipschitz": -1.0}, "lipschitz"), ({"lipschitz": [1.0, np.inf]}, "lipschitz"),
                                               ({"lipschitz": [1.0, 2.0, 3.0]}, "lipschitz"),
                                               ({"hessians": [lambda s: 0.0]}, "hessians")])
def test_bad_declarations_are_rejected_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bump_game(5.0, 1e-3, **kwargs)


def test_built_in_families_are_concave_in_closed_form_and_callables_are_declared():
    """DataSharingGame with a power-law payoff and linear costs (001 (3)): closed-form basis; the
    same payoff through a user's CallableFunction declared concave: declared basis."""
    from mechopt import DataSharingGame, LinearIndexPayoff, PowerLaw, linear_cost
    from mechopt.data.functions import CallableFunction

    built_in = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, top=8.0), 2),
                               linear_cost([5.0, 4.0]), 2.0)
    user = DataSharingGame(LinearIndexPayoff.aggregate(CallableFunction(lambda x: 8.0 - 1.0 / x, concave=True), 2),
                           linear_cost([5.0, 4.0]), 2.0)
    assert built_in.concavity_proven and not user.concavity_proven
    ne = np.array([0.0, 0.5])  # 001 Example 1
    with np.errstate(divide="ignore"):
        assert nash_certificate(built_in, ne).basis is CertificateBasis.CLOSED_FORM_CONCAVITY
        cert = nash_certificate(user, ne)
    assert cert.verified and cert.basis is CertificateBasis.DECLARED_CONCAVITY


def test_a_singular_box_end_does_not_inflate_the_utility_scale():
    """001 Example 1 at (1e-18, 1.5): player 2 gains 2.67 by moving to 0.5.  Its box end x = 0 has
    u_2 = 8 - 1/1e-18 = -1e18; a scale taken as the largest spread over the ends (1e18) made the
    tolerance 1e9 and certified the point.  The utilities at the point and at the best response
    (1.33 and 4) do not."""
    game = ContinuousGame.from_utilities([lambda s: 8.0 - 1.0 / (s[0] + s[1]) - 5.0 * s[0],
                                          lambda s: 8.0 - 1.0 / (s[0] + s[1]) - 4.0 * s[1]],
                                         [(0.0, 2.0)] * 2, concave=True)
    with np.errstate(divide="ignore"):
        cert = nash_certificate(game, np.array([1e-18, 1.5]))
    assert np.max(cert.scales) < 10.0
    assert not cert.verified and cert.refuted and cert.found_gains[1] == pytest.approx(8.0 / 3.0, rel=1e-9)
