"""`mechopt verify` cannot be forged (issue 7 item 1): every honest envelope is established, and
every tampering of every result kind is rejected (exit 1: not established, or exit 2: malformed).

The verifier recomputes from the model embedded in the envelope with its own tolerance (the
package default or --tol), never the tolerance or verdict stored in the file, and binds every
answer field to the recomputed evidence.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.queries import QUERIES, answer_model, verify_envelope

MODELS = Path(__file__).resolve().parents[1] / "models"
runner = CliRunner()


def _model(name: str) -> dict[str, Any]:
    return load_model_file(MODELS / name)


def _infeasible_welfare() -> dict[str, Any]:
    """Budgets below every agent's spending at s = 0 (fixed costs 2 each): (19) has no feasible point."""
    raw = _model("welfare_nash_p0.toml")
    raw["budgets"] = [1.0, 1.0, 1.0]
    raw["cost"]["intercept"] = 2.0
    return raw


def _market_growth(K: int) -> dict[str, Any]:
    return {"kind": "existence", "grid": {"agents": 2, "disparity": K},
            "valuation": {"family": "market_growth", "alpha": -1.0}}


HONEST_MODELS = {
    "nash": _model("example1_nash.toml"),
    "nash_heterogeneous": _model("nash_heterogeneous_power_law.toml"),
    "welfare": _model("welfare_nash_p0.toml"),
    "welfare_infeasible": _infeasible_welfare(),
    "mbeta": _model("mbeta_equal_costs.toml"),
    "existence_table": _model("existence_linear.toml"),
    "existence_symmetric": _market_growth(6),
    "existence_chains": _market_growth(7),
    "boundary": {"kind": "disparity_boundary", "alpha": -1.0, "agents": 2},
    "value_shaping": _model("value_shaping_heterogeneous.toml"),
    "value_shaping_contract": _model("value_shaping_contract.toml"),
    "stackelberg": _model("privacy_mean_estimation.toml"),
    "stackelberg_mixed": {**_model("privacy_mean_estimation.toml"), "sensitivity": 0.45},
    "mechanism_shapley": _model("mechanism_example4_shapley.toml"),
    "mechanism_budget_balanced": _model("mechanism_example4_budget_balanced.toml"),
}


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(raw))) for name, raw in HONEST_MODELS.items()}


def _established(envelope: dict[str, Any], tol: float | None = None) -> bool:
    """True iff verify establishes the answer; a malformed file counts as rejected."""
    try:
        return verify_envelope(envelope, tol=tol).established
    except ModelFileError:
        return False


@pytest.mark.parametrize("name", list(HONEST_MODELS))
def test_every_honest_envelope_is_established(honest, name):
    envelope = honest[name]
    assert envelope["result"]["status"] in ("equilibrium", "optimal", "infeasible")
    report = verify_envelope(envelope)
    assert report.established, report.failed
    assert report.basis


def _set(envelope: dict, path: str, value: Any) -> dict:
    out = copy.deepcopy(envelope)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is KeyError:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return out


def _moved_nash(envelope: dict, point: list[float]) -> dict:
    """The answer moved together with its evidence (the strongest forgery of a point)."""
    return _set(_set(envelope, "result.profile", point), "result.certificate.point", point)


