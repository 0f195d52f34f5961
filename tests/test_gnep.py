"""Generalized Nash equilibria (issue 22): vector strategies, shared constraints, the variational
equilibrium by semismooth Newton, its certificate, model files, forgeries and bad inputs.

Reference solutions:
- Facchinei and Kanzow (2007), "Generalized Nash equilibrium problems", 4OR 5, 173-210, the
  two-player example of Section 1 (also 2010, Ann. Oper. Res. 175, 177-211): player 1 minimizes
  (x1 - 1)^2, player 2 (x2 - 1/2)^2, s.t. x1 + x2 <= 1.  Every (a, 1 - a), a in [1/2, 1], is a
  GNE; the variational equilibrium is (3/4, 1/4) with multiplier 1/2 (closed form: equal
  multipliers give 2(1 - x1) = 2(1/2 - x2) = mu and x1 + x2 = 1).
- Harker (1991), "Generalized Nash games and quasi-variational inequalities", EJOR 54, 81-94,
  Section 5: player 1 minimizes x1^2 + 8/3 x1 x2 - 34 x1, player 2 x2^2 + 5/4 x1 x2 - 24.25 x2,
  x in [0, 10]^2, x1 + x2 <= 15; the variational equilibrium is (5, 9) (closed form: the
  unconstrained Nash equilibrium solves 2 x1 + 8/3 x2 = 34, 5/4 x1 + 2 x2 = 24.25 and satisfies
  x1 + x2 = 14 < 15, so mu = 0).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from mechopt import ContinuousGame, Status, solve_nash
from mechopt.certificates.gnep import GNEPBasis, certify_generalized_nash, gnep_certificate
from mechopt.core.verdict import Basis
from mechopt.games.base import CallableGame
from mechopt.games.data_sharing import DataSharingGame
from mechopt.games.generalized import CallableGeneralizedGame
from mechopt.games.gnep_families import QuadraticGame, VectorDataSharingGame
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.solvers.gnep import solve_gnep

MODELS = Path(__file__).resolve().parents[1] / "models"


def fk_quadratic(scale: float = 1.0) -> QuadraticGame:
    return QuadraticGame(Q=scale * np.array([np.diag([2.0, 0.0]), np.diag([0.0, 2.0])]),
                         c=scale * np.array([[-2.0, 0.0], [0.0, -1.0]]), bounds=[[(0.0, 2.0)], [(0.0, 2.0)]],
                         A=[[1.0, 1.0]], b=[1.0], d=scale * np.array([1.0, 0.25]))


def harker() -> QuadraticGame:
    return QuadraticGame(Q=[[[2.0, 8 / 3], [8 / 3, 0.0]], [[0.0, 5 / 4], [5 / 4, 2.0]]], c=[[-34.0, 0.0], [0.0, -24.25]],
                         bounds=[[(0.0, 10.0)], [(0.0, 10.0)]], A=[[1.0, 1.0]], b=[15.0])


# --- the classic games -----------------------------------------------------------------------------

@pytest.mark.parametrize("derivatives", [False, True])
def test_facchinei_kanzow_from_callables_is_the_variational_equilibrium(derivatives: bool) -> None:
    given = {"gradients": [lambda x: -2.0 * (x[0] - 1.0), lambda x: -2.0 * (x[1] - 0.5)],
             "constraint_gradients": [lambda x: [np.ones(1), np.ones(1)]]} if derivatives else {}
    game = ContinuousGame.from_utilities(
        [lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -(x[1][0] - 0.5) ** 2], [[(0.0, 2.0)], [(0.0, 2.0)]],
        concave=True, shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0], **given)
    assert isinstance(game, CallableGeneralizedGame)
    r = solve_nash(game)
    assert r.status is Status.EQUILIBRIUM and r.success
    assert r.verdict.basis is Basis.DECLARED_ASSUMPTION
    np.testing.assert_allclose(np.concatenate(r.profile), [0.75, 0.25], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [0.5], atol=1e-9)
    assert isinstance(r.profile, list) and r.profile[0].shape == (1,)


@pytest.mark.parametrize("method", ["newton", "pyomo-mip", "br"])
def test_facchinei_kanzow_every_method_gives_the_variational_equilibrium(method: str) -> None:
    r = solve_gnep(fk_quadratic(), method=method, max_iter=None if method != "br" else 40)
    assert r.status is Status.EQUILIBRIUM and r.verdict.basis is Basis.PROOF
    np.testing.assert_allclose(np.concatenate(r.profile), [0.75, 0.25], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [0.5], atol=1e-9)
    assert r.certificate.basis is GNEPBasis.CLOSED_FORM_CONCAVITY


def test_a_non_variational_generalized_equilibrium_is_not_certified_as_variational() -> None:
    """(1/2, 1/2) is a GNE of the Facchinei-Kanzow game (each player's best response to the other)
    but no common multiplier fits both players' KKT conditions: never certified."""
    game = fk_quadratic()
    honest = solve_gnep(game)
    for mu in (0.0, 0.5, 1.0):
        forged = dataclasses.replace(honest, profile=[np.array([0.5]), np.array([0.5])], multipliers=np.array([mu]),
                                     status=Status.EQUILIBRIUM)
        verdict = certify_generalized_nash(game, forged)
        assert not verdict.established and verdict.status is not Status.EQUILIBRIUM
        assert np.max(gnep_certificate(game, game.join(forged.profile), forged.multipliers).kkt_gaps) > 1e-3


@pytest.mark.parametrize("method", ["newton", "pyomo-mip"])
def test_harker(method: str) -> None:
    r = solve_gnep(harker(), method=method)
    assert r.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(np.concatenate(r.profile), [5.0, 9.0], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [0.0], atol=1e-9)


def nashopt_gne_3() -> QuadraticGame:
    """nashopt's examples/gne example_gne_3: two players of 10 coordinates in [-3, 3], costs
    sum((x1 + x2)^2) + |x|^2 and sum((x1 + x2 - 10)^2) + |x|^2, -15 <= sum(x) <= 15."""
    Q = np.kron(np.array([[4.0, 2.0], [2.0, 4.0]]), np.eye(10))
    return QuadraticGame(Q=[Q, Q], c=[np.zeros(20), np.full(20, -20.0)], bounds=[[(-3.0, 3.0)] * 10] * 2,
                         A=np.vstack([np.ones(20), -np.ones(20)]), b=[15.0, 15.0], d=[0.0, 1000.0])


def nashopt_vgne_1() -> QuadraticGame:
    """nashopt's examples/vgne example_vgne_1, seeded as there: three players of 2 coordinates in
    [-1, 1], costs x^T Q_i x / 2 + c_i^T x, A x <= b (6 rows) and sum(x) = 1 as two inequalities."""
    rng = np.random.RandomState(3)
    Q, c = [], []
    for _ in range(3):
        root = rng.randn(6, 6)
        Q.append(root @ root.T + 1e-3 * np.eye(6))
        c.append(10.0 * rng.randn(6))
    A, b = 0.5 * rng.randn(3, 6), rng.rand(6)
    return QuadraticGame(Q=Q, c=c, bounds=[[(-1.0, 1.0)] * 2] * 3, A=np.vstack([A, -A, np.ones(6), -np.ones(6)]),
                         b=np.concatenate([b, [1.0, -1.0]]))


def test_newton_alone_from_the_midpoint_solves_nashopts_gne_3_and_vgne_1() -> None:
    """From the box midpoint x = 0, where every utility's terms vanish, Newton alone converges and
    verifies (no fallback).  It once took its first units from the answer's scale there (1e-12 of
    the game's) and stalled.  example_gne_3 in closed form: player 1's stationarity gives
    x1 = -x2 / 2, player 2's x2 = (10 - x1) / 2 = 20/3 > 3, so x2 = 3 at its bound, x1 = -3/2,
    sum(x) = 15 with multipliers 0; the pseudo-Jacobian is symmetric positive definite, so this
    variational equilibrium is unique.  example_vgne_1 against the exact MCP solution of
    pyomo-mip (the equality's two multipliers compared by their difference)."""
    for game in (nashopt_gne_3(), nashopt_vgne_1()):
        r = solve_gnep(game)
        attempts = r.stats.parameters["attempts"]
        assert r.status is Status.EQUILIBRIUM and r.stats.method == "newton"
        assert len(attempts) == 1 and attempts[0]["termination"] == "converged" and attempts[0]["verified"]
    r = solve_gnep(nashopt_gne_3())
    np.testing.assert_allclose(np.concatenate(r.profile), [-1.5] * 10 + [3.0] * 10, atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [0.0, 0.0], atol=1e-9)
    r, exact = solve_gnep(nashopt_vgne_1()), solve_gnep(nashopt_vgne_1(), method="pyomo-mip")
    assert exact.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(np.concatenate(r.profile), np.concatenate(exact.profile), atol=1e-9)
    np.testing.assert_allclose(r.multipliers[:6], exact.multipliers[:6], atol=1e-7)
    assert r.multipliers[6] - r.multipliers[7] == pytest.approx(exact.multipliers[6] - exact.multipliers[7], abs=1e-6)


@pytest.mark.parametrize("scale", [1e-9, 1e-3, 1e3, 1e9])
def test_scaling_the_utilities_changes_no_answer_and_no_verdict(scale: float) -> None:
    r = solve_gnep(fk_quadratic(scale))
    assert r.status is Status.EQUILIBRIUM and r.success
    np.testing.assert_allclose(np.concatenate(r.profile), [0.75, 0.25], atol=1e-9)
    np.testing.assert_allclose(r.multipliers, [0.5 * scale], rtol=1e-8)


# --- vector data sharing -----------------------------------------------------------------------------

def _gnep_model(name: str) -> dict:
    return load_model_file(MODELS / name)


def test_vector_data_sharing_with_capacity_is_solved_certified_and_verified() -> None:
    raw = _gnep_model("gnep_data_sharing_capacity.toml")
    envelope = json.loads(json.dumps(answer_model(raw)))
    result = envelope["result"]
    assert result["status"] == "equilibrium"
    total = sum(map(sum, result["profile"]))
    assert total == pytest.approx(12.0, rel=1e-9)  # the capacity binds
    assert result["multipliers"][0] > 0
    verdict = verify_envelope(envelope)
    assert verdict.established and verdict.basis is Basis.PROOF


def test_one_type_with_capacity_is_todays_game_at_the_shadow_price() -> None:
    """Independent check of the variational equilibrium: with one data type and a binding
    capacity, (x, mu) is variational iff x is the Nash equilibrium of today's scalar game whose
    unit costs are raised by mu (each agent's KKT conditions with the common multiplier), and
    sum x = C.  Today's certified solver gives that equilibrium."""
    tau = np.array([10.0, 10.0, 10.0, 3.0, 10.0])
    coef, expo, slope = np.array([1.0, 0.8, 1.5, 1.2, 0.6]), np.array([0.5, 0.9, 0.4, 0.7, 1.0]), \
        np.array([0.02, 0.03, 0.05, 0.02, 0.04])
    col = lambda v: np.asarray(v, dtype=float)[:, None]  # noqa: E731
    game = VectorDataSharingGame(col(tau), col(coef), col(expo), col(np.ones(5)), col(slope), col(np.zeros(5)),
                                 col(np.zeros(5)), shift=1.0, capacity=5.0)
    r = solve_gnep(game)
    assert r.status is Status.EQUILIBRIUM
    x, mu = np.concatenate(r.profile), float(r.multipliers[0])
    assert x.sum() == pytest.approx(5.0, rel=1e-10) and mu > 0
    from mechopt.data.functions import PowerLaw, Quadratic
    from mechopt.data.payoffs import LinearIndexPayoff

    priced = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha=coef, beta=expo, shift=1.0, top=1.0), 5),
                             Quadratic(slope=slope + mu), tau)
    ref = solve_nash(priced)
    assert ref.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(x, ref.profile, atol=1e-8)


