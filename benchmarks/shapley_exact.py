"""Exact Shapley values by enumeration of the 2^n coalitions: mechopt's engine (values, then
values with own gradients; answer certified) beside a plain numpy enumeration (a 2^n x n table
of coalition profiles, A at every row, the marginal contributions gathered per agent), side by
side in one run, for n = 14 .. 20 on 003's payoff a_i = 1 - 1/(1 + sum_t w[g(i), t] S_t) with
three groups.  Reports the median of 3 runs, the ratio plain / mechopt (above 1: mechopt is
faster) and the largest difference of the values (the two must agree to rounding).

Run:  .venv/bin/python benchmarks/shapley_exact.py [--n 14 16 18 20] [--out PATH]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.valuation.shapley import exact_shapley


def plain_enumeration(payoff: LinearIndexPayoff, s: np.ndarray) -> np.ndarray:
    """Shapley values from the textbook formula, enumerating every coalition as a row of profiles."""
    n = s.size
    codes = np.arange(2 ** n, dtype=np.int64)
    masks = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    K = payoff.E @ payoff.P
    v = np.sum(payoff.f.value(K @ np.where(masks, s, 0.0).T), axis=0)
    size = masks.sum(axis=1)
    w = np.array([math.factorial(k) * math.factorial(n - 1 - k) / math.factorial(n) for k in range(n)])
    out = np.empty(n)
    for i in range(n):
        without = codes[~masks[:, i]]
        out[i] = w[size[without]] @ (v[without | (1 << i)] - v[without])
    return out


def median_time(fn, repeat: int = 3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="*", default=[14, 16, 18, 20])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "shapley_exact.md")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 1.0, (3, 3))
    np.fill_diagonal(w, 1.0)
    lines = ["| n | plain enumeration s | mechopt values s | ratio plain / mechopt | mechopt values + gradients s "
             "| max difference of values |", "|---|---|---|---|---|---|"]
    for n in args.n:
        payoff = LinearIndexPayoff.grouped(np.arange(n) % 3, w)
        s = rng.uniform(0, 50, n)
        plain, t_plain = median_time(lambda: plain_enumeration(payoff, s))
        ours, t_ours = median_time(lambda: exact_shapley(payoff, s))
        _, t_grad = median_time(lambda: exact_shapley(payoff, s, gradient=True))
        assert ours.success
        diff = float(np.max(np.abs(ours.values - plain)))
        lines.append(f"| {n} | {t_plain:.3f} | {t_ours:.3f} | {t_plain / t_ours:.2f} | {t_grad:.3f} | {diff:.1e} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Exact Shapley values by enumeration (benchmarks/shapley_exact.py)\n\n"
                        "2 shared cores; medians of 3 runs.\n\n" + text + "\n")


if __name__ == "__main__":
    main()
