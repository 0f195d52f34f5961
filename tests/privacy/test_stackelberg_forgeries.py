"""`mechopt verify` of ``kind = "stackelberg"`` answers cannot be forged: the honest envelopes are
established, and every tampering is rejected (not established, or the file malformed).

004 Section 5.1 (U = [[0, 2/3], [2/3, 1]], gamma(p) = 1/2 + p/6): at c = 0.25 alpha* = 2c = 0.5 and
everybody shares (p = 0), the platform keeps 1/2; at c = 0.45 the optimum is mixed (alpha* =
0.806, p* = 0.35, value 0.1408); at c = 0.8 > gamma_max = 2/3 nobody is paid (alpha* = 0, p = 1);
c_th = 1/3.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io.envelope import wrap
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, verify_envelope
from mechopt.io.schemas.privacy import StackelbergModel, symmetric_game
from mechopt.privacy.certify import StackelbergResult, regime_of, stackelberg_certificate
from mechopt.privacy.payoffs import expected_utility, user_payoffs

MODELS = Path(__file__).resolve().parents[2] / "models"
BASE = load_model_file(MODELS / "privacy_mean_estimation.toml")
THREE = {"kind": "stackelberg", "sensitivity": 0.3, "game": {"utility": "table", "levels": [0.0, 1.0], "table": [
    [[0.0, 0.5], [0.5, 0.75]], [[0.5, 0.75], [0.75, 0.875]]]}}  # U = 1 - 2^-k with k users sharing
HONEST = {"quarter": {**BASE, "sensitivity": 0.25}, "mixed": {**BASE, "sensitivity": 0.45},
          "none": {**BASE, "sensitivity": 0.8}, "free": {**BASE, "sensitivity": 0.0}, "three_users": THREE}
runner = CliRunner()


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(raw))) for name, raw in HONEST.items()}


def _established(envelope: dict[str, Any], tol: float | None = None) -> bool:
    """True iff verify establishes the answer; a malformed file counts as rejected."""
    try:
        return verify_envelope(envelope, tol=tol).established
    except ModelFileError:
        return False


def _set(envelope: dict, path: str, value: Any) -> dict:
    """A copy with the field at the dotted ``path`` set (deleted when ``value`` is KeyError)."""
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


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _moved(envelope: dict, alpha: float, p: float) -> dict:
    """The strongest forgery of a point: the answer moved to (alpha, p) with every field (payoffs,
    values, regime, the whole certificate) recomputed there by the package's own functions, claiming
    ``optimal`` and ``verified``."""
    model = StackelbergModel.model_validate(envelope["model"])
    game, c = symmetric_game(model), float(model.sensitivity)
    honest = StackelbergResult.from_dict(envelope["result"])
    payoffs = user_payoffs(game.game, alpha, p, c)
    users = p * payoffs[:, 0] + (1 - p) * payoffs[:, 1]
    cert = dataclasses.replace(stackelberg_certificate(game, c, alpha, p), verified=True)
    forged = dataclasses.replace(honest, alpha=alpha, p=p, equilibrium=np.tile([p, 1 - p], (game.n, 1)),
                                 platform_utility=(1 - alpha) * expected_utility(game.game, p), user_utilities=users,
                                 payments=users + c * (1 - p), total_utility=expected_utility(game.game, p),
                                 regime=regime_of(p), certificate=cert)
    return {**envelope, "result": json.loads(json.dumps(forged.to_dict()))}


Forgery = tuple[str, str, Callable[[dict], dict]]
FORGERIES: list[Forgery] = [
    # a feasible pair that is not optimal, with consistent fields and evidence
    ("quarter", "share raised to 0.6 (an equilibrium, value 0.4)", lambda e: _moved(e, 0.6, 0.0)),
    ("mixed", "corner alpha = 0.9 (value 0.1 < 0.1408)", lambda e: _moved(e, 0.9, 0.0)),
    ("mixed", "p moved by 1e-3 along the branch", lambda e: _moved(e, 0.45 / (0.5 + 0.351 / 6), 0.351)),
    ("mixed", "nobody shares at alpha = 0", lambda e: _moved(e, 0.0, 1.0)),
    # the same value at a larger share: only the smallest-share evidence rejects it
    ("none", "share 0.5 with nobody sharing (value 0, as alpha* = 0)", lambda e: _moved(e, 0.5, 1.0)),
    ("none", "share 2e-3 with nobody sharing", lambda e: _moved(e, 2e-3, 1.0)),
    # not an equilibrium
    ("quarter", "alpha lowered: sharing no longer pays", lambda e: _moved(e, 0.4, 0.0)),
    ("mixed", "pure profile claimed at the mixed optimum's share", lambda e: _moved(e, e["result"]["alpha"], 0.0)),
    ("three_users", "everybody shares at the optimum's share", lambda e: _moved(e, e["result"]["alpha"], 0.0)),
    # single fields
    ("quarter", "alpha raised", lambda e: _set(_set(e, "result.alpha", 0.6), "result.platform_utility", 0.4)),
    ("quarter", "platform utility", lambda e: _set(e, "result.platform_utility", 0.6)),
    ("quarter", "c_th", lambda e: _set(e, "result.c_th", 0.5)),
    ("quarter", "c_th 2e-4 low", lambda e: _set(e, "result.c_th", 1 / 3 - 2e-4)),
    ("quarter", "c_th 2e-4 high", lambda e: _set(e, "result.c_th", 1 / 3 + 2e-4)),
    ("quarter", "gamma_max", lambda e: _set(e, "result.gamma_max", 0.7)),
    ("quarter", "regime", lambda e: _set(e, "result.regime", "mixed")),
    ("quarter", "selection", lambda e: _set(e, "result.selection", "pessimistic")),
    ("quarter", "sensitivity", lambda e: _set(e, "result.sensitivity", 0.3)),
    ("quarter", "certificate deleted", lambda e: _set(e, "result.certificate", KeyError)),
    ("quarter", "certificate null", lambda e: _set(e, "result.certificate", None)),
    ("quarter", "bound lowered", lambda e: _set(e, "result.certificate.bound", 0.4)),
    ("quarter", "rival bound lowered", lambda e: _set(e, "result.certificate.rival_bound", "-inf")),
    ("quarter", "verified flipped", lambda e: _set(e, "result.certificate.verified", False)),
    ("quarter", "tolerance loosened", lambda e: _set(e, "result.certificate.tol", 1e-3)),
    ("quarter", "tolerance infinite", lambda e: _set(e, "result.certificate.tol", "inf")),
    ("quarter", "tolerance negative", lambda e: _set(e, "result.certificate.tol", -1e-9)),
    ("quarter", "status unverified", lambda e: _set(e, "result.status", "unverified")),
    ("quarter", "status failed", lambda e: _set(e, "result.status", "failed")),
    ("quarter", "alpha outside [0, 1]", lambda e: _set(e, "result.alpha", 1.5)),
    ("quarter", "p null", lambda e: _set(e, "result.p", None)),
    ("quarter", "unknown field", lambda e: _set(e, "result.note", "trust me")),
    ("mixed", "equilibrium", lambda e: _set(e, "result.equilibrium.0", [0.5, 0.5])),
    ("mixed", "user utilities", lambda e: _set(e, "result.user_utilities.0", 0.1)),
    ("mixed", "payments", lambda e: _set(e, "result.payments.1", 0.3)),
    ("mixed", "regrets", lambda e: _set(e, "result.certificate.regrets.0", [0.1, 0.0])),
    ("mixed", "grid value", lambda e: _set(e, "result.certificate.grid_value", 0.1)),
    # the model edited under the answer
    ("quarter", "edited sensitivity", lambda e: _set(e, "model.sensitivity", 0.5)),
    ("quarter", "sensitivity deleted", lambda e: _set(e, "model.sensitivity", KeyError)),
    ("quarter", "edited epsilon", lambda e: _set(e, "model.game.epsilon", 1.0)),
    ("mixed", "edited table", lambda e: _set(e, "model.game", {"utility": "table", "levels": [0.0, 1.0],
                                                                "table": [[0.0, 0.7], [0.7, 1.0]]})),
]


@pytest.mark.parametrize("name", list(HONEST))
def test_every_honest_envelope_is_established(honest, name):
    report = verify_envelope(honest[name])
    assert report.established, report.failed
    assert honest[name]["result"]["status"] == "optimal" and report.basis.value == "proof"
    assert report.unchecked == ("message", "stats")


def test_the_strongest_forgery_helper_reproduces_the_honest_answer(honest):
    """Moving an answer to its own point changes nothing (so the forgeries below differ only where
    they claim another point)."""
    for name, envelope in honest.items():
        r = envelope["result"]
        assert _established(_moved(envelope, r["alpha"], r["p"])), name


@pytest.mark.parametrize("name,what,forge", FORGERIES, ids=[f"{n}:{w}" for n, w, _ in FORGERIES])
def test_forgery_is_rejected(honest, name, what, forge):
    assert not _established(forge(honest[name]))


def test_a_looser_verifier_still_establishes_a_stricter_answer(honest):
    """The evidence's numbers do not depend on the tolerance: an answer certified at 1e-9 is
    established by a verifier at 1e-6, and a stricter verifier rejects its looser claimed tolerance."""
    assert _established(honest["mixed"], tol=1e-6)
    assert not _established(honest["mixed"], tol=1e-12)


def test_verify_and_solve_give_the_same_verdict(honest, tmp_path):
    """The solve table's verdict column is the certifier's, as `mechopt verify` recomputes it."""
    model = tmp_path / "mixed.toml"
    model.write_text('kind = "stackelberg"\nsensitivity = 0.45\n[game]\nutility = "mean_estimation"\n')
    out = tmp_path / "out"
    solved = runner.invoke(app, ["solve", str(model), "--out", str(out)])
    assert solved.exit_code == 0, solved.output
    assert "optimal" in solved.output and "established" in solved.output and "NOT" not in solved.output
    checked = runner.invoke(app, ["verify", str(out / "mixed.json")])
    assert checked.exit_code == 0 and "ESTABLISHED" in checked.output


def test_cli_exit_codes(honest, tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_moved(honest["none"], 0.5, 1.0)))
    bad = runner.invoke(app, ["verify", str(path)])
    assert bad.exit_code == 1 and "FAIL" in bad.output
    path.write_text(json.dumps(_set(honest["none"], "result.alpha", 2.0)))
    malformed = runner.invoke(app, ["verify", str(path)])
    assert malformed.exit_code == 2 and "alpha" in malformed.output


def test_an_envelope_saved_from_python_verifies(honest):
    from mechopt.privacy.mean_estimation import mean_estimation_game
    from mechopt.privacy.stackelberg import solve_stackelberg
    from mechopt.privacy.symmetric import SymmetricPrivacyGame

    r = solve_stackelberg(SymmetricPrivacyGame(mean_estimation_game()), 0.45)
    assert verify_envelope(json.loads(json.dumps(wrap("stackelberg", HONEST["mixed"], r)))).established


# --- fuzz: random tamperings of the answer fields ---------------------------------------------------

ANSWER_FIELDS = {
    "quarter": ["status", "alpha", "p", "platform_utility", "user_utilities", "payments", "total_utility",
                "equilibrium", "gamma_min", "gamma_max", "c_th", "regime", "sensitivity", "selection",
                "certificate.verified", "certificate.max_regret", "certificate.support_gap", "certificate.bound",
                "certificate.rival_bound", "certificate.regrets", "certificate.grid_alpha", "certificate.scale"],
    "mixed": ["status", "alpha", "p", "platform_utility", "user_utilities", "payments", "total_utility",
              "equilibrium", "regime", "certificate.verified", "certificate.bound", "certificate.rival_bound"],
    "none": ["alpha", "p", "platform_utility", "certificate.rival_bound", "certificate.regret_scale"],
}
STATUSES = ["equilibrium", "no_equilibrium_found", "optimal", "bounded", "infeasible", "assumption_violated",
            "unverified", "failed"]


def _tamper(value: Any, draw: st.DataObject) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return draw.draw(st.sampled_from([s for s in STATUSES + ["mixed", "all_share"] if s != value]))
    if isinstance(value, int):
        return value + draw.draw(st.sampled_from([-1, 1, 5]))
    if isinstance(value, float):
        return value + draw.draw(st.sampled_from([1e-3, -1e-3, 0.5, -0.5])) * max(1.0, abs(value))
    if isinstance(value, list):
        k = draw.draw(st.integers(0, len(value) - 1))
        return value[:k] + [_tamper(value[k], draw)] + value[k + 1:]
    raise AssertionError(f"no tampering for {value!r}")


@given(data=st.data())
def test_random_tampering_is_rejected(honest, data):
    name = data.draw(st.sampled_from(sorted(ANSWER_FIELDS)))
    path = data.draw(st.sampled_from(ANSWER_FIELDS[name]))
    envelope = honest[name]
    forged = _set(envelope, f"result.{path}", _tamper(_get(envelope["result"], path), data))
    assert not _established(forged), (name, path)
