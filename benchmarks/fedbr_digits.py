"""001's protocols in 001 Section 5.2's full setting on digits (the MNIST stand-in): 10 agents x
100 training and 10 test images, H = 100 contribution steps, each training softmax regression
from a fresh start for T = 50 rounds of federated averaging, cost 0.005 per sample, interval 10,
contributions started at seeded multiples of 10.  Times FedAvg (everyone contributes tau_i),
FedBR and FedBR-BG (beta = 0.8) in one run and reports each one's p-mean welfare (001 Table 1's
columns).  Target: one FedBR-BG run under 10 s on 2 cores.  Then, for each protocol, the
equilibrium total mechopt predicts (certified) from a curve fitted to the server's measured a~
at 8 sizes, beside the total the run reached and the accuracy predicted beside the measured.

Run:  .venv/bin/python benchmarks/fedbr_digits.py [--step-size 1000] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from mechopt.data.power_mean import power_mean
from mechopt.learning.federated import ServerCurve, accuracies, fedavg, fedbr, split_agents
from mechopt.learning.prediction import predict

PS = (1.0, 0.8, 0.6, 0.4, 0.2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step-size", type=float, default=1000.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "fedbr_digits.md")
    args = ap.parse_args()
    X, y = load_digits(return_X_y=True)
    agents = split_agents(X / 16.0, y, 10, 100, 10, seed=0)
    costs = np.full(10, 0.005)
    start = np.random.default_rng(0).integers(0, 11, 10) * 10.0
    lines = ["| protocol | seconds | total data | mean accuracy | " + " | ".join(f"W_{p:g}" for p in PS) + " |",
             "|---|---|---|---|" + "---|" * len(PS)]
    t = time.perf_counter()
    acc = accuracies(agents, fedavg(agents, agents.capacity, 50))
    utilities = acc - costs * agents.capacity
    lines.append(f"| FedAvg | {time.perf_counter() - t:.2f} | {agents.capacity.sum():.0f} | {acc.mean():.3f} | "
                 + " | ".join(f"{power_mean(utilities, p):.3f}" for p in PS) + " |")
    curve = ServerCurve(agents, rounds=50)
    predicted = ["", "| protocol | predicted total (certified) | realized total | predicted accuracy | measured accuracy |",
                 "|---|---|---|---|---|"]
    for beta in (0.0, 0.8):
        t = time.perf_counter()
        run = fedbr(agents, costs, start, steps=100, rounds=50, step_size=args.step_size, interval=10.0, beta=beta,
                    curve=curve)
        last = run.steps[-1]
        guess = predict(run, curve, costs, agents.capacity, sizes=[10, 20, 40, 80, 160, 320, 640, 1000], beta=beta)
        predicted.append(f"| {run.protocol} | {guess.predicted_total:.0f} ({guess.answer.status.value}) | "
                         f"{guess.realized_total:.0f} | {guess.predicted_accuracy:.3f} | {guess.measured_accuracy:.3f} |")
        lines.append(f"| {run.protocol} | {time.perf_counter() - t:.2f} | {last.contributions.sum():.0f} | "
                     f"{last.accuracy.mean():.3f} | " + " | ".join(f"{run.welfare(p):.3f}" for p in PS) + " |")
    text = "\n".join(lines + predicted)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# 001's protocols on digits, Section 5.2's setting (benchmarks/fedbr_digits.py)\n\n"
                        f"2 shared cores; softmax regression, step size {args.step_size:g}.\n\n" + text + "\n")


if __name__ == "__main__":
    main()
