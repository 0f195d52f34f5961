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
up to n = 1 000, 3 for Newton at n = 1 000 000, one BR run at n = 100 000): millisecond timings on a
shared machine are noisy.

BLAS runs single-threaded (OPENBLAS_NUM_THREADS=1 unless set): every operation here is a
vector operation, and two BLAS threads on a 2-core machine only contend with each other.

Run:  .venv/bin/python benchmarks/nash_newton_vs_br.py [--budget SECONDS] [--out PATH]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from mechopt import DataSharingGame, LinearIndexPayoff, linear_cost, PowerLaw, nash_certificate  # noqa: E402
from mechopt.solvers.br_dynamics import br_dynamics_solve  # noqa: E402
from mechopt.solvers.newton import newton_solve  # noqa: E402

GAP = 1e-9
SIZES_BOTH = (10, 100, 1000, 100_000)
SIZES_NEWTON = (1_000_000,)


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


def median_run(game: DataSharingGame, method: str, budget: float, repeats: int) -> tuple[Run, int]:
    """The run with the median time among ``repeats`` runs (all deterministic: same iterates)."""
    runs = sorted((time_to_certificate(game, method, budget) for _ in range(repeats)), key=lambda r: r.seconds)
    return runs[len(runs) // 2], repeats


def _fmt_run(result: tuple[Run, int] | None) -> str:
    if result is None:
        return "-"
    run, repeats = result
    if run.certified:
        return f"{run.seconds:.3f} s ({run.iterations} it, median of {repeats})"
    return f"not reached in budget ({run.seconds:.0f} s, {run.iterations} it): gap {run.max_gain:.1e}, residual {run.residual:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per BR run (default 120)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "nash_newton_vs_br.md")
    args = parser.parse_args()
    rows = []
    for n in SIZES_BOTH + SIZES_NEWTON:
        game = instance(n)
        newton = median_run(game, "newton", args.budget, 3 if n >= 1_000_000 else 5)
        br = median_run(game, "br", args.budget, 3 if n <= 1000 else 1) if n in SIZES_BOTH else None
        if br is not None and br[0].certified and newton[0].certified:
            ratio = f"{br[0].seconds / newton[0].seconds:.0f}x"
        elif br is not None and newton[0].certified:
            ratio = f"> {br[0].seconds / newton[0].seconds:.0f}x (BR not certified)"
        else:
            ratio = "-"
        rows.append((n, _fmt_run(newton), _fmt_run(br), ratio))
        print(f"n = {n:>9,}: Newton {rows[-1][1]} | BR {rows[-1][2]} | BR / Newton {ratio}", flush=True)
    lines = [
        "# Time to a certified Nash gap of 1e-9: Newton vs projected BR dynamics",
        "",
        f"Produced by `benchmarks/nash_newton_vs_br.py` on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; BR budget {args.budget:.0f} s per run; "
        f"{os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f} (other work on the machine slows both).",
        "Power-law payoff 1 - alpha_i (S + 1)^-beta_i, linear costs, heterogeneous seeded parameters; "
        "times include every certificate computation.",
        "",
        "| n | Newton (semismooth) | BR dynamics (001 (4)) | BR / Newton |",
        "|---:|---|---|---|",
        *[f"| {n:,} | {a} | {b} | {c} |" for n, a, b, c in rows],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
