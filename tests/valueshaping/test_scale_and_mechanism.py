"""Paper 000's answers are unit-free (every value and cost scaled by 1e-9 or 1e9: same answer, same
verdict); value shaping (11) is a :class:`~mechopt.mechanisms.base.Mechanism`; the exact piece
maxima of the contract certificate agree with a dense grid; viability when b(0) = 0 (Remark 3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mechopt.core.status import Status
from mechopt.core.verdict import Basis
from mechopt.data.functions import PACBound, PowerLaw
from mechopt.io.files import load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.mechanisms.base import Mechanism
from mechopt.valueshaping.binary_costs import BinaryCosts
from mechopt.valueshaping.certify import contract_gap
from mechopt.valueshaping.contracts import feasible_lower
from mechopt.valueshaping.equilibrium import min_viable_agents, solve_value_shaping, viability_threshold
from mechopt.valueshaping.game import ValueShapingGame
from mechopt.valueshaping.mechanisms import ValueShaping
from mechopt.valueshaping.value import ValueOfData

MODELS = Path(__file__).resolve().parents[2] / "models"
INV = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, top=1.0))  # b = 1 - 1/m
COSTS = np.array([0.01, 0.02, 0.05, 0.3])


def _scaled_value_shaping(s: float) -> dict:
    raw = load_model_file(MODELS / "value_shaping_heterogeneous.toml")
    raw["value"] = {**raw["value"], "coefficient": s * raw["value"]["coefficient"], "top": s * raw["value"]["top"]}
    raw["cost"] = {"slope": [s * c for c in raw["cost"]["slope"]]}
    return raw


def _scaled_contract(s: float) -> dict:
    raw = load_model_file(MODELS / "value_shaping_contract.toml")
    raw["value"] = {**raw["value"], "coefficient": s * raw["value"]["coefficient"], "top": s * raw["value"]["top"]}
    raw["cost"] = {**raw["cost"], "low": s * raw["cost"]["low"], "high": s * raw["cost"]["high"]}
    return raw


@pytest.mark.parametrize("s", [1e-9, 1e9])
def test_scaled_value_shaping_model_same_answer_and_verdict(s):
    ref, got = solve_model(_scaled_value_shaping(1.0)), solve_model(_scaled_value_shaping(s))
    assert got.status is ref.status is Status.EQUILIBRIUM and got.success and ref.success
    np.testing.assert_allclose(got.profile, ref.profile, rtol=1e-12)
    np.testing.assert_allclose(got.solo, ref.solo, rtol=1e-12)
    np.testing.assert_allclose(got.equilibrium.utilities, s * ref.equilibrium.utilities, rtol=1e-9, atol=1e-12 * s)
    assert got.regimes == ref.regimes and got.min_viable_agents == ref.min_viable_agents
    assert got.viability_threshold == pytest.approx(ref.viability_threshold / s, rel=1e-12)
    assert [p.total for p in got.equilibria] == pytest.approx([p.total for p in ref.equilibria], rel=1e-12)
    envelope = json.loads(json.dumps(answer_model(_scaled_value_shaping(s))))
    assert verify_envelope(envelope).established


@pytest.mark.parametrize("s", [1e-9, 1e9])
def test_scaled_contract_model_same_answer_and_verdict(s):
    ref, got = solve_model(_scaled_contract(1.0)), solve_model(_scaled_contract(s))
    assert got.status is ref.status is Status.OPTIMAL and got.success
    assert got.m_down == pytest.approx(ref.m_down, rel=1e-12)
    assert got.m_up == pytest.approx(ref.m_up, rel=1e-12)
    assert got.information_rent == pytest.approx(s * ref.information_rent, rel=1e-9)
    envelope = json.loads(json.dumps(answer_model(_scaled_contract(s))))
    assert verify_envelope(envelope).established


def test_value_shaping_is_a_mechanism():
    """(11) as a payment rule in value units: at m^max every agent receives the full model v(M)
    (payments 0); below it the mechanism withholds value ([M]_i - v(sum m) < 0 for agents below m^max)."""
    mech = ValueShaping(INV, COSTS)
    assert isinstance(mech, Mechanism) and mech.name == "value_shaping" and mech.parameters == {"epsilon": 0.0}
    r = solve_value_shaping(INV, COSTS)
    m = r.profile
    np.testing.assert_allclose(mech.payments(m), 0.0, atol=1e-12)
    low = 0.5 * m
    pay = mech.payments(low)
    np.testing.assert_allclose(pay, mech.values(low) - float(INV.v(low.sum())), rtol=0, atol=0)
    assert np.all(pay <= 1e-15) and np.any(pay < -1e-3)
    game = mech.game()
    assert isinstance(game, ValueShapingGame)
    np.testing.assert_allclose(game.utilities(m), r.equilibrium.utilities, atol=1e-12)
    with pytest.raises(ValueError, match="m: expected 4"):
        mech.payments(np.ones(3))


@pytest.mark.parametrize(("costs", "p", "others"), [((0.002, 0.004), 0.3, 5.0), ((0.01, 0.02), 0.05, 0.5),
                                                    ((0.001, 0.003), 0.6, 50.0)])
def test_contract_piece_maxima_match_a_dense_grid(costs, p, others):
    """The exact gains, feasibility and IR of (15) (piece maxima) against a 400 001-point grid
    (an independent method), at the optimum and at a feasible point that is not optimal."""
    s = BinaryCosts(INV, costs[0], costs[1], p, others)
    a, L = feasible_lower(s)
    _, hi = s.bounds
    for m_down in (L, 0.5 * (L + hi)):
        cert = contract_gap(s, m_down, a)
        m_up = s.m_up(m_down)
        x = np.union1d(np.linspace(0.0, 3 * hi + 10.0, 400_001), [m_up, m_down])
        mech = s.mechanism_15(m_down, x)
        feas = float(np.max(mech - INV.v(x + others)))
        ir = float(np.max(INV.v(x) - mech))
        assert cert.feasibility_gap == pytest.approx(max(feas, 0.0), abs=1e-12)
        assert cert.ir_gap == pytest.approx(max(ir, 0.0), abs=1e-12)
        for c, own, gain in zip(costs[::-1], (m_up, m_down), cert.gains):
            at = float(s.mechanism_15(m_down, np.array([own]))[0]) - c * own
            found = float(np.max(mech - c * x)) - at
            assert found <= gain + 1e-12  # the exact maximum bounds every sample ...
            assert gain - max(found, 0.0) <= 1e-6  # ... and the grid comes close to it


def test_viability_when_b_vanishes_at_zero():
    """b = 1 - 1/(1 + m) (b(0) = 0, m0 = 0): kappa = 1/b'(0) = 1.  With c = 2.5 no agent alone
    contributes (b'(0) < c); n agents sustain M > 0 iff n / 2.5 > 1, and g(M) = (n/2.5) M/(1 + M) - M
    gives M = n/2.5 - 1: 0.2 for n = 3, none for n = 2."""
    value = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, shift=1.0, top=1.0))
    assert viability_threshold(value) == 1.0
    r3 = solve_value_shaping(value, np.full(3, 2.5))
    assert r3.status is Status.EQUILIBRIUM and r3.total_data == pytest.approx(0.2, rel=1e-12)
    assert [p.bracket for p in r3.equilibria][-1] == (0.0, 0.0)  # the zero profile is a fixed point too
    r2 = solve_value_shaping(value, np.full(2, 2.5))
    assert r2.status is Status.EQUILIBRIUM and r2.total_data == 0.0 and len(r2.equilibria) == 1
    assert min_viable_agents(value, np.full(5, 2.5)) == 3


def test_solo_utility_is_v0_when_b_is_positive_at_zero():
    """b = 2 - 1/(1 + m): b(0) = 1 = v(0), b'(0) = 1.  Alone, an agent of cost 2 keeps m* = 0 with
    utility v(0) = 1 (not 0); one of cost 1/4 takes m* = 1 with utility 2 - 1/2 - 1/4 = 5/4.  Three
    agents of cost 2.5 sustain M = 0.2 (A (v(M) - v(0)) = M, as above), each keeping v(0) (Theorem V)."""
    value = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, shift=1.0, top=2.0))
    r = solve_value_shaping(value, np.array([2.0, 0.25]))
    np.testing.assert_allclose(r.solo, [0.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(r.solo_utilities, [1.0, 1.25], rtol=1e-14)
    assert r.regimes == ["high", "low"] and r.status is Status.EQUILIBRIUM
    r3 = solve_value_shaping(value, np.full(3, 2.5))
    assert r3.status is Status.EQUILIBRIUM and r3.total_data == pytest.approx(0.2, rel=1e-12)
    np.testing.assert_allclose(r3.equilibrium.utilities, 1.0, rtol=1e-12)


def test_the_basis_names_what_the_verdict_rests_on():
    power = solve_value_shaping(INV, COSTS).verdict
    pac = solve_value_shaping(ValueOfData(PACBound(a0=0.95, k=10.0)), np.full(100, 0.001)).verdict
    assert power.basis is Basis.PROOF and "closed form" in power.rests_on
    assert pac.basis is Basis.DECLARED_ASSUMPTION and "sampled" in pac.rests_on and pac.established


def test_the_model_tolerance_is_the_verdicts():
    raw = {**load_model_file(MODELS / "value_shaping_heterogeneous.toml"), "tol": 1e-6}
    r = solve_model(raw)
    assert r.verdict.tol == 1e-6 and r.certificate.tol == 1e-6 and r.success
    envelope = json.loads(json.dumps(answer_model(raw)))
    assert verify_envelope(envelope).established
    assert not verify_envelope(envelope, tol=1e-9).established  # the file's tolerance is looser than asked
