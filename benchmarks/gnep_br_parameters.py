"""Best-response dynamics for generalized games: each player's cvxpy program built once with
Parameters for the others' strategies (``gnep_br_solve``) against one built afresh for every
reply, the others' strategies baked in as constants (how the dynamics ran before; written here
from the games' formulas, as tests/test_gnep.py's reference).

Issue 22.  Instances: Facchinei-Kanzow and Harker (tests/test_gnep.py), vector data sharing with a
capacity (models/gnep_data_sharing_capacity.toml, 3 agents x 2 types) and the seeded 20 agents x 3
types of benchmarks/gnep_peers.py.  Both run the same number of Gauss-Seidel rounds from the box
midpoint (``--rounds``, the convergence test off), alternately in one process after one warm-up
each; times are medians of ``--repeat`` runs with their spread.  ``max |x_new - x_fresh|`` is the
largest difference of the final iterates (Clarabel resolves a reply to about the square root of
its gap tolerance where the best-response set is flat along the shared constraint).

Run:  .venv/bin/python benchmarks/gnep_br_parameters.py [--rounds 10] [--repeat 5]
      [--out benchmarks/results/gnep_br_parameters.md]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

from mechopt.games.gnep_families import QuadraticGame, VectorDataSharingGame  # noqa: E402
from mechopt.io.files import load_model_file  # noqa: E402
from mechopt.io.schemas.gnep import GNEPModel, build_generalized_game  # noqa: E402
from mechopt.solvers.gnep_br import CLARABEL_ACCURACY, best_response, gnep_br_solve, response_scale  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
Game = QuadraticGame | VectorDataSharingGame


def fresh_reply(game: Game, x: np.ndarray, i: int) -> np.ndarray:
    """Player i's best response from a program built for this x alone (constants, no Parameters);
    where it has no solution (the others alone exceed the capacity), ``best_response``'s SLSQP, as
    both versions of the dynamics do."""
    import cvxpy as cp

    b = game.block(i)
    y = cp.Variable(game.dims[i])
    if isinstance(game, QuadraticGame):
        rest = np.array(x)
        rest[b] = 0.0
        objective = -(0.5 * cp.quad_form(y, game.Q[i][b, b], assume_PSD=True)
                      + (game.Q[i][b, :] @ rest + game.c[i][b]) @ y)
        constraints = [y >= game.lower[b], y <= game.upper[b], game.A[:, b] @ y + game.A @ rest <= game.b]
    else:
        X = x.reshape(-1, game.types)
        others = X.sum(axis=0) - X[i] + game.shift
        objective = sum(-game.coefficient[i, t] * cp.power(y[t] + others[t], -game.exponent[i, t], approx=False)
                        - game.slope[i, t] * y[t] - 0.5 * game.curvature[i, t] * cp.square(y[t])
                        for t in range(game.types))
        constraints = [y >= 0, y <= game.tau[i], cp.sum(y) + float(X.sum() - X[i].sum()) <= game.capacity]
    problem = cp.Problem(cp.Maximize(objective / response_scale(game, x, i)), constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(solver=cp.CLARABEL, **CLARABEL_ACCURACY)
    if y.value is None:
        return best_response(game, x, i)
    return np.clip(np.asarray(y.value, dtype=float).ravel(), game.lower[b], game.upper[b])


def fresh_dynamics(game: Game, rounds: int) -> np.ndarray:
    x = 0.5 * (game.lower + game.upper)
    for _ in range(rounds):
        for i in range(game.n):
            x[game.block(i)] = fresh_reply(game, x, i)
    return x


def instances() -> list[tuple[str, Game]]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gnep_peers import large_data_sharing

    quadratic = {
        "facchinei_kanzow": QuadraticGame(Q=[np.diag([2.0, 0.0]), np.diag([0.0, 2.0])], c=[[-2.0, 0.0], [0.0, -1.0]],
                                          bounds=[[(0.0, 2.0)], [(0.0, 2.0)]], A=[[1.0, 1.0]], b=[1.0]),
        "harker": QuadraticGame(Q=[[[2.0, 8 / 3], [8 / 3, 0.0]], [[0.0, 5 / 4], [5 / 4, 2.0]]],
                                c=[[-34.0, 0.0], [0.0, -24.25]], bounds=[[(0.0, 10.0)], [(0.0, 10.0)]],
                                A=[[1.0, 1.0]], b=[15.0]),
    }
    model = GNEPModel.model_validate(load_model_file(ROOT / "models" / "gnep_data_sharing_capacity.toml"))
    small = build_generalized_game(model.game)
    assert isinstance(small, VectorDataSharingGame)
    return [*quadratic.items(), ("data_sharing_3x2", small), ("data_sharing_20x3", large_data_sharing())]


def timed(run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    t = time.perf_counter()
    x = run()
    return time.perf_counter() - t, x


def measure(name: str, game: Game, rounds: int, repeat: int) -> dict[str, Any]:
    fresh = lambda: fresh_dynamics(game, rounds)  # noqa: E731
    built = lambda: gnep_br_solve(game, max_iter=rounds, tol=-1.0).x  # noqa: E731
    fresh(), built()  # warm-up
    times: dict[str, list[float]] = {"fresh": [], "built": []}
    for _ in range(repeat):
        for label, run in (("fresh", fresh), ("built", built)):
            seconds, x = timed(run)
            times[label].append(seconds)
            if label == "fresh":
                x_fresh = x
            else:
                x_built = x
    ratios = [f / b for f, b in zip(times["fresh"], times["built"])]
    return {"instance": name, "replies": rounds * game.n, "fresh": times["fresh"], "built": times["built"],
            "ratio": statistics.median(ratios), "ratio_spread": (min(ratios), max(ratios)),
            "difference": float(np.max(np.abs(x_fresh - x_built)))}


def markdown(rows: list[dict[str, Any]], rounds: int, repeat: int) -> str:
    lines = ["# Best-response dynamics: programs built once vs built for every reply", "",
             f"benchmarks/gnep_br_parameters.py; {platform.machine()}, Python {platform.python_version()}, "
             f"{rounds} Gauss-Seidel rounds from the box midpoint, median of {repeat} alternating runs "
             "(min-max in brackets), on a machine shared with other jobs.", "",
             "| instance | replies | built afresh s | built once s | ratio (spread) | max abs x difference |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        f, b = r["fresh"], r["built"]
        lines.append(f"| {r['instance']} | {r['replies']} | {statistics.median(f):.3f} [{min(f):.3f}-{max(f):.3f}] "
                     f"| {statistics.median(b):.3f} [{min(b):.3f}-{max(b):.3f}] "
                     f"| {r['ratio']:.2f} ({r['ratio_spread'][0]:.2f}-{r['ratio_spread'][1]:.2f}) "
                     f"| {r['difference']:.1e} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gnep_br_parameters.md")
    args = parser.parse_args()
    rows = [measure(name, game, args.rounds, args.repeat) for name, game in instances()]
    text = markdown(rows, args.rounds, args.repeat)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
