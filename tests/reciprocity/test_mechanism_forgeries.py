"""`mechopt verify` of ``kind = "mechanism"`` answers cannot be forged: the honest envelopes are
established, and every tampering is rejected (not established, or the file malformed).

003 Example 4 (a(s) = 1 - (||s||_1 + 1)^-1, costs 0.1 s_1 and 0.25 s_2): M^Shap's NE is (3, 1.17),
M^0's (sqrt(10) - 1, 0), M^BG's (sqrt(1 / (0.1 (1 - beta*))) - 1, 0) with beta* = 2/7.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, verify_envelope

MODELS = Path(__file__).resolve().parents[2] / "models"
HONEST = {"shapley": "mechanism_example4_shapley.toml", "budget_balanced": "mechanism_example4_budget_balanced.toml",
          "none": "mechanism_example3_none.toml"}


@pytest.fixture(scope="module")
def honest() -> dict[str, dict[str, Any]]:
    return {name: json.loads(json.dumps(answer_model(load_model_file(MODELS / f)))) for name, f in HONEST.items()}


def _established(envelope: dict[str, Any], tol: float | None = None) -> bool:
    """True iff verify establishes the answer; a malformed file counts as rejected."""
    try:
        return verify_envelope(envelope, tol=tol).established
    except ModelFileError:
        return False


def _set(envelope: dict, path: str, value: Any) -> dict:
    """A copy with the field at the dotted ``path`` (list indices as numbers) set, or deleted
    when ``value`` is KeyError."""
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


def _moved(envelope: dict, which: str, point: list[float]) -> dict:
    """A Nash answer moved together with its evidence's point (the strongest forgery of a point)."""
    return _set(_set(envelope, f"result.{which}.profile", point), f"result.{which}.certificate.point", point)


def _scaled(envelope: dict, path: str, factor: float) -> dict:
    return _set(envelope, path, [factor * x for x in _get(envelope, path)])


Forgery = tuple[str, str, Callable[[dict], dict]]
FORGERIES: list[Forgery] = [
    ("shapley", "equilibrium moved to M^0's", lambda e: _moved(e, "equilibrium", [2.16227766, 0.0])),
    ("shapley", "baseline moved", lambda e: _moved(e, "baseline", [1.0, 0.0])),
    ("shapley", "equilibrium and baseline swapped",
     lambda e: _set(_set(e, "result.equilibrium", e["result"]["baseline"]), "result.baseline", e["result"]["equilibrium"])),
    ("shapley", "payments unbalanced", lambda e: _set(e, "result.payments.1", 0.0)),
    ("shapley", "payments doubled", lambda e: _scaled(e, "result.payments", 2.0)),
    ("shapley", "budget balance", lambda e: _set(e, "result.budget_balance", 0.1)),
    ("shapley", "reciprocity", lambda e: _set(e, "result.reciprocity", 0.9)),
    ("shapley", "reciprocity infinite", lambda e: _set(e, "result.reciprocity", "inf")),
    ("shapley", "Shapley values", lambda e: _set(e, "result.shapley.0", 1.0)),
    ("shapley", "payoffs", lambda e: _set(e, "result.payoffs.1", 0.5)),
    ("shapley", "data share", lambda e: _set(e, "result.data_share", 5.0)),
    ("shapley", "data gain", lambda e: _set(e, "result.data_gain", 3.0)),
    ("shapley", "accuracy gain", lambda e: _set(e, "result.accuracy_gain", 1.5)),
    ("shapley", "beta given", lambda e: _set(e, "result.beta", 0.5)),
    ("shapley", "mechanism renamed", lambda e: _set(e, "result.mechanism", "none")),
    ("shapley", "edited model mechanism", lambda e: _set(e, "model.mechanism", "none")),
    ("shapley", "edited cost", lambda e: _set(e, "model.game.cost.slope", [0.25, 0.1])),
    ("shapley", "edited bounds", lambda e: _set(e, "model.game.tau", 2.0)),
    ("shapley", "model outside 003's premise (a(0) = -1)", lambda e: _set(e, "model.game.payoff.alpha", 2.0)),
    ("shapley", "equilibrium deleted", lambda e: _set(e, "result.equilibrium", KeyError)),
    ("shapley", "equilibrium status flipped", lambda e: _set(e, "result.equilibrium.status", "no_equilibrium_found")),
    ("shapley", "status unverified", lambda e: _set(e, "result.status", "unverified")),
    ("shapley", "status assumption violated", lambda e: _set(e, "result.status", "assumption_violated")),
    ("shapley", "loosened tolerance of the equilibrium", lambda e: _set(e, "result.equilibrium.certificate.tol", 1.0)),
    ("shapley", "loosened tolerance of the baseline", lambda e: _set(e, "result.baseline.certificate.tol", "inf")),
    ("shapley", "negative tolerance", lambda e: _set(e, "result.equilibrium.certificate.tol", -1.0)),
    ("shapley", "unknown field", lambda e: _set(e, "result.premise", "ok")),
    ("budget_balanced", "beta", lambda e: _set(e, "result.beta", 0.8)),
    ("budget_balanced", "beta null", lambda e: _set(e, "result.beta", None)),
    ("budget_balanced", "edited beta", lambda e: _set(e, "model.beta", 0.8)),
    ("budget_balanced", "payments", lambda e: _set(e, "result.payments.0", 0.0)),
    ("budget_balanced", "equilibrium at M^Shap's", lambda e: _moved(e, "equilibrium", [2.99839298, 1.16904814])),
    ("none", "payments claimed", lambda e: _set(e, "result.payments.0", 1e-12)),
    ("none", "reciprocity 1 claimed", lambda e: _set(e, "result.reciprocity", 1.0)),
    ("none", "baseline at the origin", lambda e: _moved(e, "baseline", [0.0, 0.0])),
]


