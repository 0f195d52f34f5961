"""The ``baseline_equilibrium`` kind: PD, PV, PS (000 (12)-(14)) equilibria symmetric by cost type,
their exact deviation bounds, the proof of the largest one, the families of Figure 7, and forgeries
(`mechopt verify` exits 1)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import brentq
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.data.functions import PACBound, PowerLaw
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, verify_envelope
from mechopt.valueshaping.baselines import families, solve_baseline_equilibrium
from mechopt.valueshaping.proportional.deviation import Contribution, Deviation
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.value import ValueOfData

MODELS = Path(__file__).resolve().parents[2] / "models"
FIG = ValueOfData(PACBound(a0=0.95, k=10.0))
INV = ValueOfData(PowerLaw(alpha=1.0, beta=1.0, top=1.0))  # v = max(0, 1 - 1/m), m0 = 1
runner = CliRunner()


def _dense_max(dev: Deviation, top: float, points: int = 400_001) -> float:
    x = np.linspace(0.0, top, points)
    return float(np.max(dev.utility(x)))


@pytest.mark.parametrize("mechanism, p, m", [("PD", 0.5, 3.0), ("PD", 1.0, 7.0), ("PV", 0.5, 400.0),
                                             ("PS", 0.3, 2.5), ("PS", 1.0, 30.0)])
def test_bounds_enclose_a_dense_search(mechanism: str, p: float, m: float) -> None:
    """lower <= dense-grid maximum (an independent search over [0, 3m]) <= upper, within the resolution."""
    n, c = 300, 0.1
    psi = Contribution(mechanism, FIG, n, m)
    dev = Deviation(psi, p, c, (n - 1) * m, float(psi.psi(np.array(m))), m)
    lo, up, x = dev.best(1e-12)
    dense = _dense_max(dev, 3 * m)
    assert lo <= dense + 1e-12 and dense <= up + 1e-12
    assert up - lo <= 1e-11 and float(dev.utility(np.array(x))) == pytest.approx(lo, abs=1e-12)


def test_pd_p1_largest_is_the_ir_root() -> None:
    """PD, p = 1, u* = 0: the largest symmetric m solves v(n m) = c m (closed-form condition, brentq)."""
    raw = load_model_file(MODELS / "baseline_pd_figure6.toml")
    env = json.loads(json.dumps(answer_model(raw)))
    r = env["result"]
    n, c = raw["n"], raw["cost"]["slope"]
    root = brentq(lambda m: float(FIG.v(n * m)) - c * m, 1.0, 9.0, xtol=1e-14)
    assert r["status"] == "equilibrium" and r["largest"] is True
    assert r["contributions"][0] == pytest.approx(root, rel=1e-9)
    assert verify_envelope(env).established


def test_pd_power_law_largest_is_the_kink_or_ir_root() -> None:
    """v = 1 - 1/m (m0 = 1), PD p = 0.5: the largest m is min(kink root, IR root), each by brentq on
    p v(nm)/m + v'(nm) = c and v(nm) - c m = u* (the kink condition is decreasing in m)."""
    n, c, p = 20, 0.01, 0.5
    _, u, _ = solo_contributions(INV, np.array([c]))
    kink = brentq(lambda m: p * float(INV.v(n * m)) / m + float(INV.dv(n * m)) - c, 0.2, 1e3, xtol=1e-13)
    ir = brentq(lambda m: float(INV.v(n * m)) - c * m - float(u[0]), 5.0, 1e3, xtol=1e-13)
    r = solve_baseline_equilibrium(INV, np.full(n, c), "PD", p)
    assert r.success and r.largest and r.verdict.basis.value == "proof"
    assert r.contributions[0] == pytest.approx(min(kink, ir), rel=1e-8)


def test_p_zero_is_standard_fl() -> None:
    """p = 0: (8); with m* = 0 (Figure 6's cost) nobody contributes (Theorem III) and that is the largest."""
    for mechanism in ("PD", "PV", "PS"):
        r = solve_baseline_equilibrium(FIG, np.full(300, 0.1), mechanism, 0.0)
        assert r.success and r.total == 0.0 and r.largest


