"""mechopt beside nashopt on generalized Nash equilibrium problems, accuracy checked by mechopt's
generalized Nash certificate (which shares no code with either solver).

Issue 22.  Instances:

- the generalized-game examples nashopt's repository ships (bemporad/nashopt, examples/gne and
  examples/vgne): ``example_gne_1`` (3 agents of sizes 2, 1, 1, one shared constraint),
  ``example_gne_2`` (10 agents, Salehisadaghiani-Shi-Pavel, no shared constraint),
  ``example_gne_3`` (2 agents of size 10, two shared constraints), ``example_vgne_1`` (3 agents of
  size 2, 6 shared inequalities and 1 shared equality, seeded as there);
- two classic games: Facchinei and Kanzow (2007) and Harker (1991) (tests/test_gnep.py);
- vector data sharing with a capacity: models/gnep_data_sharing_capacity.toml (3 agents, 2 types)
  and a seeded 20 agents x 3 types instance.

Every quadratic example is written once in jax.numpy for nashopt; mechopt takes the same
functions as a :class:`~mechopt.games.gnep_families.QuadraticGame` (Q_i, c_i, d_i read off by
jax.hessian and jax.grad at 0: exact for quadratics); a shared equality a^T x = b becomes the two
inequalities a^T x <= b, -a^T x <= -b.  The data-sharing games are written for nashopt from the
same formula.  nashopt solves the variational GNE (``variational=True``, its default solver, from
the box midpoint); mechopt runs ``solve_gnep`` (semismooth Newton, certificate included).  Times:
median of ``--repeat`` runs each, side by side in one process, after one warm-up solve (cvxpy's
import); nashopt's JAX compile time (``stats.jax_jit_time``, paid at every ``solve`` call) is
reported apart and left out of its solve time.

Accuracy: mechopt's certificate at tol 1e-9 on either answer (nashopt's x clipped into the
boxes, its multipliers of the shared inequalities, equalities split by sign): ``verified`` and the
largest gain bound and KKT gap relative to the players' utility scale.

Run:  .venv/bin/python benchmarks/gnep_peers.py [--repeat 3] [--out benchmarks/results/gnep_peers.md]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

from mechopt.certificates.gnep import gnep_certificate  # noqa: E402
from mechopt.games.generalized import GeneralizedGame  # noqa: E402
from mechopt.games.gnep_families import QuadraticGame, VectorDataSharingGame  # noqa: E402
from mechopt.io.files import load_model_file  # noqa: E402
from mechopt.io.schemas.gnep import GNEPModel, build_generalized_game  # noqa: E402
from mechopt.solvers.gnep import solve_gnep  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-9


@dataclass
class Instance:
    name: str
    source: str
    game: GeneralizedGame
    nashopt: Callable[[], Any]
    """Builds nashopt's GNEP (variational=True)."""
    equalities: int = 0
    """Shared equalities at the end of mechopt's A (each as two rows), for splitting nashopt's multipliers."""


# --- nashopt's examples, as its repository writes them ----------------------------------------------

def _quadratic_from(fs: list, sizes: list[int], lb: np.ndarray, ub: np.ndarray, A=None, b=None) -> QuadraticGame:  # type: ignore[no-untyped-def]
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    z = jnp.zeros(sum(sizes))
    Q = [np.asarray(jax.hessian(f)(z)) for f in fs]
    c = [np.asarray(jax.grad(f)(z)) for f in fs]
    d = [float(f(z)) for f in fs]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    bounds = [[(float(lb[j]), float(ub[j])) for j in range(offsets[i], offsets[i + 1])] for i in range(len(sizes))]
    return QuadraticGame(Q, c, bounds, A=A, b=b, d=d)


