"""`mechopt solve --json` and `mechopt verify` for the M_beta and welfare queries."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mechopt.cli import app

MODELS = Path(__file__).resolve().parents[1] / "models"
runner = CliRunner()


@pytest.mark.parametrize("model", ["mbeta_equal_costs.toml", "welfare_nash_p0.toml"])
def test_solve_json_then_verify_then_tamper(model, tmp_path):
    solved = runner.invoke(app, ["solve", str(MODELS / model), "--json"])
    assert solved.exit_code == 0, solved.output
    data = json.loads(solved.stdout)
    assert data["result"]["status"] in ("equilibrium", "optimal")
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    ok = runner.invoke(app, ["verify", str(path)])
    assert ok.exit_code == 0, ok.output

    result = data["result"]
    if data["kind"] == "welfare":  # a worse, still feasible point, moved with its evidence
        result["s"][0] *= 0.8
        result["certificate"]["point"][len(result["b"])] *= 0.8
    else:
        result["equilibrium"]["certificate"]["point"][0] *= 0.5
        result["equilibrium"]["profile"][0] *= 0.5
    path.write_text(json.dumps(data))
    tampered = runner.invoke(app, ["verify", str(path)])
    assert tampered.exit_code == 1, tampered.output


def test_solve_reports_bad_field_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((MODELS / "welfare_nash_p0.toml").read_text().replace("welfare_p = 0.0", "welfare_p = 3.0"))
    result = runner.invoke(app, ["solve", str(bad)])
    assert result.exit_code == 2
    assert "field 'welfare_p'" in result.output
