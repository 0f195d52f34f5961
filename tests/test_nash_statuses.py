"""Statuses that claim only what was shown (issue 7 item 4).

``no_equilibrium_found`` was reported, with a best-response cycle, for games that have an
equilibrium; a midpoint outside the utilities' domain stopped Newton at iteration 0; tiny starts
raised LinAlgError.  Now: methods start in (or move into) the domain and step back from NaN/inf;
before anything but an equilibrium is reported, further starts and methods are tried; games
declared concave in the own actions (an equilibrium exists: Rosen 1965, 001 Theorem 3.1) are
never reported as ``no_equilibrium_found``; a numerical failure is ``failed``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from mechopt.analyses.theorem41 import solve_mbeta
from mechopt.core.status import Status, Termination
from mechopt.data.functions import PowerLaw, Quadratic
from mechopt.data.utilities import CobbDouglas, QuasiLinear
from mechopt.games.base import ContinuousGame
from mechopt.io.registry import solve_model
from mechopt.mechanisms.mbeta import BudgetGame, MBeta, optimal_beta
from mechopt.solvers.newton import newton_solve
from mechopt.solvers.nash import solve_nash

MODELS = Path(__file__).resolve().parents[1] / "models"

# --- 001 Section 4: Cobb-Douglas utilities under M_beta*, equilibrium (2, 1, 1.5) --------------------

THETA = np.array([0.5, 0.6, 0.4])
COSTS = np.array([1.0, 2.0, 3.0])
BUDGETS = np.array([5.09247463, 10.19471207, 8.51952561])
EXPECTED = np.array([2.0, 1.0, 1.5])


def section4_game(tau: float) -> BudgetGame:
    beta = optimal_beta(COSTS).beta
    return BudgetGame(CobbDouglas(THETA), MBeta(Quadratic(slope=COSTS), beta, 3), BUDGETS, tau)


def _unspent(s: np.ndarray, beta: float) -> np.ndarray:
    """b_i = B_i - (1 - beta) c_i s_i - beta / (n - 1) sum_{j != i} c_j s_j (001 (5)), written out."""
    cost = COSTS * s
    return BUDGETS - (1 - beta) * cost - beta / 2 * (cost.sum() - cost)


def test_section4_point_is_an_equilibrium_independently():
    """(2, 1, 1.5) from the first-order conditions and a brute-force own-action search, written
    here without the game class: u_i = b_i^theta_i S^(1 - theta_i) is concave in s_i where
    b_i >= 0 (undefined below), and du_i/ds_i = u_i ((1 - theta_i)/S - theta_i (1 - beta) c_i / b_i)
    vanishes iff (1 - theta_i) b_i = theta_i (1 - beta) c_i S."""
    beta = optimal_beta(COSTS).beta
    b, S = _unspent(EXPECTED, beta), EXPECTED.sum()
    assert np.all(b > 0)
    np.testing.assert_allclose((1 - THETA) * b, THETA * (1 - beta) * COSTS * S, rtol=1e-8)
    grid = np.linspace(0.0, 30.0, 30001)  # steps of 1e-3 over the box [0, 30]
    for i in range(3):
        profiles = np.repeat(EXPECTED[None, :], grid.size, axis=0)
        profiles[:, i] = grid
        bi = np.array([_unspent(p, beta)[i] for p in profiles])
        with np.errstate(invalid="ignore"):
            u = np.where(bi >= 0, np.abs(bi) ** THETA[i] * profiles.sum(axis=1) ** (1 - THETA[i]), -np.inf)
        assert abs(grid[np.argmax(u)] - EXPECTED[i]) <= 1e-3


@pytest.mark.parametrize("tau", [3.0, 30.0])
def test_section4_equilibrium_is_found_whatever_the_box(tau):
    """With tau = 30 the box midpoint (15, 15, 15) leaves negative unspent budgets (utilities
    NaN): the start moves into the domain instead of Newton stopping at iteration 0."""
    game = section4_game(tau)
    assert not np.all(np.isfinite(game.utilities(np.full(3, tau / 2)))) or tau == 3.0
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM and result.certificate.verified
    np.testing.assert_allclose(result.profile, EXPECTED, atol=1e-6)


def test_theorem41_analysis_propagates_the_equilibrium_status():
    """001 Theorem 4.1's study at tau = 30: the NE is found and certified, so the study runs."""
    result = solve_mbeta(CobbDouglas(THETA), Quadratic(slope=COSTS), BUDGETS, np.full(3, 30.0), ps=(0.0,))
    assert result.status is Status.EQUILIBRIUM and result.equilibrium.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(result.equilibrium.profile, EXPECTED, atol=1e-6)
    assert result.stats.termination is result.equilibrium.stats.termination