def test_scalar_special_case_equals_todays_answer() -> None:
    """One data type and no capacity: the generalized kind's answer is the nash kind's."""
    nash = load_model_file(MODELS / "nash_heterogeneous_power_law.toml")
    g = nash["game"]
    per_agent = lambda v: [[float(a)] for a in v]  # noqa: E731
    raw = {"kind": "generalized_nash", "game": {
        "family": "data_sharing", "n": g["n"], "types": 1, "tau": per_agent(g["tau"]),
        "payoff": {"coefficient": per_agent(g["payoff"]["coefficient"]), "exponent": per_agent(g["payoff"]["exponent"]),
                   "shift": g["payoff"]["shift"]},
        "cost": {"slope": per_agent(g["cost"]["slope"])}}}
    vector, scalar = solve_model(raw), solve_model(nash)
    assert vector.status is Status.EQUILIBRIUM and scalar.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(np.concatenate(vector.profile), scalar.profile, atol=1e-9)
    np.testing.assert_allclose(vector.utilities, scalar.utilities, rtol=1e-9)  # both solved to the 1e-9 gain tolerance
    assert vector.multipliers.shape == (0,)


def test_data_sharing_scale_invariance() -> None:
    raw = _gnep_model("gnep_data_sharing_capacity.toml")
    base = solve_model(copy.deepcopy(raw))
    for scale in (1e-9, 1e9):
        scaled = copy.deepcopy(raw)
        p = scaled["game"]["payoff"]
        p["coefficient"] = (np.asarray(p["coefficient"]) * scale).tolist()
        p["top"] = scale
        scaled["game"]["cost"]["slope"] = (np.asarray(scaled["game"]["cost"]["slope"]) * scale).tolist()
        r = solve_model(scaled)
        assert (r.status, r.success) == (base.status, base.success)
        np.testing.assert_allclose(np.concatenate(r.profile), np.concatenate(base.profile), atol=1e-8)
        np.testing.assert_allclose(r.multipliers, base.multipliers * scale, rtol=1e-6)


