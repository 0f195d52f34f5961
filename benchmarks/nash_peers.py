"""mechopt beside nashopt on the same Nash equilibrium instances, accuracy checked independently.

Issue 12.  nashopt (PyPI; generalized Nash equilibria from the joint KKT system with
Fischer-Burmeister complementarity, derivatives by JAX) against mechopt's semismooth Newton with
its Nash certificate.  Install both peers with the optional extra: `pip install -e '.[bench]'`
(nashopt imports qpsolvers without declaring it; the extra installs both).

Instances (every one an aggregate game; one model function u_i(own, rest) per instance feeds both
libraries and the checks):

- heterogeneous power-law games, 003 (12): u_i = 1 - alpha_i (S + 1)^-beta_i - c_i s_i on
  [0, tau_i], seeded parameters as in benchmarks/nash_newton_vs_br.py, n = 10, 100, 1 000;
  mechopt's own aggregate model (DataSharingGame), the same utilities as one vectorized callable
  f_i(s_i, S) with its exact gradient declared (``AggregativeGame``: the structure and the
  derivatives a user can state, as nashopt gets exact derivatives from JAX), and at n <= 100 as
  plain per-player callables (``ContinuousGame.from_utilities``, difference-quotient derivatives);
- the 5-firm Cournot oligopoly of Murphy, Sherali and Soyster (1982), as callables on [0, 500]^5
  (the writing that stalled before issue 12), per player and aggregative;
- 001 Example 1: a(s) = 8 - 1/(s1 + s2), costs 5 s1 and 4 s2 on [0, 2]^2, NE (0, 0.5), likewise.

Both start at the box midpoint.  nashopt runs its default solver (``hybr``, MINPACK's Powell
hybrid on the square KKT system) and its least-squares solvers ``trf`` and ``dogbox`` (only ``trf``
at n = 1 000), each in a subprocess with a time limit; JAX compiles the KKT residual and its Jacobian inside every
``solve`` call, and nashopt reports that compile time separately (``stats.jax_jit_time``); it is
reported here in its own column, and the solve time excludes it.  mechopt's time is the median of
5 runs of ``solve_nash`` and includes its certificate.

Accuracy, for either library's answer (clipped into the box; the clip distance is reported):
1. mechopt's Nash certificate at tol 1e-9 (relative to the utility scale R), and
2. an independent dense check that shares no code with either library: for every player a 4 097-point
   grid of u_i(x, s_-i) over its box, refined by scipy's bounded Brent search in the best cell and
   the cells next to s_i; the largest gain found over all players ("dense gain", absolute).

Run:  .venv/bin/python benchmarks/nash_peers.py [--timeout SECONDS] [--large-timeout SECONDS] [--out PATH]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize_scalar  # noqa: E402

GAP = 1e-9
DENSE_POINTS = 4097


# --- the models, written once for numpy (checks, mechopt) and jax.numpy (nashopt) -----------------


@dataclass(frozen=True)
class Instance:
    name: str
    n: int
    lower: np.ndarray
    upper: np.ndarray
    params: dict
    kind: str

    def utility(self, i: int, own, rest, xp):  # type: ignore[no-untyped-def]
        """u_i with own action ``own`` (array or scalar) and the others' total ``rest``."""
        p = self.params
        if self.kind == "power_law":
            return 1.0 - p["alpha"][i] * (own + rest + 1.0) ** (-p["beta"][i]) - p["cost"][i] * own
        if self.kind == "cournot":  # Murphy, Sherali, Soyster (1982), writing 1 of issue 12
            b = p["beta"][i]
            cost = p["c"][i] * own + b / (b + 1.0) * p["L"][i] ** (-1.0 / b) * own ** ((b + 1.0) / b)
            return own * 5000.0 ** (1.0 / 1.1) * (own + rest) ** (-1.0 / 1.1) - cost
        if self.kind == "example1":  # 001 Example 1
            return 8.0 - 1.0 / (own + rest) - p["c"][i] * own
        raise ValueError(self.kind)

    def gradient(self, i, own, total):  # type: ignore[no-untyped-def]
        """d/dt u_i(own + t, total + t) at t = 0 in closed form (numpy): the exact derivative a
        user declares to ``AggregativeGame``."""
        p = self.params
        if self.kind == "power_law":
            b = p["beta"][i]
            return p["alpha"][i] * b * (total + 1.0) ** (-b - 1.0) - p["cost"][i]
        if self.kind == "cournot":
            b, k = p["beta"][i], 5000.0 ** (1.0 / 1.1)
            return (k * total ** (-1.0 / 1.1) - k / 1.1 * own * total ** (-1.0 / 1.1 - 1.0) - p["c"][i]
                    - p["L"][i] ** (-1.0 / b) * own ** (1.0 / b))
        if self.kind == "example1":
            return total ** -2.0 - p["c"][i]
        raise ValueError(self.kind)