# --- 001 Example 1 as a model file: the equilibrium (0, 1/2) exists for every tau >= 1/2 and top ----


@pytest.mark.parametrize("edit", [{"tau": 1e6}, {"top": 1e8}, {"tau": 1e6, "top": 1e8}])
def test_example1_model_file_is_never_no_equilibrium_found(edit):
    """a(S) = top - 1/S and costs 5 s1, 4 s2 give the NE (0, 1/2) (001 Example 1); tau only
    widens the box and top shifts every utility.  The game is concave in the own actions, so
    whatever the certificate can show at this scale, the answer is not "no equilibrium"."""
    raw = tomllib.loads((MODELS / "example1_nash.toml").read_text())
    raw["game"]["tau"] = edit.get("tau", raw["game"]["tau"])
    raw["game"]["payoff"]["top"] = edit.get("top", raw["game"]["payoff"]["top"])
    result = solve_model(raw)
    assert result.status in (Status.EQUILIBRIUM, Status.UNVERIFIED)
    np.testing.assert_allclose(result.certificate.point, [0.0, 0.5], atol=1e-7)
    if result.status is Status.UNVERIFIED:
        assert not result.success and result.cycle is None
        # several methods and starts were tried before saying so, each ending at (0, 1/2)
        assert result.stats.parameters["attempts_tried"] >= 4
        assert {a["method"] for a in result.stats.parameters["attempts"]} >= {"newton", "br"}


# --- games concave in the own actions, from start 0 --------------------------------------------------


def matching_pennies() -> ContinuousGame:
    """The mixed extension of matching pennies (p, q the probabilities of heads): u_1 = (2p - 1)(2q - 1),
    u_2 = -u_1, scaled: linear (so concave) in the own action, unique NE (1/2, 1/2); sequential best
    responses cycle through the corners."""
    return ContinuousGame.from_utilities(
        [lambda s: s[0] * (s[1] - 0.5), lambda s: -s[1] * (s[0] - 0.5)], [(0.0, 1.0)] * 2,
        gradients=[lambda s: s[1] - 0.5, lambda s: 0.5 - s[0]], concave=True)


def cyclic_game(k: float = 50.0) -> ContinuousGame:
    """Three players in a ring of matching-pennies type, u_i = s_i h(s_{i-1}) - s_i^2 / 20 (player 2
    with -h), h(x) = tanh(k (x - 1/2)): strictly concave in the own action, so an NE exists
    (Rosen 1965); sequential best responses cycle near the corners."""
    h = lambda x: np.tanh(k * (x - 0.5))  # noqa: E731
    return ContinuousGame.from_utilities(
        [lambda s: s[0] * h(s[2]) - 0.05 * s[0] ** 2, lambda s: -s[1] * h(s[0]) - 0.05 * s[1] ** 2,
         lambda s: s[2] * h(s[1]) - 0.05 * s[2] ** 2], [(0.0, 1.0)] * 3, concave=True)


def test_matching_pennies_from_zero_finds_the_equilibrium():
    """From (0, 0) BR dynamics circles around (1/2, 1/2) (and sequential best responses cycle
    through the corners); Newton, tried next, finds it, and the stats say so."""
    method = "br"
    result = solve_nash(matching_pennies(), method=method, start=np.zeros(2), max_iter=2_000)
    assert result.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(result.profile, [0.5, 0.5], atol=1e-9)
    attempts = result.stats.parameters["attempts"]
    assert attempts[0]["method"] == method and attempts[0]["start"] == "given" and not attempts[0]["verified"]
    assert attempts[-1]["verified"] and result.stats.parameters["attempts_tried"] == len(attempts) >= 2
    assert (result.stats.method, result.stats.parameters["start"]) == (attempts[-1]["method"], attempts[-1]["start"])


