"""Nash equilibria of many agents: the certificate's searches block by block, and the limit of a
model file.

At n = 10^6 the long ladder (up to 2 * 64 + 3 points per player) used to run on every player as
soon as one player's gain was left undecided by the short ladder, with n x m temporaries (1.9 GB
at n = 10^6; at 10^7 the run had not finished after 150 s).  Now players are searched in blocks, the long
ladder and the golden-section search run on the undecided players only, and every quantity
players share is taken over all of them first: a player's bound depends on its own row only.
These tests check that at sizes that run in seconds: the same numbers whatever the blocks, the
long ladder on a subset giving the bounds it gives on every player, bounds above the closed-form
best responses, memory linear in n.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from mechopt import DataSharingGame, LinearIndexPayoff, PowerLaw, linear_cost, nash_certificate, solve_nash
from mechopt.certificates import best_response, nash
from mechopt.certificates.best_response import (MIN_CHORD, _ladder, concave_upper_bound, global_best_responses,
                                                inner_rung, length_scale, long_rungs, rung_count)
from mechopt.core.status import Status
from mechopt.data.functions import CallableFunction, PACBound, Quadratic
from mechopt.data.payoffs import RandomCoverage
from mechopt.io.files import ModelFileError
from mechopt.io.registry import solve_model
from mechopt.io.schemas.game import MAX_AGENTS
from mechopt.solvers.nash import fallback_plan
from mechopt.solvers.newton import newton_solve

ALPHA, BETA, SHIFT, TAU = 1.0, 0.5, 1.0, 10.0


def power_law_game(n: int, seed: int = 0) -> tuple[DataSharingGame, np.ndarray]:
    """1 - (S + 1)^-1/2 of the total data S, cost slopes drawn in [0.01, 0.2], tau = 10: the
    instance of the scale measurements (docs/certificates.md)."""
    c = np.random.default_rng(seed).uniform(0.01, 0.2, n)
    return DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(ALPHA, BETA, shift=SHIFT), n), linear_cost(c), TAU), c


def closed_form_best_gain(c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """max_x u_i(x, s_-i) - u_i(s) for u_i = 1 - alpha (S + shift)^-beta - c_i s_i: the best
    response is x* = clip((alpha beta / c_i)^(1/(beta+1)) - shift - S_-i, 0, tau) (003 (12))."""
    others = s.sum() - s
    x = np.clip((ALPHA * BETA / c) ** (1.0 / (BETA + 1.0)) - SHIFT - others, 0.0, TAU)

    def u(own: np.ndarray) -> np.ndarray:
        return 1.0 - ALPHA * (others + own + SHIFT) ** -BETA - c * own

    return u(x) - u(s)


def equilibrium(c: np.ndarray) -> np.ndarray:
    """The closed-form equilibrium: in order of their standalone totals S_i = (alpha beta /
    c_i)^(1/(beta+1)) - shift, largest first, each agent raises the total towards its own S_i
    by at most tau, while the total is below it."""
    standalone = (ALPHA * BETA / c) ** (1.0 / (BETA + 1.0)) - SHIFT
    order = np.argsort(-standalone)
    s, total = np.zeros(c.size), 0.0
    for i in order:
        target = standalone[i]
        if target <= total:
            break
        s[i] = min(TAU, target - total)
        total += s[i]
    return s


@pytest.fixture
def spy_long_ladder(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of players each long ladder is built for."""
    rows: list[int] = []

    def spied(inner: np.ndarray, width: np.ndarray, count: int) -> np.ndarray:
        rows.append(inner.size)
        return long_rungs(inner, width, count)

    monkeypatch.setattr(best_response, "long_rungs", spied)
    return rows


def test_the_long_ladder_runs_on_the_undecided_players_only_in_memory_linear_in_n(spy_long_ladder):
    """At n = 2 * 10^5 a few players at 0 with costs within 1e-6 of the marginal agent's are left
    undecided by the short ladder; only they get the long ladder, and the peak memory is that of
    a few dozen vectors of n numbers (it was 235 of them: the long ladder on every player)."""
    n = 200_000
    game, c = power_law_game(n)
    s = newton_solve(game).profile
    tracemalloc.start()
    cert = nash_certificate(game, s)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert cert.verified and cert.search == "ladder"
    assert 0 < sum(spy_long_ladder) < 100
    assert peak < 48 * 8 * n
    # the bounds are above the gains of the closed-form best responses
    assert np.all(cert.gains >= closed_form_best_gain(c, s) - cert.rounding)


