"""The package's layers (docs/design.md): no import cycle, and every module imports only from
its own folder or from the layers listed before its own.  Imports inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "mechopt"
LAYERS = ["core", "data", "valuation", "games", "mechanisms", "programs", "certificates", "solvers", "analyses",
          "typegrid", "valueshaping", "reciprocity", "privacy", "learning", "io", "sweeps", "reproductions", "cli"]
"""The layers in order: a module may import from earlier layers only (and its own)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("mechopt"):
                for alias in node.names:  # `from package import module` depends on the module
                    sub = f"{node.module}.{alias.name}"
                    is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                    graph.add_edge(name, sub if is_module else node.module)
            elif isinstance(node, ast.Import):
                graph.add_edges_from((name, a.name) for a in node.names if a.name.startswith("mechopt"))
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer() -> None:
    stray = [m for m in _imports() if m != "mechopt" and _layer(m) is None]
    assert not stray, f"modules outside the layers of docs/design.md: {stray}"


def test_no_import_cycles() -> None:
    graph = _imports()
    graph.remove_node("mechopt")  # the public names re-exported at the top
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles


def test_modules_import_only_from_earlier_layers() -> None:
    wrong = []
    for a, b in _imports().edges:
        la, lb = _layer(a), _layer(b)
        if a == "mechopt" or la is None or lb is None or la == lb:
            continue
        if LAYERS.index(lb) > LAYERS.index(la):
            wrong.append(f"{a} -> {b}")
    assert not wrong, wrong


def test_pydantic_only_in_io() -> None:
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if "pydantic" in p.read_text() and p.relative_to(PACKAGE).parts[0] != "io"]
    assert not users, users


def test_import_is_light() -> None:
    """cvxpy, pyomo and numba load only when a program, the MIP method or a compiled kernel is used."""
    import subprocess
    import sys

    code = "import sys, mechopt; print(sorted(m for m in ('cvxpy', 'pyomo', 'numba', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


SOLVER_PACKAGES = ("mechopt.solvers", "mechopt.analyses")
DOMAIN_SOLVERS = {
    "mechopt.typegrid.existence", "mechopt.typegrid.dag", "mechopt.typegrid.bellman_ford", "mechopt.typegrid.lp",
    "mechopt.typegrid.aggregate", "mechopt.typegrid.market_growth",
    "mechopt.valueshaping.equilibrium", "mechopt.valueshaping.contracts", "mechopt.valueshaping.baselines",
    "mechopt.privacy.stackelberg", "mechopt.privacy.twogroup", "mechopt.privacy.levels",
    "mechopt.reciprocity.answer", "mechopt.reciprocity.metrics", "mechopt.reciprocity.table1",
}
"""Modules of the paper domains that compute answers (solvers); docs/design.md lists them."""


def _is_certifier(module: str) -> bool:
    return module.startswith("mechopt.certificates") or module.endswith(".certify")


def _is_solver(module: str) -> bool:
    return module.startswith(SOLVER_PACKAGES) or module in DOMAIN_SOLVERS


def test_modules_defining_solvers_are_listed_as_solvers() -> None:
    """A module that defines a ``solve_*`` function is a solver module (so a certifier cannot
    import one unnoticed)."""
    unlisted = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        defines = [n.name for n in ast.parse(path.read_text()).body
                   if isinstance(n, ast.FunctionDef) and (n.name.startswith("solve") or n.name.endswith("_solve"))]
        if defines and not _is_solver(name) and not name.startswith(("mechopt.core", "mechopt.io", "mechopt.cli")):
            unlisted.append(f"{name}: {defines}")
    assert not unlisted, unlisted


def test_certifiers_import_no_solver() -> None:
    """One judge per kind: no certifier module reaches a solver module through its imports, however
    indirectly, so a solver's bug cannot be repeated by the check of its answers."""
    graph = _imports()
    graph.remove_node("mechopt")
    reached = []
    for module in graph:
        if _is_certifier(module):
            reached += [f"{module} -> {m}" for m in nx.descendants(graph, module) if _is_solver(m)]
    assert not reached, reached