def power_law(n: int, seed: int = 0) -> Instance:
    rng = np.random.default_rng(seed)
    alpha, beta = rng.uniform(0.5, 2.0, n), rng.uniform(0.3, 1.0, n)
    cost, tau = rng.uniform(0.01, 0.1, n), rng.uniform(1.0, 10.0, n)
    return Instance(f"power law n={n}", n, np.zeros(n), tau, {"alpha": alpha, "beta": beta, "cost": cost}, "power_law")


def cournot() -> Instance:
    params = {"c": np.array([10.0, 8.0, 6.0, 4.0, 2.0]), "L": np.full(5, 5.0), "beta": np.array([1.2, 1.1, 1.0, 0.9, 0.8])}
    return Instance("Cournot MSS 1982", 5, np.zeros(5), np.full(5, 500.0), params, "cournot")


def example1() -> Instance:
    return Instance("001 Example 1", 2, np.zeros(2), np.full(2, 2.0), {"c": np.array([5.0, 4.0])}, "example1")


def build(name: str, n: int) -> Instance:
    return {"power_law": lambda: power_law(n), "cournot": cournot, "example1": example1}[name]()


# --- independent dense best-response check --------------------------------------------------------


def dense_gains(inst: Instance, s: np.ndarray) -> np.ndarray:
    """Per player: max over a dense grid refined by bounded Brent of u_i(x, s_-i), minus u_i(s)."""
    S = float(np.sum(s))
    gains = np.empty(inst.n)
    t = np.linspace(0.0, 1.0, DENSE_POINTS)
    for i in range(inst.n):
        lo, hi, rest = inst.lower[i], inst.upper[i], S - s[i]
        grid = lo + (hi - lo) * t
        with np.errstate(all="ignore"):
            values = np.where(np.isnan(v := inst.utility(i, grid, rest, np)), -np.inf, v)
            here = float(inst.utility(i, s[i], rest, np))
        best = float(np.max(values))
        k = int(np.argmax(values))
        j = int(np.clip(np.searchsorted(grid, s[i]), 1, DENSE_POINTS - 1))
        for a, b in {(grid[max(k - 1, 0)], grid[min(k + 1, DENSE_POINTS - 1)]),
                     (grid[max(j - 2, 0)], grid[min(j + 1, DENSE_POINTS - 1)])}:
            if b > a:
                with np.errstate(all="ignore"):
                    r = minimize_scalar(lambda x: -float(inst.utility(i, x, rest, np)), bounds=(a, b),
                                        method="bounded", options={"xatol": 1e-13 * max(1.0, hi - lo)})
                if np.isfinite(r.fun):
                    best = max(best, -float(r.fun))
        gains[i] = max(best - here, 0.0)
    return gains


def accuracy(inst: Instance, x: np.ndarray, game) -> dict:  # type: ignore[no-untyped-def]
    from mechopt import nash_certificate

    s = np.clip(x, inst.lower, inst.upper)
    cert = nash_certificate(game, s, tol=GAP)
    return {"clip": float(np.max(np.abs(s - x))), "verified": cert.verified, "bound": cert.max_gain,
            "scale": float(np.max(cert.scales)), "dense": float(np.max(dense_gains(inst, s)))}


# --- mechopt ----------------------------------------------------------------------------------------


VARIANTS = {"aggregate model": "native", "aggregative callable": "aggregative", "callables": "callables"}
"""mechopt's ways to state an instance: its own aggregate model (power law only), one vectorized
callable u_i = f_i(s_i, S) with its declared exact gradient (``AggregativeGame``), and per-player
callables of the whole profile (``ContinuousGame.from_utilities``, difference quotients)."""


def mechopt_game(inst: Instance, native: bool | str):  # type: ignore[no-untyped-def]
    from mechopt import AggregativeGame, ContinuousGame, DataSharingGame, LinearIndexPayoff, PowerLaw, linear_cost

    if native == "aggregative":
        players = np.arange(inst.n)
        return AggregativeGame(lambda x, S: inst.utility(players, x, S - x, np), np.stack([inst.lower, inst.upper], axis=1),
                               gradient=lambda x, S: inst.gradient(players, x, S), concave=True)
    if native is True or native == "native":
        p = inst.params
        return DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(p["alpha"], p["beta"], shift=1.0), inst.n),
                               linear_cost(p["cost"]), inst.upper)
    utilities = [(lambda i: lambda s: inst.utility(i, s[i], np.sum(s) - s[i], np))(i) for i in range(inst.n)]
    return ContinuousGame.from_utilities(utilities, np.stack([inst.lower, inst.upper], axis=1), concave=True)


