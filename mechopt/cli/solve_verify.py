"""``mechopt solve`` and ``mechopt verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from mechopt.cli.common import console, fail, say
from mechopt.io.files import ModelFileError, load_model_file, load_result_file

if TYPE_CHECKING:
    from mechopt.core.verdict import Verdict


LARGE = 10_000
"""Envelopes with an array longer than this are written without indentation (18 s at n = 10^6)."""


def _dumps(data: Any) -> str:
    """JSON, indented for reading unless an answer holds long arrays."""
    text = json.dumps(data)
    return text if len(text) > 40 * LARGE else json.dumps(data, indent=2)


def _set(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set a (possibly nested) field of a model file's data, creating its tables."""
    for name in path[:-1]:
        table = raw.setdefault(name, {})
        if not isinstance(table, dict):
            raise ModelFileError(f"field '{name}': expected a table")
        raw = table
    raw[path[-1]] = value


def _with_options(raw: dict[str, Any], source: str, method: str | None, tol: float | None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model with ``--tol`` and ``--method`` written where its kind keeps them (so the saved
    envelope records them and ``verify`` judges at the same tolerance), and the solver options."""
    from mechopt.io.registry import kind_for

    kind = kind_for(raw.get("kind"), source)
    options: dict[str, Any] = {}
    if tol is not None:
        if isinstance(tol, bool) or not 0 < tol < 1:
            raise ModelFileError(f"--tol: must be a number in (0, 1), got {tol!r}")
        _set(raw, kind.tol_path, tol)
    if method is not None:
        if kind.method_path is not None:
            _set(raw, kind.method_path, method)
        elif "method" in kind.options:
            options["method"] = method
        else:
            raise ModelFileError(f"{source}: --method: kind {kind.name!r} has one method")
    return raw, options


def solve(
    models: Annotated[list[Path], typer.Argument(help="Model files (TOML) or folders of them.")],
    method: Annotated[str | None, typer.Option("--method", help="The method, for kinds that have several (it "
                                                                 "overrides the file's; the saved model records it).")] = None,
    tol: Annotated[float | None, typer.Option("--tol", help="The certifier's tolerance (overrides the file's; the "
                                                            "saved model records it, so verify judges at it).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result envelope(s) as JSON on stdout.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write one MODEL.json envelope per model.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing result files in --out.")] = False,
) -> None:
    """Answer the query of each model file and print its result with its verdict.  A file that
    cannot be answered (malformed, refused) is reported and the others are still answered; the
    exit code is then 2."""
    from mechopt.io.envelope import wrap
    from mechopt.io.registry import KINDS, solve_model

    files = [f for p in models for f in (sorted(p.glob("*.toml")) if p.is_dir() else [p])]
    if not files:
        fail("MODELS: no model files given (a folder holds none)")
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out: {out} is an existing file; give a folder")
    for f in files:
        target = None if out is None else out / f"{f.stem}.json"
        if target is not None and target.exists() and not force:
            fail(f"--out: {target} exists; pass --force to overwrite it")
    envelopes, bad = [], 0
    table = Table(title="mechopt results")
    for col in ("model", "kind", "status", "verdict", "answer", "seconds"):
        table.add_column(col)
    for f in files:
        try:
            raw, options = _with_options(load_model_file(f), str(f), method, tol)
            result = solve_model(raw, source=str(f), **options)
        except ModelFileError as e:
            say(e, "error:")
            table.add_row(f.stem, "-", "-", "not answered", str(e).removeprefix(f"{f}: ")[:120], "-")
            bad += 1
            continue
        envelope = wrap(raw["kind"], raw, result)
        envelopes.append(envelope)
        table.add_row(f.stem, raw["kind"], result.status.value, "established" if result.success else "NOT established",
                      KINDS[raw["kind"]].summary(result), f"{result.stats.seconds:.3f}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{f.stem}.json").write_text(_dumps(envelope))
    if as_json:
        if envelopes:
            typer.echo(_dumps(envelopes[0] if len(files) == 1 else envelopes))
    else:
        console.print(table)
    if bad:
        raise typer.Exit(code=2)


def verify(
    result: Annotated[Path, typer.Argument(help="A result envelope written by `mechopt solve --json` or --out.")],
    tol: Annotated[float | None, typer.Option("--tol", help="The verifier's tolerance (relative to the instance's "
                                                            "scale); default: the package default for the kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verification as JSON.")] = False,
) -> None:
    """Re-check a saved result from the model it carries, with the verifier's own tolerance, and
    check every answer field against the recomputed evidence.  Exit 0 only when the file's answer
    is established, 1 when it is not, 2 when the file is malformed."""
    from mechopt.io.registry import verify_envelope

    try:
        report = verify_envelope(load_result_file(result), source=str(result), tol=tol)
    except ModelFileError as e:
        fail(e)
    if as_json:
        typer.echo(report.to_json())
    else:
        _print(result, report)
    raise typer.Exit(code=0 if report.established else 1)


def _print(path: Path, report: Verdict) -> None:
    verdict = "[green]ESTABLISHED[/]" if report.established else "[bold red]NOT established[/]"
    console.print(f"{path}: {report.kind} answer '{report.claimed.value}' {verdict} (tol {report.tol:g})")
    if report.claimed is not report.status:
        console.print(f"  the evidence supports '{report.status.value}'", highlight=False)
    console.print(f"  basis: {report.basis.value}: {report.rests_on}", highlight=False)
    for c in report.checks:
        mark = "[green]ok[/]  " if c.ok else "[red]FAIL[/]"
        console.print(f"  {mark} {c.field}: claimed {c.claimed!r}, recomputed {c.recomputed!r}", highlight=False)
    if report.unchecked:
        console.print(f"  not checked (no evidence binds them): {', '.join(report.unchecked)}", highlight=False)