def test_a_long_ladder_on_a_subset_gives_the_bounds_it_gives_on_every_player(spy_long_ladder):
    """The chord bound of a player depends on its own points only: the long ladder at the profile
    run on every player (as before), and the bound taken on the players the short ladder left
    undecided, equals the certificate's bound there, where the ladder ran on those players alone.
    (Players it decided keep the short ladder's bound, within the tolerance.)"""
    game, _ = power_law_game(200_000)
    s = newton_solve(game).profile
    cert = nash_certificate(game, s)
    curvature, _ = nash.own_curvature(game, s)
    lo, hi = game.lower, game.upper
    ell = length_scale(lo, hi, s)
    current = game.deviation_utilities(s, s[:, None])[:, 0]
    rung = inner_rung(ell, s, curvature, current)
    short = _ladder(lo, hi, s, np.stack([4.0 * rung, rung], axis=1))
    upper = concave_upper_bound(short, game.deviation_utilities(s, short), MIN_CHORD * ell)
    undecided = upper - current > cert.tol * cert.scales
    assert 0 < undecided.sum() == sum(spy_long_ladder)
    every = _ladder(lo, hi, s, long_rungs(rung, hi - lo, rung_count(rung, hi - lo)))
    upper = np.minimum(upper, concave_upper_bound(every, game.deviation_utilities(s, every), MIN_CHORD * ell))
    np.testing.assert_array_equal(cert.gains[undecided], np.maximum(upper - current, 0.0)[undecided])
    assert np.all(cert.gains[~undecided] <= cert.tol * cert.scales[~undecided])


def _assert_same(a: best_response.BestResponses, b: best_response.BestResponses) -> None:
    for name in ("actions", "values", "current", "upper", "scales", "rounding"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.search, a.grid_points) == (b.search, b.grid_points)
    assert (a.counterexample is None) == (b.counterexample is None)
    if a.counterexample is not None:
        assert a.counterexample.player == b.counterexample.player
        np.testing.assert_array_equal(a.counterexample.x, b.counterexample.x)


def _profiles(game: DataSharingGame, seed: int) -> list[np.ndarray]:
    """An equilibrium, a perturbed one (long ladders and golden sections) and the box midpoint."""
    s = newton_solve(game).profile
    noise = np.random.default_rng(seed).normal(0.0, 0.05, game.n)
    return [s, np.clip(s + noise, game.lower, game.upper), 0.5 * (game.lower + game.upper)]


BLOCK_GAMES = {
    "power law": lambda: power_law_game(400, seed=1)[0],
    "per-agent power law": lambda: DataSharingGame(
        LinearIndexPayoff.aggregate(PowerLaw(np.linspace(0.5, 2.0, 200), np.linspace(0.3, 1.0, 200), shift=1.0), 200),
        Quadratic(slope=np.linspace(0.01, 0.1, 200), curvature=np.linspace(0.0, 0.01, 200)), np.linspace(1.0, 10.0, 200)),
    "random coverage": lambda: DataSharingGame(RandomCoverage(np.random.default_rng(2).uniform(0.0, 0.3, (60, 5))),
                                               linear_cost(np.linspace(0.001, 0.01, 60)), 20.0),
}


@pytest.mark.parametrize("name", sorted(BLOCK_GAMES))
@pytest.mark.parametrize("kwargs", [{}, {"check_concavity": True}, {"concave": False}],
                         ids=["ladders", "concavity checked", "grid"])
def test_blocks_of_any_size_give_the_same_numbers(monkeypatch, name, kwargs):
    """Players searched in blocks of 7 and in one block: every number of the search is the same,
    so no player's samples depend on the others searched with it."""
    game = BLOCK_GAMES[name]()
    for s in _profiles(game, 3):
        second = nash.own_curvature(game, s)[0]
        curvature = np.where(np.isfinite(second), second, 0.0)
        whole = global_best_responses(game, s, tol=1e-9, curvature=curvature, **kwargs)
        monkeypatch.setattr(best_response, "BLOCK_ROWS", 7)
        for threads in (1, 3):  # blocks searched one after another, and several at once
            monkeypatch.setattr(best_response, "BLOCK_THREADS", threads)
            np.testing.assert_array_equal(nash.own_curvature(game, s)[0], second)
            _assert_same(global_best_responses(game, s, tol=1e-9, curvature=curvature, **kwargs), whole)
        monkeypatch.undo()


def test_blocks_on_threads_come_in_order_under_the_callers_error_state(monkeypatch):
    """in_block_order yields work(b) in the blocks' order whatever finishes first, and each call
    sees the caller's numpy error state (an ignored 0 / 0 stays ignored on the threads)."""
    monkeypatch.setattr(best_response, "BLOCK_THREADS", 3)

    def work(b: int) -> tuple[int, str]:
        time.sleep(0.002 * (5 - b))  # the first blocks finish last
        return b, np.geterr()["invalid"]

    with np.errstate(invalid="ignore"):
        assert list(best_response.in_block_order(work, range(6))) == [(b, "ignore") for b in range(6)]


def test_a_contradicted_concavity_is_found_whatever_the_blocks(monkeypatch):
    """A PAC bound declared concave (it is not, near its floor): the largest contradiction over
    every player is reported, and every player is then searched on the grid, in blocks or not."""
    n = 40
    game = DataSharingGame(LinearIndexPayoff.aggregate(PACBound(a0=1.0, k=2.0), n), linear_cost(np.linspace(1e-3, 5e-3, n)),
                           np.linspace(200.0, 1000.0, n), concave=True)
    s = np.full(n, 1e-3)  # a total of 0.04, where the floor of the bound lies within every box
    whole = global_best_responses(game, s, tol=1e-9, concave=True, check_concavity=True)
    assert whole.counterexample is not None and whole.search == "grid+golden"
    monkeypatch.setattr(best_response, "BLOCK_ROWS", 3)
    _assert_same(global_best_responses(game, s, tol=1e-9, concave=True, check_concavity=True), whole)


