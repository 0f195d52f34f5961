"""The certifier of (19) (privacy/certify.py): the Bernstein enclosures it rests on, its bound
against an independent brute force, its independence from the solver, the smallest-share
evidence, unit-free verdicts, bad input at the door, and the Result protocol of (25)'s answer."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.polynomial import Polynomial
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.core.result import Result
from mechopt.core.serialization import MalformedAnswer
from mechopt.core.status import Status
from mechopt.io.envelope import wrap
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import solve_model, verify_envelope
from mechopt.privacy import stackelberg
from mechopt.privacy.bernstein import elevate, evaluate, maximize, product, split
from mechopt.privacy.certify import (SHARE_TOL, TIE_RTOL, Program, StackelbergResult, TwoGroupAnswer,
                                     certify_stackelberg, certify_two_group, stackelberg_certificate)
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import solve_stackelberg
from mechopt.privacy.symmetric import SymmetricPrivacyGame
from mechopt.privacy.twogroup import solve_two_group

MODEL = Path(__file__).resolve().parents[2] / "models" / "privacy_mean_estimation.toml"
G = SymmetricPrivacyGame(mean_estimation_game())
runner = CliRunner()


def _power(b: np.ndarray) -> Polynomial:
    """The Bernstein coefficients b as a power-basis polynomial (the definition, term by term)."""
    m = len(b) - 1
    p, q = Polynomial([0.0, 1.0]), Polynomial([1.0, -1.0])
    return sum((float(b[j]) * math.comb(m, j) * p**j * q ** (m - j) for j in range(m + 1)), Polynomial([0.0]))


def _symmetric(by_sharers: list[float]) -> SymmetricPrivacyGame:
    n = len(by_sharers) - 1
    table = np.empty((2,) * n)
    for idx in itertools.product((0, 1), repeat=n):
        table[idx] = by_sharers[sum(idx)]
    return SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), table))


# --- Bernstein tools ----------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=8), st.lists(st.floats(-5, 5), min_size=1, max_size=6),
       st.floats(0.05, 0.95))
def test_bernstein_operations_agree_with_the_power_basis(a, b, t):
    a, b = np.array(a), np.array(b)
    pa, pb = _power(a), _power(b)
    xs = np.linspace(0, 1, 7)
    np.testing.assert_allclose(_power(elevate(a, len(a) + 2))(xs), pa(xs), atol=1e-9)
    np.testing.assert_allclose(_power(product(a, b))(xs), (pa * pb)(xs), atol=1e-8)
    left, right = split(a, t)
    np.testing.assert_allclose(_power(left)(xs), pa(t * xs), atol=1e-9)
    np.testing.assert_allclose(_power(right)(xs), pa(t + (1 - t) * xs), atol=1e-9)
    assert evaluate(a, t) == pytest.approx(pa(t), abs=1e-9)
    fine = pa(np.linspace(0, 1, 1001))  # the enclosure: between the extreme coefficients
    assert a.min() - 1e-9 <= fine.min() and fine.max() <= a.max() + 1e-9


def test_maximize_brackets_a_polynomial_maximum():
    b = np.array([0.0, 3.0, -2.0, 1.0])  # P = 9 p (1-p)^2 - 6 p^2 (1-p) + p^3
    found = maximize(b[None], lambda c: c[:, 0].max(axis=1), lambda v: v[:, 0], prec=1e-13)
    grid = _power(b)(np.linspace(0, 1, 200_001)).max()
    assert found.lower <= found.upper and found.upper - found.lower <= 1e-12
    assert grid <= found.upper + 1e-15 and found.lower == pytest.approx(grid, abs=1e-9)


# --- the bound of (19) against a brute force ---------------------------------------------------------

def _brute(game: SymmetricPrivacyGame, c: float) -> float:
    """max of (19) over a fine p grid of the interior branch (alpha = c / gamma(p), gamma from the
    Theorem-2 table by enumeration) and the pure profiles' closed forms."""
    n = game.n
    phi = fair_values_users(game.game).users[0]
    ps = np.linspace(0.0, 1.0, 4001)
    gam, u = np.zeros_like(ps), np.zeros_like(ps)
    for others in itertools.product((0, 1), repeat=n - 1):
        k = sum(others)
        gam += (1 - ps) ** k * ps ** (n - 1 - k) * (phi[(1,) + others] - phi[(0,) + others])
    for idx in itertools.product((0, 1), repeat=n):
        k = sum(idx)
        u += (1 - ps) ** k * ps ** (n - k) * game.game.table[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(gam > 0, c / gam, np.inf)
    with np.errstate(invalid="ignore"):
        best = float(np.max(np.where(alpha <= 1, (1 - alpha) * u, -np.inf)))
    a1 = min(1.0, c / gam[-1]) if gam[-1] > 0 else 1.0
    best = max(best, u[-1] if u[-1] >= 0 else (1 - a1) * u[-1], 0.0)
    if c == 0:
        best = max(best, float(u.max()))
    return best


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-8, 16), min_size=3, max_size=6), st.floats(0.0, 1.2))
@example([-3, 1, -3], 0.00390625)  # the optimum 0 at alpha = 1, which the interior branch only approaches
def test_the_bound_brackets_the_brute_force_optimum(values, c):
    game = _symmetric([v / 8 for v in values])
    found = Program.of(game.game, c).optimum()
    brute = _brute(game, c)
    scale = max(1.0, float(np.abs(game.game.table).max()))
    assert brute <= found.upper + 1e-12 * scale
    assert found.upper - brute <= 1e-5 * scale  # the grid's resolution
    assert found.upper - found.lower <= 1e-11 * scale


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-4, 8), min_size=3, max_size=5), st.integers(0, 24))
@example([1, 1, 1, 0], 0)  # c = 0 and U flat to third order at its maximum p = 1: a near-tie
def test_the_solver_is_certified_on_random_tables(values, k):
    """Integer eighths (ties, degenerate games, U < 0) and c = k / 20: the candidates' value is the
    brute force's to the grid's resolution and is proved optimal (bound <= value + tol V); the
    answer is established unless the smallest-share selection is a near-tie the certificate cannot
    separate: a pair with p smaller by SHARE_TOL within TIE_RTOL V of the value (U flat to high
    order at its maximum), which it then labels unverified and says why, rather than guess."""
    game = _symmetric([v / 8 for v in values])
    r = solve_stackelberg(game, k / 20)
    cert, v = r.certificate, r.certificate.scale
    assert r.platform_utility == pytest.approx(_brute(game, k / 20), abs=1e-5)
    assert cert.bound <= r.platform_utility + cert.tol * v
    near_tie = cert.rival_bound >= r.platform_utility - TIE_RTOL * v
    assert (r.status is Status.OPTIMAL and r.success) is not near_tie, r.message
    if near_tie:
        assert r.status is Status.UNVERIFIED and "selection" in r.message


