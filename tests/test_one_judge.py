"""One judge per kind (issue "One judge per kind"): the verdict `mechopt solve` reaches is the one
`mechopt verify` gives on the saved file, from the same certifier, for every kind, for answers
that are established and for answers that are not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from honest_models import HONEST_MODELS
from mechopt.cli import app
from mechopt.core.verdict import Verdict
from mechopt.io.registry import KINDS, solve_model, verify_envelope
from mechopt.io.envelope import wrap

runner = CliRunner()


def _pac_bound() -> dict[str, Any]:
    """A PAC-bound payoff (not concave near its floor), nothing declared: an honest `unverified`."""
    return {"kind": "nash", "game": {"n": 3, "tau": 5000.0, "payoff": {"family": "pac_bound", "a0": 1.0, "k": 2.0},
                                     "cost": {"slope": [1e-4, 2e-4, 3e-4]}}}


def _shapley_a0_negative() -> dict[str, Any]:
    """M^Shap on a power law with a(0) = top - alpha shift^-beta = -1 (issue 17: `solve` said
    verified, `verify` rejected the same file)."""
    raw = copy.deepcopy(HONEST_MODELS["mechanism_shapley"])
    raw["game"]["payoff"].update({"coefficient": 2.0, "top": 1.0, "shift": 1.0})
    return raw


CASES = {**HONEST_MODELS, "nash_pac_bound_unverified": _pac_bound()}


def _summary(v: Verdict) -> tuple:
    return v.kind, v.claimed, v.status, v.established, v.basis, tuple((c.field, c.ok) for c in v.checks), v.unchecked


@pytest.mark.parametrize("name", list(CASES))
def test_solve_and_verify_give_the_same_verdict(name: str) -> None:
    raw = CASES[name]
    answer = solve_model(copy.deepcopy(raw))
    assert answer.verdict is not None and answer.status is answer.verdict.claimed
    assert answer.success == answer.verdict.established
    envelope = json.loads(json.dumps(wrap(raw["kind"], raw, answer)))
    assert _summary(verify_envelope(envelope)) == _summary(answer.verdict)


def test_every_kind_is_covered() -> None:
    assert {raw["kind"] for raw in CASES.values()} == set(KINDS)


def test_the_a0_negative_shapley_model_gets_one_verdict(tmp_path: Path) -> None:
    """Either refused at the door (exit 2 naming the field) by both commands, or solved and given
    the same verdict by the solve table and by verify."""
    model = tmp_path / "m.toml"
    raw = _shapley_a0_negative()
    model.write_text(_toml(raw))
    out = runner.invoke(app, ["solve", str(model), "--out", str(tmp_path / "out")])
    if out.exit_code == 2:
        assert "game.payoff" in out.output
        return
    assert out.exit_code == 0, out.output
    verdict = runner.invoke(app, ["verify", str(tmp_path / "out" / "m.json")])
    solved_established = "NOT established" not in out.output
    assert (verdict.exit_code == 0) == solved_established, (out.output, verdict.output)


def _toml(raw: dict[str, Any]) -> str:
    """A model dict as TOML (tables after scalars, nested tables dotted)."""
    lines: list[str] = []

    def emit(table: dict[str, Any], prefix: str) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in scalars.items())
        for k, v in table.items():
            if isinstance(v, dict):
                emit(v, f"{prefix}.{k}" if prefix else k)

    emit(raw, "")
    return "\n".join(lines) + "\n"


def test_a_result_computed_in_python_verifies(tmp_path: Path) -> None:
    """`mechopt.envelope(result, model)` wraps a Python result with the model file it answers;
    `mechopt verify` accepts it and gives the verdict the result carries."""
    import mechopt as mo

    models = Path(__file__).resolve().parents[1] / "models"
    payoff = mo.LinearIndexPayoff.aggregate(mo.PowerLaw(alpha=1.0, beta=1.0, top=8.0), n=2)
    result = mo.solve_nash(mo.DataSharingGame(payoff, mo.linear_cost([5.0, 4.0]), tau=2.0))
    path = tmp_path / "python.json"
    path.write_text(json.dumps(mo.envelope(result, models / "example1_nash.toml")))
    out = runner.invoke(app, ["verify", str(path)])
    assert result.success and out.exit_code == 0, out.output


def test_solve_and_verify_take_any_model_or_result(tmp_path: Path) -> None:
    """`mechopt.solve` takes a model file's path or its data; `mechopt.verify` an envelope's path or
    its data, and gives the verdict the answer carries."""
    import mechopt as mo

    path = Path(__file__).resolve().parents[1] / "models" / "example1_nash.toml"
    from_file, from_data = mo.solve(path), mo.solve(copy.deepcopy(HONEST_MODELS["nash"]))
    assert from_file.success and from_data.success
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(mo.envelope(from_file, path)))
    assert _summary(mo.verify(saved)) == _summary(from_file.verdict)