# --- forgeries ------------------------------------------------------------------------------------

def _honest(name: str) -> dict:
    return json.loads(json.dumps(answer_model(_gnep_model(name))))


@pytest.mark.parametrize("name", ["gnep_facchinei_kanzow.toml", "gnep_data_sharing_capacity.toml"])
def test_forged_generalized_results_are_rejected(name: str) -> None:
    honest = _honest(name)
    assert verify_envelope(honest).established

    def forged(edit) -> dict:  # type: ignore[no-untyped-def]
        env = copy.deepcopy(honest)
        edit(env["result"])
        return env

    edits = {
        "profile moved": lambda r: r["profile"][0].__setitem__(0, r["profile"][0][0] * 0.9),
        "multiplier doubled": lambda r: r["multipliers"].__setitem__(0, 2 * r["multipliers"][0] + 1e-3),
        "multiplier negative": lambda r: r["multipliers"].__setitem__(0, -1.0),
        "profile moved, its gains kept": lambda r: r["profile"][1].__setitem__(-1, r["profile"][1][-1] * 0.5),
        "gains raised": lambda r: r["certificate"].__setitem__("gains", [g + 0.01 for g in r["certificate"]["gains"]]),
        "kkt gaps raised": lambda r: r["certificate"].__setitem__("kkt_gaps", [g + 0.01 for g in r["certificate"]["kkt_gaps"]]),
        "claimed unverified": lambda r: r.__setitem__("status", "unverified"),
        "looser tolerance": lambda r: r["certificate"].__setitem__("tol", 1e-3),
        "basis claimed sampling": lambda r: r["certificate"].__setitem__("basis", "sampling"),
        "best response moved": lambda r: r["certificate"]["best_responses"][0].__setitem__(0, 0.0),
    }
    for label, edit in edits.items():
        try:
            verdict = verify_envelope(forged(edit))
        except ModelFileError:
            continue
        assert not verdict.established, label


