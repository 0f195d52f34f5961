"""Forged ``value_shaping`` and ``value_shaping_contract`` answers are not established (exit 1) or
malformed (exit 2); honest ones are, and ``mechopt solve`` reaches the same verdict as ``mechopt
verify`` on the saved file (issues "One judge per kind" and "Verdicts that hold under attack")."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from field_walk import walk
from mechopt.cli import app
from mechopt.data.functions import PACBound
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.totals import profile_from_total
from mechopt.valueshaping.value import ValueOfData

MODELS = Path(__file__).resolve().parents[2] / "models"
runner = CliRunner()


def _model(name: str) -> dict[str, Any]:
    return load_model_file(MODELS / name)


def _gpt3(n: int) -> dict[str, Any]:
    return {**_model("value_shaping_gpt3.toml"), "n": n}


HONEST = {
    "heterogeneous": _model("value_shaping_heterogeneous.toml"),
    "figure4": {**_model("value_shaping_figure4.toml"), "n": 1000, "cost": {"slope": 0.01}},  # three fixed points
    "gpt3_224": _gpt3(224),  # the smallest viable number of companies (docs/valueshaping.md)
    "gpt3_223": _gpt3(223),  # one fewer: only the zero profile
    "contract": _model("value_shaping_contract.toml"),
    "contract_symmetric": {**{k: v for k, v in _model("value_shaping_contract.toml").items() if k != "others"}, "n": 10},
    # 000 Appendix D with c = 0.005/0.02, p = 0.1, Delta = 1: no m_down makes (15) feasible
    "contract_infeasible": {**_model("value_shaping_contract.toml"), "others": 1.0,
                            "cost": {"low": 0.005, "high": 0.02, "p_low": 0.1}},
}
STATUS = {"heterogeneous": "equilibrium", "figure4": "equilibrium", "gpt3_224": "equilibrium", "gpt3_223": "equilibrium",
          "contract": "optimal", "contract_symmetric": "optimal", "contract_infeasible": "assumption_violated"}


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(raw))) for name, raw in HONEST.items()}


def _established(envelope: dict[str, Any]) -> bool:
    try:
        return verify_envelope(envelope).established
    except ModelFileError:
        return False


_STEP = re.compile(r"[^.\[\]]+|\[\d+\]")


def _set(envelope: dict, path: str, value: Any) -> dict:
    """A copy with ``path`` (``result.equilibria[0].bracket``) set to ``value`` (KeyError: deleted)."""
    out = copy.deepcopy(envelope)
    steps = [int(s[1:-1]) if s.startswith("[") else s for s in _STEP.findall(path)]
    target = out
    for step in steps[:-1]:
        target = target[step]
    if value is KeyError:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value
    return out


def _moved(envelope: dict, profile: list[float]) -> dict:
    """The equilibrium moved together with its evidence (the strongest forgery of a point)."""
    out = _set(envelope, "result.equilibrium.profile", profile)
    return _set(out, "result.equilibrium.certificate.point", profile)


def _at_total(envelope: dict, M: float) -> list[float]:
    """Every agent at its m_i^max for the total M (the profile of a fixed point of g, or not)."""
    model = envelope["model"]
    value = ValueOfData(PACBound(a0=model["value"]["a0"], k=model["value"]["k"]))
    c = np.full(model["n"], model["cost"]["slope"])
    m_star, _, _ = solo_contributions(value, c)
    return profile_from_total(value, c, model.get("epsilon", 0.0), m_star, M).tolist()


def _middle_first(e: dict) -> dict:
    """figure4: the unstable middle fixed point claimed as the data-maximizing equilibrium."""
    points = e["result"]["equilibria"]
    out = _moved(e, _at_total(e, points[1]["total"]))
    out = _set(out, "result.total_data", points[1]["total"])
    return _set(out, "result.equilibria", [points[1], points[0], points[2]])


def _zero_only(e: dict) -> dict:
    """figure4: the zero profile claimed as the largest, the positive fixed points left out."""
    n = e["model"]["n"]
    out = _moved(e, [0.0] * n)
    out = _set(out, "result.total_data", 0.0)
    return _set(out, "result.equilibria", [e["result"]["equilibria"][2]])


def _larger_total(e: dict) -> dict:
    """figure4: every agent at m^max for a total 1% above the largest root, bracket and total moved with it."""
    M = 1.01 * e["result"]["equilibria"][0]["total"]
    out = _moved(e, _at_total(e, M))
    out = _set(out, "result.total_data", M)
    out = _set(out, "result.equilibria[0].total", M)
    return _set(out, "result.equilibria[0].bracket", [M, M])


# (honest model, what is forged, the forgery)
FORGERIES = [
    # 000 value shaping, costs (0.01, 0.02, 0.05, 0.3): with eps = 0 every m in [m*, m^max] is a weak best
    # response, so a scaled-down profile has zero gains but is not the data-maximizing equilibrium
    ("heterogeneous", "profile scaled by 0.9", lambda e: _moved(e, [0.9 * x for x in e["result"]["equilibrium"]["profile"]])),
    ("heterogeneous", "profile scaled by 1.1", lambda e: _moved(e, [1.1 * x for x in e["result"]["equilibrium"]["profile"]])),
    ("heterogeneous", "profile without its evidence", lambda e: _set(e, "result.equilibrium.profile", [10.0, 7.0, 5.0, 1.0])),
    ("heterogeneous", "total data", lambda e: _set(e, "result.total_data", 2 * e["result"]["total_data"])),
    ("heterogeneous", "free riding: everyone contributes",
     lambda e: _set(_set(e, "result.free_riding", [10.0, 7.0, 4.0, 0.0]), "result.free_riding_certificate.point",
                    [10.0, 7.0, 4.0, 0.0])),
    ("heterogeneous", "solo", lambda e: _set(e, "result.solo[3]", 1.0)),
    ("heterogeneous", "regimes", lambda e: _set(e, "result.regimes[3]", "low")),
    ("heterogeneous", "utilities", lambda e: _set(e, "result.equilibrium.utilities", [1.0, 1.0, 1.0, 1.0])),
    ("heterogeneous", "zero equilibrium claimed", lambda e: _moved(e, [0.0, 0.0, 0.0, 0.0])),
    ("heterogeneous", "edited model costs", lambda e: _set(e, "model.cost.slope", [0.01, 0.02, 0.05, 0.1])),
    ("heterogeneous", "edited model epsilon", lambda e: _set(e, "model.epsilon", 0.01)),
    ("heterogeneous", "equilibria deleted", lambda e: _set(e, "result.equilibria", [])),
    ("heterogeneous", "min viable agents", lambda e: _set(e, "result.min_viable_agents", 2)),
    ("heterogeneous", "certificate deleted", lambda e: _set(e, "result.equilibrium.certificate", KeyError)),
    ("heterogeneous", "profile deleted", lambda e: _set(e, "result.equilibrium.profile", KeyError)),
    ("heterogeneous", "profile null", lambda e: _set(e, "result.equilibrium.profile", None)),
    ("heterogeneous", "nash_verified flipped", lambda e: _set(e, "result.equilibrium.certificate.nash_verified", False)),
    ("heterogeneous", "verified flipped", lambda e: _set(e, "result.equilibrium.certificate.verified", False)),
    ("heterogeneous", "a 'largest' flag added", lambda e: _set(e, "result.equilibrium.certificate.largest", True)),
    ("heterogeneous", "tolerance loosened", lambda e: _set(e, "result.equilibrium.certificate.tol", 1e-3)),
    ("heterogeneous", "tolerance negative", lambda e: _set(e, "result.equilibrium.certificate.tol", -1.0)),
    ("heterogeneous", "tolerance null", lambda e: _set(e, "result.equilibrium.certificate.tol", None)),
    ("heterogeneous", "free-riding tolerance loosened", lambda e: _set(e, "result.free_riding_certificate.tol", 0.5)),
    ("heterogeneous", "bracket widened", lambda e: _set(e, "result.equilibria[0].bracket", [1.0, 1e6])),
    ("heterogeneous", "bracket moved off the root",
     lambda e: _set(_set(e, "result.equilibria[0].bracket", [50.0, 50.0]), "result.equilibria[0].total", 50.0)),
    ("heterogeneous", "fixed point verified flipped", lambda e: _set(e, "result.equilibria[0].verified", False)),
    ("heterogeneous", "viability threshold", lambda e: _set(e, "result.viability_threshold", 3.0)),
    ("heterogeneous", "tangent bracket moved", lambda e: _set(e, "result.tangent", [1.5, 1.5])),
    ("heterogeneous", "status no_equilibrium_found", lambda e: _set(e, "result.status", "no_equilibrium_found")),
    # 000 Figure 4's setting (PAC bound, m* = 0) at n = 1000, c = 0.01: fixed points 88 654.8, 221.2 and 0
    ("figure4", "middle fixed point claimed as the largest", _middle_first),
    ("figure4", "middle fixed point claimed, the largest left out",
     lambda e: _set(_middle_first(e), "result.equilibria", [e["result"]["equilibria"][1], e["result"]["equilibria"][2]])),
    ("figure4", "zero claimed as the largest", _zero_only),
    ("figure4", "a total above the largest root", _larger_total),
    ("figure4", "middle fixed point left out",
     lambda e: _set(e, "result.equilibria", [e["result"]["equilibria"][0], e["result"]["equilibria"][2]])),
    ("figure4", "zero profile left out", lambda e: _set(e, "result.equilibria", e["result"]["equilibria"][:2])),
    ("figure4", "fixed points out of order",
     lambda e: _set(e, "result.equilibria", [e["result"]["equilibria"][k] for k in (1, 0, 2)])),
    # C.1: 223 companies are one short of viable, so zero is the largest equilibrium ...
    ("gpt3_223", "kappa lowered below A (viable)", lambda e: _set(e, "result.viability_threshold", 1e5)),
    ("gpt3_223", "min viable agents", lambda e: _set(e, "result.min_viable_agents", 223)),
    # ... and with 224 the zero profile is not the largest
    ("gpt3_224", "zero claimed as the largest",
     lambda e: _set(_set(_moved(e, [0.0] * 224), "result.total_data", 0.0), "result.equilibria",
                    [e["result"]["equilibria"][-1]])),
    # 000 Appendix D: the optimum of (22) is m_down = 24.58 (derived condition); (21) as printed gives 30.73
    ("contract", "m_down moved to the paper's (21)",
     lambda e: _set(_set(e, "result.m_down", e["result"]["closed_form_paper"]), "result.certificate.m_down",
                    e["result"]["closed_form_paper"])),
    ("contract", "information rent", lambda e: _set(e, "result.information_rent", 0.0)),
    ("contract", "m_up", lambda e: _set(e, "result.m_up", e["result"]["m_max_high"])),
    ("contract", "edited p_low", lambda e: _set(e, "model.cost.p_low", 0.6)),
    ("contract", "status assumption violated", lambda e: _set(e, "result.status", "assumption_violated")),
    ("contract", "feasibility bound moved",
     lambda e: _set(_set(e, "result.feasible_lower_bracket", [24.0, 24.0]), "result.feasible_lower", 24.0)),
    ("contract", "certificate verified flipped", lambda e: _set(e, "result.certificate.verified", False)),
    ("contract", "certificate tolerance loosened", lambda e: _set(e, "result.certificate.tol", 0.5)),
    ("contract", "certificate deleted", lambda e: _set(e, "result.certificate", None)),
    ("contract", "m_down null", lambda e: _set(e, "result.m_down", None)),
    ("contract", "others", lambda e: _set(e, "result.others", 6.0)),
    ("contract_symmetric", "others off the symmetric fixed point",
     lambda e: _set(e, "result.others", 1.01 * e["result"]["others"])),
    ("contract_symmetric", "others mode", lambda e: _set(e, "result.others_mode", "given")),
    ("contract_infeasible", "optimal claimed", lambda e: _set(e, "result.status", "optimal")),
    ("contract_infeasible", "a contract claimed",
     lambda e: _set(_set(e, "result.m_down", e["result"]["m_max_low"]), "result.status", "optimal")),
]


@pytest.mark.parametrize("name", list(HONEST))
def test_honest_answers_are_established_and_solve_agrees_with_verify(honest, name):
    envelope = honest[name]
    assert envelope["result"]["status"] == STATUS[name], envelope["result"]["message"]
    solved = solve_model(HONEST[name])
    verdict = verify_envelope(envelope)
    assert verdict.established and solved.success, verdict.failed
    assert (verdict.status, verdict.claimed) == (solved.verdict.status, solved.verdict.claimed)
    assert envelope["result"]["message"] == verdict.message


@pytest.mark.parametrize("name", list(HONEST))
def test_every_field_is_bound_or_listed(honest, name):
    """The field walk (tests/field_walk.py) on every answer shape: three fixed points, zero only, a
    double root's neighbourhood (224 companies), the symmetric and the infeasible contract."""
    assert walk(honest[name], verify_envelope) == {"uncovered": [], "accepted": [], "changed": []}


@pytest.mark.parametrize(("name", "what", "forge"), FORGERIES, ids=[f"{n}: {w}" for n, w, _ in FORGERIES])
def test_forgeries_are_not_established(honest, name, what, forge):
    assert not _established(forge(honest[name])), what


def test_the_cli_agrees_and_exits_by_the_verdict(tmp_path):
    out = runner.invoke(app, ["solve", str(MODELS / "value_shaping_heterogeneous.toml"), "--json"])
    assert out.exit_code == 0, out.output
    path = tmp_path / "r.json"
    path.write_text(out.output)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0
    envelope = json.loads(out.output)
    path.write_text(json.dumps(_set(envelope, "result.equilibria[0].bracket", [1.0, 1e6])))
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 1
    path.write_text(json.dumps(_set(envelope, "result.equilibrium.certificate.largest", True)))
    malformed = runner.invoke(app, ["verify", str(path)])
    assert malformed.exit_code == 2 and "largest" in malformed.output
