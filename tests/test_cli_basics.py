"""The command line's basics: the version agrees with the package metadata."""

from importlib.metadata import version

from typer.testing import CliRunner

import mechopt
from mechopt.cli import app


def test_version_is_the_package_metadata() -> None:
    out = CliRunner().invoke(app, ["--version"])
    assert out.exit_code == 0 and out.stdout.strip() == f"mechopt {version('mechopt')}"
    assert mechopt.__version__ == version("mechopt")


def test_a_usage_error_is_one_unwrapped_line() -> None:
    """Usage errors are plain text on stderr (no panel wrapped at 80 columns without a terminal)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "mechopt.cli", "reproduce", "--workers", "abc"], capture_output=True,
                         text=True)
    assert out.returncode == 2
    line = next(x for x in out.stderr.splitlines() if "Invalid value" in x)
    assert "--workers" in line and "integer" in line


def test_help_imports_no_heavy_library() -> None:
    """`mechopt --help` loads none of the heavy libraries (they load when a command needs them)."""
    import subprocess
    import sys

    code = ("import sys\nfrom mechopt.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ('matplotlib', 'numba', 'dask', 'distributed', 'pyomo', 'cvxpy', 'highspy', 'networkx')\n"
            "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_a_batch_reports_a_bad_file_and_answers_the_others(tmp_path) -> None:
    """`mechopt solve FOLDER`: a malformed file is reported (named, on stderr and in the table) and
    the others are answered and saved; the exit code is 2 at the end."""
    import shutil
    from pathlib import Path

    models = Path(__file__).resolve().parents[1] / "models"
    shutil.copy(models / "example1_nash.toml", tmp_path / "a_good.toml")
    (tmp_path / "b_bad.toml").write_text('kind = "nash"\n[game]\nn = 0\n')
    out = CliRunner().invoke(app, ["solve", str(tmp_path), "--out", str(tmp_path / "out")])
    assert out.exit_code == 2
    assert "b_bad.toml: field 'game.n'" in out.stderr
    assert (tmp_path / "out" / "a_good.json").is_file() and not (tmp_path / "out" / "b_bad.json").exists()


def test_tol_and_method_are_recorded_in_the_saved_model(tmp_path) -> None:
    """`--tol` and `--method` are written into the model the envelope carries, so `verify` judges at
    the tolerance the answer was certified at and gives the same verdict."""
    import json
    from pathlib import Path

    model = Path(__file__).resolve().parents[1] / "models" / "example1_nash.toml"
    runner = CliRunner()
    out = runner.invoke(app, ["solve", str(model), "--tol", "1e-7", "--method", "br", "--json"])
    assert out.exit_code == 0, out.output
    envelope = json.loads(out.stdout)
    assert envelope["model"]["solver"] == {"tol": 1e-7, "method": "br"}
    assert envelope["result"]["certificate"]["tol"] == 1e-7
    path = tmp_path / "r.json"
    path.write_text(out.stdout)
    checked = runner.invoke(app, ["verify", str(path)])
    assert checked.exit_code == 0 and "(tol 1e-07)" in checked.output
