"""``mechopt reproduce``: the papers' headline results, a report with figures, and every certificate."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mechopt.cli.common import console, err_console, fail, say

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
    files a run writes (the store, the reports, ``figures/PAPER_*.png``), after the cluster answered,
    and only while it holds the store's lock (refused while another run writes the store).
    """
    from mechopt.reproductions.run import PAPERS, STORE, StoreMismatch
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
    store = _open_store(store_path, force)  # the lock first: with --force, its content is not read
    try:
        client = connect(scheduler) if scheduler else local_client(workers)
    except ConnectionError as exc:
        store.close()
        fail(exc)
    try:
        if force:
            _delete_outputs(out, PAPERS)
            store.clear()
        run = _run_with_progress(chosen, out, store, client, quick)
    except SweepError as exc:
        say(exc, "failed:")
        say(f"Finished points are in {store_path}; fix the cause and rerun with --resume.")
        raise typer.Exit(code=1) from None
    except StoreMismatch as exc:
        fail(f"--resume: {exc}")
    except KeyboardInterrupt:
        say(f"interrupted: finished points are in {store_path}; rerun with --resume to continue.")
        raise typer.Exit(code=130) from None
    finally:
        shutdown(client)
        store.close()
    console.print(run.summary(quick), highlight=False)
    console.print(f"Report: {run.report[0]} and {run.report[1]}", highlight=False)
    for paper, cert in run.failed:
        console.print(f"[bold red]NOT verified[/] {paper}: {cert.what} ({cert.status})", highlight=False)
    if run.failed:
        raise typer.Exit(code=1)


def _open_store(path: Path, force: bool) -> SweepStore:
    """The store, locked; read and checked line by line unless ``force`` (then emptied later, by
    `SweepStore.clear`, still under the lock)."""
    from mechopt.sweeps.store import StoreBusy, SweepStore

    try:
        return SweepStore(path, load=not force)
    except StoreBusy as exc:
        fail(f"--force: {exc}; nothing was deleted" if force else f"--out: {exc}")
    except (ValueError, OSError) as exc:
        fail(f"--out: {exc}")


def _delete_outputs(out: Path, papers: tuple[str, ...]) -> None:
    """What a run writes besides the store (emptied under its lock), and nothing else: the reports
    and the papers' figures."""
    for name in ("report.md", "report.html"):
        (out / name).unlink(missing_ok=True)
    for paper in papers:
        for png in (out / "figures").glob(f"{paper}_*.png"):
            png.unlink()


PROGRESS_SECONDS = 15.0
"""Without a terminal, the longest wait between two progress lines of a paper that advances."""


class PlainProgress:
    """Progress as plain lines, for a log (stderr is not a terminal, where rich draws no bar).

    A line per paper when its grid is known, then, for every paper that advanced, a line at most
    every ``interval`` seconds, and one when its last point is done::

        paper 002: 0 of 40 points
        paper 002: 17 of 40 points (f3), 15 s
        paper 002: 40 of 40 points, done in 31.2 s
    """

    def __init__(self, write: Callable[[str], None], interval: float = PROGRESS_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.write, self.interval, self.clock = write, interval, clock
        self.t0 = self.last = clock()
        self.total: dict[str, int] = {}
        self.count: dict[str, int] = {}
        self.shown: dict[str, int] = {}
        self.sweep: dict[str, str] = {}

    def start(self, by_paper: dict[str, list[Sweep]]) -> None:
        self.t0 = self.last = self.clock()
        for paper, sweeps in by_paper.items():
            self.total[paper] = sum(len(s.points) for s in sweeps)
            self.count[paper] = self.shown[paper] = 0
            self.write(f"paper {paper}: 0 of {self.total[paper]} points")

    def done(self, sweep: Sweep, record: Record) -> None:
        paper, name = sweep.name.split("/", 1)
        self.count[paper] += 1
        self.sweep[paper] = name
        now = self.clock()
        if self.count[paper] == self.total[paper]:
            self.shown[paper] = self.count[paper]
            self.write(f"paper {paper}: {self.total[paper]} of {self.total[paper]} points, "
                       f"done in {now - self.t0:.1f} s")
        elif now - self.last >= self.interval:
            self.last = now
            for p, n in self.count.items():
                if self.shown[p] < n < self.total[p]:
                    self.shown[p] = n
                    self.write(f"paper {p}: {n} of {self.total[p]} points ({self.sweep[p]}), {now - self.t0:.0f} s")


def _log_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _run_with_progress(papers: list[str], out: Path, store: SweepStore, client: Client, quick: bool) -> Reproduction:
    """The reproduction with a progress bar per paper on stderr, or plain lines (`PlainProgress`)
    when stderr is not a terminal."""
    from mechopt.reproductions.run import reproduce as run_reproduction

    if not err_console.is_terminal:
        log = PlainProgress(_log_line)
        return run_reproduction(papers, out, store, client, quick=quick, on_sweeps=log.start, on_done=log.done)
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