# --- independence and the evidence ---------------------------------------------------------------

def test_a_solver_bug_is_caught_by_the_certifier(monkeypatch):
    """A solver that forgets the interior branch answers the corner at c = 0.45 (value 0.1 against
    0.1408); the certifier, which shares no code with it, refuses to establish that."""
    honest = stackelberg.candidates

    def corners_only(game, c):
        rows = honest(game, c)
        return rows[(rows[:, 1] == 0.0) | (rows[:, 1] == 1.0)]

    monkeypatch.setattr(stackelberg, "candidates", corners_only)
    r = solve_stackelberg(G, 0.45)
    assert (r.alpha, r.p) == pytest.approx((0.9, 0.0))
    assert r.status is Status.UNVERIFIED and not r.success
    assert r.certificate.bound >= 0.1408 and "certificate" not in r.message


def test_the_value_zero_at_full_share_is_found():
    """U < 0 with nobody sharing: at alpha = 1 a mixed equilibrium has gamma(p) = c (value 0), above
    the best of nobody sharing ((1 - c / gamma(1)) U(1) < 0).  The candidates missed it when rounding
    put gamma(p) a hair below c; the certifier refused that answer."""
    game = _symmetric([-0.25, 0.25, -0.5, 0.125, 1.0])
    c = 0.49754825261766206
    r = solve_stackelberg(game, c)
    assert r.success and r.platform_utility == pytest.approx(0.0, abs=1e-15) and r.alpha == 1.0
    old = dataclasses.replace(r, alpha=c / 0.5, p=1.0)  # the old answer: p = 1 at alpha = c / gamma(1)
    cert = stackelberg_certificate(game, c, old.alpha, old.p)
    assert not cert.verified and cert.bound >= 0.0 > (1 - old.alpha) * -0.25 + 1e-9