def test_a_refuted_profile_claiming_equilibrium_is_rejected() -> None:
    honest = _honest("gnep_facchinei_kanzow.toml")
    env = copy.deepcopy(honest)
    env["result"]["profile"] = [[0.25], [0.25]]  # feasible, far from any equilibrium
    verdict = verify_envelope(env)
    assert not verdict.established and verdict.status is not Status.EQUILIBRIUM


def test_wrong_shapes_in_a_result_are_malformed_naming_the_field() -> None:
    honest = _honest("gnep_data_sharing_capacity.toml")
    env = copy.deepcopy(honest)
    env["result"]["profile"][1] = [1.0, 2.0, 3.0]
    with pytest.raises(ModelFileError, match=r"profile\[1\]"):
        verify_envelope(env)
    env = copy.deepcopy(honest)
    env["result"]["multipliers"] = [0.1, 0.2]
    with pytest.raises(ModelFileError, match="multipliers"):
        verify_envelope(env)


# --- bad inputs ------------------------------------------------------------------------------------

def test_scalar_bounds_without_shared_constraints_keep_todays_game() -> None:
    game = ContinuousGame.from_utilities([lambda s: -s[0] ** 2, lambda s: -s[1] ** 2], [(0.0, 1.0), (0.0, 1.0)])
    assert isinstance(game, CallableGame)