@pytest.mark.parametrize("name", list(HONEST))
def test_every_honest_envelope_is_established(honest, name: str) -> None:
    verdict = verify_envelope(honest[name])
    assert verdict.established and honest[name]["result"]["status"] == "equilibrium", verdict.failed
    assert verdict.basis.value == "proof"


@pytest.mark.parametrize("name,what,forge", FORGERIES, ids=[f"{n}:{w}" for n, w, _ in FORGERIES])
def test_forgery_is_rejected(honest, name: str, what: str, forge: Callable[[dict], dict]) -> None:
    assert not _established(forge(honest[name]))


def test_stricter_verifier_tolerance_is_applied(honest) -> None:
    """The evidence is judged at the verifier's tolerance: at the default the honest file holds;
    with --tol 1e-10 the tolerance its certificates claim, 1e-9, is looser than the verifier's, so
    it is not established."""
    assert _established(honest["shapley"], tol=1e-9)
    assert not _established(honest["shapley"], tol=1e-10)


ANSWER_FIELDS = {
    "shapley": ["status", "mechanism", "payments", "shapley", "payoffs", "budget_balance", "reciprocity", "data_share",
                "data_gain", "accuracy_gain", "equilibrium.profile", "equilibrium.status", "equilibrium.utilities",
                "equilibrium.certificate.point", "equilibrium.certificate.verified", "equilibrium.certificate.gains",
                "baseline.profile", "baseline.utilities", "baseline.status"],
    "budget_balanced": ["status", "beta", "payments", "budget_balance", "reciprocity", "data_gain", "accuracy_gain",
                        "equilibrium.utilities", "baseline.certificate.max_gain"],
}
STATUSES = ["equilibrium", "no_equilibrium_found", "optimal", "bounded", "infeasible", "assumption_violated",
            "unverified", "failed"]


def _tamper(value: Any, draw: st.DataObject) -> Any:
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return draw.draw(st.sampled_from([s for s in STATUSES + ["none", "shapley"] if s != value]))
    if isinstance(value, float):
        return value + draw.draw(st.sampled_from([1e-3, -1e-3, 0.5, -0.5])) * max(1.0, abs(value))
    if isinstance(value, list):
        k = draw.draw(st.integers(0, len(value) - 1))
        return value[:k] + [_tamper(value[k], draw)] + value[k + 1:]
    raise AssertionError(f"no tampering for {value!r}")


@given(data=st.data())
def test_random_tampering_is_rejected(honest, data) -> None:
    name = data.draw(st.sampled_from(sorted(ANSWER_FIELDS)))
    path = data.draw(st.sampled_from(ANSWER_FIELDS[name]))
    envelope = honest[name]
    forged = _set(envelope, f"result.{path}", _tamper(_get(envelope["result"], path), data))
    assert not _established(forged), (name, path)
