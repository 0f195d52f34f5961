"""The command line's basics: the version agrees with the package metadata."""

from importlib.metadata import version

from typer.testing import CliRunner

import mechopt
from mechopt.cli import app


def test_version_is_the_package_metadata() -> None:
    out = CliRunner().invoke(app, ["--version"])
    assert out.exit_code == 0 and out.stdout.strip() == f"mechopt {version('mechopt')}"
    assert mechopt.__version__ == version("mechopt")