def _brute_two_types(value: ValueOfData, nL: int, nH: int, cL: float, cH: float, p: float) -> float:
    """Largest total over a 2-D grid of (m_low, m_high) and the 'high leaves' profiles whose every
    deviation on a dense grid (and leaving) gains at most 1e-7: an independent search."""
    _, us, _ = solo_contributions(value, np.array([cL, cH]))
    grid = np.geomspace(1.0, (value.sup - us[0]) / cL, 70)

    def best(c: float, S: float, M: float) -> float:
        x = np.linspace(0.0, 3 * max(M, 1.0), 4001)
        return float(np.max(np.minimum(x / max(M, 1e-300), 1.0) ** p * value.v(x + S) - c * x))

    top = 0.0
    for mL in grid:
        for mH in np.concatenate([grid, [-1.0]]):
            if mH < 0:  # the high-cost agents train alone
                N = nL * mL
                ok = (best(cL, N - mL, mL) <= max(float(value.v(N)) - cL * mL, 0) + 1e-7
                      and float(value.v(N)) - cL * mL >= us[0] - 1e-7 and best(cH, N, mL) <= us[1] + 1e-7)
                tot = N
            else:
                N = nL * mL + nH * mH
                M = max(mL, mH)
                uL = min(mL / M, 1) ** p * float(value.v(N)) - cL * mL
                uH = min(mH / M, 1) ** p * float(value.v(N)) - cH * mH
                ok = (uL >= us[0] - 1e-7 and uH >= us[1] - 1e-7 and best(cL, N - mL, M) <= uL + 1e-7
                      and best(cH, N - mH, M) <= uH + 1e-7)
                tot = N
            if ok:
                top = max(top, tot)
    return top


def _dense_gain(value: ValueOfData, types: np.ndarray, counts: np.ndarray, m: np.ndarray, left: np.ndarray,
                p: float) -> float:
    """Largest gain of any type on a dense grid of deviations (and leaving): an independent check."""
    _, us, _ = solo_contributions(value, types)
    N = float(np.sum(np.where(left, 0.0, counts * m)))
    gain = 0.0
    for t in range(2):
        others = np.where(left, 0.0, m)[(np.arange(2) != t) | (counts > 1)]
        M, S = float(others.max(initial=0.0)), N - (0.0 if left[t] else m[t])
        x = np.linspace(0.0, 3 * max(M, m[t], 1.0), 200_001)
        best = float(np.max(np.minimum(x / max(M, 1e-300), 1.0) ** p * value.v(x + S) - types[t] * x))
        u = us[t] if left[t] else min(m[t] / max(M, m[t]), 1.0) ** p * float(value.v(N)) - types[t] * m[t]
        gain = max(gain, max(best, us[t]) - u)
    return gain


def test_two_type_families_against_brute_force() -> None:
    """PD with 50 agents of cost 0.001 and 50 of 0.002 (PAC bound): the families' largest total is at least
    what a 2-D grid search finds, and every family member found passes a dense search of deviations."""
    types, counts = np.array([0.001, 0.002]), np.array([50, 50])
    costs = np.repeat(types, counts)
    for p in (0.5, 1.0):
        fams = [f for f in families(FIG, costs, "PD", p) if f.verified]
        best = max(f.total for f in fams)
        assert best >= _brute_two_types(FIG, 50, 50, 0.001, 0.002, p)
        for f in fams:
            assert _dense_gain(FIG, types, counts, f.contributions, f.left, p) <= 1e-8, f.family
        r = solve_baseline_equilibrium(FIG, costs, "PD", p)
        assert r.success and r.total == pytest.approx(best, rel=1e-12) and not r.largest


def _honest() -> dict[str, Any]:
    return json.loads(json.dumps(answer_model(load_model_file(MODELS / "baseline_pd_figure6.toml"))))


def _verify(envelope: dict[str, Any], tmp_path: Path) -> int:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(envelope))
    return runner.invoke(app, ["verify", str(path)]).exit_code


