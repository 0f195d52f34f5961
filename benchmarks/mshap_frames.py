"""M^Shap's Nash certificate (003 (7): u_i = phi_i^A(s) - c_i(s_i)) with each agent's marginal
frame built once per profile, against rebuilding the n frames at every evaluation, side by side.

A frame (``valuation.shapley.MarginalFrame``) is phi_i(x, s_-i) as a function of agent i's own
action: the indices of the others' 2^(n-1) coalitions (or count vectors) and their values.  The
certificate's searches evaluate the same profile many times; :class:`ShapleyGame` now keeps the
frames of the last profile (``ShapleyGame.frames``), where it used to build all n at every
evaluation.  "rebuilt" is that former behaviour (``deviation_values``, which builds fresh frames
per call).  Both must give the same certificate (gains, best responses, scales) to the last bit.

Instances: 003 Section 5.1's grouped payoff a_i = 1 - 1/(1 + sum_t w[g(i), t] S_t) with a seeded
w, quadratic costs, n = 10 (two groups, the enumeration engine) and n = 30 (three groups of ten at
a profile constant within groups, the type-count engine), at their certified M^Shap equilibrium.
CPU seconds, median of ``--repeat`` runs of ``certify_nash`` on a game with no frames yet.

Run:  .venv/bin/python benchmarks/mshap_frames.py [--repeat 5] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

import mechopt.valuation.shapley as shapley
from mechopt.certificates.nash import certify_nash, nash_certificate
from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyGame
from mechopt.solvers.nash import solve_nash


class RebuiltFrames(ShapleyGame):
    """The former evaluation: every agent's frame built again at every call."""

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        x = np.asarray(x, dtype=float)
        method = shapley.shapley_engine(self.payoff, s, self.engine)
        return shapley.deviation_values(self.payoff, s, x, method=method) - self.cost.value(x)


def instance(groups: int, per: int, engine: str) -> tuple[LinearIndexPayoff, Quadratic, str]:
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 1.0, (groups, groups))
    np.fill_diagonal(w, 1.0)
    cost = Quadratic(np.repeat(np.linspace(0.002, 0.004, groups), per), curvature=1e-4)
    return LinearIndexPayoff.grouped(np.repeat(np.arange(groups), per), w), cost, engine


def measure(game_type: type[ShapleyGame], payoff: LinearIndexPayoff, cost: Quadratic, engine: str,
            answer, repeat: int) -> tuple[float, int, object]:  # type: ignore[no-untyped-def]
    """Median CPU seconds of certify_nash on a fresh game, the frames built, and the certificate."""
    built = [0]
    original = shapley.marginal_frame

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        built[0] += 1
        return original(*args, **kwargs)

    times = []
    shapley.marginal_frame = counted
    try:
        for _ in range(repeat):
            built[0] = 0
            game = game_type(payoff, cost, 100.0, engine=engine)
            t0 = time.process_time()
            certify_nash(game, answer)
            times.append(time.process_time() - t0)
        frames = built[0]
        cert = nash_certificate(game_type(payoff, cost, 100.0, engine=engine), answer.profile)
    finally:
        shapley.marginal_frame = original
    return float(np.median(times)), frames, cert


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "mshap_frames.md")
    args = ap.parse_args()
    lines = ["# M^Shap Nash certificate: frames kept per profile (benchmarks/mshap_frames.py)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; CPU "
             f"seconds of `certify_nash` (median of {args.repeat}), same process, side by side.", "",
             "| instance | engine | frames built: rebuilt / kept | seconds: rebuilt | seconds: kept | speed-up | "
             "same certificate | verified |", "|---|---|---|---|---|---|---|---|"]
    for groups, per, engine in ((2, 5, "exact"), (3, 10, "structured")):
        payoff, cost, engine = instance(groups, per, engine)
        answer = solve_nash(ShapleyGame(payoff, cost, 100.0, engine=engine))
        t_old, f_old, c_old = measure(RebuiltFrames, payoff, cost, engine, answer, args.repeat)
        t_new, f_new, c_new = measure(ShapleyGame, payoff, cost, engine, answer, args.repeat)
        same = all(np.array_equal(getattr(c_old, k), getattr(c_new, k))
                   for k in ("gains", "found_gains", "scales", "best_responses", "max_gain"))
        lines.append(f"| n = {payoff.n} ({groups} groups) | {engine} | {f_old} / {f_new} | {t_old:.3f} | {t_new:.3f} | "
                     f"{t_old / t_new:.1f}x | {same} | {answer.success} |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
