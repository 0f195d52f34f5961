"""Reproductions of 000's figures as PNG files (matplotlib Agg, imported lazily).

Figure 2 (m* vs cost, log-log, slope -2/3), Figure 4 (total data vs n and vs cost; agents needed
for viability), Figure 6 (data vs p for PD, PV, PS against value shaping), Figure 7 (two cost types,
value shaping against PD at its best p) and Figure 5(c) (the GPT-3 example of C.1).  The value of data is the PAC bound
(001 (2), floored) with a_opt = 0.95 and complexity k (not stated by the paper; k in {1, 10, 100}).
Each function returns the data it plotted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from mechopt.data.functions import PACBound, PowerLaw
from mechopt.valueshaping.baselines import largest_symmetric_equilibrium, two_type_pd_equilibrium
from mechopt.valueshaping.equilibrium import solve_value_shaping, viability_threshold
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.value import ValueOfData

A_OPT = 0.95
KS = (1.0, 10.0, 100.0)
Tick = Callable[[str], None]


def _fig(path: Path, draw) -> Path:  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    draw(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def _pac(k: float) -> ValueOfData:
    return ValueOfData(PACBound(a0=A_OPT, k=k))


def figure2(out: Path, tick: Tick = lambda _: None) -> dict:
    costs = np.geomspace(1e-9, 1e-1, 60)
    data = {}
    for k in KS:
        m, _, _ = solo_contributions(_pac(k), costs)
        data[k] = m
        tick(f"Figure 2, k = {k:g}")
    pos = data[10.0] > 0
    slope = float(np.polyfit(np.log(costs[pos][:10]), np.log(data[10.0][pos][:10]), 1)[0])

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.subplots()
        for k, m in data.items():
            ax.loglog(costs[m > 0], m[m > 0], label=f"k = {k:g}")
        ref = data[10.0][pos][0] * (costs[pos] / costs[pos][0]) ** (-2 / 3)
        ax.loglog(costs[pos], ref, "k--", lw=0.8, label="slope -2/3")
        ax.set_xlabel("marginal cost c")
        ax.set_ylabel("optimal solo contribution m*")
        ax.set_title(f"000 Figure 2 (fitted slope {slope:.3f})")
        ax.legend()

    _fig(out / "figure2_solo_vs_cost.png", draw)
    return {"costs": costs, "m_star": data, "slope_k10": slope}


def figure4(out: Path, quick: bool = False, tick: Tick = lambda _: None) -> dict:
    ns = np.unique(np.geomspace(100, 1000 if quick else 10_000, 8 if quick else 15).round().astype(int))
    costs = np.geomspace(0.01, 1.0, 6 if quick else 12)
    n_fix = 1000 if quick else 10_000
    by_n, by_c, need = {}, {}, {}
    for k in KS:
        v = _pac(k)
        by_n[k] = [solve_value_shaping(v, np.full(n, 0.1)).total_data or 0.0 for n in ns]
        by_c[k] = [solve_value_shaping(v, np.full(n_fix, c)).total_data or 0.0 for c in costs]
        kappa = viability_threshold(v)
        need[k] = np.ceil(costs * kappa)
        tick(f"Figure 4, k = {k:g}")

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.subplots(1, 3)
        for k in KS:
            ax[0].plot(ns, by_n[k], "o-", ms=3, label=f"k = {k:g}")
            pos = np.asarray(by_c[k]) > 0  # zero totals (not viable) are left out of the log plot
            ax[1].loglog(costs[pos], np.asarray(by_c[k])[pos], "o-", ms=3, label=f"k = {k:g}")
            ax[2].plot(costs, need[k], "o-", ms=3, label=f"k = {k:g}")
        ax[0].set(xlabel="agents n (c = 0.1)", ylabel="total data at m^max", title="(a)")
        ax[1].set(xlabel=f"cost c (n = {n_fix})", ylabel="total data (positive only)", title="(b)")
        ax[2].set(xlabel="cost c", ylabel="agents needed for viability", title="(c)")
        ax[0].legend(fontsize=7)
        fig.set_size_inches(12, 4)

    _fig(out / "figure4_total_data.png", draw)
    return {"n": ns, "costs": costs, "by_n": by_n, "by_c": by_c, "agents_needed": need}


def figure6(out: Path, quick: bool = False, tick: Tick = lambda _: None) -> dict:
    n, c = (1000, 0.1) if quick else (10_000, 0.1)
    v = _pac(10.0)
    ps = np.linspace(0.0, 1.0, 5 if quick else 11)
    vs = solve_value_shaping(v, np.full(n, c)).total_data or 0.0
    out_data = {}
    for kind in ("PD", "PV", "PS"):
        rows = [largest_symmetric_equilibrium(kind, v, n, c, float(p), grid=40 if quick else 80) for p in ps]
        out_data[kind] = ([r.total for r in rows], [r.local_total for r in rows])
        tick(f"Figure 6, {kind}")

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.subplots()
        for kind, (glob, loc) in out_data.items():
            ax.plot(ps, glob, "o-", ms=3, label=f"{kind} (every deviation)")
            ax.plot(ps, loc, "x:", ms=4, label=f"{kind} (Theorem VI local set, IR drop-out)")
        ax.axhline(vs, color="k", ls="--", label="value shaping (11)")
        ax.set(xlabel="exponent p", ylabel="total data at the largest symmetric equilibrium",
               title=f"000 Figure 6 (n = {n}, c = {c}, k = 10)")
        ax.legend(fontsize=7)

    _fig(out / "figure6_baselines.png", draw)
    return {"p": ps, "value_shaping": vs, "baselines": out_data}


def figure7(out: Path, quick: bool = False, tick: Tick = lambda _: None) -> dict:
    """Figure 7: n agents with cost 1e-4 (a fraction q) or 2e-4; value shaping (a, b) and proportional
    data (12) at its best p among a few (c, d), each at its largest-total equilibrium."""
    n = 1000 if quick else 10_000
    v = _pac(10.0)
    qs = np.linspace(0.0, 1.0, 3 if quick else 6)
    ps = (0.5, 1.0) if quick else (0.25, 0.5, 1.0)
    totals, high, pd_tot, pd_high, pd_p = [], [], [], [], []
    for q in qs:
        k_low = int(round(q * n))
        c = np.where(np.arange(n) < k_low, 1e-4, 2e-4)
        r = solve_value_shaping(v, c)
        prof = r.equilibrium.profile
        totals.append(r.total_data or 0.0)
        high.append(float(prof[k_low:].mean()) if prof is not None and k_low < n else float("nan"))
        best = max((two_type_pd_equilibrium(v, n, k_low, 1e-4, 2e-4, p, grid=20 if quick else 30) for p in ps),
                   key=lambda e: e.total)
        pd_tot.append(best.total)
        pd_high.append(best.m_high if k_low < n else float("nan"))
        pd_p.append(best.p)
        tick(f"Figure 7, q = {q:.2f}")

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.subplots(1, 2)
        ax[0].plot(qs, totals, "o-", label="value shaping (11)")
        ax[0].plot(qs, pd_tot, "s--", label="proportional data (12), best p")
        ax[0].set(xlabel="fraction of low-cost agents", ylabel="total data", title="(a), (c) total data")
        ax[1].plot(qs, high, "o-", label="value shaping (11)")
        ax[1].plot(qs, pd_high, "s--", label="proportional data (12), best p")
        ax[1].set(xlabel="fraction of low-cost agents", ylabel="data per high-cost agent", title="(b), (d)")
        ax[0].legend(fontsize=7)
        fig.set_size_inches(10, 4)

    _fig(out / "figure7_two_costs.png", draw)
    return {"q": qs, "total": totals, "high_cost_contribution": high, "pd_total": pd_tot,
            "pd_high_cost_contribution": pd_high, "pd_best_p": pd_p}


def gpt3_value(beta: float = 0.95) -> ValueOfData:
    """C.1: v(m) = 1e9 (1 - (5.4e13 / m)^beta)."""
    return ValueOfData(PowerLaw(alpha=1e9 * 5.4e13 ** beta, beta=beta, top=1e9))


def gpt3(out: Path, quick: bool = False, tick: Tick = lambda _: None) -> dict:
    c = 1e-3
    v = gpt3_value()
    n_min = int(np.ceil(c * viability_threshold(v)))
    ns = np.unique(np.geomspace(10, 10_000, 12 if quick else 30).round().astype(int))
    totals = [solve_value_shaping(v, np.full(n, c)).total_data or 0.0 for n in ns]
    tick("GPT-3 (C.1)")

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.subplots()
        pos = np.asarray(totals) > 0
        ax.loglog(ns[pos], np.asarray(totals)[pos], "o-", ms=3)
        ax.axvline(n_min, color="k", ls="--", label=f"smallest viable n = {n_min}")
        ax.set(xlabel="companies n", ylabel="tokens collected at m^max",
               title="000 Figure 5(c): GPT-3, v = 1e9 (1 - (5.4e13/m)^0.95), c = 1e-3")
        ax.legend()

    _fig(out / "figure5c_gpt3.png", draw)
    return {"n": ns, "total": totals, "n_min": n_min}


FIGURES = {"figure2": figure2, "figure4": figure4, "figure6": figure6, "figure7": figure7, "gpt3": gpt3}
