"""All equilibria of a bimatrix game: mechopt's vertex enumeration beside pygambit and the MILP.

Issue 21, row "all equilibria of a bimatrix game".  Peers: pygambit's ``enummixed_solve`` (vertex
enumeration of the best-response polytopes, floating point, ``rational=False``; the `gambit`
extra), ``enumpure_solve`` (pure equilibria only) and ``lcp_solve`` (Lemke-Howson paths: some
equilibria, not all), and mechopt's MILP (``solvers/bimatrix_mip.py``: the patterns by no-good cuts,
and with ``method="mip"`` each pattern's vertices).

Games, square m x m, m = 2 .. 10, several seeds each:
- ``random``: entries N(0, 1) (nondegenerate with probability 1: every equilibrium is extreme);
- ``ties``: entries in {0, 1, 2} (degenerate: ties, continua of equilibria);
- ``structured``: entries in {0, 1, 2}, the last row a copy of the first (both players) and B's first
  column zero.

Each time is the median of interleaved runs (ours, Gambit's, ours, ...) on the same instance and
includes building the game (``StrategicGame.from_arrays`` for Gambit) but not converting Gambit's
profiles to arrays.  The ratio is Gambit / ours per instance; the table gives its median and range
over the seeds.  Sets: every extreme equilibrium we return matches one of Gambit's within 1e-7
and the other way round (Gambit may list one twice: its distinct count is shown); lcp's and
enumpure's equilibria must be among ours; the MILP's equilibria must equal ours (patterns on
``random`` games, extreme points with ``method="mip"`` on the others).

Run:  .venv/bin/python benchmarks/bimatrix_peers.py [--out PATH] [--max-size N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    import pygambit as gbt
except ModuleNotFoundError:  # said in main(), after --help
    gbt = None

from mechopt.solvers.bimatrix_enum import all_equilibria, vertex_equilibria
from mechopt.solvers.bimatrix_mip import all_equilibria_mip

Profiles = list[tuple[np.ndarray, np.ndarray]]
MILP_MAX = {"random": 5, "ties": 4, "structured": 4}
"""Largest size at which the MILP runs (its degenerate path is brute force over each pattern)."""


def game(family: str, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 * m + seed)
    if family == "random":
        return rng.normal(size=(m, m)), rng.normal(size=(m, m))
    a, b = rng.integers(0, 3, size=(m, m)).astype(float), rng.integers(0, 3, size=(m, m)).astype(float)
    if family == "structured":
        a[-1], b[-1] = a[0], b[0]
        b[:, 0] = 0.0
    return a, b


def _profiles(result) -> Profiles:
    return [(np.array([float(v) for _, v in p["1"]]), np.array([float(v) for _, v in p["2"]])) for p in result.equilibria]


def gambit(solver: Callable, a: np.ndarray, b: np.ndarray, **kw):
    return solver(gbt.StrategicGame.from_arrays(a, b), **kw)


def _match(p, q, atol: float = 1e-7) -> bool:
    return bool(np.allclose(p[0], q[0], atol=atol) and np.allclose(p[1], q[1], atol=atol))


def inside(ours: Profiles, theirs: Profiles) -> bool:
    return all(any(_match(p, q) for q in theirs) for p in ours)


def distinct(ps: Profiles) -> int:
    out: Profiles = []
    for p in ps:
        if not any(_match(p, q, 1e-9) for q in out):
            out.append(p)
    return len(out)


def timed(fn: Callable, reps: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run(family: str, m: int, seeds: int, reps: int) -> dict:
    rows = {"ours": [], "gambit": [], "ratio": [], "n_eq": [], "gambit_distinct": [], "gambit_listed": [], "same": [],
            "verified": [], "lcp": [], "lcp_in": [], "pure": [], "pure_in": [], "milp": [], "milp_same": []}
    for seed in range(seeds):
        a, b = game(family, m, seed)
        t_ours, t_gbt = [], []
        for _ in range(reps):  # interleaved
            t0 = time.perf_counter()
            ours = vertex_equilibria(a, b)
            t_ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            theirs = gambit(gbt.nash.enummixed_solve, a, b, rational=False)
            t_gbt.append(time.perf_counter() - t0)
        mine, theirs = [(e.x, e.y) for e in ours.equilibria], _profiles(theirs)
        rows["ours"].append(statistics.median(t_ours))
        rows["gambit"].append(statistics.median(t_gbt))
        rows["ratio"].append(rows["gambit"][-1] / rows["ours"][-1])
        rows["n_eq"].append(len(mine))
        rows["gambit_listed"].append(len(theirs))
        rows["gambit_distinct"].append(distinct(theirs))
        rows["same"].append(inside(mine, theirs) and inside(theirs, mine) and distinct(mine) == len(mine))
        rows["verified"].append(ours.verified)
        t, lcp = timed(lambda: gambit(gbt.nash.lcp_solve, a, b, rational=False), 1)
        rows["lcp"].append(t)
        rows["lcp_in"].append(inside(_profiles(lcp), mine))
        t, pure = timed(lambda: gambit(gbt.nash.enumpure_solve, a, b), 1)
        rows["pure"].append(t)
        rows["pure_in"].append(inside(_profiles(pure), mine))
        if m <= MILP_MAX[family] and seed < 3:
            if family == "random":
                t, milp = timed(lambda: all_equilibria_mip(a, b), 1)
                got = milp.profiles()
            else:
                t, milp = timed(lambda: all_equilibria(a, b, method="mip"), 1)
                got = [(e.x, e.y) for e in milp.equilibria]
            rows["milp"].append(t)
            rows["milp_same"].append(milp.complete and inside(got, mine) and inside(mine, got))
    return rows


def _fmt_ratio(r: list[float]) -> str:
    return f"{statistics.median(r):.1f}x [{min(r):.1f}, {max(r):.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "bimatrix_peers.md"))
    parser.add_argument("--max-size", type=int, default=10)
    args = parser.parse_args()
    if gbt is None:
        parser.exit(2, "bimatrix_peers: pygambit is not installed: the peer this table measures comes with the "
                       "gambit extra (pip install -e '.[gambit]')\n")
    load0, start = os.getloadavg()[0], time.perf_counter()
    lines = []
    all_same = True
    for family in ("random", "ties", "structured"):
        for m in range(2, args.max_size + 1):
            seeds, reps = (5, 5) if m <= 8 else (3, 3)
            r = run(family, m, seeds, reps)
            same = all(r["same"]) and all(r["lcp_in"]) and all(r["pure_in"]) and all(r["milp_same"])
            all_same &= same
            milp = (f"{statistics.median(r['milp']):.3f} ({statistics.median(r['milp']) / statistics.median(r['ours']):.0f}x"
                    f" ours), same: {'yes' if all(r['milp_same']) else 'NO'}") if r["milp"] else "-"
            lines.append(
                f"| {family} | {m}x{m} | {seeds} x {reps} | {'/'.join(map(str, r['n_eq']))} | "
                f"{'/'.join(f'{d}' if d == n else f'{d} ({n} listed)' for d, n in zip(r['gambit_distinct'], r['gambit_listed'], strict=True))} | "
                f"{'yes' if all(r['same']) else 'NO'}{'' if all(r['verified']) else ' (unverified)'} | "
                f"{statistics.median(r['ours']) * 1e3:.2f} | {statistics.median(r['gambit']) * 1e3:.2f} | "
                f"{_fmt_ratio(r['ratio'])} | {statistics.median(r['lcp']) * 1e3:.2f}, in: {'yes' if all(r['lcp_in']) else 'NO'} | "
                f"{statistics.median(r['pure']) * 1e3:.2f}, in: {'yes' if all(r['pure_in']) else 'NO'} | {milp} |")
            print(lines[-1], flush=True)
    header = [
        "# All equilibria of a bimatrix game: vertex enumeration vs pygambit and the MILP",
        "",
        f"Produced by `benchmarks/bimatrix_peers.py` on {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pygambit {gbt.__version__}, OPENBLAS_NUM_THREADS=1; {os.cpu_count()} cores, load "
        f"average {load0:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (this run counts about 1); "
        f"whole run {time.perf_counter() - start:.0f} s.",
        "",
        "ours: `mechopt.solvers.bimatrix_enum.vertex_equilibria` (every extreme equilibrium, regrets checked). "
        "Gambit: `enummixed_solve(rational=False)` (every extreme equilibrium), `lcp_solve(rational=False)`, "
        "`enumpure_solve`, each including `StrategicGame.from_arrays`.  Times are medians (ms) over seeds of the "
        "median over interleaved repetitions (seeds x repetitions); ratio = Gambit enummixed / ours per instance, "
        "median [min, max] over the seeds.  MILP: `all_equilibria_mip` (patterns; random games) or "
        "`all_equilibria(method='mip')` (each pattern's vertices; degenerate games), first 3 seeds, one run, s.",
        "",
        f"Equal equilibrium sets everywhere: {'yes' if all_same else 'NO'}.",
        "",
        "| family | size | seeds x reps | extreme equilibria (ours, per seed) | Gambit distinct | same sets | "
        "ours ms | Gambit enummixed ms | ratio | Gambit lcp ms, ours include its | Gambit enumpure ms, ours include "
        "its | MILP s |",
        "|---|---|---|---|---|---|---:|---:|---|---|---|---|",
    ]
    Path(args.out).write_text("\n".join(header + lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
