"""Attacks on the generalized_nash kind: forged saved results, rescaled and translated models, bad
input: each attack that once produced a false verdict or an unclear error is pinned here with what must hold."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import mechopt
from mechopt.certificates.gnep import gnep_certificate, gnep_status
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.envelope import envelope
from mechopt.io.registry import solve, verify
from mechopt.io.schemas.gnep import GNEPModel, build_generalized_game

MODELS = Path(__file__).resolve().parents[1] / "models"


def _fk(offset: float = 0.0, d: list[float] | None = None) -> dict:
    """Facchinei-Kanzow's game with every coordinate translated by ``offset``: player 1 minimizes
    (x1 - o - 1)^2, player 2 (x2 - o - 1/2)^2, x1 + x2 <= 2 o + 1, boxes [o, o + 2]; the variational
    equilibrium is (o + 3/4, o + 1/4) with multiplier 1/2 whatever o."""
    m = tomllib.loads((MODELS / "gnep_facchinei_kanzow.toml").read_text())
    g, o = m["game"], offset
    g["bounds"] = [[[o, o + 2.0]], [[o, o + 2.0]]]
    g["c"] = [[-2.0 * (o + 1.0), 0.0], [0.0, -2.0 * (o + 0.5)]]
    g["d"] = [(o + 1.0) ** 2, (o + 0.5) ** 2] if d is None else d
    g["b"] = [2.0 * o + 1.0]
    return m


def _envelope(model: dict) -> dict:
    return json.loads(json.dumps(envelope(solve(model), model)))


def _forge(env: dict, profile: list[float], mu: list[float], tol: float = 1e-9) -> dict:
    """A self-consistent forgery: profile and multipliers replaced, every certificate field
    recomputed by the certifier's own evidence function, status claimed ``equilibrium``."""
    env = copy.deepcopy(env)
    game = build_generalized_game(GNEPModel.model_validate(env["model"]).game)
    x = np.asarray(profile, dtype=float)
    c = gnep_certificate(game, x, np.asarray(mu, dtype=float), tol=tol)
    r = env["result"]
    r["status"], r["profile"], r["multipliers"] = "equilibrium", [[v] for v in profile], list(mu)
    r["utilities"] = game.utilities(x).tolist()
    cert = r["certificate"]
    for k in ("gains", "found_gains", "kkt_gaps", "scales", "rounding", "violations", "slackness"):
        cert[k] = [float(v) for v in getattr(c, k)]
    cert["best_responses"] = [[float(v) for v in y] for y in c.best_responses]
    cert.update(max_own_curvature=float(c.max_own_curvature), concavity_contradicted=c.concavity_contradicted,
                search=c.search, tol=tol, verified=True, basis=c.basis.value)
    return env


@pytest.fixture(scope="module")
def fk_env() -> dict:
    return _envelope(_fk())


# ---------------------------------------------------------------- what held


@pytest.mark.parametrize("a", [0.5, 0.6, 0.8, 1.0])
def test_non_variational_gne_rejected_with_any_multiplier(fk_env: dict, a: float) -> None:
    for mu in (0.5, 2.0 * (1.0 - a), 2.0 * a - 1.0):  # the common one, player 1's, player 2's
        assert not verify(_forge(fk_env, [a, 1.0 - a], [mu])).established


@pytest.mark.parametrize("eps", [1e-8, 1e-6, 1e-3, 0.5])
def test_infeasible_profile_rejected(fk_env: dict, eps: float) -> None:
    assert not verify(_forge(fk_env, [0.75 + eps, 0.25], [0.5])).established


@pytest.mark.parametrize("path, value", [
    (("multipliers",), [-1e-3]), (("multipliers",), [1e300]), (("multipliers",), [float("nan")]),
    (("utilities",), [0.0, 0.0]), (("certificate", "tol"), 0.1), (("certificate", "tol"), -1e-9),
    (("certificate", "basis"), "declared_concavity"), (("certificate", "scales"), [1e6, 1e6]),
    (("certificate", "best_responses"), [[0.0], [0.0]]), (("status",), "unverified"),
])
def test_forged_field_not_established(fk_env: dict, path: tuple[str, ...], value: object) -> None:
    env = copy.deepcopy(fk_env)
    node = env["result"]
    for name in path[:-1]:
        node = node[name]
    node[path[-1]] = value
    assert not verify(env).established


