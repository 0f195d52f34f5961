"""Generalized games, the leftovers of issue 22: best-response dynamics with a player's own
constraints, Newton's units at wide and translated boxes, per-player linear constraints of
quadratic games and of model files.

Reference solutions (closed forms):
- Facchinei and Kanzow (2007), 4OR 5, Section 1, with x1 + x2 <= 1 binding player 1 alone:
  player 2 plays its optimum 1/2, player 1 its best response min(1, 1 - 1/2) = 1/2 with
  multiplier 2 (1 - 1/2) = 1 (stationarity 2 (1 - x1) = lambda): (1/2, 1/2), lambda = 1.
- Player 1 maximizes 3 - (y1 - 1)^2 - (y2 - 1)^2 on the unit disc: the projection (1, 1)/sqrt 2
  with multiplier sqrt 2 - 1 (2 (1 - 1/sqrt 2) = 2 lambda / sqrt 2); player 2 maximizes
  x2 y11 - x2^2, best response y11 / 2.
- The variational equilibria of Facchinei-Kanzow's shared game, (3/4, 1/4) with mu = 1/2, and of
  Harker (1991, EJOR 54, Section 5), (5, 9) with mu = 0, in a box [o, o + w W] (w the original
  width) with the game translated by o: (o + 3/4, o + 1/4) and (o + 5, o + 9), the multipliers
  unchanged (times the money unit s).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from field_walk import walk
from mechopt import ContinuousGame, Status
from mechopt.certificates.gnep import certify_generalized_nash
from mechopt.cli import app
from mechopt.games.gnep_families import QuadraticGame
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.solvers.gnep import solve_gnep
from mechopt.solvers.gnep_br import gnep_br_solve

MODELS = Path(__file__).resolve().parents[1] / "models"
PLAYER_MODEL = MODELS / "gnep_facchinei_kanzow_player.toml"
DISC = np.sqrt(0.5)


def fk_player_callables() -> ContinuousGame:
    """Facchinei-Kanzow with x1 + x2 <= 1 player 1's own constraint, as callables (SLSQP responses)."""
    return ContinuousGame.from_utilities(
        [lambda x: 1.0 - (x[0][0] - 1.0) ** 2, lambda x: 1.0 - (x[1][0] - 0.5) ** 2],
        [[(0.0, 2.0)], [(0.0, 2.0)]], concave=True,
        gradients=[lambda x: np.array([-2.0 * (x[0][0] - 1.0)]), lambda x: np.array([-2.0 * (x[1][0] - 0.5)])],
        player_constraints=[[lambda x: x[0][0] + x[1][0] - 1.0], []],
        player_constraint_gradients=[[lambda x: [np.array([1.0]), np.array([1.0])]], []])


def fk_player_quadratic(**changes: object) -> QuadraticGame:
    """The same game as a quadratic family (cvxpy responses, closed-form concavity)."""
    given: dict = {"Q": np.array([np.diag([2.0, 0.0]), np.diag([0.0, 2.0])]), "c": [[-2.0, 0.0], [0.0, -1.0]],
                   "bounds": [[(0.0, 2.0)], [(0.0, 2.0)]], "d": [1.0, 0.25], "player_A": [[[1.0, 1.0]], []],
                   "player_b": [[1.0], []]}
    return QuadraticGame(**(given | changes))


def disc_game() -> ContinuousGame:
    return ContinuousGame.from_utilities(
        [lambda x: 3.0 - (x[0][0] - 1.0) ** 2 - (x[0][1] - 1.0) ** 2, lambda x: x[1][0] * x[0][0] - x[1][0] ** 2],
        [[(0.0, 2.0), (0.0, 2.0)], [(0.0, 2.0)]], concave=True,
        gradients=[lambda x: -2.0 * (np.asarray(x[0]) - 1.0), lambda x: np.array([x[0][0] - 2.0 * x[1][0]])],
        player_constraints=[[lambda x: x[0][0] ** 2 + x[0][1] ** 2 - 1.0], []])


# --- best-response dynamics with a player's own constraints ----------------------------------------

CASES = {  # the game, its closed-form profile and player 1's multiplier, how best responses are found
    "fk callables": (fk_player_callables, [0.5, 0.5], 1.0, "slsqp"),
    "fk quadratic": (fk_player_quadratic, [0.5, 0.5], 1.0, "convex_program"),
    "own disc": (disc_game, [DISC, DISC, DISC / 2], np.sqrt(2.0) - 1.0, "slsqp"),
}