def test_bad_shapes_and_infeasible_shared_constraints_are_clear_errors() -> None:
    u = [lambda x: -float(np.sum(x[0] ** 2)), lambda x: -float(np.sum(x[1] ** 2))]
    with pytest.raises(ValueError, match=r"bounds\[1\]\[0\]"):
        ContinuousGame.from_utilities(u, [[(0.0, 1.0)], [(1.0, 0.0)]], shared_constraints=[])
    with pytest.raises(ValueError, match=r"bounds\[0\]"):
        ContinuousGame.from_utilities(u, [[(0.0, 1.0, 2.0)], [(0.0, 1.0)]], shared_constraints=[])
    with pytest.raises(ValueError, match="shared_constraints"):
        ContinuousGame.from_utilities(u, [[(0.0, 1.0), (0.0, 1.0)], [(0.0, 1.0)]],
                                      shared_constraints=[lambda x: float(np.sum(x[0]) + np.sum(x[1])) + 5.0])
    with pytest.raises(ValueError, match="hessians"):
        ContinuousGame.from_utilities(u, [[(0.0, 1.0)], [(0.0, 1.0)]], hessians=[lambda s: 0.0] * 2,
                                      shared_constraints=[])
    game = ContinuousGame.from_utilities(u, [[(0.0, 1.0), (0.0, 1.0)], [(0.0, 1.0)]], concave=True)
    with pytest.raises(ValueError, match=r"start\[0\]"):
        solve_nash(game, start=[np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match="pyomo-mip"):
        solve_nash(game, method="pyomo-mip")


def test_bad_model_files_name_the_field() -> None:
    raw = _gnep_model("gnep_facchinei_kanzow.toml")
    infeasible = copy.deepcopy(raw)
    infeasible["game"]["b"] = [-1.0]  # x1 + x2 <= -1 with x >= 0
    with pytest.raises(ModelFileError, match="shared_constraints"):
        solve_model(infeasible)
    bad_q = copy.deepcopy(raw)
    bad_q["game"]["Q"] = [[[2.0]], [[2.0]]]
    with pytest.raises(ModelFileError, match="Q"):
        solve_model(bad_q)
    data = _gnep_model("gnep_data_sharing_capacity.toml")
    bad_tau = copy.deepcopy(data)
    bad_tau["game"]["tau"] = [[1.0, 2.0, 3.0]]
    with pytest.raises(ModelFileError, match="tau"):
        solve_model(bad_tau)
    bad_capacity = copy.deepcopy(data)
    bad_capacity["game"]["capacity"] = 0.0
    with pytest.raises(ModelFileError, match="capacity"):
        solve_model(bad_capacity)


# --- what a callable game's verdict rests on ------------------------------------------------------

def _fk_callables(concave: bool, sign: float = -1.0) -> CallableGeneralizedGame:
    return ContinuousGame.from_utilities(
        [lambda x: sign * (x[0][0] - 1.0) ** 2, lambda x: -(x[1][0] - 0.5) ** 2], [[(0.0, 2.0)], [(0.0, 2.0)]],
        concave=concave, shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0])


def test_without_declared_concavity_the_answer_is_sampled_and_not_established() -> None:
    r = solve_nash(_fk_callables(concave=False))
    assert r.certificate.basis is GNEPBasis.SAMPLING and r.status is Status.UNVERIFIED and not r.success
    np.testing.assert_allclose(np.concatenate(r.profile), [0.75, 0.25], atol=1e-7)  # the point is still reported


def test_a_declared_concavity_the_utilities_contradict_is_assumption_violated() -> None:
    r = solve_nash(_fk_callables(concave=True, sign=1.0))  # u_1 = +(x1 - 1)^2 is convex in x1
    assert r.status is Status.ASSUMPTION_VIOLATED and r.certificate.concavity_contradicted