def run_mechopt(inst: Instance, native: bool, repeats: int = 5) -> dict:
    from mechopt import solve_nash

    game = mechopt_game(inst, native)
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):
            result = solve_nash(game)
        runs.append((time.perf_counter() - t0, result))
    runs.sort(key=lambda r: r[0])
    seconds, result = runs[len(runs) // 2]
    x = result.certificate.point
    return {"seconds": seconds, "iterations": result.stats.iterations, "status": result.status.value,
            "termination": result.stats.termination.value, "x": x.tolist(), **accuracy(inst, x, game)}


# --- nashopt (in a subprocess: JAX compile times grow fast with n) ----------------------------------


def nashopt_worker(name: str, n: int, solver: str) -> None:
    t0 = time.perf_counter()
    import jax.numpy as jnp
    from nashopt import GNEP

    import_seconds = time.perf_counter() - t0
    inst = build(name, n)
    costs = [(lambda i: lambda x: -inst.utility(i, x[i], jnp.sum(x) - x[i], jnp))(i) for i in range(inst.n)]
    gnep = GNEP([1] * inst.n, costs, lb=inst.lower, ub=inst.upper)
    sol = gnep.solve(x0=0.5 * (inst.lower + inst.upper), solver=solver, verbose=0, max_nfev=2000)
    print(json.dumps({"x": np.asarray(sol.x, dtype=float).tolist(), "compile": sol.stats.jax_jit_time,
                      "total": sol.stats.elapsed_time, "residual": float(sol.norm_residual),
                      "kkt_evals": int(sol.stats.kkt_evals), "import": import_seconds}))


def run_nashopt(inst: Instance, name: str, solver: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, str(inst.n), solver]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"not finished in {timeout:.0f} s (killed; nashopt compiles the KKT Jacobian with JAX first)"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"failed after {wall:.0f} s: {tail[:160]}"}
    out = json.loads(lines[-1])
    out["wall"] = wall
    out["solve"] = out["total"] - out["compile"]
    game = mechopt_game(inst, native=inst.kind == "power_law")
    out.update(accuracy(inst, np.asarray(out["x"]), game))
    return out


# --- table --------------------------------------------------------------------------------------------