def gne_1() -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    sizes = [2, 1, 1]
    fs = [lambda x: jnp.sum((x[0:2] - jnp.array([1.0, -0.5])) ** 2), lambda x: (x[2] + 0.3) ** 2,
          lambda x: (x[3] - 0.5 * (x[0] + x[2])) ** 2]
    A, b = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([2.0])
    lb, ub = np.zeros(4), np.ones(4)
    game = _quadratic_from(fs, sizes, lb, ub, A, b)
    return Instance("example_gne_1", "nashopt examples/gne", game,
                    lambda: GNEP(sizes, f=fs, g=lambda x: jnp.array([x[3] + x[0] + x[2] - 2.0]), ng=1, lb=lb, ub=ub,
                                 variational=True))


def gne_2() -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    N = 10

    def cost(x, i):  # type: ignore[no-untyped-def]
        return N * (1.0 + i / 2.0) * x[i] - x[i] * (60.0 * N - jnp.sum(x))

    fs = [partial(cost, i=i) for i in range(N)]
    lb, ub = 7.0 * np.ones(N), 100.0 * np.ones(N)
    return Instance("example_gne_2", "nashopt examples/gne (Salehisadaghiani et al.)",
                    _quadratic_from(fs, [1] * N, lb, ub), lambda: GNEP([1] * N, f=fs, lb=lb, ub=ub, variational=True))


def gne_3() -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    sizes = [10, 10]
    fs = [lambda x: jnp.sum((x[:10] + x[10:]) ** 2) + jnp.sum(x ** 2),
          lambda x: jnp.sum((x[:10] + x[10:] - 10.0) ** 2) + jnp.sum(x ** 2)]
    A = np.vstack((np.ones((1, 20)), -np.ones((1, 20))))
    b = np.array([15.0, 15.0])
    lb, ub = -3.0 * np.ones(20), 3.0 * np.ones(20)
    return Instance("example_gne_3", "nashopt examples/gne", _quadratic_from(fs, sizes, lb, ub, A, b),
                    lambda: GNEP(sizes, f=fs, g=lambda x: A @ x - b, ng=2, lb=lb, ub=ub, variational=True))


def vgne_1() -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    np.random.seed(3)  # as the example
    sizes, nvar = [2] * 3, 6
    Qs, cs = [], []
    for _ in sizes:
        Qi = np.random.randn(nvar, nvar)
        Qs.append(Qi @ Qi.T + 1e-3 * np.eye(nvar))
        cs.append(10.0 * np.random.randn(nvar))
    fs = [partial(lambda x, Qi, ci: 0.5 * x @ Qi @ x + ci @ x, Qi=jnp.asarray(Q), ci=jnp.asarray(c)) for Q, c in zip(Qs, cs)]
    A = 0.5 * np.random.randn(3, nvar)
    A = np.vstack((A, -A))
    b = np.random.rand(6)
    Aeq, beq = np.ones((1, nvar)), np.array([1.0])
    lb, ub = -np.ones(nvar), np.ones(nvar)
    game = _quadratic_from(fs, sizes, lb, ub, np.vstack([A, Aeq, -Aeq]), np.concatenate([b, beq, -beq]))
    return Instance("example_vgne_1", "nashopt examples/vgne", game,
                    lambda: GNEP(sizes, f=fs, g=lambda x: A @ x - b, ng=6, lb=lb, ub=ub, Aeq=Aeq, beq=beq,
                                 variational=True), equalities=1)


def classic(name: str) -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    if name == "facchinei_kanzow":
        fs = [lambda x: (x[0] - 1.0) ** 2, lambda x: (x[1] - 0.5) ** 2]
        lb, ub, b = np.zeros(2), 2.0 * np.ones(2), 1.0
    else:
        fs = [lambda x: x[0] ** 2 + 8.0 / 3.0 * x[0] * x[1] - 34.0 * x[0],
              lambda x: x[1] ** 2 + 1.25 * x[0] * x[1] - 24.25 * x[1]]
        lb, ub, b = np.zeros(2), 10.0 * np.ones(2), 15.0
    A = np.array([[1.0, 1.0]])
    return Instance(name, "Facchinei-Kanzow 2007" if name == "facchinei_kanzow" else "Harker 1991",
                    _quadratic_from(fs, [1, 1], lb, ub, A, np.array([b])),
                    lambda: GNEP([1, 1], f=fs, g=lambda x: jnp.array([x[0] + x[1] - b]), ng=1, lb=lb, ub=ub,
                                 variational=True))