# (result, path, value): value KeyError deletes the field
FORGERIES = [
    # 001 Example 1: NE (0, 0.5); (2, 2) has gain 9.87, (0.2, 0.4) is the welfare point
    ("nash", "moved answer", lambda e: _moved_nash(e, [2.0, 2.0])),
    ("nash", "moved answer, tol inf", lambda e: _set(_moved_nash(e, [2.0, 2.0]), "result.certificate.tol", "inf")),
    ("nash", "moved answer, negative tol", lambda e: _set(_moved_nash(e, [0.2, 0.4]), "result.certificate.tol", -1.0)),
    ("nash", "moved answer, claimed verified", lambda e: _set(_moved_nash(e, [0.2, 0.4]), "result.certificate.max_gain", 0.0)),
    ("nash", "swapped players", lambda e: _moved_nash(e, e["result"]["profile"][::-1])),
    ("nash", "profile without evidence", lambda e: _set(e, "result.profile", [0.1, 0.5])),
    ("nash", "utilities", lambda e: _set(e, "result.utilities", [100.0, 100.0])),
    ("nash", "status flipped", lambda e: _set(e, "result.status", "no_equilibrium_found")),
    ("nash", "status claims assumption violated", lambda e: _set(e, "result.status", "assumption_violated")),
    ("nash", "profile null", lambda e: _set(e, "result.profile", None)),
    ("nash", "profile deleted", lambda e: _set(e, "result.profile", KeyError)),
    ("nash", "certificate deleted", lambda e: _set(e, "result.certificate", KeyError)),
    ("nash", "certificate verdict flipped", lambda e: _set(e, "result.certificate.verified", False)),
    ("nash", "edited model", lambda e: _set(e, "model.game.cost.slope", [5.0, 3.0])),
    ("nash", "gain below a gain found", lambda e: _set(_moved_nash(e, [0.0, 0.6]), "result.certificate.gains", [0.0, 0.0])),
    ("welfare", "point moved by 0.5, tol 1", lambda e: _set(_set(e, "result.s.0", e["result"]["s"][0] - 0.5),
                                                           "result.certificate.tol", 1.0)),
    ("welfare", "welfare", lambda e: _set(e, "result.welfare", e["result"]["welfare"] + 1.0)),
    ("welfare", "b", lambda e: _set(e, "result.b.0", e["result"]["b"][0] * 0.9)),
    ("welfare", "utilities", lambda e: _set(e, "result.utilities.1", 0.0)),
    ("welfare", "edited model p", lambda e: _set(e, "model.p", 1.0)),
    ("welfare", "claimed p", lambda e: _set(e, "result.p", 1.0)),
    ("welfare", "certificate null", lambda e: _set(e, "result.certificate", None)),
    ("welfare", "status flipped to infeasible", lambda e: _set(e, "result.status", "infeasible")),
    ("welfare", "b deleted", lambda e: _set(e, "result.b", KeyError)),
    ("welfare_infeasible", "budgets raised in the model", lambda e: _set(e, "model.budgets", [10.0, 8.0, 6.0])),
    ("welfare_infeasible", "certificate null", lambda e: _set(e, "result.certificate", None)),
    ("welfare_infeasible", "status optimal", lambda e: _set(e, "result.status", "optimal")),
    ("mbeta", "equilibrium point 1, 1, 1", lambda e: _set(_set(e, "result.equilibrium.profile", [1.0, 1.0, 1.0]),
                                                          "result.equilibrium.certificate.point", [1.0, 1.0, 1.0])),
    ("mbeta", "payments", lambda e: _set(e, "result.payments.0", 1.0)),
    ("mbeta", "unspent", lambda e: _set(e, "result.unspent.2", 0.0)),
    ("mbeta", "beta", lambda e: _set(e, "result.beta", 0.5)),
    ("mbeta", "comparisons deleted", lambda e: _set(e, "result.comparisons", [])),
    ("mbeta", "ne_maximizes flipped", lambda e: _set(e, "result.comparisons.0.ne_maximizes", False)),
    ("mbeta", "welfare_gap", lambda e: _set(e, "result.comparisons.1.welfare_gap", 0.3)),
    ("mbeta", "edited model p", lambda e: _set(e, "model.p", [1.0, 0.5, "-inf"])),
    ("mbeta", "budgets_respected", lambda e: _set(e, "result.budgets_respected", False)),
    # 002: a mechanism exists at K = 59 for alpha = -0.8, none at K = 60
    ("existence_chains", "exists flipped", lambda e: _set(e, "result.exists", True)),
    ("existence_chains", "min budget", lambda e: _set(e, "result.min_budget", 0.0)),
    ("existence_chains", "chain reversed", lambda e: _set(e, "result.certificate.chains.1.vertices",
                                                          e["result"]["certificate"]["chains"][1]["vertices"][::-1])),
    ("existence_chains", "non-integer vertex", lambda e: _set(e, "result.certificate.chains.0.vertices.0", 1.5)),
    ("existence_chains", "larger grid in the model", lambda e: _set(e, "model.grid.disparity", 6)),
    ("existence_chains", "non-existence on a grid where one exists, negative tol",
     lambda e: _set(_set(e, "model.grid.disparity", 6), "result.certificate.tol", -1.0)),
    ("existence_symmetric", "all-zero table, tol 10", lambda e: _set(
        _set(e, "result.certificate.payments", _zero_table(e)), "result.certificate.tol", 10.0)),
    ("existence_symmetric", "revenue", lambda e: _set(e, "result.revenue", e["result"]["revenue"] + 1.0)),
    ("existence_symmetric", "status infeasible", lambda e: _set(e, "result.status", "infeasible")),
    ("existence_symmetric", "unknown certificate kind", lambda e: _set(e, "result.certificate.kind", "magic")),
    ("existence_table", "min budget", lambda e: _set(e, "result.min_budget", -1.0)),
    ("existence_table", "efficiency", lambda e: _set(e, "result.efficiency", None)),
    ("boundary", "max_disparity 1000", lambda e: _set(e, "result.max_disparity", 1000)),
    ("boundary", "lower", lambda e: _set(e, "result.lower", 7)),
    ("boundary", "upper", lambda e: _set(e, "result.upper", 9)),
    ("boundary", "status bounded", lambda e: _set(e, "result.status", "bounded")),
    ("boundary", "edited alpha", lambda e: _set(e, "model.alpha", -0.8)),
    ("boundary", "lower not an integer", lambda e: _set(e, "result.lower", "six")),
    # 000: m^max of (11) for costs (0.01, 0.02, 0.05, 0.3); with eps = 0 every m in [m*, m^max] is a weak best
    # response, so a scaled-down profile has zero gains but is not the data-maximizing equilibrium
    ("value_shaping", "profile scaled by 0.9", lambda e: _moved_vs(e, [0.9 * x for x in e["result"]["equilibrium"]["profile"]])),
    ("value_shaping", "profile scaled by 1.1", lambda e: _moved_vs(e, [1.1 * x for x in e["result"]["equilibrium"]["profile"]])),
    ("value_shaping", "total data", lambda e: _set(e, "result.total_data", 2 * e["result"]["total_data"])),
    ("value_shaping", "free riding: everyone contributes", lambda e: _set(_set(e, "result.free_riding", [10.0, 7.0, 4.0, 0.0]),
                                                                          "result.free_riding_certificate.point", [10.0, 7.0, 4.0, 0.0])),
    ("value_shaping", "solo", lambda e: _set(e, "result.solo.3", 1.0)),
    ("value_shaping", "zero equilibrium claimed", lambda e: _moved_vs(e, [0.0, 0.0, 0.0, 0.0])),
    ("value_shaping", "edited model costs", lambda e: _set(e, "model.cost.slope", [0.01, 0.02, 0.05, 0.1])),
    ("value_shaping", "edited model epsilon", lambda e: _set(e, "model.epsilon", 0.01)),
    ("value_shaping", "equilibria deleted", lambda e: _set(e, "result.equilibria", [])),
    ("value_shaping", "min viable agents", lambda e: _set(e, "result.min_viable_agents", 2)),
    ("value_shaping", "certificate deleted", lambda e: _set(e, "result.equilibrium.certificate", KeyError)),
    # 000 Appendix D: the optimum of (22) is m_down = 24.58 (derived condition); (21) as printed gives 30.73
    ("value_shaping_contract", "m_down moved to the paper's (21)",
     lambda e: _set(_set(e, "result.m_down", e["result"]["closed_form_paper"]), "result.certificate.m_down",
                    e["result"]["closed_form_paper"])),
    ("value_shaping_contract", "information rent", lambda e: _set(e, "result.information_rent", 0.0)),
    ("value_shaping_contract", "m_up", lambda e: _set(e, "result.m_up", e["result"]["m_max_high"])),
    ("value_shaping_contract", "edited p_low", lambda e: _set(e, "model.cost.p_low", 0.6)),
    ("value_shaping_contract", "status assumption violated", lambda e: _set(e, "result.status", "assumption_violated")),
    # 004 Section 5.1 at c = 0.25: alpha* = 2c = 0.5, everyone shares (p = 0), platform keeps 1/2
    ("stackelberg", "alpha raised", lambda e: _set(_set(e, "result.alpha", 0.6), "result.platform_utility", 0.4)),
    ("stackelberg", "alpha lowered (users would not share)",
     lambda e: _set(_set(_set(e, "result.alpha", 0.4), "result.platform_utility", 0.6), "result.certificate.alpha", 0.4)),
    ("stackelberg", "platform utility", lambda e: _set(e, "result.platform_utility", 0.6)),
    ("stackelberg", "edited sensitivity", lambda e: _set(e, "model.sensitivity", 0.5)),
    ("stackelberg", "edited epsilon", lambda e: _set(e, "model.game.epsilon", 1.0)),
    ("stackelberg", "c_th", lambda e: _set(e, "result.c_th", 0.5)),
    ("stackelberg", "regime", lambda e: _set(e, "result.regime", "mixed")),
    ("stackelberg", "certificate deleted", lambda e: _set(e, "result.certificate", KeyError)),
    ("stackelberg", "status unverified", lambda e: _set(e, "result.status", "unverified")),
    ("stackelberg_mixed", "pure profile claimed", lambda e: _set(_set(e, "result.p", 0.0), "result.certificate.p", 0.0)),
    ("stackelberg_mixed", "equilibrium", lambda e: _set(e, "result.equilibrium.0", [0.5, 0.5])),
    ("stackelberg_mixed", "user utilities", lambda e: _set(e, "result.user_utilities.0", 0.1)),
    # 003 Example 4: M^Shap's NE (3, 1.17); M^0's (2.16, 0)
    ("mechanism_shapley", "equilibrium moved to M^0's", lambda e: _set(_set(e, "result.equilibrium.profile", [2.16227766, 0.0]),
                                                                       "result.equilibrium.certificate.point", [2.16227766, 0.0])),
    ("mechanism_shapley", "baseline moved", lambda e: _set(_set(e, "result.baseline.profile", [1.0, 0.0]),
                                                           "result.baseline.certificate.point", [1.0, 0.0])),
    ("mechanism_shapley", "payments unbalanced", lambda e: _set(e, "result.payments.1", 0.0)),
    ("mechanism_shapley", "budget balance", lambda e: _set(e, "result.budget_balance", 0.1)),
    ("mechanism_shapley", "reciprocity", lambda e: _set(e, "result.reciprocity", 0.9)),
    ("mechanism_shapley", "data gain", lambda e: _set(e, "result.data_gain", 3.0)),
    ("mechanism_shapley", "mechanism renamed", lambda e: _set(e, "result.mechanism", "none")),
    ("mechanism_shapley", "edited model", lambda e: _set(e, "model.mechanism", "none")),
    ("mechanism_shapley", "edited cost", lambda e: _set(e, "model.game.cost.slope", [0.25, 0.1])),
    ("mechanism_shapley", "equilibrium deleted", lambda e: _set(e, "result.equilibrium", KeyError)),
    ("mechanism_shapley", "status unverified", lambda e: _set(e, "result.status", "unverified")),
    ("mechanism_budget_balanced", "beta", lambda e: _set(e, "result.beta", 0.8)),
    ("mechanism_budget_balanced", "edited beta", lambda e: _set(e, "model.beta", 0.8)),
]