def test_cyclic_concave_game_from_zero_finds_an_equilibrium():
    result = solve_nash(cyclic_game(), start=np.zeros(3))
    assert result.status is Status.EQUILIBRIUM and result.certificate.verified
    assert result.cycle is None


def test_concave_game_whose_equilibrium_is_not_certified_is_unverified():
    """u_1 = s_1 tanh(5 (s_2 - 0.3)), u_2 = -s_2 tanh(5 (s_1 - 0.3)): linear in the own actions, NE
    (0.3, 0.3) where both utilities are flat.  Whatever the methods reach, a declared-concave game
    is never reported as having no equilibrium found."""
    h = lambda x: np.tanh(5.0 * (x - 0.3))  # noqa: E731
    game = ContinuousGame.from_utilities([lambda s: s[0] * h(s[1]), lambda s: -s[1] * h(s[0])], [(0.0, 1.0)] * 2,
                                         concave=True)
    result = solve_nash(game, start=np.zeros(2))
    assert result.status in (Status.EQUILIBRIUM, Status.UNVERIFIED)


# --- budget games from any start: no LinAlgError --------------------------------------------------


def _tiny_start_games() -> list[tuple[BudgetGame, np.ndarray]]:
    """Starts of 1e-320 .. 1e-100 (total data S so small that a''(S) or u_bb overflows while F is
    finite); the first two raised LinAlgError ("SVD did not converge") in the min-map step."""
    cases = [
        (BudgetGame(CobbDouglas(np.array([0.3, 0.7])), MBeta(Quadratic(slope=[1.8239147128253865, 2.212550995402527],
                                                                      curvature=0.5), 0.4518593355339374, 2),
                    np.array([4.283715023805254, 1.7518367889066861]), 10.0),
         np.array([5.703306e-176, 4.498653641242154e-163])),
        (BudgetGame(QuasiLinear(PowerLaw(alpha=np.array([1.0, 1.5, 0.7]), beta=np.array([0.5, 0.8, 0.4]))),
                    MBeta(Quadratic(slope=[3.180276826424747, 1.3316574317964376, 1.127921363426049]),
                          0.4326011675384558, 3), np.array([7.35, 5.06, 8.21]), 10.0),
         np.array([2.8078518004534104e-137, 1.303568455015198e-152, 3.1098872363837077e-267])),
    ]
    rng = np.random.default_rng(7)
    for k in range(16):
        n = int(rng.integers(2, 5))
        c = rng.uniform(0.1, 5.0, n)
        utility = (QuasiLinear(PowerLaw(alpha=rng.uniform(0.5, 2.0, n), beta=rng.uniform(0.3, 1.0, n)))
                   if k % 2 else CobbDouglas(rng.uniform(0.05, 0.95, n)))
        mech = MBeta(Quadratic(slope=c, curvature=float(rng.choice([0.0, 0.5]))), optimal_beta(c).beta, n)
        start = 10.0 ** rng.uniform(-320, -100, n) * (rng.random(n) < 0.7)
        cases.append((BudgetGame(utility, mech, rng.uniform(1.0, 10.0, n), float(rng.choice([1.0, 10.0, 30.0]))), start))
    return cases


def test_budget_games_from_tiny_starts_never_raise():
    for game, start in _tiny_start_games():
        with np.errstate(all="ignore"):
            newton_solve(game, start=start)  # the method alone
            result = solve_nash(game, start=start)
        assert result.status in (Status.EQUILIBRIUM, Status.UNVERIFIED, Status.FAILED)
        assert result.profile.shape == (game.n,)  # the best point found, whatever the status
        assert result.success == (result.status is Status.EQUILIBRIUM)


def test_budget_games_from_random_starts_never_raise():
    rng = np.random.default_rng(11)
    game = section4_game(30.0)
    for _ in range(20):
        start = rng.uniform(0.0, 30.0, 3) * rng.choice([1.0, 1e-3, 1e-200, 0.0], 3)
        with np.errstate(all="ignore"):
            result = solve_nash(game, start=start)
        assert result.status is Status.EQUILIBRIUM
        np.testing.assert_allclose(result.profile, EXPECTED, atol=1e-6)


# --- numerical failure ---------------------------------------------------------------------------


