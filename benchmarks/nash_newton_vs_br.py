"""Time to a certified Nash gap of 1e-9: semismooth Newton vs projected best-response dynamics.

Issue 2 item 10.  Instances: n heterogeneous agents with the power-law payoff of 003 (12),
a_i(S) = 1 - alpha_i (S + 1)^-beta_i of the total data S, linear costs c_i s_i and boxes
[0, tau_i]; parameters drawn from a seeded generator.  Both methods start at the box midpoint.
A run counts as done when :func:`mechopt.nash_certificate` verifies (every player's best-response
gain <= 1e-9, bounded from above by the independent own-action search): each method stops at a
natural residual r, the certificate is computed, and if it does not verify the method continues
from where it stopped with r / 10.  The time reported is the wall time of all solver and
certificate calls.  BR dynamics (001 (4)) uses the stable step 1 / max_i sum_j |G_ij(s)|,
recomputed every iteration and halved while it exceeds 2 / max_i sum_j |G_ij| at the point it
leads to, and gets a time budget per run; when the budget runs out the table says so with the
gap certified so far.  Each entry is the median of several runs (5 for Newton, 3 for BR dynamics
up to n = 1 000, one BR run at n = 100 000): millisecond timings on a shared machine are noisy.  At
n = 1 000 000 every run's time is given in order: the first runs in a process pay the page faults
of fresh memory (more so with numpy's huge-page advice; the scale table below), and the same five
runs are repeated in fresh processes with the memory settings of ``FRESH_SETTINGS``.

Beside each Newton time, the physical limit: 23 Newton steps (the count before
the linearized steps) times one pass of the work a step cannot avoid, measured here in the same run
with numpy on preallocated vectors of n numbers: one exp (the power law (S + 1)^-beta_i of the
players' own exponents) and four multiply-adds (gradient, merit, step, projection).

The ratio BR / Newton at n = 1 000 is measured again in pairs (one Newton run, one BR run, one
after the other), ``RATIO_REPEATS`` pairs: the median and the spread of the pairs' ratios.

A second table is ``solve_nash`` at scale, n = 10^5, 10^6, 10^7, on 1 - (S + 1)^-1/2 of the
total data S with cost slopes drawn in [0.01, 0.2] (seed 0) and tau = 10 (many agents within
1e-7 of the marginal agent's cost, which is what made the certificate's long ladder run on every
agent): the time of Newton, of its point's certificate, of the rest (the verdict's checks), the
total, and the peak resident memory, each size in a fresh process; then the total again in a fresh
process with numpy's huge-page advice off (NUMPY_MADVISE_HUGEPAGE=0).

BLAS runs single-threaded (OPENBLAS_NUM_THREADS=1 unless set): every operation here is a
vector operation, and two BLAS threads on a 2-core machine only contend with each other.

Run:  .venv/bin/python benchmarks/nash_newton_vs_br.py [--budget SECONDS] [--out PATH]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from mechopt import DataSharingGame, LinearIndexPayoff, linear_cost, PowerLaw, nash_certificate, solve_nash  # noqa: E402
from mechopt.solvers.br_dynamics import br_dynamics_solve  # noqa: E402
from mechopt.solvers.newton import newton_solve  # noqa: E402

GAP = 1e-9
FRESH_SETTINGS = (
    ("NUMPY_MADVISE_HUGEPAGE=0", {"NUMPY_MADVISE_HUGEPAGE": "0"}),
    ("MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_MMAP_THRESHOLD_=33554432",
     {"MALLOC_TRIM_THRESHOLD_": "2147483647", "MALLOC_MMAP_THRESHOLD_": "33554432"}),
)
"""The Newton row's runs again in fresh processes: without numpy's huge-page advice; with glibc
keeping freed memory (no trimming) and serving arrays up to 32 MiB from its heap (by default it
maps a large array afresh until one of that size has been freed, and returns freed memory above
its trim threshold to the kernel, so later arrays are faulted in again)."""
SIZES_BOTH = (10, 100, 1000, 100_000)
SIZES_NEWTON = (1_000_000,)
SIZES_SCALE = (100_000, 1_000_000, 10_000_000)
LIMIT_STEPS = 23
RATIO_REPEATS = 9


def instance(n: int, seed: int = 0) -> DataSharingGame:
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0.5, 2.0, n)
    beta = rng.uniform(0.3, 1.0, n)
    cost = rng.uniform(0.01, 0.1, n)
    tau = rng.uniform(1.0, 10.0, n)
    return DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha, beta, shift=1.0), n), linear_cost(cost), tau)


@dataclass
class Run:
    seconds: float
    certified: bool
    max_gain: float
    residual: float
    iterations: int


def time_to_certificate(game: DataSharingGame, method: str, budget: float) -> Run:
    t0 = time.perf_counter()
    s, r, iterations = None, 1e-8, 0
    while True:
        left = budget - (time.perf_counter() - t0)
        if method == "newton":
            it = newton_solve(game, start=s, tol=r)
        else:
            it = br_dynamics_solve(game, start=s, tol=r, max_seconds=max(left, 0.0))
        iterations += it.iterations
        s = it.profile
        cert = nash_certificate(game, s, tol=GAP)
        elapsed = time.perf_counter() - t0
        if cert.verified or elapsed >= budget or r < 1e-15:
            return Run(elapsed, cert.verified, cert.max_gain, it.residual, iterations)
        r /= 10.0


def median_run(game: DataSharingGame, method: str, budget: float, repeats: int) -> tuple[Run, int, list[float]]:
    """The run with the median time among ``repeats`` runs (all deterministic: same iterates), and
    every run's time in the order run (a process's first runs at 10^6 pay for fresh memory)."""
    runs = [time_to_certificate(game, method, budget) for _ in range(repeats)]
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2], repeats, [r.seconds for r in runs]


def step_pass_seconds(n: int, repeats: int = 7) -> float:
    """Median time of one exp and four multiply-adds over preallocated vectors of n numbers."""
    rng = np.random.default_rng(1)
    x, y, out = rng.uniform(0.3, 1.0, n), rng.uniform(size=n), np.empty(n)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.exp(x, out=out)
        for _ in range(4):
            np.multiply(x, y, out=out)
            np.add(out, y, out=out)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def ratio_pairs(n: int, budget: float, repeats: int) -> list[float]:
    """BR / Newton time ratios of ``repeats`` pairs of runs, each pair back to back."""
    game = instance(n)
    ratios = []
    for _ in range(repeats):
        newton = time_to_certificate(game, "newton", budget)
        br = time_to_certificate(game, "br", budget)
        if newton.certified and br.certified:
            ratios.append(br.seconds / newton.seconds)
    return ratios


def _fmt_run(result: tuple[Run, int, list[float]] | None, every: bool = False) -> str:
    if result is None:
        return "-"
    run, repeats, seconds = result
    if run.certified:
        order = f"; in order: {', '.join(f'{s:.2f}' for s in seconds)} s" if every else ""
        return f"{run.seconds:.3f} s ({run.iterations} it, median of {repeats}{order})"
    return f"not reached in budget ({run.seconds:.0f} s, {run.iterations} it): gap {run.max_gain:.1e}, residual {run.residual:.1e}"


def scale_instance(n: int, seed: int = 0) -> DataSharingGame:
    c = np.random.default_rng(seed).uniform(0.01, 0.2, n)
    return DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(1.0, 0.5, shift=1.0), n), linear_cost(c), 10.0)


def scale_run(n: int) -> dict[str, object]:
    """``solve_nash`` on :func:`scale_instance` (run in a fresh process: its peak memory is this run's)."""
    game = scale_instance(n)
    t0 = time.perf_counter()
    result = solve_nash(game)
    total = time.perf_counter() - t0
    p = result.stats.parameters
    first = p["attempts"][0]
    return {"n": n, "status": result.status.value, "established": result.verdict.established,
            "search": result.certificate.search, "attempts": p["attempts_tried"], "iterations": first["iterations"],
            "newton": p["solve_seconds"], "certificate": first["seconds"] - p["solve_seconds"],
            "rest": total - first["seconds"], "total": total, "peak_gb": _peak_bytes() / 2**30}


def _peak_bytes() -> float:
    """This process's peak resident memory: VmHWM (Linux; ru_maxrss would carry the parent's peak
    across fork and exec), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _fresh_run(n: int, huge_pages: bool) -> dict[str, object]:
    env = dict(os.environ) if huge_pages else {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}
    out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout)


def scale_row(n: int) -> str:
    """One size: numpy's default (large arrays advised to the kernel as huge pages) and, right
    after, NUMPY_MADVISE_HUGEPAGE=0."""
    r, small = _fresh_run(n, True), _fresh_run(n, False)
    print(f"n = {n:>10,}: {r}; without huge pages: {small}", flush=True)
    plain = f"{small['total']:.1f} s ({r['total'] / small['total']:.2f}x)"
    if r["attempts"] != 1:
        return (f"| {n:,} | {r['status']} after {r['attempts']} attempts | | | {r['total']:.1f} s | {plain} | "
                f"{r['peak_gb']:.2f} GB |")
    return (f"| {n:,} | {r['newton']:.1f} s ({r['iterations']} it) | {r['certificate']:.1f} s ({r['search']}) | "
            f"{r['rest']:.1f} s | {r['total']:.1f} s ({r['status']}) | {plain} | {r['peak_gb']:.2f} GB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per BR run (default 120)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "nash_newton_vs_br.md")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one scale run, in a fresh process
    parser.add_argument("--newton-runs", type=int, help=argparse.SUPPRESS)  # the Newton row's runs, fresh process
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(scale_run(args.one)))
        return
    if args.newton_runs is not None:
        newton_solve(instance(10), tol=1e-8)
        print(json.dumps(median_run(instance(args.newton_runs), "newton", args.budget, 5)[2]))
        return
    load_start = os.getloadavg()[0]
    rows = []
    for n in SIZES_BOTH + SIZES_NEWTON:
        game = instance(n)
        newton_solve(instance(10), tol=1e-8)  # compiled code loaded before any timing
        newton = median_run(game, "newton", args.budget, 5)
        limit = LIMIT_STEPS * step_pass_seconds(n)
        br = median_run(game, "br", args.budget, 3 if n <= 1000 else 1) if n in SIZES_BOTH else None
        if br is not None and br[0].certified and newton[0].certified:
            ratio = f"{br[0].seconds / newton[0].seconds:.0f}x"
        elif br is not None and newton[0].certified:
            ratio = f"> {br[0].seconds / newton[0].seconds:.0f}x (BR not certified)"
        else:
            ratio = "-"
        over = f"{newton[0].seconds / limit:.1f}x ({limit:.2g} s)"
        cell = _fmt_run(newton, every=n >= 1_000_000)
        if n in SIZES_NEWTON:  # the same five runs in fresh processes: numpy's or glibc's memory settings changed
            for name, setting in FRESH_SETTINGS:
                runs = json.loads(subprocess.run([sys.executable, __file__, "--newton-runs", str(n)], capture_output=True,
                                                 text=True, check=True, env={**os.environ, **setting}).stdout)
                cell += (f"; in a fresh process with {name}: median {np.median(runs):.3f} s, in order "
                         f"{', '.join(f'{s:.2f}' for s in runs)} s")
        rows.append((n, cell, over, _fmt_run(br), ratio))
        print(f"n = {n:>9,}: Newton {rows[-1][1]} | / limit {over} | BR {rows[-1][3]} | BR / Newton {ratio}", flush=True)
    pairs = ratio_pairs(1000, args.budget, RATIO_REPEATS)
    print(f"BR / Newton at n = 1 000, {len(pairs)} pairs: {[round(r) for r in pairs]}", flush=True)
    lines = [
        "# Time to a certified Nash gap of 1e-9: Newton vs projected BR dynamics",
        "",
        f"Produced by `benchmarks/nash_newton_vs_br.py` on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; BR budget {args.budget:.0f} s per run; "
        f"{os.cpu_count()} cores, load average {load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end of the "
        "Newton and BR runs (other work on the machine slows every column).",
        "Power-law payoff 1 - alpha_i (S + 1)^-beta_i, linear costs, heterogeneous seeded parameters; "
        "times include every certificate computation.  Newton / limit: the Newton time over "
        f"{LIMIT_STEPS} steps x (one exp + four multiply-adds over n numbers), measured in this run (in brackets).",
        "",
        "| n | Newton (semismooth, linearized steps) | Newton / limit | BR dynamics (001 (4)) | BR / Newton |",
        "|---:|---|---|---|---|",
        *[f"| {n:,} | {a} | {o} | {b} | {c} |" for n, a, o, b, c in rows],
        "",
        f"BR / Newton at n = 1 000 in {len(pairs)} back-to-back pairs of runs: median "
        + (f"{np.median(pairs):.0f}x, spread {min(pairs):.0f}x-{max(pairs):.0f}x "
           f"(pairs: {', '.join(f'{r:.0f}' for r in pairs)})." if pairs else "- (no pair certified)."),
        "",
        "## `solve_nash` at scale",
        "",
        "1 - (S + 1)^-1/2 of the total data, cost slopes drawn in [0.01, 0.2] (seed 0), tau = 10; one run per size, "
        "each in a fresh process (peak: its resident memory).  `rest`: the verdict's checks of the answer.  "
        "`no huge pages`: the same run again in a fresh process with NUMPY_MADVISE_HUGEPAGE=0 (numpy then does "
        "not advise its large arrays as huge pages; where the kernel compacts memory on such a fault, as with "
        "Linux's `defrag = madvise`, the first touch of each new array costs system time), and the ratio of the "
        "two totals.",
        "",
        "| n | Newton | certificate | rest | total | total, no huge pages | peak memory |",
        "|---:|---|---|---|---|---|---|",
        *[scale_row(n) for n in SIZES_SCALE],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
