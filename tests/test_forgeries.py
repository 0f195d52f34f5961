"""`mechopt verify` cannot be forged (issue 7 item 1): every honest envelope is established, and
every tampering of every result kind is rejected (exit 1: not established, or exit 2: malformed).

The verifier recomputes from the model embedded in the envelope with its own tolerance (the
package default or --tol), never the tolerance or verdict stored in the file, and binds every
answer field to the recomputed evidence.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from honest_models import HONEST_MODELS
from mechopt.cli import app
from mechopt.io.files import ModelFileError
from mechopt.io.registry import answer_model, verify_envelope

runner = CliRunner()


CORE_KINDS = ("nash", "nash_heterogeneous", "welfare", "welfare_infeasible", "mbeta")
"""The kinds of 001 checked here; every other kind has its own forgery table beside its tests."""


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(HONEST_MODELS[name]))) for name in CORE_KINDS}


def _established(envelope: dict[str, Any], tol: float | None = None) -> bool:
    """True iff verify establishes the answer; a malformed file counts as rejected."""
    try:
        return verify_envelope(envelope, tol=tol).established
    except ModelFileError:
        return False


@pytest.mark.parametrize("name", CORE_KINDS)
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
    ("welfare", "edited model p", lambda e: _set(e, "model.welfare_p", 1.0)),
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
    ("mbeta", "edited model p", lambda e: _set(e, "model.welfare_p", [1.0, 0.5, "-inf"])),
    ("mbeta", "budgets_respected", lambda e: _set(e, "result.budgets_respected", False)),
    # issue 18 item 3: an unverified optimum with a made-up welfare and gap; loosened tolerances inside mbeta
    ("mbeta", "unverified optimum, welfare 999", lambda e: _set(_set(_set(
        e, "result.comparisons.0.optimum.status", "unverified"), "result.comparisons.0.optimum.welfare", 999.0),
        "result.comparisons.0.welfare_gap", 988.6)),
    ("mbeta", "optimum's tol loosened", lambda e: _set(e, "result.comparisons.1.optimum.certificate.tol", 1.0)),
    ("mbeta", "ne_kkt tol 1", lambda e: _set(e, "result.comparisons.0.ne_kkt.tol", 1.0)),
    ("mbeta", "lemma1_holds flipped", lambda e: _set(e, "result.beta_star.lemma1_holds", False)),
    ("mbeta", "budget balance residual", lambda e: _set(e, "result.budget_balance_residual", 0.5)),
    ("welfare", "gap bound 1e9", lambda e: _set(e, "result.certificate.gap_bound", 1e9)),
    ("welfare", "primal infeasibility 1e9", lambda e: _set(e, "result.certificate.primal_infeasibility", 1e9)),
    ("welfare", "multipliers zeroed", lambda e: _set(e, "result.certificate.multipliers.constraints", [0.0, 0.0, 0.0])),
    ("nash", "basis claimed closed form for sampling", lambda e: _set(e, "result.certificate.basis", "sampling")),
    ("nash", "found gains", lambda e: _set(e, "result.certificate.found_gains", [0.5, 0.0])),
    ("nash", "scales inflated", lambda e: _set(e, "result.certificate.scales", [1e12, 1e12])),
    ("nash", "concave at point flipped", lambda e: _set(e, "result.certificate.concave_at_point", False)),
]


@pytest.mark.parametrize("name,what,forge", FORGERIES, ids=[f"{n}:{w}" for n, w, _ in FORGERIES])
def test_forgery_is_rejected(honest, name, what, forge):
    assert not _established(forge(honest[name]))


CLAIMED_TOLERANCES = {
    "nash": ("certificate.tol",),
    "nash_heterogeneous": ("certificate.tol",),
    "welfare": ("certificate.tol",),
    "welfare_infeasible": ("certificate.tol",),
    "mbeta": ("equilibrium.certificate.tol", "comparisons.0.optimum.certificate.tol", "comparisons.2.ne_kkt.tol"),
}


@pytest.mark.parametrize("name", CORE_KINDS)
def test_a_loosened_or_malformed_claimed_tolerance_is_rejected(honest, name):
    """No certificate may claim a looser tolerance than the verifier's, nor a negative, null or
    non-numeric one (issue 18 item 4)."""
    envelope = honest[name]
    assert _established(envelope)
    for path in CLAIMED_TOLERANCES[name]:
        for bad in (1.0, "inf", 1e3, -1e-9, 0.0, None, "1e-9", True):
            assert not _established(_set(envelope, f"result.{path}", bad)), (path, bad)


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
    "nash": ["profile", "utilities", "status", "certificate.point", "certificate.verified", "certificate.max_gain",
             "certificate.gains", "certificate.scales", "certificate.best_responses"],
    "welfare": ["b", "s", "welfare", "utilities", "p", "beta", "status", "certificate.point", "certificate.verified",
                "certificate.gap_bound", "certificate.multipliers.lower"],
    "welfare_infeasible": ["status", "p", "beta", "certificate.agent", "certificate.minimum_spending"],
    "mbeta": ["beta", "status", "unspent", "payments", "budgets_respected", "ne_positive", "equilibrium.profile",
              "equilibrium.status", "comparisons.0.ne_welfare", "comparisons.1.welfare_gap",
              "comparisons.2.ne_maximizes", "comparisons.0.optimum.welfare", "comparisons.1.optimum.s",
              "comparisons.0.ne_kkt.gap_bound"],
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


# --- issue 18: the Nash tolerance does not grow with the box; strict JSON ---------------------------

FORGED_PROFILES = [[0.0, 0.1], [0.0, 1.0], [0.2, 0.4], [1.0, 0.0], [0.5, 0.5], [0.0, 2.0], [2.0, 2.0], [0.01, 0.49]]
"""Profiles of 001 Example 1 (NE (0, 1/2)) that are not equilibria: at (0, 0.1) player 2's utility
is -2.4 against a best of 4.0."""


@pytest.mark.parametrize("tau", [2.0, 1e3, 1e9, 1e12])
def test_a_wide_box_changes_no_verdict(tau):
    """001 Example 1 with the action box widened: the equilibrium is still established, and a
    forged profile carrying the certificate recomputed at it (the strongest forgery) is rejected
    at every width (at tau = 1e12 the utility scale over the box had made 6 of 8 pass)."""
    from mechopt.certificates.nash import nash_certificate
    from mechopt.io.schemas.game import NashModel, build_game

    raw = copy.deepcopy(HONEST_MODELS["nash"])
    raw["game"]["tau"] = tau
    envelope = json.loads(json.dumps(answer_model(raw)))
    assert envelope["result"]["status"] == "equilibrium" and verify_envelope(envelope).established
    np.testing.assert_allclose(envelope["result"]["profile"], [0.0, 0.5], atol=1e-9)
    game = build_game(NashModel.model_validate(raw).game)
    for point in FORGED_PROFILES:
        cert = nash_certificate(game, np.array(point))
        assert not cert.verified and cert.refuted, point
        forged = _set(_set(_set(envelope, "result.profile", point), "result.certificate", json.loads(cert.to_json())),
                      "result.utilities", game.utilities(np.array(point)).tolist())
        assert not _established(forged), point


def test_duplicate_keys_and_huge_integers_are_malformed(honest, tmp_path):
    """issue 18 item 5: a repeated key is an error (not "the last one wins"), and so is an integer
    of 5 000 digits; both exit 2 with the reason, never a traceback."""
    text = json.dumps(honest["nash"])
    duplicated = text.replace('"status": "equilibrium"', '"status": "no_equilibrium_found", "status": "equilibrium"', 1)
    assert duplicated != text
    path = tmp_path / "dup.json"
    path.write_text(duplicated)
    out = runner.invoke(app, ["verify", str(path)])
    assert out.exit_code == 2 and "'status' appears twice" in out.output
    path.write_text(text.replace('"version": 3', '"version": ' + "9" * 5000, 1))
    out = runner.invoke(app, ["verify", str(path)])
    assert out.exit_code == 2 and "more than" in out.output and "Traceback" not in out.output


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_at_once(tmp_path, device):
    """issue 18: a model or result that is a symlink to an endless device is refused, not read."""
    for name, command in (("m.toml", "solve"), ("r.json", "verify")):
        link = tmp_path / name
        link.symlink_to(device)
        out = runner.invoke(app, [command, str(link)])
        assert out.exit_code == 2 and "not a regular file" in out.output
