"""Run the papers' reproductions: every sweep through one runner and store, then each paper's section."""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from mechopt.reproductions.kernels import prepare_kernels
from mechopt.reproductions.report import Certified, FigureDrawing, Section, figures_drawn_by, write_report
from mechopt.sweeps.runner import run_sweeps
from mechopt.sweeps.store import SweepStore
from mechopt.sweeps.sweep import Record, Sweep, point_key

if TYPE_CHECKING:
    from distributed import Client

PAPERS = ("000", "001", "002", "003", "004")
STORE = "sweeps.jsonl"
T = TypeVar("T")


class StoreMismatch(ValueError):
    """A paper's section cannot be drawn from results taken from the store (written by another
    version of the code, or edited): the store is to be started over, not read."""


def paper_module(paper: str) -> ModuleType:
    if paper not in PAPERS:
        raise ValueError(f"PAPER: expected one of {', '.join(PAPERS)}, got {paper!r}")
    return importlib.import_module(f"mechopt.reproductions.p{paper}")


def paper_sweeps(paper: str, quick: bool) -> list[Sweep]:
    """The paper's sweeps, named ``PAPER/name`` so that names are unique in a shared store."""
    return [dataclasses.replace(s, name=f"{paper}/{s.name}") for s in paper_module(paper).sweeps(quick)]


@dataclass(frozen=True)
class Reproduction:
    sections: tuple[Section, ...]
    report: tuple[Path, Path]
    """report.md and report.html."""
    points: int
    computed: int
    """Points computed in this run (the others came from the store)."""
    seconds: float

    @property
    def failed(self) -> tuple[tuple[str, Certified], ...]:
        return tuple((s.paper, c) for s in self.sections for c in s.failed)

    @property
    def certificates(self) -> int:
        return sum(len(s.certificates) for s in self.sections)

    def summary(self, quick: bool) -> str:
        verified = self.certificates - len(self.failed)
        return (f"Papers {', '.join(s.paper for s in self.sections)}{' (--quick)' if quick else ''}: "
                f"{self.points} grid points ({self.computed} computed in this run, {self.points - self.computed} "
                f"from the store) in {self.seconds:.1f} s; {verified} of {self.certificates} certificates verified.")


def _from_results(step: Callable[[], T], sweeps: Sequence[Sweep], stored: set[str], store: SweepStore, what: str) -> T:
    """``step()``, which reads the results of ``sweeps``: an error there is a defect when every
    result was computed by this code, and a stale store (:class:`StoreMismatch`) when some come
    from the store."""
    try:
        return step()
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        old = sum(point_key(s.name, p) in stored for s in sweeps for p in s.points)
        if not old:
            raise
        raise StoreMismatch(f"{store.path}: {what} cannot be drawn from the results ({type(exc).__name__}: {exc}), "
                            f"{old} of which come from the store; they were written by another version of the code "
                            "or edited: start over with --force") from None


def reproduce(papers: Sequence[str], out: Path, store: SweepStore, client: Client, *, quick: bool = False,
              on_sweeps: Callable[[dict[str, list[Sweep]]], None] = lambda s: None,
              on_done: Callable[[Sweep, Record], None] = lambda s, r: None) -> Reproduction:
    """Run ``papers``' sweeps on ``client``, resuming from ``store`` (the caller opens it, normally
    ``out/sweeps.jsonl``), and write the report into ``out``."""
    from distributed import wait

    t0 = time.perf_counter()
    by_paper = {p: paper_sweeps(p, quick) for p in papers}
    on_sweeps(by_paper)
    before = len(store)
    stored = set(store.records)
    todo = {paper for paper, sweeps in by_paper.items()
            if any(point_key(s.name, p) not in stored for s in sweeps for p in s.points)}
    kernels = prepare_kernels(client, todo)  # compiled once per install, not once per worker
    results = run_sweeps([s for sweeps in by_paper.values() for s in sweeps], store, client, on_done)
    wait(kernels)
    sections, drawing = [], FigureDrawing(client)
    with figures_drawn_by(drawing):  # the workers draw the figures while the sections go on
        for paper, sweeps in by_paper.items():
            own = {s.name.split("/", 1)[1]: results[s.name] for s in sweeps}
            sections.append(_from_results(lambda: paper_module(paper).section(own, out), sweeps, stored, store,
                                          f"paper {paper}'s section"))
    for paper in drawing.papers():
        _from_results(lambda: drawing.write(paper), by_paper.get(paper, []), stored, store, f"paper {paper}'s figures")
    points = sum(len(s.points) for sweeps in by_paper.values() for s in sweeps)
    run = Reproduction(tuple(sections), (out / "report.md", out / "report.html"), points, len(store) - before,
                       time.perf_counter() - t0)
    write_report(run.sections, run.summary(quick), out)
    return run