def _acc(r: dict) -> str:
    clip = f", clipped {r['clip']:.1e}" if r["clip"] > 0 else ""
    return f"{'yes' if r['verified'] else 'no'} (bound {r['bound']:.1e}, R {r['scale']:.2g}); dense {r['dense']:.1e}{clip}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per nashopt run (default 900)")
    parser.add_argument("--large-timeout", type=float, default=300.0,
                        help="seconds per nashopt run at n >= 1000 (default 300; no compile finished in 30 min there)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "nash_peers.md")
    parser.add_argument("--raw", type=Path, default=None, help="also write every measurement as JSON here")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        nashopt_worker(args.worker[0], int(args.worker[1]), args.worker[2])
        return
    try:
        import jax  # noqa: F401
        import nashopt  # noqa: F401
    except ModuleNotFoundError as exc:
        parser.exit(2, f"nash_peers: {exc.name} is not installed: nashopt, the peer this table measures, comes with "
                       "the bench extra (pip install -e '.[bench]')\n")
    load_start, t_start = os.getloadavg(), time.perf_counter()
    cases = [("power_law", n) for n in args.sizes] + [("cournot", 5), ("example1", 2)]
    rows = []
    for name, n in cases:
        inst = build(name, n)
        variants = [("aggregate model", "native")] if name == "power_law" else []
        variants.append(("aggregative callable", "aggregative"))
        if name != "power_law" or n <= 100:
            variants.append(("callables", "callables"))
        mech = {label: run_mechopt(inst, native) for label, native in variants}
        best_label = min(mech, key=lambda k: mech[k]["seconds"])
        for solver in ("hybr", "trf", "dogbox") if n <= 100 else ("trf",):
            limit = args.large_timeout if n >= 1000 else args.timeout
            peer = run_nashopt(inst, name, solver, limit)
            rows.append((inst, mech, best_label, solver, peer))
            print(inst.name, solver, {k: (round(v["seconds"], 4), v["status"]) for k, v in mech.items()},
                  peer.get("error") or (round(peer["compile"], 2), round(peer["solve"], 3), peer["verified"]), flush=True)
    load_end, elapsed = os.getloadavg(), time.perf_counter() - t_start
    if args.raw is not None:
        raw = [{"instance": inst.name, "n": inst.n, "mechopt": mech, "solver": solver, "nashopt": peer}
               for inst, mech, _, solver, peer in rows]
        args.raw.write_text(json.dumps(raw, indent=1, default=float))
    write_table(args, rows, load_start, load_end, elapsed)


def summary(rows) -> list[str]:  # type: ignore[no-untyped-def]
    """What the table says, counted from the rows."""
    mech = {(inst.name, k): v for inst, m, _, _, _ in rows for k, v in m.items()}
    certified = sum(v["verified"] for v in mech.values())
    worst = max(v["dense"] for v in mech.values())
    out = ["Summary:", "",
           f"- mechopt: {certified} of {len(mech)} runs certified (status equilibrium); the largest dense-check "
           f"gain over them is {worst:.1e}."]
    for solver in dict.fromkeys(r[3] for r in rows):
        peers = [(inst, p) for inst, _, _, s, p in rows if s == solver]
        ok = [inst.name for inst, p in peers if "error" not in p and p["verified"]]
        wrong = [inst.name for inst, p in peers if "error" not in p and not p["verified"]]
        failed = [f"{inst.name} ({p['error'].split(':')[0]})" for inst, p in peers if "error" in p]
        out.append(f"- nashopt `{solver}`: certified on {', '.join(ok) or 'none'}"
                   + (f"; answer not an equilibrium on {', '.join(wrong)}" if wrong else "")
                   + (f"; no answer on {', '.join(failed)}" if failed else "") + ".")
    compiles = sorted({(inst.n, round(p["compile"], 1)) for inst, _, _, _, p in rows if "compile" in p})
    by_n: dict[int, list[float]] = {}
    for n, c in compiles:
        by_n.setdefault(n, []).append(c)
    out.append("- nashopt compile time (JAX, every `solve` call) by number of players: "
               + "; ".join(f"n = {n}: {min(c):.1f}-{max(c):.1f} s" for n, c in sorted(by_n.items()))
               + "; at n = 1 000 see the table.")
    return out


def write_table(args, rows, load_start, load_end, elapsed) -> None:  # type: ignore[no-untyped-def]
    import jax

    import nashopt  # noqa: F401
    from importlib.metadata import version

    lines = [
        "# mechopt beside nashopt: Nash equilibria of the same games, accuracy checked independently",
        "",
        f"Produced by `benchmarks/nash_peers.py` on {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, mechopt {version('mechopt')}, nashopt {version('nashopt')}, jax {jax.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; {os.cpu_count()} cores, load average "
        f"{load_start[0]:.1f} at the start and {load_end[0]:.1f} at the end (this run counts about 1; other work slows both libraries); whole run {elapsed:.0f} s; "
        f"nashopt time limit {args.timeout:.0f} s per run "
        f"({args.large_timeout:.0f} s at n >= 1 000).",
        "",
        "mechopt: `solve_nash` (semismooth Newton + certificate), median of 5 runs, time includes the "
        "certificate.  nashopt: `GNEP.solve` from the box midpoint with the solver named; JAX compiles "
        "the KKT residual and its Jacobian inside every `solve` call (compile column, nashopt's own "
        "`stats.jax_jit_time`); the solve column excludes it.  Accuracy of each answer: mechopt's "
        "certificate at tol 1e-9 relative to the utility scale R (verified?, gain bound), and the "
        "independent dense check (4 097-point grid per player refined by bounded Brent; largest gain "
        "found, absolute).  Ratios are nashopt / mechopt (fastest mechopt variant).",
        "",
        "| instance | mechopt variant: time (iterations), status | mechopt answer: certified; dense gain | "
        "nashopt solver | nashopt compile | nashopt solve (KKT evals) | nashopt answer: certified; dense gain | "
        "ratio solve | ratio incl. compile |",
        "|---|---|---|---|---:|---:|---|---:|---:|",
    ]
    for inst, mech, best_label, solver, peer in rows:
        mech_cell = "<br>".join(f"{k}: {v['seconds']:.4f} s ({v['iterations']} it), {v['status']}" for k, v in mech.items())
        acc_cell = "<br>".join(f"{k}: {_acc(v)}" for k, v in mech.items())
        best = mech[best_label]["seconds"]
        if "error" in peer:
            lines.append(f"| {inst.name} | {mech_cell} | {acc_cell} | {solver} | - | {peer['error']} | - | - | - |")
            continue
        wrong = "" if peer["verified"] else " (nashopt's answer not an equilibrium)"
        lines.append(
            f"| {inst.name} | {mech_cell} | {acc_cell} | {solver} | {peer['compile']:.2f} s | "
            f"{peer['solve']:.4f} s ({peer['kkt_evals']}), residual {peer['residual']:.1e} | {_acc(peer)} | "
            f"{peer['solve'] / best:.0f}x{wrong} | {peer['total'] / best:.0f}x{wrong} |")
    lines += ["", *summary(rows), ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