def test_jacobi_best_responses_reach_the_variational_equilibrium_with_newton_behind() -> None:
    r = solve_gnep(harker(), method="br", order="jacobi", max_iter=30)
    assert r.status is Status.EQUILIBRIUM
    np.testing.assert_allclose(np.concatenate(r.profile), [5.0, 9.0], atol=1e-9)


def test_player_one_alone_bearing_the_constraint_is_a_different_equilibrium() -> None:
    """Facchinei-Kanzow's game with x1 + x2 <= 1 as player 1's own constraint: player 2 plays its
    unconstrained optimum 1/2, player 1 its best response min(1, 1 - 1/2) = 1/2 with multiplier
    2 (1 - 1/2) = 1 (stationarity 2 (1 - x1) = lambda): (1/2, 1/2), not the variational (3/4, 1/4)."""
    game = ContinuousGame.from_utilities(
        [lambda x: 1.0 - (x[0][0] - 1.0) ** 2, lambda x: 1.0 - (x[1][0] - 0.5) ** 2],
        [[(0.0, 2.0)], [(0.0, 2.0)]], concave=True,
        gradients=[lambda x: np.array([-2.0 * (x[0][0] - 1.0)]), lambda x: np.array([-2.0 * (x[1][0] - 0.5)])],
        player_constraints=[[lambda x: x[0][0] + x[1][0] - 1.0], []],
        player_constraint_gradients=[[lambda x: [np.array([1.0]), np.array([1.0])]], []])
    r = solve_nash(game)
    assert r.status.value == "equilibrium"
    assert np.allclose(np.concatenate(r.profile), [0.5, 0.5], atol=1e-9)
    assert np.allclose(r.player_multipliers[0], [1.0], atol=1e-8) and r.player_multipliers[1].shape == (0,)
    forged = dataclasses.replace(r, player_multipliers=[np.array([0.0]), np.zeros(0)])
    assert not certify_generalized_nash(game, forged).established
    moved = dataclasses.replace(r, profile=[np.array([0.75]), np.array([0.25])])
    assert not certify_generalized_nash(game, moved).established  # the variational point is not a GNE here


def test_an_own_constraint_of_x_i_alone_matches_the_best_responses() -> None:
    """Player 1 maximizes -(y1 - 1)^2 - (y2 - 1)^2 on the unit disc: the projection (1, 1)/sqrt 2
    with multiplier sqrt 2 - 1 (2 (1 - 1/sqrt 2) = 2 lambda / sqrt 2); player 2 maximizes
    x2 y11 - x2^2, best response y11 / 2."""
    s = np.sqrt(0.5)
    game = ContinuousGame.from_utilities(
        [lambda x: 3.0 - (x[0][0] - 1.0) ** 2 - (x[0][1] - 1.0) ** 2, lambda x: x[1][0] * x[0][0] - x[1][0] ** 2],
        [[(0.0, 2.0), (0.0, 2.0)], [(0.0, 2.0)]], concave=True,
        gradients=[lambda x: -2.0 * (np.asarray(x[0]) - 1.0), lambda x: np.array([x[0][0] - 2.0 * x[1][0]])],
        player_constraints=[[lambda x: x[0][0] ** 2 + x[0][1] ** 2 - 1.0], []])
    r = solve_nash(game)
    assert r.status.value == "equilibrium"
    assert np.allclose(np.concatenate(r.profile), [s, s, s / 2], atol=1e-8)
    assert np.allclose(r.player_multipliers[0], [np.sqrt(2.0) - 1.0], atol=1e-6)
    assert np.all(r.certificate.found_gains <= r.certificate.gains + 1e-12)
    outside = dataclasses.replace(r, profile=[np.array([0.8, 0.8]), np.array([0.4])])
    assert not certify_generalized_nash(game, outside).established


def test_player_constraints_bad_input_names_the_field() -> None:
    u = [lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -(x[1][0] - 0.5) ** 2]
    for given, field in (([[lambda x: 1.0]], "player_constraints"), ([[3.0], []], r"player_constraints\[0\]\[0\]"),
                         ([[lambda x: x[0][0] + 5.0], []], r"player_constraints\[0\]")):
        with pytest.raises(ValueError, match=field):
            ContinuousGame.from_utilities(u, [[(0.0, 2.0)], [(0.0, 2.0)]], concave=True,
                                          player_constraints=given)


