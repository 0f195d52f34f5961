"""Every fenced code block of README.md and docs/*.md runs as written, and shows what it prints
(the conventions are in docs/contributing.md):

- ```python blocks run with ``exec``, each page's blocks in order in one namespace;
- ```bash blocks run line by line as commands, with the environment's ``mechopt`` on PATH (a
  command must exit 0);
- both run in a temporary folder holding a link to the repository's ``models/``, the same folder
  for all of a page's blocks (a file one block writes, the next can read);
- a ```text block right after a python or bash block is what that block prints (its standard
  output, compared as doctest does with ``ELLIPSIS``: ``...`` matches anything);
- ```toml blocks parse, and one with a ``kind`` validates as a model file of that kind;
- any other ```text block is an illustration; every fence names its language;
- a block that cannot run in a test is marked ``<!-- not run: reason -->`` on the line before its
  fence, with a reason.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mechopt.io.files import validate
from mechopt.io.registry import kind_for

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = {"python", "bash", "toml", "text"}
RUNNABLE = {"python", "bash"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`]*)[^`]*$")
SKIP = re.compile(r"^\s*<!--\s*not run:(?P<reason>.*?)-->\s*$")
COMMAND_TIMEOUT = 600.0


@dataclass(frozen=True)
class Block:
    """One fenced block of a page: where it starts (the fence's line, from 1), its language, its
    text, why it is not run (``None``: it is), and the output shown right after it (or ``None``)."""

    page: Path
    line: int
    lang: str
    code: str
    skip: str | None = None
    output: str | None = None

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.lang or 'no language'})"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each ```text block right after a runnable one taken as its
    output (only blank lines between them)."""
    lines = page.read_text().splitlines()
    found: list[tuple[Block, int]] = []  # (block, the line after its closing fence)
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip().strip(fence[0])),
                   None)
        if end is None:
            raise AssertionError(f"{page.relative_to(ROOT)}:{i + 1}: code block never closed")
        marker = SKIP.match(lines[i - 1]) if i > 0 else None
        code = "\n".join(line[indent:] for line in lines[i + 1:end]) + "\n"
        found.append((Block(page, i + 1, match["lang"].lower(), code,
                            skip=marker["reason"].strip() if marker else None), end + 1))
        i = end + 1
    out: list[Block] = []
    for k, (block, _) in enumerate(found):
        previous, after = found[k - 1] if k else (None, 0)
        if (block.lang == "text" and previous is not None and previous.lang in RUNNABLE
                and not any(line.strip() for line in lines[after:block.line - 1])):
            out[-1] = Block(previous.page, previous.line, previous.lang, previous.code, previous.skip, block.code)
        else:
            out.append(block)
    return out


ALL = [block for page in PAGES for block in blocks(page)]


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_block_names_a_known_language() -> None:
    wrong = [str(b) for b in ALL if b.lang not in LANGUAGES]
    assert not wrong, f"fences must name one of {sorted(LANGUAGES)}: {wrong}"


def test_every_skip_has_a_reason_and_a_block() -> None:
    for page in PAGES:
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            if "not run" in line and line.lstrip().startswith("<!--"):
                marker = SKIP.match(line)
                where = f"{page.relative_to(ROOT)}:{i + 1}"
                assert marker and marker["reason"].strip(), f"{where}: write <!-- not run: reason --> with a reason"
                assert i + 1 < len(lines) and FENCE.match(lines[i + 1]), f"{where}: the marker must precede a fence"


def test_the_runnable_blocks_are_most_of_them() -> None:
    """Skipping is the exception: the install commands, the full reproduction, live servers."""
    runnable = [b for b in ALL if b.lang in RUNNABLE]
    skipped = [b for b in runnable if b.skip]
    assert len(skipped) <= len(runnable) // 4, [f"{b}: {b.skip}" for b in skipped]


@pytest.mark.parametrize("block", [b for b in ALL if b.lang == "toml" and not b.skip], ids=str)
def test_toml_block_is_a_valid_model(block: Block) -> None:
    data = tomllib.loads(block.code)
    if "kind" in data:
        validate(kind_for(data["kind"], str(block)).schema, data, source=str(block))


def _run_python(block: Block, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.code, f"{block.page}:{block.line}", "exec"), namespace)
    return out.getvalue()


def _commands(code: str) -> list[str]:
    """The block's lines joined where they end in a backslash, blank lines left out."""
    commands, pending = [], ""
    for line in code.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


def _run_shell(block: Block, folder: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "MPLBACKEND": "Agg", "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    printed = []
    for command in _commands(block.code):
        run = subprocess.run(command, shell=True, executable="/bin/bash", cwd=folder, env=env, capture_output=True,
                             text=True, timeout=COMMAND_TIMEOUT)
        assert run.returncode == 0, f"{block}: `{command}` exited {run.returncode}\n{run.stdout[-3000:]}{run.stderr[-3000:]}"
        printed.append(run.stdout)
    return "".join(printed)


def _assert_shows(block: Block, got: str) -> None:
    want = block.output or ""
    checker = doctest.OutputChecker()
    if not checker.check_output(want, got, doctest.ELLIPSIS):
        raise AssertionError(f"{block} prints something else than the text block after it:\n"
                             + checker.output_difference(doctest.Example("", want), got, doctest.ELLIPSIS))


RUN_PAGES = [page for page in PAGES if any(b.lang in RUNNABLE and not b.skip for b in blocks(page))]


@pytest.mark.parametrize("page", RUN_PAGES, ids=_id)
def test_page_blocks_run_and_show_what_they_print(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").symlink_to(ROOT / "models", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__main__"}
    for block in blocks(page):
        if block.skip or block.lang not in RUNNABLE:
            continue
        got = _run_python(block, namespace) if block.lang == "python" else _run_shell(block, tmp_path)
        if block.output is not None:
            _assert_shows(block, got)
