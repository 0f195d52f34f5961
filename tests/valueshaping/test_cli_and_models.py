"""`value_shaping` model files: the envelope's fields, verification, and errors naming the field."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io import ModelFileError
from mechopt.io.registry import answer_model, solve_model, verify_envelope

MODELS = Path(__file__).resolve().parents[2] / "models"
runner = CliRunner()


def _model(name: str = "value_shaping_heterogeneous.toml") -> dict:
    return tomllib.loads((MODELS / name).read_text())


def test_solve_json_has_the_issue_fields(tmp_path):
    out = runner.invoke(app, ["solve", str(MODELS / "value_shaping_heterogeneous.toml"), "--json"])
    assert out.exit_code == 0, out.output
    envelope = json.loads(out.output)
    result = envelope["result"]
    assert envelope["kind"] == "value_shaping" and result["status"] == "equilibrium"
    assert result["solo"][:3] == pytest.approx([10.0, 50 ** 0.5, 20 ** 0.5], rel=1e-12)
    assert result["free_riding"] == pytest.approx([10.0, 0.0, 0.0, 0.0])
    assert result["equilibrium"]["certificate"]["verified"] is True
    assert sum(result["equilibrium"]["profile"]) == pytest.approx(result["total_data"], rel=1e-12)
    path = tmp_path / "r.json"
    path.write_text(out.output)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0


@pytest.mark.parametrize("name", ["value_shaping_figure4.toml", "value_shaping_gpt3.toml"])
def test_model_files_are_established(name):
    envelope = json.loads(json.dumps(answer_model(_model(name))))
    assert envelope["result"]["status"] == "equilibrium"
    assert verify_envelope(envelope).established


@pytest.mark.parametrize(("path", "value", "field"), [
    (("n",), 0, "n"),
    (("cost", "slope"), [0.1, -0.2, 0.3, 0.4], "cost.slope"),
    (("cost", "slope"), [0.1, 0.2], "cost.slope"),
    (("cost", "slope"), 0.0, "cost.slope"),
    (("value", "top"), -1.0, "value"),
    (("value", "coefficient"), -1.0, "value.power_law.coefficient"),
    (("value", "coefficient"), [1.0, 2.0, 3.0, 4.0], "value.coefficient"),
    (("value", "family"), "cubic", "value"),
    (("epsilon",), -0.1, "epsilon"),
    (("colour",), 1, "colour"),
    (("n",), 10**7, "n"),  # above the documented maximum 10^6 (io/schemas/value_shaping.py)
    pytest.param(("n",), 10**5000, "n", id="n-of-5000-digits"),
    (("tol",), 2.0, "tol"),
    (("tol",), -1e-9, "tol"),
    (("tol",), "1e-9", "tol"),
])
def test_errors_name_the_field(path, value, field, edit_model):
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(edit_model(_model(), path, value), source="m.toml")


@pytest.mark.parametrize(("path", "value", "field"), [
    (("cost", "low"), 0.005, "cost.low"),  # not below high = 0.004
    (("cost", "p_low"), 1.0, "cost.p_low"),
    (("cost", "p_low"), 0.0, "cost.p_low"),
    (("others",), -1.0, "others"),
    (("n",), 10, "others, n"),  # both given
    (("value", "family"), "pac_bound", "value"),
    (("tol",), 0.0, "tol"),
])
def test_contract_errors_name_the_field(path, value, field, edit_model):
    raw = edit_model(_model("value_shaping_contract.toml"), path, value)
    if path == ("value", "family"):
        raw["value"] = {"family": "pac_bound", "a0": 0.95, "k": 10.0}
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(raw, source="m.toml")
