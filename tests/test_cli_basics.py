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