def test_a_larger_share_of_equal_value_is_refused_by_the_rival_bound():
    """c = 0.8 > gamma_max: nobody shares and U(1) = 0, so every alpha <= c / gamma(1) has value 0;
    only alpha = 0 is the smallest optimal share."""
    honest = stackelberg_certificate(G, 0.8, 0.0, 1.0)
    assert honest.verified and honest.rival_bound == -np.inf
    forged = stackelberg_certificate(G, 0.8, 0.5, 1.0)
    assert forged.support_gap == 0.0 and forged.bound <= 1e-12
    assert not forged.verified and forged.rival_bound >= 0.0 - TIE_RTOL


def test_smallest_p_at_the_optimal_share():
    """c = 0, alpha* = 0: every p is an equilibrium and U is largest at p = 0 (everybody shares)."""
    assert stackelberg_certificate(G, 0.0, 0.0, 0.0).verified
    assert not stackelberg_certificate(G, 0.0, 0.0, 2 * SHARE_TOL).verified


def test_threshold_is_bracketed():
    r = solve_stackelberg(G, 0.25)
    for shift, ok in ((0.0, True), (2e-4, False), (-2e-4, False)):
        moved = dataclasses.replace(r, c_th=1 / 3 + shift)
        assert certify_stackelberg(G, 0.25, moved).established is ok, shift


@pytest.mark.parametrize("scale", [1e-9, 1e-3, 1.0, 1e3, 1e9])
@pytest.mark.parametrize("c", [0.0, 0.25, 0.45, 0.8])
def test_the_verdict_does_not_depend_on_units(scale, c):
    """U and c in other units: the same alpha*, p*, regime and c_th / unit, and `mechopt verify`
    establishes the saved envelope (tolerances relative to max |U| and to the payoff terms)."""
    ref = solve_stackelberg(G, c)
    table = (scale * mean_estimation_game().table).tolist()
    raw = {"kind": "stackelberg", "sensitivity": c * scale,
           "game": {"utility": "table", "levels": [0.0, 1.0], "table": table}}
    r = solve_model(raw)
    assert r.status is Status.OPTIMAL and r.success
    assert (r.alpha, r.p, r.regime) == (pytest.approx(ref.alpha, rel=1e-12), pytest.approx(ref.p, abs=1e-12),
                                        ref.regime)
    assert r.c_th / scale == pytest.approx(1 / 3, abs=1e-7)
    verdict = verify_envelope(json.loads(json.dumps(wrap("stackelberg", raw, r))))
    assert verdict.established and verdict.status is Status.OPTIMAL


def test_the_largest_table_is_answered_and_certified():
    """N = 14 users (the most a model file may have): U = 1 - 2^-k, c between gamma_min and gamma_max."""
    game = _symmetric([1 - 0.5**k for k in range(15)])
    gmin, gmax = game.gamma_range()
    r = solve_stackelberg(game, 0.5 * (gmin + gmax))
    assert r.success and r.regime == "mixed"


# --- bad input -----------------------------------------------------------------------------------

def test_an_extreme_sensitivity_on_the_command_line_names_the_option():
    out = runner.invoke(app, ["stackelberg", str(MODEL), "--sensitivity", "1e308"])
    assert out.exit_code == 2
    assert "--sensitivity" in out.output and "'sensitivity'" in out.output and "[0, 1e+50]" in out.output


def _raw(**fields):
    return {**load_model_file(MODEL), **fields}


