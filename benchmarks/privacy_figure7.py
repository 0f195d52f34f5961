"""Figure 7 of paper 004 (Section 5.2, program (25)): the platform's optimum over a grid of two
sensitivities (c_1, c_2), exact candidates (`solve_two_group`) against an alpha grid with every
equilibrium at each alpha (`grid_two_group`, 2001 points) on a sample of the same instances.

Run:  .venv/bin/python benchmarks/privacy_figure7.py [--points 100] [--out PATH]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.twogroup import grid_two_group
from mechopt.reproductions.p004 import two_group_row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "privacy_figure7.md")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cs = np.linspace(0.0, 1.0, args.points)
    rows = [two_group_row(float(c1), args.points) for c1 in cs]  # the Figure 7 sweep of `mechopt reproduce 004`
    values = np.array([r["platform"] for r in rows])
    exact_s = time.perf_counter() - t0
    game = mean_estimation_game()
    rng = np.random.default_rng(0)
    sample = rng.integers(0, args.points, size=(20, 2))
    t0 = time.perf_counter()
    worst = 0.0
    for i, j in sample:
        g = grid_two_group(game, float(cs[i]), float(cs[j]), 2001)
        worst = max(worst, g - values[i, j])
    grid_s = (time.perf_counter() - t0) / len(sample)
    n = args.points**2
    per = exact_s / n
    lines = ["# Figure 7 (004 (25)): exact candidates vs alpha grid", "",
             f"{platform.processor() or platform.machine()}, numpy {np.__version__}; U of (10), c in [0, 1].", "",
             "| method | instances | seconds | s/instance | max (grid - exact) on the sample |", "|---|---|---|---|---|",
             f"| exact candidates (`solve_two_group`, `p004.two_group_row`) | {n} | {exact_s:.2f} | {per:.2e} | |",
             f"| alpha grid, 2001 points (`grid_two_group`) | {len(sample)} (sample) | {grid_s * len(sample):.2f} | "
             f"{grid_s:.2e} | {worst:.2e} (<= 0: the grid never beats the exact optimum) |", "",
             f"Grid for all {n} instances would take about {grid_s * n:.0f} s ({grid_s / per:.0f}x)."]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