def test_gain_bounds_hold_against_the_closed_form_best_responses():
    """Away from the equilibrium (every player undecided by the short ladder): the bounds are
    above the closed-form gains, and the gains found below them."""
    game, c = power_law_game(5_000, seed=4)
    s = np.clip(equilibrium(c) + np.random.default_rng(5).uniform(0.0, 0.01, c.size), 0.0, TAU)
    cert = nash_certificate(game, s)
    true = closed_form_best_gain(c, s)
    assert np.all(cert.gains >= true - cert.rounding)
    assert np.all(cert.found_gains <= true + cert.rounding)
    assert np.max(true) > 1e-6 and not cert.verified


def test_a_hundred_thousand_agents_solve_to_the_closed_form():
    """n = 10^5: the equilibrium is certified and is the closed form's (the agent with the
    largest standalone total at tau = 10, the next filling up to its own standalone total)."""
    game, c = power_law_game(100_000)
    result = solve_nash(game)
    assert result.status is Status.EQUILIBRIUM and result.verdict is not None and result.verdict.established
    np.testing.assert_allclose(result.profile, equilibrium(c), rtol=0.0, atol=1e-8)


def test_a_players_deviations_are_the_whole_evaluation_rows():
    """``deviations(s)(players)(x)`` of the built-in families equals the rows of the whole (n, m)
    evaluation, for a block and for a list of players; a user's function is evaluated whole."""
    rng = np.random.default_rng(6)
    n = 30
    payoffs = [LinearIndexPayoff.aggregate(PowerLaw(rng.uniform(0.5, 2, n), rng.uniform(0.3, 1, n), shift=1.0), n),
               LinearIndexPayoff.aggregate(PACBound(a0=rng.uniform(0.5, 1.0, n), k=2.0), n),
               LinearIndexPayoff.grouped(rng.integers(0, 3, n), rng.uniform(0, 1, (3, 3))),
               LinearIndexPayoff.linear(rng.uniform(0, 1, (n, n))), RandomCoverage(rng.uniform(0, 0.3, (n, 4)))]
    cost = Quadratic(slope=rng.uniform(0.01, 0.1, n), curvature=rng.uniform(0, 0.01, n), intercept=0.5)
    s, x = rng.uniform(0.0, 5.0, n), rng.uniform(0.0, 5.0, (n, 4))
    for payoff in payoffs:
        game = DataSharingGame(payoff, cost, 5.0)
        assert game.by_player
        whole = game.deviation_utilities(s, x)
        at = game.deviations(s)
        for players in (slice(3, 17), np.array([0, 5, 29])):
            np.testing.assert_allclose(at(players)(x[players]), whole[players], rtol=1e-15, atol=0.0)
    user = DataSharingGame(LinearIndexPayoff.aggregate(CallableFunction(lambda z: 1 - 1 / (1 + z), concave=True), n),
                           cost, 5.0)
    assert not user.by_player
    evaluate, alone = best_response.player_deviations(user, s)
    assert not alone
    np.testing.assert_array_equal(evaluate(np.array([2, 7]))(x[[2, 7]]), user.deviation_utilities(s, x)[[2, 7]])


def test_a_model_file_has_at_most_a_million_agents():
    """Above 10^6 agents the result file would exceed what ``mechopt verify`` reads (8 arrays of
    n numbers, about 190 MB at 10^6): refused naming game.n and the limit."""
    assert MAX_AGENTS == 10**6
    raw = {"kind": "nash", "game": {"n": MAX_AGENTS + 1, "tau": 10.0, "cost": {"slope": 0.05},
                                    "payoff": {"family": "power_law", "coefficient": 1.0, "exponent": 0.5, "shift": 1.0}}}
    with pytest.raises(ModelFileError, match=r"game\.n.*1000000"):
        solve_model(raw)


def test_fallback_attempts_take_the_time_left_as_their_limit():
    """Newton run as a fallback stops when the time budget is spent (``stalled``, stop reason
    ``time_limit``), as BR dynamics does: at n = 10^7 a near tie made Newton stall and each
    fallback Newton run for minutes, past the budget of max(5 s, 10 x the first attempt)."""
    game, _ = power_law_game(1_000)
    out = newton_solve(game, max_seconds=0.0)
    assert out.termination.value == "stalled" and out.parameters["stop_reason"] == "time_limit"
    assert out.iterations == 0
    for planned in fallback_plan(game, "br", None, residual_tol=1e-10):
        out = planned.run(0.0)
        assert out.iterations <= 1, planned.method
    assert newton_solve(game, max_seconds=60.0).termination.value == "converged"