def _moved_vs(envelope: dict, point: list[float]) -> dict:
    out = _set(_set(envelope, "result.equilibrium.profile", point), "result.equilibrium.certificate.point", point)
    return _set(out, "result.total_data", sum(point))


def _zero_table(envelope: dict) -> str:
    import numpy as np

    from mechopt.typegrid.certificates import encode_table

    return encode_table(np.zeros(envelope["result"]["certificate"]["shape"]))


@pytest.mark.parametrize("name,what,forge", FORGERIES, ids=[f"{n}:{w}" for n, w, _ in FORGERIES])
def test_forgery_is_rejected(honest, name, what, forge):
    assert not _established(forge(honest[name]))


def _verify_tol(name: str) -> float | None:
    return 1e-6 if "welfare" in name else None


def test_other_stored_tolerances_are_never_used(honest):
    """The evidence is judged at the verifier's tolerance: editing the tolerances stored elsewhere
    (secondary certificates) changes nothing."""
    for name, envelope in honest.items():
        loose = copy.deepcopy(envelope)
        bound = [_get(loose["result"], p.rsplit(".", 1)[0]) for p in QUERIES[envelope["kind"]].claimed_tolerances]
        for cert in _certificates(loose["result"]):
            if not any(cert is b for b in bound):
                cert["tol"] = "inf"
        assert _established(loose, tol=_verify_tol(name)) == _established(envelope, tol=_verify_tol(name)), name


