"""Shapley values and own gradients for n = 30 agents of 003 Section 5.1's grouped payoff:
the exact structured engine against Monte Carlo permutation sampling (27), side by side.

Instance: three groups of ten, a_i = 1 - 1/(1 + sum_t w[g(i), t] S_t) with a seeded w (off-diagonal
entries in [0.1, 1], diagonal 1), a profile constant within groups (the structured engine is exact
when agents share few (s_j, column of K) types; at a profile with 30 distinct contributions it
refuses and only sampling applies).  The exact values are the reference for the sampling error.

A second table repeats the comparison at a profile of 30 distinct contributions, where the
multilinear engine (power-law payoffs) is exact and the structured one does not apply; a third
times the certified M^Shap equilibrium of Table 1's MNIST instance (target: Nash gap 1e-9 in
under 10 s).  A fourth times the ``mechanism`` kind (M^Shap's equilibrium and M^0's, solved and
certified, with the measures) on 003 (12)'s power law of the total data as n grows, beside the
multilinear engine's memory estimate and its limit (``--mechanism-n``).

Monte Carlo runs a fixed budget of permutations (antithetic pairs, and plain for comparison),
reports its largest standard error, its largest true error against the exact values, and the
number of permutations and the time it would need for a standard error of 1e-6 (extrapolated as
SE ~ 1/sqrt(N) from the measured run).  Also: exact enumeration's time for n = 12, 14, 16.

Run:  .venv/bin/python benchmarks/shapley_engines.py [--perms N] [--mechanism-n 30 60 ...] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.valuation.shapley import shapley_values

TARGET = 1e-6


def instance(n_per: int = 10, seed: int = 0) -> tuple[LinearIndexPayoff, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 1.0, (3, 3))
    np.fill_diagonal(w, 1.0)
    payoff = LinearIndexPayoff.grouped(np.repeat([0, 1, 2], n_per), w)
    return payoff, np.repeat([20.0, 35.0, 50.0], n_per)


def timed(fn, repeat: int = 5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--perms", type=int, default=20_000)
    ap.add_argument("--mechanism-n", type=int, nargs="*", default=[30, 60, 120])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "shapley_engines.md")
    args = ap.parse_args()
    payoff, s = instance()
    exact, t_exact = timed(lambda: shapley_values(payoff, s, method="structured", gradient=True, jacobian=True))
    A = float(np.sum(payoff.values(s)))
    lines = ["| engine | permutations | seconds | max std error (values) | max true error (values) | "
             "max true error (gradients) | permutations for SE 1e-6 | seconds for SE 1e-6 |", "|---|---|---|---|---|---|---|---|"]
    lines.append(f"| structured exact (values, gradients, Jacobian) | - | {t_exact:.4f} | 0 | efficiency residual "
                 f"{exact.efficiency_residual:.1e} (A = {A:.3f}) | - | - | - |")
    for anti in (True, False):
        mc, t_mc = timed(lambda: shapley_values(payoff, s, method="sampling", seed=1, budget=args.perms,
                                                antithetic=anti, gradient=True), repeat=1)
        se = float(np.max(mc.std_errors))
        need = args.perms * (se / TARGET) ** 2
        lines.append(f"| sampling ({'antithetic' if anti else 'plain'}) | {args.perms} | {t_mc:.3f} | {se:.2e} | "
                     f"{np.max(np.abs(mc.values - exact.values)):.2e} | {np.max(np.abs(mc.gradient - exact.gradient)):.2e} | "
                     f"{need:.2e} | {t_mc * need / args.perms:.2e} |")
    # 30 distinct contributions: only the multilinear engine is exact there
    s_any = np.random.default_rng(3).uniform(10.0, 60.0, 30)
    ml, t_ml = timed(lambda: shapley_values(payoff, s_any, method="multilinear", gradient=True, jacobian=True))
    mc, t_mc = timed(lambda: shapley_values(payoff, s_any, method="sampling", seed=1, budget=args.perms,
                                            gradient=True), repeat=1)
    se = float(np.max(mc.std_errors))
    need = args.perms * (se / TARGET) ** 2
    lines += ["", "30 distinct contributions:", "", lines[0], lines[1],
              f"| multilinear exact (values, gradients, Jacobian) | - | {t_ml:.4f} | 0 | efficiency residual "
              f"{ml.efficiency_residual:.1e} | - | - | - |",
              f"| sampling (antithetic) | {args.perms} | {t_mc:.3f} | {se:.2e} | "
              f"{np.max(np.abs(mc.values - ml.values)):.2e} | {np.max(np.abs(mc.gradient - ml.gradient)):.2e} | "
              f"{need:.2e} | {t_mc * need / args.perms:.2e} |"]
    # the M^Shap NE of 003 Table 1's MNIST instance, certified
    from mechopt.mechanisms.mshap import ShapleyGame
    from mechopt.reciprocity.table1 import instance as table1_instance
    from mechopt.solvers.nash import solve_nash
    inst = table1_instance("MNIST", 0)
    ne, t_ne = timed(lambda: solve_nash(ShapleyGame(inst.payoff, inst.cost, inst.tau)), repeat=3)
    lines += ["", "| M^Shap NE, MNIST (n = 30) | seconds | certified max gain | verified |", "|---|---|---|---|",
              f"| Newton + Nash certificate | {t_ne:.3f} | {ne.certificate.max_gain:.1e} | {ne.certificate.verified} |"]
    lines += ["", "| mechanism kind, M^Shap, a = 1 - 1/(1 + S), n | seconds (solve + certify) | status | "
              "multilinear memory estimate | limit |", "|---|---|---|---|---|"]
    lines += mechanism_rows(args.mechanism_n)
    lines += ["", "| exact enumeration n | seconds (values + gradients) |", "|---|---|"]
    rng = np.random.default_rng(2)
    for n in (12, 14, 16):
        p = LinearIndexPayoff.grouped(np.arange(n) % 3, payoff.E[[0, 10, 20]])
        _, t = timed(lambda: shapley_values(p, rng.uniform(0, 50, n), gradient=True), repeat=3)
        lines.append(f"| {n} | {t:.3f} |")
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Shapley engines, n = 30 (benchmarks/shapley_engines.py)\n\n" + text + "\n")


def mechanism_rows(sizes: list[int]) -> list[str]:
    """The mechanism kind on 003 (12) with seeded linear costs in [0.001, 0.01] and tau = 100."""
    from mechopt.data.functions import PowerLaw, linear_cost
    from mechopt.mechanisms.catalog import mechanism
    from mechopt.reciprocity.answer import solve_mechanism
    from mechopt.valuation.shapley import MULTILINEAR_MAX_BYTES, multilinear_bytes, multilinear_t_nodes

    rows = []
    for n in sizes:
        payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, shift=1.0), n)
        cost = linear_cost(np.random.default_rng(1).uniform(0.001, 0.01, n))
        t = time.perf_counter()
        r = solve_mechanism(mechanism("shapley", payoff, cost, 100.0))
        seconds = time.perf_counter() - t
        estimate = multilinear_bytes(n, 1, multilinear_t_nodes(1.0, 1.0, 100.0 * n + 1.0).size)
        rows.append(f"| {n} | {seconds:.2f} | {r.status.value} | {estimate / 2**20:.0f} MiB | "
                    f"{MULTILINEAR_MAX_BYTES / 2**20:.0f} MiB |")
    return rows


if __name__ == "__main__":
    main()
