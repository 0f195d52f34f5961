"""``mechopt reproduce``: the papers' headline results, a report with figures, and every certificate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mechopt.cli.common import console, err_console, fail

if TYPE_CHECKING:
    from distributed import Client

    from mechopt.reproductions.run import Reproduction
    from mechopt.sweeps.store import SweepStore
    from mechopt.sweeps.sweep import Record, Sweep


def reproduce(
    papers: Annotated[list[str] | None, typer.Argument(
        help="Papers to reproduce (000 001 002 003 004); all when none is given.", show_default=False)] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Smaller grids, same code paths (under a minute).")] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md, report.html, figures/ and the "
                                                    "sweep store sweeps.jsonl.")] = Path("reproduction"),
    resume: Annotated[bool, typer.Option("--resume", help="Continue the sweep store in --out: finished points "
                                                          "are kept, the rest computed.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Start over: delete the store and report in --out.")] = False,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a Dask scheduler (tcp://HOST:PORT); default: a local cluster.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=256, help="Worker processes of the local cluster (default: one per core).")] = None,
) -> None:
    """Reproduce the papers' results and write a report (Markdown and self-contained HTML) with figures.

    Exits 1 when a certificate fails to verify or a grid point raises, 2 on bad input.
    """
    run_papers(papers, quick=quick, out=out, resume=resume, force=force, scheduler=scheduler, workers=workers)


def run_papers(papers: list[str] | None, *, quick: bool, out: Path, resume: bool, force: bool, scheduler: str | None,
               workers: int | None) -> None:
    """Check the options, run the reproductions with progress bars, print the summary, exit 1 on a failure.

    Nothing is deleted or started before every option has been checked; ``force`` deletes only the
    files a run writes (the store, the reports, ``figures/PAPER_*.png``), after the cluster answered.
    """
    from mechopt.reproductions.run import PAPERS, STORE
    from mechopt.sweeps.runner import SweepError, connect, local_client, shutdown

    chosen = list(dict.fromkeys(papers or PAPERS))
    unknown = [p for p in chosen if p not in PAPERS]
    if unknown:
        fail(f"PAPER: expected some of {', '.join(PAPERS)}, got {', '.join(unknown)}")
    if resume and force:
        fail("--resume and --force: give one (continue the store, or start over)")
    if scheduler is not None and workers is not None:
        fail("--workers: the local cluster's size; a cluster given by --scheduler has its own workers")
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} is a file; give a folder")
    store_path = out / STORE
    if store_path.exists() and not (resume or force):
        fail(f"--out: {out} holds a sweep store; pass --resume to continue it or --force to start over")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--out: cannot create the folder {out} ({exc.strerror or exc})")
    store = None if force else _open_store(store_path)
    try:
        client = connect(scheduler) if scheduler else local_client(workers)
    except ConnectionError as exc:
        if store is not None:
            store.close()
        fail(exc)
    try:
        if store is None:
            _delete_outputs(out, PAPERS, STORE)
            store = _open_store(store_path)
        run = _run_with_progress(chosen, out, store, client, quick)
    except SweepError as exc:
        err_console.print(f"[bold red]failed:[/] {exc}", markup=True, highlight=False)
        err_console.print(f"Finished points are in {store_path}; fix the cause and rerun with --resume.")
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished points are in {store_path}; rerun with --resume to continue.")
        raise typer.Exit(code=130) from None
    finally:
        shutdown(client)
        if store is not None:
            store.close()
    console.print(run.summary(quick), highlight=False)
    console.print(f"Report: {run.report[0]} and {run.report[1]}", highlight=False)
    for paper, cert in run.failed:
        console.print(f"[bold red]NOT verified[/] {paper}: {cert.what} ({cert.status})", highlight=False)
    if run.failed:
        raise typer.Exit(code=1)


def _open_store(path: Path) -> SweepStore:
    from mechopt.sweeps.store import StoreBusy, SweepStore

    try:
        return SweepStore(path)
    except (StoreBusy, ValueError, OSError) as exc:
        fail(f"--out: {exc}")


def _delete_outputs(out: Path, papers: tuple[str, ...], store: str) -> None:
    """What a run writes, and nothing else: the store, the reports and the papers' figures."""
    for name in (store, "report.md", "report.html"):
        (out / name).unlink(missing_ok=True)
    for paper in papers:
        for png in (out / "figures").glob(f"{paper}_*.png"):
            png.unlink()


def _run_with_progress(papers: list[str], out: Path, store: SweepStore, client: Client, quick: bool) -> Reproduction:
    """The reproduction with a progress bar per paper (on stderr)."""
    from mechopt.reproductions.run import reproduce as run_reproduction

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console) as bar:
        tasks: dict[str, TaskID] = {}

        def start(by_paper: dict[str, list[Sweep]]) -> None:
            for paper, sweeps in by_paper.items():
                tasks[paper] = bar.add_task(f"paper {paper}", total=sum(len(s.points) for s in sweeps))

        def done(sweep: Sweep, record: Record) -> None:
            paper, name = sweep.name.split("/", 1)
            bar.update(tasks[paper], advance=1, description=f"paper {paper}: {name}")

        return run_reproduction(papers, out, store, client, quick=quick, on_sweeps=start, on_done=done)