@pytest.mark.parametrize("path, value", [
    (("multipliers",), "0.5"), (("multipliers",), [0.5, 0.5]), (("profile",), [[0.75]]),
    (("profile",), [[float("inf")], [0.25]]), (("profile",), [[-1.0], [0.25]]), (("certificate", "gains"), [0.0]),
])
def test_malformed_field_names_it(fk_env: dict, path: tuple[str, ...], value: object) -> None:
    env = copy.deepcopy(fk_env)
    node = env["result"]
    for name in path[:-1]:
        node = node[name]
    node[path[-1]] = value
    with pytest.raises(ModelFileError, match=path[-1]):
        verify(env)


@pytest.mark.parametrize("s", [1e-9, 1e9])
def test_quadratic_scaled_same_answer_and_verdict(s: float) -> None:
    m = _fk()
    for key in ("Q", "c", "d"):
        m["game"][key] = (np.asarray(m["game"][key]) * s).tolist()
    r = solve(m)
    assert r.status.value == "equilibrium"
    assert np.allclose(np.concatenate(r.profile), [0.75, 0.25], atol=1e-9)
    assert np.isclose(r.multipliers[0], 0.5 * s, rtol=1e-9)


# ---------------------------------------------------------------- defects


def test_translated_game_forged_profile_rejected() -> None:
    o = 1e5
    env = _envelope(_fk(offset=o))
    v = verify(_forge(env, [o, o], [0.0]))
    assert not v.established


def test_translated_game_solved_to_its_variational_equilibrium() -> None:
    o = 1e6
    r = solve(_fk(offset=o))
    assert r.status.value != "equilibrium" or np.allclose(np.concatenate(r.profile) - o, [0.75, 0.25], atol=1e-3)


def test_additive_constant_does_not_loosen_the_verdict() -> None:
    env = _envelope(_fk(d=[1e10, 1e10]))
    assert not verify(_forge(env, [0.0, 0.0], [0.0])).established


def test_model_tolerance_cannot_be_loosened_by_the_file(fk_env: dict) -> None:
    """A file asking to be judged at tol 0.5 (where (0.8, 0.2), KKT gaps 0.08 and 0.18, would
    pass) is refused, naming tol: the schema caps solver.tol."""
    forged = _forge(fk_env, [0.8, 0.2], [0.5])
    forged["model"]["solver"] = {"tol": 0.5}
    forged["result"]["certificate"]["tol"] = 0.5
    try:
        verdict = verify(forged)
    except ValueError as err:  # ModelFileError and pydantic's ValidationError
        assert "tol" in str(err)
    else:
        assert not verdict.established


def _declared_fk(s: float = 1.0, width: float = 1.0) -> mechopt.ContinuousGame:
    return mechopt.ContinuousGame.from_utilities(
        [lambda x: -s * (x[0][0] - 1.0) ** 2, lambda x: -s * (x[1][0] - 0.5) ** 2],
        [[(0.0, 2.0 * width)], [(0.0, 2.0 * width)]], concave=True,
        shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0])


def test_nearly_feasible_point_of_a_concave_game_is_not_assumption_violated() -> None:
    game = _declared_fk()
    x = np.array([0.75 + 1e-9, 0.25])
    c = gnep_certificate(game, x, np.array([0.5]))
    assert gnep_status(game, c, game.utilities(x)).value != "assumption_violated"


def test_declared_concavity_contradicted_at_every_scale() -> None:
    statuses = []
    for s in (1.0, 1e-9):
        game = mechopt.ContinuousGame.from_utilities(
            [lambda x, s=s: s * (x[0][0] - 0.5) ** 2 + s, lambda x, s=s: -s * (x[1][0] - 0.25) ** 2 + s],
            [[(0.0, 1.0)], [(0.0, 1.0)]], concave=True, shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0],
            gradients=[lambda x, s=s: [2 * s * (x[0][0] - 0.5)], lambda x, s=s: [-2 * s * (x[1][0] - 0.25)]])
        x = np.array([0.5, 0.25])
        statuses.append(gnep_status(game, gnep_certificate(game, x, np.array([0.0])), game.utilities(x)).value)
    assert statuses == ["assumption_violated", "assumption_violated"]


