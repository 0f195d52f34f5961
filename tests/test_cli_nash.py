"""`mechopt solve --json` and `mechopt verify` on the nash query (issue 2 item 8): a saved result
re-checks from the model in its envelope alone, and a tampered one is not established (exit
code 1).  Model: models/example1_nash.toml (001 Example 1, NE (0, 0.5))."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mechopt.cli import app

MODEL = Path(__file__).resolve().parents[1] / "models" / "example1_nash.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def solved() -> dict:
    out = runner.invoke(app, ["solve", str(MODEL), "--json"])
    assert out.exit_code == 0, out.output
    envelope = json.loads(out.stdout)
    assert (envelope["format"], envelope["version"], envelope["kind"]) == ("mechopt-result", 3, "nash")
    return envelope


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    return path


def test_solve_reports_the_example1_equilibrium(solved):
    result = solved["result"]
    assert result["status"] == "equilibrium"
    assert result["certificate"]["verified"] is True
    assert result["certificate"]["max_gain"] <= 1e-9
    assert result["profile"] == pytest.approx([0.0, 0.5], abs=1e-6)


def test_verify_agrees_with_an_untouched_result(solved, tmp_path):
    out = runner.invoke(app, ["verify", str(write(tmp_path, solved)), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["established"] is True and all(c["ok"] for c in report["checks"])


@pytest.mark.parametrize("point", [[0.2, 0.4], [0.0, 0.6], [0.1, 0.5]])
def test_verify_rejects_a_tampered_point(solved, tmp_path, point):
    data = json.loads(json.dumps(solved))
    data["result"]["certificate"]["point"] = point
    data["result"]["profile"] = point  # a consistent forgery: the answer moved with its evidence
    out = runner.invoke(app, ["verify", str(write(tmp_path, data)), "--json"])
    assert out.exit_code == 1, out.output
    report = json.loads(out.stdout)
    failed = {c["field"] for c in report["checks"] if not c["ok"]}
    assert report["established"] is False and {"status", "certificate.verified"} <= failed


def test_verify_rejects_a_tampered_model(solved, tmp_path):
    """Same point, different costs: (0, 0.5) is no longer an equilibrium when c2 = 3."""
    data = json.loads(json.dumps(solved))
    data["model"]["game"]["cost"]["slope"] = [5.0, 3.0]
    out = runner.invoke(app, ["verify", str(write(tmp_path, data))])
    assert out.exit_code == 1, out.output


def test_heterogeneous_model_matches_its_closed_form():
    """models/nash_heterogeneous_power_law.toml: S_i = (alpha_i beta_i / c_i)^(1/(beta_i+1)) - 1 for
    003 (12); agent 4 (largest S_i) fills its tau = 3, agent 1 the rest up to S_1."""
    out = runner.invoke(app, ["solve", str(MODEL.parent / "nash_heterogeneous_power_law.toml"), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)["result"]
    alpha, beta, c = [1.0, 0.8, 1.5, 1.2, 0.6], [0.5, 0.9, 0.4, 0.7, 1.0], [0.02, 0.03, 0.05, 0.02, 0.04]
    S1 = (alpha[0] * beta[0] / c[0]) ** (1 / (beta[0] + 1)) - 1
    assert result["certificate"]["verified"] is True
    assert result["profile"] == pytest.approx([S1 - 3.0, 0.0, 0.0, 3.0, 0.0], abs=1e-7)