def test_utilities_undefined_everywhere_give_failed():
    """Negative budgets: every unspent budget is negative, so b^theta is NaN at every profile.
    Nothing can be computed; the answer says the method failed and claims nothing (before: the
    NaN curvature was reported as a violated concavity assumption)."""
    game = BudgetGame(CobbDouglas(THETA), MBeta(Quadratic(slope=COSTS), optimal_beta(COSTS).beta, 3),
                      -BUDGETS, 30.0)
    for method in ("newton", "br"):
        with np.errstate(all="ignore"):
            result = solve_nash(game, method=method)
        assert result.status is Status.FAILED and not result.success and not np.any(np.isfinite(result.utilities))
        assert result.stats.termination is Termination.NUMERICAL_ERROR
        assert all(a["termination"] == "numerical_error" for a in result.stats.parameters["attempts"])
    with np.errstate(all="ignore"):
        study = solve_mbeta(CobbDouglas(THETA), Quadratic(slope=COSTS), -BUDGETS, np.full(3, 30.0))
    assert study.status is Status.FAILED and study.equilibrium.status is Status.FAILED


def test_callable_game_with_nan_utilities_gives_failed():
    game = ContinuousGame.from_utilities([lambda s: np.log(s[0] - 2.0), lambda s: np.log(s[1] - 2.0)],
                                         [(0.0, 1.0)] * 2, concave=True)
    with np.errstate(all="ignore"):
        result = solve_nash(game)
    assert result.status is Status.FAILED and not result.success


# --- the common case stays one attempt ------------------------------------------------------------


def test_first_attempt_that_verifies_is_returned_at_once():
    result = solve_nash(section4_game(3.0))
    assert result.status is Status.EQUILIBRIUM and result.stats.method == "newton"
    assert result.stats.parameters["attempts_tried"] == 1 and result.stats.parameters["start"] == "midpoint"


# --- welfare (19): answers that match an independent solve are certified (issue 7 item 5) -----------

WELFARE_ONCE_UNVERIFIED = [
    # random instances (2-5 agents; quasi-linear 1 - alpha (S + 1)^-beta or Cobb-Douglas) whose
    # solver point matched an independent solve but stayed `unverified`: the max-min objective was
    # not polished at all, and one polish step driving an entry below zero stopped the finite-p one
    (QuasiLinear(PowerLaw(alpha=[1.2589589510977754, 1.723265609988517, 0.8256007716081892, 0.6126990423091754],
                          beta=[0.6857314970553132, 0.4342720036946782, 0.3471966043389887, 0.8412852186288877], shift=1.0)),
     [2.481557157625975, 1.2551730981848825, 0.9528214444880247, 0.9036505793671775], 0.0,
     [4.887771406626807, 6.615261144930097, 6.222560624899819, 4.8427934493815705], 0.4780657344286361, -np.inf),
    (QuasiLinear(PowerLaw(alpha=[1.32563281326363, 1.5606205577035264], beta=[0.7502613968119001, 0.3232373093282814],
                          shift=1.0)),
     [2.825026797789546, 1.4297076706850493], 0.0, [7.633767731226203, 6.789295059423133], 0.08211462398739316, -np.inf),
    (QuasiLinear(PowerLaw(alpha=[1.3365240186579075, 1.1355203917389796, 0.8061483962547991],
                          beta=[0.5118809970744594, 0.6228759035281684, 0.8592595609329092], shift=1.0)),
     [2.0021945318002246, 0.2186260394476916, 1.496405088592945], 0.0,
     [3.487977126895263, 8.838662941714182, 9.079233870138797], 0.3697764740754273, -np.inf),
    (QuasiLinear(PowerLaw(alpha=[0.9420397731186305, 1.2146084368829393, 0.8763565686754511],
                          beta=[0.9529732906009074, 0.524986466533552, 0.6926721966383296], shift=1.0)),
     [2.9216674194672683, 2.0455888801552846, 1.2187167051101444], 0.1,
     [8.024354904712599, 3.548344994389848, 2.8318179333024327], 0.02585273308498404, -np.inf),
    (QuasiLinear(PowerLaw(alpha=[1.705298497918339, 1.0091200028260114], beta=[0.6976903651251953, 0.7414588487321867],
                          shift=1.0)),
     [1.7486130337665071, 1.4478440130223778], 0.0, [2.1454622279380215, 3.781952145083764], 0.3644168351027136, -np.inf),
    (CobbDouglas([0.3262294142552087, 0.34965487964645214, 0.5295824235564557, 0.3361129421065969]),
     [2.1596590049913726, 2.232429368066011, 0.3585147808638771, 1.9232982800709684], 0.1,
     [7.498209372272258, 7.28522606942512, 8.35185307160426, 7.468399051108729], 0.11973904168813088, -1.0),
]