def _table(n: int, value: float = 1.0):
    t: object = value
    for _ in range(n):
        t = [t, t]
    return {"utility": "table", "levels": [0.0, 1.0], "table": t}


@pytest.mark.parametrize("raw,message", [
    (_raw(sensitivity=1e308), r"sensitivity: must be a finite number in \[0, 1e\+50\]"),
    (_raw(game=_table(2, 1e300)), r"game\.table: the largest \|U\| must be 0 or in \[1e-50, 1e\+50\]"),
    (_raw(game=_table(2, 1e-60)), r"game\.table: the largest \|U\|"),
    (_raw(game=_table(15)), r"game\.table: nested deeper than 14 users"),
    (_raw(game={"utility": "table", "levels": [0.0, 1.0, 2.0], "table": [[0.0] * 3] * 3}),
     r"game\.levels: Section 5's game \(kind 'stackelberg', Theorem 3\) has two privacy levels, got 3; for 2 to 8 "
     r"levels use kind 'stackelberg_levels'"),
    (_raw(game={"utility": "table", "levels": [0.0, 1.0], "table": [[0.0, 1.0, 2.0], [1.0, 2.0]]}),
     r"game\.table: every row must have 2 entries"),
])
def test_extreme_models_name_the_field_and_the_range(raw, message):
    with pytest.raises(ModelFileError, match=message):
        solve_model(raw, source="m.toml")


def test_the_python_api_names_the_field():
    with pytest.raises(ValueError, match=r"sensitivity: must be a finite number in \[0, 1e\+50\]"):
        solve_stackelberg(G, 1e308)
    with pytest.raises(ValueError, match=r"sensitivity"):
        solve_stackelberg(G, math.nan)
    with pytest.raises(ValueError, match=r"table: the largest \|U\|"):
        SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), np.full((2, 2), 1e300)))
    with pytest.raises(ValueError, match=r"table: Section 5's programs are certified for at most 14 users"):
        solve_stackelberg(_symmetric([1 - 0.5**k for k in range(16)]), 0.2)
    r = solve_stackelberg(G, 0.45)
    with pytest.raises(MalformedAnswer, match=r"^p: must be a number in \[0, 1\]"):
        certify_stackelberg(G, 0.45, dataclasses.replace(r, p=-0.1))


def test_a_sensitivity_above_every_gamma_is_answered():
    """c far above gamma_max (but in range): nobody shares, alpha* = 0 (Theorem 3, case 1)."""
    r = solve_stackelberg(G, 1e40)
    assert r.success and (r.alpha, r.p, r.platform_utility) == (0.0, 1.0, 0.0)


# --- (25)'s answer follows the Result protocol -----------------------------------------------------

def test_two_group_answer_is_a_certified_result():
    game = mean_estimation_game()
    r = solve_two_group(game, 0.5, 0.4)
    assert isinstance(r, Result) and isinstance(r, TwoGroupAnswer)
    assert r.kind == "two_group" and r.status is Status.EQUILIBRIUM and r.success and r.message
    assert r.stats.method == "two-group-candidates" and r.max_regret <= 1e-12
    back = TwoGroupAnswer.from_dict(json.loads(json.dumps(r.to_dict())))
    assert certify_two_group(game, 0.5, 0.4, back).established
    moved = dataclasses.replace(back, x=np.array([0.0, 1.0]))  # user 1 shares too: not an equilibrium
    assert not certify_two_group(game, 0.5, 0.4, moved).established
    assert not certify_two_group(game, 0.5, 0.4, dataclasses.replace(back, platform_utility=0.5)).established
    with pytest.raises(MalformedAnswer, match="x: must be a mixed strategy"):
        certify_two_group(game, 0.5, 0.4, dataclasses.replace(back, x=np.array([0.5, 0.7])))


def test_stackelberg_result_is_a_result():
    r = solve_stackelberg(G, 0.45)
    assert isinstance(r, Result) and isinstance(r, StackelbergResult) and r.verdict is not None
    assert r.message.startswith("optimal: established (proof)")
