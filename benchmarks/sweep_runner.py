"""The sweep runner against a plain loop: the same sweeps of `mechopt reproduce` run sequentially in
this process, on a local Dask cluster of 2 threads, and on one of 2 worker processes (the default),
side by side; the results must be identical record by record.

Run:  .venv/bin/python benchmarks/sweep_runner.py [--papers 002 004] [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from mechopt.reproductions.run import paper_sweeps
from mechopt.sweeps.runner import local_client, run_sweeps
from mechopt.sweeps.store import SweepStore


def _canonical(results: dict) -> str:
    return json.dumps(results, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", nargs="+", default=["002", "004"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sweep_runner.md")
    args = ap.parse_args()
    sweeps = [s for p in args.papers for s in paper_sweeps(p, args.quick)]
    points = sum(len(s.points) for s in sweeps)

    t0 = time.perf_counter()
    loop = {s.name: [s.point(**p) for p in s.points] for s in sweeps}
    timings = {"plain loop, this process": time.perf_counter() - t0}
    for label, processes in (("Dask local cluster, 2 threads", False), ("Dask local cluster, 2 processes", True)):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            with local_client(2, processes=processes) as client:
                out = run_sweeps(sweeps, SweepStore(Path(tmp) / "s.jsonl"), client)
            timings[label] = time.perf_counter() - t0
        assert _canonical(out) == _canonical(loop), f"{label}: results differ from the plain loop"

    base = timings["plain loop, this process"]
    lines = [f"# Sweep runner: papers {', '.join(args.papers)}{' (quick)' if args.quick else ''}, {points} points",
             "", f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
             "Times include starting the cluster; every run's results equal the loop's.", "",
             "| runner | seconds | loop / runner |", "|---|---|---|"]
    lines += [f"| {k} | {v:.1f} | {base / v:.2f} |" for k, v in timings.items()]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
