"""No tracebacks, no hangs (issue 7 item 5): every malformed input exits with code 2 and a message
naming the field or argument; nothing is silently truncated or coerced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mechopt import PowerLaw, linear_cost, solve_nash
from mechopt.cli import app
from mechopt.data.utilities import QuasiLinear
from mechopt.io.registry import answer_model
from mechopt.io.files import load_model_file
from mechopt.programs import WelfareProgram
from mechopt.solvers.welfare import solve_welfare

MODELS = Path(__file__).resolve().parents[1] / "models"
runner = CliRunner()


def _solve(tmp_path: Path, text: str | bytes) -> tuple[int, str]:
    path = tmp_path / "model.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    out = runner.invoke(app, ["solve", str(path)])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    return out.exit_code, out.output


EXAMPLE1 = (MODELS / "example1_nash.toml").read_text()
WELFARE = (MODELS / "welfare_nash_p0.toml").read_text()


@pytest.mark.parametrize("text,names", [
    (EXAMPLE1.replace('kind = "nash"', "kind = []"), ["kind"]),
    (EXAMPLE1.replace('kind = "nash"', "kind = {a=1}"), ["kind"]),
    (b'kind = "nash"\nname = "\xff\xfe"\n', ["UTF-8"]),
    ('kind = "nash"\nx = ' + "[" * 5000 + "]" * 5000 + "\n", ["nested"]),
    (EXAMPLE1.replace("n = 2", "n = 1e12"), ["game.n"]),
    (EXAMPLE1.replace("n = 2", "n = 1000000000000").replace("slope = [5.0, 4.0]", "slope = 5.0"), ["game.n"]),
    (EXAMPLE1.replace("n = 2", 'n = "2"'), ["game.n"]),
    (EXAMPLE1.replace("coefficient = 1.0", "coefficient = true"), ["coefficient"]),
    (EXAMPLE1.replace("coefficient = 1.0", "coefficient = 1e308"), ["coefficient"]),
    (EXAMPLE1 + '\n[solver]\nmethod = "pyomo-mip"\n', ["not affine"]),
    (EXAMPLE1 + '\n[solver]\nmethod = "stochastic-br"\n', ["solver.batch"]),
    (EXAMPLE1 + '\n[solver]\nmethod = "stochastic-br"\nbatch = 5\n', ["solver.batch", "game.n = 2"]),
    (EXAMPLE1 + '\n[solver]\nmethod = "newton"\nbatch = 2\n', ["solver.batch"]),
    (WELFARE.replace("welfare_p = 0.0", "welfare_p = -1e-300"), ["p:", "1e-06"]),
    (WELFARE.replace("welfare_p = 0.0", "welfare_p = -1e300"), ["p:", "1000"]),
    (WELFARE.replace("welfare_p = 0.0", "welfare_p = 3.0"), ["field 'welfare_p'"]),
    # a discriminated union's tag missing or unknown: its field and every valid value named
    (EXAMPLE1.replace('family = "power_law"', ""),
     ["field 'game.payoff.family': expected one of 'power_law', 'pac_bound', 'linear'", "; missing"]),
    (EXAMPLE1.replace('family = "power_law"', 'family = "powerlaw"'),
     ["field 'game.payoff.family': expected one of 'power_law',", "got 'powerlaw'"]),
    ('kind = "stackelberg"\nsensitivity = 0.25\n[game]\nlevels = [0.0, 1.0]\ntable = [[0.0, 0.6], [0.6, 1.0]]\n',
     ["field 'game.utility': expected one of 'mean_estimation', 'table'; missing"]),
    ('kind = "stackelberg_levels"\nsensitivity = 0.25\n[game]\nutility = "tabel"\nlevels = [0.0, 1.0]\n',
     ["field 'game.utility': expected one of 'mean_estimation', 'table'; got 'tabel'"]),
    ('kind = "stackelberg"\nsensitivity = 0.25\n[game]\nutility = 3\n',
     ["field 'game.utility': expected one of 'mean_estimation', 'table'; got 3"]),
])
def test_malformed_model_exits_2_naming_the_field(tmp_path, text, names):
    code, output = _solve(tmp_path, text)
    assert code == 2, output
    flat = " ".join(output.split())
    for name in names:
        assert name in flat, (name, flat)


def test_solve_out_never_overwrites(tmp_path):
    target = tmp_path / "results"
    assert runner.invoke(app, ["solve", str(MODELS / "example1_nash.toml"), "--out", str(target)]).exit_code == 0
    again = runner.invoke(app, ["solve", str(MODELS / "example1_nash.toml"), "--out", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["solve", str(MODELS / "example1_nash.toml"), "--out", str(target), "--force"]).exit_code == 0
    existing = tmp_path / "file.json"
    existing.write_text("{}")
    onto_file = runner.invoke(app, ["solve", str(MODELS / "example1_nash.toml"), "--out", str(existing)])
    assert onto_file.exit_code == 2 and "--out" in onto_file.output


def _envelope() -> dict:
    return json.loads(json.dumps(answer_model(load_model_file(MODELS / "example1_nash.toml"))))


def _welfare_envelope() -> dict:
    return json.loads(json.dumps(answer_model(load_model_file(MODELS / "welfare_nash_p0.toml"))))


@pytest.mark.parametrize("make,path,value,name", [
    (_envelope, "result.certificate", KeyError, "result.certificate"),
    (_envelope, "result.certificate.point", None, "result.certificate.point"),
    (_envelope, "result.certificate.point", [0.0, 0.5, 1.0], "result.certificate.point"),
    (_envelope, "result.certificate.point", "0, 0.5", "result.certificate.point"),
    (_envelope, "result.certificate.point", [[0.0, 0.5]], "result.certificate.point"),
    (_envelope, "result.certificate.point", [0.0, True], "result.certificate.point"),
    (_envelope, "result.status", "great", "result.status"),
    (_envelope, "version", 1, "version"),
    (_envelope, "format", "other", "format"),
    (_envelope, "kind", "magic", "kind"),
    (_envelope, "model.kind", "welfare", "model.kind"),
    (_envelope, "model.game.n", "2", "game.n"),
    (_welfare_envelope, "result.b", KeyError, "result.b"),
    (_welfare_envelope, "result.certificate.point", KeyError, "result.certificate.point"),
])
def test_malformed_result_exits_2_naming_the_field(tmp_path, edit_model, make, path, value, name):
    data = edit_model(make(), tuple(path.split(".")), value)
    result = tmp_path / "r.json"
    result.write_text(json.dumps(data))
    out = runner.invoke(app, ["verify", str(result)])
    assert out.exit_code == 2, out.output
    assert name in " ".join(out.output.split())


def test_a_claimed_tolerance_that_is_no_number_is_a_malformed_file(tmp_path, edit_model):
    """The claimed tol is bound (it may not be looser than the verifier's): a non-numeric one is a
    malformed field, named, exit 2, never a crash."""
    data = edit_model(_envelope(), ("result", "certificate", "tol"), "loose")
    result = tmp_path / "r.json"
    result.write_text(json.dumps(data))
    out = runner.invoke(app, ["verify", str(result)])
    assert out.exit_code == 2 and "certificate.tol" in " ".join(out.output.split())
    assert runner.invoke(app, ["verify", str(result), "--tol", "-1"]).exit_code == 2


@pytest.mark.parametrize("content", [b"\xff\xfe", b"[" * 100000, b"[]", b"not json"])
def test_unreadable_result_files_exit_2(tmp_path, content):
    result = tmp_path / "r.json"
    result.write_bytes(content)
    assert runner.invoke(app, ["verify", str(result)]).exit_code == 2


def test_large_existence_grid_is_refused_with_the_estimate():
    out = runner.invoke(app, ["exists", "--market-growth", "-0.8", "--disparity", "10000"])
    assert out.exit_code == 2
    flat = " ".join(out.output.split())
    assert "--disparity" in flat and "--allow-large" in flat and "estimated" in flat
    huge = runner.invoke(app, ["exists", "--market-growth", "-0.8", "--disparity", "1000000"])
    assert huge.exit_code == 2 and "--disparity" in huge.output


def test_welfare_program_with_curved_costs_is_dcp():
    """(19) with convex quadratic costs: spending is M c(s) with M >= 0 (cvxpy accepts it)."""
    from mechopt.data.functions import Quadratic

    program = WelfareProgram(QuasiLinear(PowerLaw(alpha=2.0, beta=0.5, shift=1.0, top=3.0)),
                             Quadratic(slope=[0.5, 1.0, 1.5], curvature=[0.2, 0.1, 0.3]), np.array([4.0, 3.0, 2.0]),
                             0.5, 0.0)
    r = solve_welfare(program)
    assert r.certificate is not None and r.certificate.verified


def test_pyomo_mip_reports_its_residual():
    """The MIP method's outcome says converged only when the natural residual is within tolerance."""
    from mechopt import ContinuousGame

    # a linear Cournot duopoly: u_i = s_i (10 - s_1 - s_2) - s_i; NE s_i = 3
    game = ContinuousGame.from_utilities([lambda s: s[0] * (10 - s[0] - s[1]) - s[0],
                                          lambda s: s[1] * (10 - s[0] - s[1]) - s[1]], [(0, 10), (0, 10)], concave=True)
    r = solve_nash(game, method="pyomo-mip")
    assert r.certificate.verified
    np.testing.assert_allclose(r.profile, [3.0, 3.0], atol=1e-6)
    assert r.stats.termination.value == "converged" and r.stats.parameters["residual"] <= 1e-10


def test_strings_are_not_numbers_in_python_either():
    with pytest.raises(ValueError, match="p"):
        WelfareProgram(QuasiLinear(PowerLaw(alpha=1.0, beta=0.5)), linear_cost([1.0, 1.0]), np.array([1.0, 1.0]), 0.5, True)
