"""`mechopt verify` of existence and disparity_boundary answers cannot be forged (issues 17, 18):
every honest envelope is established and gets the same verdict from solve and verify, every field
is bound or listed (the field walk, on the answer shapes the shared walk does not cover), and
each tampering below is rejected (not established, or malformed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from field_walk import walk
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.typegrid.witness import encode_predecessors, encode_table

MODELS = Path(__file__).resolve().parents[2] / "models"


def _market_growth(K: int, method: str = "auto") -> dict[str, Any]:
    return {"kind": "existence", "grid": {"n": 2, "disparity": K},
            "valuation": {"family": "market_growth", "growth_rate": -1.0}, "solver": {"method": method}}


MODELS_BY_NAME = {
    "existence_table": load_model_file(MODELS / "existence_linear.toml"),  # by the LP
    "existence_symmetric": _market_growth(6),
    "existence_chains": _market_growth(7),
    "existence_chains_lp": _market_growth(7, "lp"),  # with HiGHS' Farkas ray
    # Example 2 with a negative column sum, everyone served: the allocation is shown inefficient
    "existence_inefficient": {"kind": "existence", "grid": {"n": 2, "disparity": 3, "eps": 1.0},
                              "valuation": {"family": "linear", "A": [[1.0, -2.0], [0.0, 0.5]]}},
    "boundary": {"kind": "disparity_boundary", "growth_rate": -1.0, "n": 2},
    "boundary_bounded": {"kind": "disparity_boundary", "growth_rate": -0.8, "n": 2, "full_limit": 16,
                         "line_limit": 32},
    # K*(-0.8) = 59 found on the line (1, K): existence from graph B = 1 and the continuum bound
    "boundary_line": {"kind": "disparity_boundary", "growth_rate": -0.8, "n": 2, "full_limit": 16,
                      "line_limit": 256},
}
STATUS = {"existence_table": "optimal", "existence_symmetric": "optimal", "existence_chains": "infeasible",
          "existence_chains_lp": "infeasible", "existence_inefficient": "assumption_violated",
          "boundary": "optimal", "boundary_bounded": "bounded", "boundary_line": "optimal"}


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(raw))) for name, raw in MODELS_BY_NAME.items()}


def _established(envelope: dict[str, Any], tol: float | None = None) -> bool:
    try:
        return verify_envelope(envelope, tol=tol).established
    except ModelFileError:
        return False


def _set(envelope: dict, path: str, value: Any) -> dict:
    out = copy.deepcopy(envelope)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return out


@pytest.mark.parametrize("name", list(MODELS_BY_NAME))
def test_solve_and_verify_agree(honest, name):
    """The solve table's verdict (the answer's ``success``) is verify's, on the saved envelope."""
    answer = solve_model(MODELS_BY_NAME[name])
    verdict = verify_envelope(honest[name])
    assert answer.status.value == STATUS[name] == verdict.status.value
    assert answer.success and verdict.established
    assert verdict.basis.value == "proof" and verdict.rests_on


@pytest.mark.parametrize("name", ["existence_chains_lp", "existence_inefficient", "boundary_bounded", "boundary_line"])
def test_every_field_is_bound_or_listed(honest, name):
    assert walk(honest[name], verify_envelope) == {"uncovered": [], "accepted": [], "changed": []}


def _zero_table(envelope: dict) -> str:
    return encode_table(np.zeros(envelope["result"]["certificate"]["shape"]))


def _previous(shape: tuple[int, ...]) -> str:
    """Predecessors taking the IC edge from t - 1 into every t >= 2 (the IR edge into 1): longer
    paths than the shortest ones of these models (their p^max takes the IR edge everywhere)."""
    *lead, K, C = shape
    pred = np.broadcast_to((np.arange(1, K + 1) - 1)[:, None], (*lead, K, C)).copy()
    pred[..., 0, :] = -1
    return encode_predecessors(pred)


def _table_predecessors(envelope: dict) -> str:
    shape = envelope["result"]["certificate"]["shape"]
    return _previous((*shape[:-2], shape[-2] - 1, shape[-1]))