@pytest.mark.parametrize("name", list(HONEST_MODELS))
def test_a_loosened_claimed_tolerance_is_rejected(honest, name):
    """No certificate the answer rests on may claim a looser tolerance than the verifier's."""
    envelope = honest[name]
    paths = [p for p in QUERIES[envelope["kind"]].claimed_tolerances if _get(envelope["result"], p) is not None]
    assert paths and _established(envelope, tol=_verify_tol(name))
    for path in paths:
        for loosened in (1.0, "inf", 1e3 * (_verify_tol(name) or 1e-9)):
            assert not _established(_set(envelope, f"result.{path}", loosened), tol=_verify_tol(name)), (path, loosened)


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _certificates(data: Any) -> list[dict]:
    """Every certificate-like object (a dict with 'verified' and 'tol') nested in a result."""
    found = []
    if isinstance(data, dict):
        if "verified" in data and "tol" in data:
            found.append(data)
        for v in data.values():
            found += _certificates(v)
    elif isinstance(data, list):
        for v in data:
            found += _certificates(v)
    return found


def test_cli_exit_codes(honest, tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(honest["nash"]))
    ok = runner.invoke(app, ["verify", str(path)])
    assert ok.exit_code == 0 and "ESTABLISHED" in ok.output and "basis" in ok.output
    path.write_text(json.dumps(_moved_nash(honest["nash"], [2.0, 2.0])))
    bad = runner.invoke(app, ["verify", str(path)])
    assert bad.exit_code == 1 and "FAIL" in bad.output
    path.write_text(json.dumps(_set(honest["nash"], "result.certificate", KeyError)))
    malformed = runner.invoke(app, ["verify", str(path)])
    assert malformed.exit_code == 2 and "result.certificate" in malformed.output
    # a result whose own answer claims nothing is not established
    path.write_text(json.dumps(_set(honest["nash"], "result.status", "unverified")))
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 1