@pytest.mark.parametrize("order", ["gauss-seidel", "jacobi"])
@pytest.mark.parametrize("case", list(CASES))
def test_best_response_dynamics_reach_the_closed_form_with_a_players_own_constraint(case: str, order: str) -> None:
    """Once stopped at x1 ~ 0: the SLSQP response's objective was divided by a utility variation
    that vanishes at x1 = 0 (u1(0) = u1(2) there), so the response never left its start."""
    make, profile, lam, search = CASES[case]
    game = make()
    outcome = gnep_br_solve(game, order=order, max_iter=50)
    np.testing.assert_allclose(outcome.x, profile, atol=1e-8)
    np.testing.assert_allclose(outcome.lam, [lam], atol=1e-6)
    r = solve_gnep(game, method="br", order=order, max_iter=50)
    assert r.status is Status.EQUILIBRIUM and r.stats.method == "br"  # the dynamics' own point verified
    np.testing.assert_allclose(np.concatenate(r.profile), profile, atol=1e-8)
    np.testing.assert_allclose(r.player_multipliers[0], [lam], atol=1e-6)
    assert r.player_multipliers[1].shape == (0,) and r.certificate.search == search


# --- Newton's units: wide boxes, translated boxes, money -------------------------------------------

def fk_box(width: float = 1.0, offset: float = 0.0, money: float = 1.0) -> QuadraticGame:
    o, s = offset, money
    return QuadraticGame(Q=s * np.array([np.diag([2.0, 0.0]), np.diag([0.0, 2.0])]),
                         c=s * np.array([[-2.0 * (o + 1.0), 0.0], [0.0, -2.0 * (o + 0.5)]]),
                         bounds=[[(o, o + 2.0 * width)], [(o, o + 2.0 * width)]], A=[[1.0, 1.0]], b=[2.0 * o + 1.0],
                         d=s * np.array([(o + 1.0) ** 2, (o + 0.5) ** 2]))


def harker_box(width: float = 1.0, offset: float = 0.0, money: float = 1.0) -> QuadraticGame:
    Q = np.array([[[2.0, 8 / 3], [8 / 3, 0.0]], [[0.0, 5 / 4], [5 / 4, 2.0]]])
    c = np.array([[-34.0, 0.0], [0.0, -24.25]]) - np.einsum("ijk,k->ij", Q, np.full(2, offset))
    return QuadraticGame(Q=money * Q, c=money * c, bounds=[[(offset, offset + 10.0 * width)]] * 2, A=[[1.0, 1.0]],
                         b=[15.0 + 2.0 * offset])


@pytest.mark.parametrize("money", [1e-9, 1.0, 1e9])
@pytest.mark.parametrize("width, offset", [(1.0, 0.0), (1e3, 0.0), (1e6, 0.0), (1e9, 0.0), (1.0, 1e3), (1.0, 1e6),
                                           (1e9, 1e6)])
@pytest.mark.parametrize("game, profile, mu", [(fk_box, [0.75, 0.25], 0.5), (harker_box, [5.0, 9.0], 0.0)])
def test_newton_answer_and_verdict_do_not_depend_on_the_box_or_the_money(game, profile: list[float], mu: float,
                                                                          width: float, offset: float,
                                                                          money: float) -> None:
    """Newton alone (no fallback) returns the established closed form.  Once it stopped 3e-6 off at
    a box 1e9 wide: its units came from the box.  The profile is compared to 1e-12 plus 4e-15 of
    the offset (a coordinate near 1e6 is resolved to 1e-10 by double precision, and Harker's
    gradient, whose terms there are 3e6, to about 6e-10, which moves the point by as much)."""
    r = solve_gnep(game(width, offset, money))
    assert r.status is Status.EQUILIBRIUM and r.stats.method == "newton"
    x = np.concatenate(r.profile)
    np.testing.assert_allclose(x - offset, profile, atol=1e-12 + 4e-15 * offset)
    np.testing.assert_allclose(r.multipliers, [mu * money], atol=1e-9 * money)


@pytest.mark.parametrize("money", [1e-9, 1.0, 1e9])
@pytest.mark.parametrize("width", [1.0, 1e3, 1e9])
def test_vector_data_sharing_answer_and_verdict_do_not_depend_on_the_box_or_the_money(width: float,
                                                                                      money: float) -> None:
    """The capacity model with every bound tau multiplied by ``width`` (no bound binds at its
    equilibrium, so the answer stays) and every money quantity by ``money``."""
    raw = load_model_file(MODELS / "gnep_data_sharing_capacity.toml")
    base = solve_model(copy.deepcopy(raw))
    g = raw["game"]
    g["tau"] = (np.asarray(g["tau"]) * width).tolist()
    g["payoff"]["coefficient"] = (np.asarray(g["payoff"]["coefficient"]) * money).tolist()
    g["payoff"]["top"] = money
    g["cost"]["slope"] = (np.asarray(g["cost"]["slope"]) * money).tolist()
    r = solve_model(raw)
    assert r.status is Status.EQUILIBRIUM and r.stats.method == "newton"
    np.testing.assert_allclose(np.concatenate(r.profile), np.concatenate(base.profile), atol=1e-9)
    np.testing.assert_allclose(r.multipliers, base.multipliers * money, rtol=1e-7)


