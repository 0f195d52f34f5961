"""Fair values of paper 004 (Theorem 2 (12) and Theorem 1 (5)-(6)) for N = 20 users over every level
vector (binary levels: 2^20 vectors), the vectorized dividend/zeta engine
(`mechopt.privacy.fairvalue`) against the formulas read literally (a loop over all S, per level
vector: `fair_values_naive`), side by side on the same random table.

The naive loop needs N 2^(N-1) utility differences per level vector (about 10^7 at N = 20), so it
is timed on a few level vectors and its time for all 2^20 is extrapolated; the engine's values at
those vectors are checked against it.  Smaller N (10, 14) are also run in full for both.

Run:  .venv/bin/python benchmarks/privacy_fair_values.py [--out PATH]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from pathlib import Path

import numpy as np

from mechopt.privacy.fairvalue import fair_values_naive, fair_values_platform, fair_values_users
from mechopt.privacy.game import PrivacyGame


def _game(n: int, seed: int = 0) -> PrivacyGame:
    t = np.random.default_rng(seed).uniform(size=(2,) * n)
    t[(0,) * n] = 0.0
    return PrivacyGame((0.0, 1.0), t)


def run(n: int, naive_vectors: int | None) -> dict:
    game = _game(n)
    t0 = time.perf_counter()
    f2 = fair_values_users(game)
    t1 = time.perf_counter()
    f1 = fair_values_platform(game)
    t2 = time.perf_counter()
    rng = np.random.default_rng(1)
    vectors = (list(itertools.product((0, 1), repeat=n)) if naive_vectors is None
               else [tuple(rng.integers(0, 2, n)) for _ in range(naive_vectors - 1)] + [(1,) * n])
    err = 0.0
    s = time.perf_counter()
    for v in vectors:
        users, _ = fair_values_naive(game, v, theorem=2)
        err = max(err, float(np.abs(users - f2.users[(slice(None),) + v]).max()))
    per_vector = (time.perf_counter() - s) / len(vectors)
    eff = float(np.abs(f1.users.sum(axis=0) + f1.platform - game.table).max())
    return {"n": n, "vectors": 2**n, "engine_t2": t1 - t0, "engine_t1": t2 - t1, "naive_checked": len(vectors),
            "naive_per_vector": per_vector, "naive_all": per_vector * 2**n, "max_diff": err, "efficiency": eff}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "privacy_fair_values.md")
    args = ap.parse_args()
    rows = [run(10, None), run(14, 64), run(20, 3)]
    lines = ["# Fair values over every level vector (004 Theorems 1, 2): engine vs naive loop", "",
             f"{platform.processor() or platform.machine()}, numpy {np.__version__}; random U on {{0,1}}^N, U(0) = 0.", "",
             "| N | level vectors | engine Thm 2 (s) | engine Thm 1 (s) | naive vectors run | naive s/vector | naive all (s) | speed-up | max |diff| | Thm 1 efficiency residual |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        tag = "" if r["naive_checked"] == r["vectors"] else " (extrapolated)"
        lines.append(f"| {r['n']} | {r['vectors']} | {r['engine_t2']:.3f} | {r['engine_t1']:.3f} | {r['naive_checked']} | "
                     f"{r['naive_per_vector']:.3g} | {r['naive_all']:.3g}{tag} | {r['naive_all'] / r['engine_t2']:.3g}x | "
                     f"{r['max_diff']:.2e} | {r['efficiency']:.2e} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
