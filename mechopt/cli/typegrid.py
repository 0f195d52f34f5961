"""``mechopt exists`` and ``mechopt disparity-boundary`` (002 Appendix A.1, Section 7.2)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from mechopt.cli.common import console, emit, err_console, fail, writable
from mechopt.core.status import Status
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.typegrid.model import ALPHA_RANGE

if TYPE_CHECKING:
    from mechopt.typegrid.certify import DisparityBoundary, ExistenceResult


def exists(
    model: Annotated[Path | None, typer.Argument(help="An existence model file (TOML, kind = \"existence\").")] = None,
    market_growth: Annotated[float | None, typer.Option(
        "--market-growth", help=f"Market growth rate alpha in [{ALPHA_RANGE[0]}, {ALPHA_RANGE[1]}] (Section 7.2).")] = None,
    disparity: Annotated[int | None, typer.Option("--disparity", help="Data disparity K = D/eps >= 1.")] = None,
    agents: Annotated[int | None, typer.Option("--agents", help="Number of agents (market-growth family), 1..6; "
                                                "default 2.")] = None,
    method: Annotated[str | None, typer.Option("--method", help="auto | dag | dag-aggregate | bellman-ford | lp "
                                               "(market-growth family); default auto.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result envelope as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the result envelope to this file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="Run grids estimated to take over a minute.")] = False,
) -> None:
    """Is there an IC, IR, efficient and weakly budget-balanced mechanism on this type grid?"""
    from mechopt.io.envelope import wrap
    from mechopt.io.registry import solve_model
    from mechopt.io.schemas.typegrid import market_growth_model

    if (model is None) == (market_growth is None):
        fail("give exactly one of MODEL (a model file) or --market-growth ALPHA")
    try:
        if model is not None:
            if disparity is not None or agents is not None or method is not None:
                fail("--disparity, --agents and --method go with --market-growth; a model file sets grid.disparity, "
                      "grid.n and solver.method")
            raw = load_model_file(model)
            source = str(model)
        else:
            if disparity is None:
                fail("--disparity K (an integer >= 1) is required with --market-growth")
            raw = {**market_growth_model(market_growth, disparity, 2 if agents is None else agents),
                   "solver": {"method": "auto" if method is None else method, "allow_large": allow_large}}
            source = "--market-growth/--disparity"
        if raw.get("kind") != "existence":
            fail(f"{source}: field 'kind': expected 'existence', got {raw.get('kind')!r}")
        if out is not None:
            writable(out, force)
        with _progress() as bar:
            bar.add_task("deciding existence (exhaustive over the grid)", total=None)
            result: ExistenceResult = solve_model(raw, source=source)  # type: ignore[assignment]
    except ModelFileError as err:
        fail(_arg_names(str(err)))
    answer = "exists" if result.exists else f"does not exist (violating profile {tuple(result.certificate.profile)})"
    eff = result.efficiency
    note = ("" if eff is None or result.status is not Status.ASSUMPTION_VIOLATED else
            f"; the allocation is NOT efficient (welfare shortfall {eff.amount:.3g} at profile {eff.others}), so this "
            "speaks of IC, IR and budget balance only")
    emit(wrap("existence", raw, result), as_json, out,
         f"desirable mechanism {answer}; {result.message}; min budget "
         f"{result.min_budget:.6g}; {result.stats.seconds:.3f} s{note}")


def _arg_names(message: str) -> str:
    """Name the command-line flags behind the market-growth model's fields."""
    return _flags(message, {"valuation.market_growth.growth_rate": "--market-growth", "grid.disparity": "--disparity",
                            "grid.n": "--agents", "solver.method": "--method", "solver.allow_large": "--allow-large"})


def _flags(message: str, flags: dict[str, str]) -> str:
    """Append the flag to the first mention of each model field in an error message."""
    for field, flag in flags.items():
        message = re.sub(rf"(?<![\w.]){re.escape(field)}\b", f"{field} ({flag})", message, count=1)
    return message