def data_sharing(game: VectorDataSharingGame, name: str, source: str) -> Instance:
    import jax.numpy as jnp
    from nashopt import GNEP

    n, T = game.tau.shape
    coef, expo, top = jnp.asarray(game.coefficient), jnp.asarray(game.exponent), jnp.asarray(game.top)
    slope, curv, icpt = jnp.asarray(game.slope), jnp.asarray(game.curvature), jnp.asarray(game.intercept)

    def cost(x, i):  # type: ignore[no-untyped-def]  # nashopt minimizes -u_i
        X = x.reshape(n, T)
        S = X.sum(axis=0) + game.shift
        a = top[i] - coef[i] * S ** (-expo[i])
        c = slope[i] * X[i] + 0.5 * curv[i] * X[i] ** 2 + icpt[i]
        return -jnp.sum(a - c)

    fs = [partial(cost, i=i) for i in range(n)]
    C = game.capacity
    return Instance(name, source, game,
                    lambda: GNEP([T] * n, f=fs, g=lambda x: jnp.array([jnp.sum(x) - C]), ng=1, lb=game.lower,
                                 ub=game.upper, variational=True))


def large_data_sharing() -> VectorDataSharingGame:
    rng = np.random.default_rng(22)
    n, T = 20, 3
    return VectorDataSharingGame(rng.uniform(2.0, 10.0, (n, T)), rng.uniform(0.5, 1.5, (n, T)),
                                 np.tile(rng.uniform(0.4, 1.0, T), (n, 1)), np.ones((n, T)),
                                 rng.uniform(0.005, 0.03, (n, T)), np.zeros((n, T)), np.zeros((n, T)), shift=1.0,
                                 capacity=40.0)


def instances() -> list[Instance]:
    model = GNEPModel.model_validate(load_model_file(ROOT / "models" / "gnep_data_sharing_capacity.toml"))
    small = build_generalized_game(model.game)
    assert isinstance(small, VectorDataSharingGame)
    return [gne_1(), gne_2(), gne_3(), vgne_1(), classic("facchinei_kanzow"), classic("harker"),
            data_sharing(small, "data_sharing_3x2", "models/gnep_data_sharing_capacity.toml"),
            data_sharing(large_data_sharing(), "data_sharing_20x3", "seeded, capacity 40")]


# --- runs and checks ------------------------------------------------------------------------------

def check(game: GeneralizedGame, x: np.ndarray, mu: np.ndarray) -> dict[str, Any]:
    """mechopt's certificate on an answer: verified, worst gain bound and KKT gap / utility scale."""
    cert = gnep_certificate(game, np.clip(x, game.lower, game.upper), mu, tol=TOL)
    rel = lambda v: float(np.max(v / np.maximum(cert.scales, 1e-300)))  # noqa: E731
    return {"verified": cert.verified, "gain": rel(cert.gains), "kkt_gap": rel(cert.kkt_gaps),
            "clip": float(np.max(np.abs(np.clip(x, game.lower, game.upper) - x)))}


def nashopt_multipliers(inst: Instance, lam: list) -> np.ndarray:  # type: ignore[type-arg]
    """The shared inequalities' multipliers of agent 0 (equal across agents when variational),
    then each shared equality's split into its two inequalities."""
    m_ineq = inst.game.m - 2 * inst.equalities
    first = np.asarray(lam[0], dtype=float) if lam else np.zeros(0)
    ineq = first[:m_ineq]
    eq = first[first.size - inst.equalities:] if inst.equalities else np.zeros(0)
    return np.concatenate([ineq, np.maximum(eq, 0.0), np.maximum(-eq, 0.0)])


