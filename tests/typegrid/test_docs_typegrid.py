"""The command-line and Python examples in docs/typegrid.md run as written (from docs/)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mechopt.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
TEXT = (DOCS / "typegrid.md").read_text()
COMMANDS = [line for block in re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)
            for line in block.splitlines() if line.startswith("mechopt ")]
PYTHON = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def test_cli_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert COMMANDS
    work = tmp_path / "docs"
    work.mkdir()
    (tmp_path / "models").symlink_to(DOCS.parent / "models")
    monkeypatch.chdir(work)
    runner = CliRunner()
    for line in COMMANDS:
        result = runner.invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, (line, result.output)


@pytest.mark.parametrize("code", PYTHON, ids=[f"block{i}" for i in range(len(PYTHON))])
def test_python_examples_run(code: str) -> None:
    exec(compile(code, "docs/typegrid.md", "exec"), {})
