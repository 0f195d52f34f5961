"""Paper 004 Section 5: gamma(p) (21), p*(alpha) (87), the residual (72), the platform's program (19)
and Theorem 3's thresholds (Section 5.1: c_th = 1/3, gamma_max = 2/3), checked against closed forms
of the example and against brute-force grids; the `mechopt stackelberg` command and its verifier."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io.envelope import wrap
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import solve_model, verify_envelope
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import solve_stackelberg, threshold_c
from mechopt.privacy.symmetric import SymmetricPrivacyGame, cheng_residual, p_star, symmetric_equilibria

MODEL = Path(__file__).resolve().parents[2] / "models" / "privacy_mean_estimation.toml"
runner = CliRunner()
G = SymmetricPrivacyGame(mean_estimation_game())


def gamma_51(p):  # Section 5.1 by hand: phi(share; other private) = 2/3, (other shares) = 1/2
    return p * 2 / 3 + (1 - p) / 2


def u_51(p):      # E[U] with each user private w.p. p, U of (10)
    return 2 * p * (1 - p) * 2 / 3 + (1 - p) ** 2


def test_gamma_and_expected_utility_closed_forms():
    for p in np.linspace(0, 1, 11):
        assert G.gamma_poly()(p) == pytest.approx(gamma_51(p), abs=1e-14)
        assert G.utility_poly()(p) == pytest.approx(u_51(p), abs=1e-14)
    assert G.gamma_range() == pytest.approx((0.5, 2 / 3), abs=1e-14)


def _gamma_from_values(game: PrivacyGame, p: float) -> float:
    """(21) from the Theorem-2 table of user 1, enumerating the others' levels (independent)."""
    phi = fair_values_users(game).users[0]
    n = game.n_users
    total = 0.0
    for others in itertools.product((0, 1), repeat=n - 1):
        k = sum(others)
        total += (1 - p) ** k * p ** (n - 1 - k) * (phi[(1,) + others] - phi[(0,) + others])
    return total


def _concave_game(n: int) -> PrivacyGame:
    """U = 1 - 2^-k with k users sharing: monotone with diminishing returns (Assumptions 1, 2)."""
    return PrivacyGame.from_function((0.0, 1.0), n, lambda e: 1.0 - 0.5 ** sum(x > 0 for x in e))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_gamma_polynomial_equals_the_fair_value_average(n):
    game = _concave_game(n)
    sg = SymmetricPrivacyGame(game)
    for p in (0.0, 0.3, 0.8, 1.0):
        assert sg.gamma_poly()(p) == pytest.approx(_gamma_from_values(game, p), abs=1e-12)


def test_section_51_thresholds():
    assert threshold_c(G) == pytest.approx(1 / 3, abs=1e-7)
    r = solve_stackelberg(G, 0.25)
    assert (r.gamma_max, r.gamma_min) == pytest.approx((2 / 3, 0.5), abs=1e-14)
    assert r.c_th == pytest.approx(1 / 3, abs=1e-7)


@pytest.mark.parametrize("c", [0.05, 0.25, 0.3])
def test_regime_all_share(c):
    """c < c_th: alpha* = c / gamma_min = 2c, p* = 0, the platform keeps 1 - 2c (U(0) = 1)."""
    r = solve_stackelberg(G, c)
    assert r.regime == "all_share" and r.p == 0.0
    assert r.alpha == pytest.approx(2 * c) and r.platform_utility == pytest.approx(1 - 2 * c)
    assert r.status.value == "optimal" and r.certificate.verified


@pytest.mark.parametrize("c", [0.34, 0.45, 0.6, 0.66])
def test_regime_mixed_against_a_brute_grid(c):
    """c_th < c < gamma_max: an interior mixed equilibrium; the optimum over a fine grid of p (alpha =
    c / gamma(p) by hand) agrees."""
    r = solve_stackelberg(G, c)
    assert r.regime == "mixed" and 0 < r.p < 1
    ps = np.linspace(0, 1, 200_001)
    alphas = c / gamma_51(ps)
    vals = np.where(alphas <= 1, (1 - alphas) * u_51(ps), -np.inf)
    k = int(np.argmax(vals))
    assert r.platform_utility == pytest.approx(vals[k], abs=1e-9)
    assert r.platform_utility >= vals[k] - 1e-12
    assert r.p == pytest.approx(ps[k], abs=1e-4) and r.alpha * gamma_51(r.p) == pytest.approx(c)
    assert cheng_residual(G, r.p, r.alpha, c) <= 1e-20


@pytest.mark.parametrize("c", [0.67, 0.9, 2.0])
def test_regime_no_incentive(c):
    r = solve_stackelberg(G, c)
    assert r.regime == "no_incentive" and r.alpha == 0.0 and r.p == 1.0 and r.platform_utility == 0.0


def test_p_star_87():
    c = 0.4
    for alpha in np.linspace(0.01, 1, 100):
        want = 1.0 if alpha < c / (2 / 3) else (0.0 if alpha > c / 0.5 else 6 * c / alpha - 3)
        assert p_star(G, alpha, c) == pytest.approx(want, abs=1e-9)