FORGERIES = [
    # 002 Section 7.2: at alpha = -1 a mechanism exists at K = 6, none at K = 7 (profile (1, 7), -1/88)
    ("existence_chains", "exists flipped", lambda e: _set(e, "result.exists", True)),
    ("existence_chains", "min budget", lambda e: _set(e, "result.min_budget", 0.0)),
    ("existence_chains", "chain reversed", lambda e: _set(e, "result.certificate.chains.1.vertices",
                                                          e["result"]["certificate"]["chains"][1]["vertices"][::-1])),
    ("existence_chains", "non-integer vertex", lambda e: _set(e, "result.certificate.chains.0.vertices.0", 1.5)),
    ("existence_chains", "chain bound NaN", lambda e: _set(e, "result.certificate.chains.0.bound", "nan")),
    ("existence_chains", "total bound NaN", lambda e: _set(e, "result.certificate.total_bound", "nan")),
    ("existence_chains", "verified false", lambda e: _set(e, "result.certificate.verified", False)),
    ("existence_chains", "larger grid in the model", lambda e: _set(e, "model.grid.disparity", 6)),
    ("existence_chains", "non-existence on a grid where one exists, negative tol",
     lambda e: _set(_set(e, "model.grid.disparity", 6), "result.certificate.tol", -1.0)),
    ("existence_chains_lp", "ray scaled unevenly", lambda e: _set(
        e, "result.certificate.dual_ray.values", [v * (1 + k % 2) for k, v in
                                                  enumerate(e["result"]["certificate"]["dual_ray"]["values"])])),
    ("existence_chains_lp", "ray residual", lambda e: _set(e, "result.certificate.dual_ray.residual", 1e-3)),
    ("existence_chains_lp", "ray row out of range", lambda e: _set(e, "result.certificate.dual_ray.rows.0", 10**9)),
    ("existence_chains_lp", "ray row beyond int64", lambda e: _set(e, "result.certificate.dual_ray.rows.0", 10**30)),
    ("existence_chains", "profile beyond int64", lambda e: _set(e, "result.certificate.profile.1", 10**30)),
    ("boundary", "upper beyond int64", lambda e: _set(e, "result.upper", 10**30)),
    ("existence_symmetric", "all-zero table, tol 10", lambda e: _set(
        _set(e, "result.certificate.payments", _zero_table(e)), "result.certificate.tol", 10.0)),
    ("existence_symmetric", "all-zero table", lambda e: _set(e, "result.certificate.payments", _zero_table(e))),
    ("existence_symmetric", "revenue", lambda e: _set(e, "result.revenue", e["result"]["revenue"] + 1.0)),
    ("existence_symmetric", "status infeasible", lambda e: _set(e, "result.status", "infeasible")),
    ("existence_symmetric", "unknown certificate kind", lambda e: _set(e, "result.certificate.kind", "magic")),
    ("existence_symmetric", "predecessors deleted", lambda e: _set(e, "result.certificate.predecessors", None)),
    ("existence_symmetric", "verified false", lambda e: _set(e, "result.certificate.verified", False)),
    ("existence_table", "min budget", lambda e: _set(e, "result.min_budget", -1.0)),
    ("existence_table", "efficiency", lambda e: _set(e, "result.efficiency", None)),
    ("existence_table", "longer paths", lambda e: _set(e, "result.certificate.predecessors", _table_predecessors(e))),
    # issue 18 item 2: the honest answer at eps = 0.25 kept, the model's values multiplied by 4
    ("existence_table", "edited eps: a feasible table that is not maximal", lambda e: _set(e, "model.grid.eps", 1.0)),
    ("existence_table", "edited valuation", lambda e: _set(e, "model.valuation.A.0.0", 1.1)),
    ("existence_inefficient", "status optimal", lambda e: _set(e, "result.status", "optimal")),
    ("existence_inefficient", "efficiency amount", lambda e: _set(e, "result.efficiency.amount", 0.0)),
    ("boundary", "max_disparity 1000", lambda e: _set(e, "result.max_disparity", 1000)),
    ("boundary", "lower", lambda e: _set(e, "result.lower", 7)),
    ("boundary", "lower beyond the search", lambda e: _set(e, "result.lower", 10**6)),
    ("boundary", "upper", lambda e: _set(e, "result.upper", 9)),
    ("boundary", "status bounded", lambda e: _set(e, "result.status", "bounded")),
    ("boundary", "edited alpha", lambda e: _set(e, "model.growth_rate", -0.8)),
    ("boundary", "lower not an integer", lambda e: _set(e, "result.lower", "six")),
    ("boundary", "verified false", lambda e: _set(e, "result.certificate.verified", False)),
    ("boundary", "existence part verified false", lambda e: _set(e, "result.certificate.existence.verified", False)),
    ("boundary", "chain bound NaN", lambda e: _set(e, "result.certificate.nonexistence.chains.1.bound", "nan")),
    ("boundary", "existence witness deleted", lambda e: _set(e, "result.certificate.existence", None)),
    ("boundary", "longer paths", lambda e: _set(e, "result.certificate.existence.predecessors", _previous((6, 6)))),
    ("boundary", "non-existence chains as the existence part", lambda e: _set(_set(
        e, "result.certificate.existence", e["result"]["certificate"]["nonexistence"]), "result.lower", 7)),
    ("boundary_bounded", "status optimal", lambda e: _set(e, "result.status", "optimal")),
    ("boundary_bounded", "upper = lower + 1", lambda e: _set(e, "result.upper", 33)),
    ("boundary_bounded", "lower beyond the line's limit", lambda e: _set(e, "result.lower", 33)),
    ("boundary_line", "longer paths on graph 1",
     lambda e: _set(e, "result.certificate.existence.predecessors", _previous((59, 1)))),
    ("boundary_line", "lower + 1", lambda e: _set(e, "result.lower", 60)),
    ("boundary_line", "lower + 1 and upper + 1", lambda e: _set(_set(e, "result.lower", 60), "result.upper", 61)),
    ("boundary_line", "continuum margin", lambda e: _set(e, "result.certificate.existence.violations.3.amount", 0.0)),
    ("boundary_line", "worst profile (1, t)",
     lambda e: _set(e, "result.certificate.existence.violations.2.amount", 0.0)),
    ("boundary_line", "called a full-grid table", lambda e: _set(e, "result.certificate.existence.kind",
                                                                 "payment_table")),
    ("boundary_line", "edited alpha", lambda e: _set(e, "model.growth_rate", -0.75)),
    ("boundary_line", "three agents in the model", lambda e: _set(e, "model.n", 3)),
    ("boundary_line", "lower beyond the line search", lambda e: _set(e, "result.lower", 10**6)),
    ("boundary_line", "line search limit below the answer", lambda e: _set(e, "model.line_limit", 32)),
]


