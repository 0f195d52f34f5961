"""The data-maximizing equilibrium m^max of value shaping (000 (11), Theorem IV) with its certificate:
the structured solver (one scalar equation for the total, bracketed; closed-form profile; exact
piecewise certificate) at n up to 10^7, the model-file round trip at the largest n a model file takes
(10^6: solve, save, read, verify), and the generic `solve_nash` on the same game.

Instance: v(m) = max(0, 1 - m^-1/2) (power law, m0 = 1), heterogeneous costs c_i ~ U[1e-4, 1e-2]
(seeded), eps = 0 (the limit of Theorem IV).  Structured: `solve_value_shaping` (solo optima, the
free-riding equilibrium, every fixed point, viability, each certified by `certify_value_shaping`)
at n = 10^6 (median of 3), 10^7 (once) and 1 000; `certify_value_shaping` alone on the answer (what
`mechopt verify` recomputes).  Generic at n = 1 000: `solve_nash(game, method=...)` from its default
start; its point is compared with m^max, and the generic Nash certificate is also computed at m^max
itself.

Run:  .venv/bin/python benchmarks/value_shaping.py [--out PATH] [--generic-n N] [--largest-n N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from mechopt.certificates.nash import nash_certificate  # noqa: E402
from mechopt.data.functions import PowerLaw  # noqa: E402
from mechopt.io.registry import answer_model, verify_envelope  # noqa: E402
from mechopt.solvers.nash import solve_nash  # noqa: E402
from mechopt.valueshaping.certify import certify_value_shaping  # noqa: E402
from mechopt.valueshaping.equilibrium import solve_value_shaping  # noqa: E402
from mechopt.valueshaping.mechanisms import ValueShaping  # noqa: E402
from mechopt.valueshaping.value import ValueOfData  # noqa: E402

VALUE = ValueOfData(PowerLaw(alpha=1.0, beta=0.5, top=1.0))


def costs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(1e-4, 1e-2, n)


def structured(n: int, repeats: int) -> tuple[float, float, object]:
    """(median seconds of the certified solve, seconds of the certifier alone, the answer)."""
    c = costs(n)
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = solve_value_shaping(VALUE, c)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    certify_value_shaping(VALUE, c, 0.0, result)  # type: ignore[arg-type]
    return statistics.median(times), time.perf_counter() - t0, result


def round_trip(n: int) -> dict:
    """A model file's path: solve and certify, the envelope written as JSON, read back, verified."""
    raw = {"kind": "value_shaping", "n": n, "value": {"family": "power_law", "coefficient": 1.0, "exponent": 0.5, "top": 1.0},
           "cost": {"slope": costs(n).tolist()}}
    t0 = time.perf_counter()
    envelope = answer_model(raw)
    t1 = time.perf_counter()
    text = json.dumps(envelope, indent=2)
    t2 = time.perf_counter()
    verdict = verify_envelope(json.loads(text))
    t3 = time.perf_counter()
    return {"solve": t1 - t0, "write": t2 - t1, "verify": t3 - t2, "mib": len(text) / 2**20,
            "established": verdict.established}


def generic(n: int, method: str) -> dict:
    c = costs(n)
    game = ValueShaping(VALUE, c).game()
    ref = solve_value_shaping(VALUE, c)
    t0 = time.perf_counter()
    res = solve_nash(game, method=method)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    point = res.profile
    t1 = time.perf_counter()
    at_ref = nash_certificate(game, ref.profile)
    cert_seconds = time.perf_counter() - t1
    return {"seconds": seconds, "status": res.status.value, "found_gain": float(np.max(res.certificate.found_gains)),
            "gain_bound": res.certificate.max_gain, "total_ratio": float(point.sum() / ref.total_data),
            "cert_seconds": cert_seconds, "cert_verified": at_ref.verified, "cert_found": float(np.max(at_ref.found_gains)),
            "cert_bound": at_ref.max_gain}


def _row(label: str, n: int, seconds: float, certify: float, r) -> str:  # type: ignore[no-untyped-def]
    return (f"| {label} | {n:,} | {seconds:.3f} | {certify:.3f} | {r.status.value} ({r.message}) | "
            f"max gain {r.certificate.max_gain:.2g} | {r.total_data:.6g} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "value_shaping.md")
    ap.add_argument("--generic-n", type=int, default=1000)
    ap.add_argument("--largest-n", type=int, default=10**7)
    args = ap.parse_args()
    t_big, c_big, r_big = structured(10**6, 3)
    print("10^6", t_big, c_big, flush=True)
    t_huge, c_huge, r_huge = structured(args.largest_n, 1)
    print(args.largest_n, t_huge, c_huge, flush=True)
    t_small, c_small, r_small = structured(args.generic_n, 5)
    trip = round_trip(10**6)
    print("round trip", trip, flush=True)
    rows = []
    for method in ("newton", "br"):
        g = generic(args.generic_n, method)
        rows.append((method, g))
        print(method, g, flush=True)
    lines = [
        "# Value shaping: m^max with certificate, structured vs generic `solve_nash`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}.  Instance: v = max(0, 1 - m^-1/2), c_i ~ U[1e-4, 1e-2], eps = 0.",
        "Written by `benchmarks/value_shaping.py`.  Seconds of the certified solve (solver and certifier), "
        "and of the certifier alone on its answer (what `mechopt verify` recomputes).",
        "",
        "| solver | n | seconds | certifier alone | status | certificate | total data |",
        "|---|---|---|---|---|---|---|",
        _row("structured (`solve_value_shaping`, median of 3)", 10**6, t_big, c_big, r_big),
        _row("structured (once)", args.largest_n, t_huge, c_huge, r_huge),
        _row("structured (median of 5)", args.generic_n, t_small, c_small, r_small),
    ]
    for method, g in rows:
        lines.append(f"| generic `solve_nash(method={method!r})` | {args.generic_n:,} | {g['seconds']:.2f} | - | "
                     f"{g['status']} | gain found {g['found_gain']:.2g}, bound {g['gain_bound']:.2g} | "
                     f"{g['total_ratio']:.4f} x m^max total |")
    g0 = rows[0][1]
    lines += [
        "",
        f"Model file at n = 10^6 (the largest a `value_shaping` model takes): solve and certify "
        f"{trip['solve']:.1f} s, JSON written {trip['write']:.1f} s ({trip['mib']:.0f} MiB), read and verified "
        f"{trip['verify']:.1f} s, established = {trip['established']}.",
        "",
        f"Ratio at n = {args.generic_n}: generic Newton / structured = {g0['seconds'] / t_small:.0f}x "
        f"(and the generic method does not return m^max).",
        f"The generic Nash certificate evaluated *at m^max* (n = {args.generic_n}) takes {g0['cert_seconds']:.2f} s: "
        f"gains found {g0['cert_found']:.2g}, Lipschitz gain bound {g0['cert_bound']:.2g}, verified = "
        f"{g0['cert_verified']}.",
        "",
        "Why: the utilities of (11) are not concave in the own action (the max(0, .) of v and the kink at m_i^max), "
        "so the generic certificate can only bound gains through a declared Lipschitz constant on a grid, which is "
        "far too coarse for a 1e-9 gap; and with eps -> 0 every m_i in [m_i*, m_i^max] is a weak best response, so "
        "the generic methods stop anywhere in that set (the own gradient is 0 there).  The structured solver uses "
        "the scalar equation M = A v(M) + B for the total and an exact piecewise certificate (docs/valueshaping.md).",
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
