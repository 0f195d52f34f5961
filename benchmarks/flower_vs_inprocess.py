"""The same protocol in process and through Flower: 001 Section 5.2's setting on digits (10 agents
x 100 training and 10 test images), contributions fixed at seeded multiples of 10, T = 50 rounds
of federated averaging from the same seeded start, M_beta's payments (beta = 0.8, cost 0.005).

Three ways, side by side in one run: the in-process engine (``fedavg``), the Flower strategy and
clients without the engine (``run_local``, a LocalGrid), and Flower's simulation engine (Ray,
2 CPUs).  Reports time per round and in total, their ratios to the in-process engine, the largest
difference of the final weights and the mean accuracy each reaches on the agents' test data.
The in-process and LocalGrid runs are repeated ``--repeats`` times, the Ray run ``--ray-repeats``
times (each starts Ray afresh); the spread is min-max.

Run:  .venv/bin/python benchmarks/flower_vs_inprocess.py [--repeats 5] [--ray-repeats 2] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from mechopt.data.functions import linear_cost
from mechopt.learning.federated import accuracies, fedavg, split_agents
from mechopt.learning.flower import MechanismFedAvg, initial_weights, run_local, simulate, softmax_client_app
from mechopt.mechanisms.mbeta import MBeta

ROUNDS = 50


def spread(values: list[float]) -> str:
    return f"{np.median(values):.3g} ({min(values):.3g}-{max(values):.3g})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ray-repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "flower_vs_inprocess.md")
    args = ap.parse_args()
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    X, y = load_digits(return_X_y=True)
    agents = split_agents(X / 16.0, y, 10, 100, 10, seed=0)
    s = np.random.default_rng(0).integers(1, 11, 10) * 10.0
    rule = MBeta(linear_cost(np.full(10, 0.005)), 0.8, 10)

    def strategy() -> MechanismFedAvg:
        return MechanismFedAvg(s, agents.capacity, rule, evaluate=False)

    inproc, local, ray, startup, steady = [], [], [], [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        W = fedavg(agents, s, ROUNDS)
        inproc.append(time.perf_counter() - t)
        run = run_local(strategy(), softmax_client_app(agents), initial_weights(agents), ROUNDS)
        local.append(run.seconds)
        W_local = run.weights
    for _ in range(args.ray_repeats):
        run = simulate(strategy(), softmax_client_app(agents), initial_weights(agents), ROUNDS)
        ray.append(run.seconds)
        startup.append(run.seconds - sum(r.seconds for r in run.ledger.rounds))
        steady.append(float(np.median([r.seconds for r in run.ledger.rounds])))
        W_ray = run.weights
    per = np.median(inproc) / ROUNDS
    rows = [("in-process `fedavg`", inproc, [t / ROUNDS for t in inproc], W),
            ("Flower strategy, LocalGrid", local, [t / ROUNDS for t in local], W_local),
            ("Flower simulation (Ray)", ray, steady, W_ray)]
    lines = ["| engine | total s | s per round | per round / in-process | max abs(W - W_in-process) | mean accuracy |",
             "|---|---|---|---|---|---|"]
    for name, total, rounds, weights in rows:
        lines.append(f"| {name} | {spread(total)} | {spread(rounds)} | {np.median(rounds) / per:.3g} | "
                     f"{np.abs(weights - W).max():.2g} | {accuracies(agents, weights).mean():.3f} |")
    lines += ["", f"Flower simulation outside the rounds (Ray's start, the actors, the node registration, the "
              f"shutdown): {spread(startup)} s.  Total Ray run / in-process total: "
              f"{np.median(ray) / np.median(inproc):.3g}.",
              "", "The three agree to rounding, as they must: weighted by s_i, the clients' one-step updates "
              "average to the in-process step on the union of the samples (Algorithm 1), from the same seeded start."]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        "# In-process engine vs Flower simulation (benchmarks/flower_vs_inprocess.py)\n\n"
        f"001 Section 5.2's setting on digits (10 agents x 100 + 10 images), contributions {s.astype(int).tolist()}, "
        f"T = {ROUNDS} rounds, M_beta (beta 0.8) payments, no per-round evaluation; 2 shared cores.  Medians "
        f"(min-max) of {args.repeats} runs ({args.ray_repeats} for Ray); a round's time is from sending the "
        "training messages to the aggregated model (the Ray column: the median round of each run).\n\n" + text + "\n")


if __name__ == "__main__":
    main()