def test_wider_box_keeps_the_verdict_at_the_equilibrium() -> None:
    """With exact gradients the verdict at the equilibrium is the same for boxes [0, 2] and
    [0, 2000]; with difference quotients (B) adds their error times the box width (a bound, kept
    conservative, docs/gnep.md), so a wider box can only make the verdict more cautious: the
    tolerance itself never grows with the box."""
    x, mu = np.array([0.75, 0.25]), np.array([0.5])

    def exact(width: float) -> mechopt.ContinuousGame:
        return mechopt.ContinuousGame.from_utilities(
            [lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -(x[1][0] - 0.5) ** 2],
            [[(0.0, 2.0 * width)], [(0.0, 2.0 * width)]], concave=True,
            gradients=[lambda x: np.array([-2.0 * (x[0][0] - 1.0)]), lambda x: np.array([-2.0 * (x[1][0] - 0.5)])],
            shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0],
            constraint_gradients=[lambda x: [np.array([1.0]), np.array([1.0])]])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [gnep_certificate(exact(w), x, mu).verified for w in (1.0, 1e3)] == [True, True]
        narrow, wide = (gnep_certificate(_declared_fk(width=w), x, mu) for w in (1.0, 1e3))
    assert narrow.verified
    assert np.all(wide.scales <= narrow.scales * (1 + 1e-12))  # the tolerance's scale did not grow


@pytest.mark.parametrize("utilities, constraints, field", [
    ([lambda x: -(x[0][0] - 1.0) ** 2, lambda x: float("nan")], [lambda x: x[0][0] + x[1][0] - 1.0], "utilities"),
    ([lambda x: -(x[0][0] - 1.0) ** 2, 3.0], [lambda x: x[0][0] + x[1][0] - 1.0], "utilities"),
    ([lambda x: -(x[0][0] - 1.0) ** 2, lambda x: None], [lambda x: x[0][0] + x[1][0] - 1.0], "utilities"),
    ([lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -x[1][0]], [lambda x: float("nan")], "shared_constraints"),
    ([lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -x[1][0]], [1.0], "shared_constraints"),
    ([lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -x[1][0]], [lambda x: np.array([x[0][0], x[1][0]])],
     "shared_constraints"),
])
def test_bad_callables_are_clear_errors(utilities: list, constraints: list, field: str) -> None:
    from mechopt.solvers.nash import solve_nash

    with pytest.raises(ValueError, match=field):
        game = mechopt.ContinuousGame.from_utilities(utilities, [[(0.0, 2.0)], [(0.0, 2.0)]], concave=True,
                                                     shared_constraints=constraints)
        solve_nash(game)


def test_model_tolerance_above_one_refused() -> None:
    m = _fk()
    m["solver"] = {"tol": 3.0}
    with pytest.raises(ModelFileError, match="tol"):
        solve(m)


def test_translated_game_shared_violation_rejected() -> None:
    """Translated by o = 1e6, a profile violating x1 + x2 <= 2 o + 1 by 1e-3 is infeasible: its
    violation is judged against the constraint's variation over the boxes, not against |A| |x|."""
    o = 1e6
    env = _envelope(_fk(offset=o))
    assert not verify(_forge(env, [o + 0.75 + 1e-3, o + 0.25], [0.5])).established


# ---------------------------------------------------------------- rounding allowance and the box


def _harker_box(width: float) -> dict:
    """Harker's game (tests/test_gnep.py) with both boxes [0, 10 width]: the variational equilibrium
    stays (5, 9), the shared constraint x1 + x2 <= 15 inactive (multiplier 0)."""
    m = _fk()
    m["name"] = "Harker (1991) with wide boxes"
    m["game"].update(Q=[[[2.0, 8 / 3], [8 / 3, 0.0]], [[0.0, 5 / 4], [5 / 4, 2.0]]], c=[[-34.0, 0.0], [0.0, -24.25]],
                     d=[0.0, 0.0], b=[15.0], bounds=[[[0.0, 10.0 * width]], [[0.0, 10.0 * width]]])
    return m


def _fk_box(width: float) -> dict:
    m = _fk()
    m["game"]["bounds"] = [[[0.0, 2.0 * width]], [[0.0, 2.0 * width]]]
    return m


# Forged points delta off the variational equilibrium, with the multiplier making every player's
# stationarity exact (grad_{x_i} u_i = mu), so that the KKT gap is the complementarity term alone,
# about delta whatever the box: Harker at (5 + d, 9 - 9 d / 8), mu = d (both gradients equal d there);
# Facchinei-Kanzow at (3/4 - d, 1/4 - d), mu = 1/2 + 2 d (the equilibrium of the constraint x1 + x2 <= 1 - 2 d).
FORGERIES = {
    "harker": (_harker_box, lambda d: ([5.0 + d, 9.0 - 9.0 * d / 8.0], [d])),
    "fk": (_fk_box, lambda d: ([0.75 - d, 0.25 - d], [0.5 + 2.0 * d])),
}


