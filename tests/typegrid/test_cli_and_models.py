"""`mechopt exists` / `disparity-boundary` round trips through `mechopt verify`; bad input."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.io import ModelFileError
from mechopt.io.registry import solve_model

MODELS = Path(__file__).resolve().parents[2] / "models"
runner = CliRunner()


def _roundtrip(args: list[str], tmp_path: Path) -> dict:
    solved = runner.invoke(app, args + ["--json"])
    assert solved.exit_code == 0, solved.output
    data = json.loads(solved.stdout)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    ok = runner.invoke(app, ["verify", str(path)])
    assert ok.exit_code == 0, ok.output
    return data


def _verify_exit(data: dict, tmp_path: Path) -> int:
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(data))
    return runner.invoke(app, ["verify", str(path)]).exit_code


@pytest.mark.parametrize("K,exists,method", [(6, True, "dag"), (7, False, "dag"), (7, False, "lp")])
def test_exists_market_growth_json_then_verify_then_tamper(K: int, exists: bool, method: str, tmp_path: Path) -> None:
    envelope = _roundtrip(["exists", "--market-growth", "-1", "--disparity", str(K), "--method", method], tmp_path)
    data = envelope["result"]
    if method == "lp":
        assert data["certificate"]["dual_ray"]["b_dot_y"] < 0
    assert data["exists"] is exists and data["certificate"]["verified"] is True
    if exists:
        data["exists"] = False  # a payment table cannot back a claim of non-existence
    else:
        data["certificate"]["chains"][1]["vertices"].reverse()  # not a path of the graph
    assert _verify_exit(envelope, tmp_path) == 1


@pytest.mark.parametrize("model", ["existence_market_growth.toml", "existence_linear.toml", "existence_boundary.toml"])
def test_model_files_solve_and_verify(model: str, tmp_path: Path) -> None:
    data = _roundtrip(["solve", str(MODELS / model)], tmp_path)["result"]
    assert data["certificate"]["verified"] is True


def test_exists_with_model_file(tmp_path: Path) -> None:
    data = _roundtrip(["exists", str(MODELS / "existence_market_growth.toml")], tmp_path)["result"]
    assert data["exists"] is False and data["certificate"]["profile"] in ([1, 7], [7, 1])  # exact: test_market_growth


def test_disparity_boundary_json(tmp_path: Path) -> None:
    envelope = _roundtrip(["disparity-boundary", "--market-growth", "-1"], tmp_path)
    data = envelope["result"]
    assert data["max_disparity"] == 6 and data["status"] == "optimal" and data["exists"] is True
    assert data["certificate"]["nonexistence"]["profile"] in ([1, 7], [7, 1])
    for key, value in (("lower", 7), ("max_disparity", 7), ("upper", 8), ("max_disparity", 1000)):
        assert _verify_exit({**envelope, "result": {**data, key: value}}, tmp_path) == 1, key
    assert _verify_exit({**envelope, "result": {**data, "lower": "six"}}, tmp_path) == 2


@pytest.mark.parametrize("args,names", [
    (["exists", "--market-growth", "-1.5", "--disparity", "5"], ["--market-growth", "greater than or equal to -1"]),
    (["exists", "--market-growth", "-0.9", "--disparity", "0"], ["--disparity", "greater than or equal to 1"]),
    (["exists", "--market-growth", "-0.9"], ["--disparity"]),
    (["exists"], ["MODEL", "--market-growth"]),
    (["exists", "../models/x.toml", "--agents", "3"], ["--agents", "grid.n"]),
    (["exists", "--market-growth", "-0.9", "--disparity", "4", "--method", "magic"], ["--method"]),
    (["exists", "--market-growth", "-0.9", "--disparity", "4", "--agents", "0"], ["--agents"]),
    (["disparity-boundary", "--market-growth", "2"], ["--market-growth", "less than or equal to 1"]),
    (["disparity-boundary"], ["--market-growth"]),
    (["exists", "--market-growth", "-0.9", "--disparity", "200", "--agents", "4"], ["--disparity", "<= 100"]),
    (["disparity-boundary", "--market-growth", "-0.9", "--agents", "3", "--full-limit", "1000"], ["--full-limit"]),
])
def test_bad_arguments_exit_2_naming_the_argument(args: list[str], names: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    for name in names:
        assert name in text, text


def _model() -> dict:
    return tomllib.loads((MODELS / "existence_linear.toml").read_text())


@pytest.mark.parametrize(("path", "value", "field"), [
    (("grid", "n"), 0, "grid.n"),
    (("grid", "disparity"), 0, "grid.disparity"),
    (("grid", "disparity"), 2.5, "grid.disparity"),
    (("grid", "eps"), -1.0, "grid.eps"),
    (("grid", "quality"), "cubic", "grid.quality"),
    (("grid", "disparity"), 900, "grid"),  # too large for the generic methods
    (("valuation", "family"), "magic", "valuation"),
    (("valuation", "A"), [[1.0, 2.0]], "valuation.A"),
    (("valuation", "A"), KeyError, "valuation.linear.A"),
    (("solver", "method"), "simplex", "solver.method"),
    (("solver", "tol"), -1.0, "solver.tol"),
    (("grid", "colour"), 1, "grid.colour"),
])
def test_malformed_existence_model_names_the_field(path: tuple, value: object, field: str, edit_model) -> None:
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(edit_model(_model(), path, value), source="m.toml")


@pytest.mark.parametrize(("key", "value"), [("growth_rate", -3.0), ("growth_rate", "fast"), ("n", 9), ("line_limit", 1)])
def test_malformed_boundary_model_names_the_field(key: str, value: object) -> None:
    model = tomllib.loads((MODELS / "existence_boundary.toml").read_text())
    model[key] = value
    with pytest.raises(ModelFileError, match=key):
        solve_model(model, source="b.toml")


def test_figure3_sweep_writes_the_png_and_its_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--figure3` without `--json` once wrote the PNG, then crashed (NameError); each alpha goes
    through the registry (K*(-1) = 6 and K*(-0.9) = 15: test_market_growth)."""
    monkeypatch.setattr("mechopt.typegrid.market_growth.figure3_alphas", lambda: np.array([-1.0, -0.9]))
    png = tmp_path / "fig3.png"
    args = ["disparity-boundary", "--figure3", str(png), "--full-limit", "32", "--line-limit", "64"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert png.stat().st_size > 0
    assert "2 values of alpha, 2 certified exact" in " ".join(result.output.split())
    rows = json.loads(runner.invoke(app, args + ["--json"]).stdout)
    assert [(r["max_disparity"], r["status"], r["established"]) for r in rows] == [(6, "optimal", True),
                                                                                 (15, "optimal", True)]


def test_the_solve_table_shows_the_verdict(tmp_path: Path) -> None:
    """The table's verdict column is the answer's verdict (`success`), the same as `verify`'s."""
    result = runner.invoke(app, ["solve", str(MODELS / "existence_market_growth.toml")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "infeasible" in text and "established" in text and "NOT established" not in text
