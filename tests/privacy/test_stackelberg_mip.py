"""Paper 004 (19) for two users through the MPEC: the symmetric bimatrix complementarity (x = y) in
t = 1/alpha, posed in pyomo.mpec, reformulated to a MILP and solved by HiGHS
(``solve_stackelberg(..., method="mip")``), against the exact polynomial candidates and the alpha
grid of the certificate; N >= 3 refused; the ``--method`` option and ``mechopt verify``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.cli.privacy import Method
from mechopt.io.registry import verify_envelope
from mechopt.privacy.certify import TIE_RTOL
from mechopt.privacy.game import PrivacyGame, table_scale
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import METHODS, _optimum, _select, mip_pieces, solve_stackelberg, threshold_c
from mechopt.privacy.symmetric import SymmetricPrivacyGame
from mechopt.core.status import Status

MODEL = Path(__file__).resolve().parents[2] / "models" / "privacy_mean_estimation.toml"
runner = CliRunner()
G = SymmetricPrivacyGame(mean_estimation_game())
C_GRID = [0.0, 0.1, 0.25, 1 / 3 - 1e-3, 1 / 3, 1 / 3 + 1e-3, 0.45, 0.6, 2 / 3, 0.8]


def _same(a, b, tol=1e-9):
    assert a.alpha == pytest.approx(b.alpha, abs=tol)
    assert a.p == pytest.approx(b.p, abs=tol)
    assert a.platform_utility == pytest.approx(b.platform_utility, abs=tol)
    assert a.regime == b.regime


@pytest.mark.parametrize("c", C_GRID)
def test_mip_equals_candidates_on_section_51(c):
    cand = solve_stackelberg(G, c)
    mip = solve_stackelberg(G, c, method="mip")
    _same(mip, cand)
    assert mip.status is Status.OPTIMAL and mip.certificate.verified
    assert mip.certificate.grid_value <= mip.platform_utility + 1e-9
    assert mip.stats.method == "mpec-milp-highs" and mip.stats.parameters["method"] == "mip"
    assert mip.stats.parameters["exact_pieces"]
    assert cand.stats.method == "polynomial-candidates"


def test_section_51_pieces_are_the_three_patterns():
    """At c = 0.45: p = 1 (nobody shares) for alpha <= c / gamma_max = 0.675, the mixed branch on
    [0.675, 0.9], p = 0 (all share) from c / gamma_min = 0.9; the optimum is on the mixed branch."""
    rows, facts = mip_pieces(G, 0.45)
    by_support = {tuple(pc["support"]): pc for pc in facts["pieces"]}
    assert by_support[(0,)]["alpha_hi"] == pytest.approx(0.675, abs=1e-12)
    assert by_support[(1,)]["alpha_lo"] == pytest.approx(0.9, abs=1e-12)
    mixed = by_support[(0, 1)]
    assert (mixed["alpha_lo"], mixed["alpha_hi"]) == pytest.approx((0.675, 0.9), abs=1e-12)
    alpha, p, value = _select(rows, table_scale(G.game))
    assert (alpha, p, value) == pytest.approx((0.8059701492537314, 0.35, 0.1408), abs=1e-4)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-4, 8), min_size=2, max_size=2), st.integers(0, 24))
def test_mip_equals_candidates_on_random_tables(entries, k):
    """Random symmetric 2-user 2-level tables U = [[0, u01], [u01, u11]] (U = 0 when every user
    withholds, as in the paper; integer eighths, so many ties and degenerate games) and c = k / 20:
    the MILP's optimum equals the candidates' (value, and alpha and p by the same optimistic rule)."""
    u00, (u01, u11) = 0.0, (e / 8 for e in entries)
    game = SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.array([[u00, u01], [u01, u11]])))
    c = k / 20
    a_c, p_c, v_c = _optimum(game, c)
    rows, facts = mip_pieces(game, c)
    a_m, p_m, v_m = _select(rows, table_scale(game.game))
    assert v_m == pytest.approx(v_c, abs=1e-9)
    assert a_m == pytest.approx(a_c, abs=1e-9)
    assert p_m == pytest.approx(p_c, abs=1e-9)


@settings(max_examples=8, deadline=None)
@given(*[st.one_of(st.just(0.0), st.floats(1e-6, 1.0))] * 2, st.one_of(st.just(0.0), st.floats(1e-3, 1.0)))
@example(0.08689974050994313, 0.75, 1.0)
@example(1.0, 0.0, 0.99999)
def test_mip_certificate_on_random_float_tables(u01, step, c):
    """As above with real entries of a monotone table (Assumption 1; Theorem 3's c_th, computed for
    the result, bisects on [0, gamma(0)]), through ``solve_stackelberg``: the certificate holds and
    the alpha grid never beats the MILP.  Entries are 0 or at least 1e-6 (a table whose largest |U| is
    below 1e-50 is refused by design, game.check_magnitudes).  The first example: c above gamma's
    range, so every candidate is worth 0, the polynomial's U(1) = -1.1e-16 at alpha = 0 included;
    the tie is judged on the table's scale, so alpha = 0 is chosen (it was alpha = 1, which the
    certificate rightly left unverified).

    What the certificate guarantees is the value; the smallest-share selection it proves only when
    every pair of smaller share is worth less by more than TIE_RTOL V.  The second example is a
    near-tie: c = 0.99999 just below gamma_max = 1, so sharing pays the platform 1e-10 (at alpha
    = 0.999995), against 0 at alpha = 0: the answer is the optimum, and `unverified` says the
    selection is not separated."""
    u00, u11 = 0.0, u01 + step
    game = SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.array([[u00, u01], [u01, u11]])))
    mip = solve_stackelberg(game, c, method="mip")
    cand = solve_stackelberg(game, c)
    scale = mip.certificate.scale
    assert mip.platform_utility == pytest.approx(cand.platform_utility, abs=1e-9 * scale)
    assert mip.certificate.grid_value <= mip.platform_utility + 1e-9 * scale
    assert mip.certificate.max_regret <= 1e-9 * scale
    assert mip.certificate.bound <= mip.platform_utility + mip.certificate.tol * scale  # the value is optimal
    if mip.status is not Status.OPTIMAL:  # only a near-tie of a smaller share may leave it unverified
        assert mip.status is Status.UNVERIFIED and "selection is not separated" in mip.message, mip.message
        # the judge recomputes the value, (1 - alpha) U(p): equal to the answer's up to rounding (<< 1e-12 V)
        assert mip.certificate.rival_bound >= mip.platform_utility - (TIE_RTOL + 1e-12) * scale
        assert cand.status is Status.UNVERIFIED


def test_a_near_tie_of_a_smaller_share_is_unverified_and_says_so():
    """Table [[0, 1], [1, 1]], c = 0.99999: both methods find the optimum at alpha = 0.999995, p =
    0.99999, worth (1 - alpha)(1 - p^2) = 5e-6 * 2e-5 = 1e-10 (U = 1 when anyone shares), and alpha =
    0 is worth 0: within TIE_RTOL V = 1e-10, so the selection of the smallest share is not proven and
    the status says why."""
    game = SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.array([[0.0, 1.0], [1.0, 1.0]])))
    for method in METHODS:
        r = solve_stackelberg(game, 0.99999, method=method)
        assert r.status is Status.UNVERIFIED and "selection is not separated" in r.message
        assert r.platform_utility == pytest.approx((1 - r.alpha) * (1 - r.p**2), rel=1e-9)
        assert r.platform_utility == pytest.approx(1e-10, rel=1e-4)
        assert r.certificate.rival_bound == 0.0 and r.certificate.max_regret == 0.0


def test_negative_utility_when_all_private():
    """Outside the paper's U >= 0: with U < 0 when nobody shares, the platform's best is alpha = 1."""
    game = SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.array([[-0.125, 0.0], [0.0, 0.0]])))
    mip = solve_stackelberg(game, 0.15, method="mip")
    assert mip.status is Status.OPTIMAL and (mip.alpha, mip.p, mip.platform_utility) == (1.0, 1.0, 0.0)
    cand = solve_stackelberg(game, 0.15)
    assert cand.status is Status.OPTIMAL
    _same(mip, cand)


def test_threshold_when_sharing_never_pays():
    game = SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.array([[1.0, 0.5], [0.5, 0.0]])))
    assert float(game.gamma_poly()(0.0)) <= 0
    assert threshold_c(game) == 0.0
    assert solve_stackelberg(game, 0.2).status is Status.OPTIMAL


def test_vanishing_sensitivity_is_refused():
    with pytest.raises(ValueError, match="sensitivity: .*too small for method='mip'"):
        solve_stackelberg(G, 1e-300, method="mip")


def test_three_users_is_refused_with_the_reason():
    game = SymmetricPrivacyGame(PrivacyGame.from_function((0.0, 1.0), 3, lambda e: 1.0 - 0.5 ** sum(x > 0 for x in e)))
    with pytest.raises(ValueError, match=r"method: .*N = 3.*polynomial of degree N - 1 = 2"):
        solve_stackelberg(game, 0.2, method="mip")
    with pytest.raises(ValueError, match="method: must be one of"):
        solve_stackelberg(G, 0.2, method="lp")
    assert solve_stackelberg(game, 0.2).status is Status.OPTIMAL  # the default still answers N = 3


def test_cli_method_choices_match_the_solver():
    assert tuple(m.value for m in Method) == METHODS


def test_cli_method_mip_and_verify(tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["stackelberg", str(MODEL), "--sensitivity", "0.45", "--method", "mip", "--json",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    env = json.loads(out.read_text())
    assert env["result"]["stats"]["method"] == "mpec-milp-highs"
    assert env["result"]["alpha"] == pytest.approx(0.8059701492537314, abs=1e-9)
    assert verify_envelope(env).established
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 0, v.output


def test_cli_bad_method_names_the_option():
    r = runner.invoke(app, ["stackelberg", str(MODEL), "--sensitivity", "0.45", "--method", "simplex"])
    assert r.exit_code == 2
    assert "--method" in r.output


def test_cli_mip_on_three_users_is_an_error(tmp_path):
    model = tmp_path / "three.toml"
    table = [[[0.0, 0.5], [0.5, 0.75]], [[0.5, 0.75], [0.75, 0.875]]]
    model.write_text('kind = "stackelberg"\nsensitivity = 0.2\n[game]\nutility = "table"\nlevels = [0.0, 1.0]\n'
                     f"table = {json.dumps(table)}\n")
    r = runner.invoke(app, ["stackelberg", str(model), "--method", "mip"])
    assert r.exit_code == 2
    assert "method" in r.output and "degree" in r.output