def _scipy_welfare(program) -> float:
    """Max of W_p by SLSQP, independent of cvxpy; for p = -inf in epigraph form (max t, u_i >= t)."""
    from scipy.optimize import minimize

    n = program.n
    budget = {"type": "ineq", "fun": lambda z: -program.budget_slack(z[:n], z[n:2 * n])}
    x0 = np.concatenate([program.budgets / 2, np.full(n, 0.5)])
    if program.p == -np.inf:
        pieces = {"type": "ineq", "fun": lambda z: program.utilities(z[:n], z[n:2 * n]) - z[-1]}
        z0 = np.append(x0, np.min(program.utilities(x0[:n], x0[n:])) - 1.0)
        res = minimize(lambda z: -z[-1], z0, method="SLSQP", bounds=[(0.0, None)] * (2 * n) + [(None, None)],
                       constraints=[budget, pieces], options={"ftol": 1e-14, "maxiter": 2000})
        return float(np.min(program.utilities(res.x[:n], res.x[n:2 * n])))
    res = minimize(lambda z: -program.welfare(z[:n], z[n:]), x0, method="SLSQP", bounds=[(1e-12, None)] * (2 * n),
                   constraints=[budget], options={"ftol": 1e-14, "maxiter": 2000})
    return float(-res.fun)


@pytest.mark.parametrize("case", range(len(WELFARE_ONCE_UNVERIFIED)))
def test_welfare_optimum_matching_an_independent_solve_is_certified(case):
    from mechopt.data.functions import Quadratic as Cost
    from mechopt.programs import WelfareProgram
    from mechopt.solvers.welfare import solve_welfare

    utility, slopes, intercept, budgets, beta, p = WELFARE_ONCE_UNVERIFIED[case]
    program = WelfareProgram(utility, Cost(slope=slopes, intercept=intercept), np.array(budgets), beta, p)
    result = solve_welfare(program)
    assert result.status is Status.OPTIMAL and result.certificate.verified
    reference = _scipy_welfare(program)
    assert result.welfare == pytest.approx(reference, rel=1e-6)
    assert reference <= result.welfare + result.certificate.gap_bound + 1e-9
    if p == -np.inf:  # the polished max-min point equalizes the pieces its weights hold
        u = result.utilities
        held = result.certificate.multipliers["pieces"] > 1e-6
        np.testing.assert_allclose(u[held], result.welfare, rtol=1e-10)


# --- issue 18: a nonsmooth concave game is not "no equilibrium" ------------------------------------


def kinked_game(**declared) -> ContinuousGame:
    """u_i = -|s_i - (0.3 + 0.2 s_j)| - 0.05 s_i^2: concave, kinked at the best response, unique NE
    s = 0.3 + 0.2 s = 0.375 for both players (a contraction: the best response is the kink)."""
    def u(i: int):
        return lambda s: -abs(s[i] - (0.3 + 0.2 * s[1 - i])) - 0.05 * s[i] ** 2

    return ContinuousGame.from_utilities([u(0), u(1)], [(0.0, 1.0)] * 2, **declared)


@pytest.mark.parametrize("declared", [{"lipschitz": 2.0}, {"concave": True}])
def test_kinked_concave_game_is_certified_not_no_equilibrium(declared):
    """Newton with difference derivatives stops about 1e-5 from the kink; sequential best responses
    from there converge geometrically (gains shrinking by 5 per round), which used to be taken for
    a cycle after rounding to 7 decimals, and the answer was no_equilibrium_found."""
    result = solve_nash(kinked_game(**declared))
    assert result.status is Status.EQUILIBRIUM and result.success and result.cycle is None
    np.testing.assert_allclose(result.profile, [0.375, 0.375], atol=1e-8)
