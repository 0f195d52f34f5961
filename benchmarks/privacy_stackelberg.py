"""Paper 004 (19): the time to solve (polynomial candidates, c_th bisection) and to certify (users'
regrets by enumeration, the branch and bound over p with Bernstein enclosures, the alpha grid) for
N = 2 .. 14 users, U = 1 - 2^-k with k users sharing, c in each of Theorem 3's regimes; and the
verdict of Section 5.1's instance with U and c in units 1e-9 .. 1e9.

Run:  .venv/bin/python benchmarks/privacy_stackelberg.py [--out PATH]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from pathlib import Path

import numpy as np

from mechopt.privacy.certify import Program, certify_stackelberg
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import solve_stackelberg, threshold_c
from mechopt.privacy.symmetric import SymmetricPrivacyGame


def concave_game(n: int) -> SymmetricPrivacyGame:
    table = np.empty((2,) * n)
    for idx in itertools.product((0, 1), repeat=n):
        table[idx] = 1.0 - 0.5 ** sum(idx)
    return SymmetricPrivacyGame(PrivacyGame((0.0, 1.0), table))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "privacy_stackelberg.md")
    args = ap.parse_args()
    lines = ["# 004 (19): solving and certifying", "",
             f"{platform.processor() or platform.machine()}, numpy {np.__version__}; U = 1 - 2^-k.", "",
             "| N | regime | c | solve s | certify s | branch-and-bound cells | bound - value | status |",
             "|---|---|---|---|---|---|---|---|"]
    for n in (2, 4, 8, 14):
        game = concave_game(n)
        gmin, gmax = game.gamma_range()
        cth = threshold_c(game)
        for c in (0.5 * cth, 0.5 * (max(cth, gmin) + gmax), 1.01 * gmax):
            t0 = time.perf_counter()
            r = solve_stackelberg(game, c)
            solve_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            verdict = certify_stackelberg(game, c, r)
            certify_s = time.perf_counter() - t0
            prog = Program.of(game.game, c)
            cells = prog.optimum().cells + prog.rivals(r.alpha, r.p).cells
            lines.append(f"| {n} | {r.regime} | {c:.4g} | {solve_s:.2f} | {certify_s:.2f} | {cells} | "
                         f"{r.certificate.bound - r.platform_utility:.1e} | "
                         f"{'established' if verdict.established else 'NOT established'} |")
    lines += ["", "Section 5.1 (c = 0.45) with U and c in other units:", "",
              "| unit | alpha* | p* | value / unit | status |", "|---|---|---|---|---|"]
    base = mean_estimation_game()
    for unit in (1e-9, 1e-3, 1.0, 1e3, 1e9):
        r = solve_stackelberg(SymmetricPrivacyGame(PrivacyGame(base.levels, unit * base.table)), 0.45 * unit)
        lines.append(f"| {unit:g} | {r.alpha:.15g} | {r.p:.15g} | {r.platform_utility / unit:.15g} | "
                     f"{r.status.value} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