# --- best-response dynamics: each player's program built once --------------------------------------

def _fresh_reply(game: QuadraticGame | VectorDataSharingGame, x: np.ndarray, i: int) -> np.ndarray:
    """Player i's best response from a cvxpy program built for this x alone, x_-i baked in as
    constants (no Parameters), written from the game's formula: the reference the dynamics' built-once
    programs are compared to."""
    import cvxpy as cp

    from mechopt.solvers.gnep_br import CLARABEL_ACCURACY, response_scale

    b = game.block(i)
    y = cp.Variable(game.dims[i])
    if isinstance(game, QuadraticGame):
        rest = np.array(x)
        rest[b] = 0.0
        objective = -(0.5 * cp.quad_form(y, game.Q[i][b, b], assume_PSD=True) + (game.Q[i][b, :] @ rest + game.c[i][b]) @ y)
        constraints = [y >= game.lower[b], y <= game.upper[b], game.A[:, b] @ y + game.A @ rest <= game.b]
    else:
        X = x.reshape(-1, game.types)
        others = X.sum(axis=0) - X[i] + game.shift
        objective = sum(-game.coefficient[i, t] * cp.power(y[t] + others[t], -game.exponent[i, t], approx=False)
                        - game.slope[i, t] * y[t] - 0.5 * game.curvature[i, t] * cp.square(y[t])
                        for t in range(game.types))
        constraints = [y >= 0, y <= game.tau[i], cp.sum(y) + float(X.sum() - X[i].sum()) <= game.capacity]
    cp.Problem(cp.Maximize(objective / response_scale(game, x, i)), constraints).solve(solver=cp.CLARABEL,
                                                                                     **CLARABEL_ACCURACY)
    return np.clip(np.asarray(y.value, dtype=float).ravel(), game.lower[b], game.upper[b])


@pytest.mark.parametrize("name", ["fk", "data_sharing"])
def test_best_response_programs_built_once_give_the_fresh_programs_replies(name: str) -> None:
    """Gauss-Seidel rounds 1..6: player i's reply in round k, from (x^k_<i, x^(k-1)_>i), equals the
    reply of a program built afresh for that profile, to Clarabel's accuracy: the same value of
    the player's utility to 1e-9 of its response scale, and the same point to 1e-5 of the box (the
    best-response sets are flat along the shared constraint here, where an interior-point
    solution is resolved to about the square root of its gap tolerance)."""
    from mechopt.solvers.gnep_br import gnep_br_solve, response_scale

    game = fk_quadratic() if name == "fk" else build_data_sharing()
    w = game.upper - game.lower
    previous = 0.5 * (game.lower + game.upper)
    for k in range(1, 7):
        current = gnep_br_solve(game, max_iter=k, tol=0.0).x
        for i in range(game.n):
            b = game.block(i)
            at = np.concatenate([current[:b.start], previous[b.start:]])
            reference = _fresh_reply(game, at, i)
            np.testing.assert_allclose(current[b], reference, atol=1e-5 * float(np.max(w[b])))
            unit = response_scale(game, at, i)
            assert abs(game.gain(i, at, current[b]) - game.gain(i, at, reference)) <= 1e-9 * unit
        previous = current


def build_data_sharing() -> VectorDataSharingGame:
    from mechopt.io.schemas.gnep import GNEPModel, build_generalized_game

    return build_generalized_game(GNEPModel.model_validate(load_model_file(MODELS / "gnep_data_sharing_capacity.toml")).game)


def test_data_sharing_players_with_the_same_exponents_share_one_program() -> None:
    """One problem for every player of the capacity model (exponents per type), canonicalized once;
    each player's reply still its own (the replies' agreement with fresh programs is tested above)."""
    game = build_data_sharing()
    programs = [game.response_program(i) for i in range(game.n)]
    assert all(p.problem is programs[0].problem for p in programs)
    x = 0.5 * (game.lower + game.upper) * 0.4
    replies = [p.solve(x, 1.0) for p in programs]
    assert len({tuple(np.round(r, 6)) for r in replies}) == game.n