def test_cheng_residual_72_vanishes_exactly_at_symmetric_equilibria():
    c, alpha = 0.4, 0.7
    pts, _ = symmetric_equilibria(G, alpha, c)
    grid = np.linspace(0, 1, 1001)
    res = np.array([cheng_residual(G, p, alpha, c) for p in grid])
    assert all(cheng_residual(G, p, alpha, c) <= 1e-24 for p in pts)
    assert grid[int(np.argmin(res))] == pytest.approx(pts[0], abs=1e-3)


@pytest.mark.parametrize("n", [3, 4])
def test_three_regimes_on_a_larger_symmetric_game(n):
    """Theorem 3 on U = 1 - 2^-k: p* = 0 below c_th, mixed between, alpha* = 0 above gamma_max; the optimum
    agrees with a brute grid over (alpha, p) using the regret of (72) from the fair-value table."""
    sg = SymmetricPrivacyGame(_concave_game(n))
    gmin, gmax = sg.gamma_range()
    cth = threshold_c(sg)
    assert 0 < cth < gmax
    assert solve_stackelberg(sg, 0.5 * cth).regime == "all_share"
    assert solve_stackelberg(sg, 0.5 * (max(cth, gmin) + gmax)).regime == "mixed"
    assert solve_stackelberg(sg, 1.01 * gmax).regime == "no_incentive"
    c = 0.5 * (max(cth, gmin) + gmax)
    r = solve_stackelberg(sg, c)
    ps = np.linspace(0, 1, 20001)
    phi = fair_values_users(sg.game).users[0]
    gam, u = np.zeros_like(ps), np.zeros_like(ps)
    for others in itertools.product((0, 1), repeat=n - 1):
        k = sum(others)
        gam += (1 - ps) ** k * ps ** (n - 1 - k) * (phi[(1,) + others] - phi[(0,) + others])
    for idx in itertools.product((0, 1), repeat=n):
        k = sum(idx)
        u += (1 - ps) ** k * ps ** (n - k) * sg.game.table[idx]
    best = -np.inf
    for alpha in np.linspace(0, 1, 2001):
        d = alpha * gam - c
        regret = np.maximum(-(1 - ps) * d, ps * d)
        ne = regret <= 1e-4
        if ne.any():
            best = max(best, float(((1 - alpha) * u[ne]).max()))
    assert r.platform_utility == pytest.approx(best, abs=2e-3)


def test_cli_answers_section_51_at_quarter_and_verify_rechecks(tmp_path):
    out = runner.invoke(app, ["stackelberg", str(MODEL), "--sensitivity", "0.25", "--json"])
    assert out.exit_code == 0, out.output
    env = json.loads(out.output)
    assert env["kind"] == "stackelberg" and set(env) == {"format", "version", "kind", "model", "result"}
    res = env["result"]
    for name in ("alpha", "platform_utility", "user_utilities", "equilibrium", "certificate"):
        assert name in res
    assert res["alpha"] == pytest.approx(0.5) and res["platform_utility"] == pytest.approx(0.5)
    assert res["equilibrium"] == [[0.0, 1.0], [0.0, 1.0]]
    path = tmp_path / "r.json"
    path.write_text(out.output)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0
    text = runner.invoke(app, ["stackelberg", str(MODEL), "--sensitivity", "0.5"])
    assert text.exit_code == 0 and "mixed" in text.output


def _raw(**game):
    raw = load_model_file(MODEL)
    raw["game"] = game or raw["game"]
    return raw


@pytest.mark.parametrize("raw,field", [
    ({**_raw(), "sensitivity": -0.1}, "sensitivity"),
    ({**_raw(), "sensitivity": None}, "sensitivity"),
    (_raw(utility="table", levels=[0.0, 1.0], table=[[0.0, 0.5, 0.1], [0.5, 1.0, 0.2]]), "game.table"),
    (_raw(utility="table", levels=[1.0, 0.0], table=[[0.0, 0.5], [0.5, 1.0]]), "game.levels"),
    (_raw(utility="table", levels=[0.0, 1.0], table=[[0.0, math.nan], [0.5, 1.0]]), "game.table"),
    (_raw(utility="table", levels=[0.0, 1.0], table=[[0.0, 0.4], [0.5, 1.0]]), "game.table"),  # not symmetric
    (_raw(utility="mean_estimation", epsilon=-1.0), "game.mean_estimation.epsilon"),
])
def test_bad_models_name_the_field(raw, field):
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(raw, source="m.toml")


def test_table_model_equals_the_built_in_utility():
    raw = _raw(utility="table", levels=[0.0, 1.0], table=[[0.0, 2 / 3], [2 / 3, 1.0]])
    raw["sensitivity"] = 0.45
    r = solve_model(raw)
    assert r.platform_utility == pytest.approx(solve_stackelberg(G, 0.45).platform_utility, abs=1e-12)
    assert verify_envelope(json.loads(json.dumps(wrap("stackelberg", raw, r)))).established