def disparity_boundary_cmd(
    market_growth: Annotated[float | None, typer.Option(
        "--market-growth", help=f"Market growth rate alpha in [{ALPHA_RANGE[0]}, {ALPHA_RANGE[1]}].")] = None,
    agents: Annotated[int, typer.Option("--agents", help="Number of agents, 1..4.")] = 2,
    full_limit: Annotated[int | None, typer.Option("--full-limit", help="Largest K solved on the full grid.")] = None,
    line_limit: Annotated[int, typer.Option("--line-limit", help="Largest K on the profiles (1, K), 2 agents.")] = 2**17,
    figure3: Annotated[Path | None, typer.Option(
        "--figure3", help="Sweep alpha = -1..-0.668 step 0.002 (2 agents) and plot K*(alpha) to this PNG.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result envelope as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the result envelope to this file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
) -> None:
    """The largest data disparity K*(alpha) with a desirable mechanism, with its certificates."""
    from mechopt.io.envelope import wrap
    from mechopt.io.registry import solve_model

    if figure3 is not None:
        _sweep(writable(figure3, True, "--figure3"), full_limit or 4096, line_limit, as_json)
        return
    if market_growth is None:
        fail("--market-growth ALPHA is required (or --figure3 PNG for the whole curve)")
    if out is not None:
        writable(out, force)
    raw: dict[str, Any] = {"kind": "disparity_boundary", "growth_rate": market_growth, "n": agents, "line_limit": line_limit}
    if full_limit is not None:
        raw["full_limit"] = full_limit
    try:
        with _progress() as bar:
            task = bar.add_task("K*(alpha)", total=None)
            result: DisparityBoundary = solve_model(  # type: ignore[assignment]
                raw, source="disparity-boundary", progress=lambda msg: bar.update(task, description=msg))
    except ModelFileError as err:
        fail(_boundary_flags(str(err)))
    k = "none found" if result.max_disparity is None else result.max_disparity
    tag = (f"certified: existence at K* ({'the line (1, K) and the continuum bound' if result.on_line else 'full grid'}), "
           "chains at K*+1" if result.status is Status.OPTIMAL else
           f"NOT certified exactly: existence certified up to K = {result.lower}, "
           f"non-existence certified at K = {result.upper}; search: {result.search}")
    emit(wrap("disparity_boundary", raw, result), as_json, out,
         f"alpha = {result.alpha}: K* = {k}; {tag}; {result.message}; {result.stats.seconds:.2f} s")


def _boundary_flags(message: str) -> str:
    return _flags(message, {"growth_rate": "--market-growth", "n": "--agents", "full_limit": "--full-limit",
                            "line_limit": "--line-limit"})


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True)


def _sweep(png: Path, full_limit: int, line_limit: int, as_json: bool) -> None:
    """Figure 3: one disparity_boundary model per alpha, each answered through the registry."""
    from mechopt.io.registry import solve_model
    from mechopt.typegrid.figures import plot_disparity_curve, save_png
    from mechopt.typegrid.market_growth import figure3_alphas

    alphas = figure3_alphas()
    curve: list[DisparityBoundary] = []
    try:
        with _progress() as bar:
            task = bar.add_task("Figure 3: K*(alpha)", total=len(alphas))
            for alpha in alphas:
                raw = {"kind": "disparity_boundary", "growth_rate": float(alpha), "n": 2, "full_limit": full_limit,
                       "line_limit": line_limit}
                result = solve_model(raw, source="--figure3")
                curve.append(result)  # type: ignore[arg-type]
                bar.update(task, advance=1, description=f"alpha = {result.alpha:.3f}")
    except ModelFileError as err:
        fail(_boundary_flags(str(err)))
    save_png(plot_disparity_curve(curve), png)
    rows = [{"alpha": r.alpha, "max_disparity": r.max_disparity, "status": r.status.value, "established": r.success,
             "lower": r.lower, "upper": r.upper} for r in curve]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        full = sum(r["status"] == Status.OPTIMAL.value for r in rows)
        console.print(f"wrote {png}: {len(rows)} values of alpha, {full} certified exact", highlight=False)