@pytest.mark.parametrize("name,what,forge", FORGERIES, ids=[f"{n}:{w}" for n, w, _ in FORGERIES])
def test_forgery_is_rejected(honest, name, what, forge):
    assert _established(honest[name])
    assert not _established(forge(honest[name]))


CLAIMED_TOLERANCES = {
    "existence_table": ("certificate.tol",), "existence_chains_lp": ("certificate.tol",),
    "boundary": ("certificate.existence.tol", "certificate.nonexistence.tol"),
}


@pytest.mark.parametrize("name", list(CLAIMED_TOLERANCES))
def test_a_loosened_or_malformed_claimed_tolerance_is_rejected(honest, name):
    """No certificate may claim a looser tolerance than the verifier's, nor a negative, null or
    non-numeric one (issue 18 item 4)."""
    envelope = honest[name]
    for path in CLAIMED_TOLERANCES[name]:
        for bad in (1.0, "inf", 1e3, 1e-8, -1e-9, 0.0, None, "1e-9", True):
            assert not _established(_set(envelope, f"result.{path}", bad)), (path, bad)
        assert _established(_set(envelope, f"result.{path}", 1e-12))  # stricter than the verifier's: fine


def test_the_verifier_tolerance_is_the_models(honest):
    """The verifier judges at the model's tolerance (solver.tol), or at --tol: a certificate
    claiming 1e-9 is looser than a model's 1e-12."""
    envelope = _set(honest["existence_chains"], "model.solver.tol", 1e-12)
    assert not _established(envelope) and _established(envelope, tol=1e-6)


ANSWER_FIELDS = {
    "existence_table": ["status", "exists", "min_budget", "revenue", "certificate.verified", "certificate.kind",
                        "certificate.shape", "certificate.violations.1.amount", "efficiency.amount"],
    "existence_chains_lp": ["status", "exists", "min_budget", "certificate.profile", "certificate.verified",
                            "certificate.chains.0.vertices", "certificate.chains.1.bound", "certificate.total_bound",
                            "certificate.dual_ray.rows", "certificate.dual_ray.b_dot_y"],
    "boundary": ["status", "max_disparity", "lower", "upper", "exists", "alpha", "n", "certificate.verified",
                 "certificate.existence.shape", "certificate.nonexistence.profile",
                 "certificate.nonexistence.chains.1.vertices"],
}


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _tamper(value: Any, draw: st.DataObject) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return draw.draw(st.sampled_from([s for s in ("optimal", "bounded", "infeasible", "assumption_violated",
                                                      "unverified", "payment_table", "shortest_path_chains")
                                          if s != value]))
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


@settings(max_examples=60)
@given(data=st.data())
def test_random_tampering_is_rejected(honest, data):
    name = data.draw(st.sampled_from(sorted(ANSWER_FIELDS)))
    path = data.draw(st.sampled_from(ANSWER_FIELDS[name]))
    envelope = honest[name]
    forged = _set(envelope, f"result.{path}", _tamper(_get(envelope["result"], path), data))
    assert not _established(forged), (name, path)