FORGERIES = {
    "profile": lambda r: r["contributions"].__setitem__(0, r["contributions"][0] * 0.9),
    "profile above the largest": lambda r: r["contributions"].__setitem__(0, r["contributions"][0] * 1.01),
    "gain": lambda r: r["certificate"]["gains"].__setitem__(0, 5e-10),  # below tol, but not the bound recomputed
    "max gain": lambda r: r["certificate"].__setitem__("max_gain", 5e-10),
    "loosened tol": lambda r: r["certificate"].__setitem__("tol", 1e-3),
    "largest": lambda r: r.__setitem__("largest", False),
    "left": lambda r: r["left"].__setitem__(0, True),
    "total": lambda r: r.__setitem__("total", r["total"] * 2),
}


def test_honest_answer_verifies(tmp_path: Path) -> None:
    assert _verify(_honest(), tmp_path) == 0


@pytest.mark.parametrize("what", list(FORGERIES))
def test_forgeries_are_rejected(what: str, tmp_path: Path) -> None:
    env = copy.deepcopy(_honest())
    FORGERIES[what](env["result"])
    assert _verify(env, tmp_path) == 1


@pytest.mark.parametrize("change, field", [({"mechanism": "PS", "cost": {"slope": [0.1] * 999 + [0.2]}}, "cost.slope"),
                                           ({"p": 1.5}, "p"), ({"mechanism": "XX"}, "mechanism"),
                                           ({"cost": {"slope": [0.1] * 998 + [0.2, 0.3]}}, "cost.slope")])
def test_bad_models_name_the_field(change: dict[str, Any], field: str) -> None:
    raw = {**load_model_file(MODELS / "baseline_pd_figure6.toml"), **change}
    with pytest.raises(ModelFileError, match=field.split(".")[0]):
        answer_model(raw)


def test_scale_invariance() -> None:
    """Every value multiplied by 1e6 and every cost by 1e6 (same utilities up to the factor): same profile."""
    n, c, p = 20, 0.01, 0.5
    big = ValueOfData(PowerLaw(alpha=1e6, beta=1.0, top=1e6))
    a = solve_baseline_equilibrium(INV, np.full(n, c), "PD", p)
    b = solve_baseline_equilibrium(big, np.full(n, c * 1e6), "PD", p)
    assert a.success and b.success and b.largest
    assert b.contributions[0] == pytest.approx(a.contributions[0], rel=1e-9)


def test_figure7_families_meet_their_closed_form_conditions() -> None:
    """Figure 7's setting (n = 10^4, q = 0.2, costs 1e-4 / 2e-4): at p = 1 the pool ends where the
    high type's IR binds, v(n m) - c_hi m = u*_hi, and the 'leave' family where the low type's does
    among its n_lo agents (brentq); at p = 0.5 the split member's high type meets its interior
    first-order condition p r^(p-1) v(N)/m_lo + r^p v'(N) = c_hi, r = m_hi/m_lo."""
    n, n_lo, c_lo, c_hi = 10_000, 2_000, 1e-4, 2e-4
    costs = np.array([c_lo] * n_lo + [c_hi] * (n - n_lo))
    _, us, _ = solo_contributions(FIG, np.array([c_lo, c_hi]))
    fams = {f.family: f for f in families(FIG, costs, "PD", 1.0)}
    pool = brentq(lambda m: float(FIG.v(n * m)) - c_hi * m - us[1], 1e3, 4e3, xtol=1e-10)
    assert fams["pool"].contributions[0] == pytest.approx(pool, rel=1e-8)
    leave = brentq(lambda m: float(FIG.v(n_lo * m)) - c_lo * m - us[0], 3e3, 5.6e3, xtol=1e-10)
    f = fams[f"leave (cost {c_hi:g} trains alone)"]
    assert f.verified and list(f.left) == [False, True] and f.contributions[0] == pytest.approx(leave, rel=1e-8)
    split = {f.family: f for f in families(FIG, costs, "PD", 0.5)}[f"split (cost {c_lo:g} on top)"]
    m_lo, m_hi = split.contributions
    N = n_lo * m_lo + (n - n_lo) * m_hi
    r = m_hi / m_lo
    foc = 0.5 * r**-0.5 * float(FIG.v(N)) / m_lo + r**0.5 * float(FIG.dv(N))
    assert split.verified and 0 < m_hi < m_lo and foc == pytest.approx(c_hi, rel=1e-4)