# --- fuzz: random tamperings of the answer fields ---------------------------------------------------

ANSWER_FIELDS = {
    "nash": ["profile", "utilities", "status", "certificate.point", "certificate.verified", "certificate.max_gain"],
    "welfare": ["b", "s", "welfare", "utilities", "p", "beta", "status", "certificate.point", "certificate.verified"],
    "welfare_infeasible": ["status", "p", "beta"],
    "mbeta": ["beta", "status", "unspent", "payments", "budgets_respected", "ne_positive", "equilibrium.profile",
              "equilibrium.status", "comparisons.0.ne_welfare", "comparisons.1.welfare_gap",
              "comparisons.2.ne_maximizes", "comparisons.0.optimum.welfare", "comparisons.1.optimum.s"],
    "existence_table": ["status", "exists", "min_budget", "revenue", "certificate.verified"],
    "existence_chains": ["status", "exists", "min_budget", "certificate.profile", "certificate.verified"],
    "boundary": ["status", "max_disparity", "lower", "upper", "exists", "alpha", "n"],
    "value_shaping": ["status", "solo", "solo_utilities", "free_riding", "free_riding_total", "total_data",
                      "equilibrium.profile", "equilibrium.utilities", "equilibrium.values", "equilibrium.status",
                      "equilibrium.certificate.point", "equilibrium.certificate.verified", "viability_threshold",
                      "min_viable_agents", "epsilon", "equilibria.0.total", "equilibria.0.verified",
                      "free_riding_certificate.verified"],
    "value_shaping_contract": ["status", "m_up", "m_down", "expected_data", "information_rent", "high_utility",
                               "low_utility", "others", "m_max_low", "m_max_high", "feasible_lower",
                               "closed_form_derived", "closed_form_paper", "certificate.verified"],
    "stackelberg": ["status", "alpha", "p", "platform_utility", "user_utilities", "payments", "total_utility",
                    "equilibrium", "gamma_min", "gamma_max", "c_th", "regime", "sensitivity", "selection",
                    "certificate.verified", "certificate.alpha", "certificate.p", "certificate.max_regret"],
    "stackelberg_mixed": ["status", "alpha", "p", "platform_utility", "user_utilities", "payments", "total_utility",
                          "equilibrium", "regime", "certificate.verified", "certificate.p"],
    "mechanism_shapley": ["status", "mechanism", "payments", "shapley", "payoffs", "budget_balance", "reciprocity",
                          "data_share", "data_gain", "accuracy_gain", "equilibrium.profile", "equilibrium.status",
                          "equilibrium.certificate.point", "equilibrium.certificate.verified", "baseline.profile",
                          "baseline.utilities"],
    "mechanism_budget_balanced": ["status", "beta", "payments", "budget_balance", "reciprocity", "data_gain",
                                  "accuracy_gain", "equilibrium.utilities"],
}
STATUSES = ["equilibrium", "no_equilibrium_found", "optimal", "bounded", "infeasible", "assumption_violated",
            "unverified", "failed"]


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _tamper(value: Any, draw: st.DataObject) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return draw.draw(st.sampled_from([s for s in STATUSES if s != value]))
    if isinstance(value, int):
        return value + draw.draw(st.sampled_from([-1, 1, 5]))
    if isinstance(value, float):
        return value + draw.draw(st.sampled_from([1e-3, -1e-3, 0.5, -0.5])) * max(1.0, abs(value))
    if isinstance(value, list):
        k = draw.draw(st.integers(0, len(value) - 1))
        return value[:k] + [_tamper(value[k], draw)] + value[k + 1:]
    if value is None:
        return draw.draw(st.sampled_from([0.0, 1.0, [0.0, 1.0]]))
    raise AssertionError(f"no tampering for {value!r}")


@given(data=st.data())
def test_random_tampering_is_rejected(honest, data):
    name = data.draw(st.sampled_from(sorted(ANSWER_FIELDS)))
    path = data.draw(st.sampled_from(ANSWER_FIELDS[name]))
    envelope = honest[name]
    forged = _set(envelope, f"result.{path}", _tamper(_get(envelope["result"], path), data))
    assert not _established(forged), (name, path)
