"""How long `mechopt reproduce` takes, paper by paper, full and ``--quick``, and where the time goes.

For each paper, ``mechopt reproduce PAPER [--quick] --out TMP --workers W`` runs in a fresh process
(a fresh store, cluster start and report included), timed on the wall clock; the summary line gives
the points and the certificates verified.  The store's per-point seconds (worker time, summed by
sweep) show which sweeps cost most, and the machine's load average before and after each run shows
how shared the machine was (the targets are for a quiet 2-core machine: < 60 s for the full run of
all five papers, < 10 s for ``--quick``).  ``--all`` also times the five papers in one run (their
points share the cluster).  ``--profile`` adds, per paper, the functions with the most own time in
a cProfile of the quick grid's points run one after another in this process (CPU seconds).
``--cache cold`` runs a command with an empty numba cache (``NUMBA_CACHE_DIR`` a fresh folder): the
compilation a fresh install pays once, beside ``warm`` (the cache of earlier runs).
The result file's "## Notes" section (the analysis of these numbers) is kept when it is rewritten.

Run:  .venv/bin/python benchmarks/reproduce_time.py [--papers 000 003] [--modes quick full] [--all | --together]
                                                   [--cache warm cold] [--workers 2] [--profile] [--out PATH]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import platform
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAPERS = ("000", "001", "002", "003", "004")
NOTES = "## Notes"
"""A section of the result file from this heading on is kept when the tables are rewritten."""
SUMMARY = re.compile(r"(\d+) grid points .* (\d+) of (\d+) certificates verified")


def run(papers: list[str], quick: bool, workers: int, cold: bool) -> dict:
    """One ``mechopt reproduce`` in a subprocess: wall seconds, points, certificates, per-sweep seconds;
    ``cold``: with an empty numba cache."""
    exe = Path(sys.executable).with_name("mechopt")
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"COLUMNS": "400"} | ({"NUMBA_CACHE_DIR": cache} if cold else {})
        cmd = [str(exe), "reproduce", *papers, "--out", tmp, "--workers", str(workers)] + (["--quick"] if quick else [])
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        match = SUMMARY.search(done.stdout.replace("\n", " "))
        by_sweep: dict[str, float] = collections.defaultdict(float)
        for line in (Path(tmp) / "sweeps.jsonl").read_text().splitlines():
            record = json.loads(line)
            by_sweep[record["sweep"]] += record["seconds"]
    if match is None:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return {"wall": wall, "points": int(match[1]), "verified": int(match[2]), "certificates": int(match[3]),
            "exit": done.returncode, "sweeps": dict(by_sweep), "load": (load, os.getloadavg()[0])}


def profile(paper: str, top: int = 8) -> tuple[float, list[str]]:
    """CPU seconds of the quick grid's points run in this process, and the functions with the most own time."""
    from mechopt.reproductions.run import paper_sweeps

    prof = cProfile.Profile()
    c0 = time.process_time()
    for sweep in paper_sweeps(paper, True):
        for params in sweep.points:
            prof.runcall(sweep.point, **params)
    cpu = time.process_time() - c0
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    here = str(Path(__file__).resolve().parents[1]) + "/"
    return cpu, [f"{fn.replace(here, '')}:{line} {name}: {own:.2f} s own, {cum:.2f} s with callees, {calls} calls"
                 for (fn, line, name), (_, calls, own, cum, _) in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", nargs="+", default=list(PAPERS), choices=PAPERS)
    ap.add_argument("--modes", nargs="+", default=["quick", "full"], choices=["quick", "full"])
    ap.add_argument("--all", action="store_true", help="also time all the chosen papers in one run")
    ap.add_argument("--together", action="store_true", help="only time all the chosen papers in one run")
    ap.add_argument("--cache", nargs="+", default=["warm"], choices=["warm", "cold"], help="numba's cache")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "reproduce_time.md")
    args = ap.parse_args()

    lines = ["# `mechopt reproduce`: time per paper (benchmarks/reproduce_time.py)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{args.workers} worker processes; wall seconds of the whole command (cluster start and report "
             "included); worker seconds: the store's per-point seconds summed.  Load: the 1-minute load "
             "average before and after (above the core count, other processes shared the machine).", "",
             "| papers | grid | numba cache | wall s | worker s | points | certificates verified | load | "
             "costliest sweeps (worker s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    groups = [] if args.together else [[p] for p in args.papers]
    groups += [args.papers] if (args.all or args.together) and len(args.papers) > 1 else []
    for mode, papers, cache in ((m, p, c) for m in args.modes for p in groups for c in args.cache):
        r = run(papers, mode == "quick", args.workers, cache == "cold")
        worst = sorted(r["sweeps"].items(), key=lambda kv: -kv[1])[:3]
        lines.append(f"| {' '.join(papers)} | {mode} | {cache} | {r['wall']:.1f} | {sum(r['sweeps'].values()):.1f} | "
                     f"{r['points']} | {r['verified']} of {r['certificates']} | {r['load'][0]:.1f}, "
                     f"{r['load'][1]:.1f} | " + ", ".join(f"{k} {v:.1f}" for k, v in worst) + " |")
        print(lines[-1], flush=True)
    if args.profile:
        lines += ["", "## Own time by function, quick grid, one process (cProfile, CPU seconds)", ""]
        for paper in args.papers:
            cpu, top = profile(paper)
            lines += [f"Paper {paper}: {cpu:.1f} CPU s", ""] + [f"- {t}" for t in top] + [""]
            print("\n".join(lines[-len(top) - 2:]), flush=True)
    notes = args.out.read_text().split(NOTES, 1) if args.out.exists() else []
    kept = [NOTES + notes[1]] if len(notes) == 2 else []  # the written analysis stays
    args.out.write_text("\n".join(lines + [""] + kept).rstrip() + "\n")


if __name__ == "__main__":
    main()
