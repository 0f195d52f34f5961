"""The data-maximizing equilibrium m^max of value shaping (000 (11), Theorem IV) with its certificate:
the structured solver (one scalar equation for the total, closed-form profile, exact piecewise
certificate) against the generic `solve_nash` on the same game (:class:`ValueShapingGame`).

Instance: v(m) = max(0, 1 - m^-1/2) (power law, m0 = 1), heterogeneous costs c_i ~ U[1e-4, 1e-2]
(seeded), eps = 0 (the limit of Theorem IV).  Structured: `solve_value_shaping` (solo optima,
the free-riding equilibrium and its certificate, every fixed point, the m^max certificate) at
n = 10^6 (median of 3) and n = 1 000.  Generic at n = 1 000: `solve_nash(game, method=...)` from
its default start; its point is compared with m^max, and the generic Nash certificate is also
computed at m^max itself.

Run:  .venv/bin/python benchmarks/value_shaping.py [--out PATH] [--generic-n N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from mechopt.certificates.nash import nash_certificate  # noqa: E402
from mechopt.data.functions import PowerLaw  # noqa: E402
from mechopt.solvers.nash import solve_nash  # noqa: E402
from mechopt.valueshaping.equilibrium import solve_value_shaping  # noqa: E402
from mechopt.valueshaping.game import ValueShapingGame  # noqa: E402
from mechopt.valueshaping.mechanisms import ValueShaping  # noqa: E402
from mechopt.valueshaping.value import ValueOfData  # noqa: E402

VALUE = ValueOfData(PowerLaw(alpha=1.0, beta=0.5, top=1.0))


def costs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(1e-4, 1e-2, n)


def structured(n: int, repeats: int) -> tuple[float, object]:
    c = costs(n)
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = solve_value_shaping(VALUE, c)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def generic(n: int, method: str) -> dict:
    c = costs(n)
    game = ValueShapingGame(ValueShaping(VALUE, c))
    ref = solve_value_shaping(VALUE, c)
    t0 = time.perf_counter()
    res = solve_nash(game, method=method)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    point = res.certificate.point
    t1 = time.perf_counter()
    at_ref = nash_certificate(game, ref.equilibrium.profile)
    cert_seconds = time.perf_counter() - t1
    return {"seconds": seconds, "status": res.status.value, "found_gain": float(np.max(res.certificate.found_gains)),
            "gain_bound": res.certificate.max_gain, "total_ratio": float(point.sum() / ref.total_data),
            "cert_seconds": cert_seconds, "cert_verified": at_ref.verified, "cert_found": float(np.max(at_ref.found_gains)),
            "cert_bound": at_ref.max_gain}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "value_shaping.md")
    ap.add_argument("--generic-n", type=int, default=1000)
    args = ap.parse_args()
    t_big, r_big = structured(10**6, 3)
    t_small, r_small = structured(args.generic_n, 5)
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
        "Written by `benchmarks/value_shaping.py`.",
        "",
        "| solver | n | seconds | status | certificate | total data |",
        "|---|---|---|---|---|---|",
        f"| structured (`solve_value_shaping`, median of 3) | 1 000 000 | {t_big:.3f} | {r_big.status.value} | "
        f"verified={r_big.certificate.verified}, max gain {r_big.certificate.max_gain:.2g} | {r_big.total_data:.6g} |",
        f"| structured (median of 5) | {args.generic_n} | {t_small:.4f} | {r_small.status.value} | "
        f"verified={r_small.certificate.verified}, max gain {r_small.certificate.max_gain:.2g} | {r_small.total_data:.6g} |",
    ]
    for method, g in rows:
        lines.append(f"| generic `solve_nash(method={method!r})` | {args.generic_n} | {g['seconds']:.2f} | {g['status']} | "
                     f"gain found {g['found_gain']:.2g}, bound {g['gain_bound']:.2g} | "
                     f"{g['total_ratio']:.4f} x m^max total |")
    g0 = rows[0][1]
    lines += [
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
