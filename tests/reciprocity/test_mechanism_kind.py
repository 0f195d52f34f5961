"""The ``kind = "mechanism"`` model files: `mechopt solve --json` prints the envelope with the
interface fields, `mechopt verify` establishes it, bad input names the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.queries import answer_model, solve_model

MODELS = Path(__file__).resolve().parents[2] / "models"
runner = CliRunner()


def test_solve_json_and_verify(tmp_path) -> None:
    out = runner.invoke(app, ["solve", str(MODELS / "mechanism_example4_shapley.toml"), "--json"])
    assert out.exit_code == 0, out.output
    envelope = json.loads(out.output)
    assert envelope["kind"] == "mechanism"
    result = envelope["result"]
    for field in ("status", "equilibrium", "payments", "reciprocity", "data_share", "data_gain", "accuracy_gain"):
        assert field in result
    assert result["status"] == "equilibrium" and result["equilibrium"]["certificate"]["verified"] is True
    assert result["equilibrium"]["profile"] == pytest.approx([3.0, 1.17], abs=5e-3)  # 003 Example 4
    assert result["baseline"]["profile"] == pytest.approx([10 ** 0.5 - 1, 0.0], abs=1e-8)  # Example 3
    assert result["reciprocity"] == pytest.approx(1.0) and abs(sum(result["payments"])) < 1e-14
    path = tmp_path / "r.json"
    path.write_text(out.output)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0


@pytest.mark.parametrize("edit,field", [
    (lambda r: r.update(mechanism="vcg"), "mechanism"),
    (lambda r: r.update(beta=0.5), "beta"),
    (lambda r: r.update(mechanism="budget_balanced", beta=1.5), "beta"),
    (lambda r: r["game"].update(payoff={"family": "random_coverage", "q": [[0.1], [0.2]]}), "game.payoff"),
    (lambda r: r["game"].update(n=25, cost={"slope": 0.1}, payoff={"family": "pac_bound", "a0": 1.0, "k": 1.0}),
     "game.n"),
    (lambda r: r["game"]["cost"].update(slope=[0.1, 0.2, 0.3]), "cost.slope"),
])
def test_bad_input_names_the_field(edit, field) -> None:
    raw = load_model_file(MODELS / "mechanism_example4_shapley.toml")
    edit(raw)
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(raw)


def test_grouped_model_answers() -> None:
    """003 Section 5.1's payoff shape (two groups of two): reciprocity 1 and budget balance at the NE."""
    result = json.loads(json.dumps(answer_model(load_model_file(MODELS / "mechanism_grouped_shapley.toml"))))["result"]
    assert result["status"] == "equilibrium"
    assert result["reciprocity"] == pytest.approx(1.0, abs=1e-12)
    assert abs(result["budget_balance"]) <= 1e-12 * sum(abs(p) for p in result["payments"])
