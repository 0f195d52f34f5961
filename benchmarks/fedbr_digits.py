"""001's protocols in 001 Section 5.2's full setting on digits (the MNIST stand-in): 10 agents x
100 training and 10 test images, H = 100 contribution steps, each training a model from a fresh
start for T = 50 rounds of federated averaging, cost 0.005 per sample, interval 10, step 1000,
contributions started at seeded multiples of 10; FedBR-BG with beta* of 001 (6) (0.9 here).

1. Time, side by side and repeated (median and range): FedAvg, and FedBR-BG with the paper's
   rounding and with the unbiased (stochastic) rounding, each with softmax regression and with a
   one-hidden-layer MLP (32 ReLU units).  A run trains once per distinct contribution profile (the
   training is deterministic), so the "trainings" column says how much training a time contains.
   Target (softmax regression): one FedBR-BG run under 10 s on 2 cores.
2. Every protocol's p-mean welfare (001 Table 1's columns) with softmax regression, and the
   equilibrium total mechopt predicts (certified) from a curve fitted to the server's measured a~,
   beside the total the run reached and the accuracy predicted beside the measured.

Run:  .venv/bin/python benchmarks/fedbr_digits.py [--repeats 3] [--out PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from mechopt.learning.federated import ProtocolRun, ServerCurve, fedbr, split_agents
from mechopt.learning.models import MLP, SOFTMAX
from mechopt.learning.prediction import MECHANISM_OF, predict
from mechopt.learning.protocols import fedavg_protocol, fedbr_shap, mwfed
from mechopt.mechanisms.mbeta import optimal_beta

PS = (1.0, 0.8, 0.6, 0.4, 0.2)
STEPS, ROUNDS, STEP, INTERVAL = 100, 50, 1000.0, 10.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "fedbr_digits.md")
    args = ap.parse_args()
    X, y = load_digits(return_X_y=True)
    agents = split_agents(X / 16.0, y, 10, 100, 10, seed=0)
    costs = np.full(10, 0.005)
    start = np.random.default_rng(0).integers(0, 11, 10) * INTERVAL
    beta = optimal_beta(costs).beta

    def bg(model, rounding):  # a fresh server curve each time: measuring a~ is part of a run's cost
        return lambda: fedbr(agents, costs, start, steps=STEPS, rounds=ROUNDS, step_size=STEP, interval=INTERVAL,
                             beta=beta, rounding=rounding, curve=ServerCurve(agents, ROUNDS, model=model), model=model)

    timed = {("FedAvg", "softmax regression"): lambda: fedavg_protocol(agents, costs, rounds=ROUNDS),
             ("FedAvg", "MLP (32 hidden)"): lambda: fedavg_protocol(agents, costs, rounds=ROUNDS, model=MLP()),
             ("FedBR-BG, paper's rounding", "softmax regression"): bg(SOFTMAX, "nearest"),
             ("FedBR-BG, paper's rounding", "MLP (32 hidden)"): bg(MLP(), "nearest"),
             ("FedBR-BG, stochastic rounding", "softmax regression"): bg(SOFTMAX, "stochastic"),
             ("FedBR-BG, stochastic rounding", "MLP (32 hidden)"): bg(MLP(), "stochastic")}
    times: dict[tuple[str, str], list[float]] = {k: [] for k in timed}
    runs: dict[tuple[str, str], ProtocolRun] = {}
    timed[("FedAvg", "softmax regression")]()  # warm-up
    for _ in range(args.repeats):
        for key, run in timed.items():
            t = time.perf_counter()
            runs[key] = run()
            times[key].append(time.perf_counter() - t)
    lines = ["| protocol | model | seconds: median (min-max) | trainings | total data | mean accuracy | W_1 |",
             "|---|---|---|---|---|---|---|"]
    for (name, model), ts in times.items():
        r = runs[(name, model)]
        lines.append(f"| {name} | {model} | {np.median(ts):.2f} ({min(ts):.2f}-{max(ts):.2f}) | "
                     f"{len({s.contributions.tobytes() for s in r.steps})} | {r.totals[-1]:.0f} | "
                     f"{r.steps[-1].accuracy.mean():.3f} | {r.welfare(1.0):.3f} |")
    curve = ServerCurve(agents, rounds=ROUNDS)
    common = {"steps": STEPS, "rounds": ROUNDS, "interval": INTERVAL}
    protocols = {
        "FedAvg": lambda: fedavg_protocol(agents, costs, rounds=ROUNDS),
        "MWFed": lambda: mwfed(agents, costs, start, target=0.9, eta=0.5, **common),
        "FedBR": lambda: fedbr(agents, costs, start, step_size=STEP, curve=curve, **common),
        "FedBR-BG": lambda: fedbr(agents, costs, start, step_size=STEP, beta=beta, curve=curve, **common),
        "FedBR-Shap": lambda: fedbr_shap(agents, costs, start, step_size=STEP, curve=curve, **common),
        "FedBR, stochastic rounding": lambda: fedbr(agents, costs, start, step_size=STEP, curve=curve,
                                                    rounding="stochastic", **common),
        "FedBR-BG, stochastic rounding": lambda: fedbr(agents, costs, start, step_size=STEP, beta=beta, curve=curve,
                                                       rounding="stochastic", **common)}
    welfare = ["| protocol | seconds | total data | mean accuracy | " + " | ".join(f"W_{p:g}" for p in PS) + " |",
               "|---|---|---|---|" + "---|" * len(PS)]
    predicted = ["| protocol | mechanism | predicted total (certified) | realized total | gap | "
                 "predicted accuracy at realized | measured accuracy |", "|---|---|---|---|---|---|---|"]
    for name, make in protocols.items():
        t = time.perf_counter()
        run = make()
        seconds = time.perf_counter() - t
        last = run.steps[-1]
        welfare.append(f"| {name} | {seconds:.2f} | {last.contributions.sum():.0f} | {last.accuracy.mean():.3f} | "
                       + " | ".join(f"{run.welfare(p):.3f}" for p in PS) + " |")
        if run.protocol in MECHANISM_OF:
            guess = predict(run, curve, costs, agents.capacity, sizes=[10, 20, 40, 80, 160, 320, 640, 1000], beta=beta)
            predicted.append(f"| {name} | {MECHANISM_OF[run.protocol]} | {guess.predicted_total:.0f} "
                             f"({guess.answer.status.value}) | {guess.realized_total:.0f} | {guess.gap:+.0f} | "
                             f"{guess.predicted_accuracy:.3f} | {guess.measured_accuracy:.3f} |")
    text = "\n".join(lines + [""] + welfare + [""] + predicted)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        "# 001's protocols on digits, Section 5.2's setting (benchmarks/fedbr_digits.py)\n\n"
        f"2 shared cores (other jobs running beside it); step size {STEP:g}, beta* = {beta:g}; times over "
        f"{args.repeats} repetitions, side by side in one run.  A run trains once per distinct contribution profile "
        "('trainings'): with the paper's rounding the steps stall (the dead zone, docs/learning.md), so those runs "
        "train a few times; the stochastic rounding moves and trains at most every step.  Training runs BLAS on one "
        "thread (mechopt/learning/federated.py's module doc).\n\n" + text + "\n")


if __name__ == "__main__":
    main()
