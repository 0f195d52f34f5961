"""The documentation site builds: ``mkdocs build --strict`` passes (a broken link, anchor,
cross-reference or docstring role fails it), the API reference documents every name of
``mechopt.__all__``, every paper page cites its bibliography entry, and no Markdown file links to
a path outside the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mechopt

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
PAPER_PAGES = {"000": "valueshaping.md", "001": "equilibria.md", "002": "typegrid.md", "003": "reciprocity.md",
               "004": "privacy.md"}

# [text](target), ![alt](target), [label]: target, <img src="target">, and <target> autolinks
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)|src=\"([^\"]+)\"|<([a-z]+:[^>\s]+)>",
                  re.MULTILINE)
CODE = re.compile(r"^(```|~~~).*?^\1|``.+?``|`[^`\n]+`", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, ("mkdocs build --strict failed (docs extra installed? pip install -e '.[test]')\n"
                                 + run.stdout[-4000:] + run.stderr[-8000:])
    return out


def test_api_reference_documents_every_public_name(site: Path) -> None:
    html = "\n".join(page.read_text() for page in sorted((site / "api").glob("*.html")))
    missing = []
    for name in mechopt.__all__:
        obj = getattr(mechopt, name)
        paths = {f"{mechopt._PUBLIC[name]}.{name}"}
        if getattr(obj, "__module__", None):
            paths.add(f"{obj.__module__}.{name}")
        if not any(f'id="{path}"' in html for path in paths):
            missing.append(f"{name} ({' or '.join(sorted(paths))})")
    assert not missing, "not documented in docs/api/*.md (add a ::: directive): " + ", ".join(missing)


def test_api_reference_lists_every_public_name_on_its_index() -> None:
    index = (ROOT / "docs" / "api" / "index.md").read_text()
    missing = [name for name in mechopt.__all__ if f"[`{name}`]" not in index]
    assert not missing, f"docs/api/index.md does not list: {missing}"


def test_paper_pages_cite_their_bibliography_entry() -> None:
    bibliography = (ROOT / "docs" / "bibliography.md").read_text()
    for paper, page in PAPER_PAGES.items():
        assert f"{{#paper-{paper}}}" in bibliography, paper
        assert f"bibliography.md#paper-{paper}" in (ROOT / "docs" / page).read_text(), page


@pytest.mark.parametrize("path", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_no_link_leaves_the_repository(path: Path) -> None:
    text = path.read_text()
    for bad in ("/work/", "../shared"):
        assert bad not in text, f"{path.relative_to(ROOT)} mentions {bad!r}: cite docs/bibliography.md instead"
    for match in LINK.finditer(CODE.sub("", text)):
        target = next(group for group in match.groups() if group)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a web address, mailto:, or an anchor on the same page
        local = target.split("#", 1)[0]
        assert not local.startswith("/"), f"{path.relative_to(ROOT)}: absolute path {target!r}"
        resolved = (path.parent / local).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.relative_to(ROOT)}: {target!r} leaves the repository"
        assert resolved.exists(), f"{path.relative_to(ROOT)}: {target!r} does not exist"
