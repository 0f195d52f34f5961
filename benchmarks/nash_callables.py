"""Games given by callables: the aggregative form (one vectorized callable u_i = f_i(s_i, S),
``AggregativeGame``) beside per-player callables of the whole profile
(``ContinuousGame.from_utilities``), solved and certified (Newton + Nash certificate), side by
side in one run, on Cournot games: profit x_i (a - S) - c_i x_i, a = 1000, c_i ~ U[1, 2] seeded,
declared concave.  Reports seconds (median of 3), the ratio, and the largest distance to the
closed-form equilibrium x_i = a - c_i - (n a - sum c)/(n + 1).

Run:  .venv/bin/python benchmarks/nash_callables.py [--n 10 100 1000] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

import mechopt as mo

PER_PLAYER_MAX = 100
"""Per-player callables take O(n^3) per Newton step (a difference Jacobian): timed up to here."""


def games(n: int, a: float = 1000.0):
    c = np.random.default_rng(n).uniform(1.0, 2.0, n)
    bounds = [(0.0, 2 * a / n + 10.0)] * n
    aggregative = mo.AggregativeGame(lambda x, S: x * (a - S) - c * x, bounds, concave=True)
    players = [lambda s, i=i: s[i] * (a - s.sum()) - c[i] * s[i] for i in range(n)]
    per_player = mo.ContinuousGame.from_utilities(players, bounds, concave=True)
    return aggregative, per_player, a - c - (n * a - c.sum()) / (n + 1)


def timed(game, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = mo.solve_nash(game)
        times.append(time.perf_counter() - t)
    return result, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="*", default=[10, 100, 1000])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "nash_callables.md")
    args = ap.parse_args()
    load_start = os.getloadavg()[0]
    lines = ["| n | aggregative s | status | distance to closed form | per-player callables s | status | ratio |",
             "|---|---|---|---|---|---|---|"]
    for n in args.n:
        aggregative, per_player, exact = games(n)
        fast, t_fast = timed(aggregative)
        row = f"| {n} | {t_fast:.3f} | {fast.status.value} | {np.max(np.abs(fast.profile - exact)):.1e} |"
        if n <= PER_PLAYER_MAX:
            slow, t_slow = timed(per_player, repeat=1)
            row += f" {t_slow:.3f} | {slow.status.value} | {t_slow / t_fast:.1f} |"
        else:
            row += " - | - | - |"
        lines.append(row)
        print(row, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Games given by callables (benchmarks/nash_callables.py)\n\n"
                        f"{os.cpu_count()} cores, load average {load_start:.1f} at the start and "
                        f"{os.getloadavg()[0]:.1f} at the end (this run counts about 1); Newton and "
                        "the Nash certificate, median of 3 runs (per-player callables: 1 run).  nashopt beside "
                        "mechopt on Cournot-5 and the power-law game: benchmarks/results/nash_peers.md.\n\n"
                        + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