def run(inst: Instance, repeat: int) -> dict[str, Any]:
    game = inst.game
    mech_times, method_times, mech = [], [], None
    for _ in range(repeat):
        t = time.perf_counter()
        mech = solve_gnep(game)
        mech_times.append(time.perf_counter() - t)
        method_times.append(float(mech.stats.parameters["solve_seconds"]))
    assert mech is not None
    x0 = 0.5 * (game.lower + game.upper)
    peer_times, jit, sol = [], [], None
    for _ in range(repeat):
        gnep = inst.nashopt()
        t = time.perf_counter()
        sol = gnep.solve(x0, verbose=0)
        compile_s = float(sol.stats.jax_jit_time)  # inside stats.elapsed_time
        peer_times.append(time.perf_counter() - t - compile_s)
        jit.append(compile_s)
    assert sol is not None
    x_peer = np.asarray(sol.x, dtype=float)
    row = {"instance": inst.name, "source": inst.source, "players": game.n, "coordinates": game.size,
           "shared": game.m, "mechopt_s": statistics.median(mech_times), "mechopt_spread": [min(mech_times), max(mech_times)],
           "nashopt_s": statistics.median(peer_times), "nashopt_spread": [min(peer_times), max(peer_times)],
           "nashopt_jit_s": statistics.median(jit), "mechopt_method_s": statistics.median(method_times),
           "mechopt_status": mech.status.value,
           "mechopt": check(game, game.join(mech.profile), mech.multipliers),
           "nashopt": check(game, x_peer, nashopt_multipliers(inst, sol.lam)),
           "distance": float(np.max(np.abs(game.join(mech.profile) - np.clip(x_peer, game.lower, game.upper))))}
    row["ratio"] = row["mechopt_s"] / row["nashopt_s"]
    row["ratio_with_jit"] = row["mechopt_s"] / (row["nashopt_s"] + row["nashopt_jit_s"])
    return row


def markdown(rows: list[dict[str, Any]], repeat: int) -> str:
    lines = ["# mechopt vs nashopt on generalized Nash equilibrium problems", "",
             f"benchmarks/gnep_peers.py; {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
             f"median of {repeat} runs (min-max in brackets). Accuracy: mechopt's generalized Nash certificate at tol "
             f"1e-9 on each answer (gain bound and KKT gap relative to the utility scale).", "",
             "mechopt s: `solve_gnep` with its certificate (Newton alone in parentheses); nashopt s: its default "
             "solver without the JAX compile it pays at every `solve` call (that compile in parentheses); ratio: "
             "mechopt s / nashopt s, and / (nashopt s + compile).", "",
             "| instance | players / coords / shared | mechopt s (Newton) | nashopt s (+ compile) | ratio, with compile "
             "| mechopt verified, gain, gap | nashopt verified, gain, gap | max abs x_m - x_n |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m, p = r["mechopt"], r["nashopt"]
        lines.append(
            f"| {r['instance']} | {r['players']} / {r['coordinates']} / {r['shared']} "
            f"| {r['mechopt_s']:.3f} [{r['mechopt_spread'][0]:.3f}-{r['mechopt_spread'][1]:.3f}] ({r['mechopt_method_s']:.3f}) "
            f"| {r['nashopt_s']:.3f} [{r['nashopt_spread'][0]:.3f}-{r['nashopt_spread'][1]:.3f}] (+{r['nashopt_jit_s']:.2f}) "
            f"| {r['ratio']:.2f}, {r['ratio_with_jit']:.3f} | {m['verified']}, {m['gain']:.1e}, {m['kkt_gap']:.1e} "
            f"| {p['verified']}, {p['gain']:.1e}, {p['kkt_gap']:.1e} | {r['distance']:.1e} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gnep_peers.md")
    args = parser.parse_args()
    try:
        import jax
        import nashopt  # noqa: F401
    except ModuleNotFoundError as exc:
        parser.exit(2, f"gnep_peers: {exc.name} is not installed: nashopt, the peer this table measures, comes with "
                       "the bench extra (pip install -e '.[bench]')\n")
    jax.config.update("jax_enable_x64", True)
    cases = instances()
    solve_gnep(cases[4].game)  # warm-up: cvxpy's import
    rows = []
    for inst in cases:
        row = run(inst, args.repeat)
        print(json.dumps(row), flush=True)
        rows.append(row)
    text = markdown(rows, args.repeat)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