@pytest.mark.parametrize("width", [1e9, 1e10])
@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_wide_box_forgery_with_exact_stationarity_not_established(name: str, width: float) -> None:
    """The rounding allowance once included w_i^T |Q_ii| w_i / 2 and the gradient's terms times the
    box widths: at a box 1e10 wide it was about 1e8 (Harker) and 1e7 (Facchinei-Kanzow), and these
    forgeries 0.01 off were certified.  The allowance now comes from the deviations evaluated and
    the stationarity residual's own rounding, never from the box."""
    build, forged = FORGERIES[name]
    model = build(width)
    env = _envelope(model)
    game = build_generalized_game(GNEPModel.model_validate(model).game)
    for delta in (1e-2, 1e-4, 1e-6):
        x, mu = forged(delta)
        cert = gnep_certificate(game, np.asarray(x), np.asarray(mu))
        assert not cert.verified, (delta, cert.kkt_gaps, cert.slack)
        assert np.all(cert.rounding < 1e-9 * cert.scales), cert.rounding
        assert not verify(_forge(env, x, mu)).established


@pytest.mark.parametrize("width", [1e9, 1e10])
@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_wide_box_honest_solve_established(name: str, width: float) -> None:
    build, forged = FORGERIES[name]
    model = build(width)
    r = solve(model)
    assert r.status.value == "equilibrium" and r.stats.method == "newton"
    x, mu = forged(0.0)
    np.testing.assert_allclose(np.concatenate(r.profile), x, atol=1e-12)
    np.testing.assert_allclose(r.multipliers, mu, atol=1e-12)
    assert verify(_envelope(model)).established


def _exact_fk(width: float) -> mechopt.ContinuousGame:
    """Facchinei-Kanzow from callables with exact gradients, boxes [0, 2 width]."""
    return mechopt.ContinuousGame.from_utilities(
        [lambda x: -(x[0][0] - 1.0) ** 2, lambda x: -(x[1][0] - 0.5) ** 2],
        [[(0.0, 2.0 * width)], [(0.0, 2.0 * width)]], concave=True,
        gradients=[lambda x: np.array([-2.0 * (x[0][0] - 1.0)]), lambda x: np.array([-2.0 * (x[1][0] - 0.5)])],
        shared_constraints=[lambda x: x[0][0] + x[1][0] - 1.0],
        constraint_gradients=[lambda x: [np.array([1.0]), np.array([1.0])]])


@pytest.mark.parametrize("width", [1e9, 1e10])
def test_callables_wide_box_forgery_not_established(width: float) -> None:
    """The callables' path: the gradient's magnitude times the box widths once entered the
    allowance (2.8e-5 at a box 1e9 wide, against a tolerance of 2e-9)."""
    game = _exact_fk(width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gnep_certificate(game, np.array([0.75, 0.25]), np.array([0.5])).verified
        for delta in (1e-2, 1e-4, 1e-6):
            x, mu = FORGERIES["fk"][1](delta)
            cert = gnep_certificate(game, np.asarray(x), np.asarray(mu))
            assert not cert.verified, (delta, cert.kkt_gaps, cert.slack)


@pytest.mark.parametrize("width", [1e9, 1e10])
def test_data_sharing_wide_box_forgery_not_established(width: float) -> None:
    """The data-sharing family with every tau multiplied by ``width``: the forgery is the certified
    equilibrium of the capacity 12 - eps, with its multiplier (exactly stationary, the capacity slack
    by eps), presented as the capacity 12 model's answer: its KKT gap is mu eps whatever the box."""
    def model(capacity: float) -> dict:
        raw = load_model_file(MODELS / "gnep_data_sharing_capacity.toml")
        raw["game"]["tau"] = (np.asarray(raw["game"]["tau"]) * width).tolist()
        raw["game"]["capacity"] = capacity
        return raw

    honest = model(12.0)
    env = _envelope(honest)
    assert verify(env).established
    game = build_generalized_game(GNEPModel.model_validate(honest).game)
    for eps in (1e-2, 1e-4, 1e-6):
        r = solve(model(12.0 - eps))
        assert r.status.value == "equilibrium"
        x = np.concatenate(r.profile)
        cert = gnep_certificate(game, x, r.multipliers)
        assert not cert.verified, (eps, cert.kkt_gaps, cert.slack)
        forged = copy.deepcopy(env)
        forged["result"] = json.loads(json.dumps(envelope(r, model(12.0 - eps))))["result"]
        forged["result"]["certificate"].update(
            {k: [float(v) for v in getattr(cert, k)] for k in ("gains", "found_gains", "kkt_gaps", "scales",
                                                              "rounding", "violations", "slackness")})
        forged["result"]["certificate"]["verified"] = True
        assert not verify(forged).established