# --- per-player linear constraints of quadratic games and model files ------------------------------

@pytest.mark.parametrize("method", ["newton", "pyomo-mip", "br"])
def test_quadratic_player_constraints_give_the_closed_form_by_every_method(method: str) -> None:
    game = fk_player_quadratic()
    r = solve_gnep(game, method=method)
    assert r.status is Status.EQUILIBRIUM and r.stats.method == method and r.certificate.search == "convex_program"
    np.testing.assert_allclose(np.concatenate(r.profile), [0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(r.player_multipliers[0], [1.0], atol=1e-8)
    assert r.multipliers.shape == (0,) and r.player_multipliers[1].shape == (0,)
    for lam in (0.0, 0.5, 2.0):  # the only multiplier making player 1's KKT conditions hold is 1
        forged = dataclasses.replace(r, player_multipliers=[np.array([lam]), np.zeros(0)])
        assert not certify_generalized_nash(game, forged).established
    variational = dataclasses.replace(r, profile=[np.array([0.75]), np.array([0.25])],
                                      player_multipliers=[np.array([0.5]), np.zeros(0)])
    assert not certify_generalized_nash(game, variational).established  # player 2 gains by moving to 1/2


def test_quadratic_player_constraints_bad_input_names_the_field() -> None:
    for changes, field in (({"player_b": None}, "player_A, player_b"),
                           ({"player_A": [[[1.0, 1.0]]], "player_b": [[1.0]]}, "player_A: expected one list per player"),
                           ({"player_A": [[[1.0]], []]}, r"player_A\[0\]: expected 1 rows"),
                           ({"player_A": [[[1.0, 1.0]], []], "player_b": [[1.0, 2.0], []]}, r"player_A\[0\]"),
                           ({"player_A": [[], [[1.0, np.inf]]], "player_b": [[], [1.0]]}, r"player_A\[1\], player_b\[1\]"),
                           ({"player_b": [[-1.0], []]}, r"player_A\[0\], player_b\[0\]: no profile")):
        with pytest.raises(ValueError, match=field):
            fk_player_quadratic(**changes)


def test_model_file_with_player_constraints_solves_and_verifies_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["solve", str(PLAYER_MODEL), "--json"])
    assert out.exit_code == 0, out.output
    envelope = json.loads(out.stdout)
    result = envelope["result"]
    assert result["status"] == "equilibrium" and result["certificate"]["basis"] == "closed_form_concavity"
    np.testing.assert_allclose(np.concatenate(result["profile"]), [0.5, 0.5], atol=1e-9)
    np.testing.assert_allclose(result["player_multipliers"][0], [1.0], atol=1e-8)
    assert result["multipliers"] == [] and result["player_multipliers"][1] == []
    path = tmp_path / "answer.json"
    path.write_text(out.stdout)
    checked = runner.invoke(app, ["verify", str(path)])
    assert checked.exit_code == 0 and "ESTABLISHED" in checked.output
    result["player_multipliers"][0] = [0.5]
    path.write_text(json.dumps(envelope))
    forged = runner.invoke(app, ["verify", str(path)])
    assert "ESTABLISHED" not in forged.output


def test_model_file_with_player_constraints_passes_the_field_walk() -> None:
    envelope = json.loads(json.dumps(answer_model(load_model_file(PLAYER_MODEL))))
    assert walk(envelope, verify_envelope) == {"uncovered": [], "accepted": [], "changed": []}


@pytest.mark.parametrize("edit, field", [
    (lambda g: g.pop("player_b"), "player_A, player_b"),
    (lambda g: g.__setitem__("player_b", [[1.0]]), "player_b"),
    (lambda g: g.__setitem__("player_A", [[[1.0, 1.0, 1.0]], []]), r"player_A\[0\]"),
    (lambda g: g.__setitem__("player_b", [[-1.0], []]), r"player_A\[0\], player_b\[0\]"),
    (lambda g: g.__setitem__("player_A", [[["one", 1.0]], []]), "player_A"),
])
def test_bad_player_constraints_in_a_model_file_name_the_field(edit, field: str) -> None:
    raw = load_model_file(PLAYER_MODEL)
    edit(raw["game"])
    with pytest.raises(ModelFileError, match=field):
        solve_model(raw)
