"""Example 1 at any privacy level ((28)-(36) extended) and (19) over K >= 2 levels (kind
``stackelberg_levels``), pinned to closed forms, the paper's Section 5.1 values and brute force."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math

import numpy as np
import pytest

from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.privacy.certify import certify_levels_stackelberg, levels_certificate
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import (linear_laplace_risk, mean_estimation_game, mean_estimation_levels_game,
                                             utility_table)
from mechopt.privacy.stackelberg import solve_stackelberg_levels
from mechopt.privacy.symmetric import SymmetricLevelsGame
from honest_models import MODELS

MODEL = MODELS / "privacy_levels_mean_estimation.toml"
INF = math.inf


# ---- Example 1 at eps' ----------------------------------------------------------------------------

@pytest.mark.parametrize("eps", [0.3, 1.0, 2.0, 5.0, 40.0, INF])
def test_utility_36_closed_form(eps):
    """(36): U(eps', 0) = 2 / (3 + 24 / eps'^2), U(eps', eps') = 1 / (1 + 3 / eps'^2)."""
    inv = 0.0 if eps == INF else 1.0 / eps**2
    one, both = 2.0 / (3.0 + 24.0 * inv), 1.0 / (1.0 + 3.0 * inv)
    expected = np.array([[0.0, one], [one, both]])
    assert np.allclose(utility_table(eps), expected, rtol=0, atol=1e-14)
    assert np.allclose(mean_estimation_levels_game((0.0, eps)).table, expected, rtol=0, atol=1e-13)


@pytest.mark.parametrize("levels", [(1.0, INF), (0.1, 10.0), (1.0, 2.0), (0.0, 3.0), (2.0, 2.0), (0.5, 0.7)])
def test_linear_laplace_risk_against_a_brute_grid(levels):
    """The optimal (w, b) of (7) at two levels: the risk sum w^2/6 + (sum w - 1)^2/12 + 2 b^2,
    b = max |w_i| / eps_i, minimized over a grid of w with step 5e-4."""
    r, w, b = linear_laplace_risk(levels)
    grid = np.linspace(-0.1, 0.6, 1401)
    w1, w2 = np.meshgrid(grid, grid, indexing="ij")

    def noise(wi, e):
        return np.zeros_like(wi) if e == INF else (np.where(wi == 0, 0.0, np.inf) if e == 0 else np.abs(wi) / e)

    risk = (w1**2 + w2**2) / 6 + (w1 + w2 - 1) ** 2 / 12 + 2 * np.maximum(noise(w1, levels[0]), noise(w2, levels[1])) ** 2
    assert r <= risk.min() + 1e-12
    assert r >= risk.min() - 1e-5
    assert math.isclose((w @ w) / 6 + (w.sum() - 1) ** 2 / 12 + 2 * b**2, r, rel_tol=1e-12)


def test_single_sharer_closed_forms_30_31():
    """(30), (31) at eps' = 2: w = 1 / (3 + 24 / 4) = 1/9, r = (1 - 1/9) / 12."""
    r, w, b = linear_laplace_risk((2.0, 0.0))
    assert math.isclose(w[0], 1 / 9, rel_tol=1e-12) and w[1] == 0.0
    assert math.isclose(r, (1 - 1 / 9) / 12, rel_tol=1e-12) and math.isclose(b, 1 / 18, rel_tol=1e-12)


# ---- (19) over K levels -------------------------------------------------------------------------------

def _brute(table: np.ndarray, costs: np.ndarray, c: float, na: int = 201, nq: int = 60,
           delta: float = 2e-3) -> float:
    """The best (1 - alpha) q'Uq over a grid of alpha and of the simplex, among the grid points where
    every level played is within delta of the best (Theorem 2 for two users written out:
    phi_1(s, r) = (U(s, 0) - U(0, 0) + U(s, r) - U(0, r)) / 2)."""
    k = table.shape[0]
    m = 0.5 * ((table[:, [0]] - table[0, 0]) + (table - table[[0], :]))
    pts = [x for x in itertools.product(range(nq + 1), repeat=k - 1) if sum(x) <= nq]
    q = np.array([[*x, nq - sum(x)] for x in pts], dtype=float) / nq
    mq, value = q @ m.T, np.einsum("qi,ij,qj->q", q, table, q)
    best = -np.inf
    for a in np.linspace(0.0, 1.0, na):
        pay = a * mq - c * costs[None, :]
        gap = np.max(np.where(q > 0, pay.max(axis=1, keepdims=True) - pay, 0.0), axis=1)
        if np.any(gap <= delta):
            best = max(best, (1.0 - a) * float(value[gap <= delta].max()))
    return best


THREE = SymmetricLevelsGame(mean_estimation_levels_game((0.0, 2.0, INF)), np.array([0.0, 0.25, 1.0]))


@pytest.mark.parametrize("c", [0.0, 0.1, 0.2, 0.3, 0.6, 0.9])
def test_three_levels_against_a_brute_grid(c):
    r = solve_stackelberg_levels(THREE, c)
    assert r.status.value == "equilibrium" and r.verdict.established
    brute = _brute(np.asarray(THREE.game.table), np.asarray(THREE.costs), c)
    # the grid's delta-equilibria can only gain (a smaller alpha): within a band of O(delta)
    assert brute - 0.01 <= r.platform_utility <= brute + 1e-9


@pytest.mark.parametrize("c", [0.0, 0.1, 0.25, 0.3, 0.45, 0.6, 0.7, 0.9])
def test_two_levels_reproduce_section_51(c):
    """K = 2, costs (0, 1): Section 5.1's (19).  c <= c_th = 1/3: alpha* = c / gamma_min = 2c, platform
    1 - 2c; c >= gamma_max = 2/3: alpha* = 0, nothing; between: the interior branch
    (1 - c / gamma(p)) U(p), gamma(p) = 1/2 + p/6, U(p) = (1 - p)^2 + (4/3) p (1 - p), on a fine p grid."""
    r = solve_stackelberg_levels(SymmetricLevelsGame(mean_estimation_game(), np.array([0.0, 1.0])), c)
    assert r.verdict.established
    if c <= 1 / 3:
        assert math.isclose(r.alpha, 2 * c, abs_tol=1e-9) and math.isclose(r.platform_utility, 1 - 2 * c, abs_tol=1e-9)
    elif c >= 2 / 3:
        assert r.alpha == 0.0 and r.platform_utility == 0.0 and r.distribution[0] == 1.0
    else:
        p = np.linspace(0.0, 1.0, 200001)
        gamma, u = 0.5 + p / 6, (1 - p) ** 2 + 4 / 3 * p * (1 - p)
        f = np.where(gamma >= c, (1 - c / gamma) * u, -np.inf)
        assert math.isclose(r.platform_utility, f.max(), abs_tol=1e-9)
        assert math.isclose(r.distribution[0], p[np.argmax(f)], abs_tol=1e-4)


def test_scale_invariance():
    """Every utility and the sensitivity times 1e6 (or 1e-6): the same alpha and q, the same verdict."""
    base = solve_stackelberg_levels(THREE, 0.3)
    for s in (1e-6, 1e6):
        g = SymmetricLevelsGame(PrivacyGame(THREE.game.levels, s * np.asarray(THREE.game.table)), THREE.costs)
        r = solve_stackelberg_levels(g, 0.3 * s)
        assert r.verdict.established and math.isclose(r.alpha, base.alpha, abs_tol=1e-9)
        assert np.allclose(r.distribution, base.distribution, atol=1e-9)
        assert math.isclose(r.platform_utility, s * base.platform_utility, rel_tol=1e-9)


# ---- the kind: files, bad input, forgeries ----------------------------------------------------------------

def test_model_file_solves_and_verifies():
    envelope = json.loads(json.dumps(answer_model(load_model_file(MODEL))))
    verdict = verify_envelope(envelope)
    assert verdict.established and verdict.status.value == "equilibrium"
    r = envelope["result"]
    assert r["distribution"] == [0.0, 1.0, 0.0]  # both users at the middle level 2
    # everybody at level 2 at the smallest share that keeps them there: alpha phi(2; 2) = c costs[1]
    # with phi(2; 2) = U(2, 2) / 2, so alpha = 0.3 * 0.25 * 2 / U(2, 2) and U(2, 2) = 1 / (1 + 3/4)
    assert math.isclose(r["alpha"], 0.3 * 0.25 * 2 * 1.75, rel_tol=1e-9)


def _raw(**changes):
    raw = load_model_file(MODEL)
    raw.update(changes)
    return raw


@pytest.mark.parametrize("raw,field", [
    (_raw(costs=[0.1, 0.25, 1.0]), "costs"),
    (_raw(costs=[0.0, 0.25]), "costs"),
    (_raw(costs=[0.0, -0.25, 1.0]), "costs"),
    (_raw(costs=None), "costs"),
    (_raw(sensitivity=-1.0), "sensitivity"),
    (_raw(game={"utility": "mean_estimation", "levels": [1.0, 2.0]}), "game.levels"),
    (_raw(game={"utility": "mean_estimation", "levels": [0.0, 2.0, 1.0]}, costs=[0.0, 0.5, 1.0]), "game.levels"),
    (_raw(game={"utility": "mean_estimation", "levels": list(range(9))}, costs=[0.0] + [1.0] * 8), "game.levels"),
    (_raw(game={"utility": "table", "levels": [0.0, 1.0, 2.0], "table": [[0, 1, 2], [1, 2, 3], [2, 4, 4]]}),
     "game.table"),  # not symmetric
    (_raw(game={"utility": "table", "levels": [0.0, 1.0], "table": [[[0, 1], [1, 2]], [[1, 2], [2, 3]]]},
          costs=[0.0, 1.0]), "game.table"),  # three users
])
def test_bad_models_name_the_field(raw, field):
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(raw, source="m.toml")


def test_stackelberg_kind_points_to_the_levels_kind():
    raw = load_model_file(MODELS / "privacy_mean_estimation.toml")
    raw["game"] = {"utility": "table", "levels": [0.0, 1.0, 2.0], "table": [[0, 1, 2], [1, 2, 3], [2, 3, 4]]}
    with pytest.raises(ModelFileError, match="game\\.levels.*stackelberg_levels"):
        solve_model(raw, source="m.toml")


def test_forged_share_is_not_established():
    """A share at which the answer's q is no equilibrium, every other field recomputed honestly there."""
    honest = solve_stackelberg_levels(THREE, 0.3)
    alpha = 0.5 * honest.alpha  # too little: the users leave level 2
    cert = levels_certificate(THREE, 0.3, alpha, honest.distribution)
    pay = cert.payoffs @ honest.distribution
    forged = dataclasses.replace(honest, alpha=alpha, certificate=dataclasses.replace(cert, verified=True),
                                 platform_utility=(1 - alpha) * honest.total_utility, user_utilities=pay,
                                 payments=pay + 0.3 * float(THREE.costs @ honest.distribution), verdict=None)
    verdict = certify_levels_stackelberg(THREE, 0.3, forged, tol=1e-9)
    assert not verdict.established and verdict.status.value == "unverified"


def test_forged_distribution_is_malformed_or_refused():
    envelope = json.loads(json.dumps(answer_model(load_model_file(MODEL))))
    for q in ([0.5, 0.6, 0.0], [0.5, 0.5], [-0.1, 1.1, 0.0]):
        bad = copy.deepcopy(envelope)
        bad["result"]["distribution"] = q
        with pytest.raises(ModelFileError, match="distribution"):
            verify_envelope(bad)


@pytest.mark.parametrize("eps", [0.5, 1.0, 2.0])
def test_assumption_2_fails_at_small_levels_and_c_th_is_gamma_max(eps):
    """Two users at {0, eps'}: gamma(p) = p U(eps', 0) + (1 - p) U(eps', eps') / 2 decreases in p when
    U(eps', eps') > 2 U(eps', 0) (increasing returns, Assumption 2 fails); then everybody sharing at
    alpha = c / gamma(0) is optimal up to c = gamma(0) = gamma_max = U(eps', eps') / 2, so c_th = gamma_max."""
    raw = load_model_file(MODELS / "privacy_mean_estimation.toml")
    raw["game"]["epsilon"] = eps
    r = solve_model(raw)
    both = 1.0 / (1.0 + 3.0 / eps**2)
    assert both > 2 * 2.0 / (3.0 + 24.0 / eps**2)
    assert r.verdict.established
    assert math.isclose(r.gamma_max, both / 2, rel_tol=1e-9) and math.isclose(r.c_th, both / 2, rel_tol=1e-9)


def test_vectorized_emse_equals_the_per_user_solve():
    from mechopt.privacy.federated import FederatedPopulation

    rng = np.random.default_rng(7)
    pop = FederatedPopulation(rng.integers(1, 200, 8).astype(float), rng.uniform(0, 3, 8), 0.7, 4.0)
    for _ in range(50):
        eps = list(rng.integers(0, 3, 8))
        np.testing.assert_allclose(pop.optimal_emses(eps), [pop.optimal_emse(i, eps) for i in range(8)],
                                   rtol=1e-12)


def test_three_levels_closed_form_when_everybody_sends_everything():
    """Levels {0, 2, inf}: U(2, inf) = 10/13 (b = 1/26, w = (1/13, 4/13) in the risk of (7)), so by
    Theorem 2 phi(2; inf) = (U(2, 0) + U(2, inf) - U(0, inf)) / 2 = (2/9 + 10/13 - 2/3) / 2 = 19/117 and
    phi(inf; inf) = 1/2.  Everybody at inf needs alpha (1/2 - 19/117) >= c (1 - 1/4) and alpha / 2 >= c:
    the smallest share is alpha = (3/4) c 234/79 while that beats moving everybody to level 2."""
    assert math.isclose(THREE.game.table[1, 2], 10 / 13, rel_tol=1e-12)
    for c in (0.1, 0.2):
        r = solve_stackelberg_levels(THREE, c)
        alpha = 0.75 * c * 234 / 79
        assert np.array_equal(r.distribution, [0.0, 0.0, 1.0])
        assert math.isclose(r.alpha, alpha, rel_tol=1e-9) and math.isclose(r.platform_utility, 1 - alpha, rel_tol=1e-9)
